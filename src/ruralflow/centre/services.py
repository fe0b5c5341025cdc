"""Station public services (issue 19, item 4): a ledger per village or township station of the
services it provides besides parcels (payments, bill paying, top-ups, small repairs,
agricultural information), with counts and fees per day; each station's income from services
beside its parcel income; and which villages lack each service.

* A **ledger entry** is one station, one day, one service: ``count`` items at ``fee_yuan``
  each (the station's income per item: a fee it charges or a commission it is paid; 0 for a
  free service). Income = count x fee, exact decimals, rounded half up to the fen once per
  station and service.
* **Parcel income**: from the ledger's ``parcels`` rows when the station has any; otherwise
  estimated as the down parcels the station hands over (``demand_down``: a village station
  its own village's parcels, a township station those of its villages that have no parcel
  point of their own) x ``parcel_fee_yuan`` (default 0.5 yuan per parcel: assumption, range
  0.3-1.0).
* A **village has a service** when its own station records it in the ledger, or, for parcels
  and payments, when ``places.csv`` declares the function (``parcels_in``/``parcels_out``,
  ``payments``). The others **lack** it (listed with their households: candidates for station
  siting, ``ruralflow site``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from ruralflow.centre.errors import CentreError
from ruralflow.domain import County, FieldError, PlaceKind, StationFunction

__all__ = [
    "DEFAULT_PARCEL_FEE_YUAN",
    "SERVICES",
    "ServiceEntry",
    "ServicesReport",
    "station_services",
]

#: The station services of the source (2.1.2), with labels.
SERVICES: dict[str, str] = {
    "parcels": "快递收发 / parcels",
    "payments": "助农取款与代收代付 / cash and payments",
    "bills": "生活缴费 / bill paying",
    "topups": "话费充值 / phone top-ups",
    "repairs": "小修小补 / small repairs",
    "agri_info": "农技与市场信息 / agricultural information",
}
#: Station income per down parcel handed over, yuan (assumption, range 0.3-1.0).
DEFAULT_PARCEL_FEE_YUAN = Decimal("0.5")
PARCEL_FEE_SOURCE = "assumption: 0.5 yuan per parcel handed over, range 0.3-1.0"
_DECLARED = {
    "parcels": {StationFunction.PARCELS_IN, StationFunction.PARCELS_OUT},
    "payments": {StationFunction.PAYMENTS},
}
_STATION_KINDS = {PlaceKind.VILLAGE, PlaceKind.TOWNSHIP_STATION}


def _round(v: Decimal) -> Decimal:
    return v.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class ServiceEntry:
    """One station's count of one service on one day (a row of ``station_services.csv``)."""

    day: dt.date
    station: str
    service: str
    count: int
    fee_yuan: Decimal

    def __post_init__(self) -> None:
        owner = f"ServiceEntry {self.station!r} {self.day}"
        if self.service not in SERVICES:
            raise FieldError(
                owner,
                "service",
                self.service,
                "不是已知服务 / is not a known service (" + ", ".join(SERVICES) + ")",
            )
        if not isinstance(self.count, int) or isinstance(self.count, bool) or self.count < 0:
            raise FieldError(owner, "count", self.count, "须为非负整数 / must be an integer >= 0")
        if not isinstance(self.fee_yuan, Decimal) or not self.fee_yuan.is_finite():
            raise FieldError(owner, "fee_yuan", self.fee_yuan, "须为数字 / must be a number")
        if self.fee_yuan < 0:
            raise FieldError(owner, "fee_yuan", self.fee_yuan, "须 >= 0 元 / must be >= 0 yuan")


@dataclass(frozen=True)
class ServicesReport:
    """Per station and per service, as ``ruralflow centre services`` prints it."""

    stations: tuple[dict[str, Any], ...]
    services: dict[str, dict[str, Any]]
    parcel_fee_yuan: Decimal
    days: tuple[dt.date, ...]

    def summary(self) -> str:
        service = sum(s["service_income_yuan"] for s in self.stations)
        parcels = sum(s["parcel_income_yuan"] for s in self.stations)
        lacking = ", ".join(f"{k} {len(v['villages_lacking'])}" for k, v in self.services.items())
        return (
            f"{len(self.stations)} 个站点：服务收入 {service:,.2f} 元，"
            f"快递收入 {parcels:,.2f} 元 / "
            f"{len(self.stations)} stations: {service:,.2f} yuan from services, {parcels:,.2f} "
            f"yuan from parcels; villages lacking: {lacking}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "days": [d.isoformat() for d in self.days],
            "parcel_fee_yuan": {"value": float(self.parcel_fee_yuan), "source": PARCEL_FEE_SOURCE},
            "stations": list(self.stations),
            "services": self.services,
            "labels": dict(SERVICES),
        }


