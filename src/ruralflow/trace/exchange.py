"""EPCIS documents in and out of the Merkle log.

- :func:`log_entries` turns a document (EPCISDocument, EPCISQueryDocument or a bare event)
  into log entries: one per event, ``canonical_json(standalone_event)``, where the
  standalone event is the event with the ``@context`` of its document added when it has none
  of its own. So every entry is, by itself, a valid EPCIS 2.0 bare event with the prefixes
  (``example:``, ``rf:``...) it needs.
- :func:`import_document` validates the whole document first (nothing is written when any
  event is invalid) and appends all its entries in one transaction.
- :func:`export_document` rebuilds an EPCISDocument from stored entries.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterable
from typing import Any

from ruralflow.trace.canonical import canonical_json
from ruralflow.trace.epcis import epcis_context, epcis_document, standalone_event
from ruralflow.trace.ids import Namespace
from ruralflow.trace.log import AppendResult, LogError, MerkleLog
from ruralflow.trace.validate import check_epcis, events_of

__all__ = [
    "decode_entry",
    "export_document",
    "import_document",
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
