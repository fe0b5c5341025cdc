"""The dashboard in headless Chromium: log in, record at a station, see it on the county
overview, run a plan and see its routes on the map, switch every label to English, and keep a
station operator out of another station's page.

``RURALFLOW_SCREENSHOTS=docs/img`` makes the tests write screenshots of the main pages there
(``scripts/dashboard-screenshots.sh`` does it and shrinks them).
"""

from __future__ import annotations

import math
import os
import re
from pathlib import Path
from typing import Any

import pytest

from browser_harness import Live, PageLog

STATION_A, STATION_B = "T610425001", "T610425101"
SHOTS = os.environ.get("RURALFLOW_SCREENSHOTS", "")


def shot(page: Any, name: str, *, full: bool = True) -> None:
    """A PNG of the page in $RURALFLOW_SCREENSHOTS (nothing when it is unset)."""
    if not SHOTS:
        return
    out = Path(SHOTS)
    out.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(400)  # ECharts' entry animation
    page.screenshot(path=str(out / f"dashboard-{name}.png"), full_page=full)


def expect_refusals(log: PageLog, *statuses: int) -> None:
    """Drop Chromium's console line for responses the test asked for (4xx by design)."""
    codes = "|".join(str(s) for s in statuses)
    pat = re.compile(rf"status of ({codes})\b")
    log.errors[:] = [e for e in log.errors if not pat.search(e)]


def login(page: Any, live: Live, user: str) -> None:
    page.goto(f"{live.base}/app/login")
    page.fill("#username", user)
    page.fill("#password", live.password)
    page.click("#login-submit")
    page.wait_for_selector("#me-name")
    assert page.text_content("#me-name") == user


def nav_pages(page: Any) -> list[str]:
    return list(page.eval_on_selector_all("nav.links a", "as => as.map(a => a.dataset.page)"))


def test_operator_records_intake_and_the_admin_sees_it(
    phone: Any, live: Live, page_log: PageLog
) -> None:
    page = phone
    login(page, live, "op_a")
    assert page.url.endswith("/app/station")
    assert nav_pages(page) == ["station", "services"]
    page.wait_for_selector("#intake-form")
    assert page.input_value("#intake-day")  # today, by default

    # The API's validation message, shown at the field (the form does not check by itself).
    page.fill("#intake-kg", "-3")
    page.fill("#intake-farmer", "F-DASH-1")
    page.click("#intake-submit")
    page.wait_for_selector("#intake-problem:not([hidden])")
    assert page.get_attribute("#intake-problem", "data-status") == "422"
    assert "greater than 0" in page.text_content("[data-for=kg]")
    assert page.get_attribute("#intake-kg", "aria-invalid") == "true"

    page.fill("#intake-kg", "123.4")
    page.click("#intake-submit")
    page.wait_for_selector("#intake-saved:not([hidden])")
    row = page.locator("#intake-list tbody tr", has_text="F-DASH-1")
    assert "123.4" in row.inner_text()
    shot(page, "station-phone")

    # A correction keeps the record (version 2) and asks why.
    row.locator("button.edit").click()
    page.wait_for_selector("#intake-reason", state="visible")
    page.fill("#intake-kg", "120.5")
    page.fill("#intake-reason", "复秤 / re-weighed")
    page.click("#intake-submit")
    page.wait_for_selector("#intake-list tbody tr:has-text('120.5')")
    row = page.locator("#intake-list tbody tr", has_text="F-DASH-1")
    assert re.search(r"\b2\b", row.inner_text())
    row.locator("button.hist").click()
    page.wait_for_selector("#intake-history tbody tr >> nth=1")

    # A delivery on the same page.
    page.fill("#deliveries-parcels", "4")
    page.fill("#deliveries-kg", "6.5")
    page.fill("#deliveries-recipient", "R-DASH-1")
    page.click("#deliveries-submit")
    page.wait_for_selector("#deliveries-list tbody tr:has-text('R-DASH-1')")

    # A day's intake as CSV: one bad row and nothing is written (the message names the row).
    header = b"day,product,kg,farmer,grade\n"
    bad = header + b"2026-12-04,apple,10,F-CSV-1,A\n2026-12-04,apple,-1,F-CSV-2,A\n"
    csv_file = {"name": "intake.csv", "mimeType": "text/csv"}
    page.set_input_files("#upload-file", files=[{**csv_file, "buffer": bad}])
    page.click("#upload-submit")
    page.wait_for_selector("#upload-problem:not([hidden])")
    assert "row 3" in page.text_content("#upload-problem")
    assert page.locator("#intake-list tbody tr", has_text="F-CSV-1").count() == 0
    good = header + b"2026-12-04,kiwifruit,15.5,F-CSV-1,B\n"
    page.set_input_files("#upload-file", files=[{**csv_file, "buffer": good}])
    page.click("#upload-submit")
    page.wait_for_selector("#intake-list tbody tr:has-text('F-CSV-1')")

    page.click("#logout")
    page.wait_for_url("**/app/login")
    login(page, live, "admin")
    assert page.url.endswith("/app/overview")
    page.wait_for_selector("#recent-intake")
    recent = page.locator("#recent-intake tbody tr", has_text="F-DASH-1").inner_text()
    assert STATION_A in recent and "120.5" in recent and "op_a" in recent
    assert int(page.text_content("#kpi-intake .kpi-value").replace(",", "")) >= 1
    # Today has station intake now, so the overview shows today's flows: the station's row.
    assert page.locator("[data-i18n='ov.day_rule.today']").count() == 1
    intake_cells = page.locator(
        f"#station-flows tbody tr:has-text('{STATION_A}') td[data-label-key='ov.day_intake']"
    )
    assert int(intake_cells.inner_text()) == 2  # the corrected record and the CSV row
    expect_refusals(page_log, 422)  # the one invalid intake above


