"""OR-Library readers, published optima, the time-limit contract and the CLI."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from helpers import SHARED
from ruralflow.cli import app
from ruralflow.siting import (
    InstanceFormatError,
    SolverOptions,
    p_center,
    p_median,
    read_cap,
    read_pmed,
    solve_orlib_instance,
)

FACILITY = SHARED / "benchmarks" / "facility"

#: The OR-Library instances are test material in ../shared (the ``shared`` fixture skips).
needs_shared = pytest.mark.usefixtures("shared")


def published(folder: str, name: str, file: str = "optimal.csv") -> float:
    with (FACILITY / folder / file).open(newline="") as fh:
        for row in csv.DictReader(fh):
            if row["instance"] == name:
                return float(row["optimal"])
    raise KeyError(name)


# ----------------------------------------------------------------------------- readers


def test_read_pmed_later_edge_overwrites(tmp_path: Path) -> None:
    f = tmp_path / "tiny.txt"
    # edge 1-2 listed twice: the later cost (9) counts, not the minimum (1)
    f.write_text("3 3 1\n1 2 1\n2 3 4\n2 1 9\n")
    inst = read_pmed(f)
    assert inst.p == 1 and inst.name == "tiny"
    assert inst.distance[0, 1] == 9 and inst.distance[1, 0] == 9
    assert inst.distance[0, 2] == 13 and np.all(np.diag(inst.distance) == 0)


def test_read_pmed_bad_files(tmp_path: Path) -> None:
    f = tmp_path / "bad.txt"
    f.write_text("3 2 1\n1 2 1\n")
    with pytest.raises(InstanceFormatError, match="2 edges need 9 numbers, found 6"):
        read_pmed(f)
    f.write_text("3 1 1\n1 5 1\n")
    with pytest.raises(InstanceFormatError, match=r"outside 1\.\.3"):
        read_pmed(f)


def test_read_cap_symbolic_capacity(tmp_path: Path) -> None:
    f = tmp_path / "capz.txt"
    f.write_text("2 2\ncapacity 10.\ncapacity 20.\n3 1 2\n4\n5 6\n")
    with pytest.raises(InstanceFormatError, match="capacity"):
        read_cap(f)
    inst = read_cap(f, capacity=8000)
    assert inst.name == "capz_8000" and inst.shape == (2, 2)
    assert inst.capacity.tolist() == [8000, 8000] and inst.fixed_cost.tolist() == [10, 20]
    assert inst.demand.tolist() == [3, 4]
    assert inst.cost.tolist() == [[1, 2], [5, 6]]  # customers x sites, wrapped lines joined
    assert np.isinf(read_cap(f, uncapacitated=True).capacity).all()
    f.write_text("2 2\n10 1\n")
    with pytest.raises(InstanceFormatError, match="need 12 numbers, found 4"):
        read_cap(f)


# ----------------------------------------------------------------------------- published optima


@needs_shared
@pytest.mark.parametrize(
    ("fmt", "folder", "name"),
    [
        ("orlib-cap", "cflp", "cap71"),
        ("orlib-cap", "cflp", "cap41"),
        ("orlib-uncap", "uflp", "cap71"),
        ("orlib-pmed", "pmed", "pmed1"),
        ("orlib-pmed", "pmed", "pmed5"),
    ],
)
def test_published_optimum(fmt: str, folder: str, name: str) -> None:
    data = "pmed" if fmt == "orlib-pmed" else "cflp"
    report = solve_orlib_instance(FACILITY / data / f"{name}.txt", fmt)
    r = report.result
    assert r.status == "optimal" and r.gap is not None and r.gap <= 1e-6
    assert r.objective == pytest.approx(published(folder, name), rel=1e-6)
    out = report.to_dict()
    assert out["instance"] == name
    assert all(j >= 1 for j in out["open"])


@needs_shared
def test_pmed1_p_center_matches_published_radius() -> None:
    inst = read_pmed(FACILITY / "pmed" / "pmed1.txt")
    r = p_center(inst.distance, inst.p)
    assert r.status == "optimal"
    assert r.objective == published("pmed", "pmed1", "pcenter_optimal.csv") == 127


@needs_shared
def test_time_limit_is_never_reported_optimal() -> None:
    inst = read_pmed(FACILITY / "pmed" / "pmed13.txt")  # n = 300, p = 30
    r = p_median(inst.distance, inst.p, options=SolverOptions(time_limit_s=0.01))
    assert r.status == "time_limit"
    assert r.has_solution and r.objective is not None  # the greedy start at least
    assert r.gap is not None and r.gap > 0
    assert r.best_bound is not None and r.best_bound <= r.objective
    assert r.objective >= published("pmed", "pmed13")
    d = r.to_dict()
    assert d["status"] == "time_limit" and d["gap"] == r.gap


# ----------------------------------------------------------------------------- CLI


@needs_shared
def test_cli_solve_instance_json() -> None:
    runner = CliRunner()
    args = ["solve-instance", str(FACILITY / "pmed" / "pmed1.txt"), "--format", "orlib-pmed"]
    res = runner.invoke(app, [*args, "--time-limit", "60", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert {"instance", "objective", "status", "gap", "runtime_s", "open"} <= set(out)
    assert out["instance"] == "pmed1" and out["objective"] == 5819
    assert out["status"] == "optimal" and len(out["open"]) == 5
    res = runner.invoke(app, [*args, "--p", "6", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["instance"] == "pmed1_p6" and len(out["open"]) == 6 and out["objective"] == 5352


@needs_shared
def test_cli_solve_instance_errors() -> None:
    runner = CliRunner()
    cap71 = str(FACILITY / "cflp" / "cap71.txt")
    res = runner.invoke(app, ["solve-instance", cap71, "--format", "nope", "--json"])
    assert res.exit_code == 2 and "nope" in res.output and "orlib-cap" in res.output
    capa = str(FACILITY / "cflp" / "capa.txt")
    res = runner.invoke(app, ["solve-instance", capa, "--format", "orlib-cap", "--json"])
    assert res.exit_code == 1 and "capacity" in res.output
    res = runner.invoke(app, ["solve-instance", cap71, "--format", "orlib-cap", "--p", "3"])
    assert res.exit_code == 1 and "orlib-pmed only" in res.output
    res = runner.invoke(app, ["solve-instance", cap71, "--format", "orlib-uncap"])
    assert res.exit_code == 0 and "optimal" in res.output
