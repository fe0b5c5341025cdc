"""Solomon VRPTW benchmark instances (LKH-3 CVRPTW layout).

Format and conventions: ``shared/benchmarks/vrptw/README.md``. Node 1 is the depot; sections
``NODE_COORD_SECTION`` (id x y), ``DEMAND_SECTION`` (id demand), ``TIME_WINDOW_SECTION``
(id ready due, where due is the latest start of service), ``DEPOT_SECTION``; header
``CAPACITY``, ``SERVICE_TIME`` (every customer; depot 0), ``SCALE`` and
``EDGE_WEIGHT_TYPE : FLOOR_2D``: every edge is the Euclidean distance truncated to
``1/SCALE`` (``floor(10 * d) / 10``), the convention of ``bks.csv`` (distance only, fleet
free). Travel time equals that truncated distance. A vehicle leaves the depot no earlier than
the depot's ready time and must be back by its due time.

PyVRP works in units of ``1/SCALE``: the truncated distances are then exact integers (computed
with integer square roots when the coordinates are integers), and times and demands are scaled
by the same factor (exactly; a file whose times need more decimals is refused).
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pyvrp import Client, Depot, Location, ProblemData, VehicleType

from ruralflow.benchmarks._common import (
    FloatArray,
    InstanceResult,
    IntArray,
    SolveOptions,
    parse_tsplib,
    scale_by,
)
from ruralflow.benchmarks._engine import PARAMS_BY_FAMILY, SearchParams, run_searches

__all__ = ["SolomonInstance", "read_solomon", "solve_solomon"]


@dataclass(frozen=True, slots=True)
class SolomonInstance:
    """A Solomon VRPTW instance. Arrays are indexed by node id - 1 (index 0 = depot).

    ``distance_units`` holds the truncated distances in units of ``1 / scale`` (integers);
    times (``ready``, ``due``, ``service``) are in the file's units.
    """

    name: str
    path: Path
    scale: int
    capacity: float
    coords: FloatArray
    demand: FloatArray
    ready: FloatArray
    due: FloatArray
    service: FloatArray
    distance_units: IntArray
    vehicles_hint: int | None

    @property
    def dimension(self) -> int:
        return int(self.coords.shape[0])

    @property
    def num_customers(self) -> int:
        return self.dimension - 1

    def distance(self, a: int, b: int) -> float:
        """Truncated distance between node ids ``a`` and ``b``, in the file's units."""
        return int(self.distance_units[a - 1, b - 1]) / self.scale

    def cost(self, routes: Sequence[Sequence[int]]) -> float:
        """Total truncated distance (the units of ``bks.csv``), summed exactly in 1/scale."""
        total = 0
        for route in routes:
            if not route:
                continue
            idx = [0, *(int(c) - 1 for c in route), 0]
            total += sum(int(self.distance_units[a, b]) for a, b in itertools.pairwise(idx))
        return total / self.scale

    def check(self, routes: Sequence[Sequence[int]]) -> list[str]:
        """Every violation (empty list: feasible): each customer exactly once, capacity, and
        time windows (service starts by ``due``; back at the depot by the depot's ``due``),
        in exact integer arithmetic in units of 1/scale."""
        problems: list[str] = []
        n = self.dimension
        count = np.zeros(n + 1, dtype=np.int64)
        for k, route in enumerate(routes):
            for c in route:
                if not isinstance(c, int | np.integer) or not 2 <= int(c) <= n:
                    problems.append(f"route {k}: node {c!r} is not a customer id (2..{n})")
                else:
                    count[int(c)] += 1
        if problems:
            return problems
        missing = [i for i in range(2, n + 1) if count[i] == 0]
        repeated = [i for i in range(2, n + 1) if count[i] > 1]
        if missing:
            problems.append(f"{len(missing)} customers not visited (first: {missing[:5]})")
        if repeated:
            problems.append(f"customers visited more than once: {repeated[:5]}")
        s = self.scale
        ready = scale_by(self.ready, s)
        due = scale_by(self.due, s)
        service = scale_by(self.service, s)
        for k, route in enumerate(routes):
            idx = [int(c) - 1 for c in route]
            load = float(sum(self.demand[i] for i in idx))
            if load > self.capacity + 1e-9:
                problems.append(f"route {k}: load {load:g} > capacity {self.capacity:g}")
            t = int(ready[0])
            prev = 0
            for i in idx:
                t += int(self.distance_units[prev, i])
                if t > due[i]:
                    problems.append(
                        f"route {k}: arrives at node {i + 1} at {t / s:g} "
                        f"after its due time {due[i] / s:g}"
                    )
                    break
                t = max(t, int(ready[i])) + int(service[i])
                prev = i
            else:
                if idx:
                    t += int(self.distance_units[prev, 0])
                    if t > due[0]:
                        problems.append(
                            f"route {k}: back at the depot at {t / s:g} "
                            f"after its due time {due[0] / s:g}"
                        )
        return problems

    def single_route_problem(self, node: int) -> str:
        """Why the route depot-``node``-depot is infeasible ("" when it is feasible)."""
        problems = self.check([[node]])
        return next((p.split(": ", 1)[1] for p in problems if p.startswith("route 0")), "")

    def problem_data(self) -> ProblemData:
        """PyVRP integer data in units of 1/scale; client ``k`` is node id ``k + 2``."""
        s = self.scale
        n = self.num_customers
        demand = scale_by(self.demand, s)
        ready = scale_by(self.ready, s)
        due = scale_by(self.due, s)
        service = scale_by(self.service, s)
        cap = int(scale_by(np.array([self.capacity]), s, mode="floor")[0])
        dist = self.distance_units
        locations = [Location(float(x), float(y)) for x, y in self.coords]
        depot = Depot(0, tw_early=int(ready[0]), tw_late=int(due[0]))
        clients = [
            Client(
                location=i,
                delivery=[int(demand[i])],
                service_duration=int(service[i]),
                tw_early=int(ready[i]),
                tw_late=int(due[i]),
            )
            for i in range(1, n + 1)
        ]
        vehicle = VehicleType(
            num_available=n, capacity=[cap], tw_early=int(ready[0]), tw_late=int(due[0])
        )
        # PyVRP's stubs type matrices as np.ndarray[int]; ours are int64 arrays.
        matrices: list[Any] = [dist]
        return ProblemData(locations, clients, [depot], [vehicle], matrices, matrices)


