"""The service centre's API (issue 19): the public catalogue, the one-stop window, bureau
decisions with who and when, and the scoping: an applicant sees only its own applications, a
bureau only its policies' applications."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from helpers import tiny_county
from ruralflow.api import create_app
from ruralflow.bundle import BundleError, read_bundle, write_bundle
from ruralflow.bundle.centre_files import CENTRE_FILES, read_centre_files
from ruralflow.bundle.upflow_files import read_upflow_files
from ruralflow.store import StoreError, add_user, engine_for
from ruralflow.store.centre import ApplicationRow, PolicyRow, import_centre, import_expo
from ruralflow.store.counties import county_row, import_bundle
from ruralflow.store.db import session_scope
from service_db import EXAMPLE, PASSWORD, Databases

PROBLEM = "application/problem+json"
BASE = "/counties/610425/centre"
#: name, role, scope (county 610425)
CENTRE_USERS = (
    ("coop_app", "applicant", "COOP-A"),
    ("farmer2", "applicant", "F-0002"),
    ("farmer3", "applicant", "F-0003"),
    ("station101", "applicant", "T610425101"),
    ("commerce", "bureau", "commerce"),
    ("agri", "bureau", "agriculture"),
)


def _with_centre(url: str) -> None:
    engine = engine_for(url)
    files = read_centre_files(EXAMPLE)
    county = read_bundle(EXAMPLE)
    upflow = read_upflow_files(EXAMPLE, county)
    with session_scope(engine) as s:
        c = county_row(s, "610425")
        assert c is not None
        import_centre(s, c, files.policies, files.applicants, files.applications)
        import_expo(s, c, [p.id for p in county.products], upflow.brands, upflow.lots)
    for name, role, scope in CENTRE_USERS:
        add_user(engine, name, role=role, county="610425", scope=scope, password=PASSWORD)


@pytest.fixture(scope="module")
def client(databases: Databases) -> Iterator[TestClient]:
    url = databases.new()
    _with_centre(url)
    app = create_app(url)
    app.state.centre_today = dt.date(2025, 6, 20)
    with TestClient(app) as c:
        yield c


_TOKENS: dict[str, dict[str, str]] = {}


def login(client: TestClient, name: str) -> dict[str, str]:
    if name not in _TOKENS:
        r = client.post("/auth/token", data={"username": name, "password": PASSWORD})
        assert r.status_code == 200, r.text
        _TOKENS[name] = {"Authorization": f"Bearer {r.json()['access_token']}"}
    return _TOKENS[name]


def test_public_catalogue(client: TestClient) -> None:
    r = client.get("/public/counties/610425/centre/policies")
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 17
    ids = {p["id"] for p in body["data"]}
    assert {"com-ec-logistics", "tra-kehuoyou", "agr-coldstore", "pos-express-village"} <= ids
    cold = next(p for p in body["data"] if p["id"] == "agr-coldstore")
    assert cold["granted_yuan"] == 100000.0 and cold["bureau_label"].startswith("农业农村局")
    r = client.get("/public/counties/610425/centre/policies", params={"bureau": "transport"})
    assert {p["id"] for p in r.json()["data"]} == {"tra-kehuoyou", "tra-kehuoyou-station"}
    assert client.get("/public/counties/999999/centre/policies").status_code == 404
    assert "cold_chain" in client.get("/public/centre/labels").json()["purposes"]


def test_eligible_across_bureaus(client: TestClient) -> None:
    r = client.get(f"{BASE}/eligible", headers=login(client, "coop_app"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["applicant"] == "COOP-A" and body["applicant_type"] == "cooperative"
    got = {p["id"]: p for p in body["data"]}
    assert {"agr-coldstore", "com-county-cold", "com-brand-expo", "smc-network"} <= got.keys()
    assert {p["bureau"] for p in body["data"]} >= {"agriculture", "commerce", "supply_marketing"}
    assert got["com-county-cold"]["application"] == "A005"
    assert all(p["eligible"] for p in body["data"])
    r = client.get(f"{BASE}/eligible", params={"all": "true"}, headers=login(client, "farmer3"))
    rows = {p["id"]: p for p in r.json()["data"]}
    assert not rows["agr-farmer-training"]["eligible"]  # not resident
    assert any("resident" in why for why in rows["agr-farmer-training"]["reasons"])
    assert rows["com-ec-training"]["eligible"]
    # an applicant asks only for itself; a bureau is not an applicant
    h = login(client, "farmer3")
    assert client.get(f"{BASE}/eligible?applicant=COOP-A", headers=h).status_code == 403
    assert client.get(f"{BASE}/eligible", headers=login(client, "commerce")).status_code == 403
    r = client.get(f"{BASE}/eligible?applicant=F-0003", headers=login(client, "admin"))
    assert r.status_code == 200 and r.json()["applicant"] == "F-0003"


def test_apply_review_approve_pay(client: TestClient) -> None:
    """An applicant applies once; the policy's bureau decides; who and when are kept."""
    h = login(client, "farmer2")
    r = client.post(
        f"{BASE}/applications",
        json={"policy": "com-ec-training", "amount_yuan": 3000, "note": "直播班"},
        headers=h,
    )
    assert r.status_code == 201, r.text
    app = r.json()
    assert app["status"] == "submitted" and app["applicant"] == "F-0002"
    assert app["bureau"] == "commerce" and app["day"] == "2025-06-20"
    assert r.headers["location"] == f"{BASE}/applications/{app['id']}"
    again = client.post(
        f"{BASE}/applications", json={"policy": "com-ec-training", "amount_yuan": 1}, headers=h
    )
    assert again.status_code == 409 and again.json()["application"] == app["id"]
    # the other bureau neither sees nor decides it
    agri = login(client, "agri")
    assert client.get(f"{BASE}/applications/{app['id']}", headers=agri).status_code == 404
    r = client.post(
        f"{BASE}/applications/{app['id']}/status", json={"status": "approved"}, headers=agri
    )
    assert r.status_code == 404
    # nor does the applicant decide its own
    r = client.post(f"{BASE}/applications/{app['id']}/status", json={"status": "paid"}, headers=h)
    assert r.status_code == 403
    com = login(client, "commerce")
    path = f"{BASE}/applications/{app['id']}/status"
    r = client.post(path, json={"status": "paid"}, headers=com)
    assert r.status_code == 409 and r.headers["content-type"] == PROBLEM
    assert client.post(path, json={"status": "reviewing"}, headers=com).status_code == 200
    r = client.post(path, json={"status": "approved", "note": "材料齐全"}, headers=com)
    assert r.status_code == 200, r.text
    done = r.json()
    assert done["status"] == "approved" and done["decided_by"] == "commerce"
    assert done["decided_at"] is not None and done["next"] == ["paid"]
    assert [(h_["before"] or {}).get("status") for h_ in done["history"]] == [
        None,
        "submitted",
        "reviewing",
    ]
    assert [h_["actor"] for h_ in done["history"]] == ["farmer2", "commerce", "commerce"]
    r = client.post(path, json={"status": "paid"}, headers=com)
    assert r.json()["paid_by"] == "commerce" and r.json()["next"] == []
    # the overview counts it: F-0002 now has two training grants (A014 agriculture, paid)
    ov = client.get(f"{BASE}/overview", headers=login(client, "admin")).json()
    assert {"applicant": "F-0002", "purpose": "training"}.items() <= next(
        d for d in ov["analysis"]["double_funded"] if d["applicant"] == "F-0002"
    ).items()
    assert ov["applications_by_status"]["paid"] >= 5


