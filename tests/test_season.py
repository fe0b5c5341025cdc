"""The season (issue 12 item 10), the farmer-side value (item 8) and surges (item 9)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpers import DAY, tiny_county
from ruralflow.bundle import write_bundle
from ruralflow.cli import app
from ruralflow.domain import County, DownDemand, SourcedValue, UpSupply
from ruralflow.geo import Geography
from ruralflow.logistics import PlanOptionError, PlanOptions, plan
from ruralflow.logistics.farmer import DEFAULTS, farmer_value
from ruralflow.logistics.season import SeasonOptions, bus_parcels, interval95, run_season
from ruralflow.logistics.surge import analyse_surge, surged, with_extra_runs, with_hired

runner = CliRunner()
FAST = PlanOptions(time_limit_s=0.5, seed=0, workers=1, max_iterations=200)
DAY2 = DAY + dt.timedelta(days=1)


def two_day_county() -> County:
    c = tiny_county()
    more_down = tuple(dataclasses.replace(d, day=DAY2) for d in c.demand_down)
    more_up = tuple(
        dataclasses.replace(s, day=DAY2, batch=s.batch + "-2", kg=s.kg * 0.5) for s in c.supply_up
    )
    return dataclasses.replace(
        c, demand_down=c.demand_down + more_down, supply_up=c.supply_up + more_up
    )


# ----------------------------------------------------------------------------- farmer side
def test_farmer_value_is_the_own_haul_minus_what_the_plan_charges() -> None:
    c = tiny_county()
    p = plan(c, DAY, FAST)
    fv = farmer_value(c, p)
    assert [v.village for v in fv.villages] == ["V2"]  # the only village with produce
    v = fv.villages[0]
    assert v.kg == pytest.approx(300.0)
    assert v.farmers == 2  # ceil(300 / 150 kg a farmer-day)
    geo = Geography.from_county(c)
    km = geo.distance_km("V2", "HUB")
    d = {k: p.value for k, p in DEFAULTS.items()}
    d["time_yuan_per_hour"] = 30.0  # tiny county sets no labour cost: the default
    trip = 2 * km * d["yuan_per_km"] + (2 * km / d["speed_kmh"] + d["handover_h"]) * 30.0
    assert v.self_haul_county_yuan == pytest.approx(v.trips * trip)
    assert v.km_to_township == pytest.approx(geo.distance_km("V2", "T1"))
    assert v.self_haul_township_yuan < v.self_haul_county_yuan
    # the plan's charge: the route's fixed + distance cost shared by kg
    route = next(r for r in p.routes if any(i.startswith("up/") for i in r.item_ids))
    kgs = {i: p.items[i].kg for i in route.item_ids}
    share = sum(k for i, k in kgs.items() if p.items[i].flow == "up") / sum(kgs.values())
    assert v.plan_charge_yuan == pytest.approx((route.fixed_yuan + route.distance_yuan) * share)
    assert fv.value_yuan == pytest.approx(v.self_haul_county_yuan - v.plan_charge_yuan)
    doc = fv.to_dict()
    assert doc["villages"][0]["value_per_farmer_yuan"] == pytest.approx(v.value_yuan / 2, abs=0.01)
    assert all(x["source"].startswith("assumption") for x in doc["parameters"])
    assert all(x["range"][0] <= x["value"] <= x["range"][1] for x in doc["parameters"])


def test_farmer_value_grows_with_the_time_value() -> None:
    c = tiny_county()
    p = plan(c, DAY, FAST)
    low = farmer_value(c, p, {"time_yuan_per_hour": 15.0})
    high = farmer_value(c, p, {"time_yuan_per_hour": 40.0})
    assert high.value_yuan > low.value_yuan
    assert high.plan_charge_yuan == pytest.approx(low.plan_charge_yuan)
    with pytest.raises(KeyError):
        farmer_value(c, p, {"no_such": 1.0})


# ----------------------------------------------------------------------------- season
def test_interval95() -> None:
    assert interval95([1.0]) is None
    lo, hi = interval95([1.0, 2.0, 3.0])  # type: ignore[misc]
    # mean 2, sd 1, t(0.975, 2) = 4.303
    assert lo == pytest.approx(2 - 4.303 / math.sqrt(3), abs=1e-3)
    assert hi == pytest.approx(2 + 4.303 / math.sqrt(3), abs=1e-3)


def test_season_plans_every_day_and_seed_and_sums_them() -> None:
    c = two_day_county()
    s = run_season(
        c, SeasonOptions(seeds=2, day_time_limit_s=0.5, workers=1), progress=lambda m, f: None
    )
    assert s.days == [DAY, DAY2] and s.seeds == [0, 1]
    assert len(s.runs) == 4
    for r in s.runs:
        p = plan(c, r.day, dataclasses.replace(FAST, time_limit_s=0.5, seed=r.seed))
        assert r.parcels == bus_parcels(p)[1]
    d = s.to_dict()
    t = d["totals"]
    by_seed = [
        sum(r.separate_yuan - r.integrated_yuan for r in s.runs if r.seed == k) for k in (0, 1)
    ]
    assert t["saving_yuan"] == pytest.approx(sum(by_seed) / 2, abs=0.01)
    assert t["saving_yuan_95ci"] is not None
    lo, hi = t["saving_yuan_95ci"]
    assert lo <= t["saving_yuan"] <= hi
    assert len(d["per_day"]) == 2 and d["per_day"][0]["seeds"] == 2
    assert t["not_carried_kg"] == 0.0 and t["not_carried_reasons_kg"] == {}
    # a tiny county: a van route for 300 kg costs more than two farmers' own trips
    assert t["farmer_value_yuan"] == pytest.approx(
        sum(r.farmer_value_yuan for r in s.runs) / 2, abs=0.01
    )
    assert t["farmer_days"] == pytest.approx(sum(r.farmers for r in s.runs) / 2)
    assert 0.0 <= t["bus_share_of_parcels"] <= 1.0
    json.dumps(d)  # JSON-ready
    assert "saving" in s.summary()
    # each day says why the bus is (not) used, from its integrated plan's bus_economics
    assert all(r.bus_verdict for r in s.runs) and "why the bus" in s.summary()
    assert d["runs"][0]["bus_verdict"] == s.runs[0].bus_verdict


def test_season_days_option_and_one_seed_has_no_interval() -> None:
    s = run_season(two_day_county(), SeasonOptions(days=1, day_time_limit_s=0.5, workers=1))
    assert s.days == [DAY]
    assert s.to_dict()["totals"]["saving_yuan_95ci"] is None
    assert "no interval" in s.summary()


def test_season_names_what_was_left_behind_and_why() -> None:
    c = tiny_county()
    costs = {**c.settings.costs, "box_hold_h": SourcedValue(0.0, "h", "test")}  # no boxes
    c = dataclasses.replace(c, settings=dataclasses.replace(c.settings, costs=costs))
    no_reefer = dataclasses.replace(c, vehicle_types=c.vehicle_types[:1])  # cold parcels at V3
    s = run_season(no_reefer, SeasonOptions(day_time_limit_s=0.5, workers=1, farmer=False))
    t = s.to_dict()["totals"]
    assert t["short"]["reefer_chilled_kg"] == pytest.approx(12.5)
    assert t["short"]["van_or_bus_ambient_kg"] == 0.0
    assert sum(t["not_carried_reasons_kg"].values()) == pytest.approx(12.5)
    assert any(w in k for k in t["not_carried_reasons_kg"] for w in ("reefer", "chilled", "cold"))


def test_season_options_are_checked() -> None:
    with pytest.raises(PlanOptionError):
        SeasonOptions(days=0)
    with pytest.raises(PlanOptionError):
        SeasonOptions(seeds=0)
    with pytest.raises(PlanOptionError):
        SeasonOptions(surge=-1.0)
    with pytest.raises(PlanOptionError):
        SeasonOptions(day_time_limit_s=0.0)


def test_bus_share_counts_parcels_on_buses() -> None:
    c = tiny_county()
    # V1's township T1 is on the bus line; make the vans dear so that the bus pays
    dear = tuple(dataclasses.replace(v, fixed_cost_yuan=5000.0, count=1) for v in c.vehicle_types)
    c = dataclasses.replace(c, vehicle_types=dear)
    p = plan(c, DAY, dataclasses.replace(FAST, time_limit_s=1.0))
    on_bus, total = bus_parcels(p)
    assert on_bus == sum(b.parcels if b.flow == "down" else b.pieces for b in p.bus)
    assert 0 <= on_bus <= total


# ----------------------------------------------------------------------------- surges
def test_surged_multiplies_up_produce_only() -> None:
    c = two_day_county()
    s = surged(c, 2.36, DAY)
    up = {x.batch: x.kg for x in s.supply_up}
    assert up["B-1"] == pytest.approx(300.0 * 2.36)
    assert up["B-1-2"] == pytest.approx(150.0)  # another day: unchanged
    assert s.demand_down == c.demand_down
    with pytest.raises(PlanOptionError):
        surged(c, 0.0)


def test_hired_capacity_and_extra_runs() -> None:
    c = tiny_county()
    h, missing = with_hired(c, 2, 1, 4 / 3)
    assert not missing
    extra = {v.id: v for v in h.vehicle_types if v.id.endswith("_hired")}
    assert extra["van_hired"].count == 2 and extra["van_hired"].fixed_cost_yuan == 200.0
    assert extra["reefer_hired"].temperature_class.value == "chilled"
    b, n = with_extra_runs(c)
    assert n == 1 and b.bus_lines[0].departures == (7 * 60, 10 * 60, 13 * 60)


def test_a_surge_beyond_the_fleet_is_priced_and_carried() -> None:
    c = tiny_county()
    # one van of 700 kg, one trip a day: a 4x surge of 300 kg apples cannot all be carried
    c = dataclasses.replace(
        c,
        vehicle_types=(dataclasses.replace(c.vehicle_types[0], count=1, capacity_kg=700.0),),
        demand_down=(DownDemand(DAY, "V1", 10, 25.0, 0.2),),
        supply_up=(UpSupply("B-1", DAY, "V2", "apple", 300.0, ready_min=9 * 60),),
    )
    opts = dataclasses.replace(FAST, time_limit_s=1.0, max_trips=1)
    r = analyse_surge(c, DAY, 4.0, opts)
    assert float(r.plan.totals_in.up_kg) == pytest.approx(1200.0)
    assert r.not_carried_kg > 0
    assert r.candidates and r.best is not None
    assert r.best.not_carried_kg == 0.0 and r.best.hired_vans >= 1
    assert r.best.added_yuan == pytest.approx(r.best.hired_vans * 150.0 * 4 / 3)
    d = r.to_dict()
    assert d["cheapest_addition"]["name"] == r.best.name
    assert d["short"]["ambient_kg"] + d["short"]["chilled_kg"] == pytest.approx(
        d["not_carried_kg"], abs=0.01
    )
    assert "surge" in r.summary()


# ----------------------------------------------------------------------------- CLI
@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    return write_bundle(two_day_county(), tmp_path / "tiny2")


def test_cli_season_json(bundle: Path, tmp_path: Path) -> None:
    out = tmp_path / "season.json"
    r = runner.invoke(
        app,
        ["season", str(bundle), "--json", "--days", "2", "--time-limit", "4", "--out", str(out)],
    )
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d == json.loads(out.read_text(encoding="utf-8"))
    assert d["days"] == [DAY.isoformat(), DAY2.isoformat()]
    assert {"saving_yuan", "saving_yuan_95ci", "bus_share_of_parcels", "co2_saved_kg"} <= set(
        d["totals"]
    )


def test_cli_season_summary_and_usage_errors(bundle: Path) -> None:
    r = runner.invoke(app, ["season", str(bundle), "--days", "1", "--time-limit", "2"])
    assert r.exit_code == 0, r.output
    assert "season" in r.output and "saving" in r.output
    r = runner.invoke(app, ["season", str(bundle), "--seeds", "0"])
    assert r.exit_code == 2
    r = runner.invoke(app, ["season", str(bundle), "--surge", "-2"])
    assert r.exit_code == 2


def test_cli_plan_surge_and_farmer_side(bundle: Path) -> None:
    r = runner.invoke(
        app,
        [
            "plan",
            str(bundle),
            "--day",
            DAY.isoformat(),
            "--time-limit",
            "2",
            "--workers",
            "1",
            "--surge",
            "2",
            "--json",
        ],
    )
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["surge"]["factor"] == 2.0
    assert d["totals"]["in"]["up_kg"] == pytest.approx(600.0)
    assert d["farmer_side"]["villages"][0]["village"] == "V2"
    # the plan's contract fields are kept
    assert "total_yuan" in d["comparison"]["integrated"]["costs"]
    r = runner.invoke(
        app, ["plan", str(bundle), "--day", DAY.isoformat(), "--surge", "0", "--json"]
    )
    assert r.exit_code == 2
