"""The preprocess engine (issue 18): bills reconcile to the fen, the channel MILP's objective
is its assignments' value and respects capacity, grade and product, the name check flags bare
"region + category" names, grading and the queue behave."""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ruralflow.bundle import read_bundle
from ruralflow.domain import County, FieldError
from ruralflow.preprocess import (
    Channel,
    Lot,
    Order,
    PreprocessError,
    Service,
    UnknownServiceError,
    bill,
    check_names,
    grade,
    match,
    meets,
    plan_value,
    precooling_value,
    schedule,
)
from ruralflow.preprocess.queue import Centre

LIQUAN = Path(__file__).resolve().parents[1] / "src" / "ruralflow" / "examples" / "610425"
DAY = dt.date(2025, 10, 13)
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

money = st.decimals(min_value=0, max_value=500, places=2, allow_nan=False, allow_infinity=False)
kgs = st.decimals(min_value=0, max_value=5000, places=1, allow_nan=False, allow_infinity=False)


@st.composite
def fee_tables(draw: st.DrawFn) -> list[Service]:
    n = draw(st.integers(1, 4))
    return [
        Service(f"s{i}", f"service {i}", draw(money), draw(money) / 100, draw(money))
        for i in range(n)
    ]


@pytest.fixture(scope="module")
def liquan() -> County:
    return read_bundle(LIQUAN)


def _exact_line(s: Service, kg: Decimal) -> int:
    """The formula of the issue in exact fractions, rounded half up by hand."""
    amount = max(
        Fraction(s.min_yuan), Fraction(s.per_order_yuan) + Fraction(s.per_kg_yuan) * Fraction(kg)
    )
    return int(
        (Decimal(amount.numerator) / Decimal(amount.denominator) * 100).quantize(
            Decimal(1), rounding=ROUND_HALF_UP
        )
    )


@FAST
@given(fees=fee_tables(), data=st.data())
def test_every_bill_reconciles_to_the_fen(fees: list[Service], data: st.DataObject) -> None:
    """Each line is the formula rounded half up once; each bill is the sum of its lines; the
    season's total is the sum of the bills."""
    ids = [s.id for s in fees]
    orders = [
        Order(
            f"O{i}",
            DAY,
            f"F{i % 3}",
            "C1",
            "apple",
            data.draw(kgs),
            tuple(data.draw(st.lists(st.sampled_from(ids), min_size=1, unique=True))),
        )
        for i in range(data.draw(st.integers(1, 8)))
    ]
    b = bill(orders, fees)
    by_id = {s.id: s for s in fees}
    for inv in b.invoices:
        assert [line.service for line in inv.lines] == list(inv.order.services)
        for line in inv.lines:
            assert line.fen == _exact_line(by_id[line.service], inv.order.kg)
            assert line.fen >= int(by_id[line.service].min_yuan * 100)
        assert inv.total_fen == sum(line.fen for line in inv.lines)
        assert inv.to_dict()["total_fen"] == sum(x["fen"] for x in inv.to_dict()["lines"])
    d = b.to_dict()
    assert set(d) == {"invoices", "total_fen"}
    assert d["total_fen"] == sum(i["total_fen"] for i in d["invoices"])
    assert sum(sum(i.total_fen for i in b.of_farmer(f)) for f in b.farmers()) == b.total_fen


def test_a_line_rounds_half_up_and_respects_the_minimum() -> None:
    s = Service("grading", "分级", Decimal("5"), Decimal("0.085"), Decimal("6"))
    b = bill([Order("O1", DAY, "F1", "C", "apple", Decimal("1"), ("grading",))], [s])
    assert b.invoices[0].lines[0].fen == 600  # 5.085 < min 6
    b = bill([Order("O1", DAY, "F1", "C", "apple", Decimal("13"), ("grading",))], [s])
    assert b.invoices[0].lines[0].fen == 611  # 5 + 1.105 = 6.105 -> 6.11 (half up)


def test_unknown_services_and_negative_kg_are_refused() -> None:
    s = Service("grading", "分级", Decimal("5"), Decimal("0.08"), Decimal("6"))
    with pytest.raises(UnknownServiceError, match="packing"):
        bill([Order("O1", DAY, "F1", "C", "apple", Decimal("1"), ("packing",))], [s])
    with pytest.raises(FieldError, match="kg"):
        Order("O1", DAY, "F1", "C", "apple", Decimal("-1"), ("grading",))


