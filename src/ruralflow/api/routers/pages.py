"""The dashboard: its pages at ``/app/...`` and the few reads they need beyond the other routers.

The pages are static HTML (``ruralflow/web/pages``) with plain ES modules and CSS from
``/static/app`` and Apache ECharts from ``/static/vendor``; they log in at ``/auth/token``
and read everything else from the API with the bearer token, so the API's own role checks
apply to every figure a page shows. The reads added here: the county's boundary as GeoJSON
(for ECharts' ``registerMap``), its places with coordinates, the day's flows per station
and the county's cooperatives.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ruralflow.api.deps import CurrentUser, EngineDep, Principal, forbid, need_county
from ruralflow.api.problems import Problem
from ruralflow.store.counties import county_row
from ruralflow.store.db import session_scope
from ruralflow.store.models import (
    CooperativeMember,
    CountyRow,
    DownDemandRow,
    IntakeRecord,
    PlaceRow,
    ProductRow,
    UpSupplyRow,
    VehicleTypeRow,
)
from ruralflow.web import PAGES_DIR, STATIC_DIR

router = APIRouter(tags=["dashboard"])

Adcode = Annotated[str, PathParam(pattern=r"^\d{6}$", examples=["610425"])]


def _pages() -> dict[str, tuple[str, ...]]:
    """Page name -> the roles that see it (``static/app/pages.json``, which the nav reads)."""
    meta = json.loads((STATIC_DIR / "app" / "pages.json").read_text(encoding="utf-8"))
    return {"login": (), **{p["page"]: tuple(p["roles"]) for p in meta["pages"]}}


PAGES = _pages()


# ----------------------------------------------------------------------------- pages
@router.get("/app", include_in_schema=False)
def app_root() -> RedirectResponse:
    return RedirectResponse("/app/login", status_code=307)


@router.get("/app/{page}", include_in_schema=False)
def app_page(page: str) -> FileResponse:
    """One dashboard page (the page itself asks the API who is logged in)."""
    if page not in PAGES:
        raise Problem(404, f"没有页面 {page} / no page {page!r}")
    return FileResponse(PAGES_DIR / f"{page}.html", media_type="text/html; charset=utf-8")


# ----------------------------------------------------------------------------- reads
class Place(BaseModel):
    id: str
    kind: str
    name: str
    name_en: str
    parent: str
    lon: float
    lat: float


class PlaceList(BaseModel):
    data: list[Place]
    count: int


class DayFlow(BaseModel):
    day: dt.date
    down_parcels: int
    down_kg: float
    up_batches: int
    up_kg: float
    intake_records: int
    intake_kg: float


class StationFlow(BaseModel):
    station: str
    name: str
    villages: int
    down_parcels: int
    down_kg: float
    up_batches: int
    up_kg: float
    intake_records: int
    intake_kg: float


class VehicleType(BaseModel):
    id: str
    name: str
    kind: str
    count: int
    capacity_kg: float | None
    temperature_class: str


class RecentIntake(BaseModel):
    id: int
    station: str
    day: dt.date
    product: str
    kg: float
    farmer: str
    grade: str
    version: int
    recorded_by: str


class Flows(BaseModel):
    day: dt.date | None
    day_rule: str
    days: list[DayFlow]
    stations: list[StationFlow]
    fleet: list[VehicleType]
    recent_intake: list[RecentIntake]


def _county(s: Session, user: Principal, adcode: str, *roles: str) -> CountyRow:
    need_county(user, adcode)
    if roles and user.role not in roles:
        raise forbid()
    row = county_row(s, adcode)
    if row is None:
        raise Problem(404, f"没有县 {adcode} / no county {adcode}")
    return row


@router.get(
    "/counties/{adcode}/boundary.geojson",
    responses={200: {"content": {"application/geo+json": {}}}},
)
def boundary(adcode: Adcode, user: CurrentUser, engine: EngineDep) -> JSONResponse:
    """The county's boundary (WGS84) as a GeoJSON FeatureCollection (any user of the county);
    no features (and a ``note``) when the county's data has no polygon (coarse counties)."""
    with session_scope(engine) as s:
        c = _county(s, user, adcode)
        geom: Any = c.boundary
        name = c.name
    if isinstance(geom, dict) and geom.get("type") == "Feature":
        geom = geom.get("geometry")
    if isinstance(geom, dict) and geom.get("type") == "FeatureCollection":
        features = list(geom.get("features", []))
    elif isinstance(geom, dict) and geom.get("type") in ("Polygon", "MultiPolygon"):
        features = [{"type": "Feature", "properties": {}, "geometry": geom}]
    else:  # a coarse county: the data has no polygon (the page draws a box around the places)
        features = []
    for f in features:
        f["properties"] = {**(f.get("properties") or {}), "name": name, "adcode": adcode}
    body: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    if not features:
        body["note"] = "该县数据中没有边界多边形 / the county's data has no boundary polygon"
    return JSONResponse(body, media_type="application/geo+json")


