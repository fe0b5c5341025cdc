"""The national sweep (issue 17): Dask workers, Parquet rows, atomic records, resuming.

Three small coarse counties (汤旺县 230723, 阿拉山口市 652702, 普兰县 542521) with short time
limits; the Dask tests start a real local cluster.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from ruralflow.cli import app
from ruralflow.scale import COLUMNS, CountyTask, ResultStore, run_county, select_counties
from ruralflow.scale import county as county_mod
from ruralflow.scale.selection import SelectionError, parse_codes
from ruralflow.scale.store import write_atomic
from ruralflow.scale.summary import breaks, colour, render_summary

RURALFLOW = Path(sys.executable).with_name("ruralflow")
THREE = ("230723", "652702", "542521")
runner = CliRunner()


def parquet_rows(path: Path) -> list[dict[str, object]]:
    return pq.read_table(path).to_pylist()  # type: ignore[no-any-return]


# ----------------------------------------------------------------------------- Dask sweeps
@pytest.mark.slow
def test_sweep_three_counties_on_two_workers(tmp_path: Path) -> None:
    """Three counties on two local workers: one complete Parquet row each, records, summary."""
    out = tmp_path / "sweep"
    args = ["sweep", "--counties", ",".join(THREE), "--out-dir", str(out), "--workers", "2"]
    r = runner.invoke(app, [*args, "--time-limit", "0.6", "--what", "plan,stations,matrix"])
    assert r.exit_code == 0, r.output
    rows = parquet_rows(out / "counties.parquet")
    assert [row["adcode"] for row in rows] == list(THREE)
    assert list(rows[0]) == [c.name for c in COLUMNS]
    for row in rows:
        assert row["status"] == "ok", row["error"]
        assert row["bundle"] == "coarse" and row["name"] and row["province"]
        assert row["integrated_cost_yuan"] > 0 and row["separate_cost_yuan"] > 0
        assert row["saving_yuan"] == pytest.approx(
            row["separate_cost_yuan"] - row["integrated_cost_yuan"], abs=0.02
        )
        assert 0 <= row["bus_share"] <= 1
        assert 0 <= row["coverage_before"] <= row["coverage_after"] <= 1
        assert row["up_down_balance"] > 0 and row["synergy_index"] is not None
        assert row["plan_status"] == row["stations_status"] == row["matrix_status"] == "ok"
        assert row["season_status"] is None  # not asked for
        rec = json.loads((out / "counties" / f"{row['adcode']}.json").read_text("utf-8"))
        assert rec["row"] == row
    meta = json.loads((out / "sweep.json").read_text("utf-8"))
    assert meta["workers"] == 2 and meta["computed"] == 3 and meta["ok"] == 3
    html = (out / "summary.html").read_text("utf-8")
    assert "全国县域扫描" in html and "National county sweep" in html
    assert "<script src" not in html and "http://" not in html.replace("http://www.w3.org", "")
    # a rerun computes nothing and rewrites the same rows
    r2 = runner.invoke(
        app, [*args, "--time-limit", "0.6", "--what", "plan,stations,matrix", "--json"]
    )
    assert r2.exit_code == 0, r2.output
    report = json.loads(r2.stdout)  # one JSON object on stdout
    assert (report["computed"], report["done_before"]) == (0, 3)
    assert json.loads((out / "sweep.json").read_text("utf-8"))["computed"] == 0
    assert parquet_rows(out / "counties.parquet") == rows


@pytest.mark.slow
def test_killed_sweep_resumes_without_repeats(tmp_path: Path) -> None:
    """Kill a sweep (the whole process group) midway, rerun it: every county done, none twice."""
    out = tmp_path / "sweep"
    codes = [*THREE, "350527"]
    cmd = [
        str(RURALFLOW),
        "sweep",
        "--counties",
        ",".join(codes),
        "--out-dir",
        str(out),
        "--workers",
        "1",
        "--what",
        "plan",
        "--time-limit",
        "1",
    ]
    proc = subprocess.Popen(
        cmd, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    records = out / "counties"
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if records.is_dir() and any(records.glob("*.json")):
                break
            time.sleep(0.02)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    first = {
        p.stem: (p.stat().st_mtime_ns, json.loads(p.read_text("utf-8"))["run_id"])
        for p in records.glob("*.json")
    }
    assert 1 <= len(first) < len(codes), "the kill should land midway"
    assert not (out / "counties.parquet").exists()

    done = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    meta = json.loads((out / "sweep.json").read_text("utf-8"))
    assert meta["done_before"] == len(first)
    assert meta["computed"] == len(codes) - len(first)
    after = {p.stem: p for p in records.glob("*.json")}
    assert sorted(after) == sorted(codes)  # none missing
    for code, (mtime, run_id) in first.items():  # none done twice
        assert after[code].stat().st_mtime_ns == mtime
        assert json.loads(after[code].read_text("utf-8"))["run_id"] == run_id
    for code in set(codes) - set(first):
        assert json.loads(after[code].read_text("utf-8"))["run_id"] == meta["run_id"]
    journal = Counter(line["adcode"] for line in ResultStore(out).journal_lines())
    assert max(journal.values()) == 1 and set(journal) <= set(codes)
    rows = parquet_rows(out / "counties.parquet")
    assert sorted(r["adcode"] for r in rows) == sorted(codes)
    assert not list(out.rglob("*.tmp"))


# ----------------------------------------------------------------------------- one county
def test_run_county_records_a_failure_and_goes_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """An analysis that raises fails the county with its message; the others still run."""

    def boom(*_: object) -> object:
        raise RuntimeError("solver exploded")

    monkeypatch.setitem(county_mod._RUNNERS, "plan", boom)
    rec = run_county(CountyTask("652702", ("plan", "stations"), 0.3))
    row = rec["row"]
    assert row["status"] == "failed"
    assert row["error"] == "plan: RuntimeError: solver exploded"
    assert row["plan_status"] == "failed" and row["stations_status"] == "ok"
    assert row["coverage_after"] is not None and row["integrated_cost_yuan"] is None
    assert "traceback" in rec["analyses"]["plan"]["detail"]


def test_county_without_a_seat_is_skipped() -> None:
    """A county the shared data cannot build (no seat point) is skipped with the reason."""
    row = run_county(CountyTask("152571", ("stations",), 0.3))["row"]
    assert row["status"] == "skipped" and "seat point" in row["error"]
    assert row["name"] == "乌拉盖管理区管委会" and row["stations_status"] is None


def test_season_is_skipped_when_its_engine_is_absent(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without ruralflow.logistics.season, season is skipped with a reason, not made up."""
    if county_mod.season_available():
        pytest.skip("this build has the season engine")
    rec = run_county(CountyTask("652702", ("season", "stations"), 0.3))
    row = rec["row"]
    assert row["status"] == "ok" and row["season_status"] == "skipped"
    assert row["season_saving_pct"] is None
    assert "issue 12" in rec["analyses"]["season"]["error"]
    # the skipped analysis gets no share of the time
    assert county_mod.shares(CountyTask("1", ("season", "stations"), 4.0))["stations"] == 4.0
    only = run_county(CountyTask("652702", ("season",), 0.3))["row"]
    assert only["status"] == "skipped"


