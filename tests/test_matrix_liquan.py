"""The value matrix of the shipped Liquan example: sources, scenarios, measured saving, CLI."""

from __future__ import annotations

import json
from importlib.resources import as_file, files
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from typer.testing import CliRunner

from helpers import DATA
from ruralflow.bundle import read_bundle
from ruralflow.bundle.io_tables import load_io_inputs
from ruralflow.cli import app
from ruralflow.domain import County, Economy, SourcedValue
from ruralflow.matrix import (
    SCENARIOS,
    IOInputs,
    MatrixError,
    MatrixOptions,
    MatrixResult,
    SpectralRadiusError,
    analyse,
)
from ruralflow.matrix import scenarios as scen


def _io(county: County) -> IOInputs:
    """The IO data of ``county`` from the shared data folder."""
    return load_io_inputs(county.economy, county.adcode, DATA)


@pytest.fixture(scope="module")
def example_path() -> Path:
    with as_file(files("ruralflow").joinpath("examples", "610425")) as p:
        return Path(p)


@pytest.fixture(scope="module")
def liquan(example_path: Path) -> County:
    return read_bundle(example_path)


@pytest.fixture(scope="module")
def result(liquan: County) -> MatrixResult:
    return analyse(liquan, MatrixOptions(), io=_io(liquan))


def with_params(county: County, **params: SourcedValue) -> County:
    e = county.economy
    econ = Economy(
        flows=e.flows,
        parameters={**e.parameters, **params},
        sector_shares=e.sector_shares,
        io_table=e.io_table,
        year=e.year,
    )
    return county.replace(economy=econ)


def test_every_coefficient_has_a_source_or_a_formula(result: MatrixResult) -> None:
    flows = result.flows
    assert flows == ("down_goods", "down_services", "up_products", "up_tourism")
    assert len(result.coefficients) == len(flows) ** 2
    for c in result.coefficients:
        assert c.formula or c.origin.strip(), c.key
        if c.formula:
            assert c.inputs, c.key
            for name, v in c.inputs:
                assert v.source.strip(), f"{c.key} input {name}"
        # the matrix holds exactly these values
        assert result.matrix[flows.index(c.source), flows.index(c.target)] == c.value
    links = {c.key for c in result.coefficients if c.is_link}
    assert {
        "up_products->down_goods",
        "down_goods->up_products",
        "up_products->up_tourism",
        "up_tourism->up_products",
    } <= links
    for name in flows:
        assert result.inputs.flows[name].source.strip()
    for name, p in result.inputs.params.items():
        assert p.source.strip(), name


def test_named_links_use_the_stated_formulas(result: MatrixResult) -> None:
    p = result.inputs.params
    up_down = result.coefficient("up_products", "down_goods")
    inputs = dict(up_down.inputs)
    want = (
        inputs["y_k"].value
        * p["rural_propensity_to_consume"].value
        * inputs["g"].value
        * p["online_share_of_goods_retail"].value
    )
    assert up_down.value == pytest.approx(want)
    assert "Type I household income" in inputs["y_k"].source
    assert 0.3 < inputs["y_k"].value < 0.6  # farm income share (VA001/GO ~0.43, plus rounds)
    logi = result.coefficient("down_goods", "up_products")
    s = dict(logi.inputs)["s"]
    assert s.is_assumption  # no planner saving passed: the documented default
    assert s.value == pytest.approx(0.0534 / 60.0)
    assert logi.value == pytest.approx(s.value * p["supply_response_elasticity"].value)
    brand = result.coefficient("up_products", "up_tourism")
    assert brand.value == p["brand_spillover_to_tourism"].value
    assert result.coefficient("down_services", "up_tourism").value == 0.0


def test_liquan_indicators(result: MatrixResult) -> None:
    ind = result.indicators
    assert ind.spectral_radius < 1
    assert np.all(ind.v >= ind.x)
    np.testing.assert_allclose(ind.x + ind.first_round + ind.higher_rounds, ind.v)
    assert 0 < ind.synergy_index < 1
    assert ind.goods_balance_ratio is not None and ind.goods_balance_ratio < 0.5
    assert ind.diagnosis.code == "down_heavy"
    assert "重下行轻上行" in ind.diagnosis.text_zh
    assert ind.key_link() is not None
    assert set(ind.elasticities) == {
        "total_value",
        "induced_value",
        "synergy_index",
        "balance_ratio",
        "goods_balance_ratio",
    }
    d = result.to_dict()
    json.dumps(d)
    assert d["indicators"]["diagnosis"]["code"] == "down_heavy"
    assert "重下行轻上行" in result.summary()


