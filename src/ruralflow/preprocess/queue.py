"""The centre's lines and queue, and what waiting costs in freshness.

A centre has one line per service (kg per hour) and opening hours. A day's orders are served
first come first served by ready time (``rule="ready"``) or in file order (``rule="fcfs"``);
each order passes its services in the order listed, each line serving one order at a time. The
time an order waits before a line is spent at ambient temperature; :func:`schedule` turns that
wait into expected spoilage with the freshness engine, so an overloaded centre shows up as
spoilage. An order not finished by closing time is carried over (it waits overnight at
ambient) and flagged.

:func:`precooling_value` compares, for each pre-cooled order, the spoilage of its onward
journey (``onward_h`` hours) after pre-cooling with the same journey at ambient: the spoilage
pre-cooling avoids.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ruralflow.domain import Product
from ruralflow.freshness import (
    CoolingMethod,
    FreshnessError,
    Journey,
    assess,
    default_precooling,
    hold,
    precool,
)
from ruralflow.preprocess.errors import PreprocessError
from ruralflow.preprocess.orders import PRECOOLING, Order

RULES = ("ready", "fcfs")


@dataclass(frozen=True, slots=True)
class Centre:
    """A preprocess centre's lines (kg per hour per service) and opening hours (minutes)."""

    id: str
    kg_per_hour: Mapping[str, float]
    open_min: int = 8 * 60
    close_min: int = 20 * 60
    source: str = "assumption"

    def __post_init__(self) -> None:
        if not 0 <= self.open_min < self.close_min <= 24 * 60:
            raise PreprocessError(f"centre {self.id!r}: opening hours must be within the day")
        for s, r in self.kg_per_hour.items():
            if not r > 0:
                raise PreprocessError(f"centre {self.id!r}: line {s!r} must handle > 0 kg/h")

    @property
    def open_hours(self) -> float:
        return (self.close_min - self.open_min) / 60.0

    def capacity_kg_per_day(self, service: str | None = None) -> float:
        """kg a day the centre can take through ``service``'s line (default: its slowest line)
        in its opening hours: the number ``siting`` calls ``preprocess_capacity_kg_per_day``."""
        rates = self.kg_per_hour if service is None else {service: self.kg_per_hour[service]}
        return min(rates.values()) * self.open_hours if rates else 0.0

    def load(self, orders: Sequence[Order]) -> dict[str, float]:
        """Mean and peak kg a day of ``orders`` through each line, and the peak utilisation
        (peak kg / the line's capacity a day); utilisation above 1 means orders wait
        overnight."""
        by: dict[tuple[str, dt.date], float] = {}
        for o in orders:
            for s in o.services:
                if s in self.kg_per_hour:
                    by[(s, o.day)] = by.get((s, o.day), 0.0) + float(o.kg)
        out: dict[str, float] = {}
        for s, rate in self.kg_per_hour.items():
            days = [kg for (line, _), kg in by.items() if line == s]
            if not days:
                continue
            out[f"{s}_mean_kg_per_day"] = sum(days) / len(days)
            out[f"{s}_peak_kg_per_day"] = max(days)
            out[f"{s}_peak_utilisation"] = max(days) / (rate * self.open_hours)
        return out


@dataclass(frozen=True, slots=True)
class Slot:
    """When an order was served: start and end (minutes after midnight of its day, may pass
    midnight when carried over), minutes waited, spoilage of the wait."""

    order: str
    day: dt.date
    ready_min: int
    start_min: float
    end_min: float
    wait_min: float
    carried_over: bool
    wait_loss_kg: float
    wait_loss_yuan: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "order": self.order,
            "day": self.day.isoformat(),
            "ready_min": self.ready_min,
            "start_min": round(self.start_min, 1),
            "end_min": round(self.end_min, 1),
            "wait_min": round(self.wait_min, 1),
            "carried_over": self.carried_over,
            "wait_loss_kg": round(self.wait_loss_kg, 4),
            "wait_loss_yuan": round(self.wait_loss_yuan, 2),
        }


@dataclass(frozen=True, slots=True)
class Schedule:
    centre: Centre
    slots: tuple[Slot, ...]
    rule: str

    def by_day(self) -> dict[dt.date, list[Slot]]:
        out: dict[dt.date, list[Slot]] = {}
        for s in self.slots:
            out.setdefault(s.day, []).append(s)
        return out

    def figures(self) -> dict[str, float]:
        n = len(self.slots)
        waits = sorted(s.wait_min for s in self.slots)
        return {
            "orders": n,
            "days": len(self.by_day()),
            "mean_wait_min": sum(waits) / n if n else 0.0,
            "max_wait_min": waits[-1] if waits else 0.0,
            "carried_over": sum(s.carried_over for s in self.slots),
            "wait_loss_kg": sum(s.wait_loss_kg for s in self.slots),
            "wait_loss_yuan": sum(s.wait_loss_yuan for s in self.slots),
        }

    def summary(self) -> str:
        f = self.figures()
        return (
            f"排队 / queue: {f['orders']:.0f} 单 / orders over {f['days']:.0f} 天 / days, "
            f"平均等待 / mean wait {f['mean_wait_min']:.0f} min, 最长 / max "
            f"{f['max_wait_min']:.0f} min, {f['carried_over']:.0f} 单顺延 / carried over, "
            f"等待损耗 / spoilage while waiting {f['wait_loss_yuan']:.2f} 元 / yuan"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "centre": self.centre.id,
            "rule": self.rule,
            "figures": {k: round(v, 4) for k, v in self.figures().items()},
            "slots": [s.to_dict() for s in self.slots],
        }


