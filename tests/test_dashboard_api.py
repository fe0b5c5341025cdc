"""The reads the dashboard adds (api/routers/pages.py) and its page routes, without a browser."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service_db import PASSWORD, Databases


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    from ruralflow.api.app import create_app

    dbs = Databases("sqlite", tmp_path_factory.mktemp("dash-api"))
    try:
        with TestClient(create_app(dbs.new())) as c:
            yield c
    finally:
        dbs.close()


def _h(client: TestClient, user: str) -> dict[str, str]:
    r = client.post("/auth/token", data={"username": user, "password": PASSWORD})
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_pages_are_served_and_unknown_ones_are_404(client: TestClient) -> None:
    r = client.get("/app/overview")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert '<script type="module" src="/static/app/overview.js">' in r.text
    assert client.get("/app", follow_redirects=False).headers["location"] == "/app/login"
    r = client.get("/app/secret")
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    assert client.get("/static/app/i18n.js").status_code == 200
    assert client.get("/static/vendor/echarts.min.js").status_code == 200


def test_every_listed_page_has_its_html_and_script() -> None:
    from ruralflow.api.routers.pages import PAGES
    from ruralflow.web import PAGES_DIR, STATIC_DIR

    for page in PAGES:
        assert (PAGES_DIR / f"{page}.html").is_file()
        assert (STATIC_DIR / "app" / f"{page}.js").is_file()
    assert {p.stem for p in Path(PAGES_DIR).glob("*.html")} == set(PAGES)


def test_boundary_is_geojson_for_the_county_only(client: TestClient) -> None:
    r = client.get("/counties/610425/boundary.geojson", headers=_h(client, "op_a"))
    assert r.status_code == 200 and r.headers["content-type"] == "application/geo+json"
    fc = r.json()
    assert fc["type"] == "FeatureCollection"
    assert fc["features"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert fc["features"][0]["properties"]["name"] == "礼泉县"
    assert client.get("/counties/610425/boundary.geojson").status_code == 401
    r = client.get("/counties/610425/boundary.geojson", headers=_h(client, "admin620"))
    assert r.status_code == 403


def test_places_and_products(client: TestClient) -> None:
    h = _h(client, "op_a")
    places = client.get("/counties/610425/places", headers=h).json()["data"]
    hub = next(p for p in places if p["id"] == "HUB")
    assert hub["kind"] == "county_hub" and 108 < hub["lon"] < 109 and 34 < hub["lat"] < 35
    products = client.get("/counties/610425/products", headers=h).json()["data"]
    assert {"id": "apple", "name": "苹果"} in products


def test_flows_per_station_add_up_and_are_for_admins_and_logistics(client: TestClient) -> None:
    h = _h(client, "admin")
    f = client.get("/counties/610425/flows", headers=h).json()
    assert f["day_rule"] == "busiest"
    day = next(d for d in f["days"] if d["day"] == f["day"])
    assert sum(s["down_parcels"] for s in f["stations"]) == day["down_parcels"]
    assert sum(s["up_kg"] for s in f["stations"]) == pytest.approx(day["up_kg"], abs=0.01)
    best = max(f["days"], key=lambda d: d["down_kg"] + d["up_kg"])
    assert f["day"] == best["day"]
    assert {v["id"] for v in f["fleet"]} == {"van", "reefer"}
    asked = client.get("/counties/610425/flows?day=2025-10-14", headers=h).json()
    assert asked["day"] == "2025-10-14" and asked["day_rule"] == "asked"
    logi = client.get("/counties/610425/flows", headers=_h(client, "logi")).json()
    assert logi["recent_intake"] == [] and logi["stations"] == f["stations"]
    for user in ("op_a", "coop_a", "admin620"):
        assert client.get("/counties/610425/flows", headers=_h(client, user)).status_code == 403


def test_an_intake_shows_in_the_flows_of_its_day(client: TestClient) -> None:
    h = _h(client, "op_a")
    body = {"day": "2025-10-14", "product": "apple", "kg": 12.5, "farmer": "F1", "grade": "A"}
    r = client.post("/counties/610425/stations/T610425001/intake", json=body, headers=h)
    assert r.status_code == 201, r.text
    f = client.get("/counties/610425/flows?day=2025-10-14", headers=_h(client, "admin")).json()
    st = next(s for s in f["stations"] if s["station"] == "T610425001")
    assert st["intake_records"] >= 1 and st["intake_kg"] >= 12.5
    assert f["recent_intake"][0]["farmer"] == "F1"


def test_cooperatives_list(client: TestClient) -> None:
    assert client.get("/counties/610425/cooperatives", headers=_h(client, "coop_a")).json()[
        "data"
    ] == ["COOP-A"]
    r = client.get("/counties/610425/cooperatives", headers=_h(client, "op_a"))
    assert r.status_code == 403


def test_a_coarse_county_without_a_polygon_gets_no_features_and_a_note(
    client: TestClient,
) -> None:
    r = client.get("/counties/620621/boundary.geojson", headers=_h(client, "admin620"))
    assert r.status_code == 200
    assert r.json()["features"] == [] and "no boundary polygon" in r.json()["note"]


def test_lots_and_their_consumer_paths(client: TestClient) -> None:
    from ruralflow.api.routers.pages import consumer_path

    r = client.get("/counties/610425/lots", headers=_h(client, "admin"))
    assert r.status_code == 200 and r.json()["count"] == len(r.json()["data"])
    for who in ("op_a", "logi", "admin620"):
        assert client.get("/counties/610425/lots", headers=_h(client, who)).status_code == 403
    assert client.get("/counties/610425/lots").status_code == 401
    dl = "https://id.gs1.org/01/06901234500017/10/L1"
    assert consumer_path(dl) == "/01/06901234500017/10/L1"
    ns = "https://id.ruralflow.example/lot/610425/B-1/grade/A"
    assert consumer_path(ns) == "/lot/610425/B-1/grade/A"
    assert consumer_path("urn:epc:id:sgtin:0614141.107346.2018") is None


def test_cooperative_settlement_is_its_own_and_empty_before_a_run(client: TestClient) -> None:
    url = "/counties/610425/cooperatives/{}/settlement"
    r = client.get(url.format("COOP-A"), headers=_h(client, "coop_a"))
    assert r.status_code == 200
    assert r.json()["run"] is None and r.json()["designs"] == [] and r.json()["farmers"] == []
    assert client.get(url.format("COOP-B"), headers=_h(client, "coop_a")).status_code == 403
    assert client.get(url.format("COOP-B"), headers=_h(client, "admin")).status_code == 200
    for who in ("op_a", "logi", "admin620"):
        assert client.get(url.format("COOP-A"), headers=_h(client, who)).status_code == 403
    r = client.get(url.format("COOP-A") + "?version=3", headers=_h(client, "admin"))
    assert r.status_code == 404
