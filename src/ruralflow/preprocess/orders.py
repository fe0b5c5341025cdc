"""Preprocess orders and the fee table of a shared preprocessing centre (产地预处理中心).

An :class:`Order` is one farmer's (or cooperative's) request on one day to have ``kg`` of a
product graded, vacuum packed, pre-cooled... (``services``). A :class:`Service` is one row of the
centre's fee table: the line of an order for it costs ``max(min_yuan, per_order_yuan +
per_kg_yuan x kg)`` (按单计费, billed per order). Money and kg are :class:`~decimal.Decimal`
(read from text), so a bill is exact to the fen.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ruralflow.domain import FieldError

#: The service id whose orders are graded (:mod:`ruralflow.preprocess.grading`).
GRADING = "grading"
#: The service id whose orders are pre-cooled (:mod:`ruralflow.preprocess.queue`).
PRECOOLING = "precooling"


def _nonneg(owner: str, name: str, value: Decimal) -> None:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise FieldError(owner, name, value, "must be a finite decimal number")
    if value < 0:
        raise FieldError(owner, name, value, "must be >= 0 / 不能为负")


@dataclass(frozen=True, slots=True)
class Service:
    """One service of the fee table (``preprocess_fees.csv``)."""

    id: str
    name: str
    per_order_yuan: Decimal
    per_kg_yuan: Decimal
    min_yuan: Decimal = Decimal(0)
    kg_per_hour: float | None = None
    source: str = "assumption"

    def __post_init__(self) -> None:
        owner = f"Service {self.id!r}"
        if not self.id.strip():
            raise FieldError(owner, "service", self.id, "is empty")
        for name in ("per_order_yuan", "per_kg_yuan", "min_yuan"):
            _nonneg(owner, name, getattr(self, name))
        if self.kg_per_hour is not None and not self.kg_per_hour > 0:
            raise FieldError(owner, "kg_per_hour", self.kg_per_hour, "must be > 0")

    def to_dict(self) -> dict[str, Any]:
        return {
            "service": self.id,
            "name": self.name,
            "per_order_yuan": str(self.per_order_yuan),
            "per_kg_yuan": str(self.per_kg_yuan),
            "min_yuan": str(self.min_yuan),
            "kg_per_hour": self.kg_per_hour,
            "source": self.source,
        }


@dataclass(frozen=True, slots=True)
class Order:
    """One preprocess order (``preprocess_orders.csv``).

    ``ready_min`` is when the produce arrives at the centre, minutes after midnight of ``day``
    (default 08:00): the queue serves orders first come first served by it.
    """

    id: str
    day: dt.date
    farmer: str
    cooperative: str
    product: str
    kg: Decimal
    services: tuple[str, ...]
    ready_min: int = 8 * 60
    synthetic: bool = False

    def __post_init__(self) -> None:
        owner = f"Order {self.id!r}"
        if not self.id.strip():
            raise FieldError(owner, "order", self.id, "is empty")
        if not self.farmer.strip():
            raise FieldError(owner, "farmer", self.farmer, "is empty")
        _nonneg(owner, "kg", self.kg)
        if not self.services:
            raise FieldError(owner, "services", "", "names no service")
        if len(set(self.services)) != len(self.services):
            raise FieldError(owner, "services", ";".join(self.services), "names a service twice")
        if not 0 <= self.ready_min < 24 * 60:
            raise FieldError(owner, "ready_time", self.ready_min, "must be within the day")

    @property
    def graded(self) -> bool:
        return GRADING in self.services

    @property
    def precooled(self) -> bool:
        return PRECOOLING in self.services
