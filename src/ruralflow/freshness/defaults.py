"""Default perishability parameters for typical products, from the research notes ``PARAMS.md``.

:func:`default_perishability` returns a dict whose keys are fields of
:class:`ruralflow.domain.Product` (``shelf_life_ref_days``, ``t_ref_c``, ``q10``,
``ea_kj_per_mol``, ``t_min_c``, ``t_opt_c``, ``source``), so a bundle generator can write
``Product(id=..., name=..., category=..., value_yuan_per_kg=...,
**default_perishability("apple"))``.

Conventions (all stated in each row's ``source``):

* ``shelf_life_ref_days`` is the centre of the storage-life range of PARAMS.md section 1
  (USDA AH-66 Table 20.1), at ``t_ref_c`` = the recommended storage temperature.
* ``ea_kj_per_mol``: the commodity's derived value where PARAMS.md gives one (lettuce 48,
  strawberry 77); otherwise the PARAMS.md suggested model default 65 kJ/mol, which reproduces
  the generic relative shelf life 100/33/13/7 at 0/10/20/30 degC within about 20 %. Products
  with ``ea_kj_per_mol`` use the Arrhenius form; ``q10`` is kept for the Q10 form.
* ``t_min_c`` is the lowest safe temperature: the chilling threshold for chilling-sensitive
  produce (citrus, melon, mango, pepper), otherwise the low end of the recommended range
  (freezing risk).
* Rows marked ASSUMPTION are not in PARAMS.md (cherry storage life, pepper); kiwifruit,
  honeydew melon and pear cite the AH-66-derived Table 20.1 and the commodity sheets named
  in their ``source``.
* ``ea_kj_per_mol`` None (honeydew melon): the Q10 form, for lack of a commodity Ea.
"""

from __future__ import annotations

from typing import Any

from ruralflow.freshness.cooling import CoolingMethod
from ruralflow.freshness.errors import FreshnessError

GENERIC_EA_KJ_PER_MOL = 65.0
"""PARAMS.md section 1, suggested model default: Ea 45-90 kJ/mol, central 65 (D)."""

GENERIC_Q10 = 3.0
"""PARAMS.md section 1, generic row (Saltveit, AH-66): Q10 2.5-4.0 over 0-10 degC."""

_GENERIC = (
    "Q10/Ea: PARAMS.md s.1 generic row (Saltveit AH-66: Q10 2.5-4 over 0-10 degC) and "
    "suggested default Ea 65 kJ/mol (D)"
)

