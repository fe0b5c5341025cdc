"""The contracts page in headless Chromium: a county admin starts a contracts run on the
worked example's contracts (610425 with ``sharing/data/liquan_2015``) and follows it; each
cooperative then sees its contracts' terms, the simulated designs and its own members'
settled statements, never another cooperative's."""

from __future__ import annotations

import json
import shutil
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_dashboard import expect_refusals, login, nav_pages, shot, switch_changes_every_label

from browser_harness import Live, PageLog, start_server, stop_server
from service_db import EXAMPLE, Databases

LIQUAN_2015 = EXAMPLE.parents[1] / "sharing" / "data" / "liquan_2015"
MEMBERS = {
    "COOP-A": [f"F{i:02d}" for i in range(1, 7)],
    "COOP-B": [f"F{i:02d}" for i in range(7, 13)],
}


@pytest.fixture(scope="module")
def live(browser_databases: Databases, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """The service on a copy of the test database whose 610425 holds the worked example's
    contract files, with the example's farmers registered as members of COOP-A and COOP-B."""
    from ruralflow.store import engine_for, import_bundle

    url = browser_databases.new()
    bundle = tmp_path_factory.mktemp("contracts") / "610425"
    shutil.copytree(EXAMPLE, bundle)
    for f in LIQUAN_2015.glob("*.csv"):
        shutil.copy(f, bundle / f.name)
    import_bundle(bundle, engine_for(url), replace=True)
    srv = start_server(url)
    try:
        token = srv.token("admin")
        for coop, farmers in MEMBERS.items():
            for f in farmers:
                req = urllib.request.Request(
                    f"{srv.base}/counties/610425/cooperatives/{coop}/members",
                    data=json.dumps({"farmer": f}).encode(),
                    headers={
                        "Authorization": f"Bearer {token}",
                        "Content-Type": "application/json",
                    },
                )
                with urllib.request.urlopen(req, timeout=30) as r:
                    assert r.status == 201
        yield srv
    finally:
        stop_server(srv)


def _farmers(page: Any) -> list[str]:
    return list(
        page.eval_on_selector_all(
            "#settled tbody tr", "rs => rs.map(r => r.querySelector('td').textContent)"
        )
    )


def test_admin_runs_contracts_and_each_cooperative_sees_only_its_own(
    page: Any, live: Live, page_log: PageLog, tmp_path: Path
) -> None:
    login(page, live, "admin")
    page.goto(f"{live.base}/app/contracts?coop=COOP-A")
    page.wait_for_selector("#contracts .contract")
    ids = page.eval_on_selector_all(
        "#contracts .contract", "cs => cs.map(c => c.dataset.contract)"
    )
    assert ids == ["C-SPOT", "C-FLOOR", "C-ORDER"]
    floor = page.inner_text('#contracts [data-contract="C-FLOOR"]')
    assert "保底价" in floor and "2.60 元/kg" in floor and "0.16 元/kg" in floor, floor
    page.wait_for_selector("#designs-none")
    page.fill("#ct-paths", "400")
    page.click("#start-contracts")
    page.wait_for_selector("#run-status[data-status=done]", timeout=120_000)
    page.wait_for_selector("#designs tbody tr")
    assert page.locator("#designs tbody tr").count() == 3  # the designs COOP-A's members signed
    assert page.locator("#designs [data-verdict]").count() == 3
    assert _farmers(page) == MEMBERS["COOP-A"]
    net = page.inner_text("#net-total .kpi-value")
    assert net.endswith("元") and float(net.split()[0].replace(",", "")) > 0, net
    assert page.locator("#statement-texts details").count() == 6
    assert "[object" not in page.inner_text("body")
    shot(page, "contracts")
    switch_changes_every_label(page, "contracts with a run")
    assert page.inner_text("#net-total .kpi-value").endswith("yuan")
    page.click("#lang-switch")
    page.goto(f"{live.base}/app/contracts?coop=COOP-B")
    page.wait_for_selector("#settled tbody tr")
    assert _farmers(page) == MEMBERS["COOP-B"]

    # coop_a: its own cooperative only, with its statements, and nothing of COOP-B's.
    page.click("#logout")
    login(page, live, "coop_a")
    assert nav_pages(page) == ["contracts", "trace"]
    page.wait_for_selector("#settled tbody tr")
    assert page.locator("#start-contracts").count() == 0  # cooperatives do not start runs
    assert page.locator("#coop-pick option").all_inner_texts() == ["COOP-A"]
    assert _farmers(page) == MEMBERS["COOP-A"]
    page.click('#statement-texts details[data-farmer="F01"] summary')
    text = page.inner_text('#statement-texts details[data-farmer="F01"] pre')
    assert "农户结算单" in text and "Farmer's settlement statement" in text and "元" in text
    body = page.inner_text("body")
    for other in MEMBERS["COOP-B"]:
        assert other not in body and f"农户{other[1:]}" not in body
    status = page.evaluate(
        "async () => (await fetch('/counties/610425/cooperatives/COOP-B/settlement',"
        " {headers: {Authorization: 'Bearer ' + sessionStorage.getItem('rf.token')}})).status"
    )
    assert status == 403
    expect_refusals(page_log, 403)
    page.goto(f"{live.base}/app/contracts?coop=COOP-B")  # the API refuses; the page says so
    page.wait_for_selector("#contracts-problem[data-status='403']")
    # the page asks for several of COOP-B's reads at once: let every refusal arrive first
    page.wait_for_load_state("networkidle")
    expect_refusals(page_log, 403)


def test_a_cooperative_reads_its_contracts_on_a_phone(phone: Any, live: Live) -> None:
    """The contract cards, the designs and the settlement fit a 360 px phone (tables become
    one labelled card per row; a statement's text scrolls inside its box)."""
    login(phone, live, "coop_b")
    phone.wait_for_selector("#contracts .contract")
    phone.wait_for_selector("body[data-ready]")
    ids = phone.eval_on_selector_all(
        "#contracts .contract", "cs => cs.map(c => c.dataset.contract)"
    )
    assert ids == ["C-ORDER", "C-EQUITY", "C-FUND"]
    width = phone.evaluate("document.scrollingElement.scrollWidth")
    assert width <= 360, width
