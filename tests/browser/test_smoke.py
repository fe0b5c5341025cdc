"""The browser harness itself: the server answers and the page checks catch what they should."""

from __future__ import annotations

from typing import Any

from browser_harness import Live, PageLog, new_context, watch


def test_served_static_asset_loads_without_foreign_requests(page: Any, live: Live) -> None:
    resp = page.goto(f"{live.base}/static/README.txt")
    assert resp is not None and resp.status == 200
    assert "vendor" in page.content()


def test_a_foreign_request_is_refused_and_recorded(
    chromium: Any, live: Live, page_log: PageLog
) -> None:
    ctx = new_context(chromium, live, page_log)
    pg = ctx.new_page()
    watch(pg, live.base, page_log)
    pg.goto(f"{live.base}/health")
    pg.evaluate("fetch('https://cdn.example.org/x.js').catch(() => null)")
    pg.wait_for_timeout(200)
    ctx.close()
    assert any("cdn.example.org" in u for u in page_log.foreign)


def test_token_for_a_test_user(live: Live) -> None:
    assert len(live.token("admin")) > 20
