"""Browser tests: the service on 127.0.0.1 and headless Chromium (Debian's package).

``live`` is a running ``ruralflow serve`` on a fresh copy of the populated test database
(610425, a coarse 620621 and the users of ``tests/service_db.py``). ``page`` is a Chromium
page that fails the test, at teardown, when the page logged a console error, threw, or asked
for anything not on the server (pages must work offline). Skipped without ``/usr/bin/chromium``
(``scripts/install-browser.sh`` installs it; ``.ci/run`` does).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser_harness import Live, PageLog, new_context, start_server, stop_server, watch
from service_db import Databases

CHROMIUM = Path(os.environ.get("RURALFLOW_CHROMIUM", "/usr/bin/chromium"))

pytestmark = pytest.mark.browser


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    if not CHROMIUM.exists():
        pytest.skip(f"needs Chromium at {CHROMIUM} (scripts/install-browser.sh)")
    dbs = Databases("sqlite", tmp_path_factory.mktemp("browser-dbs"))
    try:
        yield dbs
    finally:
        dbs.close()


@pytest.fixture(scope="module")
def live(browser_databases: Databases) -> Iterator[Live]:
    """The service on a fresh copy of the test database, for one test module."""
    srv = start_server(browser_databases.new())
    try:
        yield srv
    finally:
        stop_server(srv)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"needs Chromium at {CHROMIUM} (scripts/install-browser.sh)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page_log() -> PageLog:
    return PageLog()


@pytest.fixture
def page(chromium: Any, live: Live, page_log: PageLog) -> Iterator[Any]:
    """A desktop-sized page; the test fails at teardown on console errors or foreign loads."""
    ctx = new_context(chromium, live, page_log, viewport={"width": 1280, "height": 900})
    pg = ctx.new_page()
    watch(pg, live.base, page_log)
    try:
        yield pg
    finally:
        ctx.close()
    assert not page_log.foreign, f"the page loaded from outside the server: {page_log.foreign}"
    assert not page_log.errors, f"the page reported errors: {page_log.errors}"


@pytest.fixture
def phone(chromium: Any, live: Live, page_log: PageLog) -> Iterator[Any]:
    """A phone-sized page (360x740, touch), with the same checks as :func:`page`."""
    ctx = new_context(
        chromium,
        live,
        page_log,
        viewport={"width": 360, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    pg = ctx.new_page()
    watch(pg, live.base, page_log)
    try:
        yield pg
    finally:
        ctx.close()
    assert not page_log.foreign, f"the page loaded from outside the server: {page_log.foreign}"
    assert not page_log.errors, f"the page reported errors: {page_log.errors}"
