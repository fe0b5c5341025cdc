"""EPCIS 2.0 REST bindings: every GS1 example captured and returned equal, retries add
nothing, queries filter and page, public callers are refused, the Digital Link resolver."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from ruralflow.api import create_app
from ruralflow.store.events import identifiers
from ruralflow.trace.canonical import canonical_json
from ruralflow.trace.epcis import epcis_context, standalone_event
from ruralflow.trace.exchange import keyed_entries
from ruralflow.trace.hashid import event_hash_id
from ruralflow.trace.validate import (
    EpcisJsonLdError,
    document_loader,
    events_of,
    expand_jsonld,
    validate_epcis,
)
from service_db import PASSWORD, Databases

JSONLD = {"Content-Type": "application/ld+json"}
GTIN, LOT = "09506000134352", "LOT-7"


def gs1_examples() -> list[Path]:
    from helpers import SHARED

    root = SHARED / "conformance" / "epcis" / "JSON"
    return sorted(root.rglob("*.jsonld")) if root.is_dir() else []


def login(client: TestClient, name: str) -> dict[str, str]:
    r = client.post("/auth/token", data={"username": name, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def capture(client: TestClient, doc: Any, headers: dict[str, str]) -> dict[str, Any]:
    r = client.post("/epcis/capture", content=json.dumps(doc), headers={**headers, **JSONLD})
    assert r.status_code == 202, r.text
    loc = r.headers["location"]
    assert loc.startswith("/epcis/capture/")
    job = client.get(loc, headers=headers)
    assert job.status_code == 200
    return dict(job.json())


#: The one GS1 example that is not valid JSON-LD 1.1: its ``@context`` redefines ``cbvmda``
#: (``http://example.com/cbvmda/``), a term GS1's context protects (``urn:epcglobal:cbv:mda:``),
#: so every conforming processor must refuse to expand it ("protected term redefinition").
NOT_JSONLD_11 = {"transformation_event_all_possible_fields.jsonld"}


def _unprotected(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _unprotected(v) for k, v in value.items() if k != "@protected"}
    if isinstance(value, list):
        return [_unprotected(v) for v in value]
    return value


def _loader_without_protection() -> Any:
    """GS1's local contexts with every ``@protected`` flag removed (nothing else changed)."""
    base = document_loader()

    def load(url: str, options: Any = None) -> dict[str, Any]:
        got = base(url, options)
        return {**got, "document": _unprotected(got["document"])}

    return load


def expanded(value: Any, *, protected: bool = True) -> Any:
    """The JSON-LD expansion of ``value``; ``protected=False``: with GS1's term protection
    lifted (later definitions then win, as in JSON-LD 1.0)."""
    if protected:
        return expand_jsonld(value)
    return expand_jsonld(value, loader=_loader_without_protection())


def assert_equal_as_jsonld(got: Any, want: Any, name: str) -> None:
    """``got`` and ``want`` expand to the same JSON-LD; for :data:`NOT_JSONLD_11`, both are
    refused by strict expansion in the same way and expand equal with protection lifted."""
    if name in NOT_JSONLD_11:
        for value in (got, want):
            with pytest.raises(EpcisJsonLdError, match="protected term"):
                expanded(value)
        a, b = expanded(got, protected=False), expanded(want, protected=False)
    else:
        a, b = expanded(got), expanded(want)
    assert a == b
    assert a  # a non-empty expansion: the comparison compares something


@pytest.fixture(scope="module")
def shared_client(databases: Databases) -> Iterator[TestClient]:
    with TestClient(create_app(databases.new())) as c:
        yield c


