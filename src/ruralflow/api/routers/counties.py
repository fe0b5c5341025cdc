"""Counties and their daily operations: summary, station intake and deliveries (with an audit
trail), CSV upload of a day's intake or deliveries, cooperative members, their batches, the
contracts they signed and their settlement statements."""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, File, Query, Response, UploadFile
from fastapi import Path as PathParam
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from ruralflow.api.deps import (
    CurrentUser,
    EngineDep,
    Principal,
    forbid,
    need_county,
    need_role,
    station_county,
    user_county,
)
from ruralflow.api.problems import Problem
from ruralflow.store.counties import county_row
from ruralflow.store.db import session_scope
from ruralflow.store.models import (
    AuditEntry,
    BusLineRow,
    CooperativeMember,
    CountyRow,
    DeliveryRecord,
    DownDemandRow,
    IntakeRecord,
    PlaceRow,
    ProductRow,
    UpSupplyRow,
    VehicleTypeRow,
)

router = APIRouter(tags=["counties"])

ADCODE = r"^\d{6}$"
IDENT = r"^[A-Za-z0-9_.:-]{1,64}$"
Adcode = Annotated[str, PathParam(pattern=ADCODE, examples=["610425"])]
Ident = Annotated[str, PathParam(pattern=IDENT, examples=["T610425001"])]


class CountySummary(BaseModel):
    adcode: str
    name: str
    name_en: str
    province: str
    city: str
    hub: str
    places: dict[str, int]
    products: int
    vehicle_types: int
    vehicles: int
    bus_lines: int
    down_days: int
    down_parcels: int
    up_batches: int
    up_kg: float
    intake_records: int


class PublicCounty(BaseModel):
    adcode: str
    name: str
    name_en: str
    places: dict[str, int]
    products: list[str]


class IntakeIn(BaseModel):
    """One intake record: produce taken in at a station."""

    model_config = ConfigDict(extra="forbid")
    day: dt.date
    product: str = Field(pattern=IDENT)
    kg: float = Field(gt=0, le=1_000_000)
    farmer: str = Field(pattern=IDENT)
    grade: str = Field(pattern=r"^[A-Za-z0-9_-]{1,16}$")

    @field_validator("kg")
    @classmethod
    def _finite(cls, v: float) -> float:
        if not math.isfinite(v):
            raise ValueError("kg must be a finite number")
        return v


class IntakeCorrection(IntakeIn):
    """A corrected record and why (the old values stay in the audit trail)."""

    reason: str = Field(min_length=1, max_length=500)


class IntakeOut(BaseModel):
    id: int
    station: str
    day: dt.date
    product: str
    kg: float
    farmer: str
    grade: str
    version: int
    recorded_by: str
    recorded_at: dt.datetime


class IntakeList(BaseModel):
    data: list[IntakeOut]
    count: int


class AuditOut(BaseModel):
    version: int
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str
    actor: str
    at: dt.datetime


class UploadResult(BaseModel):
    created: int
    data: list[IntakeOut]


class MemberIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    farmer: str = Field(pattern=IDENT)
    name: str = Field(default="", max_length=200)
    village: str = Field(default="", max_length=64)


class MemberOut(MemberIn):
    cooperative: str


class MemberList(BaseModel):
    data: list[MemberOut]
    count: int


# ----------------------------------------------------------------------------- helpers
def _out(r: IntakeRecord) -> IntakeOut:
    return IntakeOut(
        id=r.id,
        station=r.station,
        day=r.day,
        product=r.product,
        kg=r.kg,
        farmer=r.farmer,
        grade=r.grade,
        version=r.version,
        recorded_by=r.recorded_by,
        recorded_at=r.recorded_at,
    )


def _values(r: IntakeRecord) -> dict[str, Any]:
    return {
        "day": r.day.isoformat(),
        "product": r.product,
        "kg": r.kg,
        "farmer": r.farmer,
        "grade": r.grade,
    }


