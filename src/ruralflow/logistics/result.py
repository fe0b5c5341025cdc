"""The plan of one day: routes, bus consignments, spoilage, what was not carried, costs."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from ruralflow.domain import County
from ruralflow.logistics.bus import BusConsignment, hhmm
from ruralflow.logistics.costs import Costs
from ruralflow.logistics.flows import Item, Totals
from ruralflow.logistics.routes import Route
from ruralflow.logistics.spoilage import BatchSpoilage


@dataclass(frozen=True, slots=True)
class NotCarried:
    """An item that no carrier takes today, with the reason and the penalty charged."""

    item: str
    source: str
    flow: str
    village: str
    parcels: int
    kg: float
    cold: bool
    reason: str
    penalty_yuan: float
    batch: str = ""
    product: str = ""
    kind: str = ""
    """capacity, time_window, cold_chain, no_line, cut_off or cost (dearer than its
    penalty)."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "item": self.item,
            "source": self.source,
            "flow": self.flow,
            "village": self.village,
            "batch": self.batch,
            "product": self.product,
            "parcels": self.parcels,
            "kg": round(self.kg, 3),
            "cold": self.cold,
            "reason": self.reason,
            "reason_kind": self.kind,
            "penalty_yuan": round(self.penalty_yuan, 2),
        }


@dataclass(frozen=True, slots=True)
class PlanFigures:
    """The headline numbers of a plan, for comparisons."""

    mode: str
    costs: Costs
    km: float
    vehicles: int
    trips: int
    bus_consignments: int
    co2_kg: float
    not_carried_kg: float
    runtime_s: float
    bus_parcels: int = 0
    bus_kg: float = 0.0
    parcels: int = 0
    kg: float = 0.0
    not_carried_by_reason_kg: dict[str, float] = field(default_factory=dict)

    @property
    def bus_share_parcels(self) -> float:
        """Share of the day's down parcels that ride a bus."""
        return self.bus_parcels / self.parcels if self.parcels else 0.0

    @property
    def bus_share_kg(self) -> float:
        return self.bus_kg / self.kg if self.kg else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "costs": self.costs.to_dict(),
            "km": round(self.km, 3),
            "vehicles": self.vehicles,
            "trips": self.trips,
            "bus_consignments": self.bus_consignments,
            "co2_kg": round(self.co2_kg, 3),
            "not_carried_kg": round(self.not_carried_kg, 3),
            "runtime_s": round(self.runtime_s, 2),
            "bus_parcels": self.bus_parcels,
            "bus_kg": round(self.bus_kg, 3),
            "bus_share_parcels": round(self.bus_share_parcels, 6),
            "bus_share_kg": round(self.bus_share_kg, 6),
            "not_carried_by_reason_kg": {
                k: round(v, 3) for k, v in sorted(self.not_carried_by_reason_kg.items())
            },
        }


@dataclass(frozen=True, slots=True)
class Comparison:
    """Integrated vs separate (two one-way operations), same solver, same time."""

    integrated: PlanFigures
    separate: PlanFigures
    time_limit_s: float
    baseline: str = ""
    """How the separate baseline is defined (stated in the report)."""

    @property
    def saving_yuan(self) -> float:
        return self.separate.costs.total - self.integrated.costs.total

    @property
    def saving_pct(self) -> float:
        base = self.separate.costs.total
        return 100.0 * self.saving_yuan / base if base > 0 else 0.0

    @property
    def transport_saving_yuan(self) -> float:
        """Saving on what the carriers cost (fixed + distance + bus fees + last legs)."""
        return self.separate.costs.transport - self.integrated.costs.transport

    @property
    def transport_saving_pct(self) -> float:
        base = self.separate.costs.transport
        return 100.0 * self.transport_saving_yuan / base if base > 0 else 0.0

    def summary(self) -> str:
        """One line: both totals and the saving, with Chinese and English labels."""
        return (
            f"一体化 / integrated {self.integrated.costs.total:,.2f} 元 vs 分开 / separate "
            f"{self.separate.costs.total:,.2f} 元: 节约 / saving {self.saving_yuan:,.2f} 元 "
            f"({self.saving_pct:.1f} %), {self.time_limit_s:g} s each"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "integrated": self.integrated.to_dict(),
            "separate": self.separate.to_dict(),
            "saving_yuan": round(self.saving_yuan, 2),
            "saving_pct": round(self.saving_pct, 3),
            "transport_saving_yuan": round(self.transport_saving_yuan, 2),
            "transport_saving_pct": round(self.transport_saving_pct, 3),
            "time_limit_s": self.time_limit_s,
            "separate_baseline": self.baseline,
        }