# ----------------------------------------------------------------------------- the store
def test_records_are_complete_only_for_the_same_request(tmp_path: Path) -> None:
    """A record counts as done for the same analyses, time and seed; failed ones on request."""
    store = ResultStore(tmp_path)
    store.prepare()
    task = CountyTask("652702", ("stations",), 0.3)
    rec = run_county(task)
    store.save(rec)
    assert store.complete("652702", task.key())
    assert not store.complete("652702", {**task.key(), "seed": 1})
    assert not store.complete("652702", {**task.key(), "what": ["plan"]})
    assert not store.complete("230723", task.key())
    rec["row"]["status"] = "failed"
    store.save(rec)
    assert store.complete("652702", task.key())
    assert not store.complete("652702", task.key(), retry_failed=True)
    store.path("652702").write_text('{"format": "ruralflow-sweep-county/1", "row"', "utf-8")
    assert not store.complete("652702", task.key())  # half a file is not a result


def test_atomic_write_leaves_the_old_file_on_failure(tmp_path: Path) -> None:
    """A write that fails midway keeps the previous file and leaves no temporary file."""
    target = tmp_path / "x.json"
    write_atomic(target, b"old")

    with pytest.raises(TypeError):
        write_atomic(target, "not bytes")  # type: ignore[arg-type]
    assert target.read_bytes() == b"old"
    assert not list(tmp_path.glob(".*.tmp"))
    (tmp_path / ".x.json.1.ab.tmp").write_bytes(b"left by a kill")
    assert ResultStore(tmp_path).prepare() == 1


