"""Product temperature under pre-cooling: Newtonian cooling with a half-cooling time.

The fractional unaccomplished temperature change (UC ANR Pub. 21567, Thompson et al. 2002;
the research notes ``PARAMS.md`` section 1, "Cooling kinetics")::

    Y(t) = (T(t) - T_m) / (T_0 - T_m) = exp(-C t) = exp(-ln 2 * t / Z)

with ``T_0`` the product temperature at the start, ``T_m`` the cooling-medium temperature and
``Z = ln 2 / C`` the half-cooling time. After ``Z`` the product has made half its way to the
medium; the "seven-eighths cooling time" is ``3 Z``. The same law describes warming (T_0 < T_m).

Default half-cooling times by method (:data:`DEFAULT_HALF_COOLING_H`):

* room cooling: ``C ~ 0.1 /h`` (PARAMS.md, from a calculator page, confidence C), so
  ``Z = ln 2 / 0.1 = 6.93 h``;
* forced air: "75-90 % faster than room cooling" (PARAMS.md, Thompson et al.), read as a cooling
  time 80-90 % shorter; we take 1/6 of the room value, ``Z = 1.16 h`` (derived, D);
* hydro-cooling: faster than forced air (PARAMS.md ordering only); ``Z = 0.4 h`` is an
  ASSUMPTION;
* vacuum cooling: fastest (PARAMS.md ordering only); ``Z = 0.2 h`` is an ASSUMPTION (leafy
  vegetables reach 7/8 cooling in about 36 min).
"""

from __future__ import annotations

import math
from enum import StrEnum

from ruralflow.freshness.errors import FreshnessError

LN2 = math.log(2.0)


class CoolingMethod(StrEnum):
    """Pre-cooling methods (PARAMS.md: R, F, H, vacuum)."""

    ROOM = "room"
    FORCED_AIR = "forced_air"
    HYDRO = "hydro"
    VACUUM = "vacuum"


ROOM_COOLING_COEFFICIENT_PER_H = 0.1
"""Room-cooling coefficient C (1/h). PARAMS.md section 1, cooling kinetics (conf. C)."""

DEFAULT_HALF_COOLING_H: dict[CoolingMethod, float] = {
    CoolingMethod.ROOM: LN2 / ROOM_COOLING_COEFFICIENT_PER_H,  # 6.93 h, PARAMS.md (C)
    CoolingMethod.FORCED_AIR: LN2 / ROOM_COOLING_COEFFICIENT_PER_H / 6.0,  # 1.16 h, derived (D)
    CoolingMethod.HYDRO: 0.4,  # ASSUMPTION: faster than forced air (PARAMS.md ordering)
    CoolingMethod.VACUUM: 0.2,  # ASSUMPTION: fastest method (PARAMS.md ordering)
}
"""Default half-cooling time Z (hours) per method; see the module docstring for sources."""

HALF_COOLING_SOURCE: dict[CoolingMethod, str] = {
    CoolingMethod.ROOM: "PARAMS.md s.1 cooling kinetics: C ~ 0.1/h (conf. C)",
    CoolingMethod.FORCED_AIR: "PARAMS.md s.1: forced air 75-90% faster than room (D: Z/6)",
    CoolingMethod.HYDRO: "assumption (PARAMS.md s.1 gives only the ordering)",
    CoolingMethod.VACUUM: "assumption (PARAMS.md s.1 gives only the ordering)",
}


def half_cooling_time_h(method: CoolingMethod | str) -> float:
    """Default half-cooling time Z (hours) of a pre-cooling method."""
    try:
        m = CoolingMethod(method)
    except ValueError:
        known = ", ".join(c.value for c in CoolingMethod)
        raise FreshnessError(f"unknown cooling method {method!r}; known: {known}") from None
    return DEFAULT_HALF_COOLING_H[m]


def unaccomplished_fraction(hours: float, half_cooling_h: float) -> float:
    """``Y(t) = exp(-ln 2 * t / Z)``: share of the initial temperature gap still to go."""
    return math.exp(-LN2 * hours / half_cooling_h)


def product_temperature(
    hours: float, start_c: float, medium_c: float, half_cooling_h: float
) -> float:
    """Product temperature after ``hours``: ``T_m + (T_0 - T_m) * exp(-ln 2 * t / Z)``."""
    return medium_c + (start_c - medium_c) * unaccomplished_fraction(hours, half_cooling_h)


def cooling_time_h(
    start_c: float, medium_c: float, target_c: float, half_cooling_h: float
) -> float:
    """Hours to bring the product from ``start_c`` to ``target_c`` in a medium at ``medium_c``.

    ``t = Z * log2((T_0 - T_m) / (T_target - T_m))``; ``3 Z`` for seven-eighths cooling.
    Raises :class:`FreshnessError` if the target is not strictly between start and medium
    (Newtonian cooling never reaches the medium temperature).
    """
    gap0 = start_c - medium_c
    gap = target_c - medium_c
    if gap0 == 0.0 or gap == 0.0 or gap / gap0 <= 0.0 or abs(gap) > abs(gap0):
        raise FreshnessError(
            f"cooling target {target_c:g} degC is not reachable from {start_c:g} degC in a "
            f"medium at {medium_c:g} degC"
        )
    return half_cooling_h * math.log2(gap0 / gap)
