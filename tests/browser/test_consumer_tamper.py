"""Tampering with the stored log: one changed byte of one event in the SQLite database makes the
consumer page's own check fail, naming the entry and what failed (issue 15, items 3 and 4)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from consumer_data import Live, TracedLot, capture_gs1_lot, get_json
from sqlalchemy.engine import make_url

DONE = 'body[data-proof="verified"], body[data-proof="failed"]'


@pytest.fixture(scope="module")
def lot(live: Live) -> TracedLot:
    return capture_gs1_lot(live)


def _path(live: Live) -> str:
    url = make_url(live.db)
    assert url.get_backend_name() == "sqlite" and url.database
    return url.database


def entry_of(live: Live, event_id: str) -> tuple[int, bytes]:
    """``(index, stored bytes)`` of the log entry holding the event ``event_id``."""
    with sqlite3.connect(_path(live)) as db:
        for idx, data in db.execute("SELECT idx, data FROM tlog_entries ORDER BY idx"):
            if json.loads(data).get("eventID") == event_id:
                return int(idx), bytes(data)
    raise AssertionError(f"no entry holds {event_id}")


@contextmanager
def changed_byte(live: Live, index: int, at: int, new: bytes) -> Iterator[bytes]:
    """Overwrite byte ``at`` of entry ``index`` in place (as a database writer could), then
    put it back. The append-only triggers are dropped for this, and restored after."""
    db = sqlite3.connect(_path(live), isolation_level=None)
    try:
        (data,) = db.execute("SELECT data FROM tlog_entries WHERE idx = ?", (index,)).fetchone()
        original = bytes(data)
        assert len(new) == 1 and original[at : at + 1] != new
        triggers = db.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
            "AND tbl_name = 'tlog_entries' AND name LIKE '%no_update'"
        ).fetchall()
        assert triggers, "the append-only trigger is missing"
        for name, _sql in triggers:
            db.execute(f"DROP TRIGGER {name}")
        tampered = original[:at] + new + original[at + 1 :]
        db.execute("UPDATE tlog_entries SET data = ? WHERE idx = ?", (tampered, index))
        try:
            yield tampered
        finally:
            db.execute("UPDATE tlog_entries SET data = ? WHERE idx = ?", (original, index))
            for _name, sql in triggers:
                db.execute(sql)
    finally:
        db.close()


def proof_of(pg: Any, live: Live, path: str) -> str:
    resp = pg.goto(live.base + path)
    assert resp is not None and resp.status == 200
    pg.wait_for_selector(DONE, timeout=20_000)
    return str(pg.eval_on_selector("body", "b => b.dataset.proof"))


def test_one_changed_byte_of_a_transport_reading_fails(
    phone: Any, live: Live, lot: TracedLot
) -> None:
    assert proof_of(phone, live, lot.path) == "verified"
    transport = next(e for e in lot.events if e["bizStep"] == "transporting")
    idx, data = entry_of(live, transport["eventID"])
    at = data.index(b'"value":') + len(b'"value":')
    while not data[at : at + 1].isdigit():
        at += 1
    digit = b"7" if data[at : at + 1] != b"7" else b"8"
    with changed_byte(live, idx, at, digit) as tampered:
        json.loads(tampered)  # still a well-formed event: only a reading changed
        assert proof_of(phone, live, lot.path) == "failed"
        status = phone.inner_text("#proof-status")
        assert "验证失败" in status and "verification failed" in status
        failures = phone.eval_on_selector_all(
            "#proof-failures li", "ls => ls.map(l => l.innerText)"
        )
        assert len(failures) == 1, failures
        assert f"entry {idx}" in failures[0] and "运输 / transport" in failures[0]
        assert "do not match the signed log root" in failures[0]
        bad = phone.eval_on_selector_all("#story li.bad", "ls => ls.map(l => +l.dataset.index)")
        assert bad == [idx]
        # the server's own view agrees (it is not what the page relies on)
        assert get_json(live, lot.path + "/verification")["verified"] is False
    assert proof_of(phone, live, lot.path) == "verified"


def test_a_byte_that_unlinks_an_event_from_its_lot_fails(
    page: Any, live: Live, lot: TracedLot
) -> None:
    """Changing the harvest event's lot number hides it from the lot's history; the page
    still gets it (the event index lists it for the lot) and names it as failed."""
    harvest = next(e for e in lot.events if e["bizStep"] == "commissioning")
    idx, data = entry_of(live, harvest["eventID"])
    number = harvest["ilmd"]["cbvmda:lotNumber"].encode()
    at = data.index(b"/10/" + number) + len(b"/10/") + len(number) - 1
    new = b"Z" if data[at : at + 1] != b"Z" else b"Y"
    with changed_byte(live, idx, at, new):
        assert proof_of(page, live, lot.path) == "failed"
        failures = page.inner_text("#proof-failures")
        assert f"entry {idx}" in failures and "do not match the signed log root" in failures
        assert page.eval_on_selector_all("#story li.bad", "ls => ls.length") == 1
    assert proof_of(page, live, lot.path) == "verified"


def test_a_changed_checkpoint_signature_fails(page: Any, live: Live, lot: TracedLot) -> None:
    with sqlite3.connect(_path(live), isolation_level=None) as db:
        seq, note = db.execute(
            "SELECT seq, note FROM tlog_checkpoints ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        names = [
            r[0]
            for r in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name = 'tlog_checkpoints' AND name LIKE '%no_update'"
            )
        ]
        sqls = [
            r[0]
            for r in db.execute(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name = 'tlog_checkpoints' AND name LIKE '%no_update'"
            )
        ]
        for name in names:
            db.execute(f"DROP TRIGGER {name}")
        size_line = note.split("\n")[1]
        forged = note.replace(f"\n{size_line}\n", f"\n{int(size_line) + 1}\n", 1)
        db.execute("UPDATE tlog_checkpoints SET note = ? WHERE seq = ?", (forged, seq))
        try:
            assert proof_of(page, live, lot.path) == "failed"
            failures = page.inner_text("#proof-failures")
            assert "checkpoint signature check failed" in failures
            assert "does not verify" in failures
        finally:
            db.execute("UPDATE tlog_checkpoints SET note = ? WHERE seq = ?", (note, seq))
            for sql in sqls:
                db.execute(sql)
    assert proof_of(page, live, lot.path) == "verified"
