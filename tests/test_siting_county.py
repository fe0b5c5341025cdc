"""County application of the siting models: stations, cold hubs, preprocess centres (issue 6)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from helpers import DAY, REPO, tiny_county
from ruralflow.bundle import read_bundle, write_bundle
from ruralflow.cli import app
from ruralflow.domain import County, Place, PlaceKind, SourcedValue, UpSupply
from ruralflow.domain.places import StationFunction
from ruralflow.freshness import assess
from ruralflow.geo import Geography
from ruralflow.siting import (
    CoverageInfeasibleError,
    InfeasibleSitingError,
    SitingInputError,
)
from ruralflow.siting.county import (
    CountySitingOptions,
    CountySitingResult,
    ambient_journey,
    journey_to_facility,
    site_county,
    spoilage_avoided_yuan_per_kg,
    spoilage_yuan_per_kg,
)

LIQUAN = REPO / "src" / "ruralflow" / "examples" / "610425"
runner = CliRunner()


def opts(**kw: Any) -> CountySitingOptions:
    return CountySitingOptions(time_limit_s=20.0, **kw)


def check_json(r: CountySitingResult) -> dict[str, Any]:
    d = r.to_dict()
    text = json.dumps(d, ensure_ascii=False, allow_nan=False)
    assert r.status in r.summary()
    out: dict[str, Any] = json.loads(text)
    return out


# ----------------------------------------------------------------------------- stations
def test_tiny_distances_are_on_the_expected_side_of_2_km() -> None:
    # The hand checks below rest on these road distances (haversine x 1.3).
    g = Geography.from_county(tiny_county())
    assert g.distance_km("V1", "T1") < 2.0
    assert g.distance_km("V3", "T2") < 2.0
    for a, b in [("V2", "T1"), ("V2", "T2"), ("V2", "HUB"), ("V1", "V2"), ("V2", "V3")]:
        assert g.distance_km(a, b) > 2.0
    assert g.distance_km("V1", "V3") > 2.0


def test_stations_coverage_before_and_after_on_the_tiny_county() -> None:
    # Existing: hub + townships. T1 covers V1 (120 hh), T2 covers V3 (200 hh); V2 (80 hh) is
    # 3.1 km from T1: before = 320 / 400; one new station at V2 covers everyone.
    r = site_county(tiny_county(), "stations", opts(existing="townships", p=1))
    assert r.status == "optimal" and r.gap == 0.0
    assert r.coverage_before.weight == 320 and r.coverage_before.share == pytest.approx(0.8)
    assert r.coverage_after.weight == 400 and r.coverage_after.share == pytest.approx(1.0)
    assert r.new_ids == ("V2",)
    assert set(r.existing_ids) == {"HUB", "T1", "T2"}
    assert set(r.existing_ids) <= set(r.open_ids)
    rows = {c.id: c for c in r.clients}
    assert rows["V1"].covered_before and rows["V1"].site_before == "T1"
    assert not rows["V2"].covered_before and rows["V2"].covered_after
    assert rows["V2"].site_after == "V2" and rows["V2"].km_after == 0.0
    assert r.costs[0].yuan == 30000.0 and r.costs[0].unit == "yuan (one-off)"
    d = check_json(r)
    assert d["coverage"]["before"]["share"] == pytest.approx(0.8)


def test_stations_hand_checked_optimum_and_curve() -> None:
    # No existing station: each village covers only itself (they are > 2 km apart), so the
    # best k stations are the k largest villages: 200, 200 + 120, 200 + 120 + 80.
    r = site_county(tiny_county(), "stations", opts(existing="none", p=3))
    assert r.coverage_before.weight == 0
    objs = [p.objective for p in r.curve]
    assert objs == [0, 200, 320, 400]
    margs = [p.marginal for p in r.curve[1:]]
    assert margs == [200, 120, 80]
    assert all(a is not None and b is not None and a >= b for a, b in itertools.pairwise(margs))
    assert all(p.status == "optimal" and p.gap == 0.0 for p in r.curve)
    assert [p.added for p in r.curve[1:]] == [("V3",), ("V1",), ("V2",)]
    assert r.curve[1].coverage_share == pytest.approx(0.5)


def test_explicit_existing_station_stays_open_even_when_useless() -> None:
    # V2 is the smallest village; forced open it stays, and the one new station goes to V3.
    r = site_county(tiny_county(), "stations", opts(existing=("V2",), p=1))
    assert r.existing_ids == ("V2",)
    assert "V2" in r.open_ids and r.new_ids == ("V3",)
    assert r.coverage_before.weight == 80 and r.coverage_after.weight == 280
    with pytest.raises(SitingInputError, match="'NOPE'"):
        site_county(tiny_county(), "stations", opts(existing=("NOPE",)))


def _with_functions(county: County, ids: set[str]) -> County:
    places = tuple(
        dataclasses.replace(p, functions=frozenset({StationFunction.PARCELS_IN}))
        if p.id in ids
        else p
        for p in county.places
    )
    return county.replace(places=places)


def test_existing_rule_auto() -> None:
    c = tiny_county()
    # one village lists parcels_in: the functions column tells stations apart
    one = site_county(_with_functions(c, {"V3"}), "stations", opts(p=1))
    assert one.existing_ids == ("V3",) and "functions" in one.existing_rule
    # every village lists it (the generator's default): townships and hub instead
    every = site_county(_with_functions(c, {"V1", "V2", "V3"}), "stations", opts(p=1))
    assert set(every.existing_ids) == {"HUB", "T1", "T2"}
    assert "parcels_in" in every.existing_rule
    counted = site_county(
        _with_functions(c, {"V1", "V2", "V3"}), "stations", opts(p=1, existing="functions")
    )
    assert counted.coverage_before.share == 1.0


def test_liquan_station_coverage_fast_and_curves() -> None:
    county = read_bundle(LIQUAN)
    exact = site_county(county, "stations", opts(p=5))
    assert exact.runtime_s < 10.0  # issue 6 target (whole run measured in docs/siting.md)
    assert exact.status == "optimal" and exact.gap == 0.0
    assert 0 < exact.coverage_before.share < exact.coverage_after.share < 1
    assert len(exact.new_ids) == 5 and len(exact.existing_ids) == 13
    assert exact.curve[-1].objective == exact.objective
    nested = site_county(county, "stations", opts(p=5, curve="nested"))
    m = [p.marginal for p in nested.curve[1:]]
    assert all(a is not None and b is not None and a >= b - 1e-9 for a, b in itertools.pairwise(m))
    for e, n in zip(exact.curve, nested.curve, strict=True):
        assert e.objective is not None and n.objective is not None
        assert e.objective >= n.objective - 1e-9  # exact points are optimal
        assert n.status == "optimal"
    # each nested point keeps the previous sites
    for a, b in itertools.pairwise(nested.curve[1:]):
        assert set(a.new_ids) <= set(b.new_ids) and len(b.added) == 1


# ----------------------------------------------------------------------------- spoilage
def test_spoilage_increases_with_distance_and_matches_assess() -> None:
    apple = tiny_county().products[0]
    hours = np.array([0.0, 0.25, 0.5, 1.0, 2.0, 4.0])
    s = spoilage_yuan_per_kg(apple, hours, ambient_c=20.0, field_heat_h=2.0)
    assert s[0] == 0.0
    assert np.all(np.diff(s) > 0)
    for t, v in zip(hours, s, strict=True):
        j0 = journey_to_facility(apple, 0.0, ambient_c=20.0, field_heat_h=2.0)
        jt = journey_to_facility(apple, float(t), ambient_c=20.0, field_heat_h=2.0)
        want = assess(apple, jt, kg=1.0).loss_yuan - assess(apple, j0, kg=1.0).loss_yuan
        assert v == pytest.approx(want, rel=1e-6, abs=1e-12)
    warm = spoilage_yuan_per_kg(apple, np.array([2.0]), ambient_c=28.0)
    cool = spoilage_yuan_per_kg(apple, np.array([2.0]), ambient_c=10.0)
    assert warm[0] > cool[0] > 0


# ----------------------------------------------------------------------------- facilities
def line_county(fixed_per_day: float, *, extra: tuple[Place, ...] = ()) -> County:
    """Two pairs of villages 0.2 deg apart, a candidate beside each pair and one between."""
    base = tiny_county()
    lat = 34.5
    villages = tuple(
        Place(
            vid,
            PlaceKind.VILLAGE,
            vid,
            lon,
            lat,
            adcode=f"610425101{k + 201}",
            parent="T1",
            households=100,
        )
        for k, (vid, lon) in enumerate(
            [("W1", 108.40), ("W2", 108.42), ("E1", 108.60), ("E2", 108.62)]
        )
    )
    cands = tuple(
        Place(cid, PlaceKind.CANDIDATE_SITE, cid, lon, lat)
        for cid, lon in [("C1", 108.41), ("C2", 108.61), ("C3", 108.51)]
    )
    places = (base.places[0], base.places[1], base.places[2], *villages, *cands, *extra)
    costs = {
        "transport_yuan_per_kg_km": SourcedValue(0.01, "yuan/kg-km", "test"),
        "cold_hub_fixed_yuan_per_day": SourcedValue(fixed_per_day, "yuan/day", "test"),
        "cold_hub_capacity_kg_per_day": SourcedValue(10000.0, "kg/day", "test"),
    }
    settings = dataclasses.replace(base.settings, costs=costs)
    supply = tuple(
        UpSupply(f"B-{v.id}", DAY, v.id, "apple", 1000.0, ready_min=8 * 60, harvest_min=6 * 60)
        for v in villages
    )
    return County(
        settings=settings,
        places=places,
        products=base.products,
        vehicle_types=base.vehicle_types,
        supply_up=supply,
        boundary=base.boundary,
    )


def plan_cost(county: County, sites: list[str]) -> float:
    """Fixed + transport + spoilage of serving every village from the cheapest of ``sites``
    or of no site at all (its kg then lose what the cold chain would have avoided)."""
    g = Geography.from_county(county)
    speed = county.vehicle_types[0].speed_kmh
    fixed = float(county.settings.costs["cold_hub_fixed_yuan_per_day"].value) * len(sites)
    apple = county.products[0]
    ambient = county.settings.mean_temp_c(DAY)
    nothing = 1000.0 * spoilage_avoided_yuan_per_kg(apple, ambient_c=ambient, field_heat_h=2.0)
    total = fixed
    for v in ("W1", "W2", "E1", "E2"):
        cost = [nothing]
        for s in sites:
            km = g.distance_km(v, s)
            spoil = spoilage_yuan_per_kg(apple, np.array([km / speed]), ambient_c=ambient)
            cost.append(1000.0 * (0.01 * km + float(spoil[0])))
        total += min(cost)
    return total


@pytest.mark.parametrize(("fixed", "want"), [(20.0, {"C1", "C2"}), (1000.0, set())])
def test_cold_hub_hand_checked_optimum(fixed: float, want: set[str]) -> None:
    """Hubs that pay (one or two) and hubs that do not (build nothing), by brute force."""
    county = line_county(fixed)
    r = site_county(county, "cold-hub", opts(curve_max=3))
    assert r.status == "optimal"
    assert set(r.new_ids) == want
    # brute force over every subset of the three candidates, the empty one included
    best = min(
        (plan_cost(county, list(s)), set(s))
        for n in (0, 1, 2, 3)
        for s in itertools.combinations(["C1", "C2", "C3"], n)
    )
    assert best[1] == want
    assert r.objective == pytest.approx(best[0], rel=1e-9)
    costs = {c.key: c.yuan for c in r.costs}
    assert costs["total"] == pytest.approx(best[0], rel=1e-9)
    assert costs["fixed"] == fixed * len(want)
    assert r.season["days"] == 1 and r.season["kg"] == 4000.0
    # building nothing is a feasible answer with its cost: curve point 0
    assert r.nothing_yuan == pytest.approx(plan_cost(county, []), rel=1e-9)
    assert r.curve[0].objective == pytest.approx(r.nothing_yuan, rel=1e-9)
    assert r.curve[0].status == "optimal"
    # curve: exactly k new sites; its minimum is the optimum
    objs = [p.objective for p in r.curve if p.objective is not None]
    assert min(objs) == pytest.approx(r.objective, rel=1e-9)
    two = r.curve[2]
    assert two.objective == pytest.approx(plan_cost(county, ["C1", "C2"]), rel=1e-9)
    one = r.curve[1].objective
    assert one is not None and two.objective is not None
    assert two.marginal == pytest.approx(one - two.objective)
    assert all(p.status == "optimal" for p in r.curve)
    # each open hub: spoilage avoided (yuan/season) - transport - fixed = net, and the nets
    # add up to what the answer saves over building nothing
    assert {v.id for v in r.site_values} == want
    for v in r.site_values:
        assert v.spoilage_avoided_yuan > 0 and v.net_yuan > 0
        assert v.net_yuan == pytest.approx(
            v.spoilage_avoided_yuan - v.transport_yuan - v.fixed_yuan
        )
    saved = sum(v.net_yuan for v in r.site_values)
    assert r.nothing_yuan - costs["total"] == pytest.approx(saved, rel=1e-9, abs=1e-9)
    text = r.summary()
    if want:
        assert "spoilage avoided" in text and "净值 net" in text
        assert costs["spoilage"] > 0 and costs["transport"] > 0
    else:
        assert "answer: build no cold hub" in text
        assert r.open_ids == () and costs["unserved"] == pytest.approx(r.nothing_yuan)
    d = check_json(r)
    assert {"fixed", "transport", "spoilage", "unserved", "total"} == {
        c["key"] for c in d["costs"]
    }
    assert [v["id"] for v in d["site_values"]] == [v.id for v in r.site_values]
    assert d["nothing_yuan"] == pytest.approx(r.nothing_yuan, abs=0.01)


def test_spoilage_avoided_is_ambient_minus_cold_chain() -> None:
    apple = tiny_county().products[0]
    got = spoilage_avoided_yuan_per_kg(apple, ambient_c=20.0, field_heat_h=2.0)
    amb = assess(apple, ambient_journey(apple, ambient_c=20.0, field_heat_h=2.0), kg=1.0)
    cold = assess(apple, journey_to_facility(apple, 0.0, ambient_c=20.0), kg=1.0)
    assert got == pytest.approx(amb.loss_yuan - cold.loss_yuan, rel=1e-9)
    # warmer months avoid more
    warm = spoilage_avoided_yuan_per_kg(apple, ambient_c=28.0)
    assert warm > got > spoilage_avoided_yuan_per_kg(apple, ambient_c=8.0)


def test_existing_cold_hub_stays_open_and_costs_nothing() -> None:
    far = Place("OLD", PlaceKind.COLD_HUB, "旧冷库", 108.80, 34.58)
    county = line_county(2.0, extra=(far,))
    r = site_county(county, "cold-hub", opts(curve="none"))
    assert r.existing_ids == ("OLD",)
    assert "OLD" in r.open_ids and set(r.new_ids) == {"C1", "C2"}
    assert r.site_by_id["OLD"].cost_yuan == 0.0
    assert {c.key: c.yuan for c in r.costs}["fixed"] == 4.0


def with_costs(county: County, **values: float) -> County:
    costs = dict(county.settings.costs)
    for k, v in values.items():
        costs[k] = SourcedValue(v, "test", "test")
    return county.replace(settings=dataclasses.replace(county.settings, costs=costs))


def test_preprocess_derived_candidates_on_the_tiny_county() -> None:
    r = site_county(tiny_county(), "preprocess", opts(household_threshold=150))
    # township stations and villages with >= 150 households (V3)
    assert {s.id for s in r.candidates} == {"T1", "T2", "V3"}
    assert "derived" in r.candidate_rule and any("derived" in n for n in r.notes)
    # at the default 600 yuan/day a centre does not pay for one village's 500 kg: none
    assert r.new_ids == () and r.open_ids == ()
    assert r.curve[1].marginal is not None and r.curve[1].marginal < 0
    cheap = with_costs(tiny_county(), preprocess_fixed_yuan_per_day=1.0)
    r = site_county(cheap, "preprocess", opts(household_threshold=150))
    assert r.new_ids == ("T1",)  # nearest to the only supplying village, V2
    assert r.curve[2].marginal is not None and r.curve[2].marginal < 0  # a 2nd site only costs


def test_capacity_short_of_demand_leaves_the_rest_on_the_ambient_chain() -> None:
    small = with_costs(line_county(2.0), cold_hub_capacity_kg_per_day=1000.0)
    r = site_county(small, "cold-hub", opts(curve="none"))
    assert r.status == "optimal"
    assert r.metrics["unserved_kg"] == pytest.approx(4000.0 - 1000.0 * len(r.open_ids))
    costs = {c.key: c.yuan for c in r.costs}
    assert costs["unserved"] > 0
    assert sum(v.kg for v in r.site_values) == pytest.approx(1000.0 * len(r.open_ids))


# ----------------------------------------------------------------------------- infeasible
def test_infeasible_requests_give_the_numbers() -> None:
    c = tiny_county()
    with pytest.raises(InfeasibleSitingError, match=r"budget 100 yuan .* \(30,000 yuan each"):
        site_county(c, "stations", opts(budget_yuan=100.0))
    with pytest.raises(
        CoverageInfeasibleError, match=r"3 demand points within radius 2 .*1 sites"
    ):
        site_county(c, "stations", opts(existing="none", cover_all=True, p=1))
    # a budget below any hub's fixed cost: build nothing, and say why
    r = site_county(line_county(2.0), "cold-hub", opts(budget_yuan=1.0, curve="none"))
    assert r.new_ids == ()
    assert any("budget 1 yuan/season is below the fixed cost" in n for n in r.notes)
    with pytest.raises(SitingInputError, match="stations only"):
        site_county(c, "cold-hub", opts(existing="townships"))
    with pytest.raises(SitingInputError, match="no up supply"):
        site_county(c.replace(supply_up=()), "preprocess", opts())
    with pytest.raises(SitingInputError, match="what must be one of"):
        site_county(c, "warehouses")


def test_budget_limits_new_stations() -> None:
    # 60,000 yuan buys two 30,000-yuan stations: V3 and V1
    r = site_county(tiny_county(), "stations", opts(existing="none", budget_yuan=60000.0))
    assert set(r.new_ids) == {"V3", "V1"} and r.coverage_after.weight == 320
    assert r.costs[0].yuan == 60000.0


def test_cover_all_fewest_stations() -> None:
    r = site_county(tiny_county(), "stations", opts(existing="townships", cover_all=True))
    assert r.new_ids == ("V2",) and r.coverage_after.share == 1.0
    assert r.objective == 30000.0


# ----------------------------------------------------------------------------- cli
@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    return Path(write_bundle(tiny_county(), tmp_path / "tiny"))


def test_cli_site_json(bundle: Path) -> None:
    r = runner.invoke(
        app,
        [
            "site",
            str(bundle),
            "--what",
            "stations",
            "--existing",
            "townships",
            "--p",
            "1",
            "--time-limit",
            "10",
            "--json",
        ],
    )
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert {
        "status",
        "objective",
        "gap",
        "open_ids",
        "new_ids",
        "coverage",
        "costs",
        "curve",
        "sites",
        "notes",
        "result",
    } <= set(d)
    assert d["new_ids"] == ["V2"]
    assert d["coverage"]["before"]["share"] == pytest.approx(0.8)
    assert d["curve"][1]["status"] == "optimal"
    r = runner.invoke(app, ["site", str(bundle), "--what", "cold-hub", "--time-limit", "10"])
    assert r.exit_code == 0, r.output
    assert "yuan/season" in r.output and "marginal value" in r.output


def test_cli_site_errors(bundle: Path, tmp_path: Path) -> None:
    r = runner.invoke(app, ["site", str(bundle), "--what", "warehouses"])
    assert r.exit_code == 2
    r = runner.invoke(app, ["site", str(bundle), "--budget", "100"])
    assert r.exit_code == 1
    assert "budget 100 yuan" in r.output and "30,000" in r.output
    r = runner.invoke(app, ["site", str(bundle), "--cover-all", "--existing", "none", "--p", "1"])
    assert r.exit_code == 1 and "radius 2" in r.output
    r = runner.invoke(app, ["site", str(tmp_path / "missing")])
    assert r.exit_code == 1


def test_report_sections() -> None:
    from ruralflow.report.analyses import ANALYSES
    from ruralflow.report.model import ReportOptions
    from ruralflow.report.render import build_report
    from ruralflow.report.siting import sections

    assert any(a.entry == "ruralflow.report.siting:sections" for a in ANALYSES)
    c = tiny_county()
    secs = sections(c, dt.date(2025, 9, 1), ReportOptions(siting_what=("stations", "cold-hub")))
    assert [s.id for s in secs] == ["siting-stations", "siting-cold-hub"]
    html = build_report(c, sections=secs)
    for text in (
        "Marginal value of the k-th site",
        "边际价值",
        "siting-curve",
        "yuan/season",
        "Coverage",
        "覆盖率",
        'data-figure="map-siting-siting-stations"',
        '"id":"sites-new"',
    ):
        assert text in html


def test_report_shows_each_hub_spoilage_avoided_or_no_hub() -> None:
    from ruralflow.report.siting import result_section

    county = line_county(2.0)
    r = site_county(county, "cold-hub", opts(curve="none"))
    html = result_section(county, r).html
    assert "Net value of each site" in html and "spoilage avoided" in html
    for v in r.site_values:
        assert v.id in html
    assert "this answer saves" in html
    none = site_county(line_county(1000.0), "cold-hub", opts(curve="none"))
    html = result_section(line_county(1000.0), none).html
    assert 'data-answer="none"' in html and "build no cold hub" in html


@pytest.mark.parametrize(("fixed", "pays"), [(2.0, True), (1000.0, False)])
def test_cli_cold_hub_answers_no_hub_or_hubs(tmp_path: Path, fixed: float, pays: bool) -> None:
    path = write_bundle(line_county(fixed).replace(boundary=None), tmp_path / "line")
    args = ["site", str(path), "--what", "cold-hub", "--curve", "none", "--time-limit", "10"]
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    if pays:
        assert "spoilage avoided" in r.output and "净值 net" in r.output
        assert "answer: build no cold hub" not in r.output
    else:
        assert "answer: build no cold hub" in r.output
    d = json.loads(runner.invoke(app, [*args, "--json"]).stdout)
    assert bool(d["new_ids"]) is pays
    assert bool(d["site_values"]) is pays
    assert d["nothing_yuan"] > 0
    for v in d["site_values"]:
        assert v["unit"] == "yuan/season" and v["spoilage_avoided_yuan"] > 0