def _products(s: Session, crow: CountyRow) -> set[str]:
    return set(s.scalars(select(ProductRow.product_id).where(ProductRow.county_id == crow.id)))


def _check_product(s: Session, crow: CountyRow, product: str) -> None:
    if product not in _products(s, crow):
        raise Problem(
            422,
            f"该县没有产品 {product} / no product {product!r} in county {crow.adcode}",
            kind="invalid-input",
            errors=[{"where": "body/product", "message": "unknown product"}],
        )


# ----------------------------------------------------------------------------- routes
@router.get("/counties/{adcode}", response_model=CountySummary)
def county_summary(adcode: Adcode, user: CurrentUser, engine: EngineDep) -> CountySummary:
    """The county's summary (any user of the county)."""
    with session_scope(engine) as s:
        c = user_county(s, user, adcode)
        kinds = dict(
            s.execute(
                select(PlaceRow.kind, func.count())
                .where(PlaceRow.county_id == c.id)
                .group_by(PlaceRow.kind)
            ).all()
        )

        def count(model: Any) -> int:
            return int(
                s.scalar(select(func.count()).select_from(model).where(model.county_id == c.id))
                or 0
            )

        return CountySummary(
            adcode=c.adcode,
            name=c.name,
            name_en=c.name_en,
            province=str(c.settings.get("province", "")),
            city=str(c.settings.get("city", "")),
            hub=str(c.settings.get("hub", "")),
            places=kinds,
            products=count(ProductRow),
            vehicle_types=count(VehicleTypeRow),
            vehicles=int(
                s.scalar(
                    select(func.coalesce(func.sum(VehicleTypeRow.count), 0)).where(
                        VehicleTypeRow.county_id == c.id
                    )
                )
                or 0
            ),
            bus_lines=count(BusLineRow),
            down_days=int(
                s.scalar(
                    select(func.count(func.distinct(DownDemandRow.day))).where(
                        DownDemandRow.county_id == c.id
                    )
                )
                or 0
            ),
            down_parcels=int(
                s.scalar(
                    select(func.coalesce(func.sum(DownDemandRow.parcels), 0)).where(
                        DownDemandRow.county_id == c.id
                    )
                )
                or 0
            ),
            up_batches=count(UpSupplyRow),
            up_kg=round(
                float(
                    s.scalar(
                        select(func.coalesce(func.sum(UpSupplyRow.kg), 0.0)).where(
                            UpSupplyRow.county_id == c.id
                        )
                    )
                    or 0.0
                ),
                3,
            ),
            intake_records=count(IntakeRecord),
        )


def _station_records(
    s: Session, model: Any, c: CountyRow, place: str, day: dt.date | None
) -> list[Any]:
    """The records of ``model`` (intake or deliveries) at station ``place``, in id order."""
    q = select(model).where(model.county_id == c.id, model.station == place)
    if day is not None:
        q = q.where(model.day == day)
    return list(s.scalars(q.order_by(model.id)))


def _history(s: Session, table: str, record_id: int) -> list[AuditOut]:
    """Every audited version of record ``record_id`` of ``table``, oldest first."""
    rows = s.scalars(
        select(AuditEntry)
        .where(AuditEntry.record_table == table, AuditEntry.record_id == record_id)
        .order_by(AuditEntry.version)
    )
    return [
        AuditOut(
            version=a.version,
            action=a.action,
            before=a.before,
            after=a.after,
            reason=a.reason,
            actor=a.actor,
            at=a.at,
        )
        for a in rows
    ]


def _correct(
    s: Session,
    r: Any,
    table: str,
    values: Callable[[Any], dict[str, Any]],
    body: Any,
    actor: str,
) -> None:
    """Apply ``body`` (less its ``reason``) to record ``r`` as a new version, audited."""
    before = values(r)
    for k, v in body.model_dump(exclude={"reason"}).items():
        setattr(r, k, v)
    r.version += 1
    r.recorded_by = actor
    s.flush()
    s.add(
        AuditEntry(
            record_table=table,
            record_id=r.id,
            version=r.version,
            action="correct",
            before=before,
            after=values(r),
            reason=body.reason,
            actor=actor,
        )
    )


