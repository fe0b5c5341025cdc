"""Issue 16 items 1-3: measured logistics saving, sourced inputs, uncertainty, one story.

Plans are injected (attribute-only stand-ins of ``ruralflow.logistics.Plan``) or run once
with a short budget, so that no test solves repeatedly.
"""

from __future__ import annotations

import json
from importlib.resources import as_file, files
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

import ruralflow.logistics as logistics_pkg
from helpers import DATA
from ruralflow.bundle import read_bundle
from ruralflow.bundle.io_tables import load_io_inputs
from ruralflow.cli import app
from ruralflow.domain import County, Economy, SourcedValue
from ruralflow.matrix import MatrixOptions, MatrixResult, analyse
from ruralflow.matrix.sources import stated_range, unusable
from ruralflow.report.matrix import sections, tornado_data


@pytest.fixture(scope="module")
def example_path() -> Path:
    with as_file(files("ruralflow").joinpath("examples", "610425")) as p:
        return Path(p)


@pytest.fixture(scope="module")
def liquan(example_path: Path) -> County:
    return read_bundle(example_path)


def fake_plan(
    county: County, *, saving: float = 4000.0, bus: tuple[Any, ...] = (), total: float = 9000.0
) -> SimpleNamespace:
    day = county.days[0]
    parcels = sum(d.parcels for d in county.demand_on(day))
    return SimpleNamespace(
        day=day,
        saving_yuan=saving,
        totals_in=SimpleNamespace(parcels=parcels),
        bus=bus,
        costs=SimpleNamespace(total=total),
    )


def run(county: County, **kw: Any) -> MatrixResult:
    io = load_io_inputs(county.economy, county.adcode, DATA)
    return analyse(county, MatrixOptions(**kw), io=io)


def with_economy(county: County, **changes: Any) -> County:
    e = county.economy
    econ = Economy(
        flows=changes.get("flows", e.flows),
        parameters=changes.get("parameters", e.parameters),
        sector_shares=e.sector_shares,
        io_table=e.io_table,
        year=e.year,
    )
    return county.replace(economy=econ)


# ----------------------------------------------------------------------------- sources


def test_stated_ranges_and_usable_values() -> None:
    a = SourcedValue(0.3, "elasticity", "assumption, range 0.1 .. 0.6: supply response")
    assert stated_range(a) == (0.1, 0.6) and unusable(a) is None
    big = SourcedValue(1e9, "yuan/year", "D: cited; range 1,000,000,000 .. 2.5e9 yuan/year")
    assert stated_range(big) == (1e9, 2.5e9)
    assert "placeholder" in (unusable(SourcedValue(3e8, "yuan/year", "x; placeholder")) or "")
    assert unusable(SourcedValue(0.3, "share", "assumption")) is not None
    assert unusable(SourcedValue(0.3, "share", "NBS 2023")) is None  # a cited value


def test_liquan_inputs_are_sourced_or_ranged(liquan: County) -> None:
    r = run(liquan, logistics=fake_plan(liquan), draws=50)
    d = json.loads(json.dumps(r.to_dict()))
    assert "placeholder" not in json.dumps(d).lower()
    assert r.left_out == ()
    for f in d["flows"]:
        assert not f["source"].lower().startswith("assumption") or "range" in f["source"]
    tourism = r.inputs.flows["up_tourism"]
    assert tourism.value == 1e9 and "中国青年报" in tourism.source
    for k, p in r.inputs.params.items():
        assert unusable(p) is None, k


def test_placeholder_and_bare_assumptions_are_left_out(liquan: County) -> None:
    e = liquan.economy
    county = with_economy(
        liquan,
        flows={
            **e.flows,
            "up_tourism": SourcedValue(3e8, "yuan/year", "assumption: placeholder order"),
        },
        parameters={
            **e.parameters,
            "supply_response_elasticity": SourcedValue(5.0, "elasticity", "assumption"),
        },
    )
    r = run(county, scenarios=(), draws=0)
    assert [lo.flow for lo in r.left_out] == ["up_tourism"]
    assert r.indicators.x[r.flows.index("up_tourism")] == 0.0
    assert any("up_tourism" in n and "left out" in n for n in r.notes)
    assert r.inputs.params["supply_response_elasticity"].value == 0.3  # the ranged default
    d = r.to_dict()
    assert d["left_out"][0]["given_value"] == 3e8


