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
from typing import Any

import scipy.integrate  # noqa: F401  (the freshness model's quadrature; imported before timing)

from ruralflow.domain import County, PlaceKind
from ruralflow.geo import Geography
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
            comparison=Comparison(integ.figures(), sep.figures(), opts.time_limit_s),
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
    items: list[Item] = []
    for s in sources:
        lim = fleet.limits(s.cold)
        items += split_source(s, *(lim if lim else (None, None)))
    mean_c = county.settings.mean_temp_c(day)
    air = (
        options.air_temp_c if options.air_temp_c is not None else mean_c + options.daytime_uplift_c
    )
    spoil = SpoilageModel(air, mean_c, options.reefer_air_c)
    network = BusNetwork.build(county, geo, params)
    budget = Budget(options.time_limit_s)
    outcomes: list[Outcome] = []
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
    return _assemble(county, day, options, ctx, sources, outcomes, spoil, time.perf_counter() - t0)


def _assemble(
    county: County,
    day: dt.date,
    options: PlanOptions,
    ctx: Context,
    sources: Sequence[Any],
    outcomes: Sequence[Outcome],
    spoil: SpoilageModel,
    runtime: float,
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
    t_in, t_c, t_n = check_conservation(sources, carried, [it for it, _ in nc_pairs])
    types = {v.id: v for v in ctx.fleet.types}
    problems = check_routes(routes, items, county, ctx.geo, types, options.max_trips)
    problems += check_bus(bus, items, county)
    problems += check_unique(routes, bus)
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
        )
        for it, why in sorted(nc_pairs, key=lambda p: p[0].id)
    )
    costs = Costs()
    rule = Costs()
    for o in outcomes:
        costs = costs + o.costs
        rule = rule + (o.rule_costs or o.costs)
    co2 = math.fsum(r.co2_kg for r in routes) + math.fsum(c.last_leg_co2_kg for c in bus)
    modes: dict[str, list[str]] = {"down_by_bus": [], "up_by_bus": [], "chilled_by_choice": []}
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
        "cold down parcels carry no spoilage cost (no product data for them)",
    ]
    if separate:
        notes.append(
            "separate mode: the down and up operations each have the whole fleet and pay "
            "their own vehicles' fixed cost; the up operation uses bus room the down one left"
        )
    notes += list(ctx.geo.notes)
    with_flows = {it.village for it in items.values()}
    places = {
        p.id: {"name": p.name, "lon": p.lon, "lat": p.lat, "kind": p.kind.value}
        for p in county.places
        if p.kind in (PlaceKind.COUNTY_HUB, PlaceKind.TOWNSHIP_STATION) or p.id in with_flows
    }
    return Plan(
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