def test_not_eligible_and_too_much(client: TestClient) -> None:
    h = login(client, "farmer2")  # family_farm=no
    r = client.post(
        f"{BASE}/applications", json={"policy": "agr-coldstore", "amount_yuan": 100}, headers=h
    )
    assert r.status_code == 422 and "family_farm" in r.json()["detail"]
    assert r.json()["reasons"]
    r = client.post(
        f"{BASE}/applications", json={"policy": "rur-loan", "amount_yuan": 20001}, headers=h
    )
    assert r.status_code == 422 and "20000" in r.json()["detail"]
    r = client.post(
        f"{BASE}/applications", json={"policy": "no-such", "amount_yuan": 1}, headers=h
    )
    assert r.status_code == 404
    r = client.post(
        f"{BASE}/applications", json={"policy": "rur-loan", "amount_yuan": -5}, headers=h
    )
    assert r.status_code == 422
    # only applicants apply
    r = client.post(
        f"{BASE}/applications",
        json={"policy": "rur-loan", "amount_yuan": 5},
        headers=login(client, "admin"),
    )
    assert r.status_code == 403


def test_applicant_sees_only_its_own(client: TestClient) -> None:
    h = login(client, "station101")
    rows = client.get(f"{BASE}/applications", headers=h).json()["data"]
    assert {r["id"] for r in rows} == {"A001", "A002"}
    assert {r["applicant"] for r in rows} == {"T610425101"}
    assert client.get(f"{BASE}/applications/A004", headers=h).status_code == 404  # COOP-A's
    assert client.get(f"{BASE}/applications/A001", headers=h).status_code == 200


