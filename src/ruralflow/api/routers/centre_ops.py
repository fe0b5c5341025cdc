"""The service centre's station public services ledger and talent pipeline (issue 19, items 3
and 4; ``docs/centre.md``), read from the database.

* ``GET /counties/{adcode}/stations/{place}/services``: one station's ledger, day by day
  (service, count, fee, income), and its season's service income beside its parcel income;
  ``POST`` records a day's service counts (audited, as intake). A ``county_admin`` of the
  county or that station's ``station_operator`` only.
* ``GET /counties/{adcode}/services``: every station's season (``ruralflow centre services
  --json``). A ``county_admin``.
* ``GET /counties/{adcode}/services/gaps``: for each service, the villages that lack it (with
  their households). A ``county_admin``.
* ``GET /counties/{adcode}/talent``: the cohorts' funnel (enrolled -> trained -> practised ->
  incubated -> linked), conversion, sales per cohort, and the villages to invite next. A
  ``county_admin``.

The figures are the centre engine's (:mod:`ruralflow.centre.services`,
:mod:`ruralflow.centre.talent`) on the stored bundle files, the same numbers as
``ruralflow centre services`` and ``ruralflow centre talent`` on the bundle.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Response
from fastapi import Path as PathParam
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ruralflow.api.deps import (
    CurrentUser,
    EngineDep,
    Principal,
    forbid,
    need_county,
    station_county,
    user_county,
)
from ruralflow.api.problems import Problem
from ruralflow.bundle import BundleError
from ruralflow.centre.services import (
    DEFAULT_PARCEL_FEE_YUAN,
    SERVICES,
    ServiceEntry,
    station_services,
)
from ruralflow.centre.talent import talent_pipeline
from ruralflow.domain import County, DomainError, FieldError
from ruralflow.store.centre_ops import append_service_rows, stored_ledger, stored_talent
from ruralflow.store.counties import load_county
from ruralflow.store.db import session_scope
from ruralflow.store.models import AuditEntry, CountyRow

router = APIRouter(tags=["centre"])

IDENT = r"^[A-Za-z0-9_.:-]{1,64}$"
Adcode = Annotated[str, PathParam(pattern=r"^\d{6}$", examples=["610425"])]
Place = Annotated[str, PathParam(pattern=IDENT, examples=["T610425001"])]
LEDGER_TABLE = "station_services"
#: The stations' calendar: the county's local date (China Standard Time).
CST = ZoneInfo("Asia/Shanghai")
ParcelFee = Annotated[
    Decimal,
    Query(
        ge=0,
        le=100,
        description="Station income per down parcel handed over, yuan (assumption 0.5, range "
        "0.3-1.0), where the ledger has no parcels rows.",
    ),
]


class ServiceCount(BaseModel):
    """One service's count on the day and the station's income per item."""

    model_config = ConfigDict(extra="forbid")
    service: str = Field(max_length=32, examples=["payments"])
    count: int = Field(le=1_000_000, examples=[54])
    fee_yuan: Decimal = Field(max_digits=10, decimal_places=2, examples=["1.0"])


class ServicesDayIn(BaseModel):
    """A day's service counts at one station (each service once)."""

    model_config = ConfigDict(extra="forbid")
    day: dt.date
    services: list[ServiceCount] = Field(min_length=1, max_length=len(SERVICES))


class ServiceItemOut(BaseModel):
    service: str
    label: str
    count: int
    fee_yuan: float
    income_yuan: float


class ServiceDayOut(BaseModel):
    day: dt.date
    services: list[ServiceItemOut]
    service_income_yuan: float
    #: from the ledger's ``parcels`` rows that day (0 when it has none)
    parcel_income_yuan: float


class StationLedgerOut(BaseModel):
    station: str
    name: str
    kind: str
    days: list[ServiceDayOut]
    count: int
    #: the season's figures as ``ruralflow centre services`` prints them (None: no ledger rows)
    summary: dict[str, Any] | None
    parcel_fee_yuan: dict[str, Any]
    labels: dict[str, str]


class RecordedItemOut(BaseModel):
    service: str
    count: int
    fee_yuan: float


class RecordedOut(BaseModel):
    station: str
    day: dt.date
    #: the new rows' spreadsheet row numbers in the stored ``station_services.csv``
    rows: list[int]
    recorded_by: str
    services: list[RecordedItemOut]


class CountyServicesOut(BaseModel):
    """``ruralflow centre services --json`` on the stored county."""

    county: str
    days: list[dt.date]
    parcel_fee_yuan: dict[str, Any]
    stations: list[dict[str, Any]]
    services: dict[str, dict[str, Any]]
    labels: dict[str, str]


class LackingVillageOut(BaseModel):
    name: str
    households: int
    #: its township station
    parent: str


class GapsOut(BaseModel):
    county: str
    villages: int
    ledger_rows: int
    days: list[dt.date]
    services: dict[str, dict[str, Any]]
    lacking: dict[str, LackingVillageOut]
    labels: dict[str, str]


