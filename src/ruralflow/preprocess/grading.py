"""Grading into prices (分级定价): what grading at the shared centre is worth to a farmer.

Grading splits an order's kg into grades by a distribution per product (:class:`GradeModel`);
each grade sells at the reference price x its price factor, or at a grade-level price where the
price data has one. Without grading the whole lot sells as ungraded produce (统货) at the
reference price x ``ungraded_factor``. The value of the service to a farmer is
``graded revenue - ungraded revenue - the grading fee`` of their graded orders, all in exact fen
(each grade line rounded half up once).

The default distribution and factors are ASSUMPTIONS (no grade-level price series in
``shared/data``), each with the range to try in a sensitivity run; a bundle may give its own.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ruralflow.preprocess.billing import Billing
from ruralflow.preprocess.errors import PreprocessError
from ruralflow.sharing.money import fmt_yuan, mul, to_fen

GRADES = ("A", "B", "C")

D = Decimal
ONE = Decimal(1)


@dataclass(frozen=True, slots=True)
class GradeModel:
    """Grade shares of a product after grading and each grade's price factor.

    ``shares`` sum to 1; ``factors`` multiply the reference (ungraded, farm-gate) price;
    ``ranges`` gives a plausible (low, high) for each parameter named ``share_A``, ``factor_A``...
    """

    shares: Mapping[str, Decimal]
    factors: Mapping[str, Decimal]
    ungraded_factor: Decimal = ONE
    source: str = "assumption"
    ranges: Mapping[str, tuple[Decimal, Decimal]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if set(self.shares) != set(self.factors):
            raise PreprocessError("grade shares and factors must name the same grades")
        if any(g not in GRADES for g in self.shares):
            raise PreprocessError(f"grades must be among {', '.join(GRADES)}")
        if any(s < 0 for s in self.shares.values()) or sum(self.shares.values()) != 1:
            raise PreprocessError("grade shares must be >= 0 and sum to 1")
        if any(f < 0 for f in self.factors.values()) or self.ungraded_factor < 0:
            raise PreprocessError("price factors must be >= 0")

    def to_dict(self) -> dict[str, Any]:
        return {
            "shares": {g: str(v) for g, v in self.shares.items()},
            "factors": {g: str(v) for g, v in self.factors.items()},
            "ungraded_factor": str(self.ungraded_factor),
            "source": self.source,
            "ranges": {k: [str(lo), str(hi)] for k, (lo, hi) in self.ranges.items()},
        }


#: Default grading of fruit and vegetables (ASSUMPTION, see ranges).
DEFAULT_GRADE_MODEL = GradeModel(
    shares={"A": D("0.35"), "B": D("0.45"), "C": D("0.20")},
    factors={"A": D("1.40"), "B": D("1.05"), "C": D("0.60")},
    ungraded_factor=D(1),
    source="assumption: grade shares and price factors relative to the ungraded (统货) "
    "farm-gate price; no grade-level price series in shared/data",
    ranges={
        "share_A": (D("0.20"), D("0.50")),
        "share_C": (D("0.10"), D("0.30")),
        "factor_A": (D("1.20"), D("1.60")),
        "factor_B": (D("0.95"), D("1.15")),
        "factor_C": (D("0.40"), D("0.75")),
    },
)


@dataclass(frozen=True, slots=True)
class FarmerGrading:
    """One farmer's season: kg graded, revenue ungraded vs graded, fees, net value (fen)."""

    farmer: str
    orders: int
    kg: Decimal
    kg_by_grade: Mapping[str, Decimal]
    ungraded_fen: int
    graded_fen: int
    grading_fee_fen: int
    all_fees_fen: int

    @property
    def net_gain_fen(self) -> int:
        return self.graded_fen - self.ungraded_fen - self.grading_fee_fen

    def to_dict(self) -> dict[str, Any]:
        return {
            "farmer": self.farmer,
            "orders": self.orders,
            "kg": str(self.kg),
            "kg_by_grade": {g: str(v) for g, v in self.kg_by_grade.items()},
            "ungraded_fen": self.ungraded_fen,
            "graded_fen": self.graded_fen,
            "grading_fee_fen": self.grading_fee_fen,
            "all_fees_fen": self.all_fees_fen,
            "net_gain_fen": self.net_gain_fen,
        }