def test_bureau_sees_only_its_policies(client: TestClient) -> None:
    rows = client.get(f"{BASE}/applications", headers=login(client, "agri")).json()["data"]
    assert rows and {r["bureau"] for r in rows} == {"agriculture"}
    assert {"A004", "A013", "A014", "A015"} <= {r["id"] for r in rows}
    com = client.get(f"{BASE}/applications", headers=login(client, "commerce")).json()["data"]
    assert {r["bureau"] for r in com} == {"commerce"}
    assert not {r["id"] for r in rows} & {r["id"] for r in com}
    every = client.get(f"{BASE}/applications", headers=login(client, "admin")).json()
    assert every["count"] >= len(rows) + len(com)
    ov = client.get(f"{BASE}/overview", headers=login(client, "agri")).json()
    assert ov["scope"] == "agriculture"
    assert all(
        {"agr-coldstore", "agr-farmer-training"} & set(d["policies"])
        for d in ov["analysis"]["double_funded"]
    )
    assert not any(d["applicant"] == "T610425101" for d in ov["analysis"]["double_funded"])


def test_other_roles_and_counties_are_refused(client: TestClient) -> None:
    for name in ("op_a", "coop_a", "logi"):
        h = login(client, name)
        assert client.get(f"{BASE}/applications", headers=h).status_code == 403
        assert client.get(f"{BASE}/overview", headers=h).status_code == 403
    h = login(client, "admin620")
    assert client.get(f"{BASE}/applications", headers=h).status_code == 403
    assert client.get(f"{BASE}/applications").status_code == 401


def test_budget_caps_approvals(client: TestClient) -> None:
    """com-ec-centre: budget 2,000,000 yuan, 1,000,000 paid (A011); two more of 1,000,000
    can not both be approved."""
    admin = login(client, "admin")
    engine = client.app.state.engine  # type: ignore[attr-defined]
    for i in (1, 2):
        body = {"id": f"ENT-NEW{i}", "type": "enterprise", "attributes": {"ecommerce_staff": "6"}}
        r = client.post(f"{BASE}/applicants", json=body, headers=admin)
        assert r.status_code == 201, r.text
        add_user(
            engine,
            f"ent{i}",
            role="applicant",
            county="610425",
            scope=f"ENT-NEW{i}",
            password=PASSWORD,
        )
    assert client.post(f"{BASE}/applicants", json=body, headers=admin).status_code == 409
    ids = []
    for i in (1, 2):
        r = client.post(
            f"{BASE}/applications",
            json={"policy": "com-ec-centre", "amount_yuan": 1000000},
            headers=login(client, f"ent{i}"),
        )
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    com = login(client, "commerce")
    ok = client.post(
        f"{BASE}/applications/{ids[0]}/status", json={"status": "approved"}, headers=com
    )
    assert ok.status_code == 200
    over = client.post(
        f"{BASE}/applications/{ids[1]}/status", json={"status": "approved"}, headers=com
    )
    assert over.status_code == 409 and "budget" in over.json()["detail"]
    names = {a["id"] for a in client.get(f"{BASE}/applicants", headers=admin).json()["data"]}
    assert {"ENT-NEW1", "COOP-A"} <= names


