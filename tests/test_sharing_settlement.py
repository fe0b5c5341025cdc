"""Exact settlement (issue 5 parts 1-2): contract terms, money, and property tests.

Properties (hypothesis): settlement conserves money exactly; a floor is never broken;
dividends are proportional to the stated basis; a fund's balance is contributions - payouts.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ruralflow.domain import FieldError
from ruralflow.sharing import (
    Contract,
    ContractBook,
    ContractBookError,
    ContractType,
    Delivery,
    Fund,
    Member,
    PriceLevel,
    PriceQuote,
    PriceTerms,
    Settlement,
    SettlementError,
    allocate,
    settle,
    to_fen,
)
from ruralflow.sharing.money import fmt_yuan, mul, to_fen_down
from ruralflow.sharing.settlement import PostingKind, fund_account

DAY0 = dt.date(2015, 9, 28)
D = Decimal


# --------------------------------------------------------------------------- money
def test_to_fen_rounds_half_up_and_allocate_is_exact() -> None:
    assert to_fen(D("0.005")) == 1
    assert to_fen(D("0.0049")) == 0
    assert to_fen(D("-0.005")) == -1
    assert to_fen(D("1234.565")) == 123457
    assert to_fen_down(D("0.0199")) == 1
    assert fmt_yuan(-123456) == "-1,234.56" and fmt_yuan(5, sign=True) == "+0.05"
    shares, rem = allocate(100, [D(1), D(1), D(1)])
    assert shares == [33, 33, 33] and rem == 1
    assert allocate(7, [D(0), D(0)]) == ([0, 0], 7)
    with pytest.raises(ValueError):
        allocate(-1, [D(1)])


@given(
    pool=st.integers(0, 10**9),
    weights=st.lists(st.integers(0, 10**6).map(lambda n: D(n) / 10), min_size=1, max_size=30),
)
def test_allocate_conserves_and_is_proportional(pool: int, weights: list[Decimal]) -> None:
    shares, rem = allocate(pool, weights)
    assert sum(shares) + rem == pool
    total = sum(weights, D(0))
    if total == 0:
        assert rem == pool
        return
    positive = sum(1 for w in weights if w > 0)
    assert 0 <= rem < max(1, positive)
    for s, w in zip(shares, weights, strict=True):
        exact = Fraction(pool) * Fraction(w) / Fraction(total)
        assert s <= exact < s + 1


# --------------------------------------------------------------------------- terms
@pytest.mark.parametrize(
    ("build", "field", "words"),
    [
        (
            lambda: Contract(
                "C",
                "apple",
                ContractType.ORDER_DIVIDEND,
                PriceTerms(fixed=D("2.7"), floor=D("3.0")),
            ),
            "floor_yuan_per_kg",
            "above the contract price",
        ),
        (
            lambda: Fund("F", D("0.1"), D("2.6"), D("0.2"), D("0.3"), D("0.4")),
            "fund_government_share",
            "sum to 1",
        ),
        (lambda: Member("C", "F01", contracted_kg=D("-5")), "contracted_kg", ">= 0"),
        (lambda: Delivery(DAY0, "F01", "apple", D("-1")), "kg", "> 0"),
        (lambda: Contract("C", "apple", ContractType.FLOOR), "floor_yuan_per_kg", "required"),
        (
            lambda: Contract("C", "apple", "barter"),  # type: ignore[arg-type]
            "type",
            "must be one of",
        ),
        (
            lambda: Contract("C", "apple", ContractType.SPOT, dividend_share=D("0.3")),
            "dividend_share",
            "not a term",
        ),
        (
            lambda: Contract(
                "C", "apple", ContractType.FLOOR, PriceTerms(floor=D("2.6"), cap=D("2.0"))
            ),
            "cap_yuan_per_kg",
            "below the floor",
        ),
        (
            lambda: Contract(
                "C",
                "apple",
                ContractType.ORDER_DIVIDEND,
                PriceTerms(fixed=D("2.7")),
                dividend_share=D("1.5"),
            ),
            "dividend_share",
            "<= 1",
        ),
    ],
)
def test_terms_validate_with_clear_errors(build: object, field: str, words: str) -> None:
    with pytest.raises(FieldError) as e:
        build()  # type: ignore[operator]
    assert e.value.field == field
    assert words in str(e.value)


def test_book_checks_members_against_contracts() -> None:
    c = Contract(
        "C1", "apple", ContractType.EQUITY, PriceTerms(floor=D("2.5")), dividend_share=D("0.3")
    )
    with pytest.raises(ContractBookError) as e:
        ContractBook((c,), (Member("C1", "F01"), Member("C9", "F02")), ())
    msgs = " ".join(str(p) for p in e.value.problems)
    assert "must be > 0 for equity" in msgs and "names no contract" in msgs
    with pytest.raises(ContractBookError, match="one contract per farmer"):
        ContractBook(
            (c, Contract("C2", "apple", ContractType.SPOT)),
            (Member("C1", "F01", shares=D(1)), Member("C2", "F01")),
        )


def test_price_rules() -> None:
    floor = PriceTerms(floor=D("2.60"), upside_share=D("0.5"))
    assert floor.price(D("2.00")) == D("2.60")
    assert floor.price(D("3.00")) == D("2.80")
    order = PriceTerms(fixed=D("2.70"))
    assert order.price(D("5")) == D("2.70") and order.price(D("1")) == D("2.70")
    collar = PriceTerms(floor=D("2.5"), upside_share=D(1), cap=D("3.0"))
    assert [collar.price(D(x)) for x in ("2", "2.8", "4")] == [D("2.5"), D("2.8"), D("3.0")]


# --------------------------------------------------------------------------- a hand example
def _small_case() -> tuple[ContractBook, list[Delivery], list[PriceQuote]]:
    fund = Fund("F1", D("0.15"), D("2.80"), opening_yuan=D("10"), cap_share=D("0.5"))
    contracts = (
        Contract("S", "apple", ContractType.SPOT, fund="F1"),
        Contract(
            "OD",
            "apple",
            ContractType.ORDER_DIVIDEND,
            PriceTerms(fixed=D("2.70")),
            dividend_share=D("0.3"),
            penalty_yuan_per_kg=D("0.2"),
        ),
    )
    members = (
        Member("S", "f1"),
        Member("OD", "f2", contracted_kg=D(1000)),
        Member("OD", "f3"),
    )
    deliveries = [
        Delivery(DAY0, "f1", "apple", D("100.5")),
        Delivery(DAY0, "f2", "apple", D("200"), "B"),
        Delivery(DAY0 + dt.timedelta(days=1), "f3", "apple", D("300")),
        Delivery(DAY0 + dt.timedelta(days=1), "f4", "apple", D("50")),
    ]
    prices = [
        PriceQuote(DAY0, "apple", D("5.00")),
        PriceQuote(DAY0 + dt.timedelta(days=1), "apple", D("6.00")),
    ]
    return ContractBook(contracts, members, (fund,)), deliveries, prices


def test_hand_example_to_the_fen() -> None:
    book, deliveries, prices = _small_case()
    s = settle(book, deliveries, prices)
    assert s.reconciles and s.floor_ok()
    rows = {r.farmer: r for r in s.farmer_rows}
    # f1 spot 100.5 kg at 2.50 (5.00 x 0.5) = 251.25; fund: 0.15 x 100.5 x 0.2 = 3.015 -> 3.02
    assert rows["f1"].purchase == 25125 and rows["f1"].contribution == -302
    # claim 100.5 x (2.80 - 2.50) = 30.15 yuan; balance 10 + 15.08 (3.02 + 4.52 + 7.54) -> the
    # cap pays at most 50 % of 25.08 = 12.54
    assert rows["f1"].payout == 1254
    assert s.fund_rows[0].capped_days == 1 and s.fund_rows[0].unpaid == 3015 - 1254
    # f2 order at 2.70, grade B 0.85: 200 x 2.295 = 459.00; penalty (1000-200) x 0.2 = 160
    assert rows["f2"].purchase == 45900 and rows["f2"].penalty == -16000
    # f4 has no contract: spot at 3.00
    assert rows["f4"].purchase == 15000 and rows["f4"].contract == "spot"
    margin, pool, rem = s.dividend_pools["OD"]
    assert pool == to_fen_down(mul(D("0.3"), D(margin) / 100))
    assert rows["f2"].dividend + rows["f3"].dividend + rem == pool
    text = s.statement("f2")
    assert "农户结算单" in text and "Farmer's settlement statement" in text
    assert "违约金" in text and "penalty" in text
    assert s.statement("f2", "en").startswith("Farmer's settlement statement")
    d = s.to_dict()
    assert d["reconciles"] and d["reconciliation_fen"] == {
        "ledger": 0,
        "sources_uses": 0,
        "funds": 0,
        "farmers": 0,
    }


def test_unpriced_and_ungraded_deliveries_are_listed() -> None:
    book, deliveries, prices = _small_case()
    bad = [
        *deliveries,
        Delivery(DAY0 + dt.timedelta(days=30), "f1", "apple", D(1)),
        Delivery(DAY0, "f1", "apple", D(1), "Z"),
    ]
    with pytest.raises(SettlementError) as e:
        settle(book, bad, prices)
    fields = sorted(p.field for p in e.value.problems)
    assert fields == ["day", "grade"]
    assert {p.index for p in e.value.problems} == {4, 5}


def test_price_lookup_uses_farm_gate_quote_or_latest_wholesale() -> None:
    book, deliveries, prices = _small_case()
    gate = PriceQuote(DAY0, "apple", D("2.10"), PriceLevel.FARM_GATE)
    s = settle(book, deliveries[:1], [*prices, gate])
    assert s.lines[0].market_yuan_per_kg == D("2.10")
    later = Delivery(DAY0 + dt.timedelta(days=5), "f1", "apple", D(10))
    s2 = settle(book, [later], prices)
    assert s2.lines[0].market_yuan_per_kg == D("3.00")  # the quote 4 days before x 0.5


# --------------------------------------------------------------------------- properties
money = st.integers(50, 2000).map(lambda n: D(n) / 100)
share = st.integers(0, 100).map(lambda n: D(n) / 100)


@st.composite
def contracts_st(draw: st.DrawFn, cid: str, fund: str) -> Contract:
    kind = draw(st.sampled_from(list(ContractType)))
    use_fund = draw(st.booleans()) and bool(fund)
    f = fund if use_fund else ""
    pen = draw(st.sampled_from([D(0), D("0.2"), D("0.35")]))
    if kind is ContractType.SPOT:
        return Contract(cid, "apple", kind, fund=f)
    if kind is ContractType.FLOOR:
        floor = draw(money)
        cap = draw(st.one_of(st.none(), money.map(lambda c: c + floor)))
        return Contract(
            cid,
            "apple",
            kind,
            PriceTerms(floor=floor, upside_share=draw(share), cap=cap),
            penalty_yuan_per_kg=pen,
            fund=f,
        )
    if kind is ContractType.ORDER_DIVIDEND:
        fixed = draw(money)
        order_floor: Decimal | None = draw(st.one_of(st.none(), st.just(fixed)))
        return Contract(
            cid,
            "apple",
            kind,
            PriceTerms(fixed=fixed, floor=order_floor, upside_share=draw(share)),
            dividend_share=draw(share),
            penalty_yuan_per_kg=pen,
            fund=f,
        )
    floor_eq = draw(st.one_of(st.none(), money))
    return Contract(
        cid,
        "apple",
        kind,
        PriceTerms(floor=floor_eq, upside_share=draw(share)),
        dividend_share=draw(share),
        guaranteed_yuan_per_share=draw(st.integers(0, 500).map(D)),
        penalty_yuan_per_kg=pen,
        fund=f,
    )


@st.composite
def cases(draw: st.DrawFn) -> tuple[ContractBook, list[Delivery], list[PriceQuote]]:
    fs = draw(st.integers(0, 100))
    bs = draw(st.integers(0, 100 - fs))
    fund = Fund(
        "FUND",
        contribution_yuan_per_kg=draw(st.integers(0, 500).map(lambda n: D(n) / 1000)),
        trigger_yuan_per_kg=draw(money),
        farmer_share=D(fs) / 100,
        buyer_share=D(bs) / 100,
        government_share=D(100 - fs - bs) / 100,
        payout_share=draw(share),
        cap_share=draw(st.integers(1, 100).map(lambda n: D(n) / 100)),
        opening_yuan=draw(st.integers(0, 5000).map(D)),
    )
    n_contracts = draw(st.integers(1, 4))
    contracts = [draw(contracts_st(f"C{i}", "FUND")) for i in range(n_contracts)]
    n_farmers = draw(st.integers(1, 7))
    members = []
    for i in range(n_farmers):
        k = draw(st.integers(-1, n_contracts - 1))  # -1: no contract
        if k < 0:
            continue
        c = contracts[k]
        members.append(
            Member(
                c.id,
                f"F{i}",
                shares=draw(st.integers(1, 100).map(lambda n: D(n) / 10))
                if c.type is ContractType.EQUITY
                else D(0),
                contracted_kg=draw(st.one_of(st.none(), st.integers(0, 5000).map(D))),
            )
        )
    deliveries = draw(
        st.lists(
            st.builds(
                Delivery,
                day=st.integers(0, 6).map(lambda d: DAY0 + dt.timedelta(days=d)),
                farmer=st.integers(0, n_farmers - 1).map(lambda i: f"F{i}"),
                product=st.just("apple"),
                kg=st.integers(1, 50000).map(lambda n: D(n) / 10),
                grade=st.sampled_from(["A", "B", "C"]),
            ),
            min_size=1,
            max_size=25,
        )
    )
    prices = [PriceQuote(DAY0 + dt.timedelta(days=d), "apple", draw(money) * 2) for d in range(7)]
    return ContractBook(tuple(contracts), tuple(members), (fund,)), deliveries, prices


PROPS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

Case = tuple[ContractBook, list[Delivery], list[PriceQuote]]


def conserves_money_exactly(book: ContractBook, s: Settlement) -> None:
    """Every transfer is whole fen; all identities reconcile to 0 fen."""
    del book
    assert all(isinstance(p.fen, int) and p.fen > 0 for p in s.postings)
    assert s.reconciliation() == {"ledger": 0, "sources_uses": 0, "funds": 0, "farmers": 0}
    # the same identity recomputed from the farmer rows and the postings, independently
    nets: dict[str, int] = defaultdict(int)
    for p in s.postings:
        nets[p.payer] -= p.fen
        nets[p.payee] += p.fen
    assert sum(nets.values()) == 0
    assert -nets["market"] + -nets["government"] == (
        sum(r.net for r in s.farmer_rows)
        + nets["buyer"]
        + nets[fund_account("FUND")]
        + nets["costs"]
        + nets["rounding"]
    )
    assert sum(ln.revenue_fen for ln in s.lines) == s.revenue


def floor_is_never_broken(book: ContractBook, s: Settlement) -> None:
    """No line under a guaranteed price pays less than the guarantee x the grade factor."""
    assert s.floor_ok()
    for ln in s.lines:
        if not ln.contract:
            continue
        g = book.contract(ln.contract).price.guaranteed
        if g is not None:
            assert ln.price_yuan_per_kg >= g
            assert ln.purchase_fen >= to_fen(mul(ln.delivery.kg, g, ln.grade_factor))


def dividends_are_proportional_to_the_stated_basis(book: ContractBook, s: Settlement) -> None:
    """Each member's dividend is within one fen below pool x basis / total basis."""
    paid: dict[tuple[str, str], int] = defaultdict(int)
    for p in s.postings:
        if p.kind is PostingKind.DIVIDEND:
            paid[(p.contract, p.farmer)] += p.fen
    delivered: dict[tuple[str, str], Decimal] = defaultdict(lambda: D(0))
    for ln in s.lines:
        if ln.contract:
            delivered[(ln.contract, ln.delivery.farmer)] += ln.delivery.kg
    for cid, (margin, pool, rem) in s.dividend_pools.items():
        c = book.contract(cid)
        assert pool == (to_fen_down(mul(c.dividend_share, D(margin) / 100)) if margin > 0 else 0)
        members = book.members_of(cid)
        basis = {
            m.farmer: (m.shares if c.dividend_basis == "shares" else delivered[(cid, m.farmer)])
            for m in members
        }
        total = sum(basis.values(), D(0))
        got = sum(paid[(cid, f)] for f in basis)
        assert got + rem == pool
        for f, b in basis.items():
            exact = Fraction(pool) * Fraction(b) / Fraction(total) if total else Fraction(0)
            assert paid[(cid, f)] <= exact < paid[(cid, f)] + 1