# --------------------------------------------------------------------------- channels
products = st.sampled_from(["apple", "kiwi"])
grades = st.sampled_from(["A", "B", "C"])


@st.composite
def markets(draw: st.DrawFn) -> tuple[list[Lot], list[Channel]]:
    lots = [
        Lot(f"L{i}", "C1", draw(products), draw(grades), draw(st.integers(0, 3000)) / 10)
        for i in range(draw(st.integers(1, 6)))
    ]
    channels = [
        Channel(
            f"C{j}",
            f"channel {j}",
            draw(st.sampled_from(["wholesale", "live_stream", "export"])),
            draw(products),
            draw(grades),
            draw(st.integers(0, 3000)) / 10,
            draw(st.integers(0, 800)) / 100,
            draw(st.integers(0, 300)) / 100,
            float(draw(st.integers(0, 400))),
        )
        for j in range(draw(st.integers(1, 5)))
    ]
    return lots, channels


@FAST
@given(market=markets())
def test_the_channel_plan_is_feasible_and_its_objective_is_its_value(
    market: tuple[list[Lot], list[Channel]],
) -> None:
    """The objective equals the value recomputed from the printed assignments, which respect
    each lot's kg, each channel's capacity, product and grade; the status is proven."""
    lots, channels = market
    plan = match(lots, channels)
    assert plan.status == "optimal"
    assert plan.gap is not None and plan.gap <= 1e-6
    lot = {x.id: x for x in lots}
    ch = {c.id: c for c in channels}
    d = plan.to_dict()
    assert {"status", "objective_yuan", "assignments"} <= set(d)
    recomputed = 0.0
    used = set()
    for a in d["assignments"]:
        assert set(a) == {"lot", "channel", "kg"} and a["kg"] > 0
        lo, c = lot[a["lot"]], ch[a["channel"]]
        assert lo.product == c.product and meets(lo.grade, c.min_grade)
        recomputed += (c.price_yuan_per_kg - c.transport_yuan_per_kg) * a["kg"]
        used.add(c.id)
    recomputed -= sum(ch[c].fixed_yuan for c in used)
    assert d["objective_yuan"] == pytest.approx(recomputed, abs=1e-5)
    assert plan.objective_yuan == pytest.approx(plan_value(plan.assignments, channels), abs=1e-6)
    for c in channels:
        assert plan.kg_by_channel().get(c.id, 0.0) <= c.capacity_kg + 1e-6
    for x in lots:
        assert sum(a.kg for a in plan.assignments if a.lot == x.id) <= x.kg + 1e-6
    assert plan.objective_yuan >= -1e-9  # sending nothing is always feasible


def test_the_milp_pays_a_fixed_cost_only_when_it_is_worth_it() -> None:
    lots = [Lot("L1", "C", "apple", "A", 100.0)]
    dear = Channel("X", "export", "export", "apple", "A", 1000, 10.0, 1.0, 1000.0)
    cheap = Channel("W", "wholesale", "wholesale", "apple", "C", 1000, 3.0, 0.5, 0.0)
    plan = match(lots, [dear, cheap])
    assert [(a.channel, a.kg) for a in plan.assignments] == [("W", 100.0)]
    assert plan.objective_yuan == pytest.approx(250.0)
    big = [Lot("L1", "C", "apple", "A", 1000.0)]
    assert {a.channel for a in match(big, [dear, cheap]).assignments} == {"X"}


def test_a_lower_grade_never_reaches_a_demanding_channel() -> None:
    plan = match(
        [Lot("L1", "C", "apple", "C", 50.0)],
        [Channel("S", "shop", "supermarket", "apple", "B", 100, 9.0)],
    )
    assert plan.assignments == () and plan.objective_yuan == 0.0


def test_duplicate_ids_are_refused() -> None:
    lot = Lot("L1", "C", "apple", "A", 1.0)
    with pytest.raises(PreprocessError, match="L1"):
        match([lot, lot], [])