@pytest.mark.parametrize("path", gs1_examples(), ids=lambda p: p.name)
def test_gs1_example_round_trip(databases: Databases, path: Path) -> None:
    """The example is accepted; each event comes back equal (as JSON and as JSON-LD), with
    the CBV 2.0 event hash ID as ``eventID`` when it had none; a retried capture adds
    nothing."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    with TestClient(create_app(databases.new())) as client:
        h = login(client, "admin")
        job = capture(client, doc, h)
        assert job["success"], job["errors"]
        context = doc.get("@context") or epcis_context()
        events = events_of(doc)
        keys = [entry.key for entry, _assigned in keyed_entries(doc)]
        assert job["captured"] == len(set(keys))
        for key, event in zip(keys, events, strict=True):
            r = client.get(f"/epcis/events/{quote(key, safe='')}", headers=h)
            assert r.status_code == 200, key
            got = r.json()
            original = standalone_event(event, context)
            if "eventID" not in event:  # populated by the service: the event hash ID
                assert key == event_hash_id(original, original.get("@context", context))
                assert got["eventID"] == key
                got = {k: v for k, v in got.items() if k != "eventID"}
            assert got == original
            assert_equal_as_jsonld(got, original, path.name)
            assert_equal_as_jsonld(r.json(), {**original, "eventID": key}, path.name)
        size = client.app.state.log.size  # type: ignore[attr-defined]
        again = capture(client, doc, h)
        assert again["success"] and again["captured"] == 0
        assert again["duplicates"] == len(set(keys))
        assert client.app.state.log.size == size  # type: ignore[attr-defined]


def test_every_gs1_example_is_tested() -> None:
    """The conformance folder is found (so the test above is not silently empty)."""
    from helpers import SHARED

    if not SHARED.is_dir():
        pytest.skip("needs ../shared")
    assert len(gs1_examples()) >= 25


def test_public_is_refused(shared_client: TestClient) -> None:
    """No token: capture and query are 401 problems."""
    r = shared_client.post("/epcis/capture", content="{}", headers=JSONLD)
    assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"
    assert shared_client.get("/epcis/events").status_code == 401


def test_bad_documents(shared_client: TestClient) -> None:
    """Not JSON: 400. Invalid EPCIS: a failed capture job with trace validate's problems,
    nothing stored."""
    h = login(shared_client, "admin")
    r = shared_client.post("/epcis/capture", content="{nope", headers={**h, **JSONLD})
    assert r.status_code == 400
    bad = {"@context": epcis_context(), "type": "ObjectEvent", "eventTime": "yesterday"}
    want = validate_epcis(bad, source="capture").to_dict()["problems"]
    size = shared_client.app.state.log.size  # type: ignore[attr-defined]
    job = capture(shared_client, bad, h)
    assert not job["success"] and job["errors"] == want
    assert shared_client.app.state.log.size == size  # type: ignore[attr-defined]


def _matches(e: dict[str, Any], params: dict[str, str]) -> bool:
    def t(s: str) -> dt.datetime:
        return dt.datetime.fromisoformat(s)

    ids = identifiers(e)
    if "eventType" in params and e["type"] != params["eventType"]:
        return False
    if "GE_eventTime" in params and t(e["eventTime"]) < t(params["GE_eventTime"]):
        return False
    if "LT_eventTime" in params and t(e["eventTime"]) >= t(params["LT_eventTime"]):
        return False
    if "MATCH_epc" in params and (params["MATCH_epc"], "epc") not in ids:
        return False
    if "MATCH_anyEPC" in params and not any(
        i == params["MATCH_anyEPC"] and r != "class" for i, r in ids
    ):
        return False
    if "EQ_bizStep" in params:
        b = str(e.get("bizStep", "")).rsplit(":", 1)[-1].rsplit("-", 1)[-1]
        if b != params["EQ_bizStep"]:
            return False
    return True


def test_query_filters_and_pages(databases: Databases) -> None:
    """Each filter returns what a plain reading of the events gives, page after page; the
    result is an EPCISQueryDocument that GS1's schema accepts; other counties see nothing."""
    stored: list[dict[str, Any]] = []
    with TestClient(create_app(databases.new())) as client:
        h = login(client, "admin")
        for path in gs1_examples():
            doc = json.loads(path.read_text(encoding="utf-8"))
            if capture(client, doc, h)["success"]:  # the events as the log keeps them
                stored += [json.loads(entry.data) for entry, _new in keyed_entries(doc)]
        if not stored:
            pytest.skip("needs ../shared")
        unique = {canonical_json(e): e for e in stored}
        events = list(unique.values())
        epc = next(i for e in events for i, r in identifiers(e) if r == "epc")
        parent = next((i for e in events for i, r in identifiers(e) if r == "parent"), epc)
        cases = [
            {},
            {"eventType": "ObjectEvent"},
            {"eventType": "AggregationEvent"},
            {"GE_eventTime": "2019-01-01T00:00:00Z"},
            {"LT_eventTime": "2019-01-01T00:00:00+01:00"},
            {"MATCH_epc": epc},
            {"MATCH_anyEPC": parent},
            {"EQ_bizStep": "shipping"},
            {"EQ_bizStep": "urn:epcglobal:cbv:bizstep:receiving"},
        ]
        for params in cases:
            got: list[dict[str, Any]] = []
            query: dict[str, str] = {**params, "perPage": "4"}
            for _ in range(100):
                r = client.get("/epcis/events", params=query, headers=h)
                assert r.status_code == 200, (params, r.text)
                body = r.json()
                assert body["type"] == "EPCISQueryDocument"
                assert validate_epcis(body).ok
                page = body["epcisBody"]["queryResults"]["resultsBody"]["eventList"]
                assert len(page) <= 4
                got += page
                token = r.headers.get("gs1-next-page-token")
                if token is None:
                    break
                query["nextPageToken"] = token
            norm = {**params}
            if "EQ_bizStep" in norm:
                norm["EQ_bizStep"] = norm["EQ_bizStep"].rsplit(":", 1)[-1]
            want = [e for e in events if _matches(e, norm)]
            assert sorted(map(canonical_json, got)) == sorted(map(canonical_json, want)), params
        assert (
            client.get("/epcis/events", params={"nextPageToken": "@@"}, headers=h).status_code
            == 400
        )
        other = login(client, "admin620")
        body = client.get("/epcis/events", headers=other).json()
        assert body["epcisBody"]["queryResults"]["resultsBody"]["eventList"] == []