@dataclass(frozen=True, slots=True)
class GradingResult:
    """Graded vs ungraded revenue per farmer and for the season."""

    farmers: tuple[FarmerGrading, ...]
    models: Mapping[str, GradeModel]
    prices: Mapping[str, Decimal]

    def total(self, name: str) -> int:
        return int(sum(getattr(f, name) for f in self.farmers))

    def summary(self) -> str:
        return (
            f"{len(self.farmers)} 户分级 / farmers graded: 统货 / ungraded "
            f"{fmt_yuan(self.total('ungraded_fen'))}, 分级 / graded "
            f"{fmt_yuan(self.total('graded_fen'))}, 分级费 / grading fees "
            f"{fmt_yuan(self.total('grading_fee_fen'))}, 净增 / net gain "
            f"{fmt_yuan(self.total('net_gain_fen'), sign=True)} 元 / yuan"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "farmers": [f.to_dict() for f in self.farmers],
            "season": {
                k: self.total(k)
                for k in (
                    "ungraded_fen",
                    "graded_fen",
                    "grading_fee_fen",
                    "all_fees_fen",
                    "net_gain_fen",
                )
            },
            "prices_yuan_per_kg": {p: str(v) for p, v in self.prices.items()},
            "models": {p: m.to_dict() for p, m in self.models.items()},
        }


def grade(
    billing: Billing,
    prices: Mapping[str, Decimal],
    models: Mapping[str, GradeModel] | None = None,
    grade_prices: Mapping[tuple[str, str], Decimal] | None = None,
    grading_service: str = "grading",
) -> GradingResult:
    """Grade every order of ``billing`` that bought ``grading_service``.

    ``prices``: the reference (ungraded) price per product, yuan/kg; ``models``: a
    :class:`GradeModel` per product (default :data:`DEFAULT_GRADE_MODEL`); ``grade_prices``:
    ``(product, grade) -> yuan/kg`` replacing reference x factor where a series exists.
    """
    models = dict(models or {})
    gp = dict(grade_prices or {})
    acc: dict[str, dict[str, Any]] = {}
    used: dict[str, GradeModel] = {}
    for inv in billing.invoices:
        o = inv.order
        if grading_service not in o.services:
            continue
        if o.product not in prices:
            raise PreprocessError(f"no reference price of product {o.product!r}")
        m = models.get(o.product, DEFAULT_GRADE_MODEL)
        used[o.product] = m
        price = prices[o.product]
        a = acc.setdefault(
            o.farmer,
            {"orders": 0, "kg": D(0), "grades": {}, "u": 0, "g": 0, "fee": 0, "all": 0},
        )
        a["orders"] += 1
        a["kg"] += o.kg
        a["u"] += to_fen(mul(o.kg, price, m.ungraded_factor))
        for g in GRADES:
            share = m.shares.get(g)
            if share is None:
                continue
            kg = mul(o.kg, share)
            a["grades"][g] = a["grades"].get(g, D(0)) + kg
            unit = gp.get((o.product, g))
            a["g"] += to_fen(mul(kg, unit) if unit is not None else mul(kg, price, m.factors[g]))
        a["fee"] += sum(line.fen for line in inv.lines if line.service == grading_service)
        a["all"] += inv.total_fen
    farmers = tuple(
        FarmerGrading(
            farmer=f,
            orders=a["orders"],
            kg=a["kg"],
            kg_by_grade=dict(a["grades"]),
            ungraded_fen=a["u"],
            graded_fen=a["g"],
            grading_fee_fen=a["fee"],
            all_fees_fen=a["all"],
        )
        for f, a in sorted(acc.items())
    )
    return GradingResult(farmers, used, {p: prices[p] for p in sorted(used)})


def lots_by_grade(
    billing: Billing, models: Mapping[str, GradeModel] | None = None
) -> list[tuple[str, str, str, Decimal]]:
    """``(cooperative, product, grade, kg)`` of the graded orders, summed (lots for channels)."""
    models = dict(models or {})
    out: dict[tuple[str, str, str], Decimal] = {}
    for inv in billing.invoices:
        o = inv.order
        if not o.graded:
            continue
        m = models.get(o.product, DEFAULT_GRADE_MODEL)
        for g, share in m.shares.items():
            key = (o.cooperative, o.product, g)
            out[key] = out.get(key, D(0)) + mul(o.kg, share)
    return [(*k, v) for k, v in sorted(out.items())]
