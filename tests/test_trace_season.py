"""Demo events that tell the truth: journeys from the day plan, no self-made alarms."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path
from types import SimpleNamespace

from typer.testing import CliRunner

from helpers import DAY, tiny_county
from ruralflow.bundle import write_bundle
from ruralflow.cli import app
from ruralflow.domain import County, Product, UpSupply
from ruralflow.logistics import PlanOptions, plan
from ruralflow.trace.epcis import alarms_of, stage_of
from ruralflow.trace.season import (
    BatchJourney,
    SeasonOptions,
    journeys_from_plan,
    season_events,
    traced_days,
)

MELON = Product(
    "melon", "蜜瓜", "fruit", 1.25, 21.0, 7.0, 2.5, 7.0, t_opt_c=7.0, name_en="honeydew melon"
)


def _county() -> County:
    """The tiny county with a chilling-sensitive melon (optimum = chilling threshold) and a
    cold-chain apple, one batch each of two villages."""
    base = tiny_county()
    apple = base.products[0]
    apple = dataclasses.replace(apple, cold_chain=True, t_opt_c=0.0)
    supply = (
        UpSupply("B-apple", DAY, "V2", "apple", 300.0, ready_min=9 * 60),
        UpSupply("B-melon", DAY, "V1", "melon", 200.0, ready_min=8 * 60),
    )
    return base.replace(products=(apple, MELON), supply_up=supply)


def _stages(events: tuple[dict, ...], batch: str) -> list[str]:
    return [stage_of(e) for e in events if batch in json.dumps(e)]


def test_no_alarms_of_the_demos_own_making() -> None:
    """Pre-cooling, the cold store and the reefer stay inside each product's range, also
    for a melon whose optimum is its chilling threshold (it is held at 8 degC)."""
    season = season_events(_county(), SeasonOptions())
    own = [
        stage_of(e)
        for e in season.events
        if alarms_of(e) and stage_of(e) in ("precooling", "storage")
    ]
    assert own == []
    reefer = [e for e in season.events if stage_of(e) == "transport" and "reefer" in json.dumps(e)]
    assert reefer and not any(alarms_of(e) for e in reefer)


def test_journeys_decide_precooling_chain_and_collection() -> None:
    county = _county()
    journeys = {
        "B-apple": BatchJourney("reefer", cold=True, precooled=True, hub_min=11 * 60),
        "B-melon": BatchJourney("van", cold=False, precooled=False, hub_min=13 * 60 + 30),
    }
    season = season_events(county, SeasonOptions(journeys=journeys))
    assert season.planned() == 2 and "2 journeys from the day plan" in season.summary()
    melon = _stages(season.events, "B-melon")
    assert "precooling" not in melon and "storage" not in melon
    assert "precooling" in _stages(season.events, "B-apple")
    grading = [e for e in season.events if stage_of(e) == "grading" and "B-melon" in json.dumps(e)]
    assert grading[0]["eventTime"].startswith(f"{DAY.isoformat()}T14:00:00")  # hub + 0.5 h
    ids = {b.batch: b.event_ids for b in season.batches}
    assert len(ids["B-melon"]) == 4 and len(ids["B-apple"]) == 6
    # a journey overrides the product's cold-chain rule: the apple by van is not cold
    season = season_events(
        county, SeasonOptions(journeys={"B-apple": BatchJourney("van", False, False)})
    )
    assert "precooling" not in _stages(season.events, "B-apple")
    assert [b.journey for b in season.batches] == ["plan", "rules"]


def test_journeys_from_a_real_day_plan() -> None:
    """Each carried batch's journey is the plan's carrier and chain (largest piece)."""
    county = _county()
    p = plan(county, DAY, PlanOptions(time_limit_s=1.0, compare=False, workers=1))
    journeys = journeys_from_plan(p.spoilage)
    assert set(journeys) == {s.batch for s in p.spoilage}
    for s in p.spoilage:
        assert journeys[s.batch].cold == (s.chain == "cold") == journeys[s.batch].precooled
    split = [
        SimpleNamespace(batch="B", kg=10.0, carrier="van", chain="ambient", hub_min=600.0),
        SimpleNamespace(batch="B", kg=30.0, carrier="reefer", chain="cold", hub_min=500.0),
    ]
    assert journeys_from_plan(split)["B"] == BatchJourney("reefer", True, True, 600.0)
    assert traced_days(county) == [DAY]
    assert traced_days(county, SeasonOptions(days=(DAY + dt.timedelta(days=1),))) == []


LIMIT = ("--plan-time-limit", "1")


def test_demo_uses_the_day_plan(tmp_path: Path) -> None:
    bundle = write_bundle(_county(), tmp_path / "b")
    runner = CliRunner()
    for mode, planned in (("plan", 2), ("rules", 0)):
        r = runner.invoke(
            app,
            ["trace", "demo", str(bundle), "--no-validate", "--json", "--journeys", mode, *LIMIT],
        )
        assert r.exit_code == 0, r.output
        res = json.loads(r.stdout)
        assert res["planned_journeys"] == planned
    r = runner.invoke(app, ["trace", "demo", str(bundle), "--journeys", "maybe"])
    assert r.exit_code == 2


def test_report_section_uses_the_day_plan() -> None:
    """The report's trace section takes the journeys of the traced day's plan."""
    from ruralflow.report import ReportOptions
    from ruralflow.report.trace import sections

    (section,) = sections(_county(), DAY, ReportOptions(plan_seconds=1.0))
    assert "of 2 batches" in " ".join(section.html.split())