_TABLE: dict[str, dict[str, Any]] = {
    "generic perishable": {
        "shelf_life_ref_days": 100.0,
        "t_ref_c": 0.0,
        "q10": GENERIC_Q10,
        "ea_kj_per_mol": GENERIC_EA_KJ_PER_MOL,
        "t_min_c": 0.0,
        "t_opt_c": 0.0,
        "source": "PARAMS.md s.1 generic perishable row (relative shelf life 100 at 0 degC, "
        "Saltveit AH-66); " + _GENERIC + "; t_min 0 degC is an assumption",
        "precooling": CoolingMethod.FORCED_AIR,
    },
    "apple": {
        "shelf_life_ref_days": 90.0,
        "t_ref_c": 0.0,
        "q10": GENERIC_Q10,
        "ea_kj_per_mol": GENERIC_EA_KJ_PER_MOL,
        "t_min_c": -1.0,
        "t_opt_c": 0.0,
        "source": "PARAMS.md s.1 Apple row (AH-66 Table 20.1: -1 to 4 degC, 2-4 months in "
        "air, centre 3 months); " + _GENERIC,
        "precooling": CoolingMethod.FORCED_AIR,
    },
    "peach": {
        "shelf_life_ref_days": 21.0,
        "t_ref_c": 0.0,
        "q10": GENERIC_Q10,
        "ea_kj_per_mol": GENERIC_EA_KJ_PER_MOL,
        "t_min_c": -1.0,
        "t_opt_c": 0.0,
        "source": "PARAMS.md s.1 Peach/nectarine row (AH-66 Table 20.1: -1 to 0 degC, "
        "14-28 d, centre 21 d; per-commodity Ea a GAP); " + _GENERIC,
        "precooling": CoolingMethod.FORCED_AIR,
    },
    "nectarine": {
        "shelf_life_ref_days": 16.0,
        "t_ref_c": 0.0,
        "q10": GENERIC_Q10,
        "ea_kj_per_mol": GENERIC_EA_KJ_PER_MOL,
        "t_min_c": -1.0,
        "t_opt_c": 0.0,
        "source": "PARAMS.md s.1 Peach/nectarine row (AH-66 Table 20.1: -1 to 0 degC, "
        "14-18 d, centre 16 d); " + _GENERIC,
        "precooling": CoolingMethod.FORCED_AIR,
    },
    "navel orange": {
        "shelf_life_ref_days": 70.0,
        "t_ref_c": 5.0,
        "q10": 2.5,
        "ea_kj_per_mol": 58.9,
        "t_min_c": 3.0,
        "t_opt_c": 5.0,
        "source": "PARAMS.md s.1 Orange row (AH-66 8-12 weeks, centre 10 weeks; PPECB navel "
        "3-8 degC, chilling-sensitive below 3 degC); Q10 2-3 for citrus (conf. C), centre 2.5 "
        "= Ea 58.9 kJ/mol over 0-10 degC (PARAMS.md conversion, D)",
        "precooling": CoolingMethod.ROOM,
    },
    "strawberry": {
        "shelf_life_ref_days": 7.0,
        "t_ref_c": 0.0,
        "q10": 3.2,
        "ea_kj_per_mol": 77.0,
        "t_min_c": 0.0,
        "t_opt_c": 0.0,
        "source": "PARAMS.md s.1 Strawberry row (UC Davis: 0 degC, ~7 d; Q10 ~3.2, Ea ~77 "
        "kJ/mol, D)",
        "precooling": CoolingMethod.FORCED_AIR,
    },
    "leafy vegetable": {
        "shelf_life_ref_days": 21.0,
        "t_ref_c": 0.0,
        "q10": 2.1,
        "ea_kj_per_mol": 48.0,
        "t_min_c": 0.0,
        "t_opt_c": 0.0,
        "source": "PARAMS.md s.1 Leafy vegetables (lettuce) row (whole butter lettuce 21 d at "
        "0 degC, 14 d at 5, 10 d at 10: Q10 ~2.1, Ea ~48 kJ/mol, D; 0 degC optimum, freezing "
        "below)",
        "precooling": CoolingMethod.VACUUM,
    },
    "cantaloupe": {
        "shelf_life_ref_days": 12.0,
        "t_ref_c": 3.0,
        "q10": GENERIC_Q10,
        "ea_kj_per_mol": GENERIC_EA_KJ_PER_MOL,
        "t_min_c": 2.0,
        "t_opt_c": 3.0,
        "source": "PARAMS.md s.1 Melons row (cantaloupe 2-4 degC, 10-14 d; row alignment to be "
        "re-checked against AH-66); " + _GENERIC,
        "precooling": CoolingMethod.HYDRO,
    },
    "watermelon": {
        "shelf_life_ref_days": 17.0,
        "t_ref_c": 12.0,
        "q10": GENERIC_Q10,
        "ea_kj_per_mol": GENERIC_EA_KJ_PER_MOL,
        "t_min_c": 10.0,
        "t_opt_c": 12.0,
        "source": "PARAMS.md s.1 Melons row (watermelon 10-15 degC, 2-3 weeks; chilling-"
        "sensitive below 10 degC); " + _GENERIC,
        "precooling": CoolingMethod.ROOM,
    },
    "mango": {
        "shelf_life_ref_days": 21.0,
        "t_ref_c": 12.0,
        "q10": GENERIC_Q10,
        "ea_kj_per_mol": GENERIC_EA_KJ_PER_MOL,
        "t_min_c": 10.0,
        "t_opt_c": 12.0,
        "source": "PARAMS.md s.1 Mango row (mature-green 10-13 degC, 14-28 d; chilling "
        "threshold ~10-13 degC); " + _GENERIC,
        "precooling": CoolingMethod.FORCED_AIR,
    },
    "cherry": {
        "shelf_life_ref_days": 14.0,
        "t_ref_c": 0.0,
        "q10": GENERIC_Q10,
        "ea_kj_per_mol": GENERIC_EA_KJ_PER_MOL,
        "t_min_c": -1.0,
        "t_opt_c": 0.0,
        "source": "ASSUMPTION: sweet cherry storage life 14 d at 0 degC (not in PARAMS.md); "
        "pre-cooling below 5 degC within 4 h from PARAMS.md s.1 berries/cherries row; " + _GENERIC,
        "precooling": CoolingMethod.HYDRO,
    },
    "kiwifruit": {
        "shelf_life_ref_days": 135.0,
        "t_ref_c": 0.0,
        "q10": GENERIC_Q10,
        "ea_kj_per_mol": GENERIC_EA_KJ_PER_MOL,
        "t_min_c": -0.5,
        "t_opt_c": 0.0,
        "source": "AH-66-derived Table 20.1 Kiwi row (Lamikanra & Imam ch. 20, "
        "issuhub.com/view/index?id=8432&pageIndex=617: 0 degC, 90-95 %, 4-5 months, forced "
        "air after 48-72 h curing; respiration 3 mg CO2/kg/h at 0 degC), centre 4.5 months; "
        "t_min -0.5 degC: UC Davis Postharvest kiwifruit fact sheet (optimum 0 degC, highest "
        "freezing point -1.5 degC; early-picked fruit freeze-damaged below 0 degC), -0.5 "
        "degC taken between (assumption); " + _GENERIC,
        "precooling": CoolingMethod.FORCED_AIR,
    },
    "honeydew melon": {
        "shelf_life_ref_days": 21.0,
        "t_ref_c": 7.0,
        "q10": 2.5,
        "ea_kj_per_mol": None,
        "t_min_c": 4.4,
        "t_opt_c": 7.0,
        "source": "PARAMS.md s.1 Melons row (AH-66 Table 20.1: honeydew about 7 degC, 95 %, "
        "about 3 weeks); WFLO Commodity Storage Manual, Melons and Cantaloupes (2008): "
        "honeydew 7-10 degC, 90-95 %, 2-3 weeks, and melons stored at 7-10 degC 'should never "
        "be allowed to cool below 4.4 degC (40 degF)': chilling threshold 4.4 degC (USDA "
        "ARS-10, Lipton & Mackey 1984: 7.5-10 degC recommended against chilling injury); Q10 "
        "2.5: PARAMS.md s.1 generic 10-20 degC band 2.0-2.5 (Q10 form, no commodity Ea)",
        "precooling": CoolingMethod.HYDRO,
    },
    "pear": {
        "shelf_life_ref_days": 75.0,
        "t_ref_c": -1.0,
        "q10": GENERIC_Q10,
        "ea_kj_per_mol": GENERIC_EA_KJ_PER_MOL,
        "t_min_c": -1.0,
        "t_opt_c": -1.0,
        "source": "AH-66-derived Table 20.1 Pear row (issuhub.com/view/index?id=8432&"
        "pageIndex=618: -1 degC, 90-94 %, 60-90 days, centre 75 d; respiration 3 mg CO2/kg/h; "
        "no pre-cooling method listed); European pear data used for Asian pears (assumption); "
        + _GENERIC,
        "precooling": CoolingMethod.ROOM,
    },
    "pepper": {
        "shelf_life_ref_days": 14.0,
        "t_ref_c": 8.0,
        "q10": GENERIC_Q10,
        "ea_kj_per_mol": GENERIC_EA_KJ_PER_MOL,
        "t_min_c": 7.0,
        "t_opt_c": 8.0,
        "source": "ASSUMPTION: fresh sweet/chili pepper 14 d at 8 degC, chilling-sensitive "
        "below 7 degC (not in PARAMS.md); " + _GENERIC,
        "precooling": CoolingMethod.FORCED_AIR,
    },
}

