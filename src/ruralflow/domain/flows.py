"""Daily flows: down demand at villages and up supply waiting at villages."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ruralflow.domain import _check, limits
from ruralflow.domain.errors import FieldError


def _day(owner: str, value: object) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise FieldError(owner, "day", value, "须为日期 YYYY-MM-DD / must be a date YYYY-MM-DD")


@dataclass(frozen=True, slots=True)
class DownDemand:
    """Parcels for one village on one day, at the county hub in the morning.

    ``cold`` parcels (fresh food) need a chilled vehicle. One row per (day, village, cold).
    """

    day: dt.date
    village: str
    parcels: int
    kg: float
    m3: float
    cold: bool = False
    synthetic: bool = False

    def __post_init__(self) -> None:
        owner = f"DownDemand {self.village!r}"
        object.__setattr__(self, "day", _day(owner, self.day))
        _check.ident(owner, "village", self.village)
        _check.integer(owner, "parcels", self.parcels, plausible_max=limits.ROW_MAX_PARCELS)
        _check.number(owner, "kg", self.kg, plausible_max=limits.ROW_MAX_KG)
        _check.number(owner, "m3", self.m3, plausible_max=limits.ROW_MAX_M3)
        if self.parcels == 0 and self.kg > 0:
            raise FieldError(
                owner, "parcels", 0, f"为 0，但 kg 为 {self.kg:g} / is 0 while kg is {self.kg:g}"
            )

    @property
    def key(self) -> tuple[dt.date, str, bool]:
        return (self.day, self.village, self.cold)


@dataclass(frozen=True, slots=True)
class UpSupply:
    """A batch of produce waiting at a village for collection on one day.

    ``harvest_min`` is when it was picked (field heat starts), ``ready_min`` when it can be
    loaded, both minutes after midnight of ``day``. ``batch`` is unique in the county.
    """

    batch: str
    day: dt.date
    village: str
    product: str
    kg: float
    ready_min: int = 8 * 60
    harvest_min: int = 6 * 60
    m3: float = 0.0
    synthetic: bool = False

    def __post_init__(self) -> None:
        owner = f"UpSupply {self.batch!r}"
        _check.ident("UpSupply", "batch", self.batch)
        object.__setattr__(self, "day", _day(owner, self.day))
        _check.ident(owner, "village", self.village)
        _check.ident(owner, "product", self.product)
        _check.number(owner, "kg", self.kg, strict_min=True, plausible_max=limits.ROW_MAX_KG)
        _check.number(owner, "m3", self.m3, plausible_max=limits.ROW_MAX_M3)
        _check.integer(owner, "ready_min", self.ready_min)
        _check.integer(owner, "harvest_min", self.harvest_min)
        if self.harvest_min > self.ready_min:
            raise FieldError(
                owner,
                "harvest_time",
                _check.format_hhmm(self.harvest_min),
                f"晚于 ready_time {_check.format_hhmm(self.ready_min)} / is after ready_time "
                f"{_check.format_hhmm(self.ready_min)}",
            )