@router.get("/public/counties/{adcode}", response_model=PublicCounty)
def public_county(adcode: Adcode, engine: EngineDep) -> PublicCounty:
    """Public county figures (no login): name, places by kind, product names."""
    with session_scope(engine) as s:
        c = county_row(s, adcode)
        if c is None:
            raise Problem(404, f"没有县 {adcode} / no county {adcode}")
        kinds = dict(
            s.execute(
                select(PlaceRow.kind, func.count())
                .where(PlaceRow.county_id == c.id, PlaceRow.kind != "candidate_site")
                .group_by(PlaceRow.kind)
            ).all()
        )
        names = list(
            s.scalars(
                select(ProductRow.name)
                .where(ProductRow.county_id == c.id)
                .order_by(ProductRow.position)
            )
        )
        return PublicCounty(
            adcode=c.adcode, name=c.name, name_en=c.name_en, places=kinds, products=names
        )


@router.get("/counties/{adcode}/stations/{place}/intake", response_model=IntakeList)
def list_intake(
    adcode: Adcode,
    place: Ident,
    user: CurrentUser,
    engine: EngineDep,
    day: dt.date | None = None,
) -> IntakeList:
    """A station's intake records (county admin, or the station's own operator)."""
    with session_scope(engine) as s:
        c = station_county(s, user, adcode, place)
        rows = [_out(r) for r in _station_records(s, IntakeRecord, c, place, day)]
        return IntakeList(data=rows, count=len(rows))


@router.post(
    "/counties/{adcode}/stations/{place}/intake", response_model=IntakeOut, status_code=201
)
def add_intake(
    adcode: Adcode,
    place: Ident,
    body: IntakeIn,
    user: CurrentUser,
    engine: EngineDep,
    response: Response,
) -> IntakeOut:
    """Record produce taken in at a station."""
    with session_scope(engine) as s:
        c = station_county(s, user, adcode, place)
        _check_product(s, c, body.product)
        r = IntakeRecord(county_id=c.id, station=place, recorded_by=user.name, **body.model_dump())
        s.add(r)
        s.flush()
        s.add(
            AuditEntry(
                record_table="intake_records",
                record_id=r.id,
                version=1,
                action="create",
                before=None,
                after=_values(r),
                actor=user.name,
            )
        )
        s.flush()
        response.headers["Location"] = f"/counties/{adcode}/stations/{place}/intake/{r.id}"
        return _out(r)


def _record(s: Session, c: CountyRow, place: str, record: int) -> IntakeRecord:
    r = s.get(IntakeRecord, record)
    if r is None or r.county_id != c.id or r.station != place:
        raise Problem(404, f"没有记录 {record} / no intake record {record} at {place}")
    return r


@router.put("/counties/{adcode}/stations/{place}/intake/{record}", response_model=IntakeOut)
def correct_intake(
    adcode: Adcode,
    place: Ident,
    record: int,
    body: IntakeCorrection,
    user: CurrentUser,
    engine: EngineDep,
) -> IntakeOut:
    """Correct a record: a new version; the old values and the reason go to the audit trail."""
    with session_scope(engine) as s:
        c = station_county(s, user, adcode, place)
        _check_product(s, c, body.product)
        r = _record(s, c, place, record)
        _correct(s, r, "intake_records", _values, body, user.name)
        return _out(r)


@router.get(
    "/counties/{adcode}/stations/{place}/intake/{record}/history",
    response_model=list[AuditOut],
)
def intake_history(
    adcode: Adcode,
    place: Ident,
    record: int,
    user: CurrentUser,
    engine: EngineDep,
) -> list[AuditOut]:
    """Every version of a record: who changed what, when and why."""
    with session_scope(engine) as s:
        c = station_county(s, user, adcode, place)
        r = _record(s, c, place, record)
        return _history(s, "intake_records", r.id)