def test_applicant_users_need_a_known_applicant(databases: Databases) -> None:
    engine = engine_for(databases.new())
    with pytest.raises(StoreError, match="applicant"):
        add_user(
            engine, "ghost", role="applicant", county="610425", scope="NOBODY", password=PASSWORD
        )
    with pytest.raises(StoreError, match="scope"):
        add_user(engine, "nobureau", role="bureau", county="610425", password=PASSWORD)


def test_db_import_takes_the_centre_files(databases: Databases, tmp_path: Path) -> None:
    """`db import` stores the centre files with the county; a bad one writes nothing; a
    re-import keeps the window's applications."""
    url = databases.new()
    engine = engine_for(url)
    bundle = write_bundle(tiny_county(), tmp_path / "610425")  # same adcode, fast to import
    for name in CENTRE_FILES:
        shutil.copy(EXAMPLE / name, bundle / name)
    result = import_bundle(bundle, engine, replace=True)
    assert result.counts["centre_policies"] == 17 and result.counts["centre_applications"] == 15
    with session_scope(engine) as s:
        c = county_row(s, "610425")
        assert c is not None
        s.add(
            ApplicationRow(
                county_id=c.id,
                application_id="W1",
                applicant="F-0002",
                applicant_type="farmer",
                policy="rur-loan",
                bureau="rural_revitalization",
                purpose="finance",
                amount_fen=100,
                status="submitted",
                day=dt.date(2025, 6, 1),
                origin="window",
            )
        )
    text = (bundle / "policies.csv").read_text(encoding="utf-8")
    (bundle / "policies.csv").write_text(
        text.replace("finance,cooperative", "finanse,cooperative")
    )
    with pytest.raises(BundleError, match="purpose"):
        import_bundle(bundle, engine, replace=True)
    (bundle / "policies.csv").write_text(text, encoding="utf-8")
    import_bundle(bundle, engine, replace=True)
    with session_scope(engine) as s:
        n = s.scalar(select(func.count()).select_from(ApplicationRow))
        assert n == 16  # 15 from the bundle + the window's W1
        assert s.scalar(select(func.count()).select_from(PolicyRow)) == 17
    # a catalogue without the policy W1 names is refused as a whole
    (bundle / "policies.csv").write_text(
        "\n".join(line for line in text.splitlines() if not line.startswith("rur-loan")) + "\n",
        encoding="utf-8",
    )
    rules = (bundle / "policy_rules.csv").read_text(encoding="utf-8")
    (bundle / "policy_rules.csv").write_text(
        "\n".join(line for line in rules.splitlines() if not line.startswith("rur-loan")) + "\n",
        encoding="utf-8",
    )
    with pytest.raises(StoreError, match="rur-loan"):
        import_bundle(bundle, engine, replace=True)
    with session_scope(engine) as s:
        assert s.scalar(select(func.count()).select_from(PolicyRow)) == 17
    for name in CENTRE_FILES:
        (bundle / name).unlink()
    assert "centre_policies" not in import_bundle(bundle, engine, replace=True).counts


EXPO = "/public/counties/610425/expo"