@router.get("/counties/{adcode}/places", response_model=PlaceList)
def places(adcode: Adcode, user: CurrentUser, engine: EngineDep) -> PlaceList:
    """The county's hub, stations and villages with coordinates (any user of the county)."""
    with session_scope(engine) as s:
        c = _county(s, user, adcode)
        rows = s.scalars(
            select(PlaceRow).where(PlaceRow.county_id == c.id).order_by(PlaceRow.position)
        )
        out = [
            Place(
                id=r.place_id,
                kind=r.kind,
                name=r.name,
                name_en=str(r.attrs.get("name_en", "") or ""),
                parent=r.parent,
                lon=r.lon,
                lat=r.lat,
            )
            for r in rows
        ]
    return PlaceList(data=out, count=len(out))


class Product(BaseModel):
    id: str
    name: str


class ProductList(BaseModel):
    data: list[Product]
    count: int


@router.get("/counties/{adcode}/products", response_model=ProductList)
def products(adcode: Adcode, user: CurrentUser, engine: EngineDep) -> ProductList:
    """The county's products: the ids station forms send, and their names."""
    with session_scope(engine) as s:
        c = _county(s, user, adcode)
        rows = s.scalars(
            select(ProductRow).where(ProductRow.county_id == c.id).order_by(ProductRow.position)
        )
        out = [Product(id=r.product_id, name=r.name) for r in rows]
    return ProductList(data=out, count=len(out))


def _num(v: Any) -> float | None:
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