_MAX_UPLOAD = 5 * 1024 * 1024


@dataclass(frozen=True)
class _UploadKind:
    """What one kind of CSV upload (intake or deliveries) reads and writes: the file name shown
    in messages, its columns, the row model, the record class and table, and how records look
    in the audit trail and the answer. Both uploads share :func:`_store_upload`."""

    file: str
    columns: tuple[str, ...]
    model: type[BaseModel]
    record: type[Any]
    table: str
    values: Callable[[Any], dict[str, Any]]
    out: Callable[[Any], BaseModel]
    check_product: bool


async def _read_upload(file: UploadFile) -> bytes:
    raw = await file.read(_MAX_UPLOAD + 1)
    if len(raw) > _MAX_UPLOAD:
        raise Problem(413, "文件过大 / the file is larger than 5 MiB")
    return raw


@router.post(
    "/counties/{adcode}/stations/{place}/intake.csv",
    response_model=UploadResult,
    status_code=201,
)
async def upload_intake(
    adcode: Adcode,
    place: Ident,
    file: Annotated[UploadFile, File(description="CSV: day,product,kg,farmer,grade")],
    user: CurrentUser,
    engine: EngineDep,
) -> Any:
    """Upload a day's intake as CSV: every row is checked first; any problem writes nothing."""
    raw = await _read_upload(file)
    return await run_in_threadpool(_store_upload, _INTAKE, engine, user, adcode, place, raw)


def _problem_line(kind: _UploadKind, n: int, col: str, value: str, msg: str) -> str:
    """One bad cell, named as a spreadsheet shows it (header is row 1), Chinese and English."""
    return (
        f"{kind.file} 第 {n} 行, 列 {col!r}, 值 {value!r}: 无效 / "
        f"{kind.file}, row {n}, column {col!r}: value {value!r}: {msg}"
    )


def _store_upload(
    kind: _UploadKind, engine: Engine, user: Principal, adcode: str, place: str, raw: bytes
) -> dict[str, Any]:
    """Check every row of an uploaded CSV, then write all of them (audited) or none."""
    f = kind.file
    with session_scope(engine) as s:
        c = station_county(s, user, adcode, place)
        products = _products(s, c) if kind.check_product else set()
        problems: list[str] = []
        rows: list[BaseModel] = []
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise Problem(
                422, f"{f}: 不是 UTF-8 文本 / {f}: is not UTF-8 text", kind="invalid-input"
            ) from None
        reader = csv.DictReader(io.StringIO(text))
        missing = [col for col in kind.columns if col not in (reader.fieldnames or ())]
        if missing:
            cols = ", ".join(missing)
            problems.append(f"{f}: 缺少列 {cols} / {f}: missing columns {cols}")
        else:
            for n, line in enumerate(reader, start=2):
                values = {k: (line.get(k) or "").strip() for k in kind.columns}
                try:
                    rec = kind.model.model_validate(values)
                except ValueError as e:
                    for err in getattr(e, "errors", list)():
                        col = ".".join(str(p) for p in err.get("loc", ()))
                        problems.append(
                            _problem_line(kind, n, col, values.get(col, ""), err.get("msg", ""))
                        )
                    continue
                product = getattr(rec, "product", None)
                if kind.check_product and product not in products:
                    problems.append(
                        f"{f} 第 {n} 行, 列 'product', 值 {product!r}: 该县没有此产品 / "
                        f"{f}, row {n}, column 'product': value {product!r}: unknown product"
                    )
                    continue
                rows.append(rec)
            if not rows and not problems:
                problems.append(f"{f}: 没有数据行 / {f}: no rows")
        if problems:
            raise Problem(
                422,
                f"{f}: {len(problems)} 处问题,未写入 / "
                f"{f}: {len(problems)} problem(s), nothing written",
                kind="invalid-input",
                problems=problems,
            )
        made = []
        for rec in rows:
            r = kind.record(
                county_id=c.id, station=place, recorded_by=user.name, **rec.model_dump()
            )
            s.add(r)
            made.append(r)
        s.flush()
        for r in made:
            s.add(
                AuditEntry(
                    record_table=kind.table,
                    record_id=r.id,
                    version=1,
                    action="create",
                    after=kind.values(r),
                    reason="csv upload",
                    actor=user.name,
                )
            )
        return {"created": len(made), "data": [kind.out(r) for r in made]}


