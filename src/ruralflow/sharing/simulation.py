"""Monte Carlo of contract designs over price paths: farmer income, buyer margin, fund, fulfilment.

Front doors: :func:`simulate` ``(designs, model, season) -> SimulationResult`` (every design on
the same price paths: common random numbers, so differences between designs are paired),
:meth:`SimulationResult.compare` (a ranked design table) and :func:`cheapest_contribution`
(the smallest fund contribution that keeps the ruin probability under a target).

One path is ``seasons`` consecutive harvest seasons of ``weeks`` weeks of wholesale prices
``P`` (from :class:`~ruralflow.sharing.prices.PriceModel`); the farm-gate (spot) price is
``m = farm_gate_factor x P`` and the buyer resells at ``P``. Everything is vectorised over
paths; only the fund's balance is stepped week by week.

**The representative member household** (parameters in :class:`Farm`, all assumptions unless
a source is given) harvests ``household_kg`` a season, evenly over the season's weeks, at a
production cost per kg. Its season income is::

    sum over weeks [ kg_c x (contract price - farmer fund contribution)
                     + kg_s x (m - penalty) ]
    + fund payouts to the farmer + guaranteed income + dividend - production cost

where ``kg_c`` is delivered under the contract and ``kg_s`` side-sold at the spot price. The
buyer's margin is ``sum [kg_c x (P - handling cost - contract price - buyer contribution)] +
penalties + fund payouts to the buyer - guaranteed income - dividend``; the dividend is the
contract's share of that margin before dividends when positive. Grade mix is not simulated
(every kg is grade A).

**Side-selling** (:class:`SideSelling`): each week a share ``d`` of the members sells its
contracted kg on the spot market instead, rising with the relative net premium of doing so::

    r = (m - (price - farmer contribution + expected dividend per kg + stay value) - penalty)
        / price
    d = 1 / (1 + exp(-(r - r50) / spread))

(PARAMS.md s4: "side-selling probability rising with (spot - contract)/contract"). The stay
value stands for future access (inputs, credit, a guaranteed buyer next year). The defaults
are assumptions: r50 = 0 (a member indifferent at zero net premium side-sells half the time:
traders pay cash at the orchard gate and take every grade), spread = 5 % (members differ), stay
value 0.05 yuan/kg; with them a plain fixed-price order contract at the seasonal price, without
penalty or dividend (the default design ``order_fixed``), fulfils 55-57 % of its kg on the
Fuji apple paths, inside the 20-60 % that PARAMS.md s4 gives for Chinese contract farming.
Spot sales have no contract, so no fulfilment.

**The fund** collects its contribution on every kg delivered under the contract, pays
``payout_share x max(trigger - m, 0)`` per kg delivered, at most ``cap_share`` of its balance a
week; the fund is *ruined* on a path when some week's claims could not be paid in full.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from ruralflow.sharing.contracts import (
    DEFAULT_BUYER_COST_YUAN_PER_KG,
    Contract,
    ContractType,
    Fund,
    PriceTerms,
)
from ruralflow.sharing.errors import SharingError
from ruralflow.sharing.prices import Method, PriceModel
from ruralflow.sharing.text import text_table

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
RankBy = Literal["p5", "mean", "poverty", "fulfilment"]

QUANTILES = (5, 25, 50, 75, 95)


@dataclass(frozen=True, slots=True)
class Farm:
    """The representative member household and the membership (assumptions, stated)."""

    household_kg: float = 10_000.0
    production_cost_yuan_per_kg: float = 1.2
    household_size: float = 3.0
    poverty_line_yuan_per_person: float = 4_000.0
    members: int = 500
    shares_per_household: float = 4.0
    sources: tuple[tuple[str, str], ...] = (
        (
            "household_kg",
            "assumption: a Weibei apple household with about 4 mu of orchard at 2,500 kg/mu",
        ),
        (
            "production_cost_yuan_per_kg",
            "assumption: fertiliser, bags, pesticide, hired labour, about 1.2 yuan/kg",
        ),
        ("household_size", "assumption: 3 persons per rural household"),
        (
            "poverty_line_yuan_per_person",
            "assumption: about China's 2020 rural poverty line (2,300 yuan a year at 2010 "
            "prices, close to 4,000 yuan in 2020)",
        ),
        ("members", "assumption: 500 member households per contract and fund"),
        ("shares_per_household", "assumption: equity designs, 4 shares (one per mu)"),
    )

    def __post_init__(self) -> None:
        for name in (
            "household_kg",
            "production_cost_yuan_per_kg",
            "household_size",
            "poverty_line_yuan_per_person",
            "shares_per_household",
        ):
            v = getattr(self, name)
            if not (math.isfinite(v) and v >= 0):
                raise SharingError(f"Farm.{name} must be a finite number >= 0 (got {v!r})")
        if self.household_kg <= 0 or self.household_size <= 0:
            raise SharingError("Farm.household_kg and household_size must be > 0")
        if self.members < 1:
            raise SharingError(f"Farm.members must be >= 1 (got {self.members})")


@dataclass(frozen=True, slots=True)
class SideSelling:
    """The side-selling model's parameters (assumptions; see the module docstring)."""

    enabled: bool = True
    r50: float = 0.0
    spread: float = 0.05
    stay_value_yuan_per_kg: float = 0.05

    def __post_init__(self) -> None:
        if self.spread <= 0:
            raise SharingError(f"SideSelling.spread must be > 0 (got {self.spread})")
        if self.stay_value_yuan_per_kg < 0:
            raise SharingError("SideSelling.stay_value_yuan_per_kg must be >= 0")


