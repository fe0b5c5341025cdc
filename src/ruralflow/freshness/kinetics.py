"""Shelf life as a function of temperature (Q10 and Arrhenius forms).

Quality decays at a temperature-dependent rate ``k(T)``; shelf life is its inverse,
``SL(T) = SL_ref * k(T_ref) / k(T)``. Two forms (research notes ``PARAMS.md`` section 1):

* Q10 form::

      SL(T) = SL_ref * Q10 ** ((T_ref - T) / 10)

* Arrhenius form, with ``Ea`` in kJ/mol, ``R = 8.314 J/mol/K`` and temperatures in kelvin::

      SL(T) = SL_ref * exp(Ea * 1000 / R * (1 / T_K - 1 / T_ref_K))

A product with ``ea_kj_per_mol`` uses the Arrhenius form, otherwise the Q10 form. Neither form
holds below a chilling-sensitive product's threshold (PARAMS.md section 1, Saltveit): below
``Product.t_min_c`` these functions raise :class:`FreshnessError` instead of extrapolating.
"""

from __future__ import annotations

import math
from typing import Literal

from ruralflow.domain.products import Product
from ruralflow.freshness.errors import FreshnessError

R_J_PER_MOL_K = 8.314
"""Gas constant (J/mol/K), as used in PARAMS.md."""

KELVIN_OFFSET = 273.15
HOURS_PER_DAY = 24.0
CHILLING_TOLERANCE_C = 1e-9
"""Temperatures this close below ``t_min_c`` count as at the threshold (rounding only)."""

KineticsModel = Literal["arrhenius", "q10"]


def shelf_life_q10(sl_ref_days: float, t_ref_c: float, q10: float, temp_c: float) -> float:
    """Shelf life in days at ``temp_c``: ``SL_ref * Q10 ** ((T_ref - T) / 10)``."""
    return sl_ref_days * math.pow(q10, (t_ref_c - temp_c) / 10.0)


def shelf_life_arrhenius(
    sl_ref_days: float, t_ref_c: float, ea_kj_per_mol: float, temp_c: float
) -> float:
    """Shelf life in days at ``temp_c``: ``SL_ref * exp(Ea/R * (1/T_K - 1/T_ref_K))``."""
    t_k = temp_c + KELVIN_OFFSET
    t_ref_k = t_ref_c + KELVIN_OFFSET
    return sl_ref_days * math.exp(
        ea_kj_per_mol * 1000.0 / R_J_PER_MOL_K * (1.0 / t_k - 1.0 / t_ref_k)
    )


def q10_to_ea(q10: float, t1_c: float, t2_c: float | None = None) -> float:
    """Activation energy (kJ/mol) equivalent to ``q10`` between ``t1_c`` and ``t1_c + 10``.

    ``Ea = R * ln(Q10) / (1/T1 - 1/T2)`` (PARAMS.md header); e.g. Q10 = 3 over 0-10 degC gives
    70.6 kJ/mol.
    """
    t2 = t1_c + 10.0 if t2_c is None else t2_c
    ratio = q10 ** ((t2 - t1_c) / 10.0)
    inv = 1.0 / (t1_c + KELVIN_OFFSET) - 1.0 / (t2 + KELVIN_OFFSET)
    return R_J_PER_MOL_K * math.log(ratio) / inv / 1000.0


def kinetics_model(product: Product) -> KineticsModel:
    """``"arrhenius"`` when the product has ``ea_kj_per_mol``, else ``"q10"``."""
    return "q10" if product.ea_kj_per_mol is None else "arrhenius"


def check_temperature(product: Product, temp_c: float, where: str = "") -> None:
    """Raise :class:`FreshnessError` if ``temp_c`` is below the product's ``t_min_c``."""
    if temp_c < product.t_min_c - CHILLING_TOLERANCE_C:
        at = f" in {where}" if where else ""
        raise FreshnessError(
            f"product {product.id!r} ({product.name}){at}: temperature {temp_c:.2f} degC is "
            f"below its chilling threshold t_min_c={product.t_min_c:g} degC; the shelf-life "
            "model does not extrapolate there"
        )


def shelf_life_days(product: Product, temp_c: float) -> float:
    """Shelf life of ``product`` (days) if held at ``temp_c`` throughout.

    Arrhenius form when ``product.ea_kj_per_mol`` is set, else Q10 form (module docstring).
    Raises :class:`FreshnessError` below ``product.t_min_c``.
    """
    check_temperature(product, temp_c)
    if product.ea_kj_per_mol is not None:
        return shelf_life_arrhenius(
            product.shelf_life_ref_days, product.t_ref_c, product.ea_kj_per_mol, temp_c
        )
    return shelf_life_q10(product.shelf_life_ref_days, product.t_ref_c, product.q10, temp_c)


def decay_rate_per_hour(product: Product, temp_c: float) -> float:
    """Consumed fraction of shelf life per hour at ``temp_c``: ``1 / (24 * SL(T))``."""
    return 1.0 / (HOURS_PER_DAY * shelf_life_days(product, temp_c))