def test_a_plan_run_draws_its_routes_on_the_map(page: Any, live: Live) -> None:
    login(page, live, "admin")
    page.goto(f"{live.base}/app/plan")
    page.wait_for_selector("body[data-ready]")
    assert page.evaluate("document.getElementById('plan-map').dataset.routes") == "0"
    plan_day = page.input_value("#plan-day")  # the busiest day (today has no parcels)
    page.fill("#plan-time-limit", "1")
    page.click("#start-plan")
    page.wait_for_selector("#run-status[data-status=done]", timeout=90_000)
    page.wait_for_selector("#routes")
    option = page.evaluate(
        """() => {
        const o = echarts.getInstanceByDom(document.getElementById('plan-map')).getOption();
        return {
          maps: o.geo.map(g => g.map),
          routes: o.series.filter(s => s.type === 'lines' && s.id.startsWith('route:'))
                         .map(s => ({id: s.id, lines: s.data.length,
                                     points: s.data.reduce((n, d) => n + d.coords.length, 0)})),
          ids: o.series.map(s => s.id),
        };
      }"""
    )
    rows = page.locator("#routes tbody tr").count()
    assert rows > 0
    assert len(option["routes"]) == rows
    assert all(r["lines"] >= 1 and r["points"] >= 3 for r in option["routes"])
    assert option["maps"] == ["county-610425"]
    assert {"places", "bus", "not-carried"} <= set(option["ids"])
    assert float(page.evaluate("document.getElementById('run-progress').value")) == 1.0
    shot(page, "plan")

    # Its route sheet, one vehicle.
    page.locator("#routes tbody tr >> nth=0").locator("a").click()
    page.wait_for_selector("section.sheet")
    assert page.locator("section.sheet").count() == 1
    stops = page.locator("section.sheet tbody tr").count()
    assert stops >= 3
    assert "HUB" in page.locator("section.sheet tbody tr >> nth=0").inner_text()
    shot(page, "sheet")
    # On a phone each stop is a card with its labels (no table header).
    page.set_viewport_size({"width": 360, "height": 740})
    thead = "getComputedStyle(document.querySelector('section.sheet thead')).display"
    assert page.evaluate(thead) == "none"
    label = "getComputedStyle(document.querySelector('section.sheet td'), '::before').content"
    assert "序号" in page.evaluate(label)
    shot(page, "sheet-phone", full=False)
    page.set_viewport_size({"width": 1280, "height": 900})
    assert page.evaluate(thead) != "none"
    page.emulate_media(media="print")
    assert page.evaluate("getComputedStyle(document.getElementById('nav')).display") == "none"
    page.emulate_media(media="screen")

    page.goto(f"{live.base}/app/overview?day={plan_day}")
    page.wait_for_selector("#plan-kpis")
    assert page.locator("[data-i18n='ov.day_rule.asked']").count() == 1
    shot(page, "overview")


ADMIN_PAGES = [
    "overview",
    "plan",
    "sheets",
    f"station?station={STATION_A}",
    "siting",
    "season",
    "matrix",
    "contracts",
    "trace",
]

_LABELS = (
    "() => [...document.querySelectorAll('[data-i18n]')].map(e => [e.dataset.i18n, e.textContent])"
)