class TalentOut(BaseModel):
    """``ruralflow centre talent --json`` on the stored county."""

    county: str
    stages: list[str]
    cohorts: list[dict[str, Any]]
    invite_next: list[dict[str, Any]]
    labels: dict[str, Any]


def _admin(s: Session, user: Principal, adcode: str) -> CountyRow:
    need_county(user, adcode)
    if user.role != "county_admin":
        raise forbid()
    return user_county(s, user, adcode)


def _unreadable(e: BundleError) -> Problem:
    return Problem(
        409,
        "数据库中存储的文件与县数据不再一致 / the stored file no longer agrees with the "
        f"county's data: {e}",
        kind="stored-file",
    )


def _ledger(s: Session, c: CountyRow, county: County) -> list[ServiceEntry]:
    try:
        return stored_ledger(s, c.id, county) or []
    except BundleError as e:
        raise _unreadable(e) from None


def _parcel_fee(v: Decimal) -> dict[str, Any]:
    from ruralflow.centre.services import PARCEL_FEE_SOURCE

    return {"value": float(v), "source": PARCEL_FEE_SOURCE}


def _station_view(
    county: County, entries: list[ServiceEntry], place: str, parcel_fee: Decimal
) -> dict[str, Any]:
    mine = [e for e in entries if e.station == place]
    report = station_services(county, mine, parcel_fee_yuan=parcel_fee)
    p = county.place_by_id[place]
    by_day: dict[dt.date, list[ServiceEntry]] = defaultdict(list)
    for e in mine:
        by_day[e.day].append(e)
    order = list(SERVICES)
    days = []
    for day in sorted(by_day):
        rows = sorted(by_day[day], key=lambda e: order.index(e.service))
        items: list[dict[str, Any]] = [
            {
                "service": e.service,
                "label": SERVICES[e.service],
                "count": e.count,
                "fee_yuan": float(e.fee_yuan),
                "income_yuan": float(
                    (e.fee_yuan * e.count).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
                ),
            }
            for e in rows
        ]
        days.append(
            {
                "day": day.isoformat(),
                "services": items,
                "service_income_yuan": round(
                    sum(i["income_yuan"] for i in items if i["service"] != "parcels"), 2
                ),
                "parcel_income_yuan": round(
                    sum(i["income_yuan"] for i in items if i["service"] == "parcels"), 2
                ),
            }
        )
    return {
        "station": place,
        "name": p.name,
        "kind": p.kind.value,
        "days": days,
        "count": len(days),
        #: the season's totals, as ``ruralflow centre services`` prints them (None: no ledger)
        "summary": report.stations[0] if report.stations else None,
        "parcel_fee_yuan": _parcel_fee(parcel_fee),
        "labels": dict(SERVICES),
    }


@router.get("/counties/{adcode}/stations/{place}/services", response_model=StationLedgerOut)
def station_ledger(
    adcode: Adcode,
    place: Place,
    user: CurrentUser,
    engine: EngineDep,
    parcel_fee_yuan: ParcelFee = DEFAULT_PARCEL_FEE_YUAN,
) -> dict[str, Any]:
    """A station's public services ledger: per day the services with counts, fees and income
    (yuan); the season's service income beside its parcel income."""
    with session_scope(engine) as s:
        c = station_county(s, user, adcode, place)
        county = load_county(engine, adcode)
        entries = _ledger(s, c, county)
        return _station_view(county, entries, place, parcel_fee_yuan)


def _entry_problem(i: int, e: DomainError) -> Problem:
    where = f"body/services/{i}"
    if isinstance(e, FieldError):
        return Problem(
            422,
            f"第 {i + 1} 项的 {e.field} = {e.value!r}: {e.reason} / item {i + 1}, "
            f"{e.field} = {e.value!r}: {e.reason}",
            kind="invalid-input",
            errors=[{"where": f"{where}/{e.field}", "message": e.reason}],
        )
    return Problem(422, f"第 {i + 1} 项 / item {i + 1}: {e}", kind="invalid-input")


