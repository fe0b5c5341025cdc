"""The county service centre's pages in headless Chromium (issue 19): an applicant finds a
policy in the one-stop window and applies; the commerce bureau reviews and approves it; the
centre overview counts it; a visitor (no login, on a phone) opens the cloud expo, reads a
product and sends an enquiry, which the county admin sees as a lead; the English switch
changes every label of these pages.

The window's "today" is fixed (``app.state.centre_today``) so the example catalogue's periods
give the same answer whatever the date. ``RURALFLOW_SCREENSHOTS=DIR`` writes screenshots of
the pages there (``centre-*.png``).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from consumer_data import capture_gs1_lot

from browser_harness import Live, PageLog

TODAY = dt.date(2025, 6, 20)
POLICY = "com-ec-training"  # commerce; open to cooperatives (COOP-A is applicant_a)
SHOTS = os.environ.get("RURALFLOW_SCREENSHOTS", "")


def shot(page: Any, name: str) -> None:
    """A PNG of the page in $RURALFLOW_SCREENSHOTS (nothing when it is unset)."""
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"centre-{name}.png"), full_page=True)


@pytest.fixture(scope="module", autouse=True)
def centre_today(live: Live) -> Iterator[None]:
    server, _thread = live._server
    server.config.app.state.centre_today = TODAY
    yield


def get_json(live: Live, path: str, user: str | None = None) -> Any:
    headers = {"Accept": "application/json"}
    if user:
        headers["Authorization"] = f"Bearer {live.token(user)}"
    req = urllib.request.Request(live.base + path, headers=headers)
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())


def shown_products(live: Live) -> list[str]:
    return [p["product"] for p in get_json(live, "/public/counties/610425/expo")["data"]]


def login(page: Any, live: Live, user: str) -> None:
    page.goto(f"{live.base}/app/login")
    page.fill("#username", user)
    page.fill("#password", live.password)
    page.click("#login-submit")
    page.wait_for_selector("#me-name")
    assert page.text_content("#me-name") == user
    page.wait_for_selector("body[data-ready]")


def logout(page: Any) -> None:
    page.click("#logout")
    page.wait_for_url("**/app/login")


def nav_pages(page: Any) -> list[str]:
    return list(page.eval_on_selector_all("nav.links a", "as => as.map(a => a.dataset.page)"))


def expect_refusals(log: PageLog, *statuses: int) -> None:
    """Drop Chromium's console line for responses the test asked for (4xx by design)."""
    codes = "|".join(str(s) for s in statuses)
    pat = re.compile(rf"status of ({codes})\b")
    log.errors[:] = [e for e in log.errors if not pat.search(e)]


def kpi(page: Any, sel: str) -> float:
    return float(page.text_content(f"{sel} .kpi-value").replace(",", ""))


