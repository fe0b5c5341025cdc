"""Monte Carlo of contract designs (issue 5 part 4): reproducible, converging, consistent."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pytest

from helpers import DATA
from ruralflow.bundle.price_data import xinfadi_series
from ruralflow.sharing import (
    Contract,
    ContractType,
    Design,
    Farm,
    PriceModel,
    PriceTerms,
    Season,
    SideSelling,
    cheapest_contribution,
    compare,
    default_designs,
    fit_price_model,
    simulate,
)
from ruralflow.sharing.simulation import Stat, run_design, with_contribution

SEASON = Season((9, 20), 11, "apple harvest 09-20..11-30")
REF = 2.94  # reference farm-gate price of Fuji apples in Liquan's season (contracts prices)


@pytest.fixture(scope="module")
def model() -> PriceModel:
    return fit_price_model(xinfadi_series("apple_fuji", DATA))


def test_reproducible_for_a_seed(model: PriceModel) -> None:
    designs = default_designs("apple", REF)
    a = simulate(designs, model, SEASON, paths=1500, seasons=2, seed=7)
    b = simulate(designs, model, SEASON, paths=1500, seasons=2, seed=7)
    for oa, ob in zip(a.outcomes, b.outcomes, strict=True):
        assert np.array_equal(oa.income, ob.income)
        assert np.array_equal(oa.margin, ob.margin)
        if oa.fund_balance is not None:
            assert ob.fund_balance is not None
            assert np.array_equal(oa.fund_balance, ob.fund_balance)
    assert a.to_dict()["designs"] == b.to_dict()["designs"]


def test_converges_and_reports_standard_errors(model: PriceModel) -> None:
    designs = default_designs("apple", REF)[:2]
    small = simulate(designs, model, SEASON, paths=2000, seasons=1, seed=1)
    big = simulate(designs, model, SEASON, paths=8000, seasons=1, seed=2)
    for o_s, o_b in zip(small.outcomes, big.outcomes, strict=True):
        s, b = o_s.stats()["income_mean"], o_b.stats()["income_mean"]
        assert s is not None and b is not None
        assert 0 < b.se < s.se
        assert b.se == pytest.approx(s.se / 2, rel=0.25)  # 1/sqrt(n)
        assert abs(s.value - b.value) < 4 * math.hypot(s.se, b.se)  # same answer, other seed
    text = small.summary()
    assert "±" in text and "standard error" in text


def test_fund_balance_is_contributions_minus_payouts(model: PriceModel) -> None:
    d = default_designs("apple", REF)[-2]  # spot + fund
    assert d.fund is not None
    d = with_contribution(d, 0.2)
    assert d.fund is not None
    wholesale = model.simulate(SEASON.start, SEASON.weeks, 3000, seasons=3, seed=4)
    o = run_design(d, wholesale, farm_gate_factor=0.5)
    assert o.fund_balance is not None and o.contributions is not None and o.payouts is not None
    final = o.fund_balance[:, -1]
    opening = float(d.fund.opening_yuan)
    assert np.allclose(final, opening + o.contributions - o.payouts, rtol=0, atol=1e-6)
    assert np.all(o.fund_balance >= -1e-6)
    assert o.ruined is not None and o.ruined.dtype == bool


def test_a_floor_is_never_broken_in_simulation(model: PriceModel) -> None:
    floor = Decimal("2.65")
    d = Design(
        "floor",
        "保底",
        "floor",
        Contract("floor", "apple", ContractType.FLOOR, price=_terms(floor)),
    )
    farm = Farm()
    wholesale = model.simulate(SEASON.start, SEASON.weeks, 3000, seed=9)
    o = run_design(d, wholesale, farm_gate_factor=0.5, farm=farm, side=SideSelling(enabled=False))
    least = (float(floor) - farm.production_cost_yuan_per_kg) * farm.household_kg
    assert float(o.income.min()) >= least - 1e-6
    assert np.allclose(o.fulfilment, 1.0)


def _terms(floor: Decimal) -> PriceTerms:
    return PriceTerms(floor=floor, upside_share=Decimal(1))


def test_side_selling_is_calibrated_to_params(model: PriceModel) -> None:
    """A plain fixed-price order at the seasonal price fulfils 20-60 % (PARAMS.md s4)."""
    plain = Design(
        "plain",
        "订单",
        "order",
        Contract(
            "plain", "apple", ContractType.ORDER_DIVIDEND, PriceTerms(fixed=Decimal(f"{REF:.2f}"))
        ),
    )
    wholesale = model.simulate(SEASON.start, SEASON.weeks, 4000, seasons=1, seed=11)
    f = float(run_design(plain, wholesale, farm_gate_factor=0.5).fulfilment.mean())
    assert 0.2 <= f <= 0.6
    # a floor with the market above it keeps more members than the fixed price
    fm = default_designs("apple", REF)[2]
    assert float(run_design(fm, wholesale, farm_gate_factor=0.5).fulfilment.mean()) > f


def _value(s: Stat | None) -> float:
    assert s is not None
    return s.value


def test_comparison_ranks_viable_designs_first(model: PriceModel) -> None:
    result = simulate(default_designs("apple", REF), model, SEASON, paths=2000, seed=3)
    table = compare(result, rank_by="p5", ruin_target=0.05)
    assert "viable designs first" in table.criterion and "P5" in table.criterion
    viable = [r.viable for r in table.rows]
    assert viable == sorted(viable, reverse=True)
    p5 = [_value(r.stats["income_p5"]) for r in table.rows if r.viable]
    assert p5 == sorted(p5, reverse=True)
    spot = next(r for r in table.rows if r.design.id == "spot")
    assert spot.stats["fulfilment_mean"] is None
    assert "no: " in table.summary() or all(viable)
    by_mean = compare(result, rank_by="mean")
    means = [_value(r.stats["income_mean"]) for r in by_mean.rows if r.viable]
    assert means == sorted(means, reverse=True)
    with pytest.raises(ValueError):
        compare(result, rank_by="luck")  # type: ignore[arg-type]


def test_cheapest_contribution_meets_the_target(model: PriceModel) -> None:
    d = default_designs("apple", REF)[-2]
    wholesale = model.simulate(SEASON.start, SEASON.weeks, 3000, seasons=3, seed=5)
    found = cheapest_contribution(d, wholesale, target=0.05, farm_gate_factor=0.5)
    assert found.found and found.contribution_yuan_per_kg is not None
    assert found.ruin is not None and found.ruin.value <= 0.05
    below = [c for c, r in found.evaluations if r > 0.05]
    assert below and max(below) < found.contribution_yuan_per_kg
    assert found.contribution_yuan_per_kg - max(below) <= 0.0011
    assert found.premium_rate is not None and 0 < found.premium_rate < 1
    assert "cheapest contribution" in found.summary()
    # the default 6 % premium is cheaper and ruins more often
    assert d.fund is not None
    assert float(d.fund.contribution_yuan_per_kg) < found.contribution_yuan_per_kg


def test_default_designs_cover_the_four_contract_types() -> None:
    designs = default_designs("apple", REF)
    kinds = {d.contract.type.value for d in designs}
    assert kinds == {"spot", "floor", "order_dividend", "equity"}
    assert sum(d.fund is not None for d in designs) == 2
    assert len({d.id for d in designs}) == len(designs)
