"""EPCIS documents in and out of the Merkle log.

- :func:`log_entries` turns a document (EPCISDocument, EPCISQueryDocument or a bare event)
  into log entries: one per event, ``canonical_json(standalone_event)``, where the
  standalone event is the event with the ``@context`` of its document added when it has none
  of its own. So every entry is, by itself, a valid EPCIS 2.0 bare event with the prefixes
  (``example:``, ``rf:``...) it needs.
- :func:`import_document` validates the whole document first (nothing is written when any
  event is invalid) and appends all its entries in one transaction.
- :func:`capture` / :func:`capture_documents` are the idempotent way in: events without an
  ``eventID`` get their CBV 2.0 event hash ID (:mod:`ruralflow.trace.hashid`), each entry is
  keyed by its ``eventID``, and an event already in the log is reported as a duplicate instead
  of being appended again (a *different* event under a stored ``eventID`` is refused with
  :class:`~ruralflow.trace.log.DuplicateKeyError`). All documents of one call are validated
  first and appended in one transaction: all or none.
- :func:`export_document` rebuilds an EPCISDocument from stored entries.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ruralflow.trace.canonical import canonical_json
from ruralflow.trace.epcis import epcis_context, epcis_document, standalone_event
from ruralflow.trace.hashid import event_fingerprint, event_hash_id
from ruralflow.trace.ids import Namespace
from ruralflow.trace.log import AppendResult, KeyedEntry, LogError, MerkleLog
from ruralflow.trace.validate import check_epcis, events_of

__all__ = [
    "CaptureResult",
    "CapturedEvent",
    "capture",
    "capture_documents",
    "decode_entry",
    "export_document",
    "import_document",
    "keyed_entries",
    "log_entries",
]


def log_entries(doc: Any) -> list[bytes]:
    """Canonical entry bytes of each event of ``doc`` (standalone, with ``@context``)."""
    context: Any = doc.get("@context") if isinstance(doc, dict) else None
    if context is None:
        context = epcis_context()
    return [canonical_json(standalone_event(e, context)) for e in events_of(doc)]


def import_document(
    log: MerkleLog,
    doc: Any,
    *,
    validate: bool = True,
    epcis_dir: str | os.PathLike[str] | None = None,
    source: str = "",
) -> AppendResult:
    """Validate ``doc`` and append its events to ``log`` (all or nothing).

    Raises :class:`~ruralflow.trace.validate.EpcisValidationError` (nothing written) when the
    document is not valid EPCIS 2.0, :class:`LogError` when it holds no event.
    """
    if validate:
        check_epcis(doc, epcis_dir=epcis_dir, source=source)
    entries = log_entries(doc)
    if not entries:
        raise LogError(f"{source or 'document'}: no events to import")
    return log.append_many(entries)


@dataclass(frozen=True, slots=True)
class CapturedEvent:
    """One event of a capture: where it came from, its ``eventID`` (``assigned`` when it
    was derived from the event hash), its log index, and whether it was a duplicate."""

    source: str
    position: int
    event_id: str
    index: int
    duplicate: bool
    assigned: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "source": self.source,
            "position": self.position,
            "event_id": self.event_id,
            "index": self.index,
            "duplicate": self.duplicate,
            "assigned_id": self.assigned,
        }


@dataclass(frozen=True, slots=True)
class CaptureResult:
    """What :func:`capture` did: the append, and each event's fate in input order."""

    append: AppendResult
    events: tuple[CapturedEvent, ...]

    @property
    def appended(self) -> int:
        """Number of events appended."""
        return len(self.append.leaf_hashes)

    @property
    def duplicates(self) -> int:
        """Number of events already in the log (not appended again)."""
        return sum(e.duplicate for e in self.events)

    @property
    def tree_size(self) -> int:
        """Log size after the capture."""
        return self.append.tree_size

    def summary(self) -> str:
        """One line: appended, duplicates, log size."""
        return (
            f"追加 / appended {self.appended} events, {self.duplicates} duplicates skipped; "
            f"log size {self.tree_size}"
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "appended": self.appended,
            "duplicates": self.duplicates,
            "tree_size": self.tree_size,
            "root": self.append.root.hex(),
            "events": [e.to_dict() for e in self.events],
        }


