"""The logistics saving ``s`` of the value matrix, measured by the planner.

``s`` (yuan of logistics cost saved per yuan of down flow) is the planner's integrated-vs-
separate saving over the down parcels it carried, times the parcel value::

    s = saving_yuan / (down_parcels x parcel_value_yuan)

:func:`measure` reads it from, in order of preference:

* a **season** (``ruralflow.logistics.season.Season`` or its JSON, ``ruralflow season --out``):
  the season's saving (mean over seeds of the sum over days) over the down parcels of the
  season's days in the bundle (``basis = "season"``);
* a **day plan** (``ruralflow.logistics.Plan`` planned with ``compare=True``): its saving over
  its down parcels ``totals_in.parcels`` (``basis = "day_plan"``);
* a number given by the caller (``basis = "given"``).

Without any, the engine falls back to the literature default (``basis = "literature"``, an
assumption with a range). The measure also carries what the bus scenario needs: the parcels
the plan put on buses and, when planned, the integrated cost of the same day without buses.
The engine reads plans and seasons by their attributes only (it does not import the planner).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ruralflow.domain import County, SourcedValue
from ruralflow.matrix.errors import MatrixError

BASES = ("season", "day_plan", "given", "literature")


@dataclass(frozen=True, slots=True)
class LogisticsMeasure:
    """A measured logistics saving and what it was measured on."""

    basis: str
    saving_yuan: float | None
    """Integrated-vs-separate saving, yuan (``None`` for a given number)."""
    down_parcels: float | None
    days: tuple[str, ...] = ()
    seeds: int = 0
    bus_parcels: float | None = None
    """Down parcels and up pieces on buses (integrated plan); ``None`` when unknown."""
    bus_consignments: float | None = None
    integrated_yuan: float | None = None
    given_per_yuan: float | None = None
    detail: str = ""

    def per_yuan(self, parcel_value: float) -> float:
        """``s`` in yuan per yuan of down flow (0 when the saving is negative)."""
        if self.given_per_yuan is not None:
            return self.given_per_yuan
        if self.saving_yuan is None or not self.down_parcels or parcel_value <= 0:
            return 0.0
        return max(0.0, self.saving_yuan) / (self.down_parcels * parcel_value)

    def per_parcel(self) -> float | None:
        if self.saving_yuan is None or not self.down_parcels:
            return None
        return max(0.0, self.saving_yuan) / self.down_parcels

    def source(self, parcel_value: SourcedValue) -> str:
        if self.given_per_yuan is not None:
            return f"measured: {self.detail or 'saving per yuan of down flow given by the caller'}"
        neg = (
            " (negative saving: integration costs more, link set to 0)"
            if self.saving_yuan is not None and self.saving_yuan < 0
            else ""
        )
        what = "season" if self.basis == "season" else "day plan"
        return (
            f"measured ({what}): {self.detail}; integrated vs separate saving "
            f"{(self.saving_yuan or 0.0):,.2f} yuan / ({(self.down_parcels or 0):,.0f} down "
            f"parcels x {parcel_value.value:g} yuan per parcel: {parcel_value.source}){neg}"
        )

    def to_dict(self, parcel_value: SourcedValue) -> dict[str, Any]:
        s = self.per_yuan(parcel_value.value)
        return {
            "basis": self.basis,
            "days": list(self.days),
            "seeds": self.seeds,
            "saving_yuan": None if self.saving_yuan is None else round(self.saving_yuan, 2),
            "down_parcels": self.down_parcels,
            "parcel_value_yuan": parcel_value.value,
            "down_value_yuan": None
            if self.down_parcels is None
            else round(self.down_parcels * parcel_value.value, 2),
            "saving_per_yuan": s,
            "saving_per_parcel_yuan": self.per_parcel(),
            "bus_parcels": self.bus_parcels,
            "bus_consignments": self.bus_consignments,
            "integrated_yuan": None
            if self.integrated_yuan is None
            else round(self.integrated_yuan, 2),
            "source": self.source(parcel_value),
        }


def _down_parcels(county: County, days: list[dt.date]) -> int:
    return sum(d.parcels for day in days for d in county.demand_on(day))


def _plan_bus(p: Any) -> tuple[float, float]:
    bus = tuple(getattr(p, "bus", ()) or ())
    n = 0
    for c in bus:
        n += int(getattr(c, "parcels", 0) if getattr(c, "flow", "down") == "down" else 0)
        n += int(getattr(c, "pieces", 0) if getattr(c, "flow", "down") == "up" else 0)
    return float(n), float(len(bus))


def _from_plan(p: Any) -> LogisticsMeasure:
    saving = getattr(p, "saving_yuan", None)
    totals = getattr(p, "totals_in", None)
    parcels = getattr(totals, "parcels", None)
    if saving is None or parcels is None:
        raise MatrixError(
            "the logistics plan has no integrated-vs-separate comparison (plan it with "
            "PlanOptions(compare=True)) or no down parcels"
        )
    if parcels <= 0:
        raise MatrixError("the logistics plan has no down parcels to spread its saving over")
    day = getattr(p, "day", "")
    bus, cons = _plan_bus(p)
    costs = getattr(p, "costs", None)
    total = getattr(costs, "total", None)
    return LogisticsMeasure(
        basis="day_plan",
        saving_yuan=float(saving),
        down_parcels=float(parcels),
        days=(str(day),) if day else (),
        seeds=1,
        bus_parcels=bus if hasattr(p, "bus") else None,
        bus_consignments=cons if hasattr(p, "bus") else None,
        integrated_yuan=None if total is None else float(total),
        detail=f"ruralflow.logistics.plan on {day}",
    )


def _day(text: Any) -> dt.date:
    if isinstance(text, dt.date):
        return text
    try:
        return dt.date.fromisoformat(str(text))
    except ValueError:
        raise MatrixError(f"season: {text!r} is not a day YYYY-MM-DD") from None


def _from_season_dict(d: Mapping[str, Any], county: County) -> LogisticsMeasure:
    try:
        totals = d["totals"]
        saving = float(totals["saving_yuan"])
        days = [_day(x) for x in d["days"]]
    except (KeyError, TypeError, ValueError):
        raise MatrixError(
            "season: not a season result (needs totals.saving_yuan and days, as written by "
            "ruralflow season --out)"
        ) from None
    adcode = str((d.get("county") or {}).get("adcode", county.adcode))
    if adcode != county.adcode:
        raise MatrixError(
            f"season: the season is of county {adcode}, the bundle is {county.adcode}"
        )
    return _season(
        county,
        saving,
        days,
        len(d.get("seeds") or [0]),
        totals.get("bus_parcels"),
        totals.get("bus_consignments"),
        totals.get("integrated_yuan"),
    )


def _season(
    county: County,
    saving: float,
    days: list[dt.date],
    seeds: int,
    bus: Any,
    cons: Any,
    integrated: Any,
) -> LogisticsMeasure:
    if not days:
        raise MatrixError("season: the season has no planned day")
    parcels = _down_parcels(county, days)
    if parcels <= 0:
        raise MatrixError("season: the bundle has no down parcels on the season's days")
    return LogisticsMeasure(
        basis="season",
        saving_yuan=saving,
        down_parcels=float(parcels),
        days=tuple(x.isoformat() for x in days),
        seeds=seeds,
        bus_parcels=None if bus is None else float(bus),
        bus_consignments=None if cons is None else float(cons),
        integrated_yuan=None if integrated is None else float(integrated),
        detail=(
            f"ruralflow season, {len(days)} day(s) {days[0]}..{days[-1]} x {seeds} seed(s); "
            "down parcels: the bundle's demand on those days"
        ),
    )


def measure(logistics: Any, county: County) -> LogisticsMeasure:
    """The saving from a season (object or JSON dict), a day plan or a number."""
    if isinstance(logistics, LogisticsMeasure):
        return logistics
    if isinstance(logistics, bool):
        raise MatrixError(f"logistics saving must be a number or a plan (got {logistics!r})")
    if isinstance(logistics, int | float):
        if not math.isfinite(logistics) or logistics < 0:
            raise MatrixError(f"logistics saving must be a finite number >= 0 (got {logistics!r})")
        return LogisticsMeasure(
            basis="given",
            saving_yuan=None,
            down_parcels=None,
            given_per_yuan=float(logistics),
            detail="logistics saving per yuan of down volume passed in by the caller",
        )
    if isinstance(logistics, Mapping):
        return _from_season_dict(logistics, county)
    if hasattr(logistics, "runs") and hasattr(logistics, "days"):
        runs = tuple(logistics.runs)
        total = getattr(logistics, "total", None)
        return _season(
            county,
            float(logistics.saving_yuan),
            list(logistics.days),
            len(getattr(logistics, "seeds", [0]) or [0]),
            total("bus_parcels") if callable(total) else None,
            total("bus_consignments") if callable(total) else None,
            total("integrated_yuan") if callable(total) and runs else None,
        )
    return _from_plan(logistics)


def without_buses(plan: Any, base: LogisticsMeasure) -> float:
    """Integrated cost of the same day planned without buses minus ``base``'s, yuan."""
    costs = getattr(plan, "costs", None)
    total = getattr(costs, "total", None)
    if total is None or base.integrated_yuan is None:
        raise MatrixError("the no-bus plan or the base plan has no total cost")
    return float(total) - base.integrated_yuan
