"""The HTTP API: auth, roles and their scoping, county summary, station intake, cooperatives."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import jwt
import pytest
from fastapi.testclient import TestClient

from ruralflow.api import create_app
from ruralflow.store.users import ROLES
from service_db import PASSWORD, STATION_A, STATION_B, Databases

PROBLEM = "application/problem+json"
RECORD = {"day": "2025-10-13", "product": "apple", "kg": 42.5, "farmer": "F1", "grade": "1"}


@pytest.fixture(scope="module")
def client(databases: Databases) -> Iterator[TestClient]:
    with TestClient(create_app(databases.new())) as c:
        yield c


def login(client: TestClient, name: str) -> dict[str, str]:
    r = client.post("/auth/token", data={"username": name, "password": PASSWORD})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "bearer"
    return {"Authorization": f"Bearer {body['access_token']}"}


def intake(adcode: str, place: str) -> str:
    return f"/counties/{adcode}/stations/{place}/intake"


def test_health_and_openapi(client: TestClient) -> None:
    """/health answers without login; /openapi.json documents the contract paths."""
    assert client.get("/health").json()["status"] == "ok"
    paths = client.get("/openapi.json").json()["paths"]
    for p in (
        "/auth/token",
        "/counties/{adcode}",
        "/counties/{adcode}/stations/{place}/intake",
        "/epcis/capture",
        "/epcis/events",
        "/01/{gtin}/10/{lot}",
    ):
        assert p in paths


def test_errors_are_problem_json(client: TestClient) -> None:
    """401, 404 and 422 are RFC 7807 documents."""
    r = client.get("/counties/610425")
    assert r.status_code == 401 and r.headers["content-type"] == PROBLEM
    assert r.headers["www-authenticate"] == "Bearer"
    assert r.json()["status"] == 401
    r = client.get("/no/such/path")
    assert r.status_code == 404 and r.headers["content-type"] == PROBLEM
    r = client.post(intake("610425", STATION_A), json={}, headers=login(client, "op_a"))
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
    assert r.json()["errors"]


def test_login(client: TestClient) -> None:
    """A wrong password, an unknown user, a forged or expired token: all 401."""
    for name, pw in (("admin", "wrong password"), ("nobody", PASSWORD)):
        r = client.post("/auth/token", data={"username": name, "password": pw})
        assert r.status_code == 401
    h = login(client, "admin")
    assert client.get("/auth/me", headers=h).json()["role"] == "county_admin"
    forged = jwt.encode(
        {"sub": "admin", "uid": 1, "exp": dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)},
        "not the secret of this database, long enough for HS256",
        algorithm="HS256",
    )
    assert client.get("/auth/me", headers={"Authorization": f"Bearer {forged}"}).status_code == 401
    expired = jwt.encode(
        {"sub": "admin", "uid": 1, "exp": dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)},
        client.app.state.secret,  # type: ignore[attr-defined]
        algorithm="HS256",
    )
    assert (
        client.get("/auth/me", headers={"Authorization": f"Bearer {expired}"}).status_code == 401
    )


def test_county_summary_and_isolation(client: TestClient) -> None:
    """Each user sees its own county; 610425's admin gets 403 on 620621 and on a county that
    does not exist, with the same body (no leak)."""
    h = login(client, "admin")
    s = client.get("/counties/610425", headers=h).json()
    assert s["name"] == "礼泉县" and s["places"]["village"] > 0
    refusals = []
    for path in (
        "/counties/620621",
        "/counties/999999",
        intake("620621", STATION_A),
        "/counties/620621/cooperatives/COOP-A/members",
    ):
        r = client.get(path, headers=h)
        assert r.status_code == 403, path
        refusals.append({k: v for k, v in r.json().items() if k != "instance"})
    assert all(x == refusals[0] for x in refusals)
    assert "620621" not in str(refusals[0])
    h620 = login(client, "admin620")
    assert client.get("/counties/620621", headers=h620).json()["name"] == "民勤县"
    assert client.get("/counties/610425", headers=h620).status_code == 403


def test_station_operator_scope(client: TestClient) -> None:
    """The operator of station A records and reads A's intake and gets 403 on station B."""
    h = login(client, "op_a")
    r = client.post(intake("610425", STATION_A), json=RECORD, headers=h)
    assert r.status_code == 201, r.text
    assert r.headers["location"].endswith(f"/intake/{r.json()['id']}")
    got = client.get(intake("610425", STATION_A), headers=h).json()
    assert got["count"] >= 1 and {k: got["data"][-1][k] for k in RECORD} == {
        **RECORD,
        "day": "2025-10-13",
    }
    stamp = dt.datetime.fromisoformat(got["data"][-1]["recorded_at"])
    assert stamp.utcoffset() == dt.timedelta(0)  # RFC 3339 with an offset, on every backend
    assert client.get(intake("610425", STATION_B), headers=h).status_code == 403
    assert client.post(intake("610425", STATION_B), json=RECORD, headers=h).status_code == 403
    for role_user in ("coop_a", "logi"):
        assert (
            client.get(intake("610425", STATION_A), headers=login(client, role_user)).status_code
            == 403
        )
    assert client.get(intake("610425", STATION_A)).status_code == 401
    admin = login(client, "admin")
    assert client.get(intake("610425", STATION_B), headers=admin).status_code == 200
    assert client.get(intake("610425", "NOPE"), headers=admin).status_code == 404