def _floor_distances(coords: FloatArray, scale: int) -> IntArray:
    """``floor(scale * euclid)`` for every pair; exact (integer square root) when the scaled
    squared distances are integers, as with Solomon's integer coordinates."""
    diff = coords[:, None, :] - coords[None, :, :]
    sq = (diff**2).sum(axis=-1) * scale * scale
    if np.all(sq == np.rint(sq)) and float(sq.max()) < 2**53:
        flat = [math.isqrt(int(v)) for v in sq.ravel()]
        out: IntArray = np.array(flat, dtype=np.int64).reshape(sq.shape)
    else:
        out = np.floor(np.sqrt(sq) + 1e-9).astype(np.int64)
    return out


def read_solomon(path: str | Path) -> SolomonInstance:
    """Read a Solomon instance in the LKH-3 CVRPTW layout (see the module docstring).

    Raises :class:`RoutingInstanceError` naming the file and line on any format problem, or
    when a customer cannot be served by any route (demand above capacity, time window out of
    reach from the depot).
    """
    parsed = parse_tsplib(path)
    dim = parsed.int_field("DIMENSION")
    assert dim is not None
    if dim < 2:
        raise parsed.error(f"DIMENSION must be >= 2 (depot and a customer), got {dim}")
    capacity = parsed.float_field("CAPACITY")
    if capacity is None or capacity <= 0:
        raise parsed.error(f"CAPACITY must be a positive number (got {capacity!r})")
    ewt = parsed.header.get("EDGE_WEIGHT_TYPE", "FLOOR_2D").upper()
    if ewt != "FLOOR_2D":
        raise parsed.error(f"EDGE_WEIGHT_TYPE {ewt} not supported (FLOOR_2D)")
    scale = parsed.int_field("SCALE", required=False) or 10
    if scale < 1:
        raise parsed.error(f"SCALE must be a positive integer (got {scale})")
    if "DEPOT_SECTION" in parsed.sections:
        depots = [t for _, row in parsed.sections["DEPOT_SECTION"] for t in row if t != "-1"]
        if depots and depots != ["1"]:
            raise parsed.error(f"only node 1 as the depot is supported (got {depots})")
    coords = parsed.node_table("NODE_COORD_SECTION", dim, 2)
    demand = parsed.node_table("DEMAND_SECTION", dim, 1)[:, 0]
    tw = parsed.node_table("TIME_WINDOW_SECTION", dim, 2)
    ready, due = tw[:, 0].copy(), tw[:, 1].copy()
    service_time = parsed.float_field("SERVICE_TIME") or 0.0
    service = np.full(dim, service_time)
    service[0] = 0.0
    demand[0] = 0.0
    for label, arr in (("demand", demand), ("ready time", ready), ("service", service)):
        if float(arr.min()) < 0:
            node = int(np.argmin(arr)) + 1
            raise parsed.error(f"node {node}: negative {label} {arr[node - 1]:g}")
    bad = np.nonzero(due < ready)[0]
    if bad.size:
        node = int(bad[0]) + 1
        raise parsed.error(f"node {node}: due time {due[node - 1]:g} < ready time")
    for label, arr in (("times", np.concatenate([ready, due, service])), ("demands", demand)):
        x = arr * scale
        if not np.all(np.abs(x - np.rint(x)) <= 1e-9 * np.maximum(1.0, np.abs(x))):
            raise parsed.error(f"{label} are not whole multiples of 1/SCALE = 1/{scale}")
    inst = SolomonInstance(
        name=parsed.path.stem,
        path=parsed.path,
        scale=scale,
        capacity=float(capacity),
        coords=coords,
        demand=demand,
        ready=ready,
        due=due,
        service=service,
        distance_units=_floor_distances(coords, scale),
        vehicles_hint=parsed.int_field("VEHICLES", required=False),
    )
    for i in range(1, dim):
        if demand[i] > capacity + 1e-9:
            raise parsed.error(
                f"customer {i + 1}: demand {demand[i]:g} > capacity {capacity:g}; "
                "no feasible route exists"
            )
        alone = inst.single_route_problem(i + 1)
        if alone:
            raise parsed.error(f"customer {i + 1}: {alone}; no feasible route exists")
    return inst


def solve_solomon(
    path: str | Path,
    options: SolveOptions | None = None,
    *,
    params: SearchParams | None = None,
) -> InstanceResult:
    """Read, solve with PyVRP and re-check one Solomon instance (distance only, fleet free).

    The wall-clock budget ``options.time_limit`` covers the whole call.
    """
    opts = options or SolveOptions()
    start = time.perf_counter()
    inst = read_solomon(path)
    outcome = run_searches(
        inst.problem_data(),
        params or PARAMS_BY_FAMILY["solomon"],
        seed=opts.seed,
        workers=opts.workers,
        time_limit=opts.time_limit,
        deadline=start + opts.time_limit,
        max_iterations=opts.max_iterations,
    )
    routes = [[c + 2 for c in r] for r in outcome.routes]
    violations = inst.check(routes)
    if not outcome.feasible and not violations:
        violations = ["PyVRP reports its best solution infeasible"]
    return InstanceResult(
        instance=inst.name,
        format="solomon",
        family="solomon",
        cost=inst.cost(routes),
        routes=routes,
        feasible=not violations,
        runtime_s=time.perf_counter() - start,
        violations=violations,
        solver_cost=outcome.cost,
    )
