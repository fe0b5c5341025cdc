"""Calibration of the loss function: constants, typical journeys and published targets.

Everything the calibration depends on lives here.

Loss model (:func:`ruralflow.freshness.loss.loss_fraction`): the consumed fraction ``phi`` at
which an item of a lot fails is Weibull-distributed, so the expected loss fraction is the
Weibull CDF::

    L(phi) = 1 - exp(-(phi / LAMBDA) ** K)       LAMBDA = 3.6, K = 1.2

``K`` slightly above 1 makes losses grow a little faster than linearly in phi (ageing) while
keeping the large item-to-item spread of a mixed smallholder lot; ``L(1) = 19.3 %``: at the end
of its nominal storage life a lot has lost about a fifth of its items. LAMBDA and K are
ASSUMPTIONS fitted (rounded) so that the two typical journeys below reproduce PARAMS.md
section 2:

* ambient chain, leafy vegetable: target 20-30 % (China F&V 20-30 %, vegetables 27.7 % in the
  2017-2019 survey of 35 counties; conf. A/B);
* ambient chain, fruit (apple): target 10-20 % (fruit 13.2 % in the same survey; 11 % trade
  figure);
* full cold chain (pre-cooling + reefer + cold store): target below 5 % (PARAMS.md model
  default 3-5 %; developed countries "<5 %").

Results (tests/freshness/test_freshness_calibration.py checks them): ambient chain at 28 degC,
leafy vegetable phi 1.38 -> 27.2 %, apple phi 0.64 -> 11.8 %; full cold chain, leafy
vegetable phi 0.26 -> 4.3 %, apple phi 0.08 -> 1.1 %.

Typical journeys (ASSUMPTIONS on durations and temperatures; ``ambient_c`` defaults to 28 degC,
a July mean for the county seats named in DESIGN.md; pass a bundle's monthly mean instead):

Ambient chain (no cold chain), 102 h:

1. field heat, harvest to collection: 4 h at ambient + 4 degC (sun, no shade)
2. village station wait: 8 h at ambient
3. van ride to the county hub: 2 h at ambient + 2 degC
4. county hub wait and sorting: 10 h at ambient
5. long haul, unrefrigerated truck: 30 h at ambient
6. city wholesale market and retail hold: 48 h at ambient - 2 degC

Full cold chain, 98 h + 3 Z:

1. field heat before pre-cooling: 2 h at ambient + 4 degC (prompt: PARAMS.md pre-cooling
   targets are 1-4 h after harvest)
2. pre-cooling to seven-eighths (3 Z) in a medium at ``T_hold``
3. cold store at the preprocess centre / cold hub: 18 h at ``T_hold + 1``
4. reefer long haul: 30 h at ``T_hold + 2`` (set-point drift, door openings)
5. city cold store / front warehouse: 24 h at ``T_hold + 1``
6. chilled retail display: 24 h at ``T_hold + 4``

with ``T_hold`` = the product's ``t_opt_c`` (or ``t_min_c + 1`` when not given).
"""

from __future__ import annotations

from ruralflow.domain.products import Product
from ruralflow.freshness.cooling import CoolingMethod
from ruralflow.freshness.journey import Journey, hold, precool

WEIBULL_SCALE_PHI = 3.6
"""Weibull scale LAMBDA of item failure, in units of consumed shelf life (ASSUMPTION, fitted)."""

WEIBULL_SHAPE = 1.2
"""Weibull shape K of item failure (ASSUMPTION, fitted)."""

SUMMER_AMBIENT_C = 28.0
"""Default ambient air temperature of the calibration journeys (ASSUMPTION: July mean)."""

VEGETABLE_AMBIENT_LOSS_RANGE = (0.20, 0.30)
"""PARAMS.md s.2: F&V loss in China's circulation 20-30 %; vegetables 27.7 % (survey)."""

FRUIT_AMBIENT_LOSS_RANGE = (0.10, 0.20)
"""PARAMS.md s.2: fruit 13.2 % (survey), 11 % (trade); model default fruit 13-20 %."""

COLD_CHAIN_MAX_LOSS = 0.05
"""PARAMS.md s.2: full cold chain 3-5 %; developed countries <5 %."""

CALIBRATION_SOURCE = (
    "Weibull LAMBDA=3.6, K=1.2 fitted (assumption) to PARAMS.md s.2: ambient chain leafy "
    "vegetable 20-30 %, fruit 10-20 %, full cold chain <5 %"
)


def typical_ambient_chain(ambient_c: float = SUMMER_AMBIENT_C) -> Journey:
    """The ambient (no cold chain) calibration journey, 102 h (module docstring)."""
    return Journey.of(
        [
            hold("field heat: harvest to collection", 4.0, ambient_c + 4.0),
            hold("village station wait", 8.0, ambient_c),
            hold("van ride to county hub", 2.0, ambient_c + 2.0),
            hold("county hub wait and sorting", 10.0, ambient_c),
            hold("long haul, unrefrigerated truck", 30.0, ambient_c),
            hold("city wholesale market and retail hold", 48.0, ambient_c - 2.0),
        ],
        name=f"ambient chain at {ambient_c:g} degC",
    )


def hold_temperature(product: Product) -> float:
    """Cold-chain holding temperature: ``t_opt_c``, else ``t_min_c + 1`` (assumption)."""
    return product.t_opt_c if product.t_opt_c is not None else product.t_min_c + 1.0


def typical_cold_chain(
    product: Product,
    ambient_c: float = SUMMER_AMBIENT_C,
    method: CoolingMethod | str = CoolingMethod.FORCED_AIR,
) -> Journey:
    """The full cold-chain calibration journey for ``product`` (module docstring)."""
    t_hold = hold_temperature(product)
    return Journey.of(
        [
            hold("field heat before pre-cooling", 2.0, ambient_c + 4.0),
            precool(f"pre-cooling ({CoolingMethod(method).value})", method, t_hold),
            hold("cold store at preprocess centre", 18.0, t_hold + 1.0),
            hold("reefer long haul", 30.0, t_hold + 2.0),
            hold("city cold store / front warehouse", 24.0, t_hold + 1.0),
            hold("chilled retail display", 24.0, t_hold + 4.0),
        ],
        name=f"full cold chain ({CoolingMethod(method).value} pre-cooling)",
    )