def test_cloud_expo_pages(client: TestClient) -> None:
    """No login: the products with brand, GI status, grades, the season and the enquiry."""
    r = client.get(EXPO)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["county"] == "礼泉县"
    pages = {p["product"]: p for p in body["data"]}
    assert {"apple", "kiwifruit"} <= pages.keys()
    apple = pages["apple"]
    assert apple["brand"]["regional_public_brand"]["name_zh"] == "礼泉苹果"
    assert apple["gi_status"] == apple["brand"]["gi_status"]
    assert "09520010000018" in apple["brand"]["gtins"]
    assert {g["grade"] for g in apple["grades"]} >= {"A", "B"}
    season = apple["availability"]
    assert (season["first_day"], season["last_day"]) == ("2025-10-13", "2025-10-26")
    assert season["supply_kg"] > 0 and len(season["days"]) == 14  # before the season: all
    assert apple["enquiry"] == f"{EXPO}/apple/enquiries"
    one = client.get(f"{EXPO}/apple").json()
    assert one["name"] == apple["name"] and one["availability"] == season
    assert client.get(f"{EXPO}/durian").status_code == 404
    assert client.get("/public/counties/999999/expo").status_code == 404


def test_expo_trace_codes(client: TestClient) -> None:
    from ruralflow.store.models import EventEpcRow, EventRow
    from ruralflow.trace.ids import lgtin_uri

    engine = client.app.state.engine  # type: ignore[attr-defined]
    with session_scope(engine) as s:
        ev = EventRow(
            log_index=10_000_000,
            capture_id="test",
            county="610425",
            event_type="ObjectEvent",
            event_time="2025-10-14T08:00:00.000000Z",
        )
        s.add(ev)
        s.flush()
        s.add(
            EventEpcRow(
                event=ev.id, epc=lgtin_uri("09520010000018", "LQ-2025-10-14"), role="class"
            )
        )
    codes = client.get(f"{EXPO}/apple").json()["trace_codes"]
    assert {"lot": "LQ-2025-10-14", "url": "/01/09520010000018/10/LQ-2025-10-14"} in codes


def test_enquiry_becomes_a_lead(client: TestClient) -> None:
    body = {
        "name": "王经理",
        "contact": "+86 138 0000 0000",
        "organisation": "西安某生鲜超市",
        "channel": "supermarket",
        "kg": 2000,
        "message": "想订 80 果径的富士",
    }
    r = client.post(f"{EXPO}/apple/enquiries", json=body)
    assert r.status_code == 201, r.text
    ack = r.json()
    assert ack["status"] == "new" and "contact" not in ack
    bad = client.post(f"{EXPO}/apple/enquiries", json={**body, "channel": "friends"})
    assert bad.status_code == 422
    assert client.post(f"{EXPO}/durian/enquiries", json=body).status_code == 404
    admin = login(client, "admin")
    leads = client.get(f"{BASE}/leads", headers=admin).json()["data"]
    lead = next(x for x in leads if x["id"] == ack["id"])
    assert (lead["product"], lead["channel"], lead["kg"]) == ("apple", "supermarket", 2000)
    assert lead["status"] == "new"
    for name in ("commerce", "coop_app", "op_a"):
        assert client.get(f"{BASE}/leads", headers=login(client, name)).status_code == 403
    path = f"{BASE}/leads/{ack['id']}/status"
    r = client.post(
        path, json={"status": "matched", "note": "对接 supermarket 渠道"}, headers=admin
    )
    assert r.status_code == 200 and r.json()["handled_by"] == "admin"
    assert r.json()["handled_at"] is not None
    assert client.post(path, json={"status": "closed"}, headers=admin).status_code == 200
    assert client.post(path, json={"status": "contacted"}, headers=admin).status_code == 409
    assert client.get(f"{BASE}/leads?status=closed", headers=admin).json()["count"] >= 1