def test_apply_approve_and_count(page: Any, live: Live, page_log: PageLog) -> None:
    before = get_json(live, "/counties/610425/centre/overview", "admin")
    by = before["applications_by_status"]

    # The applicant: every eligible policy across bureaus, with documents; the others with why.
    login(page, live, "applicant_a")
    assert page.url.endswith("/app/centre")
    assert nav_pages(page) == ["centre"]
    elig = get_json(live, "/counties/610425/centre/eligible?all=true", "applicant_a")
    open_ids = [p["id"] for p in elig["data"] if p["eligible"]]
    cards = page.eval_on_selector_all(
        "#eligible section.policy", "cs => cs.map(c => c.dataset.policy)"
    )
    assert cards == open_ids and POLICY in cards
    assert len({p["bureau"] for p in elig["data"] if p["eligible"]}) >= 2  # across bureaus
    assert kpi(page, "#kpi-eligible") == len(open_ids)
    card = page.locator(f"section.policy[data-policy={POLICY}]")
    assert "商务局" in card.inner_text() and "5,000" in card.inner_text()
    assert card.locator("ul.documents li").count() >= 2
    closed = [p for p in elig["data"] if not p["eligible"]]
    rows = page.locator("#ineligible tbody tr")
    assert rows.count() == len(closed) > 0
    assert closed[0]["reasons"][0] in rows.nth(0).inner_text()
    shot(page, "window")

    # The API's refusal shown at the form (more than the policy gives), then the application.
    form = f"#apply-{POLICY}"
    page.fill(f"{form}-amount_yuan", "999999")
    page.click(f"{form}-submit")
    page.wait_for_selector(f"{form}-problem:not([hidden])")
    assert page.get_attribute(f"{form}-problem", "data-status") == "422"
    page.fill(f"{form}-amount_yuan", "4800")
    page.fill(f"{form}-note", "村播培训 30 人 / 30 trainees")
    page.click(f"{form}-submit")
    page.wait_for_selector("#apply-saved")
    app_id = page.text_content("#apply-saved").split()[-1]
    assert re.fullmatch(r"W[0-9A-F]{11}", app_id), app_id
    row = page.locator("#my-applications tbody tr", has_text=app_id)
    assert row.locator("[data-status=submitted]").count() == 1
    assert "4,800" in row.inner_text()
    assert page.locator(f"section.policy[data-policy={POLICY}] .applied").count() == 1
    assert page.locator(f"{form}").count() == 0  # once per policy
    expect_refusals(page_log, 422)

    # The bureau: only its policies' applications; reviewing, then approved, with the note.
    logout(page)
    login(page, live, "bureau_com")
    assert page.url.endswith("/app/centre-review")
    assert nav_pages(page) == ["centre-review", "centre-overview"]
    rows = page.locator("#review-list tbody tr")
    assert rows.count() >= 1
    assert all("(com-" in t for t in rows.all_inner_texts())
    row = page.locator("#review-list tbody tr", has_text=app_id)
    row.locator("button.move-reviewing").click()
    page.wait_for_selector(f"#review-saved:has-text('{app_id}')")
    row = page.locator("#review-list tbody tr", has_text=app_id)
    assert row.locator("[data-status=reviewing]").count() == 1
    row.locator("input.note").fill("材料齐全 / documents complete")
    row.locator("button.move-approved").click()
    page.wait_for_selector("#review-saved:has-text('approved')")
    row = page.locator("#review-list tbody tr", has_text=app_id)
    assert row.locator("[data-status=approved]").count() == 1
    assert "bureau_com" in row.inner_text()
    assert row.locator("button.move-paid").count() == 1  # approved -> paid is next
    history = page.locator(f"#history-{app_id} li")
    assert history.count() == 3
    assert "documents complete" in history.nth(2).inner_text()
    shot(page, "review")

    # The applicant sees the decision in its history.
    logout(page)
    login(page, live, "applicant_a")
    row = page.locator("#my-applications tbody tr", has_text=app_id)
    assert row.locator("[data-status=approved]").count() == 1
    row.locator("button.hist").click()
    page.wait_for_selector(f"#history-{app_id} li >> nth=2")

    # The county admin's overview counts it, beside the overlap and fragmentation figures.
    logout(page)
    login(page, live, "admin")
    page.goto(f"{live.base}/app/centre-overview")
    page.wait_for_selector("#status-kpis")
    assert kpi(page, "#kpi-status-approved") == by.get("approved", 0) + 1
    assert kpi(page, "#kpi-status-total") == sum(by.values()) + 1
    assert kpi(page, "#kpi-granted") == pytest.approx(before["granted_yuan"] + 4800)
    an = before["analysis"]
    assert kpi(page, "#kpi-overlaps") == len(an["overlapping_policies"]) == 10
    assert page.locator("#overlaps tbody tr").count() == 10
    assert page.locator("#double-funded tbody tr").count() == len(an["double_funded"]) == 3
    assert "COOP-A" in page.locator("#double-funded").inner_text()
    frag = an["fragmentation"]
    assert page.text_content("#kpi-hhi .kpi-value") == f"{frag['overall_hhi']:.3f}"
    assert page.locator("#fragmentation tbody tr").count() == len(frag["by_purpose"])
    shot(page, "overview")


def test_a_bureau_and_an_applicant_see_only_their_pages(
    page: Any, live: Live, page_log: PageLog
) -> None:
    login(page, live, "applicant_a")
    page.goto(f"{live.base}/app/centre-review")
    page.wait_for_selector("main .problem[data-status='403']")
    assert page.locator("#review-list").count() == 0
    page.goto(f"{live.base}/app/centre")
    page.wait_for_selector("body[data-ready]")
    logout(page)
    login(page, live, "bureau_com")
    page.goto(f"{live.base}/app/centre")
    page.wait_for_selector("main .problem[data-status='403']")
    page.goto(f"{live.base}/app/centre-overview")
    page.wait_for_selector("#status-kpis")
    # The bureau's counts are its own policies' applications only.
    mine = get_json(live, "/counties/610425/centre/applications", "bureau_com")["count"]
    assert kpi(page, "#kpi-status-total") == mine


