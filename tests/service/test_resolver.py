"""The resolver's consumer page and the verification JSON it reads: stored bytes and proofs a
browser can check, the freshness from the county's product, nothing private, no CDN."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ruralflow.api import create_app
from ruralflow.bundle import read_bundle
from ruralflow.domain.products import Product, ProductCategory
from ruralflow.trace import SeasonOptions, season_events
from ruralflow.trace.checkpoint import Checkpoint, generate_signer
from ruralflow.trace.epcis import epcis_document, stage_of
from ruralflow.trace.log import MerkleLog, SqliteLogStore
from ruralflow.trace.merkle import verify_inclusion
from ruralflow.trace.view import freshness_of, verification_view
from service_db import EXAMPLE, PASSWORD, Databases

STATIC = Path(__file__).resolve().parents[2] / "src" / "ruralflow" / "web" / "static" / "trace"


@pytest.fixture(scope="module")
def gs1_batch() -> tuple[str, list[dict[str, Any]]]:
    season = season_events(read_bundle(EXAMPLE), SeasonOptions())
    batch = next(b for b in season.batches if b.gs1)
    events = [
        e
        for e in season.events
        if e["eventID"] in batch.event_ids
        or (stage_of(e) in ("shipping", "transport") and batch.unit in e.get("epcList", []))
    ]
    return batch.sellable[0].epc_class, events


@pytest.fixture
def client(databases: Databases, gs1_batch: tuple[str, list[dict[str, Any]]]) -> Any:
    with TestClient(create_app(databases.new())) as c:
        tok = c.post("/auth/token", data={"username": "admin", "password": PASSWORD}).json()
        h = {"Authorization": f"Bearer {tok['access_token']}"}
        doc = epcis_document(gs1_batch[1])
        r = c.post(
            "/epcis/capture",
            content=json.dumps(doc),
            headers={**h, "Content-Type": "application/ld+json"},
        )
        assert r.status_code == 202, r.text
        assert c.get(r.headers["location"], headers=h).json()["success"]
        yield c


def _path(lot: str) -> str:
    return lot.removeprefix("https://id.gs1.org")


def test_view_carries_stored_bytes_and_checkable_proofs(
    client: TestClient, gs1_batch: tuple[str, list[dict[str, Any]]]
) -> None:
    lot, events = gs1_batch
    view = client.get(_path(lot) + "/verification").json()
    assert view["verified"] is True, view["problems"]
    cp = Checkpoint.parse(view["checkpoint"]["note"].split("\n\n")[0] + "\n")
    assert len(view["events"]) == len(events)
    for item in view["events"]:
        data = base64.b64decode(item["entry"])
        leaf = hashlib.sha256(b"\x00" + data).digest()
        assert base64.b64encode(leaf).decode() == item["proof"]["leaf_hash"]
        proof = [base64.b64decode(p) for p in item["proof"]["inclusion_proof"]]
        verify_inclusion(item["index"], cp.size, leaf, proof, cp.root_hash)
        assert json.loads(data)["eventID"] == item["eventID"]


def test_freshness_comes_from_the_countys_product(
    client: TestClient, gs1_batch: tuple[str, list[dict[str, Any]]]
) -> None:
    view = client.get(_path(gs1_batch[0]) + "/verification").json()
    f = view["freshness"]
    assert f["status"] == "ok" and f["product"] == "apple"
    assert 0.01 < f["consumed_fraction"] < 0.2  # two days, mostly cold (90 d at 0 degC)
    assert f["remaining_days_at_ref"] == pytest.approx(
        (1 - f["consumed_fraction"]) * f["shelf_life_ref_days"], abs=0.01
    )
    assert "yuan" not in json.dumps(f).lower()  # the product's value and prices stay private


def test_page_is_a_shell_for_the_browsers_own_check(
    client: TestClient, gs1_batch: tuple[str, list[dict[str, Any]]]
) -> None:
    path = _path(gs1_batch[0])
    r = client.get(path, headers={"Accept": "text/html"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    page = r.text
    assert '<script type="module" src="/static/trace/consumer.js">' in page
    assert f'data-verification="{path}/verification"' in page
    assert "data-proof" not in page  # the verdict is the browser's, set when it has checked
    assert not re.findall(r'(?:src|href)="(?!/|data:)', page)  # nothing from another host
    for name in ("verify.js", "consumer.js", "consumer.css"):
        asset = client.get(f"/static/trace/{name}")
        assert asset.status_code == 200, name
        assert not re.search(r"(?:import|from|url\()\s*[\"']?(?:https?:)?//", asset.text), name


def test_history_is_the_owning_countys(
    client: TestClient, gs1_batch: tuple[str, list[dict[str, Any]]]
) -> None:
    """Another county capturing the same events (same eventIDs), and one more about the lot,
    changes nothing on the lot's page: its history is the county's that captured it first."""
    lot, events = gs1_batch
    tok = client.post("/auth/token", data={"username": "admin620", "password": PASSWORD})
    h = {"Authorization": f"Bearer {tok.json()['access_token']}"}
    extra = {**events[0], "eventID": "urn:uuid:6d1c3f0e-8b0a-4c3e-9a57-000000000620"}
    for doc in (epcis_document(events), epcis_document([extra])):
        r = client.post(
            "/epcis/capture",
            content=json.dumps(doc),
            headers={**h, "Content-Type": "application/ld+json"},
        )
        assert r.status_code == 202, r.text
        assert client.get(r.headers["location"], headers=h).json()["success"]
    view = client.get(_path(lot) + "/verification").json()
    assert view["verified"] is True, view["problems"]
    ids = [item["eventID"] for item in view["events"]]
    assert len(ids) == len(set(ids)) == len(events)
    assert set(ids) == {e["eventID"] for e in events}
    linkset = client.get(_path(lot), headers={"Accept": "application/linkset+json"}).json()
    titles = [x["title"] for x in linkset["linkset"][0]["https://gs1.org/voc/epcis"]]
    assert sorted(titles) == sorted(ids)


def test_published_key_is_the_one_the_checkpoint_verifies_with(client: TestClient) -> None:
    from ruralflow.trace.checkpoint import Verifier, open_checkpoint

    key = Verifier.from_text(client.get("/trace/public-key").text)
    cp = open_checkpoint(client.get("/trace/checkpoint").text, [key])
    assert cp.size >= 1


# -- the view without the service --------------------------------------------------------


def _event(lot: str, t: str, readings: list[tuple[str, float]] | None = None) -> dict[str, Any]:
    ev: dict[str, Any] = {
        "type": "ObjectEvent",
        "eventID": f"urn:uuid:{hashlib.md5((lot + t).encode()).hexdigest()}",
        "eventTime": t,
        "eventTimeZoneOffset": "+08:00",
        "action": "OBSERVE",
        "bizStep": "storing",
        "quantityList": [{"epcClass": lot, "quantity": 10.0, "uom": "KGM"}],
    }
    if readings:
        ev["sensorElementList"] = [
            {
                "sensorReport": [
                    {"type": "Temperature", "value": v, "uom": "CEL", "time": tt}
                    for tt, v in readings
                ]
            }
        ]
    return ev


def test_an_expected_entry_that_is_not_about_the_lot_fails(tmp_path: Path) -> None:
    """The service passes the event index's entries of the lot; one whose stored bytes no
    longer name the lot is listed (event null) and the view is not verified."""
    log = MerkleLog(SqliteLogStore(tmp_path / "log.db"))
    lot, other = (
        "https://id.gs1.org/01/09520010000018/10/A",
        "https://id.gs1.org/01/09520010000018/10/B",
    )
    log.append_json(_event(lot, "2025-10-13T07:00:00+08:00"))
    stray = log.append_json(_event(other, "2025-10-13T08:00:00+08:00"))
    signer = generate_signer("test-log")
    log.add_checkpoint(signer)
    ok = verification_view(log, lot, verifiers=[signer.verifier()], expected=[0])
    assert ok["verified"] is True and [e["index"] for e in ok["events"]] == [0]
    bad = verification_view(log, lot, verifiers=[signer.verifier()], expected=[0, stray])
    assert bad["verified"] is False
    item = bad["events"][1]
    assert item["index"] == stray and item["event"] is None and item["stage"] == "unreadable"
    assert "entry" in item and item["proof"]["inclusion_proof"]  # the browser can check it
    assert any(f"entry {stray}" in p for p in bad["problems"])


APPLE = Product(
    id="apple",
    name="苹果",
    category=ProductCategory.FRUIT,
    value_yuan_per_kg=2.85,
    shelf_life_ref_days=90.0,
    t_ref_c=0.0,
    q10=3.0,
    t_min_c=-1.0,
    source="perishability: test; value: a price that must not be shown",
)


def test_freshness_of_a_day_at_the_reference_temperature() -> None:
    t0, t1 = "2025-10-13T08:00:00+08:00", "2025-10-14T08:00:00+08:00"
    events = [_event("x", t0, [(t0, 0.0)]), _event("x", t1)]
    f = freshness_of(APPLE, events)
    assert f["status"] == "ok" and f["hours"] == 24
    assert f["consumed_fraction"] == pytest.approx(1 / 90, abs=1e-6)
    assert f["source"] == "perishability: test"  # the value/price part is dropped
    # 10 degC warmer for a day costs Q10 = 3 times as much
    warm = freshness_of(APPLE, [_event("x", t0, [(t0, 10.0)]), _event("x", t1)])
    assert warm["consumed_fraction"] == pytest.approx(3 / 90, abs=1e-6)
    # from harvest to the first reading the product is taken at that reading
    t_half = (dt.datetime.fromisoformat(t0) + dt.timedelta(hours=12)).isoformat()
    late = freshness_of(APPLE, [_event("x", t0), _event("x", t1, [(t_half, 10.0)])])
    assert late["consumed_fraction"] == pytest.approx(3 / 90, abs=1e-6)


def test_freshness_says_why_it_is_not_computed() -> None:
    t0 = "2025-10-13T08:00:00+08:00"
    assert freshness_of(APPLE, [_event("x", t0)])["status"] == "no_readings"
    cold = freshness_of(APPLE, [_event("x", t0, [(t0, -3.0)]), _event("x", t0[:-6] + "+09:00")])
    assert cold["status"] == "below_chilling" and "chilling" in cold["reason"]
    assert "consumed_fraction" not in cold


def test_places_are_named_from_the_county(
    client: TestClient, gs1_batch: tuple[str, list[dict[str, Any]]]
) -> None:
    view = client.get(_path(gs1_batch[0]) + "/verification").json()
    harvest = next(e for e in gs1_batch[1] if e["bizStep"] == "commissioning")
    village = harvest["bizLocation"]["id"]
    assert view["places"][village]["name_zh"] == harvest["ilmd"]["rf:villageName"]
    packhouse = next(e for e in gs1_batch[1] if e["bizStep"] == "inspecting")["bizLocation"]
    assert view["places"][packhouse["id"]]["name_en"].endswith("packhouse")


def test_a_siblings_journey_is_not_the_lots_own(tmp_path: Path) -> None:
    """Grade 1 of a harvest sold warm elsewhere is in the family but not in grade P's own
    story, nor in its freshness; the harvest lot's own path holds both grades."""
    from ruralflow.trace.view import lineage

    harvest_lot = "https://id.gs1.org/01/09520010000018/10/H"
    p, one = harvest_lot + "-P", harvest_lot + "-1"
    t = [f"2025-10-13T0{h}:00:00+08:00" for h in range(6, 10)]
    harvest = {**_event(harvest_lot, t[0]), "action": "ADD", "bizStep": "commissioning"}
    harvest["ilmd"] = {"rf:product": "apple", "rf:county": "610425"}
    grading = {
        "type": "TransformationEvent",
        "eventID": "urn:uuid:00000000-0000-4000-8000-000000000001",
        "eventTime": t[1],
        "eventTimeZoneOffset": "+08:00",
        "bizStep": "inspecting",
        "inputQuantityList": [{"epcClass": harvest_lot, "quantity": 20.0, "uom": "KGM"}],
        "outputQuantityList": [
            {"epcClass": p, "quantity": 10.0, "uom": "KGM"},
            {"epcClass": one, "quantity": 10.0, "uom": "KGM"},
        ],
    }
    events = [
        harvest,
        grading,
        _event(p, t[2], [(t[1], 0.0)]),
        _event(one, t[3], [(t[1], 25.0)]),  # the sibling's warm ride
    ]
    assert lineage(events, p) == {p, harvest_lot}
    assert lineage(events, harvest_lot) == {harvest_lot, p, one}
    log = MerkleLog(SqliteLogStore(tmp_path / "log.db"))
    for e in events:
        log.append_json(e)
    signer = generate_signer("test-log")
    log.add_checkpoint(signer)
    view = verification_view(
        log, p, verifiers=[signer.verifier()], product_of=lambda _c, _p: APPLE
    )
    assert [e["own"] for e in view["events"]] == [True, True, True, False]
    assert view["verified"] is True
    assert view["freshness"]["max_c"] == 0.0  # the sibling's 25 degC is not this lot's
