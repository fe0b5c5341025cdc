"""The front door: :func:`plan` ``(county, day, options) -> Plan``."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import multiprocessing
import pickle
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import scipy.integrate  # noqa: F401  (the freshness model's quadrature; imported before timing)

from ruralflow.domain import County, PlaceKind
from ruralflow.geo import Geography
from ruralflow.logistics.boxes import check_boxes
from ruralflow.logistics.boxes import summary as summary_boxes
from ruralflow.logistics.bus import BusNetwork
from ruralflow.logistics.check import check_bus, check_routes, check_unique
from ruralflow.logistics.costs import Costs
from ruralflow.logistics.engine import Budget, Engine, Outcome
from ruralflow.logistics.errors import NoFlowsError, PlanIntegrityError, PlanOptionError
from ruralflow.logistics.flows import Item, check_conservation, day_sources, split_source
from ruralflow.logistics.options import Mode, PlanOptions
from ruralflow.logistics.params import Params
from ruralflow.logistics.result import Comparison, NotCarried, Plan
from ruralflow.logistics.routes import Route
from ruralflow.logistics.routing import Context, Fleet, penalty_yuan
from ruralflow.logistics.spoilage import SpoilageModel


def _as_day(day: dt.date | str) -> dt.date:
    if isinstance(day, dt.date) and not isinstance(day, dt.datetime):
        return day
    if isinstance(day, str):
        try:
            return dt.date.fromisoformat(day.strip())
        except ValueError:
            pass
    raise PlanOptionError("day", day, "must be a date YYYY-MM-DD")


SEPARATE_BASELINE = (
    "two one-way operations (down parcels only; up produce only), each with vehicles of the "
    "same types and cost rates, at most the bundle's count of each type, paying only for the "
    "vehicles its own flow uses (each sized for its own flow by the solver), the same rules "
    "(bus, reefers, sorting, cut-offs, trunk) and solver, and the same total time budget "
    "shared by their number of items; the up operation uses the bus room the down one left"
)
"""The definition of the separate baseline (docs/logistics.md, the report)."""


def plan(county: County, day: dt.date | str, options: PlanOptions | None = None) -> Plan:
    """Plan ``day``'s down parcels and up produce of ``county``.

    Returns a :class:`Plan` whose routes passed our own feasibility check and whose parcels
    and kg in equal carried plus not carried exactly. With ``options.compare`` the other mode
    (separate when integrated, and vice versa) is planned with the same solver and time
    limit, beside it on a second process when ``options.workers >= 2``, and the plan reports
    the integrated saving.

    Raises
    ------
    NoFlowsError
        The county has no down demand and no up supply on ``day``.
    PlanOptionError
        ``options`` is not a :class:`PlanOptions` or ``day`` is not a date.
    """
    opts = PlanOptions() if options is None else options
    if not isinstance(opts, PlanOptions):
        raise PlanOptionError("options", opts, "must be a PlanOptions")
    d = _as_day(day)
    if not county.demand_on(d) and not county.supply_on(d):
        days = county.days
        have = (
            f"有货流的日期 / days with flows: {days[0]} .. {days[-1]} ({len(days)} days)"
            if days
            else "该县没有任何货流 / the county has no flows at all"
        )
        raise NoFlowsError(
            f"{d} 没有下行或上行货物 / no down demand or up supply on {d} in {county.name} "
            f"({county.adcode}); {have}"
        )
    other: Mode = "separate" if opts.mode == "integrated" else "integrated"
    parallel = opts.workers >= 2
    if opts.compare:
        side = dataclasses.replace(opts, mode=other, compare=False, workers=1)
    elif parallel:
        side = dataclasses.replace(opts, seed=opts.seed + 1, compare=False, workers=1)
    else:
        side = None
    main_opts = dataclasses.replace(opts, workers=1)
    side_plan: Plan | None = None
    if side is not None and parallel:
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        with ProcessPoolExecutor(
            max_workers=1, mp_context=multiprocessing.get_context(method)
        ) as pool:
            # pickled here, before this process starts filling the county's cached lookups
            # (pickling in the pool's feeder thread would race with them)
            fut = pool.submit(_plan_pickled, pickle.dumps(county), d, side)
            main = _plan_one(county, d, main_opts)
            side_plan = fut.result()
    else:
        main = _plan_one(county, d, main_opts)
        if side is not None:
            side_plan = _plan_one(county, d, side)
    result = main
    if (
        side_plan is not None
        and not opts.compare
        and side_plan.costs.total < main.costs.total - 1e-6
    ):
        result = side_plan
    result = dataclasses.replace(result, options=opts.to_dict())
    if opts.compare and side_plan is not None:
        integ, sep = (main, side_plan) if opts.mode == "integrated" else (side_plan, main)
        result = dataclasses.replace(
            result,
            comparison=Comparison(
                integ.figures(), sep.figures(), opts.time_limit_s, SEPARATE_BASELINE
            ),
        )
    return result


def _plan_pickled(county: bytes, day: dt.date, options: PlanOptions) -> Plan:
    c = pickle.loads(county)
    if not isinstance(c, County):
        raise TypeError("expected a pickled County")
    return _plan_one(c, day, options)


def _plan_one(county: County, day: dt.date, options: PlanOptions) -> Plan:
    """One plan in one mode, on this process."""
    t0 = time.perf_counter()
    params = Params.from_county(county)
    geo = Geography.from_county(county, roads=county.roads)
    fleet = Fleet.from_county(county)
    ctx = Context(county, geo, params, fleet, options)
    sources = day_sources(county, day, params["up_kg_per_m3"])
    use_bus = options.use_buses and bool(county.bus_lines)
    bus_kg = min((ln.spare_kg_per_run for ln in county.bus_lines), default=0.0)
    bus_m3 = min(
        (ln.spare_m3_per_run for ln in county.bus_lines if ln.spare_m3_per_run > 0),
        default=0.0,
    )
    if params["box_hold_h"] > 0:
        # cold parcels in insulated boxes: any vehicle or a bus within the hold (boxes.py)
        sources = [
            dataclasses.replace(s, cold=False, boxed=True) if s.flow == "down" and s.cold else s
            for s in sources
        ]
    items: list[Item] = []
    for s in sources:
        lim = fleet.limits(s.cold)
        lk, lm = lim if lim else (None, None)
        if use_bus and not s.cold and bus_kg > 0:
            # pieces no larger than the smallest bus hold, so a group can be split over runs
            lk = bus_kg if lk is None else min(lk, bus_kg)
            if bus_m3 > 0:
                lm = bus_m3 if lm is None else min(lm, bus_m3)
        items += split_source(s, lk, lm)
    sorting = hub_sorting(county, params, items)
    ctx.depart_min = sorting.depart_min
    ctx.return_min = params["trunk_departure_min"] or None
    waiting = set(sorting.waiting)
    mean_c = county.settings.mean_temp_c(day)
    air = (
        options.air_temp_c if options.air_temp_c is not None else mean_c + options.daytime_uplift_c
    )
    trunk_km = params["front_warehouse_km"]
    trunk_h: float | None = None
    if trunk_km > 0:
        trunk_h = (params["front_warehouse_min"] or trunk_km) / 60.0  # default 60 km/h
    spoil = SpoilageModel(
        air,
        mean_c,
        options.reefer_air_c,
        trunk_h=trunk_h,
        trunk_chilled=params["front_warehouse_chilled"] >= 0.5,
    )
    network = BusNetwork.build(county, geo, params)
    budget = Budget(options.time_limit_s)
    outcomes: list[Outcome] = []
    left = [it for it in items if it.id in waiting]
    items = [it for it in items if it.id not in waiting]
    if options.mode == "integrated":
        eng = Engine(ctx, items, network, spoil, "integrated", options.seed)
        outcomes.append(eng.optimise(budget))
    else:
        down = [it for it in items if it.flow == "down"]
        up = [it for it in items if it.flow == "up"]
        share = 0.5
        if down and up:
            share = min(0.8, max(0.2, len(down) / (len(down) + len(up))))
        elif not up:
            share = 1.0
        if down:
            e1 = Engine(ctx, down, network, spoil, "down", options.seed)
            o1 = e1.optimise(Budget(options.time_limit_s * share))
            outcomes.append(o1)
            network = o1.network
        if up:
            e2 = Engine(ctx, up, network, spoil, "up", options.seed)
            outcomes.append(e2.optimise(Budget(max(0.01, budget.left()))))
    if left and outcomes:
        # parcels sorted after the cut-off wait for the next day (both modes alike)
        o = outcomes[0]
        why = sorting.reason
        o.not_carried += [(it, why) for it in left]
        o.kinds.update({it.id: "cut_off" for it in left})
        o.items.update({it.id: it for it in left})
        o.costs = dataclasses.replace(
            o.costs, penalty=o.costs.penalty + math.fsum(penalty_yuan(params, it) for it in left)
        )
    return _assemble(
        county,
        day,
        options,
        ctx,
        sources,
        outcomes,
        spoil,
        time.perf_counter() - t0,
        sorting,
    )


@dataclass(frozen=True)
class Sorting:
    """The county hub's sorting of the day's down parcels (3.1.1's manual bottleneck)."""

    rate_per_h: float
    start_min: float
    done_min: float
    cutoff_min: float | None
    parcels: int
    waiting: tuple[str, ...] = ()
    waiting_parcels: int = 0
    reason: str = ""

    @property
    def depart_min(self) -> float | None:
        """Earliest departure with down parcels (None: no sorting limit)."""
        return None if self.rate_per_h <= 0 else self.done_min

    def to_dict(self) -> dict[str, Any]:
        if self.rate_per_h <= 0:
            return {"limited": False, "parcels": self.parcels}
        return {
            "limited": True,
            "parcels_per_hour": self.rate_per_h,
            "parcels": self.parcels,
            "start": _hhmm(self.start_min),
            "done": _hhmm(self.done_min),
            "cutoff": None if self.cutoff_min is None else _hhmm(self.cutoff_min),
            "departure_delay_min": round(max(0.0, self.done_min - self.start_min), 1),
            "waiting_for_next_day_parcels": self.waiting_parcels,
            "waiting_for_next_day_items": len(self.waiting),
        }


def _hhmm(minutes: float) -> str:
    m = round(minutes)
    return f"{m // 60:02d}:{m % 60:02d}"


def hub_sorting(county: County, params: Params, items: Sequence[Item]) -> Sorting:
    """When the day's down parcels are sorted, and which wait for the next day.

    Sorting starts ``hub_sorting_lead_min`` before the hub opens at
    ``hub_sorting_parcels_per_hour``; vehicles and buses leave with down parcels once all
    of today's are sorted. With a cut-off (``hub_cutoff_min``) only what can be sorted by
    then leaves today: the rest (whole pieces, the largest villages' last) waits.
    """
    hub = county.hub
    rate = params["hub_sorting_parcels_per_hour"]
    down = [it for it in items if it.flow == "down"]
    parcels = sum(it.parcels for it in down)
    start = hub.open_min - params["hub_sorting_lead_min"]
    cut = params["hub_cutoff_min"] or None
    if rate <= 0:
        return Sorting(0.0, start, start, cut, parcels)
    done = start + parcels / rate * 60.0
    waiting: list[Item] = []
    if cut is not None and done > cut:
        room = max(0, math.floor((cut - start) * rate / 60.0 + 1e-9))
        kept = 0
        for it in sorted(down, key=lambda i: (i.parcels, i.id)):
            if kept + it.parcels <= room:
                kept += it.parcels
            else:
                waiting.append(it)
        done = start + kept / rate * 60.0
    n = sum(it.parcels for it in waiting)
    reason = (
        f"cut-off: sorted after the hub's cut-off {_hhmm(cut)} ({rate:g} parcels/h from "
        f"{_hhmm(start)}): waits for the next day"
        if cut is not None
        else ""
    )
    return Sorting(rate, start, done, cut, parcels, tuple(it.id for it in waiting), n, reason)


def _assemble(
    county: County,
    day: dt.date,
    options: PlanOptions,
    ctx: Context,
    sources: Sequence[Any],
    outcomes: Sequence[Outcome],
    spoil: SpoilageModel,
    runtime: float,
    sorting: Sorting | None = None,
) -> Plan:
    separate = options.mode == "separate"
    routes: list[Route] = []
    for o in outcomes:
        for r in o.routes:
            routes.append(
                dataclasses.replace(r, vehicle=f"{o.operation}/{r.vehicle}") if separate else r
            )
    bus = [c for o in outcomes for c in o.bus]
    items: dict[str, Item] = {}
    for o in outcomes:
        items.update(o.items)
    carried = [it for o in outcomes for it in o.carried]
    nc_pairs = [(it, why) for o in outcomes for it, why in o.not_carried]
    kinds = {k: v for o in outcomes for k, v in o.kinds.items()}
    t_in, t_c, t_n = check_conservation(sources, carried, [it for it, _ in nc_pairs])
    types = {v.id: v for v in ctx.fleet.types}
    problems = check_routes(routes, items, county, ctx.geo, types, options.max_trips)
    problems += check_bus(bus, items, county)
    problems += check_unique(routes, bus)
    problems += check_boxes(routes, bus, items, ctx.params["box_hold_h"])
    for o in outcomes:
        problems += o.network.check()
    if problems:
        raise PlanIntegrityError(
            f"plan failed its own feasibility check ({len(problems)}): " + "; ".join(problems[:5])
        )
    not_carried = tuple(
        NotCarried(
            item=it.id,
            source=it.source.key,
            flow=it.flow,
            village=it.village,
            parcels=it.parcels,
            kg=it.kg,
            cold=it.cold,
            reason=why,
            penalty_yuan=penalty_yuan(ctx.params, it),
            batch=it.source.batch,
            product=it.source.product,
            kind=kinds.get(it.id, ""),
        )
        for it, why in sorted(nc_pairs, key=lambda p: p[0].id)
    )
    costs = Costs()
    rule = Costs()
    for o in outcomes:
        costs = costs + o.costs
        rule = rule + (o.rule_costs or o.costs)
    co2 = math.fsum(r.co2_kg for r in routes) + math.fsum(c.last_leg_co2_kg for c in bus)
    modes: dict[str, list[str]] = {
        "down_by_bus": [],
        "up_by_bus": [],
        "chilled_by_choice": [],
        "reefer_for_box_hold": [],
        "box_hold_window": [],
    }
    for o in outcomes:
        for k, v in o.modes.to_dict().items():
            modes[k] = sorted({*modes[k], *v})
    log = tuple({"operation": o.operation, **entry} for o in outcomes for entry in o.log)
    solver = {
        "engine": "PyVRP 0.14 iterated local search",
        "seed": options.seed,
        "time_limit_s": options.time_limit_s,
        "runtime_s": round(runtime, 3),
        "iterations": sum(int(h["iterations"]) for o in outcomes for h in o.history),
        "fleet_offered": {o.operation: o.routing.offered for o in outcomes},
        "solves": {o.operation: o.history for o in outcomes},
        "fleet_excluded": [{"type": t, "why": w} for t, w in ctx.fleet.excluded],
        "clients": sum(len({s.place for r in o.routes for s in r.stops}) for o in outcomes),
    }
    notes = [
        "road km = " + ctx.geo.method + f" (detour factor {ctx.geo.detour_factor:g})",
        f"air temperature for spoilage: day {spoil.day_air_c:.1f} degC, 24-h mean "
        f"{spoil.mean_air_c:.1f} degC; reefer compartment {spoil.reefer_air_c:.1f} degC",
        "bus km and CO2 are not charged (the bus runs anyway); the last leg is",
        "cold down parcels carry no spoilage cost (no product data for them); in insulated "
        f"boxes they ride vans and buses within {ctx.params['box_hold_h']:g} h out of "
        "refrigeration (box_hold_h), else a reefer",
    ]
    if separate:
        notes.append("separate mode: " + SEPARATE_BASELINE)
    notes += list(ctx.geo.notes)
    with_flows = {it.village for it in items.values()}
    places = {
        p.id: {"name": p.name, "lon": p.lon, "lat": p.lat, "kind": p.kind.value}
        for p in county.places
        if p.kind in (PlaceKind.COUNTY_HUB, PlaceKind.TOWNSHIP_STATION) or p.id in with_flows
    }
    tiers = _tiers(routes, bus, not_carried, items, types)
    hub_info = (sorting or Sorting(0.0, 0.0, 0.0, None, 0)).to_dict()
    w0, w1 = ctx.hub_window()
    hub_info["vehicles_leave_from"] = _hhmm(w0)
    hub_info["produce_due_by"] = _hhmm(w1)
    trunk = _trunk(ctx, spoil, carried, costs)
    boxed = summary_boxes(
        routes,
        bus,
        items,
        (it.id for it in carried),
        {k: ctx.params[k] for k in ("box_hold_h", "box_kg", "box_yuan")},
        sum(
            1
            for it in items.values()
            if it.cold and it.flow == "down" and it.source.key in modes["reefer_for_box_hold"]
        ),
    )
    return Plan(
        boxes=boxed,
        tiers=tiers,
        bus_economics={o.operation: o.bus_economics for o in outcomes},
        hub=hub_info,
        trunk=trunk,
        adcode=county.adcode,
        county_name=county.name,
        day=day,
        mode=options.mode,
        options=options.to_dict(),
        routes=tuple(routes),
        bus=tuple(bus),
        spoilage=tuple(s for o in outcomes for s in o.spoilage),
        not_carried=not_carried,
        costs=costs,
        rule_costs=rule,
        co2_kg=co2,
        totals_in=t_in,
        totals_carried=t_c,
        totals_not_carried=t_n,
        modes=modes,
        mode_log=log,
        solver=solver,
        parameters=tuple(ctx.params.to_list()),
        notes=tuple(notes),
        places=places,
        items=dict(sorted(items.items())),
    )


def _tiers(
    routes: Sequence[Route],
    bus: Sequence[Any],
    not_carried: Sequence[NotCarried],
    items: dict[str, Item],
    types: dict[str, Any],
) -> dict[str, dict[str, str]]:
    """village -> flow -> the tier(s) serving it."""
    seen: dict[tuple[str, str], set[str]] = {}

    def add(iid: str, tier: str) -> None:
        it = items[iid]
        seen.setdefault((it.village, it.flow), set()).add(tier)

    for r in routes:
        tier = "reefer" if types[r.vehicle_type].refrigerated else "van"
        for iid in r.item_ids:
            add(iid, tier)
    for c in bus:
        tier = "bus at the village" if c.stop == c.village else "bus + township last leg"
        for iid in c.items:
            add(iid, tier)
    for n in not_carried:
        add(n.item, "not carried")
    out: dict[str, dict[str, str]] = {}
    for (village, flow), ts in sorted(seen.items()):
        out.setdefault(village, {})[flow] = " + ".join(sorted(ts))
    return out


def _trunk(
    ctx: Context, spoil: SpoilageModel, carried: Sequence[Item], costs: Costs
) -> dict[str, Any]:
    p = ctx.params
    km = p["front_warehouse_km"]
    if km <= 0:
        return {"modelled": False}
    kg = math.fsum(it.kg for it in carried if it.flow == "up")
    return {
        "modelled": True,
        "km": km,
        "hours": round(spoil.trunk_h or 0.0, 3),
        "temperature": "reefer" if spoil.trunk_chilled else "ambient",
        "departure": _hhmm(ctx.hub_window()[1]),
        "kg": round(kg, 3),
        "yuan": round(costs.trunk, 2),
    }