def test_unknown_product_refused(client: TestClient) -> None:
    """A product the county does not have is a 422 problem."""
    h = login(client, "op_a")
    r = client.post(intake("610425", STATION_A), json={**RECORD, "product": "durian"}, headers=h)
    assert r.status_code == 422 and "durian" in r.json()["detail"]


def test_correction_keeps_an_audit_trail(client: TestClient) -> None:
    """A correction makes version 2; the history holds both versions, who and why."""
    h = login(client, "op_a")
    rec = client.post(intake("610425", STATION_A), json=RECORD, headers=h).json()
    path = f"{intake('610425', STATION_A)}/{rec['id']}"
    r = client.put(path, json={**RECORD, "kg": 40.0, "reason": "scale re-read"}, headers=h)
    assert r.status_code == 200 and r.json()["version"] == 2 and r.json()["kg"] == 40.0
    hist = client.get(path + "/history", headers=login(client, "admin")).json()
    assert [a["action"] for a in hist] == ["create", "correct"]
    assert hist[1]["before"]["kg"] == 42.5 and hist[1]["after"]["kg"] == 40.0
    assert hist[1]["reason"] == "scale re-read" and hist[1]["actor"] == "op_a"
    other = f"{intake('610425', STATION_B)}/{rec['id']}"
    assert client.get(other + "/history", headers=login(client, "op_b")).status_code == 404


def test_csv_upload(client: TestClient) -> None:
    """A good CSV adds every row; one bad row gives row/column messages and writes nothing."""
    h = login(client, "op_b")
    good = "day,product,kg,farmer,grade\n2025-10-14,apple,10,F9,P\n2025-10-14,apple,12.5,F8,1\n"
    r = client.post(
        intake("610425", STATION_B) + ".csv",
        files={"file": ("d.csv", good, "text/csv")},
        headers=h,
    )
    assert r.status_code == 201 and r.json()["created"] == 2
    before = client.get(intake("610425", STATION_B), headers=h).json()["count"]
    bad = "day,product,kg,farmer,grade\n2025-10-15,apple,10,F9,P\n2025-13-01,apple,-3,F8,1\n"
    r = client.post(
        intake("610425", STATION_B) + ".csv", files={"file": ("d.csv", bad, "text/csv")}, headers=h
    )
    assert r.status_code == 422
    text = " ".join(r.json()["problems"])
    assert "row 3" in text and "'day'" in text and "'kg'" in text
    assert client.get(intake("610425", STATION_B), headers=h).json()["count"] == before


def test_cooperative_sees_only_its_members(client: TestClient) -> None:
    """coop_a lists its own members and their batches, and gets 403 on COOP-B."""
    admin = login(client, "admin")
    base = "/counties/610425/cooperatives"
    assert (
        client.post(f"{base}/COOP-A/members", json={"farmer": "M1"}, headers=admin).status_code
        == 201
    )
    assert (
        client.post(f"{base}/COOP-B/members", json={"farmer": "M2"}, headers=admin).status_code
        == 201
    )
    assert (
        client.post(f"{base}/COOP-A/members", json={"farmer": "M1"}, headers=admin).status_code
        == 409
    )
    op = login(client, "op_a")
    for farmer in ("M1", "M2"):
        client.post(intake("610425", STATION_A), json={**RECORD, "farmer": farmer}, headers=op)
    coop = login(client, "coop_a")
    members = client.get(f"{base}/COOP-A/members", headers=coop).json()
    assert [m["farmer"] for m in members["data"]] == ["M1"]
    batches = client.get(f"{base}/COOP-A/batches", headers=coop).json()
    assert batches["count"] >= 1 and {b["farmer"] for b in batches["data"]} == {"M1"}
    assert client.get(f"{base}/COOP-B/members", headers=coop).status_code == 403
    assert client.get(f"{base}/COOP-B/batches", headers=coop).status_code == 403
    assert (
        client.post(f"{base}/COOP-A/members", json={"farmer": "M3"}, headers=coop).status_code
        == 403
    )


def test_public_county_figures(client: TestClient) -> None:
    """Public figures need no login."""
    r = client.get("/public/counties/610425")
    assert r.status_code == 200 and r.json()["name"] == "礼泉县"


