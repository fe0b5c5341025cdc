"""The trace page's lots in headless Chromium: the lots the county knows (captured events and
``lots.csv``) without any season run, a lot's event timeline, and the link to its public
consumer page, which checks the proof and says verified."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from consumer_data import TracedLot, capture_gs1_lot
from test_dashboard import login, shot, switch_changes_every_label

from browser_harness import Live, start_server, stop_server
from service_db import EXAMPLE, Databases


@pytest.fixture(scope="module")
def live(browser_databases: Databases) -> Iterator[Live]:
    """The service on a copy of the test database with 610425 imported from its folder, so
    that its optional files (``lots.csv`` among them) are stored too."""
    from ruralflow.store import engine_for, import_bundle

    url = browser_databases.new()
    import_bundle(EXAMPLE, engine_for(url), replace=True)
    srv = start_server(url)
    try:
        yield srv
    finally:
        stop_server(srv)


@pytest.fixture(scope="module")
def lot(live: Live) -> TracedLot:
    return capture_gs1_lot(live)


def test_lots_link_to_their_timeline_and_verified_consumer_page(
    page: Any, live: Live, lot: TracedLot
) -> None:
    csv_rows = len((EXAMPLE / "lots.csv").read_text(encoding="utf-8").splitlines()) - 1
    login(page, live, "admin")
    page.goto(f"{live.base}/app/trace")
    page.wait_for_selector("#lots tbody tr")
    assert page.locator("#batches").count() == 0  # no season run: the lots are listed anyway
    kinds = page.eval_on_selector_all(
        "#lots tbody tr",
        "rs => rs.map(r => r.querySelector('[data-i18n^=\"tr.src_\"]').dataset.i18n)",
    )
    assert kinds.count("tr.src_lots") == csv_rows and kinds.count("tr.src_events") >= 1, kinds
    captured = page.locator("#lots tbody tr", has=page.locator(f'a[href="{lot.path}"]'))
    assert captured.count() == 1
    assert "L-C-T610425001-apple-A" in page.inner_text("#lots")
    switch_changes_every_label(page, "trace with lots")
    page.click("#lang-switch")
    page.wait_for_function("document.documentElement.lang === 'zh-CN'")
    captured.locator("a.lot-link").click()
    page.wait_for_selector("#timeline li")
    stages = page.eval_on_selector_all("#timeline li", "ls => ls.map(l => l.dataset.stage)")
    assert stages[0] == "harvest" and "sale" in stages, stages
    assert "[object" not in page.inner_text("body")
    shot(page, "trace-lot")
    page.click("#consumer-link")
    page.wait_for_url(f"{live.base}{lot.path}")
    page.wait_for_selector('body[data-proof="verified"], body[data-proof="failed"]')
    assert page.eval_on_selector("body", "b => b.dataset.proof") == "verified"


def test_a_cooperative_sees_the_captured_lots_but_not_other_cooperatives_rows(
    page: Any, live: Live, lot: TracedLot
) -> None:
    login(page, live, "coop_a")
    page.goto(f"{live.base}/app/trace")
    page.wait_for_selector("#lots tbody tr")
    text = page.inner_text("#lots")
    assert lot.path in page.inner_html("#lots")
    assert "L-C-T610425001" not in text  # lots.csv rows of cooperative C-T610425001
