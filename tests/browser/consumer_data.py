"""A traced lot for the consumer-page tests: one GS1 batch of the 610425 demo season, captured
into the live service through ``POST /epcis/capture`` (as a county admin would)."""

from __future__ import annotations

import json
import time
import urllib.request
from dataclasses import dataclass
from typing import Any, Protocol

from service_db import EXAMPLE


class Live(Protocol):
    """What these helpers need of the ``live`` fixture (``tests/browser/conftest.py``; not
    imported from there: another ``conftest`` module may own that name when several test
    folders are collected together)."""

    base: str
    db: str

    def token(self, user: str) -> str: ...


@dataclass(frozen=True)
class TracedLot:
    """The captured batch: its events, the consumer page's path and its graded lot URI."""

    path: str
    lot: str
    gtin: str
    events: tuple[dict[str, Any], ...]


def _post(live: Live, path: str, body: bytes, token: str) -> tuple[int, dict[str, str]]:
    req = urllib.request.Request(
        live.base + path,
        data=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/ld+json"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=60) as r:
        return r.status, dict(r.headers)


def get_json(live: Live, path: str, token: str | None = None) -> Any:
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(live.base + path, headers=headers)
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())


def capture_gs1_lot(live: Live) -> TracedLot:
    """Capture the events of the first GS1-keyed batch of the demo season (harvest, grading,
    pre-cooling, cold storage, packing, the shipment of its crate with the transport log and
    the receiving, sale) and return its first sellable graded lot."""
    from ruralflow.bundle import read_bundle
    from ruralflow.trace import SeasonOptions, season_events
    from ruralflow.trace.epcis import epcis_document, stage_of

    season = season_events(read_bundle(EXAMPLE), SeasonOptions())
    batch = next(b for b in season.batches if b.gs1)
    own = set(batch.event_ids)
    events = tuple(
        e
        for e in season.events
        if e["eventID"] in own
        or (
            stage_of(e) in ("shipping", "transport", "receiving")
            and batch.unit in e.get("epcList", [])
        )
    )
    token = live.token("admin")
    doc = epcis_document(events, ns=season.namespace)
    status, headers = _post(live, "/epcis/capture", json.dumps(doc).encode(), token)
    assert status == 202, status
    deadline = time.monotonic() + 30
    while True:
        job = get_json(live, headers["location"], token)
        if not job["running"]:
            break
        assert time.monotonic() < deadline, job
        time.sleep(0.1)
    assert job["success"], job
    lot = batch.sellable[0].epc_class
    gs1_path = lot.removeprefix("https://id.gs1.org")
    gtin = gs1_path.split("/")[2]
    return TracedLot(path=gs1_path, lot=lot, gtin=gtin, events=events)
