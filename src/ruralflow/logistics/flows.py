"""The day's flows as sources (rows of the bundle) and items (the pieces that are carried).

A *source* is one row of the day's flows: the down parcels of a village (ambient or cold) or
one up batch. An *item* is a piece of a source: a source too large for the largest vehicle
that may carry it is split into equal pieces (down: whole parcels, shared as evenly as
possible; up: equal shares of the batch). Every item knows its exact share of its source as a
fraction, so that the plan can prove that the parcels and kg in equal the parcels and kg
carried plus not carried, exactly (:func:`check_conservation`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal

from ruralflow.domain import County
from ruralflow.logistics.errors import PlanIntegrityError

Flow = Literal["down", "up"]


@dataclass(frozen=True, slots=True)
class Source:
    """One row of the day's flows."""

    key: str
    flow: Flow
    village: str
    parcels: int
    kg: float
    m3: float
    cold: bool
    batch: str = ""
    product: str = ""
    ready_min: int = 0
    harvest_min: int = 0
    boxed: bool = False
    """Cold down parcels packed in an insulated box: they may ride a van or a bus (``cold``
    is then False) within the box's hold time (``box_hold_h``, :mod:`.boxes`)."""
    hold_window: bool = False
    """A boxed parcel whose stop must end its service within the hold of the hub window's
    opening (set after a route kept it out of refrigeration too long)."""


@dataclass(frozen=True, slots=True)
class Item:
    """A piece of a source (the whole source when it fits one vehicle)."""

    id: str
    source: Source
    share: Fraction
    parcels: int
    kg: float
    m3: float

    @property
    def flow(self) -> Flow:
        return self.source.flow

    @property
    def village(self) -> str:
        return self.source.village

    @property
    def cold(self) -> bool:
        """Needs a chilled vehicle (cold down parcels, up batches of cold-chain products)."""
        return self.source.cold

    @property
    def boxed(self) -> bool:
        """Cold parcels in an insulated box (ride any vehicle or a bus within the hold)."""
        return self.source.boxed

    @property
    def ready_min(self) -> int:
        return self.source.ready_min

    @property
    def exact_kg(self) -> Fraction:
        return Fraction(self.source.kg) * self.share


def day_sources(county: County, day: dt.date, up_kg_per_m3: float) -> list[Source]:
    """Sources of ``day``: down rows (parcels > 0 or kg > 0) then up batches, in file order.

    A batch without a volume gets ``kg / up_kg_per_m3``.
    """
    out: list[Source] = []
    for d in county.demand_on(day):
        if d.parcels == 0 and d.kg == 0.0:
            continue
        temp = "cold" if d.cold else "ambient"
        out.append(
            Source(
                key=f"down/{d.village}/{temp}",
                flow="down",
                village=d.village,
                parcels=d.parcels,
                kg=d.kg,
                m3=d.m3,
                cold=d.cold,
            )
        )
    products = county.product_by_id
    for s in county.supply_on(day):
        m3 = s.m3 if s.m3 > 0 else s.kg / up_kg_per_m3
        out.append(
            Source(
                key=f"up/{s.batch}",
                flow="up",
                village=s.village,
                parcels=0,
                kg=s.kg,
                m3=m3,
                cold=products[s.product].cold_chain,
                batch=s.batch,
                product=s.product,
                ready_min=s.ready_min,
                harvest_min=s.harvest_min,
            )
        )
    return out


def split_source(src: Source, limit_kg: float | None, limit_m3: float | None) -> list[Item]:
    """Pieces of ``src`` no larger than the limits (``None``: no limit).

    Down parcels are split into whole parcels; a source that cannot be split far enough
    (a single parcel heavier than the limit) keeps pieces of one parcel each.
    """
    n = 1
    if limit_kg is not None and limit_kg > 0 and src.kg > limit_kg:
        n = max(n, math.ceil(src.kg / limit_kg - 1e-12))
    if limit_m3 is not None and limit_m3 > 0 and src.m3 > limit_m3:
        n = max(n, math.ceil(src.m3 / limit_m3 - 1e-12))
    if src.flow == "down" and src.parcels > 0:
        n = min(n, src.parcels)
    if n == 1:
        return [Item(src.key, src, Fraction(1), src.parcels, src.kg, src.m3)]
    items: list[Item] = []
    for i in range(n):
        if src.flow == "down":
            p = src.parcels // n + (1 if i < src.parcels % n else 0)
            share = Fraction(p, src.parcels)
        else:
            p = 0
            share = Fraction(1, n)
        items.append(
            Item(
                f"{src.key}#{i + 1}/{n}",
                src,
                share,
                p,
                float(Fraction(src.kg) * share),
                float(Fraction(src.m3) * share),
            )
        )
    return items


@dataclass(frozen=True, slots=True)
class Totals:
    """Parcels and kg of a set of items, exact (fractions) and as floats."""

    parcels: int
    down_kg: Fraction
    up_kg: Fraction

    @classmethod
    def of_items(cls, items: Iterable[Item]) -> Totals:
        parcels = 0
        down = Fraction(0)
        up = Fraction(0)
        for it in items:
            if it.flow == "down":
                parcels += it.parcels
                down += it.exact_kg
            else:
                up += it.exact_kg
        return cls(parcels, down, up)

    @classmethod
    def of_sources(cls, sources: Iterable[Source]) -> Totals:
        parcels = 0
        down = Fraction(0)
        up = Fraction(0)
        for s in sources:
            if s.flow == "down":
                parcels += s.parcels
                down += Fraction(s.kg)
            else:
                up += Fraction(s.kg)
        return cls(parcels, down, up)

    def __add__(self, other: Totals) -> Totals:
        return Totals(
            self.parcels + other.parcels, self.down_kg + other.down_kg, self.up_kg + other.up_kg
        )

    def to_dict(self) -> dict[str, float | int]:
        return {
            "parcels": self.parcels,
            "down_kg": round(float(self.down_kg), 6),
            "up_kg": round(float(self.up_kg), 6),
        }


def check_conservation(
    sources: Sequence[Source], carried: Sequence[Item], not_carried: Sequence[Item]
) -> tuple[Totals, Totals, Totals]:
    """Prove in-flow = carried + not carried, exactly; return the three totals.

    Every item belongs to exactly one of the two lists, and the shares of each source's
    items add up to exactly one. Raises :class:`PlanIntegrityError` otherwise.
    """
    seen: dict[str, int] = {}
    shares: dict[str, Fraction] = {}
    for it in [*carried, *not_carried]:
        seen[it.id] = seen.get(it.id, 0) + 1
        shares[it.source.key] = shares.get(it.source.key, Fraction(0)) + it.share
    twice = sorted(k for k, n in seen.items() if n > 1)
    if twice:
        raise PlanIntegrityError(f"items counted more than once: {', '.join(twice[:5])}")
    keys = {s.key for s in sources}
    bad = sorted(k for k in keys if shares.get(k, Fraction(0)) != 1)
    extra = sorted(set(shares) - keys)
    if bad or extra:
        raise PlanIntegrityError(f"flows not fully accounted for: {', '.join((bad + extra)[:5])}")
    t_in = Totals.of_sources(sources)
    t_c = Totals.of_items(carried)
    t_n = Totals.of_items(not_carried)
    if t_in != t_c + t_n:
        raise PlanIntegrityError(
            f"conservation failed: in {t_in}, carried {t_c}, not carried {t_n}"
        )
    return t_in, t_c, t_n