_ALIASES: dict[str, str] = {
    "apples": "apple",
    "peaches": "peach",
    "orange": "navel orange",
    "navel": "navel orange",
    "citrus": "navel orange",
    "strawberries": "strawberry",
    "lettuce": "leafy vegetable",
    "leafy vegetables": "leafy vegetable",
    "leafy greens": "leafy vegetable",
    "leafy": "leafy vegetable",
    "vegetable": "leafy vegetable",
    "melon": "cantaloupe",
    "sweet cherry": "cherry",
    "cherries": "cherry",
    "kiwi": "kiwifruit",
    "honeydew": "honeydew melon",
    "pears": "pear",
    "sweet pepper": "pepper",
    "chili pepper": "pepper",
    "generic": "generic perishable",
}

PRODUCT_FIELDS = (
    "shelf_life_ref_days",
    "t_ref_c",
    "q10",
    "ea_kj_per_mol",
    "t_min_c",
    "t_opt_c",
    "source",
)


def known_products() -> list[str]:
    """Names accepted by :func:`default_perishability` (without aliases)."""
    return sorted(_TABLE)


def _key(name_en: str) -> str:
    key = " ".join(str(name_en).strip().lower().replace("_", " ").replace("-", " ").split())
    key = _ALIASES.get(key, key)
    if key not in _TABLE:
        raise FreshnessError(
            f"no default perishability for product {name_en!r}; known: "
            + ", ".join(known_products())
        )
    return key


def default_perishability(name_en: str) -> dict[str, Any]:
    """Default perishability fields of :class:`~ruralflow.domain.Product` for ``name_en``.

    Case-insensitive; a few aliases (``lettuce``, ``orange``, ``kiwi``...) are accepted. The
    dict holds exactly :data:`PRODUCT_FIELDS`; ``source`` cites the PARAMS.md row. Raises
    :class:`FreshnessError` for an unknown name.
    """
    row = _TABLE[_key(name_en)]
    return {f: row[f] for f in PRODUCT_FIELDS}


def default_precooling(name_en: str) -> CoolingMethod:
    """Usual pre-cooling method for ``name_en`` (PARAMS.md s.1 "Pre-cooling" column)."""
    method: CoolingMethod = _TABLE[_key(name_en)]["precooling"]
    return method
