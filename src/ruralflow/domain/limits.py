"""What a bundle may say: known YAML keys, their units and the plausible bounds of every value.

The reader refuses a key it does not know (with a "did you mean" when one is close), a unit
that is not the key's unit, and a number beyond the bounds below: such a value is a typing
slip (an extra zero, kg typed as g, a pasted column), never a county's real figure. The
bounds are documented in docs/bundle-format.md; keep the two in step.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

# county.yaml -------------------------------------------------------------------------------
COUNTY_KEYS: tuple[str, ...] = (
    "format",
    "adcode",
    "name",
    "name_en",
    "province",
    "city",
    "crs",
    "hub",
    "coarse",
    "monthly_mean_temp_c",
    "detour_factor",
    "costs",
    "sources",
    "synthetic",
    "season",
)
SOURCED_KEYS: tuple[str, ...] = ("value", "unit", "source", "note")
SEASON_KEYS: tuple[str, ...] = ("start", "end")
TEMPS_KEYS: tuple[str, ...] = ("values", "source")

#: ``costs`` keys -> unit. The planner (logistics), siting and the bundle maker read these.
COST_UNITS: dict[str, str] = {
    "penalty_yuan_per_kg": "yuan/kg",
    "penalty_yuan_per_parcel": "yuan/parcel",
    "penalty_unserved_yuan_per_kg": "yuan/kg",
    "penalty_unserved_yuan_per_parcel": "yuan/parcel",
    "penalty_yuan_per_consignment": "yuan/consignment",
    "last_mile_yuan_per_parcel": "yuan/parcel",
    "labour_yuan_per_hour": "yuan/h",
    "stop_min": "min",
    "handling_min_per_parcel": "min/parcel",
    "handling_min_per_100kg": "min/100 kg",
    "depot_load_min": "min",
    "transfer_min": "min",
    "merge_window_min": "min",
    "up_kg_per_m3": "kg/m3",
    "up_kg_per_piece": "kg/piece",
    "last_leg_speed_kmh": "km/h",
    "last_leg_capacity_kg": "kg",
    "last_leg_co2_kg_per_km": "kg CO2/km",
    "last_leg_yuan_per_km": "yuan/km",
    "last_leg_yuan_per_hour": "yuan/h",
    "station_setup_yuan": "yuan/station",
    "cold_hub_fixed_yuan_per_day": "yuan/day",
    "cold_hub_capacity_kg_per_day": "kg/day",
    "preprocess_fixed_yuan_per_day": "yuan/day",
    "preprocess_capacity_kg_per_day": "kg/day",
    "transport_yuan_per_kg_km": "yuan/kg-km",
    "hub_sorting_parcels_per_hour": "parcels/h",
    "hub_sorting_lead_min": "min",
    "hub_cutoff_min": "min",
    "trunk_departure_min": "min",
    "front_warehouse_km": "km",
    "front_warehouse_min": "min",
    "front_warehouse_chilled": "flag",
    "trunk_yuan_per_t_km": "yuan/t-km",
    "trunk_reefer_factor": "ratio",
    "box_hold_h": "h",
    "box_yuan": "yuan/box",
    "box_kg": "kg/box",
}
#: Every ``costs`` value lies in [0, COST_MAX] (whatever its unit); speeds, capacities and
#: densities must be > 0 (the planner and siting divide by them).
COST_MAX = 1e6
COST_POSITIVE: frozenset[str] = frozenset(
    {
        "last_leg_speed_kmh",
        "last_leg_capacity_kg",
        "up_kg_per_m3",
        "up_kg_per_piece",
        "cold_hub_capacity_kg_per_day",
        "preprocess_capacity_kg_per_day",
        "box_kg",
    }
)
DETOUR_UNIT = "ratio"

# economy.yaml ------------------------------------------------------------------------------
ECONOMY_KEYS: tuple[str, ...] = ("year", "io_table", "flows", "parameters", "sector_shares")
FLOW_UNIT = "yuan/year"
#: A flow is named ``down_<x>`` or ``up_<x>``; its value lies in [0, FLOW_MAX] yuan a year
#: (the largest county economies are below 1e12 yuan a year).
FLOW_NAME = re.compile(r"^(down|up)_[a-z0-9_]+$")
FLOW_MAX = 1e12
#: ``parameters`` keys -> unit (the value matrix reads these).
PARAMETER_UNITS: dict[str, str] = {
    "rural_propensity_to_consume": "yuan/yuan",
    "online_share_of_goods_retail": "share",
    "online_share_of_services": "share",
    "services_per_down_goods": "share",
    "supply_response_elasticity": "elasticity",
    "logistics_saving_yuan_per_parcel": "yuan/parcel",
    "logistics_saving_yuan_per_yuan": "yuan/yuan",
    "bus_logistics_saving_yuan_per_yuan": "yuan/yuan",
    "parcel_value_yuan": "yuan/parcel",
    "brand_spillover_to_tourism": "yuan/yuan",
    "tourist_online_repurchase": "yuan/yuan",
    "bus_saving_factor": "ratio",
    "brand_premium": "share",
    "training_seller_increase": "share",
    "cold_hub_coverage": "share",
    "balance_threshold": "ratio",
    "county_output_share": "share",
    "flq_delta": "exponent",
}
#: ``sector.<flow>.<IO sector code>``: a flow's local content in one IO sector (a share).
SECTOR_PARAMETER = re.compile(r"^sector\.(down|up)_[a-z0-9_]+\.\d{2}$")
#: Bounds of a parameter by unit: shares in [0, 1], elasticities in [-100, 100], the rest in
#: [0, PARAMETER_MAX].
PARAMETER_BOUNDS: dict[str, tuple[float, float]] = {
    "share": (0.0, 1.0),
    "elasticity": (-100.0, 100.0),
    "exponent": (0.0, 1.0),
}
PARAMETER_MAX = 1e6
#: Parameters with bounds of their own (inclusive), and those that must be > 0 or < 1.
PARAMETER_KEY_BOUNDS: dict[str, tuple[float, float]] = {
    "rural_propensity_to_consume": (0.0, 1.0),
}
PARAMETER_POSITIVE: frozenset[str] = frozenset({"parcel_value_yuan", "county_output_share"})
PARAMETER_BELOW_ONE: frozenset[str] = frozenset({"flq_delta"})
YEAR_RANGE = (1949, 2100)
#: Sectors of the 42-sector IO tables (``sector_shares`` keys are their codes 01..42).
IO_SECTORS = 42
#: IO tables live in these folders of the data folder.
IO_TABLE_FOLDERS: tuple[str, ...] = ("io/china_provincial_2017_42", "io/china_national_42")

# CSV rows (checked by the domain objects) ---------------------------------------------------
ROW_MAX_KG = 1e6  # one demand row or one up batch: at most 1,000 t
ROW_MAX_PARCELS = 100_000
ROW_MAX_M3 = 5_000.0
VEHICLE_MAX_KG = 50_000.0  # the heaviest legal road train in China is 49 t
VEHICLE_MAX_M3 = 200.0
VEHICLE_MAX_COUNT = 10_000
VEHICLE_MAX_FIXED_YUAN = 100_000.0  # per vehicle and day
VEHICLE_MAX_YUAN_PER_KM = 1_000.0
VEHICLE_MAX_CO2_KG_PER_KM = 10.0
BUS_MAX_SPARE_KG = 10_000.0
BUS_MAX_SPARE_M3 = 100.0
BUS_MAX_FEE_YUAN = 1_000.0
BUS_MAX_DWELL_MIN = 120
PLACE_MAX_HOUSEHOLDS = 100_000
PRODUCT_MAX_YUAN_PER_KG = 100_000.0
PRODUCT_MAX_SHELF_LIFE_DAYS = 3_650.0

#: How many problems of one kind are listed before the rest are counted.
MAX_SAME_PROBLEMS = 20


def did_you_mean(word: str, options: Iterable[str]) -> str:
    """`` (是否应为 'x'？/ did you mean 'x'?)`` when an option is close to ``word``, else ''."""
    by_lower = {o.lower(): o for o in options}
    close = difflib.get_close_matches(word.strip().lower(), list(by_lower), n=1, cutoff=0.7)
    if not close:
        return ""
    best = by_lower[close[0]]
    return f" (是否应为 {best!r}？/ did you mean {best!r}?)"
