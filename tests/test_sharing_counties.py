"""Contracts per product (issue 16 item 4): the farm economics of each lead product, the
cost-plus floor, and the verdict on the six example counties."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest
from typer.testing import CliRunner

from helpers import DATA
from ruralflow.bundle import write_bundle
from ruralflow.bundle.catalog import county_products
from ruralflow.bundle.make import make_county
from ruralflow.bundle.sharing_case import CountyCase, farm_economics, prepare
from ruralflow.cli import app
from ruralflow.domain import County
from ruralflow.sharing import Farm, simulate
from ruralflow.sharing.simulation import (
    POVERTY_SHARE_LIMIT,
    SimulationResult,
    cost_plus_floor,
    verdict,
)

SIX = ("610425", "420527", "410923", "511823", "371328", "620621")


@cache
def county(adcode: str) -> County:
    return make_county(adcode, data_dir=DATA, season_days=1)


def run(case: CountyCase, farm: Farm | None = None, paths: int = 3000) -> SimulationResult:
    return simulate(
        case.designs,
        case.model,
        case.season,
        paths=paths,
        seasons=2,
        seed=0,
        farm_gate_factor=case.farm_gate_factor,
        farm=farm or case.farm,
    )


def test_every_lead_product_has_sourced_farm_economics() -> None:
    rows = farm_economics()
    for adcode in SIX:
        lead = next(c for c in county_products()[adcode] if c.role == "lead")
        e = rows[lead.product]
        assert e.source, lead.product
        assert e.mu_range[0] <= e.mu_per_household <= e.mu_range[1]
        assert e.kg_per_mu_range[0] <= e.kg_per_mu <= e.kg_per_mu_range[1]
        farm = e.farm()
        assert farm.household_kg == pytest.approx(e.mu_per_household * e.kg_per_mu)
        assert farm.production_cost_yuan_per_kg == pytest.approx(
            e.cost_yuan_per_mu / e.kg_per_mu, abs=1e-4
        )
        assert "farm_economics.csv" in dict(farm.sources)["household_kg"]
    # products differ: the melon household is not the apple household any more
    assert rows["melon"].farm().household_kg != rows["apple"].farm().household_kg


def test_cost_plus_floor_is_the_poverty_price() -> None:
    farm = Farm(household_kg=8000, production_cost_yuan_per_kg=0.8)
    floor = cost_plus_floor(farm)
    assert floor == pytest.approx(0.8 + 4000 * 3 / 8000)
    assert (floor - farm.production_cost_yuan_per_kg) * farm.household_kg == pytest.approx(
        farm.poverty_line_yuan_per_person * farm.household_size
    )


@pytest.mark.parametrize("adcode", SIX)
def test_each_county_has_a_workable_design_or_says_why(adcode: str) -> None:
    case = prepare(county(adcode))
    e = farm_economics()[case.product]
    assert case.farm.household_kg == pytest.approx(e.household_kg)
    for d in case.designs:
        assert float(d.contract.buyer_cost_yuan_per_kg) == pytest.approx(e.buyer_cost_yuan_per_kg)
    result = run(case)
    v = verdict(result)
    for o in result.outcomes:
        st = o.stats()
        m, p = st["margin_mean"], st["poverty"]
        assert m is not None and p is not None
        works = m.value > 0 and p.value < POVERTY_SHARE_LIMIT
        assert (o.design.id in v.workable) == works, o.design.id
    assert v.workable or v.reasons
    assert bool(v.workable) != bool(v.reasons)
    if not v.workable:
        # the stated reason holds arithmetically
        c = v.chain
        assert "no split can work" in " ".join(v.reasons)
        assert c["chain_surplus_per_household"] < c["poverty_income_per_household"]
    text = result.summary()
    assert "verdict" in text and ("workable designs" in text or "原因 / why" in text)


def test_five_of_the_six_lead_products_have_a_workable_default_design() -> None:
    """Recorded in docs/contracts.md: Hanyuan pears cannot carry a 4-mu household."""
    works = {a: bool(verdict(run(prepare(county(a)), paths=1500)).workable) for a in SIX}
    assert works == {a: a != "511823" for a in SIX}


def test_farm_cost_above_farm_gate_price_is_named() -> None:
    case = prepare(county("620621"))
    dear = Farm(household_kg=25_000, production_cost_yuan_per_kg=3.0)
    v = verdict(run(case, farm=dear, paths=1000))
    assert not v.workable
    assert any("farm cost above farm-gate price" in r for r in v.reasons)
    assert any("no split can work" in r for r in v.reasons)


def test_cli_simulate_prints_the_verdict(tmp_path: Path) -> None:
    out = tmp_path / "620621"
    write_bundle(county("620621"), out)
    runner = CliRunner()
    args = ["contracts", "simulate", str(out), "--paths", "600", "--seasons", "1"]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "farm (farm_economics.csv): 8 mu" in res.output
    assert "可行方案 workable designs:" in res.output
    res = runner.invoke(app, [*args, "--json"])
    data = json.loads(res.output)
    assert data["verdict"]["workable"]
    assert data["farm"]["household_kg"] == 25_000
    assert "farm_economics.csv" in data["farm_sources"]["household_kg"]


def test_report_section_states_the_verdict() -> None:
    from ruralflow.report.sharing import sections

    html = sections(county("511823"))[0].html
    assert 'data-verdict="none"' in html and "no split can work" in html
    html = sections(county("620621"))[0].html
    assert 'data-verdict="workable"' in html and "floor_cost" in html
