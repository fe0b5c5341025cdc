"""The talent pipeline (issue 19, item 3; the source's 培训-孵化-供应链 model, 4.2.1, after the
Lishui 村播学院): cohorts go through training (courses: live-stream operation, supply-chain
management), practice, incubation (a shop or live-stream account opened) and supply-chain
linkage (the graduate's shop sells the county's products).

* A **trainee** has the furthest stage it reached: ``enrolled``, ``trained``, ``practised``,
  ``incubated`` (with its ``shop``). It is **linked** when its shop sold a product of the
  county (at least one order of a product of ``products.csv``).
* The **funnel** of a cohort counts the trainees that reached at least each stage; the
  **conversion** of a stage is its count over the previous stage's (None when that is 0).
* **Sales** per cohort: orders, kg and yuan of its trainees' shops.
* **Who to invite next**: villages with up-flow supply (``supply_up``) but no linked seller
  among the trainees, largest supply first.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ruralflow.domain import County, FieldError

__all__ = [
    "COURSES",
    "STAGES",
    "Cohort",
    "ShopSale",
    "TalentReport",
    "Trainee",
    "talent_pipeline",
]

COURSES: dict[str, str] = {
    "live_streaming": "直播运营 / live-stream operation",
    "supply_chain": "供应链管理 / supply-chain management",
}
#: The stages in order; ``linked`` is derived from the shop's sales.
STAGES = ("enrolled", "trained", "practised", "incubated")
FUNNEL = (*STAGES, "linked")
_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")


def _id(owner: str, name: str, v: Any) -> None:
    if not isinstance(v, str) or not _ID.match(v):
        raise FieldError(owner, name, v, "须为 1-64 个字母、数字或 _ . : - / must be an id")


@dataclass(frozen=True, slots=True)
class Cohort:
    id: str
    name: str
    course: str
    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        owner = f"Cohort {self.id!r}"
        _id(owner, "cohort", self.id)
        if self.course not in COURSES:
            raise FieldError(
                owner, "course", self.course, "须为 / must be one of " + ", ".join(COURSES)
            )
        if self.end < self.start:
            raise FieldError(owner, "end", self.end, "早于开始日 / is before start")


@dataclass(frozen=True, slots=True)
class Trainee:
    id: str
    cohort: str
    village: str
    stage: str
    shop: str = ""

    def __post_init__(self) -> None:
        owner = f"Trainee {self.id!r}"
        _id(owner, "trainee", self.id)
        if self.stage not in STAGES:
            raise FieldError(
                owner, "stage", self.stage, "须为 / must be one of " + ", ".join(STAGES)
            )
        if self.stage == "incubated" and not self.shop:
            raise FieldError(
                owner, "shop", self.shop, "孵化阶段须填店铺 / is required at stage incubated"
            )
        if self.shop and self.stage != "incubated":
            raise FieldError(
                owner,
                "shop",
                self.shop,
                "只有孵化阶段才有店铺 / is given only at stage incubated",
            )
        if self.shop:
            _id(owner, "shop", self.shop)


@dataclass(frozen=True, slots=True)
class ShopSale:
    """A shop's sales of one product on one day."""

    day: dt.date
    shop: str
    product: str
    orders: int
    kg: Decimal
    sales_yuan: Decimal

    def __post_init__(self) -> None:
        owner = f"ShopSale {self.shop!r} {self.day}"
        if self.orders < 0:
            raise FieldError(owner, "orders", self.orders, "须 >= 0 / must be >= 0")
        for name in ("kg", "sales_yuan"):
            v = getattr(self, name)
            if not v.is_finite() or v < 0:
                raise FieldError(owner, name, v, "须 >= 0 / must be >= 0")


@dataclass(frozen=True)
class TalentReport:
    cohorts: tuple[dict[str, Any], ...]
    invite: tuple[dict[str, Any], ...]

    def summary(self) -> str:
        enrolled = sum(c["funnel"]["enrolled"] for c in self.cohorts)
        linked = sum(c["funnel"]["linked"] for c in self.cohorts)
        sales = sum(c["sales_yuan"] for c in self.cohorts)
        return (
            f"{len(self.cohorts)} 期：{enrolled} 人入学，{linked} 人带货，销售 {sales:,.2f} 元 / "
            f"{len(self.cohorts)} cohorts: {enrolled} enrolled, {linked} linked sellers, "
            f"{sales:,.2f} yuan of sales; {len(self.invite)} villages to invite"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "stages": list(FUNNEL),
            "cohorts": list(self.cohorts),
            "invite_next": list(self.invite),
            "labels": {"courses": dict(COURSES)},
        }


def talent_pipeline(
    county: County,
    cohorts: Sequence[Cohort],
    trainees: Sequence[Trainee],
    sales: Sequence[ShopSale] = (),
    *,
    invite: int = 10,
) -> TalentReport:
    """Funnel, conversion and sales per cohort; the ``invite`` villages to invite next."""
    products = set(county.product_by_id)
    by_shop: dict[str, list[ShopSale]] = defaultdict(list)
    for s in sales:
        by_shop[s.shop].append(s)
    linked_shops = {
        shop
        for shop, rows in by_shop.items()
        if any(r.product in products and r.orders > 0 for r in rows)
    }
    rank = {s: i for i, s in enumerate(STAGES)}
    out: list[dict[str, Any]] = []
    for c in cohorts:
        members = [t for t in trainees if t.cohort == c.id]
        reached = {s: sum(1 for t in members if rank[t.stage] >= rank[s]) for s in STAGES}
        reached["linked"] = sum(1 for t in members if t.shop and t.shop in linked_shops)
        conversion: dict[str, float | None] = {}
        for prev, cur in itertools.pairwise(FUNNEL):
            conversion[cur] = round(reached[cur] / reached[prev], 4) if reached[prev] else None
        shops = {t.shop for t in members if t.shop}
        rows = [r for shop in shops for r in by_shop.get(shop, ()) if r.product in products]
        out.append(
            {
                "cohort": c.id,
                "name": c.name,
                "course": c.course,
                "start": c.start.isoformat(),
                "end": c.end.isoformat(),
                "funnel": reached,
                "conversion": conversion,
                "overall_conversion": (
                    round(reached["linked"] / reached["enrolled"], 4)
                    if reached["enrolled"]
                    else None
                ),
                "orders": sum(r.orders for r in rows),
                "kg": float(sum((r.kg for r in rows), Decimal(0))),
                "sales_yuan": float(sum((r.sales_yuan for r in rows), Decimal(0))),
            }
        )
    sellers = {t.village for t in trainees if t.shop and t.shop in linked_shops}
    supply: dict[str, float] = defaultdict(float)
    for batch in county.supply_up:
        supply[batch.village] += batch.kg
    places = county.place_by_id
    candidates = sorted(
        ((v, kg) for v, kg in supply.items() if v not in sellers and kg > 0),
        key=lambda x: (-x[1], x[0]),
    )
    trained_there: dict[str, int] = defaultdict(int)
    for t in trainees:
        trained_there[t.village] += 1
    inv = tuple(
        {
            "village": v,
            "name": places[v].name if v in places else v,
            "supply_kg": round(kg, 1),
            "trainees": trained_there.get(v, 0),
        }
        for v, kg in candidates[:invite]
    )
    return TalentReport(tuple(out), inv)