def test_a_visitor_reads_the_expo_and_sends_an_enquiry(
    phone: Any, live: Live, page_log: PageLog
) -> None:
    page = phone
    lot = capture_gs1_lot(live)  # a traced apple lot, so the page has a trace code
    listing = get_json(live, "/public/counties/610425/expo")
    page.goto(f"{live.base}/app/expo?county=610425")
    page.wait_for_selector("#expo-products")
    shown = page.eval_on_selector_all(
        "#expo-products article.product", "as => as.map(a => a.dataset.product)"
    )
    assert shown == [p["product"] for p in listing["data"]] and "apple" in shown
    shot(page, "expo-phone")
    page.locator("article.product[data-product=apple] a.product-link").click()
    page.wait_for_selector("#product-name[data-product=apple]")
    assert "苹果" in page.text_content("#product-name")
    apple = get_json(live, "/public/counties/610425/expo/apple")
    brand = page.text_content("#product-brand")
    assert "礼泉苹果" in brand
    assert page.get_attribute("#product-brand [data-gi]", "data-gi") == apple["gi_status"]
    grades = page.locator("#product-grades tbody tr")
    assert grades.count() == len(apple["grades"]) > 0
    av = apple["availability"]
    assert kpi(page, "#kpi-supply") == round(av["supply_kg"])
    assert f"{av['first_day']} – {av['last_day']}" in page.text_content("#kpi-season")
    hrefs = page.eval_on_selector_all(
        "#trace-codes a.trace-code", "as => as.map(a => a.getAttribute('href'))"
    )
    assert hrefs == [c["url"] for c in apple["trace_codes"]] and lot.path in hrefs
    req = urllib.request.Request(live.base + lot.path, headers={"Accept": "text/html"})
    with urllib.request.urlopen(req, timeout=30) as r:
        assert r.status == 200 and r.headers["content-type"].startswith("text/html")

    # The API's messages at the fields, then the enquiry.
    page.fill("#enquiry-form-contact", "1")
    page.click("#enquiry-form-submit")
    page.wait_for_selector("#enquiry-form-problem:not([hidden])")
    assert page.get_attribute("#enquiry-form-problem", "data-status") == "422"
    assert page.get_attribute("#enquiry-form-name", "aria-invalid") == "true"
    assert page.text_content("#enquiry-form [data-for=contact]")
    shot(page, "expo-product-phone")
    page.fill("#enquiry-form-name", "陈经理")
    page.fill("#enquiry-form-contact", "chen@example.org")
    page.fill("#enquiry-form-organisation", "西安果品批发市场（示例）")
    page.select_option("#enquiry-form-channel", "wholesale")
    page.fill("#enquiry-form-kg", "5000")
    page.fill("#enquiry-form-message", "请报 A 级价格 / A-grade price please")
    page.click("#enquiry-form-submit")
    page.wait_for_selector("#enquiry-sent")
    lead = int(page.get_attribute("#enquiry-sent", "data-lead") or "0")
    paths = [urllib.parse.urlsplit(u).path for u in page_log.requests]
    assert not [p for p in paths if p.startswith(("/auth/", "/counties/"))]  # no login
    expect_refusals(page_log, 422)

    leads = get_json(live, "/counties/610425/centre/leads", "admin")["data"]
    got = next(x for x in leads if x["id"] == lead)
    assert (got["product"], got["channel"], got["kg"], got["status"]) == (
        "apple",
        "wholesale",
        5000.0,
        "new",
    )


