"""``ruralflow plan``: writes plan.json; bad bundles, days and options exit 1 with a message."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpers import tiny_county
from ruralflow.bundle import write_bundle
from ruralflow.cli import app

runner = CliRunner()
FAST = ["--time-limit", "1", "--seed", "0", "--workers", "1"]


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    return write_bundle(tiny_county(), tmp_path / "tiny")


def test_plan_writes_json(bundle: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "plan.json"
    r = runner.invoke(app, ["plan", str(bundle), "--day", "2025-09-01", *FAST, "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "two-way logistics plan" in r.output
    d = json.loads(out.read_text(encoding="utf-8"))
    assert d["day"] == "2025-09-01"
    assert d["mode"] == "integrated"
    assert d["totals"]["in"]["parcels"] == 14
    assert d["totals"]["not_carried"]["parcels"] == 0
    assert d["comparison"]["separate"]["costs"]["total_yuan"] >= d["costs"]["total_yuan"]
    assert d["routes"] and d["routes"][0]["stops"][0]["place"] == "HUB"


def test_plan_separate_mode(bundle: Path, tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    r = runner.invoke(
        app,
        [
            "plan",
            str(bundle),
            "--day",
            "2025-09-01",
            *FAST,
            "--mode",
            "separate",
            "--no-compare",
            "--out",
            str(out),
        ],
    )
    assert r.exit_code == 0, r.output
    d = json.loads(out.read_text(encoding="utf-8"))
    assert d["mode"] == "separate" and d["comparison"] is None


def test_plan_day_without_flows(bundle: Path) -> None:
    r = runner.invoke(app, ["plan", str(bundle), "--day", "2025-09-02", *FAST])
    assert r.exit_code == 1
    assert "规划失败 / cannot plan the day" in r.output
    assert "no down demand or up supply on 2025-09-02" in r.output


def test_plan_bad_bundle_lists_problems(bundle: Path) -> None:
    (bundle / "places.csv").write_text("id,kind\nX,nowhere\n", encoding="utf-8")
    r = runner.invoke(app, ["plan", str(bundle), "--day", "2025-09-01", *FAST])
    assert r.exit_code == 1
    assert "places.csv" in r.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--day", "01/09/2025"], "must be a date YYYY-MM-DD"),
        (["--day", "2025-09-01", "--mode", "both"], "must be integrated or separate"),
        (["--day", "2025-09-01", "--time-limit", "0"], "must be a positive number of seconds"),
        (["--day", "2025-09-01", "--workers", "3"], "must be 1 or 2"),
    ],
)
def test_plan_bad_arguments(bundle: Path, args: list[str], message: str) -> None:
    """Bad option values are usage errors (exit 2), named by flag, in both languages."""
    r = runner.invoke(app, ["plan", str(bundle), *args])
    assert r.exit_code == 2
    text = " ".join(r.output.replace("│", " ").split())
    assert message in text
    assert "须" in text or "可选值" in text
    assert "PlanOptions" not in text and "time_limit_s" not in text


def test_plan_without_day_plans_the_busiest_day() -> None:
    import json

    from ruralflow.bundle import read_bundle
    from ruralflow.report import default_day

    example = Path(__file__).resolve().parents[1] / "src" / "ruralflow" / "examples" / "610425"
    busiest = default_day(read_bundle(example))
    assert busiest is not None
    r = runner.invoke(app, ["plan", str(example), *FAST, "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["day"] == busiest.isoformat()