# ----------------------------------------------------------------------------- logistics


def test_day_plan_saving_is_the_coefficient(liquan: County) -> None:
    p = fake_plan(liquan, saving=4321.0)
    r = run(liquan, scenarios=(), logistics=p, draws=0)
    pv = r.inputs.params["parcel_value_yuan"].value
    s = r.inputs.params["logistics_saving_yuan_per_yuan"]
    assert s.value == pytest.approx(4321.0 / (p.totals_in.parcels * pv))
    c = r.coefficient("down_goods", "up_products")
    e = r.inputs.params["supply_response_elasticity"].value
    assert c.value == pytest.approx(s.value * e)
    lg = r.to_dict()["logistics"]
    assert lg["basis"] == "day_plan" and lg["saving_yuan"] == 4321.0
    assert lg["coefficient"]["value"] == pytest.approx(c.value)


def test_season_saving_over_the_season_down_parcels(liquan: County) -> None:
    days = [d.isoformat() for d in liquan.days[:3]]
    season = {
        "county": {"adcode": liquan.adcode},
        "days": days,
        "seeds": [0, 1],
        "totals": {"saving_yuan": 12000.0, "bus_parcels": 0.0, "bus_consignments": 0.0},
    }
    r = run(liquan, scenarios=("bus_parcels",), logistics=season, draws=0)
    parcels = sum(d.parcels for day in liquan.days[:3] for d in liquan.demand_on(day))
    pv = r.inputs.params["parcel_value_yuan"].value
    assert r.logistics is not None and r.logistics.basis == "season"
    s = r.inputs.params["logistics_saving_yuan_per_yuan"].value
    assert s == pytest.approx(12000.0 / (parcels * pv))
    bus = r.scenario("bus_parcels")
    assert bus.deltas["total_value"] == 0 and "puts no parcel on a bus" in bus.assumption
    with pytest.raises(Exception, match="county 000000"):
        run(liquan, logistics={**season, "county": {"adcode": "000000"}}, draws=0)