def fund_balance_is_contributions_minus_payouts(book: ContractBook, s: Settlement) -> None:
    """Closing = opening + contributions - payouts; payouts <= claims; never below zero."""
    del book
    acct = fund_account("FUND")
    contributions = sum(p.fen for p in s.postings if p.payee == acct)
    payouts = sum(p.fen for p in s.postings if p.payer == acct)
    (row,) = s.fund_rows
    assert row.contributed == contributions and row.paid == payouts
    assert row.closing == row.opening + contributions - payouts
    assert row.closing == row.opening + s.balance(acct)
    assert row.paid <= row.claims
    # never below zero: replay the day's contributions before its payouts
    balance = row.opening
    for day in sorted({p.day for p in s.postings if p.day is not None}):
        balance += sum(p.fen for p in s.postings if p.day == day and p.payee == acct)
        balance -= sum(p.fen for p in s.postings if p.day == day and p.payer == acct)
        assert balance >= 0


@PROPS
@given(cases())
def test_settlement_properties(case: Case) -> None:
    """Each generated season is settled once and checked for the four properties."""
    book, deliveries, prices = case
    s = settle(book, deliveries, prices)
    conserves_money_exactly(book, s)
    floor_is_never_broken(book, s)
    dividends_are_proportional_to_the_stated_basis(book, s)
    fund_balance_is_contributions_minus_payouts(book, s)
