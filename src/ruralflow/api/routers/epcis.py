"""EPCIS 2.0 REST bindings under ``/epcis``: capture, capture jobs, event queries.

The subset of GS1's OpenAPI (``REST-Bindings/openapi.yaml``) this service answers:
``POST /epcis/capture`` (202 + ``Location`` of the capture job), ``GET
/epcis/capture/{captureID}``, ``GET /epcis/events`` (an ``EPCISQueryDocument``; paging by
``perPage`` and ``nextPageToken``, the next page in a ``Link: <...>; rel="next"`` header and
``GS1-Next-Page-Token``), ``GET /epcis/events/{eventID}``. Every call needs a logged-in user,
who sees the events captured by users of its own county.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from ruralflow.api.deps import CurrentUser, EngineDep
from ruralflow.api.problems import Problem
from ruralflow.store import events as ev
from ruralflow.trace.epcis import epcis_context

router = APIRouter(prefix="/epcis", tags=["epcis"])

_MAX_BODY = 20 * 1024 * 1024
_JSON_TYPES = ("application/json", "application/ld+json")
_HEADERS = {"GS1-EPCIS-Version": "2.0.0", "GS1-CBV-Version": "2.0.0"}


class CaptureJob(BaseModel):
    captureID: str  # noqa: N815 (GS1's field names)
    createdAt: dt.datetime  # noqa: N815
    finishedAt: dt.datetime | None  # noqa: N815
    running: bool
    success: bool
    captureErrorBehaviour: str = "rollback"  # noqa: N815
    errors: list[dict[str, Any]]
    captured: int
    duplicates: int


@router.post(
    "/capture",
    status_code=202,
    responses={202: {"description": "Capture job created (Location header)"}},
)
async def capture(request: Request, user: CurrentUser, engine: EngineDep) -> Response:
    """Capture an EPCIS document (or a bare event): validated, then stored all or nothing.

    Invalid EPCIS gives a capture job with ``success: false`` and the validation problems;
    a body that is not JSON is refused with 400. Events whose ``eventID`` is stored already
    (same content) are skipped, so a retried capture adds nothing.
    """
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype not in _JSON_TYPES:
        raise Problem(415, "请以 JSON 提交 / send application/json or application/ld+json")
    body = await request.body()
    if len(body) > _MAX_BODY:
        raise Problem(413, "文档过大 / the document is larger than 20 MiB")
    try:
        doc = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise Problem(400, f"不是有效的 JSON / not valid JSON: {e}", kind="bad-json") from None
    if not isinstance(doc, dict):
        raise Problem(400, "须为 JSON 对象 / the document must be a JSON object", kind="bad-json")
    outcome = await run_in_threadpool(
        ev.capture, engine, request.app.state.log, doc, actor=user.name, county=user.county
    )
    if outcome.captured:
        await run_in_threadpool(request.app.state.sign_checkpoint)
    return Response(
        status_code=202,
        headers={"Location": f"/epcis/capture/{outcome.capture_id}", **_HEADERS},
    )


@router.get("/capture/{captureID}", response_model=CaptureJob)
def capture_job(
    captureID: str,  # noqa: N803
    user: CurrentUser,
    engine: EngineDep,
) -> CaptureJob:
    """The state and outcome of a capture job."""
    row = ev.capture_job(engine, captureID, county=user.county)
    if row is None:
        raise Problem(404, f"没有采集任务 / no capture job {captureID}")
    return CaptureJob(
        captureID=row.id,
        createdAt=row.created_at,
        finishedAt=row.finished_at,
        running=row.running,
        success=row.success,
        errors=row.errors,
        captured=row.captured,
        duplicates=row.duplicates,
    )


def _many(values: list[str] | None) -> tuple[str, ...]:
    out: list[str] = []
    for v in values or ():
        out += [p.strip() for p in v.split(",") if p.strip()]
    return tuple(out)


def _token(after: int) -> str:
    return base64.urlsafe_b64encode(f"after:{after}".encode()).decode().rstrip("=")


def _after(token: str | None) -> int:
    if not token:
        return 0
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        if not text.startswith("after:"):
            raise ValueError(text)
        return max(0, int(text[len("after:") :]))
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise Problem(
            400, "nextPageToken 无效 / invalid nextPageToken", kind="bad-token"
        ) from None


def _query_doc(events: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "@context": epcis_context(),
        "type": "EPCISQueryDocument",
        "schemaVersion": "2.0",
        "creationDate": dt.datetime.now(dt.UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z"),
        "epcisBody": {
            "queryResults": {
                "queryName": "SimpleEventQuery",
                "resultsBody": {"eventList": events},
            }
        },
    }


@router.get("/events", responses={200: {"content": {"application/ld+json": {}}}})
def events(
    request: Request,
    user: CurrentUser,
    engine: EngineDep,
    eventType: Annotated[list[str] | None, Query()] = None,  # noqa: N803
    GE_eventTime: Annotated[str | None, Query()] = None,  # noqa: N803
    LT_eventTime: Annotated[str | None, Query()] = None,  # noqa: N803
    MATCH_epc: Annotated[list[str] | None, Query()] = None,  # noqa: N803
    MATCH_anyEPC: Annotated[list[str] | None, Query()] = None,  # noqa: N803
    EQ_bizStep: Annotated[list[str] | None, Query()] = None,  # noqa: N803
    perPage: Annotated[int, Query(ge=1, le=1000)] = 30,  # noqa: N803
    nextPageToken: Annotated[str | None, Query(max_length=200)] = None,  # noqa: N803
) -> JSONResponse:
    """Events of the user's county that match every given filter, as an EPCISQueryDocument."""
    q = ev.EventQuery(
        event_types=_many(eventType),
        ge_time=GE_eventTime,
        lt_time=LT_eventTime,
        match_epc=_many(MATCH_epc),
        match_any_epc=_many(MATCH_anyEPC),
        biz_steps=_many(EQ_bizStep),
    )
    for name, value in (("GE_eventTime", GE_eventTime), ("LT_eventTime", LT_eventTime)):
        if value is not None:
            try:
                ev.utc_text(value)
            except ValueError:
                raise Problem(
                    400, f"{name} 须为带时区的时间 / must be a timestamp with a time zone"
                ) from None
    found, more = ev.query(
        engine,
        request.app.state.log,
        q,
        county=user.county,
        per_page=perPage,
        after=_after(nextPageToken),
    )
    headers = dict(_HEADERS)
    if more is not None:
        token = _token(more)
        nxt = request.url.include_query_params(nextPageToken=token)
        headers["Link"] = f'<{nxt}>; rel="next"'
        headers["GS1-Next-Page-Token"] = token
    return JSONResponse(_query_doc(found), headers=headers, media_type="application/ld+json")


@router.get("/events/{eventID:path}", responses={200: {"content": {"application/ld+json": {}}}})
def event(
    request: Request,
    eventID: str,  # noqa: N803
    user: CurrentUser,
    engine: EngineDep,
) -> JSONResponse:
    """One stored event (with its ``@context``), as captured."""
    found = ev.event_by_id(engine, request.app.state.log, eventID, county=user.county)
    if found is None:
        raise Problem(404, f"没有事件 / no event {eventID}")
    return JSONResponse(found[0], headers=_HEADERS, media_type="application/ld+json")
