"""Cost, time and emission parameters of the planner, each with its source.

A county can override any of them in ``county.yaml`` (``costs:`` with the key below); the
others are the defaults here, marked ``assumption`` unless a source is given. The plan lists
every parameter it used with its value and source (``Plan.parameters``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ruralflow.domain import County, VehicleKind, VehicleType

DIESEL_KG_CO2_PER_L = 2.68
"""IPCC 2006 Guidelines vol. 2 ch. 3: diesel 74,100 kg CO2/TJ (Table 3.2.1) x NCV 43.0 TJ/Gg
(vol. 2 Table 1.2) x density 0.84 kg/L = 2.68 kg CO2 per litre."""

GRID_KG_CO2_PER_KWH = 0.5703
"""China national grid average emission factor 2022, 0.5703 t CO2/MWh (Ministry of Ecology
and Environment announcement, 2023-2024)."""

_CO2_SOURCE = (
    "default: {l100:g} L diesel/100 km (assumption) x 2.68 kg CO2/L (IPCC 2006 vol. 2: "
    "74,100 kg/TJ x 43.0 TJ/Gg x 0.84 kg/L)"
)

DEFAULT_L_PER_100KM: dict[VehicleKind, float] = {
    VehicleKind.VAN: 9.0,
    VehicleKind.REEFER: 12.0,  # refrigeration unit included
    VehicleKind.TRUCK: 14.0,
    VehicleKind.TRICYCLE: 0.0,
}


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter: value, unit and source."""

    key: str
    value: float
    unit: str
    source: str
    meaning: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "value": self.value,
            "unit": self.unit,
            "source": self.source,
            "meaning": self.meaning,
        }