def _ambient(monthly_c: Sequence[float], day: dt.date) -> float:
    return float(monthly_c[day.month - 1]) if len(monthly_c) == 12 else 20.0


def schedule(
    orders: Sequence[Order],
    centre: Centre,
    products: Mapping[str, Product],
    monthly_mean_temp_c: Sequence[float],
    rule: str = "ready",
) -> Schedule:
    """Serve each day's orders on the centre's lines; the wait's spoilage from freshness."""
    if rule not in RULES:
        raise PreprocessError(f"rule must be one of {', '.join(RULES)} (got {rule!r})")
    by_day: dict[dt.date, list[Order]] = {}
    for o in orders:
        by_day.setdefault(o.day, []).append(o)
    slots: list[Slot] = []
    for day in sorted(by_day):
        todays = by_day[day]
        if rule == "ready":
            todays = sorted(todays, key=lambda o: o.ready_min)
        free: dict[str, float] = {}
        temp = _ambient(monthly_mean_temp_c, day)
        for o in todays:
            t = float(max(o.ready_min, centre.open_min))
            first_start: float | None = None
            waited = t - o.ready_min
            for s in o.services:
                rate = centre.kg_per_hour.get(s)
                if rate is None:
                    continue  # a service without a line (e.g. labelling) takes no line time
                begin = max(t, free.get(s, float(centre.open_min)))
                if begin >= centre.close_min:  # closed: the next opening
                    begin = max(begin, 24 * 60.0 + centre.open_min)
                waited += begin - t
                if first_start is None:
                    first_start = begin
                t = begin + float(o.kg) / rate * 60.0
                free[s] = t
            end = t
            carried = end > centre.close_min
            loss_kg = loss_yuan = 0.0
            product = products.get(o.product)
            if product is not None and waited > 0:
                r = assess(
                    product, Journey((hold("queue", waited / 60.0, temp),), temp), float(o.kg)
                )
                loss_kg, loss_yuan = r.loss_kg, r.loss_yuan
            slots.append(
                Slot(
                    o.id,
                    day,
                    o.ready_min,
                    first_start if first_start is not None else t,
                    end,
                    waited,
                    carried,
                    loss_kg,
                    loss_yuan,
                )
            )
    return Schedule(centre, tuple(slots), rule)


@dataclass(frozen=True, slots=True)
class PrecoolingValue:
    orders: int
    kg: float
    loss_ambient_yuan: float
    loss_precooled_yuan: float
    onward_h: float

    @property
    def avoided_yuan(self) -> float:
        return self.loss_ambient_yuan - self.loss_precooled_yuan

    def to_dict(self) -> dict[str, Any]:
        return {
            "orders": self.orders,
            "kg": round(self.kg, 3),
            "onward_h": self.onward_h,
            "loss_ambient_yuan": round(self.loss_ambient_yuan, 2),
            "loss_precooled_yuan": round(self.loss_precooled_yuan, 2),
            "avoided_yuan": round(self.avoided_yuan, 2),
        }


def precooling_value(
    orders: Sequence[Order],
    products: Mapping[str, Product],
    monthly_mean_temp_c: Sequence[float],
    onward_h: float = 48.0,
) -> PrecoolingValue:
    """Spoilage avoided by pre-cooling the pre-cooled orders before an onward journey of
    ``onward_h`` hours (cold after pre-cooling vs ambient throughout)."""
    n = 0
    kg = amb = cold = 0.0
    for o in orders:
        p = products.get(o.product)
        if p is None or PRECOOLING not in o.services:
            continue
        temp = _ambient(monthly_mean_temp_c, o.day)
        store = max(p.t_opt_c if p.t_opt_c is not None else p.t_min_c + 1.0, p.t_min_c + 0.5)
        method: CoolingMethod | str = CoolingMethod.FORCED_AIR
        for key in (p.id, p.name_en):
            try:
                method = default_precooling(key)
                break
            except FreshnessError:
                continue
        seg = precool("precool", method, store)
        a = assess(p, Journey((hold("ambient", onward_h, temp),), temp), float(o.kg))
        c = assess(
            p,
            Journey((seg, hold("cold", max(onward_h - seg.hours, 0.0), store)), temp),
            float(o.kg),
        )
        n += 1
        kg += float(o.kg)
        amb += a.loss_yuan
        cold += c.loss_yuan
    return PrecoolingValue(n, kg, amb, cold, onward_h)
