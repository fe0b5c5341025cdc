"""Migrations match the models; concurrent captures of the same events store them once;
`ruralflow serve` alone serves the shipped example county."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from fastapi.testclient import TestClient

from ruralflow.api import create_app
from ruralflow.store import engine_for, upgrade
from ruralflow.store.models import Base
from ruralflow.trace.epcis import epcis_context
from service_db import PASSWORD, Databases


def test_migrations_match_models(db_url: str) -> None:
    """After `db upgrade` the schema is exactly what the models declare."""
    upgrade(db_url)
    with engine_for(db_url).connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []


def _event(i: int) -> dict[str, object]:
    return {
        "type": "ObjectEvent",
        "eventID": f"urn:uuid:00000000-0000-4000-8000-{i:012d}",
        "eventTime": "2025-10-13T08:00:00+08:00",
        "eventTimeZoneOffset": "+08:00",
        "action": "OBSERVE",
        "epcList": [f"https://id.gs1.org/01/09506000134352/21/{i}"],
    }


def test_concurrent_retries_store_each_event_once(databases: Databases) -> None:
    """Eight threads capture overlapping documents at once: every event is stored once."""
    with TestClient(create_app(databases.new())) as client:
        r = client.post("/auth/token", data={"username": "admin", "password": PASSWORD})
        h = {"Authorization": f"Bearer {r.json()['access_token']}"}
        docs = [
            {
                "@context": epcis_context(),
                "type": "EPCISDocument",
                "schemaVersion": "2.0",
                "creationDate": "2025-10-13T08:00:00+08:00",
                "epcisBody": {"eventList": [_event(i) for i in range(k, k + 10)]},
            }
            for k in (0, 5, 0, 5, 10, 0, 10, 5)
        ]
        codes: list[int] = []

        def post(doc: dict[str, object]) -> None:
            codes.append(client.post("/epcis/capture", json=doc, headers=h).status_code)

        threads = [threading.Thread(target=post, args=(d,)) for d in docs]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert codes == [202] * len(docs)
        assert client.app.state.log.size == 20  # type: ignore[attr-defined]
        got = client.get("/epcis/events", params={"perPage": 100}, headers=h).json()
        ids = [e["eventID"] for e in got["epcisBody"]["queryResults"]["resultsBody"]["eventList"]]
        assert sorted(ids) == sorted({str(_event(i)["eventID"]) for i in range(20)})


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_alone_serves_the_example(tmp_path: Path) -> None:
    """In an empty folder, `ruralflow serve` makes ruralflow.db with the example county."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "RURALFLOW_DB"}
    exe = Path(sys.executable).with_name("ruralflow")
    proc = subprocess.Popen(
        [str(exe), "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(120):
            try:
                with urllib.request.urlopen(base + "/health", timeout=2) as r:
                    assert json.load(r)["status"] == "ok"
                break
            except OSError:
                time.sleep(0.5)
        else:
            raise AssertionError("the server did not come up")
        with urllib.request.urlopen(base + "/public/counties/610425", timeout=5) as r:
            assert json.load(r)["name"] == "礼泉县"
        assert (tmp_path / "ruralflow.db").is_file()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