_DEFAULTS: tuple[tuple[str, float, str, str, str], ...] = (
    (
        "penalty_yuan_per_kg",
        5.0,
        "yuan/kg",
        "assumption: a day's delay, re-handling and goodwill",
        "penalty for each kg not carried today",
    ),
    (
        "penalty_yuan_per_parcel",
        5.0,
        "yuan/parcel",
        "assumption: order of a late-delivery compensation",
        "penalty for each down parcel not carried today",
    ),
    (
        "stop_min",
        5.0,
        "min",
        "assumption: park, hand over, sign",
        "fixed handover time of a vehicle at a village station",
    ),
    (
        "handling_min_per_parcel",
        0.2,
        "min/parcel",
        "assumption",
        "unloading time per down parcel",
    ),
    (
        "handling_min_per_100kg",
        2.0,
        "min/100 kg",
        "assumption: crates loaded by hand",
        "loading time of produce",
    ),
    (
        "depot_load_min",
        15.0,
        "min",
        "assumption",
        "loading/unloading time at the county hub before each trip",
    ),
    (
        "up_kg_per_m3",
        300.0,
        "kg/m3",
        "assumption: crated fruit and vegetables (250-450 kg/m3)",
        "density used when a batch has no volume",
    ),
    (
        "up_kg_per_piece",
        20.0,
        "kg/piece",
        "assumption: one produce carton or crate",
        "pieces of produce charged a bus per-parcel fee",
    ),
    (
        "last_mile_yuan_per_parcel",
        2.0,
        "yuan/parcel",
        "PARAMS.md s.3 GAP, suggested default (D): village last mile 1.5-3 yuan per parcel",
        "cost of the last leg between a village and its bus stop per parcel or produce piece "
        "when a courier delivers them one by one; a consignment pays the cheaper of this and "
        "the township tricycle's shuttle (per trip: km x last_leg_yuan_per_km + hours x "
        "last_leg_yuan_per_hour)",
    ),
    (
        "box_hold_h",
        8.0,
        "h",
        "assumption, range 4-12: passive insulated boxes (EPP/EPS with ice packs or "
        "phase-change packs, 蓄冷箱) hold 2-8 degC for 10-15 h by vendors' claims (Liviri, "
        "https://liviri.com/2020/10/23/passive-vs-active-cooling-insulated-box-cooling-for-"
        "perishable-foods; PackIt Fresh, up to 15 h); 8 h leaves margin for summer heat and "
        "the lid opened at stops. 0 turns boxes off (cold parcels ride reefers only)",
        "longest time a cold down parcel may spend in an insulated box on a van or a bus, "
        "from leaving the hub's cold store to its handover at the village (last leg included)",
    ),
    (
        "box_yuan",
        1.5,
        "yuan/box",
        "assumption, range 0.8-3: ice packs re-frozen at the hub plus a reusable EPP box "
        "(about 30-60 yuan, 100+ uses) and its empty return; no sourced rural figure",
        "cost of one insulated box with its ice packs for one day's use",
    ),
    (
        "box_kg",
        15.0,
        "kg/box",
        "assumption, range 10-20: a 30-50 L box holds about 15 kg of parcels with its packs",
        "cold parcels' kg one insulated box takes",
    ),
    (
        "last_leg_yuan_per_km",
        0.3,
        "yuan/km",
        "assumption: electric or petrol cargo tricycle, energy and upkeep (range 0.15-0.6, "
        "as the farmer-side tricycle)",
        "running cost of the township's last-leg tricycle per km",
    ),
    (
        "last_leg_yuan_per_hour",
        30.0,
        "yuan/h",
        "assumption: rural driver or station worker, about 6,000 yuan a month (range 15-40; "
        "the county's labour_yuan_per_hour when it sets one)",
        "labour of the township's last-leg tricycle rider (driving and both handovers)",
    ),
    (
        "last_leg_speed_kmh",
        20.0,
        "km/h",
        "assumption: electric tricycle",
        "speed of the last leg",
    ),
    (
        "last_leg_capacity_kg",
        300.0,
        "kg",
        "assumption: electric cargo tricycle",
        "load of one last-leg trip",
    ),
    (
        "last_leg_co2_kg_per_km",
        0.05 * GRID_KG_CO2_PER_KWH,
        "kg CO2/km",
        "0.05 kWh/km (assumption) x 0.5703 kg CO2/kWh (China grid 2022, MEE)",
        "emissions of the last-leg tricycle",
    ),
    (
        "transfer_min",
        10.0,
        "min",
        "assumption",
        "handover time at a bus stop (each end of the last leg)",
    ),
    (
        "merge_window_min",
        180.0,
        "min",
        "assumption",
        "a village's down parcels and up produce form one stop only if the joint time "
        "window stays at least this long",
    ),
    (
        "hub_sorting_parcels_per_hour",
        0.0,
        "parcels/h",
        "assumption: 0 = not a bottleneck (manual sorting about 500-1,500 parcels/h per "
        "county hub, a small automated line 3,000-10,000: assumption ranges)",
        "county hub's sorting capacity; the vans and buses leave with down parcels only once "
        "the day's parcels are sorted",
    ),
    (
        "hub_sorting_lead_min",
        0.0,
        "min",
        "assumption: sorting starts when the hub opens",
        "minutes before the hub opens that sorting of the day's parcels starts",
    ),
    (
        "hub_cutoff_min",
        0.0,
        "min",
        "assumption: 0 = no cut-off",
        "minute of the day by which a parcel must be sorted to leave today; the rest waits "
        "for the next day",
    ),
    (
        "trunk_departure_min",
        0.0,
        "min",
        "assumption: 0 = the city trunk leaves when the hub closes",
        "minute of the day the trunk to the city front warehouse leaves; produce must reach "
        "the hub before it",
    ),
    (
        "front_warehouse_km",
        0.0,
        "km",
        "assumption: 0 = no trunk leg modelled (the onward chain's long haul stands for it)",
        "road km from the county hub to the city front warehouse (产地直供-城市前置仓)",
    ),
    (
        "front_warehouse_min",
        0.0,
        "min",
        "assumption: 0 = km at 60 km/h",
        "trunk driving time from the county hub to the city front warehouse",
    ),
    (
        "front_warehouse_chilled",
        0.0,
        "flag",
        "assumption: 0 = ambient trunk (1 = reefer trunk)",
        "the city trunk is refrigerated (1) or ambient (0)",
    ),
    (
        "trunk_yuan_per_t_km",
        0.45,
        "yuan/t-km",
        "assumption: China road freight about 0.3-0.6 yuan per tonne-km (full truckload)",
        "cost of the ambient city trunk per tonne of produce and km",
    ),
    (
        "trunk_reefer_factor",
        1.45,
        "ratio",
        "PARAMS.md s3 suggested default: reefer cost per km 1.3-1.6x a van",
        "cost of a refrigerated city trunk relative to an ambient one",
    ),
    (
        "penalty_yuan_per_consignment",
        100.0,
        "yuan/consignment",
        "assumption: a village's orders or a farmer's batch left for another day "
        "(rescheduling, calls, compensation); it keeps a stop in the plan unless its detour "
        "costs more than this",
        "penalty for each consignment (a village's down parcels, an up batch) not carried, "
        "shared by the pieces of a split consignment",
    ),
)