# ----------------------------------------------------------------------------- deliveries
class DeliveryIn(BaseModel):
    """Down parcels handed over at a station on a day."""

    model_config = ConfigDict(extra="forbid")
    day: dt.date
    parcels: int = Field(ge=1, le=100_000)
    kg: float = Field(ge=0, le=1_000_000)
    recipient: str = Field(pattern=IDENT)

    @field_validator("kg")
    @classmethod
    def _finite(cls, v: float) -> float:
        if not math.isfinite(v):
            raise ValueError("kg must be a finite number")
        return v


class DeliveryCorrection(DeliveryIn):
    reason: str = Field(min_length=1, max_length=500)


class DeliveryOut(BaseModel):
    id: int
    station: str
    day: dt.date
    parcels: int
    kg: float
    recipient: str
    version: int
    recorded_by: str
    recorded_at: dt.datetime


class DeliveryList(BaseModel):
    data: list[DeliveryOut]
    count: int


def _dout(r: DeliveryRecord) -> DeliveryOut:
    return DeliveryOut(
        id=r.id,
        station=r.station,
        day=r.day,
        parcels=r.parcels,
        kg=r.kg,
        recipient=r.recipient,
        version=r.version,
        recorded_by=r.recorded_by,
        recorded_at=r.recorded_at,
    )


def _dvalues(r: DeliveryRecord) -> dict[str, Any]:
    return {"day": r.day.isoformat(), "parcels": r.parcels, "kg": r.kg, "recipient": r.recipient}


def _delivery(s: Session, c: CountyRow, place: str, record: int) -> DeliveryRecord:
    r = s.get(DeliveryRecord, record)
    if r is None or r.county_id != c.id or r.station != place:
        raise Problem(404, f"没有记录 {record} / no delivery record {record} at {place}")
    return r


@router.get("/counties/{adcode}/stations/{place}/deliveries", response_model=DeliveryList)
def list_deliveries(
    adcode: Adcode, place: Ident, user: CurrentUser, engine: EngineDep, day: dt.date | None = None
) -> DeliveryList:
    """A station's delivery records (county admin, or the station's own operator)."""
    with session_scope(engine) as s:
        c = station_county(s, user, adcode, place)
        rows = [_dout(r) for r in _station_records(s, DeliveryRecord, c, place, day)]
        return DeliveryList(data=rows, count=len(rows))


@router.post(
    "/counties/{adcode}/stations/{place}/deliveries", response_model=DeliveryOut, status_code=201
)
def add_delivery(
    adcode: Adcode,
    place: Ident,
    body: DeliveryIn,
    user: CurrentUser,
    engine: EngineDep,
    response: Response,
) -> DeliveryOut:
    """Record down parcels handed over at a station."""
    with session_scope(engine) as s:
        c = station_county(s, user, adcode, place)
        r = DeliveryRecord(
            county_id=c.id, station=place, recorded_by=user.name, **body.model_dump()
        )
        s.add(r)
        s.flush()
        s.add(
            AuditEntry(
                record_table="deliveries",
                record_id=r.id,
                version=1,
                action="create",
                after=_dvalues(r),
                actor=user.name,
            )
        )
        s.flush()
        response.headers["Location"] = f"/counties/{adcode}/stations/{place}/deliveries/{r.id}"
        return _dout(r)