def _parcels_by_station(county: County) -> dict[str, int]:
    """Down parcels each station hands over over the season (see the module text)."""
    by_village: dict[str, int] = defaultdict(int)
    for d in county.demand_down:
        by_village[d.village] += d.parcels
    out: dict[str, int] = defaultdict(int)
    for v in county.villages:
        own = bool(v.functions & _DECLARED["parcels"])
        out[v.id if own else v.parent] += by_village.get(v.id, 0)
    return dict(out)


def station_services(
    county: County,
    entries: Sequence[ServiceEntry],
    *,
    parcel_fee_yuan: Decimal = DEFAULT_PARCEL_FEE_YUAN,
) -> ServicesReport:
    """The ledger summed per station and service, parcel income beside service income, and
    the villages lacking each service (:class:`CentreError` for a station that is not a
    village or township station of ``county``)."""
    places = county.place_by_id
    for e in entries:
        p = places.get(e.station)
        if p is None or p.kind not in _STATION_KINDS:
            raise CentreError(
                f"台账中的 {e.station!r}（{e.day}）不是该县的乡镇站或村 / {e.station!r} "
                f"({e.day}) in the ledger is not a township station or village of the county"
            )
    count: dict[tuple[str, str], int] = defaultdict(int)
    money: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    days_of: dict[str, set[dt.date]] = defaultdict(set)
    for e in entries:
        count[(e.station, e.service)] += e.count
        money[(e.station, e.service)] += e.fee_yuan * e.count
        days_of[e.station].add(e.day)
    parcels = _parcels_by_station(county)
    stations: list[dict[str, Any]] = []
    ids = [p.id for p in county.places if p.kind in _STATION_KINDS and p.id in days_of]
    for sid in ids:
        p = places[sid]
        services = {
            s: {"count": count[(sid, s)], "income_yuan": float(_round(money[(sid, s)]))}
            for s in SERVICES
            if (sid, s) in count and s != "parcels"
        }
        service_income = sum(
            (_round(money[(sid, s)]) for s in SERVICES if s != "parcels" and (sid, s) in money),
            Decimal(0),
        )
        if (sid, "parcels") in count:
            n_parcels, parcel_income, basis = (
                count[(sid, "parcels")],
                _round(money[(sid, "parcels")]),
                "ledger",
            )
        else:
            n_parcels = parcels.get(sid, 0)
            parcel_income, basis = _round(parcel_fee_yuan * n_parcels), "demand_down"
        total = service_income + parcel_income
        stations.append(
            {
                "station": sid,
                "name": p.name,
                "kind": p.kind.value,
                "days": len(days_of[sid]),
                "services": services,
                "service_income_yuan": float(service_income),
                "parcels": n_parcels,
                "parcel_income_yuan": float(parcel_income),
                "parcel_basis": basis,
                "income_yuan": float(total),
                "service_share": round(float(service_income / total), 4) if total else 0.0,
            }
        )
    offered: dict[str, set[str]] = defaultdict(set)
    for sid, s in count:
        offered[s].add(sid)
    by_service: dict[str, dict[str, Any]] = {}
    villages = county.villages
    households = sum(v.households for v in villages)
    for s in SERVICES:
        has = {
            v.id for v in villages if v.id in offered[s] or (v.functions & _DECLARED.get(s, set()))
        }
        lacking = [v for v in villages if v.id not in has]
        covered = households - sum(v.households for v in lacking)
        by_service[s] = {
            "stations": len(offered[s]),
            "count": sum(count[(sid, s)] for sid in offered[s]),
            "income_yuan": float(sum((_round(money[(sid, s)]) for sid in offered[s]), Decimal(0))),
            "villages_with": len(has),
            "villages_lacking": [v.id for v in lacking],
            "households_lacking": households - covered,
            "household_coverage": round(covered / households, 4) if households else 0.0,
        }
    return ServicesReport(
        tuple(stations), by_service, parcel_fee_yuan, tuple(sorted({e.day for e in entries}))
    )
