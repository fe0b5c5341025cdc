"""VRPSPD benchmark instances (vehicle routing with simultaneous pickup and delivery).

Format and conventions: ``shared/benchmarks/vrpspd/README.md``. Node 1 is the depot, nodes
2..DIMENSION the customers; ``PICKUP_AND_DELIVERY_SECTION`` rows are
``id demand tw_early tw_late service pickup delivery`` (``demand`` and the time windows are
unused). A route leaves the depot carrying the sum of its deliveries and the load changes by
``pickup - delivery`` at each customer; it must never exceed ``CAPACITY``. Fleet unlimited,
objective total distance. The three families differ in their distances:

* ``dethloff``: ``EXPLICIT`` ``FULL_MATRIX`` of integers = Euclidean distance x 10^4, loads
  scaled alike. Costs are reported divided by 10^4 (the units of ``bks.csv``).
* ``montane_galvao``: ``EXPLICIT`` ``FULL_MATRIX`` of reals (up to 4 decimals), integer loads.
* ``salhi_nagy``: ``EUC_2D`` coordinates with *real* (unrounded) Euclidean distances,
  fractional loads, and in some files ``DISTANCE`` (maximum route length, travel + service)
  with ``SERVICE_TIME`` (every customer; depot 0).

Integer scaling for PyVRP (which truncates fractional inputs): distances are multiplied by the
smallest power of ten that makes the file's values integers (Dethloff 1, Montané 10^4);
Salhi-Nagy's irrational distances by ``10**SALHI_DISTANCE_DECIMALS`` and rounded (the route
costs we report are recomputed from the real distances, so rounding only steers the search).
Loads are scaled by the smallest power of ten that makes them exact (Salhi-Nagy: 10^6), and if
none up to 10^6 does, rounded *up* while the capacity is rounded *down*, so that every route
PyVRP accepts is feasible in the file's numbers. Route-length limits are enforced on a duration
matrix rounded *up* against a limit rounded *down*, for the same reason. Every returned route
is checked again by :meth:`VrpspdInstance.check` on the unscaled data.
"""

from __future__ import annotations

import itertools
import math
import re
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
    ParsedFile,
    RoutingInstanceError,
    SolveOptions,
    parse_tsplib,
    scale_by,
    scale_exact,
)
from ruralflow.benchmarks._engine import PARAMS_BY_FAMILY, SearchParams, run_searches

__all__ = [
    "SALHI_DISTANCE_DECIMALS",
    "VRPSPD_FAMILIES",
    "VrpspdInstance",
    "read_vrpspd",
    "solve_vrpspd",
]

VRPSPD_FAMILIES: tuple[str, ...] = ("dethloff", "montane_galvao", "salhi_nagy")