@router.put("/counties/{adcode}/stations/{place}/deliveries/{record}", response_model=DeliveryOut)
def correct_delivery(
    adcode: Adcode,
    place: Ident,
    record: int,
    body: DeliveryCorrection,
    user: CurrentUser,
    engine: EngineDep,
) -> DeliveryOut:
    """Correct a delivery record: a new version; the old values go to the audit trail."""
    with session_scope(engine) as s:
        c = station_county(s, user, adcode, place)
        r = _delivery(s, c, place, record)
        _correct(s, r, "deliveries", _dvalues, body, user.name)
        return _dout(r)


@router.get(
    "/counties/{adcode}/stations/{place}/deliveries/{record}/history",
    response_model=list[AuditOut],
)
def delivery_history(
    adcode: Adcode, place: Ident, record: int, user: CurrentUser, engine: EngineDep
) -> list[AuditOut]:
    """Every version of a delivery record."""
    with session_scope(engine) as s:
        c = station_county(s, user, adcode, place)
        r = _delivery(s, c, place, record)
        return _history(s, "deliveries", r.id)


class DeliveryUploadResult(BaseModel):
    created: int
    data: list[DeliveryOut]


_INTAKE = _UploadKind(
    file="intake.csv",
    columns=("day", "product", "kg", "farmer", "grade"),
    model=IntakeIn,
    record=IntakeRecord,
    table="intake_records",
    values=_values,
    out=_out,
    check_product=True,
)
_DELIVERIES = _UploadKind(
    file="deliveries.csv",
    columns=("day", "parcels", "kg", "recipient"),
    model=DeliveryIn,
    record=DeliveryRecord,
    table="deliveries",
    values=_dvalues,
    out=_dout,
    check_product=False,
)


@router.post(
    "/counties/{adcode}/stations/{place}/deliveries.csv",
    response_model=DeliveryUploadResult,
    status_code=201,
)
async def upload_deliveries(
    adcode: Adcode,
    place: Ident,
    file: Annotated[UploadFile, File(description="CSV: day,parcels,kg,recipient")],
    user: CurrentUser,
    engine: EngineDep,
) -> Any:
    """Upload a day's deliveries as CSV: every row is checked first; any problem writes
    nothing (the same checks and messages as the intake upload)."""
    raw = await _read_upload(file)
    return await run_in_threadpool(_store_upload, _DELIVERIES, engine, user, adcode, place, raw)


# ----------------------------------------------------------------------------- cooperatives
def _coop(s: Session, user: Principal, adcode: str, coop: str) -> CountyRow:
    need_county(user, adcode)
    if user.role == "cooperative":
        if user.scope != coop:
            raise forbid()
    elif user.role != "county_admin":
        raise forbid()
    return user_county(s, user, adcode)


@router.get("/counties/{adcode}/cooperatives/{coop}/members", response_model=MemberList)
def list_members(
    adcode: Adcode,
    coop: Ident,
    user: CurrentUser,
    engine: EngineDep,
) -> MemberList:
    """A cooperative's members (county admin, or the cooperative itself)."""
    with session_scope(engine) as s:
        c = _coop(s, user, adcode, coop)
        rows = s.scalars(
            select(CooperativeMember)
            .where(CooperativeMember.county_id == c.id, CooperativeMember.cooperative == coop)
            .order_by(CooperativeMember.farmer)
        )
        data = [
            MemberOut(cooperative=m.cooperative, farmer=m.farmer, name=m.name, village=m.village)
            for m in rows
        ]
        return MemberList(data=data, count=len(data))


