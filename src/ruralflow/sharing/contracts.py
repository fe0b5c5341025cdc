"""Contract types and their terms, validated when built.

Four contract types (DESIGN.md, Benefit sharing), and price-risk fund membership on top of any:

=================  =========================  ==========================================
type               中文                        what the farmer gets per kg (grade A)
=================  =========================  ==========================================
``spot``           现货收购                    the market (farm-gate) price ``m``
``floor``          保底收购 (+随行就市)          ``F + a * max(m - F, 0)``: the floor ``F`` plus a
                                              share ``a`` of the upside (a = 1: 保底+随行就市,
                                              max(F, m); a = 0: a fixed guaranteed price)
``order_dividend`` 订单收购+分红               the order price ``p`` (plus ``a * max(m - p, 0)``
                                              when an upside share is agreed), then a share
                                              ``d`` of the buyer's margin, paid back by kg
                                              delivered
``equity``         入股+保底收益+按股分红        the market price (or a floor, when one is
                                              agreed), a guaranteed income per share held,
                                              and a share ``d`` of the margin left after the
                                              guaranteed income, by shares held
=================  =========================  ==========================================

An optional cap ``C`` (封顶价) limits the price of any non-spot contract. Grade B and C produce
are paid at the grade's factor times the grade-A price (``grade_factors``), so a floor holds per
grade: a grade-g kilogram is never paid less than ``F x factor(g)``.

A :class:`Fund` (价格风险补偿基金) collects a per-kg contribution on its members' deliveries,
split between farmer, buyer and government, and pays ``payout_share x (trigger - m)`` per kg
when the market price ``m`` falls below the trigger. It pays the party that carries the fall: the
farmer on contracts that pay the market price (``spot``, ``equity`` without a floor), the buyer
on contracts where the buyer guarantees a price (``floor``, ``order_dividend``, ``equity`` with a
floor). In one settlement day (one week in the simulation) it pays at most ``cap_share`` of its
balance: when claims exceed that, they are paid pro rata (the cap when the fund runs low).

Domain note: DESIGN.md places contract objects in ``domain/``; they live here until the domain
package takes them (this module imports only ``ruralflow.domain``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from functools import cached_property
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt

from ruralflow.domain import FieldError, Problem
from ruralflow.domain._check import ident, text
from ruralflow.sharing.errors import SharingError
from ruralflow.sharing.money import ONE, ZERO, as_decimal

FloatArray = npt.NDArray[np.float64]


class ContractType(StrEnum):
    SPOT = "spot"
    FLOOR = "floor"
    ORDER_DIVIDEND = "order_dividend"
    EQUITY = "equity"

    @property
    def zh(self) -> str:
        return _TYPE_ZH[self]

    @property
    def en(self) -> str:
        return _TYPE_EN[self]


_TYPE_ZH = {
    ContractType.SPOT: "现货收购",
    ContractType.FLOOR: "保底收购",
    ContractType.ORDER_DIVIDEND: "订单收购+分红",
    ContractType.EQUITY: "入股+保底收益+按股分红",
}
_TYPE_EN = {
    ContractType.SPOT: "spot purchase",
    ContractType.FLOOR: "guaranteed floor",
    ContractType.ORDER_DIVIDEND: "order purchase + dividend",
    ContractType.EQUITY: "equity + guaranteed income + dividend",
}

#: Price factor of each quality grade relative to grade A (assumption: no source; a typical
#: Shaanxi apple grading has the second grade at 80-90 % and processing fruit far below).
DEFAULT_GRADE_FACTORS: Mapping[str, Decimal] = MappingProxyType(
    {"A": Decimal("1"), "B": Decimal("0.85"), "C": Decimal("0.6")}
)
GRADE_SOURCE = "assumption: grade B at 85 %, C at 60 % of the grade-A price (no source)"

#: The buyer's cost per kg between farm gate and resale (grading, packing, cold store,
#: transport to the terminal market, losses, fees). Assumption: about a third of the Xinfadi
#: wholesale price of apples (5.7 yuan/kg in Sep-Nov), consistent with the farm-gate factor 0.5
#: (half of the wholesale price goes to the chain) leaving the buyer a thin margin.
DEFAULT_BUYER_COST_YUAN_PER_KG = Decimal("2.0")
BUYER_COST_SOURCE = (
    "assumption: 2.0 yuan/kg, about a third of the Sep-Nov Xinfadi Fuji wholesale price"
)

MAX_PRICE_YUAN_PER_KG = Decimal(10_000)


def _dec(
    owner: str,
    fieldname: str,
    value: Any,
    *,
    min_value: Decimal | None = ZERO,
    max_value: Decimal | None = None,
    strict_min: bool = False,
) -> Decimal:
    """A finite Decimal within bounds, or :class:`FieldError` naming ``fieldname``."""
    try:
        d = as_decimal(value)
    except (ValueError, TypeError):
        raise FieldError(owner, fieldname, value, "must be a number") from None
    if min_value is not None:
        if strict_min and d <= min_value:
            raise FieldError(owner, fieldname, value, f"must be > {min_value}")
        if not strict_min and d < min_value:
            raise FieldError(owner, fieldname, value, f"must be >= {min_value}")
    if max_value is not None and d > max_value:
        raise FieldError(owner, fieldname, value, f"must be <= {max_value}")
    return d


def _opt_price(owner: str, fieldname: str, value: Any) -> Decimal | None:
    if value is None:
        return None
    return _dec(owner, fieldname, value, strict_min=True, max_value=MAX_PRICE_YUAN_PER_KG)


def _share(owner: str, fieldname: str, value: Any, *, strict_min: bool = False) -> Decimal:
    return _dec(owner, fieldname, value, min_value=ZERO, max_value=ONE, strict_min=strict_min)


@dataclass(frozen=True, slots=True)
class PriceTerms:
    """How a contract prices a grade-A kilogram from the market price ``m`` (yuan/kg).

    ``fixed``: the order price (order contracts); ``floor``: the guaranteed minimum;
    ``upside_share``: the share of ``m`` above the fixed price (or above the floor) that is
    added; ``cap``: the ceiling. Field names in errors are the ``contracts.csv`` columns.
    """

    fixed: Decimal | None = None
    floor: Decimal | None = None
    upside_share: Decimal = ZERO
    cap: Decimal | None = None

    def __post_init__(self) -> None:
        owner = "price terms"
        object.__setattr__(self, "fixed", _opt_price(owner, "price_yuan_per_kg", self.fixed))
        object.__setattr__(self, "floor", _opt_price(owner, "floor_yuan_per_kg", self.floor))
        object.__setattr__(self, "cap", _opt_price(owner, "cap_yuan_per_kg", self.cap))
        object.__setattr__(self, "upside_share", _share(owner, "upside_share", self.upside_share))
        if self.fixed is not None and self.floor is not None and self.floor > self.fixed:
            raise FieldError(
                owner,
                "floor_yuan_per_kg",
                str(self.floor),
                f"is above the contract price {self.fixed}: the agreed order price would never "
                "be paid (a floor must be at or below it)",
            )
        base = self.fixed if self.fixed is not None else self.floor
        if self.cap is not None and base is not None and self.cap < base:
            raise FieldError(
                owner,
                "cap_yuan_per_kg",
                str(self.cap),
                f"is below the {'contract price' if self.fixed is not None else 'floor'} "
                f"{base}: the cap would break the guarantee",
            )

    @property
    def guaranteed(self) -> Decimal | None:
        """The lowest grade-A price the terms ever pay (None: no guarantee, pays the market)."""
        if self.fixed is not None:
            return self.fixed
        return self.floor

    def price(self, market: Decimal) -> Decimal:
        """Grade-A price per kg (yuan) for market price ``market`` (exact)."""
        if self.fixed is not None:
            p = self.fixed + self.upside_share * max(market - self.fixed, ZERO)
        elif self.floor is not None:
            p = self.floor + self.upside_share * max(market - self.floor, ZERO)
        else:
            p = market
        if self.floor is not None:
            p = max(p, self.floor)
        if self.cap is not None:
            p = min(p, self.cap)
        return p

    def price_array(self, market: FloatArray) -> FloatArray:
        """:meth:`price` on an array of market prices (floats, for simulation)."""
        a = float(self.upside_share)
        if self.fixed is not None:
            f = float(self.fixed)
            p = f + a * np.maximum(market - f, 0.0)
        elif self.floor is not None:
            f = float(self.floor)
            p = f + a * np.maximum(market - f, 0.0)
        else:
            p = market.astype(np.float64, copy=True)
        if self.floor is not None:
            p = np.maximum(p, float(self.floor))
        if self.cap is not None:
            p = np.minimum(p, float(self.cap))
        return p

    def describe(self) -> str:
        parts: list[str] = []
        if self.fixed is not None:
            parts.append(f"order price {self.fixed} yuan/kg")
        if self.floor is not None:
            parts.append(f"floor {self.floor} yuan/kg")
        if self.upside_share and (self.fixed is not None or self.floor is not None):
            parts.append(f"+{self.upside_share:%} of the market above it")
        if self.cap is not None:
            parts.append(f"cap {self.cap} yuan/kg")
        return ", ".join(parts) if parts else "market price"


@dataclass(frozen=True, slots=True)
class Fund:
    """A price-risk compensation fund (价格风险补偿基金).

    ``contribution_yuan_per_kg`` is collected on every kg its members deliver, split by
    ``farmer_share``, ``buyer_share`` and ``government_share`` (summing to exactly 1).
    When the market price ``m`` is below ``trigger_yuan_per_kg`` it owes
    ``payout_share x (trigger - m)`` per kg delivered (times the grade factor); on one
    settlement day it pays at most ``cap_share`` of its balance, pro rata when claims exceed
    that. ``opening_yuan`` is its balance before the season.
    """

    id: str
    contribution_yuan_per_kg: Decimal
    trigger_yuan_per_kg: Decimal
    farmer_share: Decimal = Decimal("0.2")
    buyer_share: Decimal = Decimal("0.3")
    government_share: Decimal = Decimal("0.5")
    payout_share: Decimal = ONE
    cap_share: Decimal = ONE
    opening_yuan: Decimal = ZERO
    source: str = "assumption"

    def __post_init__(self) -> None:
        ident("Fund", "fund", self.id)
        owner = f"Fund {self.id!r}"
        for name, col in (
            ("farmer_share", "fund_farmer_share"),
            ("buyer_share", "fund_buyer_share"),
            ("government_share", "fund_government_share"),
            ("payout_share", "fund_payout_share"),
        ):
            object.__setattr__(self, name, _share(owner, col, getattr(self, name)))
        object.__setattr__(
            self, "cap_share", _share(owner, "fund_cap_share", self.cap_share, strict_min=True)
        )
        object.__setattr__(
            self,
            "contribution_yuan_per_kg",
            _dec(
                owner,
                "fund_yuan_per_kg",
                self.contribution_yuan_per_kg,
                max_value=MAX_PRICE_YUAN_PER_KG,
            ),
        )
        object.__setattr__(
            self,
            "trigger_yuan_per_kg",
            _dec(
                owner,
                "fund_trigger_yuan_per_kg",
                self.trigger_yuan_per_kg,
                strict_min=True,
                max_value=MAX_PRICE_YUAN_PER_KG,
            ),
        )
        object.__setattr__(
            self, "opening_yuan", _dec(owner, "fund_opening_yuan", self.opening_yuan)
        )
        total = self.farmer_share + self.buyer_share + self.government_share
        if total != ONE:
            raise FieldError(
                owner,
                "fund_government_share",
                str(self.government_share),
                f"farmer + buyer + government shares must sum to 1 (they sum to {total})",
            )
        text(owner, "source", self.source)

    def shares(self) -> tuple[tuple[str, Decimal], ...]:
        """(party, share) for the three contributors, in a fixed order."""
        return (
            ("farmer", self.farmer_share),
            ("buyer", self.buyer_share),
            ("government", self.government_share),
        )

    def describe(self) -> str:
        c = self.contribution_yuan_per_kg
        return (
            f"fund {self.id}: {c} yuan/kg (farmer {self.farmer_share:.0%}, buyer "
            f"{self.buyer_share:.0%}, government {self.government_share:.0%}); pays "
            f"{self.payout_share:.0%} of the shortfall below {self.trigger_yuan_per_kg} yuan/kg, "
            f"at most {self.cap_share:.0%} of the balance a day; opening {self.opening_yuan} yuan"
        )


@dataclass(frozen=True, slots=True)
class Contract:
    """One contract's terms (the same for every farmer who signs it)."""

    id: str
    product: str
    type: ContractType
    price: PriceTerms = field(default_factory=PriceTerms)
    dividend_share: Decimal = ZERO
    guaranteed_yuan_per_share: Decimal = ZERO
    penalty_yuan_per_kg: Decimal = ZERO
    buyer_cost_yuan_per_kg: Decimal = DEFAULT_BUYER_COST_YUAN_PER_KG
    grade_factors: Mapping[str, Decimal] = field(default_factory=lambda: DEFAULT_GRADE_FACTORS)
    fund: str = ""
    name: str = ""
    source: str = "assumption"

    def __post_init__(self) -> None:
        ident("Contract", "contract", self.id)
        owner = f"Contract {self.id!r}"
        ident(owner, "product", self.product)
        if not isinstance(self.type, ContractType):
            try:
                object.__setattr__(self, "type", ContractType(str(self.type).strip()))
            except ValueError:
                kinds = ", ".join(t.value for t in ContractType)
                raise FieldError(owner, "type", self.type, f"must be one of {kinds}") from None
        object.__setattr__(
            self, "dividend_share", _share(owner, "dividend_share", self.dividend_share)
        )
        object.__setattr__(
            self,
            "guaranteed_yuan_per_share",
            _dec(owner, "guaranteed_yuan_per_share", self.guaranteed_yuan_per_share),
        )
        object.__setattr__(
            self,
            "penalty_yuan_per_kg",
            _dec(
                owner,
                "penalty_yuan_per_kg",
                self.penalty_yuan_per_kg,
                max_value=MAX_PRICE_YUAN_PER_KG,
            ),
        )
        object.__setattr__(
            self,
            "buyer_cost_yuan_per_kg",
            _dec(
                owner,
                "buyer_cost_yuan_per_kg",
                self.buyer_cost_yuan_per_kg,
                max_value=MAX_PRICE_YUAN_PER_KG,
            ),
        )
        grades: dict[str, Decimal] = {}
        for g, f in dict(self.grade_factors).items():
            if not isinstance(g, str) or not g.strip():
                raise FieldError(owner, "grade_factors", g, "grade names must be non-empty")
            grades[g.strip()] = _dec(
                owner, "grade_factors", f, strict_min=True, max_value=Decimal(2)
            )
        if not grades:
            raise FieldError(owner, "grade_factors", "", "must name at least one grade")
        object.__setattr__(self, "grade_factors", MappingProxyType(grades))
        if self.fund:
            ident(owner, "fund", self.fund)
        self._check_type(owner)

    def _check_type(self, owner: str) -> None:
        p, t = self.price, self.type
        if t is ContractType.SPOT:
            for col, v in (
                ("price_yuan_per_kg", p.fixed),
                ("floor_yuan_per_kg", p.floor),
                ("cap_yuan_per_kg", p.cap),
            ):
                if v is not None:
                    raise FieldError(owner, col, str(v), "is not a term of a spot contract")
            if p.upside_share:
                raise FieldError(
                    owner, "upside_share", str(p.upside_share), "is not a term of a spot contract"
                )
        if t is ContractType.FLOOR:
            if p.floor is None:
                raise FieldError(
                    owner, "floor_yuan_per_kg", "", "is required for a floor contract"
                )
            if p.fixed is not None:
                raise FieldError(
                    owner,
                    "price_yuan_per_kg",
                    str(p.fixed),
                    "is not a term of a floor contract (the floor is the guarantee; use "
                    "order_dividend for a fixed order price)",
                )
        if t is ContractType.ORDER_DIVIDEND and p.fixed is None:
            raise FieldError(
                owner, "price_yuan_per_kg", "", "is required for an order_dividend contract"
            )
        if t is ContractType.EQUITY and p.fixed is not None:
            raise FieldError(
                owner,
                "price_yuan_per_kg",
                str(p.fixed),
                "is not a term of an equity contract (produce is bought at the market price, "
                "or at a floor)",
            )
        if t in (ContractType.SPOT, ContractType.FLOOR) and self.dividend_share:
            raise FieldError(
                owner,
                "dividend_share",
                str(self.dividend_share),
                f"is not a term of a {t.value} contract (use order_dividend or equity)",
            )
        if t is not ContractType.EQUITY and self.guaranteed_yuan_per_share:
            raise FieldError(
                owner,
                "guaranteed_yuan_per_share",
                str(self.guaranteed_yuan_per_share),
                "is a term of equity contracts only",
            )
        if t is ContractType.SPOT and self.penalty_yuan_per_kg:
            raise FieldError(
                owner,
                "penalty_yuan_per_kg",
                str(self.penalty_yuan_per_kg),
                "is not a term of a spot contract (nothing is promised)",
            )

    # ------------------------------------------------------------------ derived
    @property
    def fund_pays_buyer(self) -> bool:
        """True when the buyer carries a price fall (it guarantees a price), so a fund pays
        the buyer; False when the farmer sells at the market and the fund pays the farmer."""
        return self.price.guaranteed is not None

    @property
    def dividend_basis(self) -> str:
        """``"kg"`` (order contracts: kg delivered) or ``"shares"`` (equity: shares held)."""
        return "shares" if self.type is ContractType.EQUITY else "kg"

    def grade_factor(self, grade: str) -> Decimal:
        try:
            return self.grade_factors[grade]
        except KeyError:
            known = ", ".join(self.grade_factors)
            raise FieldError(
                f"Contract {self.id!r}", "grade", grade, f"is not a grade of it ({known})"
            ) from None

    def describe(self) -> str:
        parts = [f"{self.type.zh} / {self.type.en}: {self.price.describe()}"]
        if self.dividend_share:
            basis = "shares held" if self.dividend_basis == "shares" else "kg delivered"
            parts.append(f"dividend {self.dividend_share:%} of the buyer's margin by {basis}")
        if self.guaranteed_yuan_per_share:
            parts.append(f"guaranteed {self.guaranteed_yuan_per_share} yuan per share")
        if self.penalty_yuan_per_kg:
            parts.append(f"penalty {self.penalty_yuan_per_kg} yuan per undelivered kg")
        if self.fund:
            parts.append(f"member of fund {self.fund}")
        return "; ".join(parts)