@router.get("/counties/{adcode}/flows", response_model=Flows)
def flows(
    adcode: Adcode,
    user: CurrentUser,
    engine: EngineDep,
    day: Annotated[
        dt.date | None,
        Query(description="YYYY-MM-DD; default: today if the data has it, else the busiest day"),
    ] = None,
) -> Flows:
    """A day's flows per township station (down parcels, up produce, intake), every day's
    totals (days with planned flows or with station intake) and the fleet. County admins and
    logistics operators; only admins get the latest intake records (they name farmers)."""
    with session_scope(engine) as s:
        c = _county(s, user, adcode, "county_admin", "logistics_operator")
        down = {
            d: (int(p or 0), float(k or 0.0))
            for d, p, k in s.execute(
                select(
                    DownDemandRow.day, func.sum(DownDemandRow.parcels), func.sum(DownDemandRow.kg)
                )
                .where(DownDemandRow.county_id == c.id)
                .group_by(DownDemandRow.day)
            ).all()
        }
        up = {
            d: (int(n or 0), float(k or 0.0))
            for d, n, k in s.execute(
                select(UpSupplyRow.day, func.count(), func.sum(UpSupplyRow.kg))
                .where(UpSupplyRow.county_id == c.id)
                .group_by(UpSupplyRow.day)
            ).all()
        }
        intake = {
            d: (int(n or 0), float(k or 0.0))
            for d, n, k in s.execute(
                select(IntakeRecord.day, func.count(), func.sum(IntakeRecord.kg))
                .where(IntakeRecord.county_id == c.id)
                .group_by(IntakeRecord.day)
            ).all()
        }
        days = [
            DayFlow(
                day=d,
                down_parcels=down.get(d, (0, 0.0))[0],
                down_kg=round(down.get(d, (0, 0.0))[1], 3),
                up_batches=up.get(d, (0, 0.0))[0],
                up_kg=round(up.get(d, (0, 0.0))[1], 3),
                intake_records=intake.get(d, (0, 0.0))[0],
                intake_kg=round(intake.get(d, (0, 0.0))[1], 3),
            )
            for d in sorted(set(down) | set(up) | set(intake))
        ]
        today = dt.date.today()
        if day is not None:
            rule = "asked"
        elif any(d.day == today for d in days):
            day, rule = today, "today"
        elif days:
            best = max(days, key=lambda d: (d.down_kg + d.up_kg, -d.day.toordinal()))
            day, rule = best.day, "busiest"
        else:
            rule = "none"
        place_rows = list(s.scalars(select(PlaceRow).where(PlaceRow.county_id == c.id)))
        station_of: dict[str, str] = {}
        names = {p.place_id: p.name for p in place_rows}
        for p in place_rows:
            if p.kind == "township_station":
                station_of[p.place_id] = p.place_id
        for p in place_rows:
            if p.kind == "village":
                station_of[p.place_id] = p.parent if p.parent in station_of else p.place_id
        acc: dict[str, dict[str, float]] = {}

        def slot(station: str) -> dict[str, float]:
            return acc.setdefault(
                station,
                {"villages": 0, "dp": 0, "dk": 0.0, "ub": 0, "uk": 0.0, "ir": 0, "ik": 0.0},
            )

        for p in place_rows:
            if p.kind == "village":
                slot(station_of[p.place_id])["villages"] += 1
            elif p.kind == "township_station":
                slot(p.place_id)
        if day is not None:
            for v, parcels, kg in s.execute(
                select(DownDemandRow.village, DownDemandRow.parcels, DownDemandRow.kg).where(
                    DownDemandRow.county_id == c.id, DownDemandRow.day == day
                )
            ).all():
                a = slot(station_of.get(v, v))
                a["dp"] += parcels
                a["dk"] += kg
            for v, kg in s.execute(
                select(UpSupplyRow.village, UpSupplyRow.kg).where(
                    UpSupplyRow.county_id == c.id, UpSupplyRow.day == day
                )
            ).all():
                a = slot(station_of.get(v, v))
                a["ub"] += 1
                a["uk"] += kg
            for st, kg in s.execute(
                select(IntakeRecord.station, IntakeRecord.kg).where(
                    IntakeRecord.county_id == c.id, IntakeRecord.day == day
                )
            ).all():
                a = slot(station_of.get(st, st))
                a["ir"] += 1
                a["ik"] += kg
        stations = [
            StationFlow(
                station=k,
                name=names.get(k, k),
                villages=int(a["villages"]),
                down_parcels=int(a["dp"]),
                down_kg=round(a["dk"], 3),
                up_batches=int(a["ub"]),
                up_kg=round(a["uk"], 3),
                intake_records=int(a["ir"]),
                intake_kg=round(a["ik"], 3),
            )
            for k, a in sorted(acc.items())
        ]
        fleet = [
            VehicleType(
                id=v.type_id,
                name=str(v.attrs.get("name", v.type_id)),
                kind=v.kind,
                count=v.count,
                capacity_kg=_num(v.attrs.get("capacity_kg")),
                temperature_class=str(v.attrs.get("temperature_class", "")),
            )
            for v in s.scalars(
                select(VehicleTypeRow)
                .where(VehicleTypeRow.county_id == c.id)
                .order_by(VehicleTypeRow.position)
            )
        ]
        recent: list[RecentIntake] = []
        if user.role == "county_admin":
            recent = [
                RecentIntake(
                    id=r.id,
                    station=r.station,
                    day=r.day,
                    product=r.product,
                    kg=r.kg,
                    farmer=r.farmer,
                    grade=r.grade,
                    version=r.version,
                    recorded_by=r.recorded_by,
                )
                for r in s.scalars(
                    select(IntakeRecord)
                    .where(IntakeRecord.county_id == c.id)
                    .order_by(IntakeRecord.recorded_at.desc(), IntakeRecord.id.desc())
                    .limit(20)
                )
            ]
    return Flows(
        day=day, day_rule=rule, days=days, stations=stations, fleet=fleet, recent_intake=recent
    )