def test_cli_logistics_coefficient_from_the_plan(
    example_path: Path, monkeypatch: pytest.MonkeyPatch, liquan: County
) -> None:
    """Done-when: the CLI's coefficient is the plan's saving per yuan of down flow."""
    injected = fake_plan(liquan, saving=5000.0)
    calls: list[Any] = []

    def plan(county: County, day: Any, options: Any) -> Any:
        calls.append((day, options))
        return injected

    monkeypatch.setattr(logistics_pkg, "plan", plan)
    res = CliRunner().invoke(app, ["matrix", str(example_path), "--draws", "20", "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert len(calls) == 1 and calls[0][1].compare  # no buses: no second plan
    assert "placeholder" not in res.stdout.lower()
    lg = d["logistics"]
    pv = d["parameters"]["parcel_value_yuan"]["value"]
    assert lg["basis"] == "day_plan"
    assert lg["saving_per_yuan"] == pytest.approx(5000.0 / (injected.totals_in.parcels * pv))
    coef = next(
        c for c in d["coefficients"] if (c["from"], c["to"]) == ("down_goods", "up_products")
    )
    assert coef["inputs"]["s"]["value"] == pytest.approx(lg["saving_per_yuan"])
    e = d["parameters"]["supply_response_elasticity"]["value"]
    assert coef["value"] == pytest.approx(lg["saving_per_yuan"] * e, abs=1e-8)  # 8 decimals
    bus = next(s for s in d["scenarios"] if s["name"] == "bus_parcels")
    assert bus["deltas"]["total_value"] == 0  # the plan carries no bus parcel
    for out in ("total_value", "synergy_index", "balance_ratio"):
        assert d["uncertainty"]["monte_carlo"]["band"][out]["p5"] is not None


@pytest.mark.slow
def test_cli_real_short_plan(example_path: Path) -> None:
    res = CliRunner().invoke(
        app, ["matrix", str(example_path), "--time-limit", "3", "--draws", "20", "--json"]
    )
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    lg = d["logistics"]
    assert lg["basis"] == "day_plan"
    assert lg["saving_per_yuan"] == pytest.approx(
        max(0.0, lg["saving_yuan"]) / (lg["down_parcels"] * lg["parcel_value_yuan"]), rel=1e-4
    )


def test_cli_season_file(example_path: Path, tmp_path: Path, liquan: County) -> None:
    f = tmp_path / "season.json"
    days = [d.isoformat() for d in liquan.days[:2]]
    f.write_text(
        json.dumps({"county": {"adcode": "610425"}, "days": days, "totals": {"saving_yuan": 900}})
    )
    res = CliRunner().invoke(app, ["matrix", str(example_path), "--season", str(f), "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["logistics"]["basis"] == "season"
    f.write_text("[1, 2]")
    res = CliRunner().invoke(app, ["matrix", str(example_path), "--season", str(f)])
    assert res.exit_code == 1 and "not a season result" in res.output
    assert "Traceback" not in res.output


# ----------------------------------------------------------------------------- bus scenario


def test_bus_scenario_from_the_plan_with_and_without_buses(liquan: County) -> None:
    cons = (SimpleNamespace(flow="down", parcels=40, pieces=0),)
    p = fake_plan(liquan, saving=3000.0, bus=cons, total=9000.0)
    nobus = SimpleNamespace(costs=SimpleNamespace(total=9600.0))
    r = run(
        liquan, scenarios=("bus_parcels",), logistics=p, logistics_without_buses=nobus, draws=0
    )
    sc = r.scenario("bus_parcels")
    assert sc.counterfactual
    (ch,) = sc.changes
    pv = r.inputs.params["parcel_value_yuan"].value
    assert ch.after == pytest.approx(r.inputs.params["logistics_saving_yuan_per_yuan"].value)
    assert ch.before == pytest.approx(ch.after - 600.0 / (p.totals_in.parcels * pv))
    assert sc.deltas["total_value"] is not None and sc.deltas["total_value"] > 0
    # buses in the plan but no no-bus plan: nothing credited beyond the baseline
    r2 = run(liquan, scenarios=("bus_parcels",), logistics=p, draws=0)
    assert r2.scenario("bus_parcels").deltas["total_value"] == 0
    assert "not split out" in r2.scenario("bus_parcels").assumption


# ----------------------------------------------------------------------------- uncertainty


def test_monte_carlo_is_seeded_and_tornado_matches_direct_runs(liquan: County) -> None:
    a = run(liquan, scenarios=(), logistics=fake_plan(liquan), draws=200, seed=7)
    b = run(liquan, scenarios=(), logistics=fake_plan(liquan), draws=200, seed=7)
    c = run(liquan, scenarios=(), logistics=fake_plan(liquan), draws=200, seed=8)
    assert a.uncertainty is not None and b.uncertainty is not None and c.uncertainty is not None
    assert a.uncertainty.to_dict() == b.uncertainty.to_dict()
    assert a.uncertainty.band("total_value") != c.uncertainty.band("total_value")
    band = a.uncertainty.band("total_value")
    assert band["p5"] is not None and band["p95"] is not None
    assert band["p50"] is not None and band["p5"] < band["p50"] < band["p95"]
    # Yuanjia's tourism revenue is a lower bound (range 1e9 .. 2.5e9): the band lies above
    assert a.indicators.total_value < band["p50"]
    bars = {x.item.key: x for x in a.uncertainty.bars}
    keys = {i.key for i in a.uncertainty.inputs}
    assert {"up_tourism", "supply_response_elasticity", "parcel_value_yuan"} <= keys
    bar = bars["supply_response_elasticity"]
    e = liquan.economy
    hi = with_economy(
        liquan,
        parameters={
            **e.parameters,
            "supply_response_elasticity": SourcedValue(
                bar.item.high, "elasticity", "test: the range's high end"
            ),
        },
    )
    direct = run(hi, scenarios=(), logistics=fake_plan(liquan), uncertainty=False)
    assert bar.high["total_value"] == pytest.approx(direct.indicators.total_value)
    assert bar.high["synergy_index"] == pytest.approx(direct.indicators.synergy_index)
    assert bar.high["balance_ratio"] == pytest.approx(direct.indicators.balance_ratio)
    tor = a.uncertainty.tornado("total_value")
    swings = [t.swing("total_value") for t in tor]
    assert swings == sorted(swings, reverse=True) and tor[0].item.key == "up_tourism"
    assert np.isfinite(list(a.uncertainty.base.values())).all()


def test_report_tornado_data_and_measured_basis(
    liquan: County, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ruralflow.report.matrix as rm

    monkeypatch.setattr(rm, "day_plan", lambda county, day, o, **kw: fake_plan(liquan))
    (s,) = sections(liquan, liquan.days[0])
    assert 'data-logistics-basis="day_plan"' in s.html
    assert "the same plan as this report" in s.html
    assert "puts no parcel on a bus" in s.html
    assert "placeholder" not in s.html.lower()
    r = run(liquan, scenarios=(), logistics=fake_plan(liquan), draws=0)
    data = tornado_data(r, "total_value")
    assert data is not None and data["bars"][0]["key"] == "up_tourism"
    assert all({"key", "at_low", "at_high", "range"} <= set(b) for b in data["bars"])


def test_report_plans_each_day_once(liquan: County, monkeypatch: pytest.MonkeyPatch) -> None:
    import ruralflow.report.plans as plans
    from ruralflow.report.model import ReportOptions

    calls: list[Any] = []

    def plan(county: County, day: Any, options: Any) -> Any:
        calls.append(options)
        return fake_plan(liquan)

    monkeypatch.setattr(plans, "plan", plan)
    plans.clear()
    o = ReportOptions(plan_seconds=2, seed=3)
    day = liquan.days[0]
    a = plans.day_plan(liquan, day, o)
    assert plans.day_plan(liquan, day, o) is a  # the logistics and matrix sections share it
    assert len(calls) == 1 and calls[0].compare and calls[0].seed == 3
    plans.day_plan(liquan, day, o, use_buses=False)
    assert len(calls) == 2 and not calls[1].use_buses and not calls[1].compare
    plans.day_plan(liquan, day, ReportOptions(plan_seconds=2, seed=4))
    assert len(calls) == 3
    plans.clear()


def test_season_object_is_measured_like_its_json(liquan: County) -> None:
    days = list(liquan.days[:2])
    totals = {"bus_parcels": 0.0, "bus_consignments": 0.0, "integrated_yuan": 5000.0}
    season = SimpleNamespace(
        runs=("a run",),
        days=days,
        seeds=[0],
        saving_yuan=800.0,
        total=lambda key: totals[key],
    )
    r = run(liquan, scenarios=(), logistics=season, draws=0)
    as_json = {
        "county": {"adcode": liquan.adcode},
        "days": [d.isoformat() for d in days],
        "seeds": [0],
        "totals": {"saving_yuan": 800.0, **totals},
    }
    r2 = run(liquan, scenarios=(), logistics=as_json, draws=0)
    s, s2 = (x.inputs.params["logistics_saving_yuan_per_yuan"] for x in (r, r2))
    assert r.logistics_basis == r2.logistics_basis == "season"
    assert s.value == pytest.approx(s2.value) and s.value > 0


@pytest.mark.parametrize(
    ("args", "code", "text"),
    [
        (["--draws", "-3"], 2, "须在 0 至 100000 之间"),
        (["--season", "/nonexistent/season.json"], 1, "cannot read the season result"),
        (["--season", "x.json", "--saving", "0.1"], 1, "--season excludes --saving"),
    ],
)
def test_cli_bad_uncertainty_and_season_options(
    example_path: Path, args: list[str], code: int, text: str
) -> None:
    res = CliRunner().invoke(app, ["matrix", str(example_path), *args])
    assert res.exit_code == code, res.output
    assert text in " ".join(res.output.split()) and "Traceback" not in res.output