@dataclass(frozen=True, slots=True)
class Member:
    """One farmer's signature on a contract: the farmer id, shares held (equity) and the kg
    promised (``contracted_kg``; None when the contract names no quantity)."""

    contract: str
    farmer: str
    shares: Decimal = ZERO
    contracted_kg: Decimal | None = None
    name: str = ""
    village: str = ""

    def __post_init__(self) -> None:
        ident("Member", "contract", self.contract)
        ident(f"Member of {self.contract!r}", "farmer", self.farmer)
        owner = f"Member {self.farmer!r} of {self.contract!r}"
        object.__setattr__(self, "shares", _dec(owner, "shares", self.shares))
        if self.contracted_kg is not None:
            object.__setattr__(
                self, "contracted_kg", _dec(owner, "contracted_kg", self.contracted_kg)
            )
        if self.village:
            ident(owner, "village", self.village)

    @property
    def label(self) -> str:
        return f"{self.name} ({self.farmer})" if self.name else self.farmer


class ContractBookError(SharingError):
    """Contracts, members and funds do not fit together; ``problems`` lists every one."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        head = f"contracts have {len(problems)} problem(s)"
        super().__init__(head + ": " + "; ".join(str(p) for p in problems[:5]))


@dataclass(frozen=True)
class ContractBook:
    """Every contract, the farmers who signed them, and the funds they belong to.

    A farmer holds at most one contract per product (deliveries are settled under it).
    """

    contracts: tuple[Contract, ...]
    members: tuple[Member, ...]
    funds: tuple[Fund, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "contracts", tuple(self.contracts))
        object.__setattr__(self, "members", tuple(self.members))
        object.__setattr__(self, "funds", tuple(self.funds))
        problems = self.find_problems()
        if problems:
            raise ContractBookError(problems)

    def find_problems(self) -> list[Problem]:
        out: list[Problem] = []
        by_id: dict[str, int] = {}
        for i, c in enumerate(self.contracts):
            if c.id in by_id:
                out.append(Problem("contracts", i, "contract", c.id, "is defined twice"))
            by_id.setdefault(c.id, i)
        funds: dict[str, int] = {}
        for i, f in enumerate(self.funds):
            if f.id in funds:
                out.append(Problem("funds", i, "fund", f.id, "is defined twice"))
            funds.setdefault(f.id, i)
        for i, c in enumerate(self.contracts):
            if c.fund and c.fund not in funds:
                out.append(Problem("contracts", i, "fund", c.fund, "names no fund"))
        seen: dict[tuple[str, str], int] = {}
        for i, m in enumerate(self.members):
            if m.contract not in by_id:
                out.append(Problem("members", i, "contract", m.contract, "names no contract"))
                continue
            mc = self.contracts[by_id[m.contract]]
            key = (m.farmer, mc.product)
            if key in seen:
                out.append(
                    Problem(
                        "members",
                        i,
                        "farmer",
                        m.farmer,
                        f"already holds a {mc.product} contract (member row {seen[key]}): one "
                        "contract per farmer and product",
                    )
                )
            seen.setdefault(key, i)
            if mc.type is ContractType.EQUITY and m.shares <= 0:
                out.append(
                    Problem("members", i, "shares", str(m.shares), "must be > 0 for equity")
                )
            if mc.type is not ContractType.EQUITY and m.shares:
                out.append(
                    Problem("members", i, "shares", str(m.shares), "is a term of equity contracts")
                )
        return out

    @cached_property
    def _contracts(self) -> dict[str, Contract]:
        return {c.id: c for c in self.contracts}

    @cached_property
    def _funds(self) -> dict[str, Fund]:
        return {f.id: f for f in self.funds}

    @cached_property
    def _by_farmer(self) -> dict[tuple[str, str], tuple[Contract, Member]]:
        out: dict[tuple[str, str], tuple[Contract, Member]] = {}
        for m in self.members:
            c = self._contracts[m.contract]
            out.setdefault((m.farmer, c.product), (c, m))
        return out

    def contract(self, contract_id: str) -> Contract:
        return self._contracts[contract_id]

    def fund(self, fund_id: str) -> Fund:
        return self._funds[fund_id]

    def members_of(self, contract_id: str) -> list[Member]:
        return [m for m in self.members if m.contract == contract_id]

    def contract_for(self, farmer: str, product: str) -> tuple[Contract, Member] | None:
        """The contract ``farmer`` holds for ``product`` (with the member row), or None."""
        return self._by_farmer.get((farmer, product))

    @property
    def products(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.product for c in self.contracts))