# ----------------------------------------------------------------------------- selection
def test_county_lists(tmp_path: Path) -> None:
    """all, a file (header, comments, repeats) or a comma list; unknown codes are refused."""
    f = tmp_path / "list.csv"
    f.write_text("adcode,name\n652702,阿拉山口市\n# a comment\n\n230723 汤旺县\n652702\n", "utf-8")
    assert select_counties(str(f)) == ["652702", "230723"]
    assert select_counties("652702, 230723") == ["652702", "230723"]
    assert len(select_counties("all")) == 2978
    with pytest.raises(SelectionError, match="999999"):
        select_counties("652702,999999")
    with pytest.raises(SelectionError, match="line 2"):
        parse_codes("652702\nhello 1\n", "x.txt")
    with pytest.raises(SelectionError, match="must be all"):
        select_counties("everything")


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--what", "plan,weather"], 2),
        (["--figure", "happiness"], 2),
        (["--time-limit", "-1"], 2),
        (["--counties", "999999"], 1),
    ],
)
def test_sweep_bad_options(tmp_path: Path, args: list[str], code: int) -> None:
    """Bad options are usage errors (exit 2), an unknown county is bad input (exit 1)."""
    base = ["sweep", "--counties", "652702", "--out-dir", str(tmp_path)]
    r = runner.invoke(app, [*base, *args])
    assert r.exit_code == code, r.output
    assert "Traceback" not in r.output and "/" in r.output