def test_roles_are_known() -> None:
    assert set(ROLES) == {
        "county_admin",
        "station_operator",
        "cooperative",
        "logistics_operator",
        "applicant",  # issue 19, the service centre
        "bureau",
    }


def test_deliveries_with_corrections(client: TestClient) -> None:
    """Deliveries: the station's operator records and corrects; others get 403."""
    h = login(client, "op_a")
    path = f"/counties/610425/stations/{STATION_A}/deliveries"
    body = {"day": "2025-10-13", "parcels": 12, "kg": 30.5, "recipient": "V1"}
    r = client.post(path, json=body, headers=h)
    assert r.status_code == 201, r.text
    rec = r.json()
    r = client.put(
        f"{path}/{rec['id']}", json={**body, "parcels": 11, "reason": "recount"}, headers=h
    )
    assert r.json()["version"] == 2 and r.json()["parcels"] == 11
    hist = client.get(f"{path}/{rec['id']}/history", headers=h).json()
    assert [(a["action"], (a["before"] or {}).get("parcels")) for a in hist] == [
        ("create", None),
        ("correct", 12),
    ]
    assert client.get(path, headers=login(client, "op_b")).status_code == 403
    assert client.get(path, headers=login(client, "admin620")).status_code == 403
    assert client.get(path, headers=login(client, "admin")).json()["count"] >= 1


def test_deliveries_csv_upload(client: TestClient) -> None:
    """deliveries.csv: a good file adds every row, audited as a CSV upload; a bad one names the
    file, spreadsheet row, column and value in Chinese and English and writes nothing; another
    station's operator gets 403."""
    h = login(client, "op_a")
    path = f"/counties/610425/stations/{STATION_A}/deliveries"
    good = "day,parcels,kg,recipient\n2025-10-16,3,4.5,V7\n2025-10-16,1,0.8,V8\n"
    r = client.post(path + ".csv", files={"file": ("d.csv", good, "text/csv")}, headers=h)
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["created"] == 2
    assert [(d["parcels"], d["recipient"]) for d in made["data"]] == [(3, "V7"), (1, "V8")]
    hist = client.get(f"{path}/{made['data'][0]['id']}/history", headers=h).json()
    assert [(a["action"], a["reason"]) for a in hist] == [("create", "csv upload")]
    before = client.get(path, headers=h).json()["count"]
    bad = "day,parcels,kg,recipient\n2025-10-17,2,1,V7\n2025-10-17,0,1,V8\n2025-10-17,2,x,V9\n"
    r = client.post(path + ".csv", files={"file": ("d.csv", bad, "text/csv")}, headers=h)
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
    body = r.json()
    assert "deliveries.csv" in body["detail"] and "未写入" in body["detail"]
    assert "nothing written" in body["detail"]
    assert len(body["problems"]) == 2
    p3, p4 = body["problems"]
    assert p3.startswith("deliveries.csv 第 3 行, 列 'parcels', 值 '0'")
    assert "deliveries.csv, row 3, column 'parcels': value '0'" in p3
    assert "row 4, column 'kg': value 'x'" in p4 and "第 4 行" in p4
    assert client.get(path, headers=h).json()["count"] == before
    missing = "day,parcels,recipient\n2025-10-17,2,V7\n"
    r = client.post(path + ".csv", files={"file": ("d.csv", missing, "text/csv")}, headers=h)
    assert r.status_code == 422
    assert r.json()["problems"] == [
        "deliveries.csv: 缺少列 kg / deliveries.csv: missing columns kg"
    ]
    r = client.post(
        path + ".csv", files={"file": ("d.csv", good, "text/csv")}, headers=login(client, "op_b")
    )
    assert r.status_code == 403
    assert client.get(path, headers=h).json()["count"] == before


def test_intake_csv_messages_are_bilingual(client: TestClient) -> None:
    """The intake upload's messages carry Chinese and English, as the deliveries upload's."""
    h = login(client, "op_a")
    bad = "day,product,kg,farmer,grade\n2025-10-15,durian,10,F9,P\n"
    r = client.post(
        intake("610425", STATION_A) + ".csv", files={"file": ("d.csv", bad, "text/csv")}, headers=h
    )
    assert r.status_code == 422
    assert "未写入" in r.json()["detail"] and "nothing written" in r.json()["detail"]
    assert r.json()["problems"] == [
        "intake.csv 第 2 行, 列 'product', 值 'durian': 该县没有此产品 / "
        "intake.csv, row 2, column 'product': value 'durian': unknown product"
    ]
    r = client.post(
        intake("610425", STATION_A) + ".csv",
        files={"file": ("d.csv", b"\xff\xfe", "text/csv")},
        headers=h,
    )
    assert r.status_code == 422 and "不是 UTF-8" in r.json()["detail"]
    assert "is not UTF-8 text" in r.json()["detail"]
