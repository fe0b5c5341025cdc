"""EPCIS 2.0 events in the service database: capture into the Merkle log, and query.

:func:`capture` validates a document as ``ruralflow trace validate`` does (GS1's JSON schema
with format checking; JSON-LD expansion is not required, because one of GS1's own examples
redefines a protected prefix and does not expand), turns each event into its log entry
and hands it to the trace engine's own capture path (:func:`ruralflow.trace.capture` on the
:class:`~ruralflow.store.tracelog.SqlLogStore`, scoped to the capturing county): each event
becomes its log entry (the standalone event with its document's ``@context``), keyed by its
``eventID``; an event without one gets its CBV 2.0 event hash ID
(:func:`ruralflow.trace.event_hash_id`), written into the stored event, as GS1's REST
bindings ask ("the server should populate the event ID"). The new entries, their keys, their
query index (:class:`~ruralflow.store.models.EventRow`) and the capture job row commit in one
transaction: all or nothing. Idempotent by ``eventID`` within the county: an event whose key
is stored already with the same fingerprint (:func:`ruralflow.trace.hashid.event_fingerprint`)
is skipped (a retried capture adds nothing); the same ``eventID`` with other content fails the
whole capture. Keys are scoped per county, so an ``eventID`` another county uses is captured
as if it were new: the answer tells nothing about other counties.

:func:`query` answers ``GET /events`` (``eventType``, ``GE_eventTime``, ``LT_eventTime``,
``MATCH_epc``, ``MATCH_anyEPC``, ``EQ_bizStep``), in capture order, a page at a time.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, Table, insert, select
from sqlalchemy.exc import IntegrityError

from ruralflow.store.db import session_scope
from ruralflow.store.models import CaptureRow, EventEpcRow, EventRow, LogEntry, LogKey, utcnow
from ruralflow.store.tracelog import SqlLogStore
from ruralflow.trace.errors import TraceError
from ruralflow.trace.exchange import CaptureResult, decode_entry, keyed_entries
from ruralflow.trace.exchange import capture as trace_capture
from ruralflow.trace.log import DuplicateKeyError, LogError, MerkleLog
from ruralflow.trace.validate import validate_epcis

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
    for _attempt in range(3):
        try:
            return _append(engine, log, cid, doc, actor=actor, county=county)
        except IntegrityError:
            continue  # another process stored one of these events meanwhile: look again
    errors = [{"pointer": "", "message": "concurrent captures of the same events; retry"}]
    _record_failure(engine, cid, actor, county, errors)
    return CaptureOutcome(cid, False, 0, 0, errors)


def _append(
    engine: Engine, log: MerkleLog, cid: str, doc: Any, *, actor: str, county: str
) -> CaptureOutcome:
    store = log.store
    assert isinstance(store, SqlLogStore)
    errors: list[dict[str, Any]] = []
    try:
        keys = {entry.key for entry, _assigned in keyed_entries(doc)}
    except TraceError as e:
        errors.append({"pointer": "", "message": str(e)})
        keys = set()
    if not keys and not errors:
        errors.append({"pointer": "", "message": "no events to capture"})
    if errors:
        _record_failure(engine, cid, actor, county, errors)
        return CaptureOutcome(cid, False, 0, 0, errors)
    now = utcnow()
    added: list[int] = []

    def index(conn: Connection, first: int) -> None:
        # the entries just appended, read back in this transaction: what trace.capture wrote
        rows = conn.execute(
            select(_table(LogKey).c.key, _table(LogEntry).c.idx, _table(LogEntry).c.data)
            .join(_table(LogEntry), _table(LogEntry).c.idx == _table(LogKey).c.idx)
            .where(_table(LogKey).c.scope == county, _table(LogKey).c.idx >= first)
            .order_by(_table(LogEntry).c.idx)
        ).all()
        events = [(str(k), int(i), decode_entry(bytes(d))) for k, i, d in rows]
        times: dict[int, str] = {}
        for k, i, e in events:
            try:
                times[i] = utc_text(str(e.get("eventTime", "")))
            except ValueError:
                raise _BadEventError(f"eventTime of {k} is not a timestamp") from None
        conn.execute(
            insert(_table(CaptureRow)).values(
                id=cid,
                created_at=now,
                finished_at=utcnow(),
                running=False,
                success=True,
                captured=len(events),
                duplicates=len(keys) - len(events),
                errors=[],
                created_by=actor,
                county=county,
            )
        )
        for _k, idx, e in events:
            bz = e.get("bizStep")
            pk = conn.execute(
                insert(_table(EventRow))
                .values(
                    log_index=idx,
                    capture_id=cid,
                    county=county,
                    event_type=str(e.get("type", "")),
                    event_time=times[idx],
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
        added.append(len(events))

    with _LOCK, store.scoped(county):
        store.on_append = index
        try:
            result = trace_capture(log, doc, validate=False, source="capture")
        except DuplicateKeyError as e:
            errors.append({"pointer": "", "message": str(e)})
        except _BadEventError as e:
            errors.append({"pointer": "", "message": str(e)})
        except LogError as e:
            errors.append({"pointer": "", "message": str(e)})
        finally:
            store.on_append = None
    if errors:
        _record_failure(engine, cid, actor, county, errors)
        return CaptureOutcome(cid, False, 0, 0, errors)
    duplicates = len({e.event_id for e in result.events if e.duplicate} - _new_keys(result))
    if not added:  # a retry: nothing new, but the job is recorded
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
    return CaptureOutcome(cid, True, result.appended, duplicates)


def _new_keys(result: CaptureResult) -> set[str]:
    return {e.event_id for e in result.events if not e.duplicate}


class _BadEventError(Exception):
    """An event the log took that the index cannot (rolls the whole capture back)."""


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
        idx = s.scalar(select(LogKey.idx).where(LogKey.scope == county, LogKey.key == event_id))
    if idx is None:
        return None
    return decode_entry(log.entry(idx)), int(idx)


def capture_job(engine: Engine, capture_id: str, *, county: str) -> CaptureRow | None:
    """The capture job ``capture_id`` made by a user of ``county``, or None."""
    with session_scope(engine) as s:
        row = s.get(CaptureRow, capture_id)
        return row if row is not None and row.county == county else None


_LINKING = ("TransformationEvent", "AggregationEvent")


def lot_county(engine: Engine, identifier: str) -> str | None:
    """The county that owns ``identifier``'s history: the one that captured the first event
    (lowest log index) naming it, or None if no county did.

    Any county admin may capture an event naming any identifier; the lot's public history is
    its owner's, so another county's copy of the same event (or an event it made up about a
    lot it does not own) does not show on the lot's page.
    """
    with session_scope(engine) as s:
        found = s.execute(
            select(EventRow.county)
            .join(EventEpcRow, EventEpcRow.event == EventRow.id)
            .where(EventEpcRow.epc == identifier)
            .order_by(EventRow.log_index)
            .limit(1)
        ).first()
    return None if found is None else str(found.county)


def history_candidates(engine: Engine, identifier: str, county: str | None = None) -> list[int]:
    """Log indices of every event that may belong to ``identifier``'s history.

    A superset of what :func:`ruralflow.trace.view.batch_history` finds, read from the index
    instead of the whole log: the events naming the identifier, and, through transformation
    and aggregation events (the only ones that link identifiers), those naming anything linked
    to it, until nothing new is found. Only the events ``county`` captured count (by default
    the lot's owner, :func:`lot_county`); within a county an ``eventID`` is stored once, so
    no event is listed twice.
    """
    owner = county if county is not None else lot_county(engine, identifier)
    if owner is None:
        return []
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
                .where(EventEpcRow.epc.in_(chunk), EventRow.county == owner)
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