def switch_changes_every_label(page: Any, name: str) -> None:
    """Every element with data-i18n is in the dictionary, and the switch changes its text."""
    assert page.evaluate("document.documentElement.lang") == "zh-CN"
    zh = page.evaluate(_LABELS)
    assert len(zh) >= 5, name
    keys = {k for k, _ in zh}
    missing = page.evaluate(
        "async (keys) => { const m = await import('/static/app/i18n.js');"
        " return keys.filter(k => !(k in m.DICT)); }",
        sorted(keys),
    )
    assert not missing, f"{name}: labels not in the dictionary: {missing}"
    assert any(re.search(r"[\u4e00-\u9fff]", text) for _, text in zh), name
    page.click("#lang-switch")
    page.wait_for_function("document.documentElement.lang === 'en'")
    page.wait_for_timeout(150)
    en = page.evaluate(_LABELS)
    assert len(en) == len(zh), name
    same = [(k, a) for (k, a), (_, b) in zip(zh, en, strict=True) if a == b or not b.strip()]
    assert not same, f"{name}: labels the switch did not change: {same}"


def test_the_english_switch_changes_every_label(page: Any, live: Live) -> None:
    page.goto(f"{live.base}/app/login")
    pages = [("login", None)]
    login(page, live, "admin")
    pages += [(p, p) for p in ADMIN_PAGES]
    page.goto(f"{live.base}/app/login")
    for name, path in pages:
        if path is not None:
            page.goto(f"{live.base}/app/{path}")
            page.wait_for_selector("#me-name")
        page.wait_for_selector("body[data-ready]")
        switch_changes_every_label(page, name)
        if name == "station?station=" + STATION_A:
            shot(page, "station-en")
        page.click("#lang-switch")  # back to Chinese for the next page
        page.wait_for_function("document.documentElement.lang === 'zh-CN'")


def test_a_station_operator_sees_only_its_own_station(
    page: Any, live: Live, page_log: PageLog
) -> None:
    login(page, live, "op_a")
    assert nav_pages(page) == ["station", "services"]
    page.goto(f"{live.base}/app/station?station={STATION_B}")
    page.wait_for_selector("#station-problem")
    assert page.get_attribute("#station-problem", "data-status") == "403"
    assert page.locator("#intake-form").count() == 0
    # The API refuses it as well, whatever the page does.
    status = page.evaluate(
        "async (p) => (await fetch(p, {headers: {Authorization: "
        "'Bearer ' + sessionStorage.getItem('rf.token')}})).status",
        f"/counties/610425/stations/{STATION_B}/intake",
    )
    assert status == 403
    expect_refusals(page_log, 403)
    page.goto(f"{live.base}/app/overview")
    page.wait_for_selector("main .problem[data-status='403']")
    assert page.locator("#county-kpis").count() == 0


def test_a_logistics_operator_sees_the_plan_and_the_sheets(page: Any, live: Live) -> None:
    login(page, live, "logi")
    assert page.url.endswith("/app/plan")
    assert nav_pages(page) == ["plan", "sheets"]
    page.wait_for_selector("body[data-ready]")


def test_a_cooperative_sees_its_statements(page: Any, live: Live) -> None:
    login(page, live, "coop_a")
    assert nav_pages(page) == ["contracts", "trace"]
    page.wait_for_selector("#members")
    assert page.locator("#coop-pick option").all_inner_texts() == ["COOP-A"]


def test_a_county_without_a_polygon_gets_a_box_around_its_places(page: Any, live: Live) -> None:
    login(page, live, "admin620")
    page.goto(f"{live.base}/app/plan")
    page.wait_for_selector("#map-box-note")
    page.wait_for_selector("#no-plan")
    maps = page.evaluate(
        "() => echarts.getInstanceByDom(document.getElementById('plan-map'))"
        ".getOption().geo.map(g => g.map)"
    )
    assert maps == ["county-620621"]
    # figures.js draws it (as the report): aspect = cos(middle latitude of the outline), the
    # map placed by centre and size (not four edges, which would stretch it), a scale bar
    geo, lats, graphic = page.evaluate(
        """() => {
        const o = echarts.getInstanceByDom(document.getElementById('plan-map')).getOption();
        const ring = echarts.getMap('county-620621').geoJSON.features[0].geometry.coordinates[0];
        return [o.geo[0], ring.map((c) => c[1]), o.graphic[0].elements.map((e) => e.id)];
      }"""
    )
    mid = (min(lats) + max(lats)) / 2
    assert 38 < mid < 40  # Minqin
    assert abs(geo["aspectScale"] - math.cos(math.radians(mid))) < 1e-3
    assert geo["layoutCenter"] and geo["layoutSize"]
    assert "scalebar" in graphic


def test_unknown_pages_are_404(live: Live) -> None:
    import urllib.error
    import urllib.request

    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(live.base + "/app/nope", timeout=10)
    assert e.value.code == 404
    assert e.value.headers["content-type"].startswith("application/problem+json")
