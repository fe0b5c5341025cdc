"""Background runs: a plan run finishes with route sheets; a run can be cancelled; roles."""

from __future__ import annotations

import time
from typing import Any

from fastapi.testclient import TestClient

from ruralflow.api import create_app
from service_db import PASSWORD, Databases

RUNS = "/counties/610425/runs"


def login(client: TestClient, name: str) -> dict[str, str]:
    r = client.post("/auth/token", data={"username": name, "password": PASSWORD})
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def wait(client: TestClient, url: str, h: dict[str, str], *, until: set[str]) -> dict[str, Any]:
    for _ in range(240):
        run = client.get(url, headers=h).json()
        if run["status"] in until:
            return dict(run)
        time.sleep(0.5)
    raise AssertionError(f"run did not finish: {run}")


def test_plan_run_and_route_sheets(databases: Databases) -> None:
    """202 + URL; progress to done; the stored plan; sheets whose loads add up."""
    with TestClient(create_app(databases.new())) as client:
        h = login(client, "logi")
        body = {"kind": "plan", "params": {"day": "2025-10-13", "time_limit_s": 2}}
        r = client.post(RUNS, json=body, headers=h)
        assert r.status_code == 202, r.text
        url = r.headers["location"]
        assert r.json()["status"] == "queued" and r.json()["version"] == 1
        run = wait(client, url, h, until={"done", "failed"})
        assert run["status"] == "done", run["message"]
        assert run["progress"] == 1.0 and run["result"]["day"] == "2025-10-13"
        sheets = client.get(url + "/route-sheets", headers=h).json()
        assert sheets and all(s["stops"][0]["kind"] == "hub" for s in sheets)
        loaded = sum(
            st.get("load_parcels", 0) for s in sheets for st in s["stops"] if st["kind"] == "hub"
        )
        unloaded = sum(
            st.get("unload_parcels", 0) for s in sheets for st in s["stops"] if st["kind"] != "hub"
        )
        assert loaded == unloaded > 0
        one = client.get(
            url + "/route-sheets", params={"vehicle": sheets[0]["vehicle"]}, headers=h
        )
        assert [s["vehicle"] for s in one.json()] == [sheets[0]["vehicle"]]
        assert client.get(RUNS, headers=h).json()["count"] == 1
        admin = login(client, "admin")
        body = {"kind": "site", "params": {"what": "stations", "p": 3, "curve": "none"}}
        r = client.post(RUNS, json=body, headers=admin)
        assert r.status_code == 202, r.text
        run = wait(client, r.headers["location"], admin, until={"done", "failed"})
        assert run["status"] == "done", run["message"]
        assert run["result"]["what"] == "stations" and run["result"]["status"] == "optimal"
        bad = {"kind": "site", "params": {"what": "moon"}}
        assert client.post(RUNS, json=bad, headers=admin).status_code == 422


def test_cancel_and_roles(databases: Databases) -> None:
    """A long run is cancelled; a finished one is 409; roles are enforced."""
    with TestClient(create_app(databases.new())) as client:
        admin = login(client, "admin")
        urls = []
        for version in (1, 2):  # runs of a kind are numbered
            r = client.post(RUNS, json={"kind": "season", "params": {}}, headers=admin)
            assert r.status_code == 202 and r.json()["version"] == version
            urls.append(r.headers["location"])
        for url in urls:
            c = client.post(url + "/cancel", headers=admin)
            assert c.status_code == 200 and c.json()["status"] in {"cancelling", "cancelled"}
        for url in urls:
            run = wait(client, url, admin, until={"cancelled", "done", "failed"})
            assert run["status"] == "cancelled"
        assert client.post(url + "/cancel", headers=admin).status_code == 409
        logi = login(client, "logi")
        assert client.post(RUNS, json={"kind": "matrix"}, headers=logi).status_code == 403
        assert client.get(url, headers=logi).status_code == 403
        for user in ("op_a", "coop_a", "admin620"):
            r = client.post(
                RUNS,
                json={"kind": "plan", "params": {"day": "2025-10-13"}},
                headers=login(client, user),
            )
            assert r.status_code == 403
        bad = client.post(RUNS, json={"kind": "plan", "params": {"day": "soon"}}, headers=admin)
        assert bad.status_code == 422
        assert client.get(RUNS).status_code == 401


def test_run_kinds_give_json_results() -> None:
    """Each kind's engine call returns a JSON-able result (run here, not in a process)."""
    import json

    from ruralflow.bundle import read_bundle
    from ruralflow.store.runs import KINDS, check_params
    from service_db import EXAMPLE

    county = read_bundle(EXAMPLE)
    for kind, params in (("matrix", {}), ("season", {"limit": 2})):
        out = KINDS[kind][0](county, check_params(kind, params))
        assert json.loads(json.dumps(out))["county"]
