"""The dashboard's run pages (siting, season, value matrix) on real runs, and the trace page's
event timeline from the log."""

from __future__ import annotations

import json
import time
import urllib.request
from pathlib import Path
from typing import Any

from test_dashboard import login, shot, switch_changes_every_label

from browser_harness import Live


def _api(live: Live, token: str, path: str, body: Any = None, ctype: str = "") -> Any:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Authorization": f"Bearer {token}"}
    if data is not None:
        headers["Content-Type"] = ctype or "application/json"
    req = urllib.request.Request(live.base + path, data=data, headers=headers)
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read() or b"null")


def _wait_done(live: Live, token: str, run: dict[str, Any]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        r = _api(live, token, f"/counties/610425/runs/{run['id']}")
        if r["status"] not in ("queued", "running"):
            assert r["status"] == "done", r["message"]
            return
        time.sleep(0.5)
    raise AssertionError("the run did not finish")


def test_siting_season_and_matrix_pages_show_their_runs(page: Any, live: Live) -> None:
    token = live.token("admin")
    runs = "/counties/610425/runs"
    season = _api(live, token, runs, {"kind": "season", "params": {"limit": 20}})
    login(page, live, "admin")
    page.goto(f"{live.base}/app/siting")
    page.wait_for_selector("#start-site")
    page.wait_for_selector("#site-body [data-i18n='common.no_run']")
    page.fill("#site-time-limit", "2")
    page.click("#start-site")
    page.wait_for_selector("#run-status[data-status=done]", timeout=120_000)
    page.wait_for_selector("#sites tbody tr")
    sites = page.locator("#sites tbody tr").count()
    option = page.evaluate(
        "() => echarts.getInstanceByDom(document.getElementById('site-map')).getOption()"
        ".series.map(s => [s.id, s.data.length])"
    )
    assert dict(option)["new"] + dict(option)["existing"] == sites
    assert dict(option)["new"] >= 1
    assert (
        page.text_content("#site-figures dt[data-figure=households_added]") == "新增覆盖户数(户)"
    )
    assert "households_added" not in page.inner_text("#site-body")
    assert "[object" not in page.inner_text("body")
    assert page.locator("#site-curve-table tbody tr").count() >= 2
    points = page.evaluate(  # the curve is drawn: one point per number of new sites
        "() => echarts.getInstanceByDom(document.getElementById('site-curve'))"
        ".getOption().series[0].data.length"
    )
    assert points == page.locator("#site-curve-table tbody tr").count()
    shot(page, "siting")
    switch_changes_every_label(page, "siting with a result")
    page.click("#lang-switch")

    _wait_done(live, token, season)
    matrix = _api(live, token, runs, {"kind": "matrix", "params": {}})
    page.goto(f"{live.base}/app/season")
    page.wait_for_selector("#season-figures")
    # labelled figures, not field names: the events and batches with their units
    assert page.text_content("#season-figures dt[data-figure=n_events]") == "追溯事件(个)"
    assert page.text_content("#season-figures dd[data-figure=n_batches]") == "20"
    assert "n_events" not in page.inner_text("#season-body")
    assert page.locator("#season-batches tbody tr").count() == 20
    assert "[object" not in page.inner_text("body")
    page.wait_for_function(  # events per stage, harvest .. sale
        "() => { const c = echarts.getInstanceByDom(document.getElementById('season-stages'));"
        " return c && c.getOption().series[0].data.length >= 5; }"
    )
    shot(page, "season")
    switch_changes_every_label(page, "season with a result")
    page.click("#lang-switch")
    # The trace page lists the season run's batches.
    page.goto(f"{live.base}/app/trace")
    page.wait_for_selector("#batches tbody tr")
    assert page.locator("#batches tbody tr").count() >= 1

    _wait_done(live, token, matrix)
    page.goto(f"{live.base}/app/matrix")
    page.wait_for_selector("#matrix-figures")
    assert page.locator("#run-status[data-status=done]").count() == 1
    total = page.text_content("#matrix-figures dt[data-figure=total_value]")
    assert total == "总价值(元/年)", total
    assert page.locator("#matrix-parameters tbody tr").count() >= 5
    assert "total_value" not in page.inner_text("#matrix-body")
    assert "[object" not in page.inner_text("body")
    page.wait_for_function(  # one bar per flow: goods and services down, products and tourism up
        "() => { const c = echarts.getInstanceByDom(document.getElementById('matrix-flows'));"
        " return c && c.getOption().series[0].data.length >= 2; }"
    )
    shot(page, "matrix")
    assert page.text_content("#matrix-kpis .kpi-value").replace(",", "").isdigit()
    switch_changes_every_label(page, "matrix with a result")
    assert page.text_content("#matrix-figures dt[data-figure=total_value]") == (
        "Total value (yuan/year)"
    )


def test_the_trace_page_draws_an_epc_timeline_from_the_log(
    page: Any, live: Live, shared: Path
) -> None:
    doc = (shared / "conformance/epcis/JSON/Example_9.6.1-ObjectEvent.jsonld").read_bytes()
    token = live.token("admin")
    req = urllib.request.Request(
        live.base + "/epcis/capture",
        data=doc,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/ld+json"},
    )
    with urllib.request.urlopen(req, timeout=30) as r:
        assert r.status == 202
        job = r.headers["Location"]
    deadline = time.monotonic() + 30
    while _api(live, token, job)["running"] and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _api(live, token, job)["success"]
    login(page, live, "admin")
    page.goto(f"{live.base}/app/trace")
    page.fill("#epc-input", "urn:epc:id:sgtin:0614141.107346.2018")
    page.click("#epc-submit")
    page.wait_for_selector("#timeline li")
    steps = page.eval_on_selector_all("#timeline li", "ls => ls.map(l => l.dataset.step)")
    assert steps[:2] == ["shipping", "receiving"]  # in event-time order
    shot(page, "trace")
    page.goto(f"{live.base}/app/trace?epc=urn:epc:id:sgtin:0614141.107346.9999")
    page.wait_for_selector("#timeline-empty")