# --------------------------------------------------------------------------- names
def test_the_name_check_flags_liquan_apples_and_not_a_coined_name(liquan: County) -> None:
    got = {n.name: n for n in check_names(["礼泉苹果", "秦岭晨露", "烟霞镇苹果"], liquan).names}
    assert got["礼泉苹果"].region_category and got["礼泉苹果"].place == "礼泉"
    assert got["烟霞镇苹果"].region_category
    assert "烟霞镇苹果" in got["礼泉苹果"].similar_to  # same category, place only differs
    assert not got["秦岭晨露"].region_category and not got["秦岭晨露"].similar_to
    assert got["礼泉苹果"].suggestions and not got["秦岭晨露"].suggestions


@settings(max_examples=40, deadline=None)
@given(coined=st.text(alphabet=st.sampled_from("晨露星河锦绣云端青禾"), min_size=2, max_size=5))
def test_coined_names_are_not_region_category(coined: str, liquan: County) -> None:
    """Coined names (no place of the county, no category word) are never flagged on Liquan,
    nor is a coined prefix before a category word."""
    assert not check_names([coined], liquan).names[0].region_category
    assert not check_names([coined + "苹果"], liquan).names[0].region_category


@settings(max_examples=30, deadline=None)
@given(word=st.sampled_from(["苹果", "红富士苹果", "猕猴桃", "花椒", "蜜桃"]))
def test_any_county_place_plus_category_is_flagged(word: str, liquan: County) -> None:
    for place in ("礼泉", "礼泉县", "烟霞镇", "骏马", "东关村"):
        assert check_names([place + word], liquan).names[0].region_category, place + word


# --------------------------------------------------------------------------- grading, queue
def _orders(n: int, kg: str = "500", services: tuple[str, ...] = ("grading",)) -> list[Order]:
    return [
        Order(f"O{i}", DAY, f"F{i % 2}", "C", "apple", Decimal(kg), services, 8 * 60)
        for i in range(n)
    ]


GRADING = Service("grading", "分级", Decimal("5"), Decimal("0.08"), Decimal("6"), 800.0)


def test_grading_shows_graded_versus_ungraded_net_of_fees() -> None:
    b = bill(_orders(4), [GRADING])
    g = grade(b, {"apple": Decimal("2.85")})
    season = g.to_dict()["season"]
    assert season["ungraded_fen"] == 4 * 142500  # 500 kg x 2.85
    # 0.35 x 1.40 + 0.45 x 1.05 + 0.20 x 0.60 = 1.0825 -> 500 x 2.85 x 1.0825 = 1542.5625
    assert season["graded_fen"] == 4 * (to_fen("698.25") + to_fen("673.3125") + to_fen("171"))
    assert season["grading_fee_fen"] == 4 * 4500
    assert season["net_gain_fen"] == (
        season["graded_fen"] - season["ungraded_fen"] - season["grading_fee_fen"]
    )
    assert [f.farmer for f in g.farmers] == ["F0", "F1"]


def to_fen(text: str) -> int:
    return int((Decimal(text) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def test_an_overloaded_centre_shows_up_as_spoilage(liquan: County) -> None:
    centre = Centre("c", {"grading": 800.0})
    temps = [25.0] * 12
    light = schedule(_orders(2), centre, liquan.product_by_id, temps)
    heavy = schedule(_orders(24), centre, liquan.product_by_id, temps)
    assert light.figures()["max_wait_min"] < heavy.figures()["max_wait_min"]
    assert heavy.figures()["wait_loss_yuan"] > light.figures()["wait_loss_yuan"] >= 0
    assert heavy.figures()["carried_over"] >= 1  # 24 x 500 kg at 800 kg/h > 12 h open
    waits = [s.wait_min for s in heavy.slots]
    assert waits == sorted(waits) and math.isclose(waits[1], 500 / 800 * 60)


def test_precooling_avoids_spoilage(liquan: County) -> None:
    got = precooling_value(_orders(3, services=("precooling",)), liquan.product_by_id, [20.0] * 12)
    assert got.orders == 3 and got.avoided_yuan > 0


def test_line_capacity_and_load_are_the_numbers_siting_needs() -> None:
    centre = Centre("c", {"grading": 800.0, "precooling": 1500.0})
    assert centre.capacity_kg_per_day("grading") == 800.0 * 12
    assert centre.capacity_kg_per_day() == 800.0 * 12  # the slowest line
    load = centre.load(_orders(24))
    assert load["grading_peak_kg_per_day"] == 24 * 500.0
    assert load["grading_peak_utilisation"] == pytest.approx(12000 / 9600)
    assert "precooling_peak_kg_per_day" not in load
