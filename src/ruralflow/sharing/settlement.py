"""Exact settlement of a season: every farmer's payout line by line, the buyer's margin, the funds.

Front door: :func:`settle` ``(book, deliveries, prices) -> Settlement``.

Money is integer fen throughout (see :mod:`ruralflow.sharing.money` for the rounding rule).
The settlement is a double-entry ledger of :class:`Posting` s between named accounts:

``market``       the buyer's customers (resale revenue comes from here)
``costs``        the buyer's service providers (grading, packing, transport, ...)
``government``   the county government (its fund contribution share)
``buyer``        the buyer (lead firm, cooperative or platform)
``farmer:<id>``  each farmer
``fund:<id>``    each price-risk fund
``rounding``     舍入尾差账户: the fen left over when a pool is split, held by the buyer for
                 the farmers and carried to the next season

Order of events: deliveries are settled in day order (revenue, handling cost, purchase payment,
fund contributions); at the end of each day each fund pays that day's claims (after the day's
contributions); at the end of the season the buyer pays guaranteed income (equity), collects
penalties on undelivered contracted kg, and pays dividends out of each contract's margin.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from functools import cached_property
from typing import Any

from ruralflow.domain import FieldError, Problem
from ruralflow.domain._check import ident, text
from ruralflow.sharing.contracts import (
    DEFAULT_BUYER_COST_YUAN_PER_KG,
    DEFAULT_GRADE_FACTORS,
    Contract,
    ContractBook,
    ContractType,
    Fund,
    Member,
    _dec,
)
from ruralflow.sharing.errors import SharingError
from ruralflow.sharing.money import (
    ROUNDING_RULE,
    ZERO,
    allocate,
    fmt_yuan,
    mul,
    to_fen,
    to_fen_down,
)

#: Farm-gate price = wholesale (Xinfadi) price x this factor when only a wholesale quote is
#: known (assumption, the same factor as ``ruralflow.bundle.make.FARM_GATE_FACTOR``).
DEFAULT_FARM_GATE_FACTOR = Decimal("0.5")
FARM_GATE_SOURCE = (
    "assumption: farm-gate price = 0.5 x Xinfadi wholesale (transport, grading, packing and "
    "traders' margins take about half; as in ruralflow.bundle.make)"
)
#: A delivery on a day without a quote uses the latest quote at most this many days before
#: (terminal markets skip some days: holidays, scraper gaps).
MAX_PRICE_GAP_DAYS = 7


class PriceLevel(StrEnum):
    FARM_GATE = "farm_gate"
    WHOLESALE = "wholesale"


@dataclass(frozen=True, slots=True)
class Delivery:
    """One lot delivered by a farmer: day, product, kg (> 0), quality grade, and optionally the
    buyer's actual resale revenue of the lot (otherwise kg x wholesale price x grade factor)."""

    day: dt.date
    farmer: str
    product: str
    kg: Decimal
    grade: str = "A"
    revenue_yuan: Decimal | None = None

    def __post_init__(self) -> None:
        ident("Delivery", "farmer", self.farmer)
        owner = f"Delivery of {self.farmer!r} on {self.day}"
        ident(owner, "product", self.product)
        object.__setattr__(self, "kg", _dec(owner, "kg", self.kg, strict_min=True))
        text(owner, "grade", self.grade)
        if self.revenue_yuan is not None:
            object.__setattr__(
                self, "revenue_yuan", _dec(owner, "revenue_yuan", self.revenue_yuan)
            )


@dataclass(frozen=True, slots=True)
class PriceQuote:
    """A market price of a product on a day (yuan/kg), at the farm gate or wholesale."""

    day: dt.date
    product: str
    yuan_per_kg: Decimal
    level: PriceLevel = PriceLevel.WHOLESALE
    source: str = "assumption"

    def __post_init__(self) -> None:
        owner = f"Price of {self.product!r} on {self.day}"
        ident("Price", "product", self.product)
        object.__setattr__(
            self, "yuan_per_kg", _dec(owner, "yuan_per_kg", self.yuan_per_kg, strict_min=True)
        )
        if not isinstance(self.level, PriceLevel):
            try:
                object.__setattr__(self, "level", PriceLevel(str(self.level).strip()))
            except ValueError:
                raise FieldError(
                    owner, "level", self.level, "must be farm_gate or wholesale"
                ) from None


