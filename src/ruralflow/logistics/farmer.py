"""Farmer-side value of village pickup (2.1.1: about 100 yuan a day reported for 黑钻苹果
farmers): what a farmer would spend to bring the day's produce to the township station or
the county hub, against what the plan charges to collect it at the village.

Model (``docs/logistics.md``, "Farmer-side value"):

* Farmers per village = ceil(the village's carried up kg / ``kg_per_farmer_day``); each
  farmer hauls an equal share on an own tricycle (农用三轮车), ceil(share / ``load_kg``) round
  trips.
* A round trip costs 2 x road km x ``yuan_per_km`` plus the farmer's time: 2 x road km /
  ``speed_kmh`` + ``handover_h`` (waiting and handing over), at ``time_yuan_per_hour``
  (the county's ``labour_yuan_per_hour`` when it sets one). Road km are the planner's
  (:class:`ruralflow.geo.Geography`): village -> its township station, village -> hub.
* The plan's charge for a village's carried produce: on a bus, the consignment's fee and
  last leg; on a van or reefer, the route's fixed and distance cost shared by kg over all it
  carried (down and up). Spoilage and penalties are not charged to the farmer.
* Value = own haul to the county hub - plan charge (the plan takes the produce to the hub);
  the haul to the township is given too (the farmer's cheaper alternative when a township
  collection point exists; the produce is then still at the township).

All defaults are assumptions with ranges (:data:`DEFAULTS`); none is sourced.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from ruralflow.domain import County
from ruralflow.geo import Geography
from ruralflow.logistics.result import Plan


@dataclass(frozen=True, slots=True)
class FarmerParam:
    key: str
    value: float
    unit: str
    low: float
    high: float
    source: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "value": self.value,
            "unit": self.unit,
            "range": [self.low, self.high],
            "source": self.source,
        }


DEFAULTS: dict[str, FarmerParam] = {
    p.key: p
    for p in (
        FarmerParam(
            "yuan_per_km",
            0.3,
            "yuan/km",
            0.15,
            0.6,
            "assumption: farm tricycle, about 3 L petrol/100 km x 8 yuan/L + upkeep; an "
            "electric one is cheaper (0.15), an old petrol one dearer (0.6)",
        ),
        FarmerParam(
            "speed_kmh",
            20.0,
            "km/h",
            15.0,
            30.0,
            "assumption: loaded tricycle, county roads",
        ),
        FarmerParam(
            "load_kg", 300.0, "kg", 200.0, 500.0, "assumption: payload of a farm tricycle"
        ),
        FarmerParam(
            "handover_h",
            0.5,
            "h",
            0.25,
            1.0,
            "assumption: waiting, weighing and handing over at the station",
        ),
        FarmerParam(
            "time_yuan_per_hour",
            30.0,
            "yuan/h",
            15.0,
            40.0,
            "assumption: the county's labour_yuan_per_hour when set (rural worker, about "
            "6,000 yuan a month); 15 = NBS 2024 rural disposable income per worker-hour, "
            "about 23,119 yuan x 2 persons per worker / 2,500 h, rounded down",
        ),
        FarmerParam(
            "kg_per_farmer_day",
            150.0,
            "kg/farmer/day",
            50.0,
            300.0,
            "assumption: one producing household's shipment on a harvest day (e.g. 5 mu of "
            "apples at 2 t/mu picked over about 60 days is about 170 kg a day)",
        ),
    )
}


@dataclass(frozen=True, slots=True)
class VillageValue:
    village: str
    name: str
    kg: float
    farmers: int
    trips: int
    km_to_township: float
    km_to_county: float
    self_haul_township_yuan: float
    self_haul_county_yuan: float
    plan_charge_yuan: float
    by_bus_kg: float

    @property
    def value_yuan(self) -> float:
        return self.self_haul_county_yuan - self.plan_charge_yuan

    @property
    def value_per_farmer_yuan(self) -> float:
        return self.value_yuan / self.farmers if self.farmers else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "village": self.village,
            "name": self.name,
            "kg": round(self.kg, 3),
            "by_bus_kg": round(self.by_bus_kg, 3),
            "farmers": self.farmers,
            "trips": self.trips,
            "km_to_township": round(self.km_to_township, 3),
            "km_to_county": round(self.km_to_county, 3),
            "self_haul_township_yuan": round(self.self_haul_township_yuan, 2),
            "self_haul_county_yuan": round(self.self_haul_county_yuan, 2),
            "plan_charge_yuan": round(self.plan_charge_yuan, 2),
            "value_yuan": round(self.value_yuan, 2),
            "value_per_farmer_yuan": round(self.value_per_farmer_yuan, 2),
        }


@dataclass(frozen=True)
class FarmerValue:
    """The farmer-side value of one day's plan (:func:`farmer_value`)."""

    day: str
    villages: tuple[VillageValue, ...]
    parameters: tuple[FarmerParam, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def farmers(self) -> int:
        return sum(v.farmers for v in self.villages)

    @property
    def kg(self) -> float:
        return math.fsum(v.kg for v in self.villages)

    @property
    def self_haul_county_yuan(self) -> float:
        return math.fsum(v.self_haul_county_yuan for v in self.villages)

    @property
    def self_haul_township_yuan(self) -> float:
        return math.fsum(v.self_haul_township_yuan for v in self.villages)

    @property
    def plan_charge_yuan(self) -> float:
        return math.fsum(v.plan_charge_yuan for v in self.villages)

    @property
    def value_yuan(self) -> float:
        return self.self_haul_county_yuan - self.plan_charge_yuan

    @property
    def value_per_farmer_yuan(self) -> float:
        return self.value_yuan / self.farmers if self.farmers else 0.0

    def summary(self) -> str:
        return (
            f"农户侧价值 / farmer-side value {self.day}: {self.farmers} farmers, "
            f"{self.kg:,.0f} kg; own haul to the county {self.self_haul_county_yuan:,.0f} "
            f"yuan (to the township {self.self_haul_township_yuan:,.0f}) vs plan charge "
            f"{self.plan_charge_yuan:,.0f} yuan: value {self.value_yuan:,.0f} yuan, "
            f"{self.value_per_farmer_yuan:.1f} yuan per farmer a day"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "day": self.day,
            "farmers": self.farmers,
            "kg": round(self.kg, 3),
            "self_haul_township_yuan": round(self.self_haul_township_yuan, 2),
            "self_haul_county_yuan": round(self.self_haul_county_yuan, 2),
            "plan_charge_yuan": round(self.plan_charge_yuan, 2),
            "value_yuan": round(self.value_yuan, 2),
            "value_per_farmer_yuan": round(self.value_per_farmer_yuan, 2),
            "definition": (
                "value = farmers' own tricycle round trips to the county hub (km cost + time) "
                "- what the plan charges to collect at the village (bus fee and last leg, or "
                "the van/reefer route's fixed and distance cost shared by kg)"
            ),
            "parameters": [p.to_dict() for p in self.parameters],
            "villages": [v.to_dict() for v in self.villages],
            "notes": list(self.notes),
        }


def _params(county: County, overrides: dict[str, float] | None) -> dict[str, FarmerParam]:
    out = dict(DEFAULTS)
    labour = county.settings.costs.get("labour_yuan_per_hour")
    if labour is not None:
        d = out["time_yuan_per_hour"]
        out["time_yuan_per_hour"] = FarmerParam(
            d.key, float(labour.value), d.unit, d.low, d.high, f"county costs: {labour.source}"
        )
    for k, v in (overrides or {}).items():
        if k not in out:
            raise KeyError(f"unknown farmer-side parameter {k!r} (known: {', '.join(out)})")
        d = out[k]
        out[k] = FarmerParam(d.key, float(v), d.unit, d.low, d.high, "given by the caller")
    return out


def plan_charges(plan: Plan) -> dict[str, tuple[float, float]]:
    """Per up item id: (yuan the plan charges to carry it, kg by bus)."""
    out: dict[str, tuple[float, float]] = {}
    for c in plan.bus:
        if c.flow != "up" or c.kg <= 0:
            continue
        yuan = c.fee_yuan + c.last_leg_yuan
        for iid in c.items:
            it = plan.items.get(iid)
            if it is not None:
                out[iid] = (yuan * it.kg / c.kg, it.kg)
    for r in plan.routes:
        ids = r.item_ids
        kgs = {i: plan.items[i].kg for i in ids if i in plan.items}
        total = math.fsum(kgs.values())
        if total <= 0:
            continue
        cost = r.fixed_yuan + r.distance_yuan
        for i, kg in kgs.items():
            if plan.items[i].flow == "up":
                out[i] = (cost * kg / total, 0.0)
    return out


def farmer_value(
    county: County,
    plan: Plan,
    overrides: dict[str, float] | None = None,
    geo: Geography | None = None,
) -> FarmerValue:
    """What the farmers of ``plan``'s villages save by village pickup on its day."""
    prm = _params(county, overrides)
    v = {k: p.value for k, p in prm.items()}
    g = geo if geo is not None else Geography.from_county(county, roads=county.roads)
    hub = county.settings.hub
    charges = plan_charges(plan)
    kg_by: dict[str, float] = defaultdict(float)
    bus_by: dict[str, float] = defaultdict(float)
    charge_by: dict[str, float] = defaultdict(float)
    for iid, (yuan, bus_kg) in charges.items():
        it = plan.items[iid]
        kg_by[it.village] += it.kg
        bus_by[it.village] += bus_kg
        charge_by[it.village] += yuan
    rows: list[VillageValue] = []
    for vid in sorted(kg_by):
        kg = kg_by[vid]
        place = county.place_by_id[vid]
        farmers = max(1, math.ceil(kg / v["kg_per_farmer_day"] - 1e-9))
        trips = farmers * max(1, math.ceil(kg / farmers / v["load_kg"] - 1e-9))
        km_t = g.distance_km(vid, place.parent) if place.parent else g.distance_km(vid, hub)
        km_c = g.distance_km(vid, hub)

        def haul(km: float, n: int = trips) -> float:
            hours = 2.0 * km / v["speed_kmh"] + v["handover_h"]
            return n * (2.0 * km * v["yuan_per_km"] + hours * v["time_yuan_per_hour"])

        rows.append(
            VillageValue(
                village=vid,
                name=place.name,
                kg=kg,
                farmers=farmers,
                trips=trips,
                km_to_township=km_t,
                km_to_county=km_c,
                self_haul_township_yuan=haul(km_t),
                self_haul_county_yuan=haul(km_c),
                plan_charge_yuan=charge_by[vid],
                by_bus_kg=bus_by[vid],
            )
        )
    notes = (
        "produce not carried by the plan is not counted",
        "farmers per village = ceil(carried kg / kg_per_farmer_day); one farm tricycle each",
    )
    return FarmerValue(plan.day.isoformat(), tuple(rows), tuple(prm.values()), notes)
