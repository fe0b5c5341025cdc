"""The routing core: our items as a PyVRP instance, solved and read back.

Scaling (PyVRP truncates fractional inputs silently, so everything is an integer before it
gets there, rounded so that the scaled problem is never looser than the real one):

* distance in metres (rounded), travel and service time in seconds (rounded **up**), time
  windows in seconds (opening rounded up, closing rounded down);
* load in grams and litres (demands rounded up, capacities rounded down), three load
  dimensions ``[kg, m3, chilled kg]``: a van's chilled capacity is 0, so a chilled load can
  only ride a reefer;
* cost in micro-yuan (1e-6 yuan): fixed cost x 1e6, cost per metre = yuan/km x 1000; the
  reported costs are recomputed from the unrounded kilometres.

Every stop is an optional PyVRP client whose prize is the penalty of its items (per
consignment, per kg, per parcel: :mod:`.params`), so the solver minimises exactly the plan's
fixed + distance cost + penalties; what it leaves out is reported as not carried, with the
reason. Multi-trip: the hub is a reload depot
(``max_trips - 1`` reloads). The fleet offered to the solver is sized near what the day needs
(:func:`estimate_fleet`) and grown when the solver leaves stops out while vehicles are still
unused.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pyvrp
from pyvrp import (
    Activity,
    ActivityType,
    IteratedLocalSearchParams,
    PenaltyManager,
    PenaltyParams,
)
from pyvrp.search import (
    NeighbourhoodParams,
    PerturbationParams,
)
from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria, NoImprovement

from ruralflow.domain import County, Place, VehicleKind, VehicleType
from ruralflow.geo import Geography
from ruralflow.logistics.flows import Item
from ruralflow.logistics.options import PlanOptions
from ruralflow.logistics.params import Params
from ruralflow.logistics.routes import Route, RouteLeg, Stop
from ruralflow.pyvrp_ils import solve_with_penalties

YUAN = 1_000_000  # cost units per yuan
GRAM = 1000  # load units per kg
LITRE = 1000  # load units per m3

IntMatrix = npt.NDArray[np.int64]


def _up(x: float) -> int:
    return math.ceil(x - 1e-9)


def _down(x: float) -> int:
    return math.floor(x + 1e-9)


@dataclass(frozen=True)
class Fleet:
    """The vehicle types that are routed from the county hub, and those that are not."""

    types: tuple[VehicleType, ...]
    excluded: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_county(cls, county: County) -> Fleet:
        hub = county.settings.hub
        ok: list[VehicleType] = []
        excluded: list[tuple[str, str]] = []
        for v in county.vehicle_types:
            if v.kind is VehicleKind.TRICYCLE:
                excluded.append((v.id, "tricycles serve only the bus last leg"))
            elif v.depot and v.depot != hub:
                excluded.append((v.id, f"based at {v.depot}, not at the county hub"))
            elif v.count == 0:
                excluded.append((v.id, "count is 0"))
            else:
                ok.append(v)
        return cls(tuple(ok), tuple(excluded))

    def eligible(self, chilled: bool) -> list[int]:
        return [i for i, v in enumerate(self.types) if v.refrigerated or not chilled]

    def limits(self, chilled: bool) -> tuple[float, float] | None:
        """Largest kg and m3 a single eligible vehicle takes (``None``: none eligible)."""
        el = [self.types[i] for i in self.eligible(chilled)]
        if not el:
            return None
        return max(v.capacity_kg for v in el), max(v.capacity_m3 for v in el)


@dataclass(frozen=True)
class TruckClient:
    """One stop for a flexible vehicle: items of one village, one temperature."""

    key: str
    village: str
    chilled: bool
    items: tuple[Item, ...]
    early_min: float
    late_min: float
    service_min: float

    @property
    def delivery_kg(self) -> float:
        return math.fsum(it.kg for it in self.items if it.flow == "down")

    @property
    def delivery_m3(self) -> float:
        return math.fsum(it.m3 for it in self.items if it.flow == "down")

    @property
    def pickup_kg(self) -> float:
        return math.fsum(it.kg for it in self.items if it.flow == "up")

    @property
    def pickup_m3(self) -> float:
        return math.fsum(it.m3 for it in self.items if it.flow == "up")

    @property
    def parcels(self) -> int:
        return sum(it.parcels for it in self.items)


@dataclass
class Context:
    """What every routing step needs: the county, distances, parameters, fleet, options."""

    county: County
    geo: Geography
    params: Params
    fleet: Fleet
    options: PlanOptions
    _secs: dict[float, IntMatrix] = field(default_factory=dict)
    depart_min: float | None = None
    """Earliest departure from the hub (the day's down parcels sorted); None: its opening."""
    return_min: float | None = None
    """Latest return to the hub (the city trunk leaves); None: its closing."""

    @property
    def hub(self) -> Place:
        return self.county.hub

    def hub_window(self) -> tuple[float, float]:
        """(earliest departure, latest return) at the county hub, minutes of the day."""
        hub = self.hub
        h0, h1 = float(hub.open_min), float(hub.close_min)
        if self.depart_min is not None:
            h0 = max(h0, self.depart_min)
        if self.return_min is not None:
            h1 = min(h1, self.return_min)
        return h0, max(h0, h1)

    def place(self, pid: str) -> Place:
        return self.county.place_by_id[pid]

    def travel_s(self, a: str, b: str, speed: float) -> int:
        """Travel seconds (rounded up) as given to the solver."""
        m = self._secs.get(speed)
        if m is None:
            minutes = self.geo.travel_minutes(speed)
            m = np.ceil(minutes * 60.0 - 1e-9).astype(np.int64)
            np.fill_diagonal(m, 0)
            self._secs[speed] = m
        return int(m[self.geo.index(a), self.geo.index(b)])

    def service_min(self, items: Sequence[Item]) -> float:
        p = self.params
        parcels = sum(it.parcels for it in items)
        up_kg = math.fsum(it.kg for it in items if it.flow == "up")
        return (
            p["stop_min"]
            + parcels * p["handling_min_per_parcel"]
            + up_kg / 100.0 * p["handling_min_per_100kg"]
        )

    def window(self, village: str, items: Sequence[Item], service: float) -> tuple[float, float]:
        """(earliest, latest) service start at the village for these items.

        Cold parcels in insulated boxes must be handed over within the box's hold
        (``box_hold_h``) of leaving the hub; for those a route kept out too long
        (``hold_window``), the service ends by the hub window's opening + the hold: no trip
        leaves earlier, so every trip then keeps it."""
        pl = self.place(village)
        ready = max((it.ready_min for it in items if it.flow == "up"), default=0)
        late = float(pl.close_min) - service
        hold = self.params["box_hold_h"]
        if hold > 0 and any(it.boxed and it.source.hold_window for it in items):
            late = min(late, self.hub_window()[0] + hold * 60.0 - service)
        return float(max(pl.open_min, ready)), late

    def reach(
        self, village: str, early: float, late: float, service: float, v: VehicleType
    ) -> str:
        """Why ``v`` cannot serve this stop alone in a shift ('' when it can)."""
        hub = self.hub
        load = _up(self.params["depot_load_min"] * 60)
        out = self.travel_s(hub.id, village, v.speed_kmh)
        back = self.travel_s(village, hub.id, v.speed_kmh)
        svc = _up(service * 60)
        w0, w1 = self.hub_window()
        h0, h1 = _up(w0 * 60), _down(w1 * 60)
        start = max(h0 + load + out, _up(early * 60))
        need = load + out + svc + back
        if late < early or start > _down(late * 60):
            return (
                f"cannot be reached while the station is open (earliest arrival "
                f"{_fmt(start / 60)}, latest service start {_fmt(late)})"
            )
        if start + svc + back > h1:
            return f"cannot be back at the county hub by {_fmt(h1 / 60)}"
        if need > _down(v.shift_hours * 3600):
            return (
                f"a round trip needs {need / 3600:.1f} h, more than the {v.shift_hours:g} h shift"
            )
        return ""

    def reachable_by_any(
        self, village: str, early: float, late: float, service: float, chilled: bool
    ) -> str:
        """'' when some eligible vehicle type can serve the stop alone, else the reason."""
        reasons: list[str] = []
        for i in self.fleet.eligible(chilled):
            v = self.fleet.types[i]
            r = self.reach(village, early, late, service, v)
            if not r:
                return ""
            reasons.append(f"{v.id}: {r}")
        if not reasons:
            if chilled:
                return "needs a chilled vehicle but the fleet has no reefer"
            return "the fleet has no vehicle based at the county hub"
        return "no vehicle can serve it in a shift (" + "; ".join(reasons) + ")"


def penalty_yuan(p: Params, it: Item) -> float:
    """The penalty of not carrying ``it`` today (yuan)."""
    return (
        float(it.share) * p["penalty_yuan_per_consignment"]
        + it.kg * p["penalty_yuan_per_kg"]
        + it.parcels * p["penalty_yuan_per_parcel"]
    )


def _fmt(minutes: float) -> str:
    m = round(minutes)
    return f"{m // 60:02d}:{m % 60:02d}"


@dataclass
class _Bin:
    items: list[Item] = field(default_factory=list)
    kg: float = 0.0
    m3: float = 0.0


def _pack(items: Sequence[Item], lim: tuple[float, float]) -> list[_Bin]:
    bins: list[_Bin] = []
    for it in items:
        for b in bins:
            if b.kg + it.kg <= lim[0] + 1e-9 and b.m3 + it.m3 <= lim[1] + 1e-9:
                break
        else:
            b = _Bin()
            bins.append(b)
        b.items.append(it)
        b.kg += it.kg
        b.m3 += it.m3
    return bins


def build_clients(ctx: Context, items: Sequence[Item]) -> list[TruckClient]:
    """Stops for the flexible fleet: per village and temperature, items packed into stops no
    larger than the largest eligible vehicle; a village's down and up pieces share a stop when
    the joint time window stays at least ``merge_window_min`` long and a vehicle can make it.
    Boxed cold parcels under the hold's window (``hold_window``) are a stop of their own.
    """
    groups: dict[tuple[str, bool, bool], list[Item]] = defaultdict(list)
    for it in items:
        # boxed parcels under the hold's window get a stop of their own, so that the window
        # does not narrow the village's other parcels and its produce
        groups[(it.village, it.cold, it.boxed and it.source.hold_window)].append(it)
    out: list[TruckClient] = []
    merge_min = ctx.params["merge_window_min"]
    for (village, chilled, timed), its in sorted(groups.items()):
        lim = ctx.fleet.limits(chilled) or (math.inf, math.inf)
        down = _pack(sorted((i for i in its if i.flow == "down"), key=lambda i: i.id), lim)
        up = _pack(
            sorted((i for i in its if i.flow == "up"), key=lambda i: (i.ready_min, i.id)), lim
        )
        stops: list[list[Item]] = []
        for k in range(max(len(down), len(up))):
            d = down[k].items if k < len(down) else []
            u = up[k].items if k < len(up) else []
            if d and u:
                both = d + u
                svc = ctx.service_min(both)
                early, late = ctx.window(village, both, svc)
                if late - early >= merge_min and not ctx.reachable_by_any(
                    village, early, late, svc, chilled
                ):
                    stops.append(both)
                    continue
            if d:
                stops.append(d)
            if u:
                stops.append(u)
        temp = "boxed" if timed else "chilled" if chilled else "ambient"
        # a packed stop no vehicle can make (e.g. its handling runs past closing time) is
        # split back into its pieces, each checked on its own before routing
        checked: list[list[Item]] = []
        for st in stops:
            svc = ctx.service_min(st)
            early, late = ctx.window(village, st, svc)
            if len(st) > 1 and ctx.reachable_by_any(village, early, late, svc, chilled):
                checked += [[it] for it in st]
            else:
                checked.append(st)
        for n, st in enumerate(checked, 1):
            svc = ctx.service_min(st)
            early, late = ctx.window(village, st, svc)
            out.append(
                TruckClient(f"{village}/{temp}/{n}", village, chilled, tuple(st), early, late, svc)
            )
    return out


def _workload(ctx: Context, v: VehicleType, cl: Sequence[TruckClient]) -> tuple[float, float]:
    """(trips, working minutes) that vehicles of type ``v`` need for the stops ``cl``.

    Trips by load (the larger of deliveries and pickups, by kg and by m3, over the
    capacity); minutes = service + per trip a loading and a round trip to the mean stop +
    a hop to the nearest other stop for every further stop.
    """
    hub = ctx.hub
    dk = math.fsum(c.delivery_kg for c in cl)
    pk = math.fsum(c.pickup_kg for c in cl)
    dm = math.fsum(c.delivery_m3 for c in cl)
    pm = math.fsum(c.pickup_m3 for c in cl)
    trips = max(1.0, max(dk, pk) / v.capacity_kg, max(dm, pm) / v.capacity_m3)
    villages = sorted({c.village for c in cl})
    ix = ctx.geo.indices([hub.id, *villages])
    mins = ctx.geo.travel_minutes(v.speed_kmh)[np.ix_(ix, ix)]
    mean_out = float(mins[0, 1:].mean())
    if len(villages) > 1:
        sub = mins[1:, 1:] + np.eye(len(villages)) * 1e9
        hop = float(sub.min(axis=1).mean())
    else:
        hop = 0.0
    work = (
        math.fsum(c.service_min for c in cl)
        + trips * (ctx.params["depot_load_min"] + 2.0 * mean_out)
        + max(0.0, len(villages) - trips) * hop
    )
    return trips, work


def _available_min(ctx: Context, v: VehicleType) -> float:
    h0, h1 = ctx.hub_window()
    return max(1.0, min(v.shift_hours * 60.0, h1 - h0))


def estimate_fleet(ctx: Context, clients: Sequence[TruckClient]) -> list[int]:
    """Vehicles of each type to offer the solver: near the day's need, never above count.

    Per type, over the stops it may serve (:func:`_workload`): the larger of the trips over
    ``max_trips`` and the working minutes over a shift, plus 20 % and one spare.
    """
    out: list[int] = []
    for v in ctx.fleet.types:
        cl = [c for c in clients if v.refrigerated or not c.chilled]
        if not cl:
            out.append(min(v.count, 1))
            continue
        trips, work = _workload(ctx, v, cl)
        need = max(
            math.ceil(trips / ctx.options.max_trips), math.ceil(work / _available_min(ctx, v))
        )
        out.append(max(1, min(v.count, math.ceil(1.2 * need) + 1)))
    return out


def partition(
    ctx: Context, clients: Sequence[TruckClient]
) -> list[tuple[list[int], list[TruckClient]]]:
    """Independent sub-problems: ``[(vehicle type indices, stops)]``.

    When the chilled stops alone need more working time than all refrigerated vehicles have,
    no reefer has room for ambient work in any good plan, so (reefers, chilled stops) and
    (other vehicles, ambient stops) are routed as two smaller problems, which the solver
    handles faster. Otherwise one problem.
    """
    types = ctx.fleet.types
    cold_t = [i for i, v in enumerate(types) if v.refrigerated]
    warm_t = [i for i, v in enumerate(types) if not v.refrigerated]
    chilled = [c for c in clients if c.chilled]
    ambient = [c for c in clients if not c.chilled]
    whole = [(list(range(len(types))), list(clients))]
    if not cold_t or not warm_t or not chilled or not ambient:
        return whole
    for i in cold_t:
        v = types[i]
        _trips, work = _workload(ctx, v, chilled)
        have = _available_min(ctx, v) * sum(types[j].count for j in cold_t)
        if work < have:
            return whole
    return [(cold_t, chilled), (warm_t, ambient)]


@dataclass
class Instance:
    """A PyVRP instance and the maps back to our objects."""

    data: pyvrp.ProblemData
    clients: list[TruckClient]
    loc_ids: list[str]
    offered: list[int]


def build_instance(
    ctx: Context, clients: Sequence[TruckClient], offered: Sequence[int]
) -> Instance:
    hub = ctx.hub
    villages = sorted({c.village for c in clients})
    loc_ids = [hub.id, *villages]
    loc_index = {pid: i for i, pid in enumerate(loc_ids)}
    locations = [
        pyvrp.Location(x=ctx.place(pid).lon, y=ctx.place(pid).lat, name=pid) for pid in loc_ids
    ]
    p = ctx.params
    pclients = []
    for c in clients:
        d_kg = sum(_up(it.kg * GRAM) for it in c.items if it.flow == "down")
        d_m3 = sum(_up(it.m3 * LITRE) for it in c.items if it.flow == "down")
        p_kg = sum(_up(it.kg * GRAM) for it in c.items if it.flow == "up")
        p_m3 = sum(_up(it.m3 * LITRE) for it in c.items if it.flow == "up")
        prize = round(math.fsum(penalty_yuan(p, it) for it in c.items) * YUAN)
        pclients.append(
            pyvrp.Client(
                location=loc_index[c.village],
                delivery=[d_kg, d_m3, d_kg if c.chilled else 0],
                pickup=[p_kg, p_m3, p_kg if c.chilled else 0],
                service_duration=_up(c.service_min * 60),
                tw_early=_up(c.early_min * 60),
                tw_late=max(_up(c.early_min * 60), _down(c.late_min * 60)),
                prize=prize,
                required=False,
                name=c.key,
            )
        )
    w0, w1 = ctx.hub_window()
    h0, h1 = _up(w0 * 60), _down(w1 * 60)
    depots = [
        pyvrp.Depot(
            location=0,
            tw_early=h0,
            tw_late=h1,
            service_duration=_up(p["depot_load_min"] * 60),
            name=hub.id,
        )
    ]
    ix = ctx.geo.indices(loc_ids)
    dist = np.rint(ctx.geo.km[np.ix_(ix, ix)] * 1000.0).astype(np.int64)
    np.fill_diagonal(dist, 0)
    speeds = sorted({v.speed_kmh for v in ctx.fleet.types})
    durations = []
    for s in speeds:
        ctx.travel_s(hub.id, hub.id, s)  # fill the cache
        durations.append(ctx._secs[s][np.ix_(ix, ix)].copy())
    vtypes = []
    reloads = ctx.options.max_trips - 1
    for v, n in zip(ctx.fleet.types, offered, strict=True):
        cap_kg = _down(v.capacity_kg * GRAM)
        vtypes.append(
            pyvrp.VehicleType(
                num_available=n,
                capacity=[cap_kg, _down(v.capacity_m3 * LITRE), cap_kg if v.refrigerated else 0],
                start_depot=0,
                end_depot=0,
                fixed_cost=round(v.fixed_cost_yuan * YUAN),
                tw_early=h0,
                tw_late=h1,
                shift_duration=_down(v.shift_hours * 3600),
                unit_distance_cost=round(v.cost_yuan_per_km * YUAN / 1000.0),
                profile=speeds.index(v.speed_kmh),
                reload_depots=[0] if reloads > 0 else [],
                max_reloads=reloads,
                name=v.id,
            )
        )
    data = pyvrp.ProblemData(
        locations=locations,
        clients=pclients,
        depots=depots,
        vehicle_types=vtypes,
        distance_matrices=[dist] * len(speeds),  # type: ignore[list-item]
        duration_matrices=durations,  # type: ignore[arg-type]
    )
    return Instance(data, list(clients), loc_ids, list(offered))


def warm_solution(inst: Instance, ctx: Context, routes: Sequence[Route]) -> pyvrp.Solution | None:
    """A starting solution from earlier routes: each stop replaced by the new stops that hold
    its items, in the same order; new stops are left for the solver to insert."""
    if not routes:
        return None
    item_client: dict[str, int] = {}
    for ci, c in enumerate(inst.clients):
        for it in c.items:
            item_client[it.id] = ci
    type_index = {v.id: i for i, v in enumerate(ctx.fleet.types)}
    used: dict[int, int] = defaultdict(int)
    placed: set[int] = set()
    out: list[pyvrp.Route] = []
    for r in routes:
        t = type_index.get(r.vehicle_type)
        if t is None or used[t] >= inst.offered[t]:
            continue
        v = ctx.fleet.types[t]
        acts: list[Activity] = []
        trip_has = False
        for s in r.stops[1:-1]:
            if s.kind == "hub":
                if trip_has:
                    acts.append(Activity(ActivityType.DEPOT, 0))
                    trip_has = False
                continue
            for iid in (*s.delivered, *s.picked_up):
                cj = item_client.get(iid)
                if cj is None or cj in placed:
                    continue
                if inst.clients[cj].chilled and not v.refrigerated:
                    continue
                placed.add(cj)
                acts.append(Activity(ActivityType.CLIENT, cj))
                trip_has = True
        while acts and acts[-1].is_depot():
            acts.pop()
        if sum(1 for a in acts if a.is_depot()) > ctx.options.max_trips - 1:
            continue
        if any(a.is_client() for a in acts):
            out.append(pyvrp.Route(inst.data, acts, t))
            used[t] += 1
    if not out:
        return None
    return pyvrp.Solution(inst.data, out)


@dataclass
class RoutingResult:
    routes: list[Route]
    dropped: list[tuple[TruckClient, str]]
    offered: dict[str, int]
    runtime_s: float
    iterations: int
    solves: int
    history: list[dict[str, Any]] = field(default_factory=list)


def _stop(options: PlanOptions, seconds: float, stops: int) -> MultipleCriteria:
    """Stop at ``seconds``, after ``no_improvement`` iterations without a better solution
    (``None``: 100 per stop, between 1,000 and 20,000: small instances converge fast), or
    after ``max_iterations``."""
    patience = options.no_improvement
    if patience is None:
        patience = min(20_000, max(1_000, 100 * stops))
    crit: list[MaxRuntime | NoImprovement | MaxIterations] = [
        MaxRuntime(max(0.01, seconds)),
        NoImprovement(patience),
    ]
    if options.max_iterations is not None:
        crit.append(MaxIterations(options.max_iterations))
    return MultipleCriteria(crit)  # type: ignore[arg-type]


PENALTY_LOAD = 20.0 * YUAN / GRAM
"""Initial penalty per gram (or litre) of excess load: 20 yuan/kg."""
PENALTY_TIME = 0.5 * YUAN
"""Initial penalty per second of time warp: 0.5 yuan/s (1,800 yuan/h)."""
NUM_NEIGHBOURS = 20
MAX_PERTURBATIONS = 5
HISTORY_LENGTH = 50
"""Smaller than PyVRP's defaults (50 neighbours, up to 25 perturbations, a late-acceptance
history of 300): measured on the Liquan harvest day (369 stops), 10 s runs made 10-30x more
iterations and found 5-8 % cheaper routes than the defaults, and the history of 50 gave the
single-reefer part (156 candidate stops) about 1 % lower cost at 12 s (docs/logistics.md)."""
PENALTY_PARAMS = PenaltyParams(solutions_between_updates=50, min_penalty=1.0, max_penalty=1e10)
"""PyVRP's defaults (50,000 per unit at the start, 100,000 at most) suit costs of the order
of the distance unit; ours are micro-yuan per metre, so the penalties are set in yuan terms
and updated every 50 solutions (our iterations are slow and few)."""


SOLVE_PARAMS = pyvrp.SolveParams(
    ils=IteratedLocalSearchParams(history_length=HISTORY_LENGTH),
    neighbourhood=NeighbourhoodParams(num_neighbours=NUM_NEIGHBOURS),
    perturbation=PerturbationParams(max_perturbations=MAX_PERTURBATIONS),
)


def _solve(
    data: pyvrp.ProblemData,
    stop: MultipleCriteria,
    seed: int,
    init: pyvrp.Solution | None,
) -> pyvrp.Result:
    """``pyvrp.solve`` with penalties scaled to our cost units."""
    pm = PenaltyManager(
        ([PENALTY_LOAD] * data.num_load_dimensions, PENALTY_TIME, PENALTY_TIME), PENALTY_PARAMS
    )
    return solve_with_penalties(data, SOLVE_PARAMS, pm, stop, seed, init)


def solve_routes(
    ctx: Context,
    clients: Sequence[TruckClient],
    seconds: float,
    seed: int,
    operation: str,
    warm: Sequence[Route] = (),
    offered: Sequence[int] | None = None,
    exact: bool = False,
) -> RoutingResult:
    """Route ``clients`` within about ``seconds`` (independent parts one after the other,
    time shared by their number of stops; see :func:`partition`).

    ``offered``: vehicles per type to offer at least (with ``exact``: exactly, and never
    more).
    """
    if not clients:
        return RoutingResult([], [], {}, 0.0, 0, 0, [])
    parts = partition(ctx, clients)
    if len(parts) == 1:
        return _solve_part(ctx, clients, seconds, seed, operation, warm, offered, exact)
    t0 = time.perf_counter()
    out = RoutingResult([], [], {}, 0.0, 0, 0, [])
    for k, (type_ids, cl) in enumerate(parts):
        sub = dataclasses.replace(ctx, fleet=Fleet(tuple(ctx.fleet.types[i] for i in type_ids)))
        names = {ctx.fleet.types[i].id for i in type_ids}
        left = max(0.01, seconds - (time.perf_counter() - t0))
        share = left * len(cl) / sum(len(p[1]) for p in parts[k:])
        res = _solve_part(
            sub,
            cl,
            share,
            seed,
            operation,
            [r for r in warm if r.vehicle_type in names],
            None if offered is None else [offered[i] for i in type_ids],
            exact,
        )
        out.routes += res.routes
        out.dropped += res.dropped
        out.offered.update(res.offered)
        out.iterations += res.iterations
        out.solves += res.solves
        out.history += [{"part": "+".join(sorted(names)), **h} for h in res.history]
    out.runtime_s = time.perf_counter() - t0
    return out


def _solve_part(
    ctx: Context,
    clients: Sequence[TruckClient],
    seconds: float,
    seed: int,
    operation: str,
    warm: Sequence[Route] = (),
    offered: Sequence[int] | None = None,
    exact: bool = False,
) -> RoutingResult:
    """Route ``clients`` with ``ctx.fleet``; grow the offered fleet if stops are left out
    while vehicles of a type are still unoffered (not when the fleet is ``exact``)."""
    t0 = time.perf_counter()
    counts = [v.count for v in ctx.fleet.types]
    offer = estimate_fleet(ctx, clients)
    if offered is not None:
        offer = (
            list(offered) if exact else [max(a, b) for a, b in zip(offer, offered, strict=True)]
        )
    offer = [max(1, min(c, o)) for c, o in zip(counts, offer, strict=True)]
    prev: Sequence[Route] = warm
    history: list[dict[str, Any]] = []
    iterations = 0
    solves = 0
    budget = seconds
    while True:
        inst = build_instance(ctx, clients, offer)
        init = warm_solution(inst, ctx, prev)
        res = _solve(inst.data, _stop(ctx.options, budget, len(clients)), seed, init)
        solves += 1
        iterations += res.num_iterations
        routes, dropped = read_solution(ctx, inst, res.best, operation)
        spent = time.perf_counter() - t0
        history.append(
            {
                "seconds": round(budget, 3),
                "runtime_s": round(res.runtime, 3),
                "iterations": res.num_iterations,
                "objective_yuan": round(_objective(res.best) / YUAN, 2),
                "stops": len(clients),
                "dropped": len(dropped),
                "vehicles_offered": sum(offer),
            }
        )
        full = all(
            "fleet capacity" in why
            and all(offer[i] >= counts[i] for i in ctx.fleet.eligible(c.chilled))
            for c, why in dropped
        )
        if not dropped or full or exact or solves >= 4:
            break
        # stops were left out while vehicles are still unoffered: offer more and go on
        usable = {
            i
            for c, why in dropped
            if "fleet capacity" in why
            for i in ctx.fleet.eligible(c.chilled)
            if offer[i] < counts[i]
        }
        if not usable:
            break
        for i in usable:
            offer[i] = min(counts[i], max(offer[i] + 1, 2 * offer[i]))
        prev = routes
        budget = max(0.25 * seconds, seconds - spent)
    return RoutingResult(
        routes,
        dropped,
        {v.id: o for v, o in zip(ctx.fleet.types, offer, strict=True)},
        time.perf_counter() - t0,
        iterations,
        solves,
        history,
    )


def _objective(sol: pyvrp.Solution) -> int:
    """Fixed + distance cost + uncollected prizes of a solution (solver units)."""
    return sol.fixed_vehicle_cost() + sol.distance_cost() + sol.uncollected_prizes()


def read_solution(
    ctx: Context, inst: Instance, sol: pyvrp.Solution, operation: str
) -> tuple[list[Route], list[tuple[TruckClient, str]]]:
    """Our routes from a PyVRP solution; stops it left out (or put on an infeasible route)
    come back with the reason."""
    hub = ctx.hub.id
    dropped: list[tuple[TruckClient, str]] = []
    served: set[int] = set()
    routes: list[Route] = []
    numbers: dict[str, int] = defaultdict(int)
    for r in sol.routes():
        t = r.vehicle_type()
        v = ctx.fleet.types[t]
        cis = [a.idx for a in r.schedule() if a.is_client()]
        if not r.is_feasible():
            for ci in cis:
                served.add(ci)
                dropped.append(
                    (
                        inst.clients[ci],
                        "the solver found no feasible route for it within the time limit",
                    )
                )
            continue
        numbers[v.id] += 1
        routes.append(_route(ctx, inst, r, v, f"{v.id}-{numbers[v.id]}", operation, hub))
        served.update(cis)
    used: dict[int, int] = defaultdict(int)
    for r in sol.routes():
        used[r.vehicle_type()] += 1
    for ci, c in enumerate(inst.clients):
        if ci in served:
            continue
        free = any(used[i] < inst.offered[i] for i in ctx.fleet.eligible(c.chilled))
        if free:
            pen = math.fsum(penalty_yuan(ctx.params, it) for it in c.items)
            why = (
                f"left out by the solver: serving it would cost more than its penalty of "
                f"{pen:.2f} yuan (vehicles were still free)"
            )
        else:
            why = "fleet capacity and shift time exhausted: no vehicle had room for it today"
        dropped.append((c, why))
    return routes, dropped


def _route(
    ctx: Context,
    inst: Instance,
    r: pyvrp.Route,
    v: VehicleType,
    name: str,
    operation: str,
    hub: str,
) -> Route:
    sched = list(r.schedule())
    stops: list[Stop] = []
    for k, a in enumerate(sched):
        arrival = (a.start_time - a.wait_duration) / 60.0
        start = a.start_time / 60.0
        end = a.end_time / 60.0
        if a.is_depot():
            if k == 0:
                arrival = start
            stops.append(Stop(hub, "hub", a.trip, arrival, start, end))
            continue
        c = inst.clients[a.idx]
        down = [it for it in c.items if it.flow == "down"]
        up = [it for it in c.items if it.flow == "up"]
        stops.append(
            Stop(
                c.village,
                "village",
                a.trip + 1,
                arrival,
                start,
                end,
                tuple(it.id for it in down),
                tuple(it.id for it in up),
                sum(it.parcels for it in down),
                math.fsum(it.kg for it in down),
                math.fsum(it.kg for it in up),
            )
        )
    items = {it.id: it for c in inst.clients for it in c.items}
    legs = route_legs(ctx.geo, stops, items, v)
    km = math.fsum(leg.km for leg in legs)
    trips = 1 + sum(1 for s in stops[1:-1] if s.kind == "hub")
    return Route(
        vehicle=name,
        vehicle_type=v.id,
        kind=v.kind.value,
        temperature_class=v.temperature_class.value,
        operation=operation,
        stops=tuple(stops),
        legs=tuple(legs),
        km=km,
        trips=trips,
        fixed_yuan=v.fixed_cost_yuan,
        distance_yuan=km * v.cost_yuan_per_km,
        co2_kg=km * ctx.params.co2[v.id].value,
    )


def route_legs(
    geo: Geography, stops: Sequence[Stop], items: dict[str, Item], v: VehicleType
) -> list[RouteLeg]:
    """Legs between consecutive stops with the load on board, recomputed from the items."""
    legs: list[RouteLeg] = []
    down_kg = down_m3 = up_kg = up_m3 = chilled = 0.0
    parcels = 0
    for k, s in enumerate(stops[:-1]):
        if s.kind == "hub":
            # unload the pickups, load the deliveries of the coming trip
            up_kg = up_m3 = 0.0
            chilled = 0.0
            trip_down: list[Item] = []
            for t in stops[k + 1 :]:
                if t.kind == "hub":
                    break
                trip_down += [items[i] for i in t.delivered]
            down_kg = math.fsum(it.kg for it in trip_down)
            down_m3 = math.fsum(it.m3 for it in trip_down)
            parcels = sum(it.parcels for it in trip_down)
            chilled = math.fsum(it.kg for it in trip_down if it.cold)
        else:
            dl = [items[i] for i in s.delivered]
            pu = [items[i] for i in s.picked_up]
            down_kg -= math.fsum(it.kg for it in dl)
            down_m3 -= math.fsum(it.m3 for it in dl)
            parcels -= sum(it.parcels for it in dl)
            up_kg += math.fsum(it.kg for it in pu)
            up_m3 += math.fsum(it.m3 for it in pu)
            chilled += math.fsum(it.kg for it in pu if it.cold) - math.fsum(
                it.kg for it in dl if it.cold
            )
        nxt = stops[k + 1]
        legs.append(
            RouteLeg(
                origin=s.place,
                destination=nxt.place,
                trip=nxt.trip if nxt.kind == "village" else max(s.trip, 1),
                km=geo.distance_km(s.place, nxt.place),
                minutes=geo.minutes(s.place, nxt.place, v.speed_kmh),
                down_kg=max(0.0, down_kg),
                up_kg=up_kg,
                m3=max(0.0, down_m3) + up_m3,
                chilled_kg=max(0.0, chilled),
                parcels=parcels,
            )
        )
    return legs