@router.post(
    "/counties/{adcode}/cooperatives/{coop}/members", response_model=MemberOut, status_code=201
)
def add_member(
    adcode: Adcode,
    coop: Ident,
    body: MemberIn,
    user: CurrentUser,
    engine: EngineDep,
) -> MemberOut:
    """Register a farmer as a member of a cooperative (county admin)."""
    need_role(user, "county_admin")
    with session_scope(engine) as s:
        c = _coop(s, user, adcode, coop)
        exists = s.scalar(
            select(CooperativeMember.id).where(
                CooperativeMember.county_id == c.id,
                CooperativeMember.cooperative == coop,
                CooperativeMember.farmer == body.farmer,
            )
        )
        if exists is not None:
            raise Problem(409, f"{body.farmer} 已是成员 / is already a member of {coop}")
        s.add(CooperativeMember(county_id=c.id, cooperative=coop, **body.model_dump()))
        return MemberOut(cooperative=coop, **body.model_dump())


@router.get("/counties/{adcode}/cooperatives/{coop}/batches", response_model=IntakeList)
def member_batches(
    adcode: Adcode,
    coop: Ident,
    user: CurrentUser,
    engine: EngineDep,
) -> IntakeList:
    """Intake records of the cooperative's members, at any station of the county."""
    with session_scope(engine) as s:
        c = _coop(s, user, adcode, coop)
        members = select(CooperativeMember.farmer).where(
            CooperativeMember.county_id == c.id, CooperativeMember.cooperative == coop
        )
        rows = [
            _out(r)
            for r in s.scalars(
                select(IntakeRecord)
                .where(IntakeRecord.county_id == c.id, IntakeRecord.farmer.in_(members))
                .order_by(IntakeRecord.id)
            )
        ]
        return IntakeList(data=rows, count=len(rows))


class ContractOut(BaseModel):
    contract: str
    product: str
    type: str
    terms: dict[str, str]
    fund: dict[str, str] | None
    source: str
    members: list[dict[str, str]]


class ContractList(BaseModel):
    data: list[ContractOut]
    count: int


@router.get("/counties/{adcode}/cooperatives/{coop}/contracts", response_model=ContractList)
def member_contracts(
    adcode: Adcode,
    coop: Ident,
    user: CurrentUser,
    engine: EngineDep,
) -> ContractList:
    """The contracts the cooperative's members signed (``contracts.csv`` as imported): each
    with its terms, its price-risk fund and the members' signatures, nobody else's."""
    from ruralflow.store.contracts import cooperative_contracts

    with session_scope(engine) as s:
        c = _coop(s, user, adcode, coop)
        data = [ContractOut(**d) for d in cooperative_contracts(s, c.id, coop)]
        return ContractList(data=data, count=len(data))


class StatementOut(BaseModel):
    farmer: str
    text: str


class StatementList(BaseModel):
    run: str | None
    version: int | None
    finished_at: dt.datetime | None
    data: list[StatementOut]
    count: int


@router.get("/counties/{adcode}/cooperatives/{coop}/statements", response_model=StatementList)
def member_statements(
    adcode: Adcode,
    coop: Ident,
    user: CurrentUser,
    engine: EngineDep,
    version: Annotated[int | None, Query(ge=1)] = None,
) -> StatementList:
    """The members' settlement statements (Chinese and English) from the newest finished
    ``contracts`` run (or run ``version``); empty when no run has settled the season."""
    from ruralflow.store.models import RunRow

    with session_scope(engine) as s:
        c = _coop(s, user, adcode, coop)
        q = select(RunRow).where(
            RunRow.county_id == c.id, RunRow.kind == "contracts", RunRow.status == "done"
        )
        if version is not None:
            q = q.where(RunRow.version == version)
        run = s.scalar(q.order_by(RunRow.version.desc()).limit(1))
        if run is None:
            if version is not None:
                raise Problem(404, f"没有合同运行 / no finished contracts run {version}")
            return StatementList(run=None, version=None, finished_at=None, data=[], count=0)
        result = run.result if isinstance(run.result, dict) else {}
        data = [
            StatementOut(farmer=st["farmer"], text=st["text"])
            for st in result.get("statements", [])
            if coop in st.get("cooperatives", [])
        ]
        return StatementList(
            run=run.id,
            version=run.version,
            finished_at=run.finished_at,
            data=data,
            count=len(data),
        )
