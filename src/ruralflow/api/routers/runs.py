"""Background runs (plan, season, site, matrix, contracts) on a county's stored data, and
route sheets.

``POST /counties/{adcode}/runs`` answers 202 with the run's URL; the run shows its status
(queued, running, done, failed, cancelling, cancelled) and progress, can be cancelled, and
keeps its result, numbered per county and kind (``version``). Route sheets (per vehicle: its
stops, times, what to load and unload) come from a finished plan run. County admins start
and read every kind; logistics operators start and read plans.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Request, Response
from fastapi import Path as PathParam
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from ruralflow.api.deps import CurrentUser, EngineDep, Principal, forbid, need_county
from ruralflow.api.problems import Problem
from ruralflow.store.counties import county_row
from ruralflow.store.db import session_scope
from ruralflow.store.models import RunRow
from ruralflow.store.runs import RunError, cancel_run, route_sheets, start_run

router = APIRouter(tags=["runs"])

Adcode = Annotated[str, PathParam(pattern=r"^\d{6}$", examples=["610425"])]
RunId = Annotated[str, PathParam(pattern=r"^[0-9a-f-]{36}$")]


class RunIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str = Field(pattern=r"^(plan|season|site|matrix|contracts)$")
    params: dict[str, Any] = Field(default_factory=dict)


class RunOut(BaseModel):
    id: str
    kind: str
    version: int
    status: str
    progress: float
    message: str
    params: dict[str, Any]
    created_by: str
    created_at: dt.datetime
    finished_at: dt.datetime | None
    result: Any = None


class RunList(BaseModel):
    data: list[RunOut]
    count: int


def _may(user: Principal, adcode: str, kind: str | None) -> None:
    need_county(user, adcode)
    if user.role == "county_admin":
        return
    if user.role == "logistics_operator" and kind in (None, "plan"):
        return
    raise forbid()


def _out(r: RunRow, *, with_result: bool) -> RunOut:
    return RunOut(
        id=r.id,
        kind=r.kind,
        version=r.version,
        status=r.status,
        progress=r.progress,
        message=r.message,
        params=r.params,
        created_by=r.created_by,
        created_at=r.created_at,
        finished_at=r.finished_at,
        result=r.result if with_result else None,
    )


def _run(engine: Any, user: Principal, adcode: str, run_id: str) -> RunRow:
    with session_scope(engine) as s:
        crow = county_row(s, adcode)
        row = s.get(RunRow, run_id)
        if crow is None or row is None or row.county_id != crow.id:
            raise Problem(404, f"没有运行 / no run {run_id}")
        _may(user, adcode, row.kind)
        return row


@router.post("/counties/{adcode}/runs", status_code=202, response_model=RunOut)
def start(
    request: Request,
    adcode: Adcode,
    body: RunIn,
    user: CurrentUser,
    engine: EngineDep,
    response: Response,
) -> RunOut:
    """Start a run in the background: 202 and the run's URL (``Location``)."""
    _may(user, adcode, body.kind)
    try:
        row = start_run(
            engine, request.app.state.url, adcode, body.kind, body.params, actor=user.name
        )
    except RunError as e:
        raise Problem(422, str(e), kind="invalid-input") from None
    response.headers["Location"] = f"/counties/{adcode}/runs/{row.id}"
    return _out(row, with_result=False)


@router.get("/counties/{adcode}/runs", response_model=RunList)
def list_runs(
    adcode: Adcode, user: CurrentUser, engine: EngineDep, kind: str | None = None
) -> RunList:
    """The county's runs, newest first (without their results)."""
    _may(user, adcode, kind)
    with session_scope(engine) as s:
        crow = county_row(s, adcode)
        if crow is None:
            raise Problem(404, f"没有县 {adcode} / no county {adcode}")
        q = select(RunRow).where(RunRow.county_id == crow.id)
        if user.role != "county_admin":
            q = q.where(RunRow.kind == "plan")
        if kind is not None:
            q = q.where(RunRow.kind == kind)
        rows = [
            _out(r, with_result=False) for r in s.scalars(q.order_by(RunRow.created_at.desc()))
        ]
        return RunList(data=rows, count=len(rows))


@router.get("/counties/{adcode}/runs/{run_id}", response_model=RunOut)
def get_run(adcode: Adcode, run_id: RunId, user: CurrentUser, engine: EngineDep) -> RunOut:
    """A run's status, progress and (when done) its stored result."""
    return _out(_run(engine, user, adcode, run_id), with_result=True)


@router.post("/counties/{adcode}/runs/{run_id}/cancel", response_model=RunOut)
def cancel(adcode: Adcode, run_id: RunId, user: CurrentUser, engine: EngineDep) -> RunOut:
    """Stop a queued or running run (409 when it has finished)."""
    _run(engine, user, adcode, run_id)
    try:
        cancel_run(engine, run_id)
    except RunError as e:
        raise Problem(409, str(e)) from None
    return _out(_run(engine, user, adcode, run_id), with_result=False)


@router.get("/counties/{adcode}/runs/{run_id}/route-sheets")
def sheets(
    adcode: Adcode,
    run_id: RunId,
    user: CurrentUser,
    engine: EngineDep,
    vehicle: str | None = None,
) -> list[dict[str, Any]]:
    """Route sheets of a finished plan run, one per vehicle (or only ``vehicle``)."""
    row = _run(engine, user, adcode, run_id)
    if row.kind != "plan":
        raise Problem(404, "只有规划运行有路单 / only plan runs have route sheets")
    if row.status != "done" or not isinstance(row.result, dict):
        raise Problem(409, f"运行尚未完成 / the run is {row.status}")
    out = route_sheets(row.result)
    if vehicle is not None:
        out = [s for s in out if s["vehicle"] == vehicle]
    return out