class CooperativeList(BaseModel):
    data: list[str]
    count: int


@router.get("/counties/{adcode}/cooperatives", response_model=CooperativeList)
def cooperatives(adcode: Adcode, user: CurrentUser, engine: EngineDep) -> CooperativeList:
    """The county's cooperatives that have members (a cooperative user: only its own)."""
    with session_scope(engine) as s:
        c = _county(s, user, adcode, "county_admin", "cooperative")
        ids = sorted(
            set(
                s.scalars(
                    select(CooperativeMember.cooperative).where(
                        CooperativeMember.county_id == c.id
                    )
                )
            )
        )
    if user.role == "cooperative":
        ids = [user.scope]
    return CooperativeList(data=ids, count=len(ids))


# ----------------------------------------------------------------------------- lots
class LotOut(BaseModel):
    lot: str
    source: str
    cooperative: str
    product: str
    grade: str
    kg: float | None
    events: int
    first_event: str | None
    last_event: str | None
    consumer_path: str | None


class LotList(BaseModel):
    data: list[LotOut]
    count: int


_DL = re.compile(r"/01/(\d{8}|\d{12,14})/10/([^/?#]{1,60})$")
_NS_LOT = re.compile(r"/lot/([0-9]{6}/[A-Za-z0-9._-]{1,80}/grade/[A-Za-z0-9]{1,8})$")


def consumer_path(lot: str) -> str | None:
    """The consumer page's path on this server for a lot URI (GS1 Digital Link
    ``.../01/{gtin}/10/{lot}`` or the project's ``.../lot/{adcode}/{batch}/grade/{g}``)."""
    m = _DL.search(lot)
    if m:
        return f"/01/{m.group(1)}/10/{m.group(2)}"
    m = _NS_LOT.search(lot)
    return f"/lot/{m.group(1)}" if m else None


@router.get("/counties/{adcode}/lots", response_model=LotList)
def lots(adcode: Adcode, user: CurrentUser, engine: EngineDep) -> LotList:
    """The lots the county knows: those the trace log's events name as a class (each with its
    number of events, first and last event time and the path of its public consumer page),
    then the rows of the county's stored ``lots.csv`` (a cooperative user: only its own rows
    of ``lots.csv``; the captured lots are public through their consumer pages anyway)."""
    from ruralflow.store.models import BundleFile, EventEpcRow, EventRow

    with session_scope(engine) as s:
        c = _county(s, user, adcode, "county_admin", "cooperative")
        captured = s.execute(
            select(
                EventEpcRow.epc,
                func.count(func.distinct(EventRow.id)),
                func.min(EventRow.event_time),
                func.max(EventRow.event_time),
            )
            .join(EventRow, EventRow.id == EventEpcRow.event)
            .where(EventRow.county == adcode, EventEpcRow.role == "class")
            .group_by(EventEpcRow.epc)
            .order_by(func.min(EventRow.event_time), EventEpcRow.epc)
        ).all()
        text = s.scalar(
            select(BundleFile.text).where(
                BundleFile.county_id == c.id, BundleFile.name == "lots.csv"
            )
        )
    out = [
        LotOut(
            lot=str(epc),
            source="events",
            cooperative="",
            product="",
            grade="",
            kg=None,
            events=int(n),
            first_event=first,
            last_event=last,
            consumer_path=consumer_path(str(epc)),
        )
        for epc, n, first, last in captured
    ]
    if text:
        for r in csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline="")):
            coop = (r.get("cooperative") or "").strip()
            if user.role == "cooperative" and coop != user.scope:
                continue
            out.append(
                LotOut(
                    lot=(r.get("id") or "").strip(),
                    source="lots.csv",
                    cooperative=coop,
                    product=(r.get("product") or "").strip(),
                    grade=(r.get("grade") or "").strip(),
                    kg=_num(r.get("kg")),
                    events=0,
                    first_event=None,
                    last_event=None,
                    consumer_path=None,
                )
            )
    return LotList(data=out, count=len(out))