@dataclass(frozen=True, slots=True)
class Season:
    """A harvest season: first day (month, day), number of weeks, label."""

    start: tuple[int, int]
    weeks: int
    label: str = ""

    def __post_init__(self) -> None:
        if not 1 <= self.weeks <= 52:
            raise SharingError(f"Season.weeks must be 1..52 (got {self.weeks})")


@dataclass(frozen=True, slots=True)
class Design:
    """A contract design to simulate: the contract's terms, its fund, and labels."""

    id: str
    name_zh: str
    name_en: str
    contract: Contract
    fund: Fund | None = None
    note: str = ""

    @property
    def name(self) -> str:
        return f"{self.name_zh} / {self.name_en}"

    def describe(self) -> str:
        out = self.contract.describe()
        if self.fund:
            out += "; " + self.fund.describe()
        return out


@dataclass(frozen=True, slots=True)
class Stat:
    """A Monte Carlo estimate with its standard error."""

    value: float
    se: float

    def __str__(self) -> str:
        if abs(self.value) >= 100:
            return f"{self.value:,.0f} ± {self.se:,.0f}"
        return f"{self.value:.4g} ± {self.se:.2g}"

    @property
    def pct(self) -> str:
        """As a percentage: ``"12.0% ± 0.1%"``."""
        return f"{self.value:.1%} ± {self.se:.1%}"

    def to_dict(self) -> dict[str, float]:
        return {"value": self.value, "se": self.se}


def _mean_stat(x: FloatArray) -> Stat:
    """Mean over (paths, seasons) samples; the SE uses per-path means (seasons of a path are
    dependent through the price process)."""
    per_path = x.mean(axis=1) if x.ndim == 2 else x
    n = per_path.shape[0]
    se = float(per_path.std(ddof=1) / math.sqrt(n)) if n > 1 else math.nan
    return Stat(float(x.mean()), se)


def _prob_stat(event: BoolArray) -> Stat:
    return _mean_stat(event.astype(np.float64))


def _quantile_stat(x: FloatArray, q: float) -> Stat:
    """A quantile with its asymptotic SE sqrt(q(1-q)/n) / density (density from the
    sample's spacing around the quantile)."""
    flat = x.ravel()
    n = flat.shape[0]
    v = float(np.percentile(flat, q))
    p = q / 100.0
    h = max(0.01, 1.0 / math.sqrt(n))
    lo, hi = np.percentile(flat, [max(0.0, q - 100 * h), min(100.0, q + 100 * h)])
    span = float(hi - lo)
    dens_inv = span / (min(1.0, p + h) - max(0.0, p - h)) if span > 0 else 0.0
    return Stat(v, math.sqrt(p * (1 - p) / n) * dens_inv)


@dataclass(eq=False)
class DesignOutcome:
    """One design's simulated distributions (per member household and season) and fund."""

    design: Design
    income: FloatArray  # (paths, seasons) farmer net income per household, yuan
    margin: FloatArray  # (paths, seasons) buyer margin per member household, yuan
    fulfilment: FloatArray  # (paths, seasons) share of contracted kg delivered
    dividend: FloatArray  # (paths, seasons) per household
    fund_balance: FloatArray | None  # (paths, seasons * weeks) after each week, yuan
    ruined: BoolArray | None  # (paths,)
    contributions: FloatArray | None  # (paths,) total over the horizon, yuan
    payouts: FloatArray | None  # (paths,) total over the horizon, yuan
    farm: Farm = field(default_factory=Farm)

    @property
    def per_person(self) -> FloatArray:
        return self.income / self.farm.household_size

    def stats(self) -> dict[str, Stat | None]:
        line = self.farm.poverty_line_yuan_per_person
        has_contract = self.design.contract.type is not ContractType.SPOT
        out: dict[str, Stat | None] = {
            "income_mean": _mean_stat(self.income),
            "income_p5": _quantile_stat(self.income, 5),
            "income_p95": _quantile_stat(self.income, 95),
            "poverty": _prob_stat(self.per_person < line),
            "margin_mean": _mean_stat(self.margin),
            "margin_p5": _quantile_stat(self.margin, 5),
            "buyer_loss": _prob_stat(self.margin < 0),
            "fulfilment_mean": _mean_stat(self.fulfilment) if has_contract else None,
            "fulfilment_p5": _quantile_stat(self.fulfilment, 5) if has_contract else None,
            "dividend_mean": _mean_stat(self.dividend),
            "ruin": None,
            "fund_final_mean": None,
            "fund_final_p5": None,
        }
        if self.ruined is not None and self.fund_balance is not None:
            out["ruin"] = _prob_stat(self.ruined)
            final = self.fund_balance[:, -1]
            out["fund_final_mean"] = _mean_stat(final)
            out["fund_final_p5"] = _quantile_stat(final, 5)
        return out

    def fan(self) -> FloatArray | None:
        """Fund balance quantiles (5, 25, 50, 75, 95) per week: shape (5, seasons x weeks)."""
        if self.fund_balance is None:
            return None
        return np.asarray(np.percentile(self.fund_balance, QUANTILES, axis=0), dtype=np.float64)

    def to_dict(self) -> dict[str, Any]:
        st = self.stats()
        fan = self.fan()
        return {
            "id": self.design.id,
            "name": self.design.name,
            "terms": self.design.describe(),
            **{k: (None if v is None else v.to_dict()) for k, v in st.items()},
            "fund_fan_yuan": None
            if fan is None
            else {
                f"p{q}": [round(float(x), 2) for x in row]
                for q, row in zip(QUANTILES, fan, strict=True)
            },
        }