_ALIASES = {
    "penalty_yuan_per_kg": "penalty_unserved_yuan_per_kg",
    "penalty_yuan_per_parcel": "penalty_unserved_yuan_per_parcel",
}
"""Other names a bundle may use for the same parameter."""


@dataclass(frozen=True)
class Params:
    """The parameters in force for one plan (see the module docstring)."""

    values: dict[str, Param] = field(default_factory=dict)
    co2: dict[str, Param] = field(default_factory=dict)

    def __getitem__(self, key: str) -> float:
        return self.values[key].value

    @classmethod
    def from_county(cls, county: County) -> Params:
        values: dict[str, Param] = {}
        costs = county.settings.costs
        for key, value, unit, source, meaning in _DEFAULTS:
            given = costs.get(key)
            if given is None and key in _ALIASES:
                given = costs.get(_ALIASES[key])
            if given is not None:
                values[key] = Param(key, float(given.value), given.unit, given.source, meaning)
            else:
                values[key] = Param(key, value, unit, source, meaning)
        labour = costs.get("labour_yuan_per_hour")
        if labour is not None and costs.get("last_leg_yuan_per_hour") is None:
            values["last_leg_yuan_per_hour"] = Param(
                "last_leg_yuan_per_hour",
                float(labour.value),
                "yuan/h",
                f"county costs labour_yuan_per_hour: {labour.source}",
                values["last_leg_yuan_per_hour"].meaning,
            )
        tricycle = next(
            (v for v in county.vehicle_types if v.kind is VehicleKind.TRICYCLE and v.count > 0),
            None,
        )
        if tricycle is not None:
            src = f"fleet.csv tricycle {tricycle.id!r} ({tricycle.source})"
            values["last_leg_speed_kmh"] = Param(
                "last_leg_speed_kmh",
                tricycle.speed_kmh,
                "km/h",
                src,
                values["last_leg_speed_kmh"].meaning,
            )
            values["last_leg_capacity_kg"] = Param(
                "last_leg_capacity_kg",
                tricycle.capacity_kg,
                "kg",
                src,
                values["last_leg_capacity_kg"].meaning,
            )
            if tricycle.co2_kg_per_km > 0:
                values["last_leg_co2_kg_per_km"] = Param(
                    "last_leg_co2_kg_per_km",
                    tricycle.co2_kg_per_km,
                    "kg CO2/km",
                    src,
                    values["last_leg_co2_kg_per_km"].meaning,
                )
        co2 = {v.id: co2_factor(v) for v in county.vehicle_types}
        return cls(values, co2)

    def to_list(self) -> list[dict[str, Any]]:
        return [p.to_dict() for p in self.values.values()] + [
            p.to_dict() for p in self.co2.values()
        ]


def co2_factor(v: VehicleType) -> Param:
    """The vehicle type's emission factor (kg CO2/km) and its source.

    ``fleet.csv``'s ``co2_kg_per_km`` when given (> 0), with the fleet's source; otherwise a
    default fuel use per kind (ASSUMPTION) times the IPCC diesel factor.
    """
    key = f"co2_kg_per_km[{v.id}]"
    meaning = f"emission factor of vehicle type {v.id}"
    if v.co2_kg_per_km > 0:
        return Param(key, v.co2_kg_per_km, "kg CO2/km", f"fleet.csv ({v.source})", meaning)
    l100 = DEFAULT_L_PER_100KM.get(v.kind, 9.0)
    return Param(
        key,
        l100 / 100.0 * DIESEL_KG_CO2_PER_L,
        "kg CO2/km",
        _CO2_SOURCE.format(l100=l100),
        meaning,
    )