#: Decimal digits kept of Salhi-Nagy's real Euclidean distances in PyVRP's integer matrix.
SALHI_DISTANCE_DECIMALS = 4
#: Most decimal digits of a file's loads or explicit distances kept exactly.
_MAX_DECIMALS = 6
#: Dethloff matrices are Euclidean distance x 10^4; bks.csv is in plain distance.
_DETHLOFF_UNIT = 10_000.0
#: Values of DISTANCE meaning "no limit" (as in the upstream FSPD/LKH-3 readers).
_NO_LIMIT = 999_999.0
_EUCLIDEAN_TYPES = ("EUC_2D", "EXACT_2D")
_DETHLOFF_NAME = re.compile(r"^(SCA|CON)\d", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class VrpspdInstance:
    """A VRPSPD instance as in the file (unscaled).

    Arrays are indexed by node id - 1 (index 0 = depot). ``distance`` is in the file's units
    (Dethloff: x 10^4); ``cost_unit`` is what a route cost in file units is divided by to get
    the units of ``bks.csv``. ``max_length`` limits travel + service per route (``None``: no
    limit).
    """

    name: str
    family: str
    path: Path
    capacity: float
    distance: FloatArray
    pickup: FloatArray
    delivery: FloatArray
    service: FloatArray
    max_length: float | None
    coords: FloatArray | None
    cost_unit: float

    @property
    def dimension(self) -> int:
        """Number of nodes, depot included (the file's ``DIMENSION``)."""
        return int(self.distance.shape[0])

    @property
    def num_customers(self) -> int:
        return self.dimension - 1

    def route_length(self, route: Sequence[int]) -> float:
        """Travel distance of one route in file units (node ids, depot implicit at both ends)."""
        if not route:
            return 0.0
        idx = [0, *(int(c) - 1 for c in route), 0]
        return float(sum(float(self.distance[a, b]) for a, b in itertools.pairwise(idx)))

    def cost(self, routes: Sequence[Sequence[int]]) -> float:
        """Total distance in the units of ``bks.csv``, from the unscaled file data."""
        if self.family == "dethloff":
            # integer matrix: sum exactly, then convert.
            total = 0
            for route in routes:
                idx = [0, *(int(c) - 1 for c in route), 0] if route else []
                total += sum(int(self.distance[a, b]) for a, b in itertools.pairwise(idx))
            return total / self.cost_unit
        return sum(self.route_length(r) for r in routes) / self.cost_unit

    def check(self, routes: Sequence[Sequence[int]]) -> list[str]:
        """Every violation of the routes (empty list: feasible).

        Each customer (node ids 2..DIMENSION) exactly once; load on every leg within capacity
        (the route starts with the sum of its deliveries and changes by pickup - delivery at
        each customer); travel + service within ``max_length`` where the file has one.
        """
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
        tol = 1e-9 * max(1.0, self.capacity)
        for k, route in enumerate(routes):
            idx = [int(c) - 1 for c in route]
            load = float(sum(self.delivery[i] for i in idx))
            if load > self.capacity + tol:
                problems.append(f"route {k}: leaves the depot with {load:g} > {self.capacity:g}")
            for i in idx:
                load += float(self.pickup[i] - self.delivery[i])
                if load > self.capacity + tol:
                    problems.append(
                        f"route {k}: load {load:g} > capacity {self.capacity:g} after node {i + 1}"
                    )
                    break
            if self.max_length is not None and idx:
                length = self.route_length(route) + float(sum(self.service[i] for i in idx))
                if length > self.max_length + 1e-6:
                    problems.append(
                        f"route {k}: length {length:.4f} (travel + service) "
                        f"> limit {self.max_length:g}"
                    )
        return problems

    def problem_data(self) -> ProblemData:
        """The instance as PyVRP integer data (see the module docstring for the scaling).

        Client ``k`` is node id ``k + 2``; location 0 is the depot.
        """
        n = self.num_customers
        dist = self._scaled_distance()
        loads = np.concatenate([[self.capacity], self.pickup[1:], self.delivery[1:]])
        sc = scale_exact(loads, _MAX_DECIMALS)
        if sc.exact:
            cap = int(sc.values[0])
            pick = sc.values[1 : n + 1]
            deli = sc.values[n + 1 :]
        else:
            cap = int(scale_by(np.array([self.capacity]), sc.scale, mode="floor")[0])
            pick = scale_by(self.pickup[1:], sc.scale, mode="ceil")
            deli = scale_by(self.delivery[1:], sc.scale, mode="ceil")
        if self.max_length is not None:
            # duration rounded up, limit rounded down: PyVRP-feasible implies file-feasible.
            dscale = self._distance_scale()
            duration = scale_by(self.distance, dscale, mode="ceil")
            service = scale_by(self.service, dscale, mode="ceil")
            shift = int(scale_by(np.array([self.max_length]), dscale, mode="floor")[0])
            vehicle = VehicleType(num_available=n, capacity=[cap], shift_duration=shift)
        else:
            duration = np.zeros_like(dist)
            service = np.zeros(n + 1, dtype=np.int64)
            vehicle = VehicleType(num_available=n, capacity=[cap])
        xy = self.coords if self.coords is not None else np.zeros((n + 1, 2))
        locations = [Location(float(x), float(y)) for x, y in xy]
        clients = [
            Client(
                location=i,
                delivery=[int(deli[i - 1])],
                pickup=[int(pick[i - 1])],
                service_duration=int(service[i]),
            )
            for i in range(1, n + 1)
        ]
        # PyVRP's stubs type matrices as np.ndarray[int]; ours are int64 arrays.
        matrices: list[Any] = [dist, duration]
        return ProblemData(locations, clients, [Depot(0)], [vehicle], matrices[:1], matrices[1:])

    def _distance_scale(self) -> int:
        if self.family == "salhi_nagy" or self.coords is not None:
            return int(10**SALHI_DISTANCE_DECIMALS)
        return scale_exact(self.distance, _MAX_DECIMALS).scale

    def _scaled_distance(self) -> IntArray:
        if self.family == "salhi_nagy" or self.coords is not None:
            return scale_by(self.distance, int(10**SALHI_DISTANCE_DECIMALS))
        return scale_exact(self.distance, _MAX_DECIMALS).values


def _detect_family(parsed: ParsedFile) -> str:
    parent = parsed.path.parent.name
    if parent in VRPSPD_FAMILIES:
        return parent
    ewt = parsed.header.get("EDGE_WEIGHT_TYPE", "").upper()
    if ewt in _EUCLIDEAN_TYPES:
        return "salhi_nagy"
    name = parsed.header.get("NAME", parsed.path.stem)
    if _DETHLOFF_NAME.match(name) or _DETHLOFF_NAME.match(parsed.path.stem):
        return "dethloff"
    return "montane_galvao"


def read_vrpspd(path: str | Path, family: str | None = None) -> VrpspdInstance:
    """Read a VRPSPD file of any of the three families.

    ``family`` is one of :data:`VRPSPD_FAMILIES`; by default the folder name decides
    (``dethloff/``, ``montane_galvao/``, ``salhi_nagy/``), else the file itself (``EUC_2D``
    coordinates: Salhi-Nagy; SCA/CON names: Dethloff; other explicit matrices: Montané).
    Raises :class:`RoutingInstanceError` naming the file and line on any format problem, or
    when a customer cannot be served by any route.
    """
    parsed = parse_tsplib(path)
    fam = family or _detect_family(parsed)
    if fam not in VRPSPD_FAMILIES:
        raise RoutingInstanceError(
            f"unknown VRPSPD family {fam!r}: expected one of {', '.join(VRPSPD_FAMILIES)}"
        )
    dim = parsed.int_field("DIMENSION")
    assert dim is not None
    if dim < 2:
        raise parsed.error(f"DIMENSION must be >= 2 (depot and a customer), got {dim}")
    capacity = parsed.float_field("CAPACITY")
    if capacity is None or capacity <= 0:
        raise parsed.error(f"CAPACITY must be a positive number (got {capacity!r})")
    if "DEPOT_SECTION" in parsed.sections:
        depots = [t for _, row in parsed.sections["DEPOT_SECTION"] for t in row if t != "-1"]
        if depots and depots != ["1"]:
            raise parsed.error(f"only node 1 as the depot is supported (got {depots})")

    ewt = parsed.header.get("EDGE_WEIGHT_TYPE", "").upper()
    coords: FloatArray | None = None
    if ewt == "EXPLICIT":
        fmt = parsed.header.get("EDGE_WEIGHT_FORMAT", "FULL_MATRIX").upper()
        if fmt != "FULL_MATRIX":
            raise parsed.error(f"EDGE_WEIGHT_FORMAT {fmt} not supported (only FULL_MATRIX)")
        rows = parsed.section("EDGE_WEIGHT_SECTION")
        tokens = [t for _, row in rows for t in row]
        if len(tokens) != dim * dim:
            raise parsed.error(
                f"EDGE_WEIGHT_SECTION has {len(tokens)} values, expected {dim}x{dim}={dim * dim}"
            )
        try:
            distance = np.array(tokens, dtype=np.float64).reshape(dim, dim)
        except ValueError:
            bad = next(t for t in tokens if not _is_number(t))
            raise parsed.error(f"EDGE_WEIGHT_SECTION: not a number {bad!r}") from None
    elif ewt in _EUCLIDEAN_TYPES:
        coords = parsed.node_table("NODE_COORD_SECTION", dim, 2)
        diff = coords[:, None, :] - coords[None, :, :]
        # real Euclidean distances: the BKS of these instances do not use TSPLIB's nint rule.
        distance = np.sqrt((diff**2).sum(axis=-1))
    else:
        raise parsed.error(
            f"EDGE_WEIGHT_TYPE {ewt or '(missing)'} not supported (EXPLICIT, EUC_2D, EXACT_2D)"
        )
    if not np.all(np.isfinite(distance)) or float(distance.min()) < 0:
        raise parsed.error("distances must be finite and non-negative")

    table = parsed.node_table("PICKUP_AND_DELIVERY_SECTION", dim, 6)
    service = table[:, 3].copy()
    service_time = parsed.float_field("SERVICE_TIME")
    if service_time is not None:
        service[1:] = service_time
    service[0] = 0.0
    pickup = table[:, 4].copy()
    delivery = table[:, 5].copy()
    pickup[0] = delivery[0] = 0.0
    for label, arr in (("pickup", pickup), ("delivery", delivery), ("service", service)):
        if float(arr.min()) < 0:
            node = int(np.argmin(arr)) + 1
            raise parsed.error(f"node {node}: negative {label} {arr[node - 1]:g}")
    max_length = parsed.float_field("DISTANCE")
    if max_length is not None and (max_length <= 0 or max_length >= _NO_LIMIT):
        max_length = None

    inst = VrpspdInstance(
        # the file name, as in bks.csv (Salhi-Nagy files keep the CVRP source's NAME, e.g.
        # CMT7 for both CMT7X and CMT7Y).
        name=parsed.path.stem,
        family=fam,
        path=parsed.path,
        capacity=float(capacity),
        distance=distance,
        pickup=pickup,
        delivery=delivery,
        service=service,
        max_length=max_length,
        coords=coords,
        cost_unit=_DETHLOFF_UNIT if fam == "dethloff" else 1.0,
    )
    _check_servable(inst, parsed)
    return inst


def _is_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def _check_servable(inst: VrpspdInstance, parsed: ParsedFile) -> None:
    """Every customer must fit a route of its own; else no solution exists."""
    for i in range(1, inst.dimension):
        for label, amount in (("delivery", inst.delivery[i]), ("pickup", inst.pickup[i])):
            if amount > inst.capacity + 1e-9 * max(1.0, inst.capacity):
                raise parsed.error(
                    f"customer {i + 1}: {label} {amount:g} > capacity {inst.capacity:g}; "
                    "no feasible route exists"
                )
        if inst.max_length is not None:
            alone = inst.distance[0, i] + inst.distance[i, 0] + inst.service[i]
            if alone > inst.max_length + 1e-6:
                raise parsed.error(
                    f"customer {i + 1}: depot-customer-depot takes {alone:.4f} "
                    f"> route limit {inst.max_length:g}; no feasible route exists"
                )


def solve_vrpspd(
    path: str | Path,
    options: SolveOptions | None = None,
    *,
    family: str | None = None,
    params: SearchParams | None = None,
) -> InstanceResult:
    """Read, solve with PyVRP and re-check one VRPSPD instance.

    The wall-clock budget ``options.time_limit`` covers the whole call. ``params`` overrides
    the family's tuned PyVRP parameters (for experiments).
    """
    opts = options or SolveOptions()
    start = time.perf_counter()
    inst = read_vrpspd(path, family)
    data = inst.problem_data()
    outcome = run_searches(
        data,
        params or PARAMS_BY_FAMILY[inst.family],
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
    cost = inst.cost(routes)
    return InstanceResult(
        instance=inst.name,
        format="vrpspd",
        family=inst.family,
        cost=cost if math.isfinite(cost) else float("inf"),
        routes=routes,
        feasible=not violations,
        runtime_s=time.perf_counter() - start,
        violations=violations,
        solver_cost=outcome.cost,
    )