def test_liquan_county_io(result: MatrixResult) -> None:
    cio = result.county_io
    assert cio is not None and result.flow_effects is not None
    assert cio.table.label == "prov2017_27_陕西.csv"
    assert cio.method == "flq" and cio.delta.value == 0.3
    assert cio.county_share[0] == pytest.approx(1 / 107)  # 107 county-level units in Shaanxi
    assert cio.lam == pytest.approx(np.log2(1 + 1 / 107) ** 0.3)
    m = cio.county
    assert np.all(m.output_type1 >= 1)
    assert np.all(m.output_type2 >= m.output_type1)
    assert np.all(cio.reference.output_type1 >= m.output_type1 - 1e-12)  # FLQ: smaller county
    for e in result.flow_effects.values():
        assert e.output_type2 >= e.output_type1 >= e.local_content
        assert e.income_type2 >= e.income_type1
    keys = [k["code"] for k in cio.key_sectors()]
    assert keys == ["01", "06", "28", "29", "30"]


@pytest.mark.parametrize("name", [n for n in SCENARIOS if n != "bus_parcels"])
def test_scenarios_change_exactly_what_they_say(
    liquan: County, result: MatrixResult, name: str
) -> None:
    s = scen.get(name)
    new, changes, text, counterfactual = scen.apply(s, result.inputs, liquan)
    assert not counterfactual
    assert scen.diff(result.inputs, new) == list(s.targets)
    assert [(c.kind, c.key) for c in changes] == list(s.targets)
    assert text.strip() and "Changes only" in text
    sr = result.scenario(name)
    assert [(c.kind, c.key) for c in sr.changes] == list(s.targets)
    base = {c.key: c.value for c in result.coefficients}
    after = {c.key: c.value for c in sr.coefficients}
    changed_coefs = {k for k in base if base[k] != after[k]}
    kind, key = s.targets[0]
    if kind == "flow":
        assert changed_coefs == set()  # the matrix is untouched
        assert (
            sr.indicators.x[result.flows.index(key)] > result.indicators.x[result.flows.index(key)]
        )
        others = [i for i, f in enumerate(result.flows) if f != key]
        np.testing.assert_array_equal(sr.indicators.x[others], result.indicators.x[others])
    else:
        assert changed_coefs == {"down_goods->up_products"}
        np.testing.assert_array_equal(sr.indicators.x, result.indicators.x)
    assert sr.deltas["total_value"] is not None and sr.deltas["total_value"] > 0


def test_brand_and_training_scale_up_products_by_their_parameter(result: MatrixResult) -> None:
    x_up = result.inputs.flows["up_products"].value
    p = result.inputs.params
    brand = result.scenario("brand").changes[0]
    assert brand.after == pytest.approx(x_up * (1 + p["brand_premium"].value))
    training = result.scenario("training").changes[0]
    assert training.after == pytest.approx(x_up * (1 + p["training_seller_increase"].value))
    # no plan measured here: the bus scenario credits nothing (no free factor)
    bus = result.scenario("bus_parcels")
    assert bus.changes == () and bus.deltas["total_value"] == 0
    assert "no plan or season was measured" in bus.assumption
    cold = result.scenario("cold_hub").changes[0]
    assert x_up < cold.after < 1.35 * x_up  # ambient fruit loss 10-20 % -> cold chain < 5 %
    assert "freshness model" in cold.source


