"""The station public services ledger and the talent pipeline over the API (issue 19, items 3
and 4): who may see what, figures equal to ``ruralflow centre services`` / ``talent`` on the
bundle, and a station operator's day of service counts (audited, kept as bundle text)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from ruralflow.api import create_app
from ruralflow.cli import app as cli_app
from ruralflow.store import engine_for
from ruralflow.store.contracts import stored_texts
from ruralflow.store.db import session_scope
from ruralflow.store.models import AuditEntry
from service_db import EXAMPLE, PASSWORD, STATION_A, STATION_B, Databases

PROBLEM = "application/problem+json"
runner = CliRunner()


@pytest.fixture(scope="module")
def cli_services() -> dict[str, object]:
    r = runner.invoke(cli_app, ["centre", "services", str(EXAMPLE), "--json"])
    assert r.exit_code == 0, r.output
    out: dict[str, object] = json.loads(r.stdout)
    return out


@pytest.fixture(scope="module")
def cli_talent() -> dict[str, object]:
    r = runner.invoke(cli_app, ["centre", "talent", str(EXAMPLE), "--json"])
    assert r.exit_code == 0, r.output
    out: dict[str, object] = json.loads(r.stdout)
    return out


@pytest.fixture(scope="module")
def client(databases: Databases) -> Iterator[TestClient]:
    with TestClient(create_app(databases.new())) as c:
        yield c


@pytest.fixture
def fresh(databases: Databases) -> Iterator[tuple[TestClient, str]]:
    """A client on a database of its own (for writes)."""
    url = databases.new()
    with TestClient(create_app(url)) as c:
        yield c, url


_TOKENS: dict[tuple[int, str], dict[str, str]] = {}


def login(client: TestClient, name: str) -> dict[str, str]:
    key = (id(client), name)
    if key not in _TOKENS:
        r = client.post("/auth/token", data={"username": name, "password": PASSWORD})
        assert r.status_code == 200, r.text
        _TOKENS[key] = {"Authorization": f"Bearer {r.json()['access_token']}"}
    return _TOKENS[key]


LEDGER_A = f"/counties/610425/stations/{STATION_A}/services"
GAPS = "/counties/610425/services/gaps"
TALENT = "/counties/610425/talent"


def test_station_ledger_equals_the_cli(client: TestClient, cli_services: dict) -> None:
    for who in ("admin", "op_a"):
        r = client.get(LEDGER_A, headers=login(client, who))
        assert r.status_code == 200, r.text
        body = r.json()
        cli = next(s for s in cli_services["stations"] if s["station"] == STATION_A)
        assert body["summary"] == cli
        assert body["station"] == STATION_A and body["kind"] == "township_station"
        assert body["count"] == cli["days"] == len(body["days"])
        # the days add up to the season's totals, service by service
        for svc, total in cli["services"].items():
            n = sum(i["count"] for d in body["days"] for i in d["services"] if i["service"] == svc)
            assert n == total["count"]
        income = sum(d["service_income_yuan"] for d in body["days"])
        assert income == pytest.approx(cli["service_income_yuan"], abs=0.01 * len(body["days"]))
        first = body["days"][0]
        assert first["day"] == "2025-10-13"
        pay = next(i for i in first["services"] if i["service"] == "payments")
        assert (pay["count"], pay["fee_yuan"], pay["income_yuan"]) == (54, 1.0, 54.0)
        assert pay["label"].startswith("助农取款")
        assert body["parcel_fee_yuan"]["source"].startswith("assumption")
    # another parcel fee moves a village station's estimated parcel income, as --parcel-fee
    village = "/counties/610425/stations/V610425001213/services"
    s = client.get(village, headers=login(client, "admin")).json()["summary"]
    assert (s["parcels"], s["parcel_income_yuan"], s["parcel_basis"]) == (
        649,
        324.5,
        "demand_down",
    )
    r = client.get(village, params={"parcel_fee_yuan": "0.8"}, headers=login(client, "admin"))
    assert r.json()["summary"]["parcel_income_yuan"] == pytest.approx(649 * 0.8)
    assert r.json()["parcel_fee_yuan"]["value"] == 0.8


def test_station_ledger_refusals(client: TestClient) -> None:
    assert client.get(LEDGER_A).status_code == 401
    for who in ("op_b", "admin620", "coop_a", "logi", "applicant_a", "bureau_com"):
        r = client.get(LEDGER_A, headers=login(client, who))
        assert r.status_code == 403, (who, r.text)
        assert r.headers["content-type"].startswith(PROBLEM)
    r = client.get(
        f"/counties/610425/stations/{STATION_B}/services", headers=login(client, "op_b")
    )
    assert r.status_code == 200
    r = client.get("/counties/610425/stations/NOPE/services", headers=login(client, "admin"))
    assert r.status_code == 404 and "NOPE" in r.json()["detail"]
    assert (
        client.get(LEDGER_A.replace("610425", "61042"), headers=login(client, "admin")).status_code
        == 422
    )


def test_county_services_equal_the_cli(client: TestClient, cli_services: dict) -> None:
    r = client.get("/counties/610425/services", headers=login(client, "admin"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body.pop("county") == "610425" and body == cli_services
    assert len(body["stations"]) == 56
    r = runner.invoke(
        cli_app, ["centre", "services", str(EXAMPLE), "--json", "--parcel-fee", "0.8"]
    )
    api = client.get(
        "/counties/610425/services",
        params={"parcel_fee_yuan": "0.8"},
        headers=login(client, "admin"),
    ).json()
    assert api["stations"] == json.loads(r.stdout)["stations"]
    assert client.get("/counties/610425/services").status_code == 401
    for who in ("op_a", "admin620", "coop_a"):
        r = client.get("/counties/610425/services", headers=login(client, who))
        assert r.status_code == 403, who
    # a county with no ledger stored: no station rows, the gaps from places.csv alone
    r = client.get("/counties/620621/services/gaps", headers=login(client, "admin620"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["ledger_rows"] == 0 and body["days"] == []
    assert body["services"]["repairs"]["villages_with"] == 0
    assert len(body["services"]["repairs"]["villages_lacking"]) == body["villages"] > 0


def test_gaps_equal_the_cli(client: TestClient, cli_services: dict) -> None:
    r = client.get(GAPS, headers=login(client, "admin"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["services"] == cli_services["services"]
    assert body["days"] == cli_services["days"]
    lacking = {v for s in body["services"].values() for v in s["villages_lacking"]}
    assert lacking and lacking == set(body["lacking"])
    for svc in body["services"].values():
        hh = sum(body["lacking"][v]["households"] for v in svc["villages_lacking"])
        assert hh == svc["households_lacking"]
    assert all(v["name"] for v in body["lacking"].values())
    assert client.get(GAPS).status_code == 401
    for who in ("op_a", "admin620", "coop_a", "logi"):
        assert client.get(GAPS, headers=login(client, who)).status_code == 403, who


def test_talent_equals_the_cli(client: TestClient, cli_talent: dict) -> None:
    r = client.get(TALENT, headers=login(client, "admin"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["county"] == "610425"
    assert {k: v for k, v in body.items() if k != "county"} == cli_talent
    funnel = body["cohorts"][0]["funnel"]
    assert list(funnel) == body["stages"]
    assert all(a >= b for a, b in zip(funnel.values(), list(funnel.values())[1:], strict=False))
    r = client.get(TALENT, params={"invite": 3}, headers=login(client, "admin"))
    assert len(r.json()["invite_next"]) == min(3, len(cli_talent["invite_next"]))
    assert r.json()["invite_next"] == cli_talent["invite_next"][:3]
    assert client.get(TALENT).status_code == 401
    for who in ("op_a", "admin620", "coop_a", "applicant_a"):
        assert client.get(TALENT, headers=login(client, who)).status_code == 403, who
    # a county with no talent files stored
    r = client.get("/counties/620621/talent", headers=login(client, "admin620"))
    assert r.status_code == 404 and "talent_cohorts.csv" in r.json()["detail"]


def test_record_a_day_of_services(fresh: tuple[TestClient, str]) -> None:
    client, url = fresh
    day = {
        "day": "2025-11-30",
        "services": [
            {"service": "payments", "count": 12, "fee_yuan": "1.0"},
            {"service": "repairs", "count": 1, "fee_yuan": "15"},
        ],
    }
    before = client.get(LEDGER_A, headers=login(client, "op_a")).json()["summary"]
    assert client.post(LEDGER_A, json=day).status_code == 401
    assert client.post(LEDGER_A, json=day, headers=login(client, "op_b")).status_code == 403
    r = client.post(LEDGER_A, json=day, headers=login(client, "op_a"))
    assert r.status_code == 201, r.text
    rows = r.json()["rows"]
    assert r.json()["recorded_by"] == "op_a" and len(rows) == 2
    after = client.get(LEDGER_A, headers=login(client, "op_a")).json()
    s = after["summary"]
    assert s["services"]["payments"]["count"] == before["services"]["payments"]["count"] + 12
    assert s["service_income_yuan"] == pytest.approx(before["service_income_yuan"] + 27.0)
    assert s["days"] == before["days"] + 1
    assert after["days"][-1]["day"] == "2025-11-30"
    # the same service again that day: 409, nothing written
    again = {
        "day": "2025-11-30",
        "services": [
            {"service": "bills", "count": 1, "fee_yuan": 0.5},
            {"service": "payments", "count": 1, "fee_yuan": 1},
        ],
    }
    r = client.post(LEDGER_A, json=again, headers=login(client, "admin"))
    assert r.status_code == 409 and "payments" in r.json()["detail"]
    # bad values: bilingual, naming the item and field
    for bad, field in (
        ({"service": "haircut", "count": 1, "fee_yuan": 1}, "service"),
        ({"service": "bills", "count": -1, "fee_yuan": 1}, "count"),
        ({"service": "bills", "count": 1, "fee_yuan": -2}, "fee_yuan"),
    ):
        r = client.post(
            LEDGER_A, json={"day": "2025-12-01", "services": [bad]}, headers=login(client, "op_a")
        )
        assert r.status_code == 422, r.text
        detail = r.json()["detail"]
        assert field in detail and " / " in detail and "item 1" in detail, detail
    big = {"day": "2025-12-01", "services": [{"service": "bills", "count": 10**7, "fee_yuan": 1}]}
    r = client.post(LEDGER_A, json=big, headers=login(client, "op_a"))
    assert r.status_code == 422 and r.json()["errors"][0]["where"].endswith("count")
    r = client.post(
        LEDGER_A,
        json={"day": "2099-01-01", "services": [{"service": "bills", "count": 1, "fee_yuan": 1}]},
        headers=login(client, "op_a"),
    )
    assert r.status_code == 422 and "未来" in r.json()["detail"]
    # audited as intake is; the stored text is still a ledger the CLI reads
    engine = engine_for(url)
    with session_scope(engine) as ss:
        audit = ss.scalars(
            select(AuditEntry).where(AuditEntry.record_table == "station_services")
        ).all()
        assert sorted(a.record_id for a in audit) == rows
        assert {a.actor for a in audit} == {"op_a"}
        assert {a.after["service"] for a in audit} == {"payments", "repairs"}
    text = stored_texts(engine, "610425")["station_services.csv"]
    original = (EXAMPLE / "station_services.csv").read_bytes().decode("utf-8")
    assert text.startswith(original)
    assert text[len(original) :].splitlines() == [
        f"2025-11-30,{STATION_A},payments,12,1,recorded by op_a",
        f"2025-11-30,{STATION_A},repairs,1,15,recorded by op_a",
    ]
    assert len(text.splitlines()) == rows[-1]  # the row numbers are the spreadsheet's


def test_exported_ledger_reads_back(fresh: tuple[TestClient, str], tmp_path: Path) -> None:
    client, url = fresh
    body = {"day": "2025-11-30", "services": [{"service": "agri_info", "count": 4, "fee_yuan": 0}]}
    assert client.post(LEDGER_A, json=body, headers=login(client, "op_a")).status_code == 201
    out = tmp_path / "export"
    r = runner.invoke(cli_app, ["db", "export", "610425", "--out-dir", str(out), "--db", url])
    assert r.exit_code == 0, r.output
    r = runner.invoke(cli_app, ["centre", "services", str(out), "--json"])
    assert r.exit_code == 0, r.output
    cli = next(s for s in json.loads(r.stdout)["stations"] if s["station"] == STATION_A)
    api = client.get(LEDGER_A, headers=login(client, "admin")).json()["summary"]
    assert cli == api and api["services"]["agri_info"]["count"] >= 4


def test_import_refuses_a_bad_ledger(db_url: str, tmp_path: Path) -> None:
    """The stored texts are checked by the strict readers at `db import` (the API relies on
    it): a bad row names file, row, column and value, and nothing is written."""
    from helpers import tiny_county
    from ruralflow.bundle import BundleError, write_bundle
    from ruralflow.store import upgrade
    from ruralflow.store.counties import county_row, import_bundle

    upgrade(db_url)
    engine = engine_for(db_url)
    root = write_bundle(tiny_county(), tmp_path / "tiny")
    (root / "station_services.csv").write_text(
        "day,station,service,count,fee_yuan\n2025-09-01,T1,payments,10,1.0\n"
        "2025-09-01,T1,haircut,2,15\n",
        encoding="utf-8",
    )
    with pytest.raises(BundleError) as e:
        import_bundle(root, engine)
    assert any(
        (p.file, p.row, p.column, p.value) == ("station_services.csv", 3, "service", "haircut")
        for p in e.value.problems
    )
    (root / "station_services.csv").unlink()
    (root / "talent_trainees.csv").write_text(
        "trainee,cohort,village,stage,shop\nt1,c1,V1,enrolled,\n", encoding="utf-8"
    )
    with pytest.raises(BundleError, match=r"talent_cohorts\.csv"):
        import_bundle(root, engine)
    with session_scope(engine) as s:
        assert county_row(s, tiny_county().settings.adcode) is None


def test_openapi_documents_the_routes(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"get", "post"} <= set(paths["/counties/{adcode}/stations/{place}/services"])
    for p in ("services", "services/gaps", "talent"):
        schema = paths[f"/counties/{{adcode}}/{p}"]["get"]["responses"]["200"]
        assert schema["content"]["application/json"]["schema"]["$ref"], p