def test_the_centre_curates_the_expo(client: TestClient) -> None:
    admin = login(client, "admin")
    path = f"{BASE}/expo/peach"
    body = {"shown": True, "headline": "礼泉油桃", "story": "渭北旱塬"}
    assert client.put(path, json=body, headers=login(client, "commerce")).status_code == 403
    r = client.put(path, json=body, headers=admin)
    assert r.status_code == 200 and r.json()["headline"] == "礼泉油桃"
    assert client.get(f"{EXPO}/peach").json()["story"] == "渭北旱塬"
    r = client.put(path, json={**body, "shown": False}, headers=admin)
    assert r.status_code == 200
    assert "peach" not in {p["product"] for p in client.get(EXPO).json()["data"]}
    assert client.get(f"{EXPO}/peach").status_code == 404
    enquiry = {"name": "x", "contact": "x@example.org", "channel": "other"}
    assert client.post(f"{EXPO}/peach/enquiries", json=enquiry).status_code == 404
    assert client.put(f"{BASE}/expo/durian", json=body, headers=admin).status_code == 404


def test_db_export_writes_the_centre_files_back(databases: Databases, tmp_path: Path) -> None:
    """`db import` then `db export`: the centre files read back equal (with the window's
    applications added)."""
    from ruralflow.store import export_bundle

    engine = engine_for(databases.new())
    bundle = write_bundle(tiny_county(), tmp_path / "610425")
    for name in CENTRE_FILES:
        shutil.copy(EXAMPLE / name, bundle / name)
    import_bundle(bundle, engine, replace=True)
    out = export_bundle(engine, "610425", tmp_path / "out")
    again, before = read_centre_files(out), read_centre_files(bundle)
    assert again.policies == before.policies
    assert any(p.rules for p in again.policies)
    assert again.applicants == before.applicants
    assert again.applications == before.applications
    # a county without a catalogue exports no centre file
    plain = export_bundle(engine, "620621", tmp_path / "plain")
    assert not any((plain / name).exists() for name in CENTRE_FILES)


def test_a_hidden_products_curation_can_be_read_and_edited(client: TestClient) -> None:
    """GET of the curation: county admin only (403 others, another county's admin included);
    a hidden product's headline and story come back, and can be edited and shown again."""
    admin = login(client, "admin")
    path = f"{BASE}/expo/kiwifruit"
    body = {"shown": False, "headline": "礼泉猕猴桃", "story": "秦岭北麓"}
    assert client.put(path, json=body, headers=admin).status_code == 200
    assert client.get(f"{EXPO}/kiwifruit").status_code == 404
    r = client.get(path, headers=admin)
    assert r.status_code == 200, r.text
    got = r.json()
    assert (got["product"], got["shown"], got["headline"], got["story"]) == (
        "kiwifruit",
        False,
        "礼泉猕猴桃",
        "秦岭北麓",
    )
    assert got["updated_by"] == "admin" and got["updated_at"] is not None
    for name in ("commerce", "coop_app", "op_a", "admin620"):
        assert client.get(path, headers=login(client, name)).status_code == 403, name
    assert client.get(path).status_code == 401
    assert client.get(f"{BASE}/expo/durian", headers=admin).status_code == 404
    r = client.put(
        path, json={**body, "shown": True, "story": "秦岭北麓, 黄土台塬"}, headers=admin
    )
    assert r.status_code == 200
    assert client.get(path, headers=admin).json()["story"] == "秦岭北麓, 黄土台塬"
    assert client.get(f"{EXPO}/kiwifruit").json()["story"] == "秦岭北麓, 黄土台塬"


def test_expo_lists_sub_brands_with_their_townships(client: TestClient) -> None:
    """The example's apple sub-brand covers one township (T610425105): the county-wide expo
    page still shows it, with that township named, beside the regional brand."""
    brand = client.get(f"{EXPO}/apple").json()["brand"]
    subs = brand["enterprise_sub_brands"]
    assert [b["id"] for b in subs] == ["example-orchards"]
    assert subs[0]["townships"] == ["T610425105"]
    (town,) = subs[0]["township_names"]
    assert town["id"] == "T610425105" and town["name_zh"]
    assert brand["enterprise_sub_brand"]["id"] == "example-orchards"
    assert brand["regional_public_brand"]["id"] == "liquan-apple"
    kiwi = client.get(f"{EXPO}/kiwifruit").json()["brand"]
    assert kiwi.get("enterprise_sub_brands", []) == [] and kiwi.get("enterprise_sub_brand") is None