@dataclass(eq=False)
class SimulationResult:
    """Every design on the same price paths, with the settings that produced them."""

    outcomes: list[DesignOutcome]
    model: PriceModel
    season: Season
    paths: int
    seasons: int
    seed: int
    method: Method
    farm_gate_factor: float
    farm: Farm
    side: SideSelling
    wholesale: FloatArray = field(repr=False)  # (paths, seasons, weeks)
    runtime_s: float = 0.0

    def outcome(self, design_id: str) -> DesignOutcome:
        for o in self.outcomes:
            if o.design.id == design_id:
                return o
        raise KeyError(design_id)

    def price_summary(self) -> dict[str, float]:
        m = self.wholesale * self.farm_gate_factor
        season_mean = m.mean(axis=2)
        return {
            "farm_gate_mean": float(m.mean()),
            "farm_gate_season_p5": float(np.percentile(season_mean, 5)),
            "farm_gate_season_p95": float(np.percentile(season_mean, 95)),
        }

    def summary(self) -> str:
        ps = self.price_summary()
        out = [
            f"模拟 / Simulation: {self.paths:,} paths x {self.seasons} season(s) of "
            f"{self.season.weeks} weeks from {self.season.start[0]:02d}-{self.season.start[1]:02d}"
            f" ({self.season.label}), method {self.method}, seed {self.seed}, "
            f"{self.runtime_s:.2f} s",
            f"价格 / prices: {self.model.describe()}",
            f"  farm-gate = {self.farm_gate_factor:g} x wholesale: season mean "
            f"{ps['farm_gate_mean']:.3f} yuan/kg (season P5 {ps['farm_gate_season_p5']:.3f}, "
            f"P95 {ps['farm_gate_season_p95']:.3f})",
            f"  household {self.farm.household_kg:,.0f} kg, cost "
            f"{self.farm.production_cost_yuan_per_kg} yuan/kg, "
            f"{self.farm.household_size:g} persons, poverty line "
            f"{self.farm.poverty_line_yuan_per_person:,.0f} yuan/person; {self.farm.members} "
            f"member households",
            f"  side-selling: r50 {self.side.r50:.0%}, spread {self.side.spread:.0%}, stay value "
            f"{self.side.stay_value_yuan_per_kg} yuan/kg"
            + ("" if self.side.enabled else " (disabled)"),
        ]
        for o in self.outcomes:
            st = o.stats()

            def g(key: str, st: dict[str, Stat | None] = st) -> Stat:
                v = st[key]
                assert v is not None
                return v

            out.append(f"[{o.design.id}] {o.design.name}: {o.design.describe()}")
            out.append(
                f"  农户收入 farmer income/household: mean {g('income_mean')} yuan, P5 "
                f"{g('income_p5')}, P95 {g('income_p95')}; P(per person < poverty line) "
                f"{g('poverty').pct}"
            )
            out.append(
                f"  收购方毛利 buyer margin/household: mean {g('margin_mean')} yuan, P5 "
                f"{g('margin_p5')}, P(loss) {g('buyer_loss').pct}"
            )
            if st["fulfilment_mean"] is not None:
                out.append(
                    f"  履约率 fulfilment: mean {g('fulfilment_mean').pct}, P5 "
                    f"{g('fulfilment_p5').pct}"
                )
            if st["ruin"] is not None:
                out.append(
                    f"  基金 fund: P(ruin) {g('ruin').pct}; final balance mean "
                    f"{g('fund_final_mean')} yuan, P5 {g('fund_final_p5')} yuan"
                )
        out.append("  (± = Monte Carlo standard error)")
        out.append(verdict(self).summary())
        return "\n".join(out)

    def to_dict(self) -> dict[str, Any]:
        return {
            "paths": self.paths,
            "seasons": self.seasons,
            "season": {
                "start": f"{self.season.start[0]:02d}-{self.season.start[1]:02d}",
                "weeks": self.season.weeks,
                "label": self.season.label,
            },
            "seed": self.seed,
            "method": self.method,
            "runtime_s": self.runtime_s,
            "farm_gate_factor": self.farm_gate_factor,
            "prices": self.price_summary(),
            "model": self.model.to_dict(),
            "farm": {
                k: getattr(self.farm, k)
                for k in (
                    "household_kg",
                    "production_cost_yuan_per_kg",
                    "household_size",
                    "poverty_line_yuan_per_person",
                    "members",
                    "shares_per_household",
                )
            },
            "farm_sources": dict(self.farm.sources),
            "side_selling": {
                "enabled": self.side.enabled,
                "r50": self.side.r50,
                "spread": self.side.spread,
                "stay_value_yuan_per_kg": self.side.stay_value_yuan_per_kg,
            },
            "designs": [o.to_dict() for o in self.outcomes],
            "verdict": verdict(self).to_dict(),
        }

    def compare(self, *, rank_by: RankBy = "p5", ruin_target: float = 0.05) -> Comparison:
        return compare(self, rank_by=rank_by, ruin_target=ruin_target)


