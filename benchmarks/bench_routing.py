"""Routing benchmark: RuralFlow (PyVRP, both cores) beside OR-Tools on classic instances.

    python benchmarks/bench_routing.py --time-limit 10 [--set standard|full|smoke]
        [--formats vrpspd,solomon] [--seed 1] [--no-ortools] [--out docs/benchmarks.md]

For every instance of the set, both solvers get the same wall-clock limit (ours runs two
PyVRP searches in two processes; OR-Tools' routing solver is single-threaded, guided local
search). Every solution is re-checked by our checker and, for VRPSPD, by the independent
checker in ``shared/tools``. The table (gap to ``bks.csv`` per instance, per family and on
average) goes into the section "Routing (VRPSPD, Solomon)" of ``docs/benchmarks.md``, in a
subsection per time limit; other sections and other time limits are kept.

OR-Tools is a benchmark-only dependency (``uv sync --group bench``); without it the OR-Tools
columns say so.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import math
import os
import platform
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ruralflow.benchmarks import (
    SolomonInstance,
    VrpspdInstance,
    read_solomon,
    read_vrpspd,
    solve_instance,
)

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
BENCH = SHARED / "benchmarks"
SECTION = "## Routing (VRPSPD, Solomon)"

# The standard set (24 VRPSPD + 12 Solomon, about 45 min for a 30 s run with OR-Tools): every
# family and size class in the proportions of the shared folder (a third of the Montane
# instances have 400 customers).
STANDARD: dict[str, list[str]] = {
    "dethloff": [
        "CON3-0", "CON3-4", "CON3-9", "CON8-2", "CON8-6",
        "SCA3-1", "SCA3-5", "SCA8-1", "SCA8-4", "SCA8-9",
    ],
    "montane_galvao": ["c101", "rc101", "r201", "R1_2_1", "C2_4_1", "RC1_4_1"],
    "salhi_nagy": ["CMT1X", "CMT2Y", "CMT4X", "CMT5Y", "CMT7X", "CMT8Y", "CMT11X", "CMT13Y"],
    "solomon": [
        "C101", "C105", "C201", "C205", "R102", "R106",
        "R109", "R202", "R206", "RC103", "RC107", "RC202",
    ],
}  # fmt: skip
SMOKE: dict[str, list[str]] = {
    "dethloff": ["SCA3-1"],
    "montane_galvao": ["c101"],
    "salhi_nagy": ["CMT7X"],
    "solomon": ["C101"],
}


def _full() -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for fam in ("dethloff", "montane_galvao", "salhi_nagy"):
        out[fam] = sorted(p.stem for p in (BENCH / "vrpspd" / fam).glob("*.vrpspd"))
    out["solomon"] = sorted(p.stem for p in (BENCH / "vrptw" / "solomon").glob("*.vrptw"))
    return out


def _bks() -> dict[str, float]:
    out: dict[str, float] = {}
    for f in (BENCH / "vrpspd" / "bks.csv", BENCH / "vrptw" / "bks.csv"):
        with f.open() as fh:
            for row in csv.DictReader(fh):
                out[row["instance"]] = float(row["bks"])
    return out


def _path(family: str, name: str) -> Path:
    if family == "solomon":
        return BENCH / "vrptw" / "solomon" / f"{name}.vrptw"
    return BENCH / "vrpspd" / family / f"{name}.vrpspd"


# ----------------------------------------------------------------------------- OR-Tools


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "?"


def ortools_available() -> str | None:
    """OR-Tools version, or None when it is not installed."""
    try:
        import ortools
    except ImportError:
        return None
    return str(getattr(ortools, "__version__", "?"))


def solve_ortools(
    inst: VrpspdInstance | SolomonInstance, time_limit: float
) -> tuple[list[list[int]] | None, float]:
    """Solve with OR-Tools' routing solver (GLS) on the same integer data as PyVRP.

    VRPSPD load: a dimension ``load`` with transit ``pickup - delivery`` whose start cumul must
    equal the route's total delivery (a second dimension ``delivered``), capacity on every
    node. Route-length limits: a dimension of travel + service. Solomon: a time dimension with
    the windows, and a capacity dimension. Returns routes in node ids, and the wall time.
    """
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    start = time.perf_counter()
    data = inst.problem_data()
    n = data.num_clients
    dist = np.asarray(data.distance_matrix(0), dtype=np.int64)
    dur = np.asarray(data.duration_matrix(0), dtype=np.int64)
    clients = data.clients()
    vt = data.vehicle_types()[0]
    cap = int(vt.capacity[0])
    delivery = [0] + [int(c.delivery[0]) for c in clients]
    pickup = [0] + [int(c.pickup[0]) if c.pickup else 0 for c in clients]
    service = [0] + [int(c.service_duration) for c in clients]
    lb = math.ceil(max(sum(delivery), sum(pickup)) / cap)
    num_vehicles = min(n, 2 * lb + 10)
    if isinstance(inst, SolomonInstance) and inst.vehicles_hint:
        num_vehicles = min(n, max(num_vehicles, 2 * inst.vehicles_hint))

    manager = pywrapcp.RoutingIndexManager(n + 1, num_vehicles, 0)
    routing = pywrapcp.RoutingModel(manager)
    dist_cb = routing.RegisterTransitMatrix(dist.tolist())
    routing.SetArcCostEvaluatorOfAllVehicles(dist_cb)

    deliv_cb = routing.RegisterUnaryTransitVector(delivery)
    if isinstance(inst, VrpspdInstance):
        routing.AddDimension(deliv_cb, 0, cap, True, "delivered")
        net = [p - d for p, d in zip(pickup, delivery, strict=True)]
        net_cb = routing.RegisterUnaryTransitVector(net)
        routing.AddDimension(net_cb, 0, cap, False, "load")
        delivered = routing.GetDimensionOrDie("delivered")
        load = routing.GetDimensionOrDie("load")
        solver = routing.solver()
        for v in range(num_vehicles):
            solver.Add(load.CumulVar(routing.Start(v)) == delivered.CumulVar(routing.End(v)))
        limit = int(vt.shift_duration)
        if inst.max_length is not None:
            length = (dur + np.array(service)[:, None]).tolist()
            len_cb = routing.RegisterTransitMatrix(length)
            routing.AddDimension(len_cb, 0, limit, True, "length")
    else:
        routing.AddDimension(deliv_cb, 0, cap, True, "capacity")
        travel = (dur + np.array(service)[:, None]).tolist()
        time_cb = routing.RegisterTransitMatrix(travel)
        depot = data.depots()[0]
        horizon = int(depot.tw_late)
        routing.AddDimension(time_cb, horizon, horizon, False, "time")
        tdim = routing.GetDimensionOrDie("time")
        for i, c in enumerate(clients, start=1):
            tdim.CumulVar(manager.NodeToIndex(i)).SetRange(int(c.tw_early), int(c.tw_late))
        for v in range(num_vehicles):
            tdim.CumulVar(routing.Start(v)).SetRange(int(depot.tw_early), horizon)
            tdim.CumulVar(routing.End(v)).SetRange(int(depot.tw_early), horizon)

    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = (
        routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    )
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    remaining = max(0.1, time_limit - (time.perf_counter() - start) - 0.05)
    params.time_limit.FromMilliseconds(int(remaining * 1000))
    sol = routing.SolveWithParameters(params)
    if sol is None:
        return None, time.perf_counter() - start
    routes: list[list[int]] = []
    for v in range(num_vehicles):
        idx = routing.Start(v)
        route: list[int] = []
        idx = sol.Value(routing.NextVar(idx))
        while not routing.IsEnd(idx):
            route.append(manager.IndexToNode(idx) + 1)  # node ids in the file
            idx = sol.Value(routing.NextVar(idx))
        if route:
            routes.append(route)
    return routes, time.perf_counter() - start


# ----------------------------------------------------------------------------- checks


def independent_check(path: Path, routes: list[list[int]]) -> tuple[bool, float] | None:
    """Feasibility and cost from ``shared/tools/vrpspd_io.py`` (VRPSPD only)."""
    tools = SHARED / "tools"
    if not (tools / "vrpspd_io.py").exists():
        return None
    if str(tools) not in sys.path:
        sys.path.insert(0, str(tools))
    import vrpspd_io

    inst = vrpspd_io.read_vrpspd(str(path))
    r0 = [[c - 1 for c in r] for r in routes]
    errs = vrpspd_io.check_solution(inst, r0)
    scale = 1e4 if path.parent.name == "dethloff" else 1.0
    return (not errs, float(vrpspd_io.solution_cost(inst, r0)) / scale)


# ----------------------------------------------------------------------------- run


@dataclass
class Row:
    family: str
    instance: str
    n: int
    bks: float
    ours: float | None
    ours_feasible: bool
    ours_runtime: float
    ortools: float | None
    ortools_feasible: bool
    ortools_runtime: float
    note: str = ""

    def gap(self, value: float | None, feasible: bool) -> float | None:
        if value is None or not feasible:
            return None
        return 100.0 * (value - self.bks) / self.bks


def run(
    instances: dict[str, list[str]],
    time_limit: float,
    seed: int,
    with_ortools: bool,
    log: Any = sys.stderr,
) -> list[Row]:
    bks = _bks()
    rows: list[Row] = []
    for family, names in instances.items():
        for name in names:
            path = _path(family, name)
            fmt = "solomon" if family == "solomon" else "vrpspd"
            inst: VrpspdInstance | SolomonInstance = (
                read_solomon(path) if fmt == "solomon" else read_vrpspd(path)
            )
            res = solve_instance(path, fmt, time_limit=time_limit, seed=seed)
            note = ""
            if fmt == "vrpspd":
                ind = independent_check(path, res.routes)
                if ind is not None:
                    ok, cost = ind
                    if ok != res.feasible or abs(cost - res.cost) > 1e-6 * max(1.0, cost):
                        note = f"independent checker disagrees: {ok} {cost:.4f}"
            ort: float | None = None
            ort_ok = False
            ort_t = 0.0
            if with_ortools:
                routes, ort_t = solve_ortools(inst, time_limit)
                if routes is not None:
                    ort = inst.cost(routes)
                    ort_ok = not inst.check(routes)
            row = Row(
                family, name, inst.num_customers, bks[name], res.cost, res.feasible,
                res.runtime_s, ort, ort_ok, ort_t, note,
            )  # fmt: skip
            rows.append(row)
            g1 = row.gap(row.ours, row.ours_feasible)
            g2 = row.gap(row.ortools, row.ortools_feasible)
            print(
                f"{family:15s} {name:8s} bks {row.bks:10.2f} ours {res.cost:10.2f} "
                f"({'-' if g1 is None else f'{g1:+.2f}%'}, {res.runtime_s:.1f}s) "
                f"ortools {'-' if ort is None else f'{ort:10.2f}'} "
                f"({'-' if g2 is None else f'{g2:+.2f}%'}, {ort_t:.1f}s) {note}",
                file=log,
                flush=True,
            )
    return rows


def _fmt_gap(g: float | None) -> str:
    return "infeasible / none" if g is None else f"{g:+.2f}%"


def _mean(values: list[float | None]) -> str:
    if not values:
        return "-"
    if any(v is None for v in values):
        good = [v for v in values if v is not None]
        return f"{sum(good) / len(good):.2f}% ({len(values) - len(good)} missing)" if good else "-"
    return f"{sum(v for v in values if v is not None) / len(values):.2f}%"


def table(
    rows: list[Row],
    time_limit: float,
    command: str,
    ortools_version: str | None,
    load: tuple[float, float] = (math.nan, math.nan),
) -> str:
    today = dt.date.today().isoformat()
    cpu = platform.processor() or platform.machine()
    lines = [
        f"### Time limit {time_limit:g} s per instance",
        "",
        f"Command: {command}  ",
        f"Machine: {os.cpu_count()} cores ({cpu}), shared with other work while it ran "
        f"(1-minute load average {load[0]:.1f} at the start, {load[1]:.1f} at the end); "
        f"Python {platform.python_version()}, PyVRP {_version('pyvrp')}; date {today}.  ",
        "RuralFlow: two PyVRP searches (seeds s, s+1000003) in two processes, best kept, "
        "wall time per instance including reading and checking; PyVRP 0.14 defaults except "
        "the penalties (start at mean distance / mean client load, bounds x/÷ 1000) and "
        "the late-acceptance history, 10 per second of time limit within 50..300 "
        "(`ruralflow.benchmarks._engine.SearchParams`). OR-Tools "
        f"{ortools_version or '(not installed: columns empty)'}: routing solver, parallel "
        "cheapest insertion + guided local search, one thread, same wall limit. Gap to "
        "`bks.csv`; every solution re-checked by our checker (and, VRPSPD, by "
        "`shared/tools/vrpspd_io.py`).",
        "",
        "| family | instance | n | BKS | RuralFlow | gap | OR-Tools | gap |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        ours = "-" if r.ours is None else f"{r.ours:.2f}"
        ort = "-" if r.ortools is None else f"{r.ortools:.2f}"
        note = f" ({r.note})" if r.note else ""
        lines.append(
            f"| {r.family} | {r.instance}{note} | {r.n} | {r.bks:.2f} | {ours} | "
            f"{_fmt_gap(r.gap(r.ours, r.ours_feasible))} | {ort} | "
            f"{_fmt_gap(r.gap(r.ortools, r.ortools_feasible)) if ortools_version else '-'} |"
        )
    lines += [
        "",
        "| group | instances | RuralFlow mean gap | OR-Tools mean gap |",
        "|---|---:|---:|---:|",
    ]
    groups: dict[str, list[Row]] = {}
    for r in rows:
        groups.setdefault(r.family, []).append(r)
    vrpspd = [r for r in rows if r.family != "solomon"]
    if vrpspd:
        groups["VRPSPD (all families)"] = vrpspd
    for g, rs in groups.items():
        ours_m = _mean([r.gap(r.ours, r.ours_feasible) for r in rs])
        ort_m = (
            _mean([r.gap(r.ortools, r.ortools_feasible) for r in rs]) if ortools_version else "-"
        )
        lines.append(f"| {g} | {len(rs)} | {ours_m} | {ort_m} |")
    lines.append("")
    return "\n".join(lines)


def write_section(doc: Path, subsection: str, time_limit: float) -> None:
    """Put ``subsection`` into the routing section of ``doc``, replacing the subsection of the
    same time limit; everything else in the file is kept."""
    intro = (
        f"{SECTION}\n\n"
        "Made by `make bench-routing` (`benchmarks/bench_routing.py`). Instances and best-known "
        "values: `shared/benchmarks/vrpspd/` and `shared/benchmarks/vrptw/` (their READMEs give "
        "the distance and rounding conventions; Solomon costs use distances truncated to one "
        "decimal). Targets (issue 7): VRPSPD mean gap <= 0.8% at 10 s and <= 0.3% at 30 s, "
        "Solomon <= 0.5% at 30 s.\n"
    )
    text = doc.read_text(encoding="utf-8") if doc.exists() else "# Benchmarks\n"
    start = text.find(SECTION)
    if start < 0:
        body = intro
        before, after = text.rstrip("\n") + "\n\n", ""
    else:
        m = re.compile(r"^## ", re.M).search(text, start + len(SECTION))
        end = m.start() if m else len(text)
        body = text[start:end]
        before, after = text[:start], text[end:]
    head = f"### Time limit {time_limit:g} s per instance"
    subs = re.split(r"(?m)^(?=### )", body)
    kept = [s for s in subs[1:] if not s.startswith(head + "\n")]
    kept.append(subsection.rstrip("\n") + "\n\n")

    def key(s: str) -> float:
        m = re.match(r"### Time limit ([0-9.]+) s", s)
        return float(m.group(1)) if m else math.inf

    kept.sort(key=key)
    new_body = intro + "\n" + "".join(s.rstrip("\n") + "\n\n" for s in kept)
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(before + new_body.rstrip("\n") + "\n" + ("\n" + after if after else ""))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--set", choices=("standard", "full", "smoke"), default="standard")
    ap.add_argument("--formats", default="vrpspd,solomon")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-ortools", action="store_true")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    ap.add_argument("--json", type=Path, default=None, help="also write the rows as JSON")
    args = ap.parse_args(argv)
    chosen = {"standard": STANDARD, "full": _full(), "smoke": SMOKE}[args.set]
    formats = set(args.formats.split(","))
    bad = formats - {"vrpspd", "solomon"}
    if bad:
        ap.error(f"unknown format(s) {sorted(bad)}: expected vrpspd, solomon")
    instances = {
        fam: names
        for fam, names in chosen.items()
        if (fam == "solomon" and "solomon" in formats)
        or (fam != "solomon" and "vrpspd" in formats)
    }
    version = None if args.no_ortools else ortools_available()
    if not args.no_ortools and version is None:
        print(
            "OR-Tools not installed (uv sync --group bench): its columns stay empty",
            file=sys.stderr,
        )
    load_start = os.getloadavg()[0]
    rows = run(instances, args.time_limit, args.seed, version is not None)
    load_end = os.getloadavg()[0]
    command = (
        f"`python benchmarks/bench_routing.py --time-limit {args.time_limit:g} --set {args.set} "
        f"--formats {args.formats} --seed {args.seed}"
        + (" --no-ortools" if args.no_ortools else "")
        + "`"
    )
    if args.set == "standard" and args.seed == 1 and not args.no_ortools:
        command += (
            f" (= `make bench-routing TIME_LIMIT={args.time_limit:g} "
            f"ROUTING_FORMATS={args.formats}`)"
        )
    text = table(rows, args.time_limit, command, version, (load_start, load_end))
    print(text)
    write_section(args.out, text, args.time_limit)
    if args.json:
        args.json.write_text(json.dumps([r.__dict__ for r in rows], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