def keyed_entries(doc: Any) -> list[tuple[KeyedEntry, bool]]:
    """Keyed log entries of each event of ``doc`` and whether its ``eventID`` was assigned.

    An event without ``eventID`` gets its CBV 2.0 event hash ID; the entry is the canonical
    JSON of the standalone event (with ``@context``), keyed by ``eventID``, with the event's
    fingerprint (:func:`~ruralflow.trace.hashid.event_fingerprint`) as digest.
    """
    context: Any = doc.get("@context") if isinstance(doc, dict) else None
    if context is None:
        context = epcis_context()
    out = []
    for e in events_of(doc):
        event = standalone_event(e, context)
        ctx = event.get("@context", context)
        eid = event.get("eventID")
        assigned = not isinstance(eid, str) or not eid.strip()
        if assigned:
            event = {**event, "eventID": event_hash_id(event, ctx)}
        entry = KeyedEntry(event["eventID"], canonical_json(event), event_fingerprint(event, ctx))
        out.append((entry, assigned))
    return out


def capture(
    log: MerkleLog,
    doc: Any,
    *,
    validate: bool = True,
    epcis_dir: str | os.PathLike[str] | None = None,
    source: str = "",
) -> CaptureResult:
    """Capture the events of one document idempotently (see the module docstring)."""
    return capture_documents(log, [(source, doc)], validate=validate, epcis_dir=epcis_dir)


def capture_documents(
    log: MerkleLog,
    docs: Sequence[tuple[str, Any]],
    *,
    validate: bool = True,
    epcis_dir: str | os.PathLike[str] | None = None,
) -> CaptureResult:
    """Capture the events of several ``(source, document)`` pairs in one transaction.

    Every document is validated first (:class:`EpcisValidationError`, nothing written); a
    document without events raises :class:`LogError`; a different event under an ``eventID``
    already stored or given twice raises :class:`~ruralflow.trace.log.DuplicateKeyError`
    (nothing written).
    """
    if validate:
        for source, doc in docs:
            check_epcis(doc, epcis_dir=epcis_dir, source=source)
    items: list[KeyedEntry] = []
    origin: list[tuple[str, int, bool]] = []
    for source, doc in docs:
        entries = keyed_entries(doc)
        if not entries:
            raise LogError(f"{source or 'document'}: no events to import")
        for pos, (entry, assigned) in enumerate(entries):
            items.append(entry)
            origin.append((source, pos, assigned))
    res = log.append_keyed(items)
    dup_at = {d.position: d.index for d in res.duplicates}
    events = []
    nxt = res.first_index
    for k, (entry, (source, pos, assigned)) in enumerate(zip(items, origin, strict=True)):
        if k in dup_at:
            events.append(CapturedEvent(source, pos, entry.key, dup_at[k], True, assigned))
        else:
            events.append(CapturedEvent(source, pos, entry.key, nxt, False, assigned))
            nxt += 1
    return CaptureResult(res, tuple(events))


def decode_entry(data: bytes) -> dict[str, Any]:
    """The event stored in a log entry."""
    value = json.loads(data.decode("utf-8"))
    if not isinstance(value, dict):
        raise LogError("log entry is not a JSON object")
    return value


def export_document(
    log: MerkleLog,
    *,
    indices: Iterable[int] | None = None,
    start: int = 0,
    end: int | None = None,
    ns: Namespace | None = None,
    creation_date: dt.datetime | None = None,
) -> dict[str, Any]:
    """An EPCISDocument of the entries ``indices`` (default: ``start`` up to ``end``)."""
    events: list[dict[str, Any]] = []
    if indices is not None:
        for i in indices:
            events.append(decode_entry(log.entry(i)))
    else:
        stop = log.size if end is None else min(end, log.size)
        for i, _leaf, data in log.store.iter_entries(start):
            if i >= stop:
                break
            events.append(decode_entry(data))
    return epcis_document(events, ns=ns, creation_date=creation_date)