# --------------------------------------------------------------------------- engine
def _fund_terms(fund: Fund | None) -> tuple[float, float, float, float, float, float, float]:
    if fund is None:
        return (0.0,) * 7
    c = float(fund.contribution_yuan_per_kg)
    return (
        c * float(fund.farmer_share),
        c * float(fund.buyer_share),
        c,
        float(fund.trigger_yuan_per_kg),
        float(fund.payout_share),
        float(fund.cap_share),
        float(fund.opening_yuan),
    )


def run_design(
    design: Design,
    wholesale: FloatArray,
    *,
    farm_gate_factor: float,
    farm: Farm = Farm(),
    side: SideSelling = SideSelling(),
) -> DesignOutcome:
    """Simulate one design on given wholesale paths ``(paths, seasons, weeks)``."""
    paths, seasons, weeks = wholesale.shape
    c = design.contract
    m = farm_gate_factor * wholesale
    price = c.price.price_array(m)
    k_week = farm.household_kg / weeks
    cf, cb, ctot, trigger, payout_share, cap, opening = _fund_terms(design.fund)
    pen = float(c.penalty_yuan_per_kg)
    bcost = float(c.buyer_cost_yuan_per_kg)
    delta = float(c.dividend_share)
    guaranteed = (
        float(c.guaranteed_yuan_per_share) * farm.shares_per_household
        if c.type is ContractType.EQUITY
        else 0.0
    )
    spot = c.type is ContractType.SPOT
    fund_to_buyer = c.fund_pays_buyer

    # expected dividend per kg (what members expect to stay for): first pass, full delivery
    div_per_kg = 0.0
    if delta > 0:
        m0 = k_week * (wholesale - bcost - price - cb).sum(axis=2) - guaranteed
        div_per_kg = delta * float(np.maximum(m0, 0.0).mean()) / farm.household_kg

    if spot or not side.enabled:
        deliver = np.ones_like(m)
    else:
        net = price - cf + div_per_kg + side.stay_value_yuan_per_kg
        r = (m - net - pen) / np.maximum(price, 1e-9)
        deliver = 1.0 - 1.0 / (1.0 + np.exp(-(r - side.r50) / side.spread))
    kg_c = k_week * deliver
    kg_s = k_week - kg_c

    pay_hh = np.zeros_like(m)  # fund payout per household per week
    balance: FloatArray | None = None
    ruined: BoolArray | None = None
    contrib_total: FloatArray | None = None
    paid_total: FloatArray | None = None
    if design.fund is not None:
        n = farm.members
        bal = np.full(paths, opening)
        ruined = np.zeros(paths, dtype=bool)
        balance = np.empty((paths, seasons * weeks))
        contrib_total = np.zeros(paths)
        paid_total = np.zeros(paths)
        short = payout_share * np.maximum(trigger - m, 0.0)
        t = 0
        for j in range(seasons):
            for w in range(weeks):
                kg = kg_c[:, j, w] * n
                inflow = ctot * kg
                bal += inflow
                contrib_total += inflow
                claims = short[:, j, w] * kg
                avail = cap * bal
                pay = np.minimum(claims, avail)
                ruined |= claims > avail * (1.0 + 1e-12) + 1e-9
                bal -= pay
                paid_total += pay
                pay_hh[:, j, w] = pay / n
                balance[:, t] = bal
                t += 1

    pay_f = pay_hh.sum(axis=2) if not fund_to_buyer else 0.0
    pay_b = pay_hh.sum(axis=2) if fund_to_buyer else 0.0
    m0 = (
        (kg_c * (wholesale - bcost - price - cb)).sum(axis=2)
        + (kg_s * pen).sum(axis=2)
        + pay_b
        - guaranteed
    )
    dividend = delta * np.maximum(m0, 0.0)
    margin = m0 - dividend
    income = (
        (kg_c * (price - cf)).sum(axis=2)
        + (kg_s * (m - pen)).sum(axis=2)
        + pay_f
        + guaranteed
        + dividend
        - farm.production_cost_yuan_per_kg * farm.household_kg
    )
    fulfilment = kg_c.sum(axis=2) / farm.household_kg
    return DesignOutcome(
        design=design,
        income=np.asarray(income, dtype=np.float64),
        margin=np.asarray(margin, dtype=np.float64),
        fulfilment=np.asarray(fulfilment, dtype=np.float64),
        dividend=np.asarray(dividend, dtype=np.float64),
        fund_balance=balance,
        ruined=ruined,
        contributions=contrib_total,
        payouts=paid_total,
        farm=farm,
    )


