"""The station services and talent pages in headless Chromium (issue 19 items 3-4): station
operator ``op_a`` (station T610425001) reads its ledger, records today's counts on a phone
(a negative count first, to see the API's message at the field, then the day twice, to see
the 409) and finds them in the ledger; it cannot open another station; the county admin sees
every station's season, the service gaps and the talent funnel; the English switch changes
every label of both pages.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from typing import Any

from test_centre_pages import (
    expect_refusals,
    get_json,
    login,
    logout,
    shot,
    switch_changes_every_label,
)

from browser_harness import Live, PageLog

STATION = "T610425001"
OTHER = "T610425002"


def status_of(live: Live, path: str, user: str) -> int:
    req = urllib.request.Request(
        live.base + path, headers={"Authorization": f"Bearer {live.token(user)}"}
    )
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return int(r.status)
    except urllib.error.HTTPError as e:
        return int(e.code)


def test_operator_records_a_day_on_a_phone(phone: Any, live: Live, page_log: PageLog) -> None:
    page = phone
    before = get_json(live, f"/counties/610425/stations/{STATION}/services", "op_a")
    assert before["count"] > 0
    login(page, live, "op_a")
    page.goto(f"{live.base}/app/services")
    page.wait_for_selector("body[data-ready] #ledger")
    rows = page.locator("#ledger tbody tr")
    assert rows.count() == before["count"]
    newest = before["days"][-1]
    assert newest["day"] in rows.nth(0).inner_text()
    assert (
        f"{newest['service_income_yuan']:,.2f}".rstrip("0").rstrip(".") in rows.nth(0).inner_text()
    )
    assert page.locator("#kpi-days .kpi-value").text_content() == str(before["count"])
    day = page.input_value("#svc-day")
    assert day > newest["day"]  # today, after the example's season

    # A negative count: the API's message at the field, nothing written.
    page.fill("#svc-payments-count", "-3")
    page.fill("#svc-payments-fee_yuan", "1.0")
    page.click("#record-submit")
    page.wait_for_selector("#record-problem:not([hidden])")
    assert page.get_attribute("#record-problem", "data-status") == "422"
    assert page.get_attribute("#svc-payments-count", "aria-invalid") == "true"
    msg = page.text_content(".service-row[data-service=payments] .field-error") or ""
    assert "count" in msg and "/" in msg, msg  # the bilingual detail, item and field named

    page.fill("#svc-payments-count", "41")
    page.fill("#svc-bills-count", "12")
    page.fill("#svc-bills-fee_yuan", "0.5")
    page.click("#record-submit")
    page.wait_for_selector("#record-saved:not([hidden])")
    assert day in page.text_content("#record-saved")
    page.wait_for_function(
        f"document.querySelectorAll('#ledger tbody tr').length === {before['count'] + 1}"
    )
    top = page.locator("#ledger tbody tr").nth(0)
    assert day in top.inner_text()
    assert top.locator("li[data-service=payments]").get_attribute("data-count") == "41"
    assert top.locator("li[data-service=bills]").get_attribute("data-count") == "12"
    assert "47" in top.locator("td").nth(2).inner_text()  # 41 x 1.0 + 12 x 0.5 yuan
    shot(page, "services-phone")
    after = get_json(live, f"/counties/610425/stations/{STATION}/services", "op_a")
    assert after["days"][-1]["day"] == day and after["days"][-1]["service_income_yuan"] == 47.0

    # The same day again: 409, the API's message shown.
    page.fill("#svc-bills-count", "3")
    page.click("#record-submit")
    page.wait_for_selector("#record-problem:not([hidden])")
    assert page.get_attribute("#record-problem", "data-status") == "409"
    assert "bills" in (page.text_content("#record-problem") or "")
    expect_refusals(page_log, 422, 409)

    # Another station: refused in the page, and by the API.
    page.goto(f"{live.base}/app/services?station={OTHER}")
    page.wait_for_selector("body[data-ready] #services-problem")
    assert page.get_attribute("#services-problem", "data-status") == "403"
    assert status_of(live, f"/counties/610425/stations/{OTHER}/services", "op_a") == 403
    page.goto(f"{live.base}/app/talent")
    page.wait_for_selector("body[data-ready]")
    assert page.locator("#cohorts").count() == 0  # not its page
    logout(page)


def test_admin_sees_gaps_and_the_talent_funnel(page: Any, live: Live) -> None:
    county = get_json(live, "/counties/610425/services", "admin")
    gaps = get_json(live, "/counties/610425/services/gaps", "admin")
    talent = get_json(live, "/counties/610425/talent?invite=10", "admin")
    login(page, live, "admin")
    page.goto(f"{live.base}/app/services")
    page.wait_for_selector("body[data-ready] #gaps")
    assert page.locator("#county-stations tbody tr").count() == len(county["stations"])
    lacking_services = [s for s, v in gaps["services"].items() if v["villages_lacking"]]
    assert lacking_services
    for s in lacking_services:
        row = page.locator("#gaps tbody tr", has=page.locator(f"[data-service={s}]"))
        assert f"{gaps['services'][s]['households_lacking']:,}" in row.inner_text()
    assert page.locator("#lacking tbody tr").count() == len(gaps["lacking"])
    shot(page, "services-gaps")
    switch_changes_every_label(page, "admin: services")

    # The picker: the township stations (then villages with a ledger); it opens a ledger.
    places = get_json(live, "/counties/610425/places", "admin")["data"]
    towns = [p["id"] for p in places if p["kind"] == "township_station"]
    options = page.eval_on_selector_all("#station-pick option", "os => os.map(o => o.value)")
    assert options[1 : len(towns) + 1] == towns
    assert {s["station"] for s in county["stations"]} <= set(options)
    page.select_option("#station-pick", STATION)
    page.wait_for_url(f"**/app/services?station={STATION}")
    page.wait_for_selector("body[data-ready] #ledger")
    assert page.locator("#record").count() == 1
    switch_changes_every_label(page, "admin: services?station")

    page.goto(f"{live.base}/app/talent")
    page.wait_for_selector("body[data-ready] #cohorts")
    assert page.locator("#cohorts tbody tr").count() == len(talent["cohorts"])
    c0 = talent["cohorts"][0]
    row = page.locator("#cohorts tbody tr").nth(0)
    for s in talent["stages"]:
        assert row.locator(f"[data-stage={s}]").get_attribute("data-n") == str(c0["funnel"][s])
    assert f"{c0['sales_yuan']:,.2f}" in row.inner_text()
    total = sum(c["sales_yuan"] for c in talent["cohorts"])
    assert page.text_content("#kpi-sales .kpi-value") == f"{total:,.2f}".rstrip("0").rstrip(".")
    assert page.locator("#invite-next tbody tr").count() == len(talent["invite_next"]) > 0
    assert (
        talent["invite_next"][0]["name"]
        in page.locator("#invite-next tbody tr").nth(0).inner_text()
    )
    shot(page, "talent")
    switch_changes_every_label(page, "admin: talent")
    logout(page)


def test_operator_page_switches_language(page: Any, live: Live) -> None:
    login(page, live, "op_a")
    page.goto(f"{live.base}/app/services")
    page.wait_for_selector("body[data-ready] #record")
    page.fill("#svc-repairs-count", "7")
    switch_changes_every_label(page, "op_a: services")
    assert page.input_value("#svc-repairs-count") == "7"  # the switch keeps what was typed
    logout(page)


def test_a_coarse_county_without_ledger_or_cohorts(
    page: Any, live: Live, page_log: PageLog
) -> None:
    gaps = get_json(live, "/counties/620621/services/gaps", "admin620")
    assert gaps["ledger_rows"] == 0
    login(page, live, "admin620")
    page.goto(f"{live.base}/app/services")
    page.wait_for_selector("body[data-ready] #gaps")
    assert page.locator("#county-stations").count() == 1  # "no services recorded yet"
    assert page.locator("#lacking tbody tr").count() == len(gaps["lacking"]) > 0
    page.goto(f"{live.base}/app/talent")
    page.wait_for_selector("body[data-ready] #talent-problem:not([hidden])")
    assert page.get_attribute("#talent-problem", "data-status") == "404"
    assert "talent_cohorts.csv" in (page.text_content("#talent-problem") or "")
    expect_refusals(page_log, 404)
    logout(page)