def _lot_event() -> dict[str, Any]:
    return {
        "@context": epcis_context(),
        "type": "ObjectEvent",
        "eventID": "urn:uuid:3f8a1c2e-5b7d-4e21-9c3a-7d1e2f4a5b6c",
        "eventTime": "2025-10-13T05:30:00+08:00",
        "eventTimeZoneOffset": "+08:00",
        "action": "ADD",
        "bizStep": "commissioning",
        "disposition": "active",
        "quantityList": [
            {"epcClass": f"https://id.gs1.org/01/{GTIN}/10/{LOT}", "quantity": 12.5, "uom": "KGM"}
        ],
    }


def test_digital_link_resolver(shared_client: TestClient) -> None:
    """No login: a browser gets the lot's page, a linkset client its RFC 9264 linkset, and
    the events verify against the signed checkpoint."""
    job = capture(shared_client, _lot_event(), login(shared_client, "op_a"))
    assert job["success"], job["errors"]
    path = f"/01/{GTIN}/10/{LOT}"
    page = shared_client.get(path, headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "commissioning" in page.text and LOT in page.text
    r = shared_client.get(path, headers={"Accept": "application/linkset+json"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/linkset+json"
    (links,) = r.json()["linkset"]
    assert links["anchor"].endswith(path)
    assert links["https://gs1.org/voc/epcis"] and links["https://gs1.org/voc/pip"]
    view = shared_client.get(path + "/verification").json()
    assert view["verified"] is True, view.get("problems")
    cp = shared_client.get("/trace/checkpoint")
    assert cp.status_code == 200 and "\n\n" in cp.text
    assert shared_client.get(f"/01/{GTIN}/10/{LOT}", params={"linkType": "all"}).json()["linkset"]
    assert shared_client.get("/01/123/10/x").status_code in (404, 422)


def test_season_lot_resolves(databases: Databases, tmp_path: Path) -> None:
    """A season lot (project namespace, as `trace qr` prints it) resolves under /lot/..."""
    from ruralflow.bundle import read_bundle
    from ruralflow.trace import SeasonOptions, season_events
    from service_db import EXAMPLE

    season = season_events(read_bundle(EXAMPLE), SeasonOptions(limit=2))
    with TestClient(create_app(databases.new())) as client:
        assert capture(client, season.document(), login(client, "admin"))["success"]
        lot = next(
            q["epcClass"]
            for e in season.events
            for q in e.get("outputQuantityList", [])
            if "/grade/" in q["epcClass"]
        )
        path = lot[lot.index("/lot/") :]
        r = client.get(path, headers={"Accept": "application/linkset+json"})
        assert r.status_code == 200, r.text
        assert r.json()["linkset"][0]["https://gs1.org/voc/epcis"]
        view = client.get(path + "/verification").json()
        assert view["verified"] is True
        # The indexed lookup finds exactly what a scan of the whole log finds.
        from ruralflow.trace.view import verification_view

        state = client.app.state  # type: ignore[attr-defined]
        full = verification_view(
            state.log, lot, resolver="http://testserver", verifiers=[state.signer.verifier()]
        )
        # The service adds freshness and place names from the county (the view has no store).
        fresh = view.pop("freshness")
        assert isinstance(view.pop("places"), dict)
        assert fresh["status"] == "ok" and 0 < fresh["consumed_fraction"] < 1, fresh
        assert view == json.loads(json.dumps(full))
        assert len(view["events"]) > 3


def test_event_ids_are_per_county(databases: Databases) -> None:
    """An eventID captured by 610425 tells 620621 nothing: 620621's capture of it (with the
    same or other content) is answered exactly as a capture of an unused eventID, and each
    county reads back its own event."""
    x, y = "urn:uuid:0b6a1c2e-0000-4e21-9c3a-000000000001", "urn:uuid:0b6a1c2e-0000-4e21-9c3a-2"
    fields = ("success", "captured", "duplicates", "errors")
    with TestClient(create_app(databases.new())) as client:
        a, b = login(client, "admin"), login(client, "admin620")
        unused = capture(client, {**_lot_event(), "eventID": "urn:uuid:used-by-no-one"}, b)
        assert unused["success"] and unused["captured"] == 1
        assert capture(client, {**_lot_event(), "eventID": x}, a)["captured"] == 1
        assert capture(client, {**_lot_event(), "eventID": y}, a)["captured"] == 1
        other = {**_lot_event(), "eventID": x, "bizStep": "shipping"}
        same = {**_lot_event(), "eventID": y}
        for doc in (other, same):
            job = capture(client, doc, b)
            assert {k: job[k] for k in fields} == {k: unused[k] for k in fields}
        assert capture(client, same, b)["duplicates"] == 1  # 620621's own retry
        ex = quote(x, safe="")
        assert client.get(f"/epcis/events/{ex}", headers=a).json()["bizStep"] == "commissioning"
        assert client.get(f"/epcis/events/{ex}", headers=b).json()["bizStep"] == "shipping"
        # 610425 changing its own event is refused, naming only its own entry
        bad = capture(client, other, a)
        assert not bad["success"] and "different content" in bad["errors"][0]["message"]