def simulate(
    designs: Sequence[Design],
    model: PriceModel,
    season: Season,
    *,
    paths: int = 100_000,
    seasons: int = 3,
    seed: int = 0,
    method: Method = "model",
    farm_gate_factor: float = 0.5,
    farm: Farm = Farm(),
    side: SideSelling = SideSelling(),
) -> SimulationResult:
    """Simulate every design on the same ``paths`` price paths (reproducible for ``seed``)."""
    if not designs:
        raise SharingError("no designs to simulate")
    ids = [d.id for d in designs]
    if len(set(ids)) != len(ids):
        raise SharingError(f"design ids must be unique (got {ids})")
    if not 0 < farm_gate_factor <= 1:
        raise SharingError(f"farm_gate_factor must be in (0, 1] (got {farm_gate_factor})")
    t0 = time.perf_counter()
    wholesale = model.simulate(
        season.start, season.weeks, paths, seasons=seasons, seed=seed, method=method
    )
    outcomes = [
        run_design(d, wholesale, farm_gate_factor=farm_gate_factor, farm=farm, side=side)
        for d in designs
    ]
    return SimulationResult(
        outcomes=outcomes,
        model=model,
        season=season,
        paths=paths,
        seasons=seasons,
        seed=seed,
        method=method,
        farm_gate_factor=farm_gate_factor,
        farm=farm,
        side=side,
        wholesale=wholesale,
        runtime_s=time.perf_counter() - t0,
    )


# --------------------------------------------------------------------------- verdict
#: A design *works* for a county when the buyer's mean margin is positive and fewer than this
#: share of member households fall under the poverty line.
POVERTY_SHARE_LIMIT = 0.5


@dataclass(frozen=True, slots=True)
class Verdict:
    """Which designs work (buyer mean margin > 0 and P(poverty) < 50 %), or why none can."""

    workable: tuple[str, ...]
    reasons: tuple[str, ...]
    chain: dict[str, float]

    def summary(self) -> str:
        c = self.chain
        head = (
            f"结论 / verdict (buyer mean margin > 0 and fewer than "
            f"{POVERTY_SHARE_LIMIT:.0%} of households under the poverty line): "
        )
        if self.workable:
            head += "可行方案 workable designs: " + ", ".join(self.workable)
        else:
            head += "没有可行方案 / no design works"
        lines = [
            head,
            f"  chain per kg: mean wholesale {c['wholesale_mean']:.2f}, farm-gate "
            f"{c['farm_gate_mean']:.2f}, buyer handling {c['buyer_cost']:.2f}, production cost "
            f"{c['production_cost']:.2f}, poverty income {c['poverty_income_per_kg']:.2f} "
            f"yuan/kg (cost-plus floor {c['cost_plus_floor']:.2f} yuan/kg)",
        ]
        lines += [f"  原因 / why: {r}" for r in self.reasons]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "workable": list(self.workable),
            "reasons": list(self.reasons),
            "chain": {k: round(v, 4) for k, v in self.chain.items()},
            "poverty_share_limit": POVERTY_SHARE_LIMIT,
        }


def verdict(result: SimulationResult) -> Verdict:
    """The designs of ``result`` that work, or the reasons no design can (see :class:`Verdict`).

    The reasons test the season's mean prices: the production cost against the farm-gate
    price, and the whole chain's surplus (mean wholesale - buyer's handling cost - production
    cost, times the household's kg) against the poverty income (line x household size): when
    the surplus falls short, no split between farmer and buyer can satisfy both.
    """
    farm = result.farm
    workable: list[str] = []
    for o in result.outcomes:
        st = o.stats()
        margin, poverty = st["margin_mean"], st["poverty"]
        if (
            margin is not None
            and poverty is not None
            and margin.value > 0
            and poverty.value < POVERTY_SHARE_LIMIT
        ):
            workable.append(o.design.id)
    ps = result.price_summary()
    m = ps["farm_gate_mean"]
    w = m / result.farm_gate_factor
    b = min(float(o.design.contract.buyer_cost_yuan_per_kg) for o in result.outcomes)
    c = farm.production_cost_yuan_per_kg
    floor = cost_plus_floor(farm)
    poverty_kg = floor - c
    chain = {
        "wholesale_mean": w,
        "farm_gate_mean": m,
        "buyer_cost": b,
        "production_cost": c,
        "poverty_income_per_kg": poverty_kg,
        "cost_plus_floor": floor,
        "household_kg": farm.household_kg,
        "chain_surplus_per_household": (w - b - c) * farm.household_kg,
        "poverty_income_per_household": poverty_kg * farm.household_kg,
    }
    reasons: list[str] = []
    if not workable:
        if c >= m:
            reasons.append(
                f"farm cost above farm-gate price: the production cost {c:.2f} yuan/kg is at "
                f"or above the mean farm-gate price {m:.2f} yuan/kg"
            )
        if w - b <= 0:
            reasons.append(
                f"the buyer's handling cost {b:.2f} yuan/kg is at or above the mean wholesale "
                f"price {w:.2f} yuan/kg: the buyer loses at any purchase price"
            )
        surplus = (w - b - c) * farm.household_kg
        need = poverty_kg * farm.household_kg
        if surplus < need:
            reasons.append(
                f"no split can work: the whole chain's surplus per member household, (mean "
                f"wholesale {w:.2f} - handling {b:.2f} - production cost {c:.2f}) x "
                f"{farm.household_kg:,.0f} kg = {surplus:,.0f} yuan, is below the poverty "
                f"income {need:,.0f} yuan ({farm.poverty_line_yuan_per_person:,.0f} yuan x "
                f"{farm.household_size:g} persons)"
            )
        if not reasons:
            reasons.append(
                f"none of these designs, though the chain's mean surplus allows one: a "
                f"guaranteed price between the cost-plus floor {floor:.2f} and the buyer's "
                f"break-even {w - b:.2f} yuan/kg (mean wholesale - handling); the seasons' "
                f"price swings decide whether it holds on average"
            )
    return Verdict(tuple(workable), tuple(reasons), chain)