class SettlementError(SharingError):
    """A season cannot be settled; ``problems`` lists every delivery that cannot be priced."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        more = f"; and {len(problems) - 5} more" if len(problems) > 5 else ""
        super().__init__(
            f"settlement has {len(problems)} problem(s): "
            + "; ".join(str(p) for p in problems[:5])
            + more
        )


@dataclass(frozen=True)
class PriceBook:
    """Quotes by product and level, with the lookup rule of a settlement day."""

    quotes: tuple[PriceQuote, ...]
    farm_gate_factor: Mapping[str, Decimal] = field(default_factory=dict)
    default_factor: Decimal = DEFAULT_FARM_GATE_FACTOR
    max_gap_days: int = MAX_PRICE_GAP_DAYS

    @cached_property
    def _series(self) -> dict[tuple[str, PriceLevel], tuple[list[dt.date], list[Decimal]]]:
        acc: dict[tuple[str, PriceLevel], dict[dt.date, Decimal]] = defaultdict(dict)
        for q in self.quotes:
            acc[(q.product, q.level)][q.day] = q.yuan_per_kg
        return {k: (sorted(v), [v[d] for d in sorted(v)]) for k, v in acc.items()}

    def factor(self, product: str) -> Decimal:
        return self.farm_gate_factor.get(product, self.default_factor)

    def _quote(self, product: str, level: PriceLevel, day: dt.date) -> tuple[Decimal, dt.date]:
        days, values = self._series.get((product, level), ([], []))
        i = bisect_right(days, day) - 1
        if i < 0 or (day - days[i]).days > self.max_gap_days:
            raise KeyError((product, level, day))
        return values[i], days[i]

    def farm_gate(self, product: str, day: dt.date) -> tuple[Decimal, str]:
        """(farm-gate yuan/kg, how it was found) for ``day``; ``KeyError`` when none."""
        try:
            v, d = self._quote(product, PriceLevel.FARM_GATE, day)
            return v, f"farm-gate quote {d}"
        except KeyError:
            pass
        w, d = self._quote(product, PriceLevel.WHOLESALE, day)
        f = self.factor(product)
        return mul(w, f), f"wholesale {d} x {f}"

    def wholesale(self, product: str, day: dt.date) -> Decimal:
        """Resale (wholesale) yuan/kg on ``day``: a wholesale quote, or farm-gate / factor."""
        try:
            return self._quote(product, PriceLevel.WHOLESALE, day)[0]
        except KeyError:
            pass
        v, _ = self._quote(product, PriceLevel.FARM_GATE, day)
        return v / self.factor(product)


class PostingKind(StrEnum):
    REVENUE = "revenue"
    BUYER_COST = "buyer_cost"
    PURCHASE = "purchase"
    CONTRIBUTION = "contribution"
    PAYOUT = "payout"
    GUARANTEED = "guaranteed"
    PENALTY = "penalty"
    DIVIDEND = "dividend"
    ROUNDING = "rounding"


KIND_LABEL = {
    PostingKind.REVENUE: ("销售收入", "resale revenue"),
    PostingKind.BUYER_COST: ("收购方费用", "buyer's handling cost"),
    PostingKind.PURCHASE: ("收购款", "purchase payment"),
    PostingKind.CONTRIBUTION: ("基金缴费", "fund contribution"),
    PostingKind.PAYOUT: ("基金补偿", "fund payout"),
    PostingKind.GUARANTEED: ("保底收益", "guaranteed income"),
    PostingKind.PENALTY: ("违约金", "penalty"),
    PostingKind.DIVIDEND: ("分红", "dividend"),
    PostingKind.ROUNDING: ("舍入尾差", "rounding remainder"),
}

MARKET, COSTS, GOVERNMENT, BUYER, ROUNDING = "market", "costs", "government", "buyer", "rounding"


def farmer_account(farmer: str) -> str:
    return f"farmer:{farmer}"


def fund_account(fund: str) -> str:
    return f"fund:{fund}"


@dataclass(frozen=True, slots=True)
class Posting:
    """``fen`` moved from ``payer`` to ``payee`` (both account names); ``line`` is the index of
    the delivery line it belongs to (None for season-end postings)."""

    kind: PostingKind
    payer: str
    payee: str
    fen: int
    day: dt.date | None = None
    farmer: str = ""
    contract: str = ""
    line: int | None = None
    memo: str = ""


@dataclass(frozen=True, slots=True)
class DeliveryLine:
    """A delivery as settled: the contract it fell under, prices used and amounts (fen)."""

    index: int
    delivery: Delivery
    contract: str
    market_yuan_per_kg: Decimal
    price_note: str
    resale_yuan_per_kg: Decimal
    price_yuan_per_kg: Decimal
    grade_factor: Decimal
    purchase_fen: int
    revenue_fen: int
    cost_fen: int
    contribution_fen: Mapping[str, int]
    claim_fen: int = 0


@dataclass(frozen=True, slots=True)
class FarmerRow:
    """One farmer's season in the settlement table (amounts in fen, signed from the farmer's
    side: contributions and penalties negative)."""

    farmer: str
    name: str
    contract: str
    type: str
    kg: Decimal
    contracted_kg: Decimal | None
    purchase: int
    contribution: int
    payout: int
    guaranteed: int
    dividend: int
    penalty: int

    @property
    def net(self) -> int:
        return (
            self.purchase
            + self.contribution
            + self.payout
            + self.guaranteed
            + self.dividend
            + self.penalty
        )

    @property
    def fulfilment(self) -> float | None:
        if self.contracted_kg is None or self.contracted_kg <= 0:
            return None
        return float(min(self.kg / self.contracted_kg, Decimal(1)))


@dataclass(frozen=True, slots=True)
class FundRow:
    fund: str
    opening: int
    contributions: Mapping[str, int]
    payouts_farmers: int
    payouts_buyer: int
    claims: int
    capped_days: int

    @property
    def contributed(self) -> int:
        return sum(self.contributions.values())

    @property
    def paid(self) -> int:
        return self.payouts_farmers + self.payouts_buyer

    @property
    def closing(self) -> int:
        return self.opening + self.contributed - self.paid

    @property
    def unpaid(self) -> int:
        return self.claims - self.paid


@dataclass(frozen=True)
class Settlement:
    """A settled season: delivery lines, the ledger, per-farmer rows, funds, reconciliation."""

    book: ContractBook
    lines: tuple[DeliveryLine, ...]
    postings: tuple[Posting, ...]
    fund_rows: tuple[FundRow, ...]
    dividend_pools: Mapping[str, tuple[int, int, int]]  # contract -> (margin, pool, remainder)
    rounding_rule: str = ROUNDING_RULE
    place_names: Mapping[str, str] = field(default_factory=dict)  # village id -> name

    # ------------------------------------------------------------------ balances
    @cached_property
    def balances(self) -> dict[str, int]:
        """Net fen per account (received - paid); sums to 0 over all accounts."""
        out: dict[str, int] = defaultdict(int)
        for p in self.postings:
            out[p.payer] -= p.fen
            out[p.payee] += p.fen
        return dict(out)

    def balance(self, account: str) -> int:
        return self.balances.get(account, 0)

    @cached_property
    def farmers(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for ln in self.lines:
            seen.setdefault(ln.delivery.farmer, None)
        for m in self.book.members:
            seen.setdefault(m.farmer, None)
        return tuple(seen)

    def _member(self, farmer: str) -> tuple[Contract, Member] | None:
        for m in self.book.members:
            if m.farmer == farmer:
                return self.book.contract(m.contract), m
        return None

    @cached_property
    def farmer_rows(self) -> tuple[FarmerRow, ...]:
        sums: dict[tuple[str, PostingKind], int] = defaultdict(int)
        for p in self.postings:
            for acc, sign in ((p.payee, 1), (p.payer, -1)):
                if acc.startswith("farmer:"):
                    sums[(acc[7:], p.kind)] += sign * p.fen
        kg: dict[str, Decimal] = defaultdict(lambda: ZERO)
        contracts: dict[str, set[str]] = defaultdict(set)
        for ln in self.lines:
            kg[ln.delivery.farmer] += ln.delivery.kg
            contracts[ln.delivery.farmer].add(ln.contract or "spot")
        rows: list[FarmerRow] = []
        for f in self.farmers:
            cm = self._member(f)
            name = cm[1].name if cm else ""
            cids = sorted(contracts.get(f, set()) | ({cm[0].id} if cm else set()))
            types = sorted(
                {self.book.contract(c).type.value for c in cids if c != "spot"}
                | ({"spot"} if "spot" in cids else set())
            )
            contracted: Decimal | None = None
            for m in self.book.members:
                if m.farmer == f and m.contracted_kg is not None:
                    contracted = (contracted or ZERO) + m.contracted_kg
            rows.append(
                FarmerRow(
                    farmer=f,
                    name=name,
                    contract=";".join(cids),
                    type=";".join(types),
                    kg=kg.get(f, ZERO),
                    contracted_kg=contracted,
                    purchase=sums[(f, PostingKind.PURCHASE)],
                    contribution=sums[(f, PostingKind.CONTRIBUTION)],
                    payout=sums[(f, PostingKind.PAYOUT)],
                    guaranteed=sums[(f, PostingKind.GUARANTEED)],
                    dividend=sums[(f, PostingKind.DIVIDEND)],
                    penalty=sums[(f, PostingKind.PENALTY)],
                )
            )
        return tuple(rows)

    # ------------------------------------------------------------------ totals
    def _total(self, kind: PostingKind, payer: str | None = None, payee: str | None = None) -> int:
        return sum(
            p.fen
            for p in self.postings
            if p.kind is kind
            and (payer is None or p.payer == payer)
            and (payee is None or p.payee == payee)
        )

    @property
    def revenue(self) -> int:
        return self._total(PostingKind.REVENUE)

    @property
    def buyer_costs(self) -> int:
        return self._total(PostingKind.BUYER_COST)

    @property
    def buyer_margin(self) -> int:
        """The buyer's net: revenue - costs - purchases - its contributions - guaranteed income
        - dividends - rounding remainders + penalties + fund payouts to it."""
        return self.balance(BUYER)

    @property
    def farmer_income(self) -> int:
        return sum(r.net for r in self.farmer_rows)

    @property
    def government_contribution(self) -> int:
        return -self.balance(GOVERNMENT)

    @property
    def rounding_remainder(self) -> int:
        return self.balance(ROUNDING)

    @property
    def fund_change(self) -> int:
        return sum(self.balance(fund_account(f.fund)) for f in self.fund_rows)

    def reconciliation(self) -> dict[str, int]:
        """The identities the settlement satisfies, as fen differences (all must be 0).

        * ``ledger``: the sum of every account's net (double entry);
        * ``sources_uses``: revenue + government contributions - (farmer income + buyer margin
          + change of the funds + buyer costs + rounding remainder);
        * ``funds``: for each fund, closing - (opening + contributions - payouts), summed;
        * ``farmers``: the farmers' rows against their accounts.
        """
        ledger = sum(self.balances.values())
        sources = self.revenue + self.government_contribution
        uses = (
            self.farmer_income
            + self.buyer_margin
            + self.fund_change
            + self.buyer_costs
            + self.rounding_remainder
        )
        funds = sum(
            (fr.opening + self.balance(fund_account(fr.fund)))
            - (fr.opening + fr.contributed - fr.paid)
            for fr in self.fund_rows
        )
        farmers = sum(r.net - self.balance(farmer_account(r.farmer)) for r in self.farmer_rows)
        return {
            "ledger": ledger,
            "sources_uses": sources - uses,
            "funds": funds,
            "farmers": farmers,
        }

    @property
    def reconciles(self) -> bool:
        return all(v == 0 for v in self.reconciliation().values())

    def floor_ok(self) -> bool:
        """Every line of a contract with a guaranteed price pays at least the guarantee x the
        grade factor (rounded the same way as the line)."""
        for ln in self.lines:
            if not ln.contract:
                continue
            g = self.book.contract(ln.contract).price.guaranteed
            if g is None:
                continue
            if ln.purchase_fen < to_fen(mul(ln.delivery.kg, g, ln.grade_factor)):
                return False
        return True

    # ------------------------------------------------------------------ output
    def to_dict(self) -> dict[str, Any]:
        return {
            "rounding": self.rounding_rule,
            "totals_fen": {
                "revenue": self.revenue,
                "buyer_costs": self.buyer_costs,
                "farmer_income": self.farmer_income,
                "buyer_margin": self.buyer_margin,
                "government_contribution": self.government_contribution,
                "fund_change": self.fund_change,
                "rounding_remainder": self.rounding_remainder,
            },
            "reconciliation_fen": self.reconciliation(),
            "reconciles": self.reconciles,
            "farmers": [
                {
                    "farmer": r.farmer,
                    "name": r.name,
                    "contract": r.contract,
                    "type": r.type,
                    "kg": str(r.kg),
                    "contracted_kg": None if r.contracted_kg is None else str(r.contracted_kg),
                    "fulfilment": r.fulfilment,
                    "purchase_fen": r.purchase,
                    "contribution_fen": r.contribution,
                    "payout_fen": r.payout,
                    "guaranteed_fen": r.guaranteed,
                    "dividend_fen": r.dividend,
                    "penalty_fen": r.penalty,
                    "net_fen": r.net,
                }
                for r in self.farmer_rows
            ],
            "funds": [
                {
                    "fund": f.fund,
                    "opening_fen": f.opening,
                    "contributions_fen": dict(f.contributions),
                    "payouts_farmers_fen": f.payouts_farmers,
                    "payouts_buyer_fen": f.payouts_buyer,
                    "claims_fen": f.claims,
                    "unpaid_fen": f.unpaid,
                    "capped_days": f.capped_days,
                    "closing_fen": f.closing,
                }
                for f in self.fund_rows
            ],
            "dividends": {
                c: {"margin_fen": m, "pool_fen": p, "remainder_fen": r}
                for c, (m, p, r) in self.dividend_pools.items()
            },
            "lines": len(self.lines),
            "postings": len(self.postings),
        }

    def table(self) -> list[list[str]]:
        """The farmer table as text cells (header first, totals last), yuan with 2 decimals."""
        head = [
            "农户 Farmer",
            "合同 Contract",
            "交售 kg",
            "履约 Fulfil",
            "收购款 Purchase",
            "基金缴费 Contrib.",
            "基金补偿 Payout",
            "保底 Guaranteed",
            "分红 Dividend",
            "违约金 Penalty",
            "合计 Net",
        ]
        rows = [head]
        for r in self.farmer_rows:
            rows.append(
                [
                    r.name + f" ({r.farmer})" if r.name else r.farmer,
                    r.contract,
                    f"{r.kg:,.1f}",
                    "–" if r.fulfilment is None else f"{r.fulfilment:.0%}",
                    fmt_yuan(r.purchase),
                    fmt_yuan(r.contribution),
                    fmt_yuan(r.payout),
                    fmt_yuan(r.guaranteed),
                    fmt_yuan(r.dividend),
                    fmt_yuan(r.penalty),
                    fmt_yuan(r.net),
                ]
            )
        fr = self.farmer_rows
        rows.append(
            [
                "合计 Total",
                "",
                f"{sum((r.kg for r in fr), ZERO):,.1f}",
                "",
                *(
                    fmt_yuan(sum(getattr(r, k) for r in fr))
                    for k in (
                        "purchase",
                        "contribution",
                        "payout",
                        "guaranteed",
                        "dividend",
                        "penalty",
                    )
                ),
                fmt_yuan(self.farmer_income),
            ]
        )
        return rows

    def summary(self) -> str:
        """Totals, funds and the reconciliation, bilingual, one item a line."""
        out = [
            f"结算 / Settlement: {len(self.lines)} deliveries, {len(self.farmer_rows)} farmers, "
            f"{len(self.book.contracts)} contracts, {len(self.postings)} postings",
        ]
        for label, fen in (
            ("销售收入 resale revenue", self.revenue),
            ("农户收入 farmers' income", self.farmer_income),
            ("收购方毛利 buyer's margin", self.buyer_margin),
            ("收购方费用 buyer's costs", self.buyer_costs),
            ("政府缴费 government share", self.government_contribution),
            ("基金变动 change of the funds", self.fund_change),
            ("舍入尾差 rounding remainder", self.rounding_remainder),
        ):
            out.append(f"  {label:<28} {fmt_yuan(fen):>16} yuan")
        for f in self.fund_rows:
            contrib = ", ".join(f"{k} {fmt_yuan(v)}" for k, v in f.contributions.items())
            out.append(
                f"  基金 fund {f.fund}: opening {fmt_yuan(f.opening)}, contributions "
                f"{fmt_yuan(f.contributed)} ({contrib}), payouts {fmt_yuan(f.paid)} (farmers "
                f"{fmt_yuan(f.payouts_farmers)}, buyer {fmt_yuan(f.payouts_buyer)}), unpaid "
                f"claims {fmt_yuan(f.unpaid)} on {f.capped_days} capped day(s), closing "
                f"{fmt_yuan(f.closing)}"
            )
        for c, (m, p, r) in self.dividend_pools.items():
            con = self.book.contract(c)
            out.append(
                f"  分红 dividend {c}: margin {fmt_yuan(m)}, pool {con.dividend_share:%} = "
                f"{fmt_yuan(p)} by {con.dividend_basis}, remainder {fmt_yuan(r)} -> rounding"
            )
        rec = self.reconciliation()
        ok = (
            "对账无误 / reconciles to the fen"
            if self.reconciles
            else "对账不平 / DOES NOT RECONCILE"
        )
        out.append(
            f"  {ok}: " + ", ".join(f"{k} {fmt_yuan(v, sign=True)}" for k, v in rec.items())
        )
        out.append(
            "  收入+政府缴费 = 农户+收购方+基金变动+费用+尾差 / revenue + government = farmers + "
            f"buyer + funds + costs + rounding: {fmt_yuan(self.revenue)} + "
            f"{fmt_yuan(self.government_contribution)} = {fmt_yuan(self.farmer_income)} + "
            f"{fmt_yuan(self.buyer_margin)} + {fmt_yuan(self.fund_change)} + "
            f"{fmt_yuan(self.buyer_costs)} + {fmt_yuan(self.rounding_remainder)}"
        )
        out.append(f"  舍入 rounding: {self.rounding_rule}")
        return "\n".join(out)

    def _village(self, village: str) -> str:
        name = self.place_names.get(village)
        return f"{name} ({village})" if name else village

    def statement(self, farmer: str, lang: str = "both") -> str:
        """The farmer's statement: every delivery line and every other payment, with the net.

        ``lang``: ``"zh"`` (Chinese), ``"en"`` (English) or ``"both"`` (Chinese, then English).
        """
        if lang == "both":
            return self.statement(farmer, "zh") + "\n\n" + self.statement(farmer, "en")
        if lang not in ("zh", "en"):
            raise SharingError(f"lang must be zh, en or both (got {lang!r})")
        zh = lang == "zh"
        row = next((r for r in self.farmer_rows if r.farmer == farmer), None)
        if row is None:
            raise KeyError(f"no farmer {farmer!r} in the settlement")
        cm = self._member(farmer)

        def t(a: str, b: str) -> str:
            return a if zh else b

        out = [
            t("农户结算单", "Farmer's settlement statement"),
            t("农户", "Farmer")
            + f": {row.name + ' ' if row.name else ''}({farmer})"
            + (
                f"  {t('村', 'village')}: {self._village(cm[1].village)}"
                if cm and cm[1].village
                else ""
            ),
        ]
        if cm:
            c = cm[0]
            kind = c.type.zh if zh else c.type.en
            out.append(t("合同", "Contract") + f": {c.id} {kind}; {c.price.describe()}")
            if c.fund:
                out.append(t("基金", "Fund") + f": {self.book.fund(c.fund).describe()}")
        else:
            out.append(
                t("合同：无（按市场价收购）", "Contract: none (bought at the market price)")
            )
        out.append(
            t(
                "日期        产品      等级  重量(kg)  市场价  结算价  金额(元)",
                "date        product   grade     kg  market   price  amount (yuan)",
            )
        )
        for ln in self.lines:
            d = ln.delivery
            if d.farmer != farmer:
                continue
            out.append(
                f"{d.day}  {d.product:<8} {d.grade:>5} {d.kg:>9,.1f} "
                f"{ln.market_yuan_per_kg:>7.3f} {ln.price_yuan_per_kg * ln.grade_factor:>7.3f} "
                f"{fmt_yuan(ln.purchase_fen):>12}"
            )
        items = [
            (t("收购款合计", "purchase payments"), row.purchase),
            (t("基金缴费（农户份额）", "fund contribution (farmer's share)"), row.contribution),
            (t("基金补偿", "fund payouts"), row.payout),
            (t("保底收益", "guaranteed income"), row.guaranteed),
            (t("分红", "dividend"), row.dividend),
            (t("违约金", "penalty"), row.penalty),
        ]
        for label, v in items:
            if v or label in (items[0][0],):
                out.append(f"  {label:<28} {fmt_yuan(v, sign=True):>14}")
        out.append(f"  {t('应付合计', 'net payable'):<28} {fmt_yuan(row.net):>14}")
        if cm and cm[0].dividend_share and cm[0].id in self.dividend_pools:
            m, p, _ = self.dividend_pools[cm[0].id]
            basis = t("按交售重量", "by kg delivered")
            if cm[0].dividend_basis == "shares":
                basis = t(f"按股份（{cm[1].shares} 股）", f"by shares held ({cm[1].shares})")
            out.append(
                t(
                    f"  分红说明：合同毛利 {fmt_yuan(m)} 元，分红比例 {cm[0].dividend_share:%}，"
                    f"分红池 {fmt_yuan(p)} 元，{basis}分配",
                    f"  dividend: contract margin {fmt_yuan(m)} yuan x "
                    f"{cm[0].dividend_share:%} = pool {fmt_yuan(p)} yuan, split {basis}",
                )
            )
        if row.fulfilment is not None:
            out.append(
                t(
                    f"  履约：交售 {row.kg:,.1f} / 约定 {row.contracted_kg:,.1f} kg "
                    f"（{row.fulfilment:.0%}）",
                    f"  fulfilment: delivered {row.kg:,.1f} of {row.contracted_kg:,.1f} kg "
                    f"contracted ({row.fulfilment:.0%})",
                )
            )
        out.append(
            t(
                "  舍入：每笔金额四舍五入到分；分红池向下取整到分、按比例向下取整分配，"
                "尾差记入舍入尾差账户",
                "  rounding: each line rounded half up to the fen; dividend pools rounded down "
                "and split rounding each share down, the remainder to the rounding account",
            )
        )
        return "\n".join(out)


def _contributions(fund: Fund, kg: Decimal) -> dict[str, int]:
    """Per-party contributions (fen) on ``kg`` of any grade (each rounded half up)."""
    c = fund.contribution_yuan_per_kg
    return {party: to_fen(mul(kg, c, share)) for party, share in fund.shares()}


def settle(
    book: ContractBook,
    deliveries: Sequence[Delivery],
    prices: PriceBook | Iterable[PriceQuote],
    *,
    place_names: Mapping[str, str] | None = None,
) -> Settlement:
    """Settle a season exactly; raise :class:`SettlementError` listing every unpriced delivery.

    A delivery by a farmer without a contract for that product is bought at the market price
    (a spot line with the default handling cost and grades). ``prices`` gives the farm-gate
    price of each delivery day (a farm-gate quote, or a wholesale quote x the farm-gate factor;
    the latest quote at most :data:`MAX_PRICE_GAP_DAYS` days before) and the resale price.
    """
    book_prices = prices if isinstance(prices, PriceBook) else PriceBook(tuple(prices))
    problems: list[Problem] = []
    order = sorted(range(len(deliveries)), key=lambda i: (deliveries[i].day, i))
    lines: list[DeliveryLine] = []
    postings: list[Posting] = []
    for i in order:
        d = deliveries[i]
        held = book.contract_for(d.farmer, d.product)
        contract = held[0] if held else None
        grades = contract.grade_factors if contract else DEFAULT_GRADE_FACTORS
        q = grades.get(d.grade)
        if q is None:
            problems.append(
                Problem(
                    "deliveries",
                    i,
                    "grade",
                    d.grade,
                    f"is not a grade of contract {contract.id if contract else 'spot'} "
                    f"({', '.join(grades)})",
                )
            )
            continue
        try:
            m, note = book_prices.farm_gate(d.product, d.day)
            w = book_prices.wholesale(d.product, d.day)
        except KeyError:
            problems.append(
                Problem(
                    "deliveries",
                    i,
                    "day",
                    str(d.day),
                    f"has no {d.product} price that day nor in the {book_prices.max_gap_days} "
                    "days before (add it to prices.csv)",
                )
            )
            continue
        paid = contract.price.price(m) if contract else m
        cost = contract.buyer_cost_yuan_per_kg if contract else DEFAULT_BUYER_COST_YUAN_PER_KG
        purchase = to_fen(mul(d.kg, paid, q))
        revenue = to_fen(d.revenue_yuan) if d.revenue_yuan is not None else to_fen(mul(d.kg, w, q))
        cost_fen = to_fen(mul(d.kg, cost))
        contrib: dict[str, int] = {}
        if contract and contract.fund:
            contrib = _contributions(book.fund(contract.fund), d.kg)
        idx = len(lines)
        cid = contract.id if contract else ""
        lines.append(
            DeliveryLine(
                index=idx,
                delivery=d,
                contract=cid,
                market_yuan_per_kg=m,
                price_note=note,
                resale_yuan_per_kg=w,
                price_yuan_per_kg=paid,
                grade_factor=q,
                purchase_fen=purchase,
                revenue_fen=revenue,
                cost_fen=cost_fen,
                contribution_fen=contrib,
            )
        )
        fa = farmer_account(d.farmer)
        moves = [
            (PostingKind.REVENUE, MARKET, BUYER, revenue, ""),
            (PostingKind.BUYER_COST, BUYER, COSTS, cost_fen, ""),
            (PostingKind.PURCHASE, BUYER, fa, purchase, ""),
        ]
        if contract and contract.fund:
            payers = {"farmer": fa, "buyer": BUYER, "government": GOVERNMENT}
            to = fund_account(contract.fund)
            moves += [
                (PostingKind.CONTRIBUTION, payers[party], to, fen, party)
                for party, fen in contrib.items()
            ]
        postings += [
            Posting(kind, payer, payee, fen, d.day, d.farmer, cid, idx, memo)
            for kind, payer, payee, fen, memo in moves
        ]
    if problems:
        raise SettlementError(problems)

    fund_rows, lines = _fund_payouts(book, lines, postings)
    pools = _season_end(book, lines, postings)
    postings = [p for p in postings if p.fen != 0]
    return Settlement(
        book=book,
        lines=tuple(lines),
        postings=tuple(postings),
        fund_rows=tuple(fund_rows),
        dividend_pools=pools,
        place_names=dict(place_names or {}),
    )


def _fund_payouts(
    book: ContractBook, lines: list[DeliveryLine], postings: list[Posting]
) -> tuple[list[FundRow], list[DeliveryLine]]:
    """Each fund pays each day's claims after the day's contributions (capped, pro rata)."""
    rows: list[FundRow] = []
    lines = list(lines)
    for fund in book.funds:
        acct = fund_account(fund.id)
        balance = to_fen(fund.opening_yuan)
        opening = balance
        contributions: dict[str, int] = {"farmer": 0, "buyer": 0, "government": 0}
        paid_f = paid_b = claims_total = capped = 0
        by_day: dict[dt.date, list[int]] = defaultdict(list)
        for ln in lines:
            if ln.contract and book.contract(ln.contract).fund == fund.id:
                by_day[ln.delivery.day].append(ln.index)
        for day in sorted(by_day):
            idxs = by_day[day]
            for i in idxs:
                for party, fen in lines[i].contribution_fen.items():
                    contributions[party] += fen
                    balance += fen
            claims: list[int] = []
            for i in idxs:
                ln = lines[i]
                short = max(fund.trigger_yuan_per_kg - ln.market_yuan_per_kg, ZERO)
                claims.append(
                    to_fen(mul(fund.payout_share, short, ln.grade_factor, ln.delivery.kg))
                )
            total = sum(claims)
            if total == 0:
                continue
            claims_total += total
            available = to_fen_down(mul(Decimal(balance) / 100, fund.cap_share))
            if total <= available:
                pay = claims
            else:
                capped += 1
                pay, _ = allocate(available, [Decimal(c) for c in claims])  # rest stays in fund
            for i, claim, fen in zip(idxs, claims, pay, strict=True):
                ln = lines[i]
                lines[i] = _with_claim(ln, claim)
                c = book.contract(ln.contract)
                to_buyer = c.fund_pays_buyer
                payee = BUYER if to_buyer else farmer_account(ln.delivery.farmer)
                postings.append(
                    Posting(
                        PostingKind.PAYOUT,
                        acct,
                        payee,
                        fen,
                        day=day,
                        farmer=ln.delivery.farmer,
                        contract=ln.contract,
                        line=ln.index,
                        memo=f"claim {claim} fen",
                    )
                )
                balance -= fen
                if to_buyer:
                    paid_b += fen
                else:
                    paid_f += fen
        rows.append(
            FundRow(
                fund=fund.id,
                opening=opening,
                contributions=contributions,
                payouts_farmers=paid_f,
                payouts_buyer=paid_b,
                claims=claims_total,
                capped_days=capped,
            )
        )
    return rows, lines


def _with_claim(ln: DeliveryLine, claim: int) -> DeliveryLine:
    import dataclasses

    return dataclasses.replace(ln, claim_fen=claim)


def _season_end(
    book: ContractBook, lines: list[DeliveryLine], postings: list[Posting]
) -> dict[str, tuple[int, int, int]]:
    """Guaranteed income, penalties, then dividends out of each contract's margin."""
    delivered: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    for ln in lines:
        if ln.contract:
            delivered[(ln.contract, ln.delivery.farmer)] += ln.delivery.kg
    for c in book.contracts:
        for m in book.members_of(c.id):
            fa = farmer_account(m.farmer)
            if c.type is ContractType.EQUITY and c.guaranteed_yuan_per_share:
                fen = to_fen(mul(c.guaranteed_yuan_per_share, m.shares))
                postings.append(
                    Posting(
                        PostingKind.GUARANTEED,
                        BUYER,
                        fa,
                        fen,
                        farmer=m.farmer,
                        contract=c.id,
                        memo=f"{m.shares} shares x {c.guaranteed_yuan_per_share}",
                    )
                )
            if m.contracted_kg is not None and c.penalty_yuan_per_kg:
                short = max(m.contracted_kg - delivered[(c.id, m.farmer)], ZERO)
                if short > 0:
                    postings.append(
                        Posting(
                            PostingKind.PENALTY,
                            fa,
                            BUYER,
                            to_fen(mul(short, c.penalty_yuan_per_kg)),
                            farmer=m.farmer,
                            contract=c.id,
                            memo=f"{short} kg undelivered x {c.penalty_yuan_per_kg}",
                        )
                    )
    pools: dict[str, tuple[int, int, int]] = {}
    for c in book.contracts:
        if not c.dividend_share:
            continue
        margin = 0
        for p in postings:
            if p.contract != c.id:
                continue
            if p.payee == BUYER:
                margin += p.fen
            elif p.payer == BUYER:
                margin -= p.fen
        pool = to_fen_down(mul(c.dividend_share, Decimal(max(margin, 0)) / 100))
        members = book.members_of(c.id)
        if c.dividend_basis == "shares":
            weights = [m.shares for m in members]
        else:
            weights = [delivered[(c.id, m.farmer)] for m in members]
        shares, remainder = allocate(pool, weights)
        for m, fen in zip(members, shares, strict=True):
            postings.append(
                Posting(
                    PostingKind.DIVIDEND,
                    BUYER,
                    farmer_account(m.farmer),
                    fen,
                    farmer=m.farmer,
                    contract=c.id,
                )
            )
        postings.append(
            Posting(
                PostingKind.ROUNDING,
                BUYER,
                ROUNDING,
                remainder,
                contract=c.id,
                memo="dividend pool remainder",
            )
        )
        pools[c.id] = (margin, pool, remainder)
    return pools