# ----------------------------------------------------------------------------- settlement
class CoopSettlement(BaseModel):
    run: str | None
    version: int | None
    finished_at: dt.datetime | None
    paths: int | None
    seasons: int | None
    farm: dict[str, Any]
    verdict: dict[str, Any] | None
    designs: list[dict[str, Any]]
    farmers: list[dict[str, Any]]
    settlement_note: str | None


@router.get("/counties/{adcode}/cooperatives/{coop}/settlement", response_model=CoopSettlement)
def coop_settlement(
    adcode: Adcode,
    coop: Annotated[str, PathParam(pattern=r"^[A-Za-z0-9._-]{1,64}$")],
    user: CurrentUser,
    engine: EngineDep,
    version: Annotated[int | None, Query(ge=1)] = None,
) -> CoopSettlement:
    """A cooperative's part of the newest finished ``contracts`` run (or run ``version``):
    the simulated outcome of each contract design its members signed (farmer income, buyer
    margin per member household, share of households under the poverty line, yuan per
    household and season) with the run's verdict, and its members' settled amounts (fen) as
    the statements' figures. County admin, or the cooperative itself."""
    from ruralflow.store.contracts import cooperative_contracts
    from ruralflow.store.models import RunRow

    with session_scope(engine) as s:
        c = _county(s, user, adcode, "county_admin", "cooperative")
        if user.role == "cooperative" and user.scope != coop:
            raise forbid()
        signed = {d["contract"] for d in cooperative_contracts(s, c.id, coop)}
        q = select(RunRow).where(
            RunRow.county_id == c.id, RunRow.kind == "contracts", RunRow.status == "done"
        )
        if version is not None:
            q = q.where(RunRow.version == version)
        run = s.scalar(q.order_by(RunRow.version.desc()).limit(1))
        if run is None:
            if version is not None:
                raise Problem(404, f"没有合同运行 / no finished contracts run {version}")
            return CoopSettlement(
                run=None, version=None, finished_at=None, paths=None, seasons=None, farm={},
                verdict=None, designs=[], farmers=[], settlement_note=None,
            )  # fmt: skip
        res = run.result if isinstance(run.result, dict) else {}
        rid, rversion, rfinished = run.id, run.version, run.finished_at
    sim = res.get("simulation") or {}
    members = set((res.get("cooperatives") or {}).get(coop, []))
    settlement = res.get("settlement") or {}
    farmers = [f for f in settlement.get("farmers", []) if f.get("farmer") in members]
    used = signed | {f.get("contract") for f in farmers}
    return CoopSettlement(
        run=rid,
        version=rversion,
        finished_at=rfinished,
        paths=sim.get("paths"),
        seasons=sim.get("seasons"),
        farm=sim.get("farm") or {},
        verdict=sim.get("verdict"),
        designs=[d for d in sim.get("designs", []) if d.get("id") in used],
        farmers=farmers,
        settlement_note=res.get("settlement_note"),
    )