# --------------------------------------------------------------------------- comparison
RANK_TEXT: dict[str, str] = {
    "p5": "farmer income P5 (the bad-season income of a member household), higher first",
    "mean": "mean farmer income, higher first",
    "poverty": "probability of income below the poverty line, lower first",
    "fulfilment": "mean fulfilment rate, higher first (spot last)",
}


@dataclass(frozen=True, slots=True)
class ComparisonRow:
    rank: int
    design: Design
    viable: bool
    why_not: str
    stats: dict[str, Stat | None]


@dataclass(frozen=True)
class Comparison:
    """Designs ranked by a stated criterion; viable designs first.

    A design is *viable* when the buyer's mean margin is not negative and, for a design with a
    fund, its ruin probability is at most ``ruin_target``.
    """

    rows: tuple[ComparisonRow, ...]
    rank_by: str
    ruin_target: float
    result: SimulationResult

    @property
    def criterion(self) -> str:
        return (
            f"viable designs first (buyer mean margin >= 0, fund ruin probability <= "
            f"{self.ruin_target:.0%}), then by {RANK_TEXT[self.rank_by]}"
        )

    def table(self) -> list[list[str]]:
        head = [
            "#",
            "方案 Design",
            "农户均值 Mean",
            "P5",
            "P95",
            "贫困线下 <Line",
            "收购方 Buyer",
            "履约 Fulfil",
            "破产 Ruin",
            "可行 Viable",
        ]
        out = [head]
        for r in self.rows:
            s = r.stats

            def v(key: str, fmt: str, s: dict[str, Stat | None] = s) -> str:
                x = s[key]
                return "–" if x is None else format(x.value, fmt)

            out.append(
                [
                    str(r.rank),
                    f"{r.design.id} {r.design.name_zh}",
                    v("income_mean", ",.0f"),
                    v("income_p5", ",.0f"),
                    v("income_p95", ",.0f"),
                    v("poverty", ".1%"),
                    v("margin_mean", ",.0f"),
                    v("fulfilment_mean", ".0%"),
                    v("ruin", ".1%"),
                    "yes" if r.viable else f"no: {r.why_not}",
                ]
            )
        return out

    def summary(self) -> str:
        lines = [f"排序 / Ranking: {self.criterion}", text_table(self.table(), left_columns=2)]
        lines.append("yuan per member household and season; ± standard errors in the JSON output")
        lines.append(verdict(self.result).summary())
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "criterion": self.criterion,
            "rank_by": self.rank_by,
            "ruin_target": self.ruin_target,
            "rows": [
                {
                    "rank": r.rank,
                    "id": r.design.id,
                    "name": r.design.name,
                    "viable": r.viable,
                    "why_not": r.why_not,
                    **{k: (None if v is None else v.to_dict()) for k, v in r.stats.items()},
                }
                for r in self.rows
            ],
            "verdict": verdict(self.result).to_dict(),
        }


def compare(
    result: SimulationResult, *, rank_by: RankBy = "p5", ruin_target: float = 0.05
) -> Comparison:
    """Rank the designs of ``result`` (see :class:`Comparison` for the criterion)."""
    if rank_by not in RANK_TEXT:
        raise SharingError(f"rank_by must be one of {', '.join(RANK_TEXT)} (got {rank_by!r})")
    scored: list[tuple[tuple[float, ...], DesignOutcome, bool, str, dict[str, Stat | None]]] = []
    for o in result.outcomes:
        st = o.stats()
        why: list[str] = []
        margin = st["margin_mean"]
        if margin is not None and margin.value < 0:
            why.append("buyer loses on average")
        ruin = st["ruin"]
        if ruin is not None and ruin.value > ruin_target:
            why.append(f"fund ruin {ruin.value:.0%} > {ruin_target:.0%}")
        viable = not why
        key: float
        if rank_by == "p5":
            key = -_val(st["income_p5"])
        elif rank_by == "mean":
            key = -_val(st["income_mean"])
        elif rank_by == "poverty":
            key = _val(st["poverty"])
        else:
            f = st["fulfilment_mean"]
            key = -(f.value if f is not None else -1.0)
        scored.append(
            (
                (0.0 if viable else 1.0, key, -_val(st["income_mean"])),
                o,
                viable,
                "; ".join(why),
                st,
            )
        )
    scored.sort(key=lambda t: t[0])
    rows = tuple(
        ComparisonRow(i + 1, o.design, viable, why, st)
        for i, (_, o, viable, why, st) in enumerate(scored)
    )
    return Comparison(rows=rows, rank_by=rank_by, ruin_target=ruin_target, result=result)


def _val(s: Stat | None) -> float:
    return math.nan if s is None else s.value