def test_the_expo_of_a_coarse_county_and_of_no_county(
    page: Any, live: Live, page_log: PageLog
) -> None:
    listing = get_json(live, "/public/counties/620621/expo")
    page.goto(f"{live.base}/app/expo?county=620621")
    page.wait_for_selector("#expo-products")
    assert page.locator("article.product").count() == listing["count"] > 0
    first = listing["data"][0]["product"]
    page.goto(f"{live.base}/app/expo?county=620621&product={first}")
    page.wait_for_selector("#product-name")
    assert page.get_attribute("#product-brand [data-gi]", "data-gi") == "unknown"
    page.goto(f"{live.base}/app/expo?county=999999")
    page.wait_for_selector("#expo-problem:not([hidden])")
    assert page.get_attribute("#expo-problem", "data-status") == "404"
    assert "999999" in page.text_content("#expo-problem")
    expect_refusals(page_log, 404)


def test_the_admin_sees_the_leads_and_curates_the_expo(page: Any, live: Live) -> None:
    body = json.dumps({"name": "王", "contact": "13800000000", "channel": "live_stream"})
    req = urllib.request.Request(
        f"{live.base}/public/counties/610425/expo/kiwifruit/enquiries",
        data=body.encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=30) as r:
        lead = json.loads(r.read())["id"]
    login(page, live, "admin")
    assert "expo-leads" in nav_pages(page) and "expo" in nav_pages(page)
    page.goto(f"{live.base}/app/expo-leads")
    page.wait_for_selector("#leads")
    row = page.locator("#leads tbody tr", has_text="13800000000")
    assert row.locator("[data-status=new]").count() == 1
    row.locator("button.move-contacted").click()
    page.wait_for_selector(f"#leads-saved:has-text('#{lead}')")
    row = page.locator("#leads tbody tr", has_text="13800000000")
    assert row.locator("[data-status=contacted]").count() == 1
    assert "admin" in row.inner_text()
    shot(page, "leads")

    # Hide peach: the public expo no longer lists it.
    form = page.locator("form.curate[data-product=peach]")
    form.locator("input[name=shown]").uncheck()
    form.locator("input[name=headline]").fill("下季再会 / next season")
    with page.expect_response(lambda r: r.request.method == "PUT") as put:
        form.locator("button").click()
    assert put.value.status == 200
    page.wait_for_selector("#leads-saved:has-text('peach')")
    assert "peach" not in [
        p["product"] for p in get_json(live, "/public/counties/610425/expo")["data"]
    ]
    form = page.locator("form.curate[data-product=peach]")
    # the hidden product's curation is read back (GET .../centre/expo/peach), not lost
    assert not form.locator("input[name=shown]").is_checked()
    assert form.locator("input[name=headline]").input_value() == "下季再会 / next season"
    form.locator("input[name=shown]").check()
    with page.expect_response(lambda r: r.request.method == "PUT") as put:
        form.locator("button").click()
    assert put.value.status == 200
    assert "peach" in [
        p["product"] for p in get_json(live, "/public/counties/610425/expo")["data"]
    ]


_LABELS = (
    "() => [...document.querySelectorAll('[data-i18n]')].map(e => [e.dataset.i18n, e.textContent])"
)


def switch_changes_every_label(page: Any, name: str) -> None:
    """Every element with data-i18n is in the dictionary, and the switch changes its text."""
    page.wait_for_selector("body[data-ready]")
    assert page.evaluate("document.documentElement.lang") == "zh-CN", name
    zh = page.evaluate(_LABELS)
    assert len(zh) >= 5, name
    missing = page.evaluate(
        "async (keys) => { const m = await import('/static/app/i18n.js');"
        " return keys.filter(k => !(k in m.DICT)); }",
        sorted({k for k, _ in zh}),
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
    page.click("#lang-switch")  # back to Chinese for the next page
    page.wait_for_function("document.documentElement.lang === 'zh-CN'")


def test_the_english_switch_changes_every_label(page: Any, live: Live) -> None:
    for path in ("expo?county=610425", "expo?county=610425&product=apple", "expo"):
        page.goto(f"{live.base}/app/{path}")
        switch_changes_every_label(page, path)
    for user, paths in (
        ("applicant_a", ["centre"]),
        ("bureau_com", ["centre-review", "centre-overview"]),
        ("admin", ["expo-leads"]),  # the other two are the bureau's pages above
    ):
        login(page, live, user)
        for path in paths:
            page.goto(f"{live.base}/app/{path}")
            page.wait_for_selector("#me-name")
            switch_changes_every_label(page, f"{user}: {path}")
        logout(page)
