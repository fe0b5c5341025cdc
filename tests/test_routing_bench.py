"""Routing benchmark readers and solver (ruralflow.benchmarks): formats, scaling, feasibility
against our checker and the independent checker in shared/tools, determinism, CLI."""

from __future__ import annotations

import itertools
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from helpers import SHARED
from ruralflow.benchmarks import (
    RoutingBenchmarkError,
    RoutingInstanceError,
    read_solomon,
    read_vrpspd,
    solve_instance,
)

VRPSPD = SHARED / "benchmarks" / "vrpspd"
SOLOMON = SHARED / "benchmarks" / "vrptw" / "solomon"
TOOLS = SHARED / "tools"

SCA = VRPSPD / "dethloff" / "SCA3-1.vrpspd"
C101_SPD = VRPSPD / "montane_galvao" / "c101.vrpspd"
CMT7X = VRPSPD / "salhi_nagy" / "CMT7X.vrpspd"
C101 = SOLOMON / "C101.vrptw"

#: The instances and the independent checker are test material in ../shared.
needs_shared = pytest.mark.usefixtures("shared")


def _independent(instance: Path, routes: list[list[int]], tmp_path: Path) -> str:
    """Run shared/tools/check_vrpspd.py; its exit code says feasible; returns its line."""
    sol = tmp_path / f"{instance.stem}.json"
    sol.write_text(json.dumps({"routes": routes}))
    proc = subprocess.run(
        [sys.executable, str(TOOLS / "check_vrpspd.py"), str(instance), str(sol)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def _independent_cost(line: str) -> float:
    return float(line.split("cost ")[1].split(",")[0])


# ----------------------------------------------------------------------------- readers


@needs_shared
def test_dethloff_reader_matrix_units_and_cost() -> None:
    inst = read_vrpspd(SCA)
    assert inst.family == "dethloff"
    assert inst.name == "SCA3-1"
    assert inst.dimension == 51 and inst.num_customers == 50
    assert inst.capacity == 7725037
    assert inst.max_length is None
    # file line 9 starts "0 480368 ...": node 1 -> node 2 is 48.0368 in bks units
    assert inst.distance[0, 1] == 480368
    assert inst.pickup[1] == 370757 and inst.delivery[1] == 365747
    assert inst.cost([[2]]) == pytest.approx((480368 + inst.distance[1, 0]) / 1e4)
    data = inst.problem_data()
    assert data.num_clients == 50
    assert int(data.distance_matrix(0)[0, 1]) == 480368  # integers already: scale 1
    assert data.clients()[0].delivery == [365747] and data.clients()[0].pickup == [370757]


@needs_shared
def test_montane_reader_scales_four_decimals_exactly() -> None:
    inst = read_vrpspd(C101_SPD)
    assert inst.family == "montane_galvao"
    assert inst.dimension == 101 and inst.capacity == 200
    assert inst.distance[0, 1] == pytest.approx(18.6815)
    dist = inst.problem_data().distance_matrix(0)
    assert int(dist[0, 1]) == 186815  # x 10^4, no truncation
    assert np.array_equal(dist, np.rint(inst.distance * 1e4).astype(np.int64))


@needs_shared
def test_salhi_reader_real_distances_fractional_loads_and_limit() -> None:
    inst = read_vrpspd(CMT7X)
    assert inst.family == "salhi_nagy"
    assert inst.name == "CMT7X"  # NAME in the file says CMT7 (the CVRP source)
    assert inst.dimension == 76 and inst.capacity == 140
    assert inst.max_length == 160
    assert inst.service[0] == 0 and inst.service[1] == 10
    # node 1 (40, 40) -> node 2 (22, 22): real Euclidean, not TSPLIB nint (25)
    assert inst.distance[0, 1] == pytest.approx(math.hypot(18, 18))
    assert inst.pickup[2] == pytest.approx(7.22222) and inst.delivery[2] == pytest.approx(18.7778)
    data = inst.problem_data()
    client = data.clients()[1]  # node 3
    assert client.pickup == [7_222_220] and client.delivery == [18_777_800]  # x 10^6, exact
    assert data.vehicle_types()[0].capacity == [140_000_000]
    # duration rounded up, limit rounded down: conservative
    assert data.vehicle_types()[0].shift_duration == 160 * 10**4
    assert int(data.duration_matrix(0)[0, 1]) == math.ceil(math.hypot(18, 18) * 1e4)


@needs_shared
def test_solomon_reader_truncated_distances_and_windows() -> None:
    inst = read_solomon(C101)
    assert inst.name == "C101" and inst.dimension == 101 and inst.capacity == 200
    # node 1 (40, 50) -> node 2 (45, 68): floor(10 * 18.681...) / 10 = 18.6
    assert inst.distance(1, 2) == 18.6
    assert inst.service[1] == 90 and inst.service[0] == 0
    assert (inst.ready[1], inst.due[1]) == (912, 967)
    assert inst.demand[1] == 10
    data = inst.problem_data()
    assert int(data.distance_matrix(0)[0, 1]) == 186
    assert data.clients()[0].tw_early == 9120 and data.clients()[0].service_duration == 900


def test_bad_file_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.vrpspd"
    bad.write_text(
        "NAME : bad\nTYPE : VRPSPD\nDIMENSION : 2\nEDGE_WEIGHT_TYPE : EXPLICIT\n"
        "EDGE_WEIGHT_FORMAT : FULL_MATRIX\nCAPACITY : 10\nEDGE_WEIGHT_SECTION\n0 1\n1 0\n"
        "PICKUP_AND_DELIVERY_SECTION\n1 0 0 100 0 0 0\n2 0 0 100 0 x 1\n"
    )
    with pytest.raises(RoutingInstanceError, match=r"bad\.vrpspd, line 12: .*not a number"):
        read_vrpspd(bad)
    bad.write_text(bad.read_text().replace("2 0 0 100 0 x 1", "2 0 0 100 0 11 1"))
    with pytest.raises(RoutingInstanceError, match="pickup 11 > capacity 10"):
        read_vrpspd(bad)
    with pytest.raises(RoutingInstanceError, match="file not found"):
        read_vrpspd(tmp_path / "missing.vrpspd")


@needs_shared
def test_checkers_report_violations() -> None:
    inst = read_vrpspd(CMT7X)
    everyone = list(range(2, 77))
    problems = inst.check([everyone])
    assert any("leaves the depot" in p or "load" in p for p in problems)
    assert any("length" in p for p in problems)
    assert any("not visited" in p for p in inst.check([[2, 3]]))
    assert any("more than once" in p for p in inst.check([everyone, [2]]))
    sol = read_solomon(C101)
    assert any("due time" in p for p in sol.check([list(range(2, 102))]))


# ----------------------------------------------------------------------------- solving


@needs_shared
@pytest.mark.parametrize("instance", [SCA, CMT7X], ids=["dethloff", "salhi_nagy"])
def test_vrpspd_solution_passes_both_checkers(instance: Path, tmp_path: Path) -> None:
    res = solve_instance(instance, "vrpspd", time_limit=2.0, seed=3)
    assert res.feasible, res.violations
    assert res.runtime_s < 4.0
    inst = read_vrpspd(instance)
    assert inst.check(res.routes) == []
    assert sorted(c for r in res.routes for c in r) == list(range(2, inst.dimension + 1))
    line = _independent(instance, res.routes, tmp_path)
    assert _independent_cost(line) == pytest.approx(res.cost, abs=1e-4)
    assert res.cost == pytest.approx(inst.cost(res.routes), rel=1e-12)


@needs_shared
def test_solomon_solution_feasible_and_cost_recomputed() -> None:
    res = solve_instance(C101, "solomon", time_limit=2.0, seed=3)
    assert res.feasible, res.violations
    inst = read_solomon(C101)
    xy = inst.coords
    total = 0
    for route in res.routes:
        seq = [1, *route, 1]
        for a, b in itertools.pairwise(seq):
            d = math.hypot(*(xy[a - 1] - xy[b - 1]))
            total += math.floor(10 * d + 1e-9)
    assert res.cost == pytest.approx(total / 10)
    assert res.cost >= 827.3 - 1e-9  # the proven optimum


@needs_shared
@pytest.mark.parametrize("workers", [1, 2])
def test_same_seed_same_routes(workers: int) -> None:
    runs = [
        solve_instance(SCA, "vrpspd", time_limit=60, seed=7, workers=workers, max_iterations=150)
        for _ in range(2)
    ]
    assert runs[0].routes == runs[1].routes
    assert runs[0].cost == runs[1].cost


@needs_shared
def test_unknown_format_is_a_clear_error() -> None:
    with pytest.raises(RoutingBenchmarkError, match=r"unknown routing format 'tsp'.*vrpspd"):
        solve_instance(SCA, "tsp")
    with pytest.raises(RoutingBenchmarkError, match="time_limit"):
        solve_instance(SCA, "vrpspd", time_limit=0)


# ----------------------------------------------------------------------------- CLI


@needs_shared
def test_cli_solve_instance_json() -> None:
    from typer.testing import CliRunner

    from ruralflow.cli import app

    runner = CliRunner()
    args = ["solve-instance", str(SCA), "--format", "vrpspd", "--time-limit", "1"]
    result = runner.invoke(app, [*args, "--seed", "1", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert set(out) == {"instance", "cost", "routes", "feasible", "runtime_s"}
    assert out["instance"] == "SCA3-1" and out["feasible"] is True
    assert sorted(c for r in out["routes"] for c in r) == list(range(2, 52))

    bad = runner.invoke(app, ["solve-instance", str(SCA), "--format", "nope", "--json"])
    assert bad.exit_code != 0
    assert "nope" in bad.output


@needs_shared
def test_penalties_start_at_the_data_scale() -> None:
    """Salhi-Nagy loads are x 10^6 against distances x 10^4: the natural load penalty is far
    below PyVRP's fixed start (50,000) and floor (0.1); ours starts there, bounds widened."""
    from ruralflow.benchmarks._engine import SearchParams, _penalty_manager, natural_penalties

    data = read_vrpspd(CMT7X).problem_data()
    loads, time_warp, distance = natural_penalties(data)
    dist = np.asarray(data.distance_matrix(0), dtype=float)
    mean_load = np.mean([max(c.delivery[0], c.pickup[0]) for c in data.clients()])
    assert loads == [pytest.approx(dist.mean() / mean_load)]
    assert loads[0] < 0.1
    assert (time_warp, distance) == (1.0, 1.0)
    params = SearchParams()
    solve_params = params.for_time_limit(10).to_solve_params(data.num_clients)
    ours = _penalty_manager(data, params, solve_params).penalties()
    assert ours[0] == [pytest.approx(loads[0])]
    plain = SearchParams(data_scaled_penalties=False)
    theirs = _penalty_manager(data, plain, solve_params).penalties()
    assert theirs[0] == [pytest.approx(50_000.05)]
