"""Cooperatives' contracts in the service: stored by `db import`, seen only by their own
cooperative, and the ``contracts`` run (simulation as `contracts simulate`, settlement with
each member's statement grouped by cooperative)."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from helpers import REPO
from ruralflow.api import create_app
from ruralflow.store import engine_for, import_bundle
from service_db import EXAMPLE, PASSWORD, Databases

LIQUAN_2015 = REPO / "src" / "ruralflow" / "sharing" / "data" / "liquan_2015"
COOPS = "/counties/610425/cooperatives"
RUNS = "/counties/610425/runs"
#: cooperative -> its member farmers (the worked example's F01..F12)
MEMBERS = {
    "COOP-A": [f"F{i:02d}" for i in range(1, 7)],
    "COOP-B": [f"F{i:02d}" for i in range(7, 13)],
}


def liquan_bundle(tmp: Path) -> Path:
    """The packaged 610425 bundle with the worked example's contract files."""
    out = tmp / "liquan-2015"
    shutil.copytree(EXAMPLE, out)
    for f in LIQUAN_2015.glob("*.csv"):
        shutil.copy(f, out / f.name)
    return out


def login(client: TestClient, name: str) -> dict[str, str]:
    r = client.post("/auth/token", data={"username": name, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


@pytest.fixture(scope="module")
def client(databases: Databases, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    url = databases.new()
    res = import_bundle(liquan_bundle(tmp_path_factory.mktemp("b")), engine_for(url), replace=True)
    assert res.counts["contracts.csv"] == 12
    with TestClient(create_app(url)) as c:
        admin = login(c, "admin")
        for coop, farmers in MEMBERS.items():
            for f in farmers:
                r = c.post(f"{COOPS}/{coop}/members", json={"farmer": f}, headers=admin)
                assert r.status_code == 201, r.text
        yield c


def test_cooperative_sees_only_its_contracts(client: TestClient) -> None:
    """coop_a sees the contracts its members signed, with only their signatures; COOP-B's
    are 403; other roles and the other county are refused; nothing leaks across."""
    coop_a = login(client, "coop_a")
    r = client.get(f"{COOPS}/COOP-A/contracts", headers=coop_a)
    assert r.status_code == 200, r.text
    got = r.json()["data"]
    assert [c["contract"] for c in got] == ["C-SPOT", "C-FLOOR", "C-ORDER"]
    signed = {m["farmer"] for c in got for m in c["members"]}
    assert signed == set(MEMBERS["COOP-A"])
    floor = next(c for c in got if c["contract"] == "C-FLOOR")
    assert floor["type"] == "floor" and floor["terms"]["floor_yuan_per_kg"] == "2.60"
    assert floor["fund"]["id"] == "FUND1" and floor["fund"]["fund_yuan_per_kg"] == "0.16"
    assert {m["contracted_kg"] for m in floor["members"]} == {"8000"}
    order = next(c for c in got if c["contract"] == "C-ORDER")
    assert [m["farmer"] for m in order["members"]] == ["F06"]  # F07, F08 are COOP-B's
    for other in MEMBERS["COOP-B"]:
        assert other not in r.text and f"农户{other[1:]}" not in r.text
    assert client.get(f"{COOPS}/COOP-B/contracts", headers=coop_a).status_code == 403
    coop_b = login(client, "coop_b")
    b = client.get(f"{COOPS}/COOP-B/contracts", headers=coop_b).json()["data"]
    assert [c["contract"] for c in b] == ["C-ORDER", "C-EQUITY", "C-FUND"]
    admin = login(client, "admin")
    assert client.get(f"{COOPS}/COOP-A/contracts", headers=admin).json()["count"] == 3
    for name in ("op_a", "logi", "admin620"):
        r = client.get(f"{COOPS}/COOP-A/contracts", headers=login(client, name))
        assert r.status_code == 403 and "C-SPOT" not in r.text and "F01" not in r.text
    assert client.get(f"{COOPS}/COOP-A/contracts").status_code == 401
    assert (
        client.get("/counties/620621/cooperatives/COOP-A/contracts", headers=coop_a).status_code
        == 403
    )
    r = client.get(
        "/counties/620621/cooperatives/COOP-A/contracts", headers=login(client, "admin620")
    )
    assert r.status_code == 200 and r.json()["count"] == 0


def wait(client: TestClient, url: str, h: dict[str, str]) -> dict[str, Any]:
    for _ in range(240):
        run = client.get(url, headers=h).json()
        if run["status"] in {"done", "failed", "cancelled"}:
            return dict(run)
        time.sleep(0.5)
    raise AssertionError(f"run did not finish: {run}")


def test_contracts_run_and_statements(client: TestClient, tmp_path: Path) -> None:
    """A contracts run simulates the stored designs as `contracts simulate` does and settles
    the season; each cooperative reads its own members' statements, versioned."""
    from ruralflow.bundle.sharing_case import load, prepare
    from ruralflow.sharing.simulation import SideSelling, simulate

    admin = login(client, "admin")
    coop_a, coop_b = login(client, "coop_a"), login(client, "coop_b")
    empty = client.get(f"{COOPS}/COOP-A/statements", headers=coop_a).json()
    assert empty["run"] is None and empty["data"] == []
    params = {"paths": 400, "seasons": 1, "seed": 7}
    r = client.post(RUNS, json={"kind": "contracts", "params": params}, headers=admin)
    assert r.status_code == 202, r.text
    url = r.headers["location"]
    run = wait(client, url, admin)
    assert run["status"] == "done", run["message"]
    res = run["result"]
    county, files = load(liquan_bundle(tmp_path))
    case = prepare(county, files)
    want = simulate(
        case.designs,
        case.model,
        case.season,
        paths=400,
        seasons=1,
        seed=7,
        farm_gate_factor=case.farm_gate_factor,
        side=SideSelling(enabled=True),
    ).to_dict()
    assert res["case"] == json.loads(json.dumps(case.to_dict()))
    assert res["simulation"]["designs"] == json.loads(json.dumps(want["designs"]))
    assert [d["id"] for d in res["simulation"]["designs"]] == [
        "C-SPOT",
        "C-FLOOR",
        "C-ORDER",
        "C-EQUITY",
        "C-FUND",
    ]
    assert res["settlement"]["reconciles"] is True
    assert res["cooperatives"] == MEMBERS
    assert len(res["statements"]) == 12
    for coop, h in (("COOP-A", coop_a), ("COOP-B", coop_b)):
        got = client.get(f"{COOPS}/{coop}/statements", headers=h).json()
        if coop == "COOP-A":
            got_a = got
        assert got["run"] == run["id"] and got["version"] == 1
        assert [s["farmer"] for s in got["data"]] == MEMBERS[coop]
        for s in got["data"]:
            assert s["farmer"] in s["text"] and "元" in s["text"]
    assert client.get(f"{COOPS}/COOP-B/statements", headers=coop_a).status_code == 403
    assert (
        client.get(f"{COOPS}/COOP-A/statements", headers=login(client, "op_a")).status_code == 403
    )
    # a second run is version 2; cancelled, it leaves the statements of version 1
    r = client.post(RUNS, json={"kind": "contracts", "params": params}, headers=admin)
    assert r.status_code == 202 and r.json()["version"] == 2
    client.post(r.headers["location"] + "/cancel", headers=admin)
    assert wait(client, r.headers["location"], admin)["status"] in {"cancelled", "done"}
    latest = client.get(f"{COOPS}/COOP-A/statements", headers=coop_a).json()
    assert (
        latest["version"] in (1, 2) and [s["farmer"] for s in latest["data"]] == MEMBERS["COOP-A"]
    )
    old = client.get(f"{COOPS}/COOP-A/statements", params={"version": 1}, headers=coop_a)
    assert old.json()["version"] == 1 and old.json()["data"] == got_a["data"]
    r = client.get(f"{COOPS}/COOP-A/statements", params={"version": 9}, headers=coop_a)
    assert r.status_code == 404
    logi = login(client, "logi")
    assert client.post(RUNS, json={"kind": "contracts"}, headers=logi).status_code == 403
    for bad in ({"paths": 5}, {"method": "guess"}, {"seasons": 0}, {"colour": 1}):
        r = client.post(RUNS, json={"kind": "contracts", "params": bad}, headers=admin)
        assert r.status_code == 422, bad


def test_contracts_run_without_a_price_series_fails_clearly(client: TestClient) -> None:
    """620621 (coarse, no contract files, a lead product without a real price series): the
    run fails with one bilingual message, as `contracts simulate` does."""
    h = login(client, "admin620")
    r = client.post("/counties/620621/runs", json={"kind": "contracts"}, headers=h)
    assert r.status_code == 202, r.text
    run = wait(client, r.headers["location"], h)
    assert run["status"] == "failed" and run["result"] is None
    assert run["message"].startswith("无法准备模拟 / cannot prepare the simulation: ")
    assert "Traceback" not in run["message"]