# ----------------------------------------------------------------------------- summary
def test_summary_colours_by_the_chosen_figure() -> None:
    """The map's classes are quantiles of the chosen figure; no value is grey."""
    lim = breaks([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    assert len(lim) == 4 and lim == sorted(lim)
    assert colour(None, lim) == "#c3c7c0" and colour(10, lim) != colour(1, lim)
    rows = [
        {
            "adcode": "1",
            "name": "甲",
            "province": "A",
            "lon": 100.0,
            "lat": 30.0,
            "status": "ok",
            "saving_pct": 10.0,
            "coverage_after": 0.5,
            "runtime_s": 1.0,
        },
        {
            "adcode": "2",
            "name": "乙",
            "province": "B",
            "lon": 110.0,
            "lat": 40.0,
            "status": "failed",
            "error": "plan: boom",
            "saving_pct": None,
            "runtime_s": None,
        },
    ]
    html = render_summary(rows, figure="coverage_after")
    assert 'value="coverage_after" selected' in html
    assert html.count('class="cty"') == 2 and "plan: boom" in html
    assert "站点覆盖（后）" in html and "station coverage after" in html


@pytest.mark.filterwarnings("ignore:Port 8787 is already in use")
def test_sweep_api_on_thread_workers(tmp_path: Path) -> None:
    """sweep() on two thread workers: one row per county, a failure recorded, then resumed."""
    from ruralflow.scale import SweepMonitor, SweepOptions, sweep

    seen: list[str] = []

    class Watch(SweepMonitor):
        def on_county(self, row: dict[str, object]) -> None:
            seen.append(str(row["adcode"]))

    codes = [*THREE, "152571"]
    opts = SweepOptions(
        what=("stations",), time_limit_s=0.3, workers=2, processes=False, dashboard_address=None
    )
    report = sweep(codes, tmp_path, opts, monitor=Watch())
    assert sorted(seen) == sorted(codes)
    assert (report.ok, report.skipped, report.failed, report.workers) == (3, 1, 0, 2)
    rows = parquet_rows(tmp_path / "counties.parquet")
    assert [r["adcode"] for r in rows] == codes
    assert rows[-1]["status"] == "skipped" and rows[0]["coverage_after"] is not None
    again = sweep(codes, tmp_path, opts)
    assert (again.done_before, again.computed, again.workers) == (4, 0, 0)


def test_progress_bar_and_dashboard_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """On a terminal the sweep shows the dashboard link and a bar with the status counts."""
    import io

    from rich.console import Console

    from ruralflow.cli import _common
    from ruralflow.cli import sweep as sweep_cli

    buf = io.StringIO()
    fake = Console(file=buf, force_terminal=True, width=120)
    monkeypatch.setattr(_common, "err_console", fake)
    monkeypatch.setattr(sweep_cli, "err_console", fake)
    d = sweep_cli._Display(show=True)
    d.on_start(2, 1, 2, "http://127.0.0.1:8787/status")
    d.on_county({"status": "ok"})
    d.on_county({"status": "failed"})
    d.stop()
    text = buf.getvalue()
    assert "http://127.0.0.1:8787/status" in text and "1 counties already done" in text
    assert "扫描 / sweep" in text and "ok 1 failed 1 skipped 0" in text


@pytest.mark.filterwarnings("ignore:Port 8787 is already in use")
def test_interrupted_sweep_keeps_what_it_finished(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C stops the sweep: the report says interrupted, finished counties are kept."""
    from ruralflow.scale import SweepOptions, runner, sweep

    store = ResultStore(tmp_path)
    store.prepare()
    opts = SweepOptions(
        what=("stations",), time_limit_s=0.3, workers=1, processes=False, dashboard_address=None
    )
    store.save(run_county(CountyTask("652702", opts.what, opts.time_limit_s, opts.seed)))

    def interrupted(*_: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(runner, "_drive", interrupted)
    report = sweep(["652702", "230723"], tmp_path, opts)
    assert report.interrupted and report.done_before == 1 and report.computed == 0
    assert [r["adcode"] for r in parquet_rows(tmp_path / "counties.parquet")] == ["652702"]


def test_a_dead_worker_is_a_failed_county() -> None:
    """A task whose worker died becomes a failed row naming the worker's error."""
    from ruralflow.scale.county import failed_record

    task = CountyTask("652702", ("stations",), 0.3, run_id="r1")
    rec = failed_record(task, RuntimeError("Attempted to run task on 3 workers; all died"), None)
    row = rec["row"]
    assert row["status"] == "failed" and row["error"].startswith("worker: RuntimeError")
    assert row["run_id"] == "r1" and row["coverage_after"] is None
    assert set(row) == {c.name for c in COLUMNS}


def test_season_runs_through_the_season_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    """With a season engine present, its saving and bus share fill the season columns."""
    import importlib.machinery
    import types

    name = "ruralflow.logistics.season"
    fake = types.ModuleType(name)
    fake.__spec__ = importlib.machinery.ModuleSpec(name, None)
    asked: dict[str, object] = {}

    class SeasonOptions:
        def __init__(self, **kw: object) -> None:
            asked.update(kw)

    class Season:
        saving_pct = 12.5
        bus_share = 0.25

        def to_dict(self) -> dict[str, object]:
            return {"totals": {"saving_pct": 12.5, "bus_share_of_parcels": 0.25}}

    fake.SeasonOptions = SeasonOptions  # type: ignore[attr-defined]
    fake.run_season = lambda county, options: Season()  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, name, fake)
    assert county_mod.season_available()
    row = run_county(CountyTask("652702", ("season",), 2.0))["row"]
    assert row["status"] == "ok" and row["season_status"] == "ok"
    assert (row["season_saving_pct"], row["season_bus_share"]) == (12.5, 0.25)
    assert asked["workers"] == 1 and 0.1 <= float(asked["day_time_limit_s"]) <= 0.9