@dataclass(frozen=True)
class Plan:
    """One day's two-way logistics plan of a county (``logistics.plan``'s result).

    ``totals_in == totals_carried + totals_not_carried`` exactly (checked with exact
    fractions when the plan is built). Costs are yuan; times minutes after midnight (``HH:MM``
    in ``to_dict``).
    """

    adcode: str
    county_name: str
    day: dt.date
    mode: str
    options: dict[str, Any]
    routes: tuple[Route, ...]
    bus: tuple[BusConsignment, ...]
    spoilage: tuple[BatchSpoilage, ...]
    not_carried: tuple[NotCarried, ...]
    costs: Costs
    rule_costs: Costs
    co2_kg: float
    totals_in: Totals
    totals_carried: Totals
    totals_not_carried: Totals
    modes: dict[str, list[str]]
    mode_log: tuple[dict[str, Any], ...]
    solver: dict[str, Any]
    parameters: tuple[dict[str, Any], ...]
    notes: tuple[str, ...]
    places: dict[str, dict[str, Any]] = field(default_factory=dict)
    items: dict[str, Item] = field(default_factory=dict)
    comparison: Comparison | None = None
    tiers: dict[str, dict[str, str]] = field(default_factory=dict)
    """village -> flow -> the tier that serves it (bus at the village, bus + township last
    leg, van, reefer, several joined by '+', or not carried)."""
    hub: dict[str, Any] = field(default_factory=dict)
    """The county hub's sorting (capacity, when done, departure delay, what waits)."""
    trunk: dict[str, Any] = field(default_factory=dict)
    """The city trunk to the front warehouse (km, hours, temperature, kg, yuan)."""
    boxes: dict[str, Any] = field(default_factory=dict)
    """Cold parcels in insulated boxes on vans and buses (:func:`.boxes.summary`)."""
    bus_economics: dict[str, Any] = field(default_factory=dict)
    """operation -> why the bus is or is not used: per village on a line, the bus's price
    for its ambient flows against the vehicles' saving, and a verdict sentence."""

    # ------------------------------------------------------------------ checks
    def check(self, county: County) -> list[str]:
        """Re-run our own feasibility check on this plan against ``county`` (empty list: all
        routes and bus bookings are feasible, nothing is carried twice, and every chilled
        item rides a refrigerated vehicle)."""
        from ruralflow.geo import Geography
        from ruralflow.logistics.check import check_bus, check_routes, check_unique

        geo = Geography.from_county(county, roads=county.roads)
        types = {v.id: v for v in county.vehicle_types}
        trips = int(self.options.get("max_trips", 1))
        out = check_routes(self.routes, self.items, county, geo, types, trips)
        out += check_bus(self.bus, self.items, county)
        out += check_unique(self.routes, self.bus)
        from ruralflow.logistics.boxes import check_boxes

        hold = next((p["value"] for p in self.parameters if p.get("key") == "box_hold_h"), 0.0)
        out += check_boxes(self.routes, self.bus, self.items, float(hold))
        return out

    # ------------------------------------------------------------------ figures
    @property
    def km(self) -> float:
        return sum(r.km for r in self.routes)

    @property
    def vehicles(self) -> int:
        return len(self.routes)

    @property
    def trips(self) -> int:
        return sum(r.trips for r in self.routes)

    @property
    def saving_yuan(self) -> float | None:
        return None if self.comparison is None else self.comparison.saving_yuan

    @property
    def saving_pct(self) -> float | None:
        return None if self.comparison is None else self.comparison.saving_pct

    def figures(self) -> PlanFigures:
        by_reason: dict[str, float] = defaultdict(float)
        for n in self.not_carried:
            by_reason[n.kind or "other"] += n.kg
        return PlanFigures(
            mode=self.mode,
            costs=self.costs,
            km=self.km,
            vehicles=self.vehicles,
            trips=self.trips,
            bus_consignments=len(self.bus),
            co2_kg=self.co2_kg,
            not_carried_kg=float(self.totals_not_carried.down_kg + self.totals_not_carried.up_kg),
            runtime_s=float(self.solver.get("runtime_s", 0.0)),
            bus_parcels=sum(c.parcels for c in self.bus),
            bus_kg=sum(c.kg for c in self.bus),
            parcels=self.totals_in.parcels,
            kg=float(self.totals_in.down_kg + self.totals_in.up_kg),
            not_carried_by_reason_kg=dict(by_reason),
        )

    def co2_by_source(self) -> dict[str, float]:
        out: dict[str, float] = defaultdict(float)
        for r in self.routes:
            out[r.vehicle_type] += r.co2_kg
        for c in self.bus:
            out["last leg (tricycle)"] += c.last_leg_co2_kg
        return dict(out)

    def spoilage_by_product(self) -> dict[str, dict[str, float]]:
        out: dict[str, dict[str, float]] = {}
        for s in self.spoilage:
            d = out.setdefault(s.product, {"kg": 0.0, "loss_kg": 0.0, "loss_yuan": 0.0})
            d["kg"] += s.kg
            d["loss_kg"] += s.loss_kg
            d["loss_yuan"] += s.loss_yuan
        return out

    # ------------------------------------------------------------------ output
    def summary(self) -> str:
        t_in, t_c, t_n = self.totals_in, self.totals_carried, self.totals_not_carried
        kinds = Counter(r.vehicle_type for r in self.routes)
        c = self.costs
        lines = [
            f"两向物流计划 / two-way logistics plan: {self.county_name} ({self.adcode}), "
            f"{self.day}, 模式 / mode {self.mode}",
            f"  收到 / in: {t_in.parcels} parcels {float(t_in.down_kg):.1f} kg down, "
            f"{float(t_in.up_kg):.1f} kg up",
            f"  已承运 / carried: {t_c.parcels} parcels {float(t_c.down_kg):.1f} kg down, "
            f"{float(t_c.up_kg):.1f} kg up; 未承运 / not carried: {t_n.parcels} parcels "
            f"{float(t_n.down_kg):.1f} kg down, {float(t_n.up_kg):.1f} kg up "
            f"({len(self.not_carried)} item(s))",
            f"  车辆 / vehicles: {self.vehicles} ("
            + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items()))
            + f"), {self.trips} trips, {self.km:.1f} km; bus consignments: {len(self.bus)}",
            f"  成本 / cost: {c.total:.2f} yuan = fixed {c.fixed:.2f} + "
            f"distance {c.distance:.2f} + bus {c.bus_fees:.2f} + last leg {c.last_leg:.2f} + "
            f"boxes {c.boxes:.2f} + spoilage {c.spoilage:.2f} + penalty {c.penalty:.2f}",
            f"  固定规则 / fixed rule (before mode choice): {self.rule_costs.total:.2f} yuan",
            f"  二氧化碳 / CO2: {self.co2_kg:.1f} kg",
            f"  班车 / bus: {sum(b.parcels for b in self.bus)} parcels "
            f"({100.0 * self.figures().bus_share_parcels:.1f} % of parcels), "
            f"{sum(b.kg for b in self.bus):.1f} kg",
        ]
        for op, e in self.bus_economics.items():
            if e.get("verdict"):
                lines.append(f"  班车为何 / why the bus ({op}): {e['verdict']}")
        if self.boxes.get("boxes"):
            b = self.boxes
            lines.append(
                f"  蓄冷箱 / insulated boxes: {b['boxes']} boxes, {b['parcels']} cold parcels "
                f"({b['parcels_by_bus']} by bus), at most {b['max_hours_out_of_fridge']:g} h "
                f"out of refrigeration (hold {b['hold_h']:g} h)"
            )
        if self.trunk.get("modelled"):
            t = self.trunk
            lines.append(
                f"  城市干线 / city trunk: {t['km']:g} km, {t['hours']:g} h ({t['temperature']}), "
                f"{t['yuan']:.2f} yuan"
            )
        if self.hub.get("limited"):
            h = self.hub
            lines.append(
                f"  县中心分拣 / hub sorting: {h['parcels_per_hour']:g} parcels/h, done "
                f"{h['done']}, {h['waiting_for_next_day_parcels']} parcels wait for the next day"
            )
        if self.comparison is not None:
            cmp = self.comparison
            lines.append(
                f"  一体化 / integrated {cmp.integrated.costs.total:.2f} vs 分开 / separate "
                f"{cmp.separate.costs.total:.2f} yuan: saving {cmp.saving_yuan:.2f} yuan "
                f"({cmp.saving_pct:.1f} %; transport cost alone {cmp.transport_saving_pct:.1f} %)"
            )
        for n in self.not_carried[:5]:
            lines.append(f"  未承运 / not carried {n.item} ({n.kg:.1f} kg): {n.reason}")
        if len(self.not_carried) > 5:
            lines.append(f"  ... 另有 / and {len(self.not_carried) - 5} more not carried")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the whole plan."""
        return {
            "county": {"adcode": self.adcode, "name": self.county_name},
            "day": self.day.isoformat(),
            "mode": self.mode,
            "options": dict(self.options),
            "totals": {
                "in": self.totals_in.to_dict(),
                "carried": self.totals_carried.to_dict(),
                "not_carried": self.totals_not_carried.to_dict(),
            },
            "costs": self.costs.to_dict(),
            "fixed_rule_costs": self.rule_costs.to_dict(),
            "co2_kg": round(self.co2_kg, 3),
            "co2_by_source_kg": {k: round(v, 3) for k, v in self.co2_by_source().items()},
            "km": round(self.km, 3),
            "vehicles": self.vehicles,
            "trips": self.trips,
            "comparison": None if self.comparison is None else self.comparison.to_dict(),
            "bus_share": {
                "parcels": sum(c.parcels for c in self.bus),
                "kg": round(sum(c.kg for c in self.bus), 3),
                "share_of_parcels": round(self.figures().bus_share_parcels, 6),
                "share_of_kg": round(self.figures().bus_share_kg, 6),
            },
            "tiers": self.tiers,
            "hub_sorting": self.hub,
            "trunk": self.trunk,
            "insulated_boxes": self.boxes,
            "bus_economics": self.bus_economics,
            "routes": [r.to_dict() for r in self.routes],
            "bus_consignments": [b.to_dict() for b in self.bus],
            "spoilage": [s.to_dict() for s in self.spoilage],
            "spoilage_by_product": {
                k: {kk: round(vv, 3) for kk, vv in v.items()}
                for k, v in self.spoilage_by_product().items()
            },
            "not_carried": [n.to_dict() for n in self.not_carried],
            "modes": self.modes,
            "mode_choice_log": list(self.mode_log),
            "solver": dict(self.solver),
            "parameters": list(self.parameters),
            "notes": list(self.notes),
            "places": self.places,
            "items": [
                {
                    "id": it.id,
                    "source": it.source.key,
                    "flow": it.flow,
                    "village": it.village,
                    "batch": it.source.batch,
                    "product": it.source.product,
                    "parcels": it.parcels,
                    "kg": round(it.kg, 3),
                    "m3": round(it.m3, 4),
                    "chilled": it.cold,
                    "ready": hhmm(it.ready_min) if it.flow == "up" else None,
                }
                for it in self.items.values()
            ],
        }