# --------------------------------------------------------------------------- fund search
@dataclass(frozen=True)
class FundSearch:
    """The cheapest contribution (yuan/kg) keeping the fund's ruin probability <= target."""

    design: Design
    target: float
    contribution_yuan_per_kg: float | None
    ruin: Stat | None
    evaluations: tuple[tuple[float, float], ...]
    upper_yuan_per_kg: float

    @property
    def found(self) -> bool:
        return self.contribution_yuan_per_kg is not None

    @property
    def premium_rate(self) -> float | None:
        """Contribution as a share of the insured value per kg (the trigger price)."""
        if self.contribution_yuan_per_kg is None or self.design.fund is None:
            return None
        return self.contribution_yuan_per_kg / float(self.design.fund.trigger_yuan_per_kg)

    def summary(self) -> str:
        f = self.design.fund
        assert f is not None
        if self.contribution_yuan_per_kg is None:
            return (
                f"[{self.design.id}] no contribution up to {self.upper_yuan_per_kg:.3f} yuan/kg "
                f"keeps the ruin probability <= {self.target:.0%}"
            )
        c = self.contribution_yuan_per_kg
        ruin = self.ruin.pct if self.ruin else "–"
        parts = ", ".join(f"{p} {c * float(s):.3f}" for p, s in f.shares())
        return (
            f"[{self.design.id}] cheapest contribution for P(ruin) <= {self.target:.0%}: "
            f"{c:.3f} yuan/kg ({parts}); {self.premium_rate:.1%} of the insured value "
            f"(trigger {f.trigger_yuan_per_kg} yuan/kg); P(ruin) there {ruin} "
            f"({len(self.evaluations)} evaluations on the same paths)"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "design": self.design.id,
            "target": self.target,
            "contribution_yuan_per_kg": self.contribution_yuan_per_kg,
            "premium_rate": self.premium_rate,
            "ruin": None if self.ruin is None else self.ruin.to_dict(),
            "evaluations": [list(e) for e in self.evaluations],
        }


def with_contribution(design: Design, yuan_per_kg: float) -> Design:
    """``design`` with its fund's contribution set to ``yuan_per_kg`` (0.001 yuan steps)."""
    if design.fund is None:
        raise SharingError(f"design {design.id!r} has no fund")
    c = Decimal(f"{yuan_per_kg:.3f}")
    return replace(design, fund=replace(design.fund, contribution_yuan_per_kg=c))


def cheapest_contribution(
    design: Design,
    wholesale: FloatArray,
    *,
    target: float = 0.05,
    farm_gate_factor: float = 0.5,
    farm: Farm = Farm(),
    side: SideSelling = SideSelling(),
    tol_yuan_per_kg: float = 0.001,
) -> FundSearch:
    """Bisection on the contribution per kg (same price paths at every step, so the ruin
    probability is compared on common random numbers) between 0 and ``2 x trigger / cap``."""
    if design.fund is None:
        raise SharingError(f"design {design.id!r} has no fund")
    if not 0 < target < 1:
        raise SharingError(f"target must be in (0, 1) (got {target})")
    evals: list[tuple[float, float]] = []

    def ruin(c: float) -> tuple[float, Stat]:
        o = run_design(
            with_contribution(design, c),
            wholesale,
            farm_gate_factor=farm_gate_factor,
            farm=farm,
            side=side,
        )
        assert o.ruined is not None
        s = _prob_stat(o.ruined)
        evals.append((round(c, 3), s.value))
        return s.value, s

    fund = design.fund
    hi = round(2.0 * float(fund.trigger_yuan_per_kg) / float(fund.cap_share), 3)
    r_hi, s_hi = ruin(hi)
    if r_hi > target:
        return FundSearch(design, target, None, s_hi, tuple(evals), hi)
    lo = 0.0
    r_lo, s_lo = ruin(lo)
    if r_lo <= target:
        return FundSearch(design, target, 0.0, s_lo, tuple(evals), hi)
    best = (hi, s_hi)
    while hi - lo > tol_yuan_per_kg:
        mid = round((lo + hi) / 2, 3)
        if mid in (lo, hi):
            break
        r_mid, s_mid = ruin(mid)
        if r_mid <= target:
            hi, best = mid, (mid, s_mid)
        else:
            lo = mid
    return FundSearch(
        design,
        target,
        best[0],
        best[1],
        tuple(evals),
        2.0 * float(fund.trigger_yuan_per_kg) / float(fund.cap_share),
    )