def test_measured_saving_number_and_plan(liquan: County) -> None:
    r = analyse(liquan, MatrixOptions(scenarios=(), logistics=0.004), io=_io(liquan))
    s = dict(r.coefficient("down_goods", "up_products").inputs)["s"]
    assert s.value == 0.004 and s.source.startswith("measured")
    plan = SimpleNamespace(saving_yuan=180.0, totals_in=SimpleNamespace(parcels=3000), day="D")
    r = analyse(liquan, MatrixOptions(scenarios=(), logistics=plan), io=_io(liquan))
    c = r.coefficient("down_goods", "up_products")
    s = dict(c.inputs)["s"]
    assert s.value == pytest.approx(180.0 / (3000 * 60.0))
    assert "ruralflow.logistics.plan" in s.source and not s.is_assumption
    assert c.value == pytest.approx(s.value * 0.3)
    no_cmp = SimpleNamespace(saving_yuan=None, totals_in=SimpleNamespace(parcels=3000))
    with pytest.raises(MatrixError, match="compare=True"):
        analyse(liquan, MatrixOptions(scenarios=(), logistics=no_cmp), io=_io(liquan))
    neg = SimpleNamespace(saving_yuan=-50.0, totals_in=SimpleNamespace(parcels=3000), day="D")
    r = analyse(liquan, MatrixOptions(scenarios=(), logistics=neg), io=_io(liquan))
    assert r.coefficient("down_goods", "up_products").value == 0.0


def test_spectral_radius_refusal_on_the_county(liquan: County) -> None:
    county = with_params(
        liquan,
        **{
            "coef.up_products.down_goods": SourcedValue(1.6, "yuan/yuan", "test"),
            "coef.down_goods.up_products": SourcedValue(0.8, "yuan/yuan", "test"),
        },
    )
    with pytest.raises(SpectralRadiusError) as e:
        analyse(county, MatrixOptions(scenarios=(), elasticities=False), io=_io(county))
    msg = str(e.value)
    assert e.value.radius >= 1
    assert "up_products -> down_goods = 1.6" in msg
    assert "down_goods -> up_products = 0.8" in msg


def test_flows_are_extensible_by_configuration(liquan: County) -> None:
    e = liquan.economy
    flows = {**e.flows, "up_services": SourcedValue(1e6, "yuan/year", "test")}
    params = {
        **e.parameters,
        "coef.up_services.down_goods": SourcedValue(0.05, "yuan/yuan", "test source"),
        "sector.up_services.38": SourcedValue(0.5, "share", "test mapping"),
    }
    econ = Economy(flows=flows, parameters=params, io_table=e.io_table, year=e.year)
    r = analyse(
        liquan.replace(economy=econ),
        MatrixOptions(scenarios=()),
        io=_io(liquan.replace(economy=econ)),
    )
    assert r.flows[-1] == "up_services"
    assert r.coefficient("up_services", "down_goods").value == 0.05
    assert r.coefficient("up_services", "down_goods").origin == "test source"
    assert r.mappings["up_services"].shares == {"38": 0.5}
    bad = Economy(flows={**e.flows, "sideways": SourcedValue(1.0, "yuan/year", "x")})
    with pytest.raises(MatrixError, match="'sideways' must start with"):
        analyse(
            liquan.replace(economy=bad),
            MatrixOptions(scenarios=()),
            io=_io(liquan.replace(economy=bad)),
        )


def test_without_io_table_falls_back_with_a_note(liquan: County) -> None:
    e = liquan.economy
    econ = Economy(flows=e.flows, parameters=e.parameters, io_table="", year=e.year)
    r = analyse(
        liquan.replace(economy=econ),
        MatrixOptions(scenarios=()),
        io=_io(liquan.replace(economy=econ)),
    )
    assert r.county_io is None and r.flow_effects is None
    assert any("IO model not built" in n for n in r.notes)
    y = dict(r.coefficient("up_products", "down_goods").inputs)["y_k"]
    assert "embedded" in y.source


def test_cli_matrix_json_and_scenario(example_path: Path) -> None:
    runner = CliRunner()
    res = runner.invoke(
        app,
        ["matrix", str(example_path), "--scenario", "brand", "--saving", "0.004", "--json"],
    )
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)
    assert [s["name"] for s in d["scenarios"]] == ["brand"]
    assert d["scenarios"][0]["changes"][0]["key"] == "up_products"
    assert len(d["coefficients"]) == 16
    assert d["logistics"]["basis"] == "given" and d["logistics"]["saving_per_yuan"] == 0.004
    res = runner.invoke(app, ["matrix", str(example_path), "--scenario", "nope"])
    assert res.exit_code == 2
    assert "unknown scenario 'nope'" in res.output