@router.post(
    "/counties/{adcode}/stations/{place}/services", response_model=RecordedOut, status_code=201
)
def record_services(
    adcode: Adcode,
    place: Place,
    body: ServicesDayIn,
    user: CurrentUser,
    engine: EngineDep,
    response: Response,
) -> dict[str, Any]:
    """Record a day's service counts at a station (one row per service; a service the
    station already has that day answers 409, nothing written)."""
    with session_scope(engine) as s:
        c = station_county(s, user, adcode, place)
        if body.day > dt.datetime.now(CST).date():
            raise Problem(
                422,
                f"日期 {body.day} 在未来 / day {body.day} is in the future",
                kind="invalid-input",
                errors=[{"where": "body/day", "message": "future day"}],
            )
        seen: dict[str, int] = {}
        entries: list[ServiceEntry] = []
        for i, item in enumerate(body.services):
            try:
                entries.append(
                    ServiceEntry(body.day, place, item.service, item.count, item.fee_yuan)
                )
            except DomainError as err:
                raise _entry_problem(i, err) from None
            if item.service in seen:
                raise Problem(
                    422,
                    f"第 {i + 1} 项的服务 {item.service} 与第 {seen[item.service] + 1} 项重复 / "
                    f"item {i + 1}: service {item.service} repeats item {seen[item.service] + 1}",
                    kind="invalid-input",
                    errors=[{"where": f"body/services/{i}/service", "message": "repeated"}],
                )
            seen[item.service] = i
        county = load_county(engine, adcode)
        have = {
            e.service for e in _ledger(s, c, county) if e.station == place and e.day == body.day
        }
        dup = [e.service for e in entries if e.service in have]
        if dup:
            raise Problem(
                409,
                f"站点 {place} 在 {body.day} 已记录服务 {', '.join(dup)}（台账每站每天每项一行）/ "
                f"station {place} has {', '.join(dup)} recorded on {body.day} already (the "
                "ledger holds one row per station, day and service)",
                kind="conflict",
            )
        try:
            rows = append_service_rows(
                s,
                c.id,
                county,
                [(e.day, e.station, e.service, e.count, e.fee_yuan) for e in entries],
                f"recorded by {user.name}",
            )
        except BundleError as err:
            raise Problem(422, str(err), kind="invalid-input") from None
        except IntegrityError:  # another first day of the ledger was stored meanwhile
            raise Problem(
                409,
                "台账刚被他人更新，请重试 / the ledger was just updated by someone else: "
                "try again",
                kind="conflict",
            ) from None
        for e, row in zip(entries, rows, strict=True):
            s.add(
                AuditEntry(
                    record_table=LEDGER_TABLE,
                    record_id=row,
                    version=1,
                    action="create",
                    before=None,
                    after={
                        "county": adcode,
                        "day": e.day.isoformat(),
                        "station": place,
                        "service": e.service,
                        "count": e.count,
                        "fee_yuan": str(e.fee_yuan),
                    },
                    actor=user.name,
                )
            )
        s.flush()
        response.headers["Location"] = f"/counties/{adcode}/stations/{place}/services"
        return {
            "station": place,
            "day": body.day.isoformat(),
            "rows": rows,
            "recorded_by": user.name,
            "services": [
                {"service": e.service, "count": e.count, "fee_yuan": float(e.fee_yuan)}
                for e in entries
            ],
        }


@router.get("/counties/{adcode}/services", response_model=CountyServicesOut)
def county_services(
    adcode: Adcode,
    user: CurrentUser,
    engine: EngineDep,
    parcel_fee_yuan: ParcelFee = DEFAULT_PARCEL_FEE_YUAN,
) -> dict[str, Any]:
    """Every station's season: service income beside parcel income, per service the
    stations offering it and the villages lacking it (``ruralflow centre services --json``)."""
    with session_scope(engine) as s:
        c = _admin(s, user, adcode)
        county = load_county(engine, adcode)
        entries = _ledger(s, c, county)
    report = station_services(county, entries, parcel_fee_yuan=parcel_fee_yuan)
    return {"county": adcode, **report.to_dict()}


@router.get("/counties/{adcode}/services/gaps", response_model=GapsOut)
def service_gaps(adcode: Adcode, user: CurrentUser, engine: EngineDep) -> dict[str, Any]:
    """Which villages lack each station service (with their households): candidates for
    station siting (``ruralflow site``)."""
    with session_scope(engine) as s:
        c = _admin(s, user, adcode)
        county = load_county(engine, adcode)
        entries = _ledger(s, c, county)
    report = station_services(county, entries)
    places = county.place_by_id
    villages = {
        v: {"name": places[v].name, "households": places[v].households, "parent": places[v].parent}
        for sv in report.services.values()
        for v in sv["villages_lacking"]
    }
    return {
        "county": adcode,
        "villages": len(county.villages),
        "ledger_rows": len(entries),
        "days": [d.isoformat() for d in report.days],
        "services": report.services,
        "lacking": villages,
        "labels": dict(SERVICES),
    }


@router.get("/counties/{adcode}/talent", response_model=TalentOut)
def talent(
    adcode: Adcode,
    user: CurrentUser,
    engine: EngineDep,
    invite: Annotated[int, Query(ge=0, le=200)] = 10,
) -> dict[str, Any]:
    """The talent pipeline (培训-孵化-供应链): per cohort the funnel, conversion and sales of
    its trainees' shops; the villages with supply but no linked seller, to invite next."""
    with session_scope(engine) as s:
        c = _admin(s, user, adcode)
        county = load_county(engine, adcode)
        try:
            files = stored_talent(s, c.id, county)
        except BundleError as e:
            raise _unreadable(e) from None
    if files is None:
        raise Problem(
            404,
            f"县 {adcode} 没有人才培养数据（talent_cohorts.csv）/ county {adcode} has no "
            "talent pipeline stored (talent_cohorts.csv)",
        )
    report = talent_pipeline(county, files.cohorts, files.trainees, files.sales, invite=invite)
    return {"county": adcode, **report.to_dict()}