# --------------------------------------------------------------------------- default designs
def default_designs(
    product: str,
    reference_yuan_per_kg: float,
    *,
    buyer_cost_yuan_per_kg: float | None = None,
    farm: Farm | None = None,
) -> list[Design]:
    """The documented default design set for a product whose typical farm-gate price in the
    season is ``reference_yuan_per_kg`` (p): prices are set relative to p, rounded to the fen.

    ======================  ========================================================
    ``spot``                现货收购: the market price
    ``order_fixed``         订单收购（固定价）: fixed order price p, no penalty, no dividend
                            (the loose tie of PARAMS.md s4: fulfilment 20-60 %)
    ``floor_market``        保底+随行就市: floor 0.9 p, the market above it
    ``order_dividend``      订单收购+分红: order price 0.95 p, 30 % of the margin by kg,
                            penalty 0.2 yuan/kg
    ``equity``              入股+保底+分红: floor 0.85 p with the market above it,
                            150 yuan guaranteed per share, 30 % of the margin by shares
    ``spot_fund``           现货+价格风险基金: spot, fund paying the farmer 100 % of the shortfall
                            below 0.9 p; contribution 6 % of the trigger (PARAMS.md s4: premium
                            about 5-6 % of insured value) split farmer 20 %, buyer 30 %,
                            government 50 % (PARAMS.md: farmers pay 10-20 %); at most 50 % of
                            the balance a week; no opening balance
    ``floor_fund``          保底+基金: floor 0.9 p with the market above it; the fund (trigger
                            = the floor) pays the buyer
    ``floor_cost``          保本保底 (only with ``farm``): a floor at the household's production
                            cost plus the poverty income per kg (poverty line x household
                            size / household kg), the market above it; the 成本加成 price
                            guarantee: the least floor that keeps a member household at the
                            poverty line in any season
    ======================  ========================================================

    ``buyer_cost_yuan_per_kg`` sets every contract's handling cost (default: the contract's,
    2.0 yuan/kg). Multipliers, penalty, guaranteed income and dividend shares are assumptions.
    """
    p = reference_yuan_per_kg
    bcost = (
        DEFAULT_BUYER_COST_YUAN_PER_KG
        if buyer_cost_yuan_per_kg is None
        else Decimal(f"{buyer_cost_yuan_per_kg:.2f}")
    )

    def yuan(x: float) -> Decimal:
        return Decimal(f"{x:.2f}")

    pen = Decimal("0.2")
    trigger = yuan(0.9 * p)
    contrib = Decimal(f"{0.06 * float(trigger):.3f}")

    def fund(fid: str, trig: Decimal) -> Fund:
        return Fund(
            fid,
            contribution_yuan_per_kg=contrib,
            trigger_yuan_per_kg=trig,
            farmer_share=Decimal("0.2"),
            buyer_share=Decimal("0.3"),
            government_share=Decimal("0.5"),
            payout_share=Decimal(1),
            cap_share=Decimal("0.5"),
            source="default design (assumption; premium rate and split after PARAMS.md s4)",
        )

    floor_fund = fund("fund_floor", trigger)
    designs = [
        Design("spot", "现货收购", "spot sale", Contract("spot", product, ContractType.SPOT)),
        Design(
            "order_fixed",
            "订单收购(固定价)",
            "fixed-price order",
            Contract(
                "order_fixed",
                product,
                ContractType.ORDER_DIVIDEND,
                PriceTerms(fixed=yuan(p)),
            ),
        ),
        Design(
            "floor_market",
            "保底+随行就市",
            "floor + market",
            Contract(
                "floor_market",
                product,
                ContractType.FLOOR,
                PriceTerms(floor=yuan(0.9 * p), upside_share=Decimal(1)),
                penalty_yuan_per_kg=pen,
            ),
        ),
        Design(
            "order_dividend",
            "订单收购+分红",
            "order + dividend",
            Contract(
                "order_dividend",
                product,
                ContractType.ORDER_DIVIDEND,
                PriceTerms(fixed=yuan(0.95 * p)),
                dividend_share=Decimal("0.3"),
                penalty_yuan_per_kg=pen,
            ),
        ),
        Design(
            "equity",
            "入股+保底+分红",
            "equity + guarantee + dividend",
            Contract(
                "equity",
                product,
                ContractType.EQUITY,
                PriceTerms(floor=yuan(0.85 * p), upside_share=Decimal(1)),
                dividend_share=Decimal("0.3"),
                guaranteed_yuan_per_share=Decimal(150),
                penalty_yuan_per_kg=pen,
            ),
        ),
        Design(
            "spot_fund",
            "现货+风险基金",
            "spot + price fund",
            Contract("spot_fund", product, ContractType.SPOT, fund="fund_spot"),
            fund("fund_spot", trigger),
        ),
        Design(
            "floor_fund",
            "保底+风险基金",
            "floor + price fund",
            Contract(
                "floor_fund",
                product,
                ContractType.FLOOR,
                PriceTerms(floor=trigger, upside_share=Decimal(1)),
                penalty_yuan_per_kg=pen,
                fund="fund_floor",
            ),
            floor_fund,
        ),
    ]
    if farm is not None:
        need = cost_plus_floor(farm)
        designs.append(
            Design(
                "floor_cost",
                "保本保底",
                "cost-plus floor",
                Contract(
                    "floor_cost",
                    product,
                    ContractType.FLOOR,
                    PriceTerms(
                        floor=Decimal(f"{math.ceil(need * 100 - 1e-9) / 100:.2f}"),
                        upside_share=Decimal(1),
                    ),
                    penalty_yuan_per_kg=pen,
                ),
                note=(
                    f"floor = production cost {farm.production_cost_yuan_per_kg:.2f} + poverty "
                    f"income {need - farm.production_cost_yuan_per_kg:.2f} yuan/kg"
                ),
            )
        )
    return [
        replace(d, contract=replace(d.contract, buyer_cost_yuan_per_kg=bcost)) for d in designs
    ]


def cost_plus_floor(farm: Farm) -> float:
    """The farm-gate price (yuan/kg) at which a member household's season income equals the
    poverty line: production cost + poverty line x household size / household kg."""
    return (
        farm.production_cost_yuan_per_kg
        + farm.poverty_line_yuan_per_person * farm.household_size / farm.household_kg
    )
