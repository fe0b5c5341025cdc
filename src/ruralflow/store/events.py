"""EPCIS 2.0 events in the service database: capture into the Merkle log, and query.

:func:`capture` validates a document as ``ruralflow trace validate`` does (GS1's JSON schema
with format checking; JSON-LD expansion is not required, because one of GS1's own examples
redefines a protected prefix and does not expand), turns each event into its log entry
(:func:`ruralflow.trace.exchange.log_entries`: the standalone event, with its document's
``@context``) and appends all of them in one transaction together with their query index
(:class:`~ruralflow.store.models.EventRow`) and the capture job row. It is all or nothing and
idempotent by ``eventID``: an event whose ``eventID`` is stored already with the same entry
bytes is skipped (a retried capture adds nothing); the same ``eventID`` with other content
fails the whole capture. An event without an ``eventID`` is indexed under
``ni:///sha-256;{hex}`` of its entry bytes (RFC 6920; not the CBV 2.0 event hash).

:func:`query` answers ``GET /events`` (``eventType``, ``GE_eventTime``, ``LT_eventTime``,
``MATCH_epc``, ``MATCH_anyEPC``, ``EQ_bizStep``), in capture order, a page at a time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, Table, insert, select
from sqlalchemy.exc import IntegrityError

from ruralflow.store.db import session_scope
from ruralflow.store.models import CaptureRow, EventEpcRow, EventRow, utcnow
from ruralflow.store.tracelog import SqlLogStore
from ruralflow.trace.exchange import decode_entry, log_entries
from ruralflow.trace.log import MerkleLog
from ruralflow.trace.validate import events_of, validate_epcis

__all__ = ["CaptureOutcome", "EventQuery", "capture", "event_by_id", "query"]

_CBV_BIZSTEP = "urn:epcglobal:cbv:bizstep:"
_GS1_BIZSTEP = "https://ref.gs1.org/cbv/BizStep-"
_FRACTION = re.compile(r"(\.\d{6})\d+")


def bizstep_key(value: str) -> str:
    """``shipping`` for ``shipping``, ``urn:epcglobal:cbv:bizstep:shipping`` or the GS1 URL."""
    for prefix in (_CBV_BIZSTEP, _GS1_BIZSTEP):
        if value.startswith(prefix):
            return value[len(prefix) :]
    return value


def utc_text(value: str) -> str:
    """An EPCIS timestamp as UTC text ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` (ValueError if bad)."""
    t = dt.datetime.fromisoformat(_FRACTION.sub(r"\1", value.strip()))
    if t.tzinfo is None:
        raise ValueError(f"timestamp {value!r} has no time zone")
    return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _ids(items: Any) -> list[str]:
    return [e for e in items or () if isinstance(e, str)]


def _classes(items: Any) -> list[str]:
    return [q["epcClass"] for q in items or () if isinstance(q, dict) and "epcClass" in q]


def identifiers(event: dict[str, Any]) -> list[tuple[str, str]]:
    """``(identifier, role)`` pairs an event names (see :class:`EventEpcRow`)."""
    out: list[tuple[str, str]] = []
    for key in ("epcList", "childEPCs"):
        out += [(e, "epc") for e in _ids(event.get(key))]
    for key in ("inputEPCList", "outputEPCList"):
        out += [(e, "io") for e in _ids(event.get(key))]
    if isinstance(event.get("parentID"), str):
        out.append((event["parentID"], "parent"))
    for key in ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList"):
        out += [(c, "class") for c in _classes(event.get(key))]
    return list(dict.fromkeys(out))


def event_key(event: dict[str, Any], entry: bytes) -> str:
    """The event's ``eventID``, or ``ni:///sha-256;{hex}`` of its log entry."""
    eid = event.get("eventID")
    if isinstance(eid, str) and eid:
        return eid
    return "ni:///sha-256;" + hashlib.sha256(entry).hexdigest()


@dataclass
class CaptureOutcome:
    """A finished capture job (what ``GET /capture/{captureID}`` shows)."""

    capture_id: str
    success: bool
    captured: int
    duplicates: int
    errors: list[dict[str, Any]] = field(default_factory=list)


_LOCK = threading.Lock()  # one capture at a time per process (the store's hook is shared)


def _record_failure(engine: Engine, cid: str, actor: str, county: str, errors: list[Any]) -> None:
    with session_scope(engine) as s:
        s.add(
            CaptureRow(
                id=cid,
                running=False,
                success=False,
                captured=0,
                duplicates=0,
                errors=errors,
                created_by=actor,
                county=county,
                finished_at=utcnow(),
            )
        )


def capture(
    engine: Engine, log: MerkleLog, doc: Any, *, actor: str, county: str
) -> CaptureOutcome:
    """Validate and store ``doc``'s events (see the module docstring); never raises on bad
    input: the outcome says what was wrong."""
    cid = str(uuid.uuid4())
    report = validate_epcis(doc, source="capture")
    if not report.ok:
        errors = [p.to_dict() for p in report.problems]
        _record_failure(engine, cid, actor, county, errors)
        return CaptureOutcome(cid, False, 0, 0, errors)
    events = events_of(doc)
    entries = log_entries(doc)
    if not entries:
        errors = [{"pointer": "", "message": "no events to capture"}]
        _record_failure(engine, cid, actor, county, errors)
        return CaptureOutcome(cid, False, 0, 0, errors)
    for _attempt in range(3):
        try:
            return _append(engine, log, cid, events, entries, actor=actor, county=county)
        except IntegrityError:
            continue  # another process stored one of these events meanwhile: look again
    errors = [{"pointer": "", "message": "concurrent captures of the same events; retry"}]
    _record_failure(engine, cid, actor, county, errors)
    return CaptureOutcome(cid, False, 0, 0, errors)


def _append(
    engine: Engine,
    log: MerkleLog,
    cid: str,
    events: Sequence[dict[str, Any]],
    entries: Sequence[bytes],
    *,
    actor: str,
    county: str,
) -> CaptureOutcome:
    store = log.store
    assert isinstance(store, SqlLogStore)
    keys = [event_key(e, b) for e, b in zip(events, entries, strict=True)]
    errors: list[dict[str, Any]] = []
    fresh: dict[str, tuple[dict[str, Any], bytes]] = {}
    for i, (k, e, b) in enumerate(zip(keys, events, entries, strict=True)):
        if k in fresh and fresh[k][1] != b:
            errors.append({"pointer": f"/event/{i}", "message": f"eventID {k} occurs twice"})
        fresh.setdefault(k, (e, b))
    with session_scope(engine) as s:
        stored = dict(
            s.execute(
                select(EventRow.event_id, EventRow.log_index).where(EventRow.event_id.in_(keys))
            ).all()
        )
    old = store.entries(list(stored.values())) if stored else {}
    duplicates = 0
    for k, idx in stored.items():
        if old.get(idx) == fresh[k][1]:
            duplicates += 1
            del fresh[k]
        else:
            errors.append(
                {"pointer": "", "message": f"eventID {k} is stored already with other content"}
            )
    if errors:
        _record_failure(engine, cid, actor, county, errors)
        return CaptureOutcome(cid, False, 0, 0, errors)
    todo = list(fresh.items())
    times: dict[str, str] = {}
    for k, (e, _b) in todo:
        try:
            times[k] = utc_text(str(e.get("eventTime", "")))
        except ValueError:
            errors.append({"pointer": "", "message": f"eventTime of {k} is not a timestamp"})
    if errors:
        _record_failure(engine, cid, actor, county, errors)
        return CaptureOutcome(cid, False, 0, 0, errors)
    now = utcnow()

    def index(conn: Connection, first: int) -> None:
        conn.execute(
            insert(_table(CaptureRow)).values(
                id=cid,
                created_at=now,
                finished_at=utcnow(),
                running=False,
                success=True,
                captured=len(todo),
                duplicates=duplicates,
                errors=[],
                created_by=actor,
                county=county,
            )
        )
        for n, (k, (e, _b)) in enumerate(todo):
            bz = e.get("bizStep")
            pk = conn.execute(
                insert(_table(EventRow))
                .values(
                    event_id=k,
                    log_index=first + n,
                    capture_id=cid,
                    county=county,
                    event_type=str(e.get("type", "")),
                    event_time=times[k],
                    biz_step=bizstep_key(bz) if isinstance(bz, str) else "",
                    record_time=now,
                )
                .returning(_table(EventRow).c.id)
            ).scalar_one()
            ids = identifiers(e)
            if ids:
                conn.execute(
                    insert(_table(EventEpcRow)),
                    [{"event": pk, "epc": epc, "role": role} for epc, role in ids],
                )

    if not todo:  # a retry: nothing new, but the job is recorded
        with session_scope(engine) as s:
            s.add(
                CaptureRow(
                    id=cid,
                    created_at=now,
                    finished_at=utcnow(),
                    running=False,
                    success=True,
                    captured=0,
                    duplicates=duplicates,
                    errors=[],
                    created_by=actor,
                    county=county,
                )
            )
        return CaptureOutcome(cid, True, 0, duplicates)
    with _LOCK:
        store.on_append = index
        try:
            log.append_many([b for _k, (_e, b) in todo])
        finally:
            store.on_append = None
    return CaptureOutcome(cid, True, len(todo), duplicates)


def _table(model: type[Any]) -> Table:
    table: Table = model.__table__
    return table


@dataclass(frozen=True)
class EventQuery:
    """The filters of ``GET /events`` (empty: no filter)."""

    event_types: tuple[str, ...] = ()
    ge_time: str | None = None
    lt_time: str | None = None
    match_epc: tuple[str, ...] = ()
    match_any_epc: tuple[str, ...] = ()
    biz_steps: tuple[str, ...] = ()


def query(
    engine: Engine,
    log: MerkleLog,
    q: EventQuery,
    *,
    county: str,
    per_page: int,
    after: int = 0,
) -> tuple[list[dict[str, Any]], int | None]:
    """One page of matching events of ``county`` and the id to continue after (or None)."""
    stmt = select(EventRow.id, EventRow.log_index).where(
        EventRow.county == county, EventRow.id > after
    )
    if q.event_types:
        stmt = stmt.where(EventRow.event_type.in_(q.event_types))
    if q.ge_time:
        stmt = stmt.where(EventRow.event_time >= utc_text(q.ge_time))
    if q.lt_time:
        stmt = stmt.where(EventRow.event_time < utc_text(q.lt_time))
    if q.biz_steps:
        stmt = stmt.where(EventRow.biz_step.in_([bizstep_key(b) for b in q.biz_steps]))
    if q.match_epc:
        stmt = stmt.where(
            EventRow.id.in_(
                select(EventEpcRow.event).where(
                    EventEpcRow.epc.in_(q.match_epc), EventEpcRow.role == "epc"
                )
            )
        )
    if q.match_any_epc:
        stmt = stmt.where(
            EventRow.id.in_(
                select(EventEpcRow.event).where(
                    EventEpcRow.epc.in_(q.match_any_epc),
                    EventEpcRow.role.in_(("epc", "io", "parent")),
                )
            )
        )
    with session_scope(engine) as s:
        rows = s.execute(stmt.order_by(EventRow.id).limit(per_page + 1)).all()
    more = len(rows) > per_page
    rows = rows[:per_page]
    store = log.store
    assert isinstance(store, SqlLogStore)
    data = store.entries([idx for _id, idx in rows])
    events = [decode_entry(data[idx]) for _id, idx in rows]
    return events, (rows[-1][0] if more and rows else None)


def event_by_id(
    engine: Engine, log: MerkleLog, event_id: str, *, county: str
) -> tuple[dict[str, Any], int] | None:
    """The stored event ``event_id`` of ``county`` and its log index, or None."""
    with session_scope(engine) as s:
        idx = s.scalar(
            select(EventRow.log_index).where(
                EventRow.event_id == event_id, EventRow.county == county
            )
        )
    if idx is None:
        return None
    return decode_entry(log.entry(idx)), int(idx)


def capture_job(engine: Engine, capture_id: str, *, county: str) -> CaptureRow | None:
    """The capture job ``capture_id`` made by a user of ``county``, or None."""
    with session_scope(engine) as s:
        row = s.get(CaptureRow, capture_id)
        return row if row is not None and row.county == county else None


_LINKING = ("TransformationEvent", "AggregationEvent")


def history_candidates(engine: Engine, identifier: str) -> list[int]:
    """Log indices of every event that may belong to ``identifier``'s history.

    A superset of what :func:`ruralflow.trace.view.batch_history` finds, read from the index
    instead of the whole log: the events naming the identifier, and, through transformation
    and aggregation events (the only ones that link identifiers), those naming anything linked
    to it, until nothing new is found.
    """
    ids = {identifier}
    frontier = {identifier}
    events: dict[int, tuple[int, str]] = {}
    with session_scope(engine) as s:
        while frontier:
            chunk = list(frontier)
            frontier = set()
            found = s.execute(
                select(EventRow.id, EventRow.log_index, EventRow.event_type)
                .join(EventEpcRow, EventEpcRow.event == EventRow.id)
                .where(EventEpcRow.epc.in_(chunk))
                .distinct()
            ).all()
            linking = []
            for pk, idx, kind in found:
                if pk not in events:
                    events[pk] = (int(idx), kind)
                    if kind in _LINKING:
                        linking.append(pk)
            if linking:
                for (epc,) in s.execute(
                    select(EventEpcRow.epc).where(EventEpcRow.event.in_(linking))
                ).all():
                    if epc not in ids:
                        ids.add(epc)
                        frontier.add(epc)
    return sorted(idx for idx, _kind in events.values())
