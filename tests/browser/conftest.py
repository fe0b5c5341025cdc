"""Browser tests: the service on 127.0.0.1 and headless Chromium (Debian's package).

``live`` is a running ``ruralflow serve`` on a fresh copy of the populated test database
(610425, a coarse 620621 and the users of ``tests/service_db.py``). ``page`` is a Chromium
page that fails the test, at teardown, when the page logged a console error, threw, or asked
for anything not on the server (pages must work offline). Skipped without ``/usr/bin/chromium``
(``scripts/install-browser.sh`` installs it; ``.ci/run`` does).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from service_db import PASSWORD, Databases

CHROMIUM = Path(os.environ.get("RURALFLOW_CHROMIUM", "/usr/bin/chromium"))

pytestmark = pytest.mark.browser


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@dataclass
class Live:
    """A running service: its base URL, database URL and the test users' password."""

    base: str
    db: str
    password: str = PASSWORD
    _server: Any = field(default=None, repr=False)

    def token(self, user: str) -> str:
        """A bearer token for ``user`` (form login at ``/auth/token``)."""
        import json
        import urllib.parse
        import urllib.request

        form = urllib.parse.urlencode({"username": user, "password": self.password}).encode()
        with urllib.request.urlopen(f"{self.base}/auth/token", data=form, timeout=30) as r:
            return str(json.loads(r.read())["access_token"])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def browser_databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    if not CHROMIUM.exists():
        pytest.skip(f"needs Chromium at {CHROMIUM} (scripts/install-browser.sh)")
    dbs = Databases("sqlite", tmp_path_factory.mktemp("browser-dbs"))
    try:
        yield dbs
    finally:
        dbs.close()


def start_server(db_url: str) -> Live:
    """``ruralflow serve`` on ``db_url`` in a thread, on a free port of 127.0.0.1."""
    import uvicorn

    from ruralflow.api.app import create_app

    port = _free_port()
    config = uvicorn.Config(create_app(db_url), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    live = Live(base=f"http://127.0.0.1:{port}", db=db_url)
    live._server = (server, thread)
    return live


def stop_server(live: Live) -> None:
    server, thread = live._server
    server.should_exit = True
    thread.join(timeout=10)


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


@dataclass
class PageLog:
    """What a page did that a test must see: console errors, exceptions, foreign requests."""

    errors: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


def _watch(page: Any, base: str, log: PageLog) -> None:
    def on_console(msg: Any) -> None:
        if msg.type == "error":
            log.errors.append(f"console: {msg.text} ({msg.location})")

    def on_request(req: Any) -> None:
        url = req.url
        log.requests.append(url)
        if not (url.startswith(base + "/") or url == base or url.startswith(("data:", "blob:"))):
            log.foreign.append(url)

    page.on("console", on_console)
    page.on("pageerror", lambda exc: log.errors.append(f"pageerror: {exc}"))
    page.on("request", on_request)


@pytest.fixture
def page_log() -> PageLog:
    return PageLog()


def _context(chromium: Any, live: Live, log: PageLog, **kwargs: Any) -> Any:
    ctx = chromium.new_context(**kwargs)

    # Nothing outside the server may be fetched: refuse it (and record it) at the network.
    def route(r: Any) -> None:
        url = r.request.url
        if url.startswith(live.base) or url.startswith(("data:", "blob:")):
            r.continue_()
        else:
            log.foreign.append(url)
            r.abort()

    ctx.route("**/*", route)
    return ctx


@pytest.fixture
def page(chromium: Any, live: Live, page_log: PageLog) -> Iterator[Any]:
    """A desktop-sized page; the test fails at teardown on console errors or foreign loads."""
    ctx = _context(chromium, live, page_log, viewport={"width": 1280, "height": 900})
    pg = ctx.new_page()
    _watch(pg, live.base, page_log)
    try:
        yield pg
    finally:
        ctx.close()
    assert not page_log.foreign, f"the page loaded from outside the server: {page_log.foreign}"
    assert not page_log.errors, f"the page reported errors: {page_log.errors}"


@pytest.fixture
def phone(chromium: Any, live: Live, page_log: PageLog) -> Iterator[Any]:
    """A phone-sized page (360x740, touch), with the same checks as :func:`page`."""
    ctx = _context(
        chromium,
        live,
        page_log,
        viewport={"width": 360, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    pg = ctx.new_page()
    _watch(pg, live.base, page_log)
    try:
        yield pg
    finally:
        ctx.close()
    assert not page_log.foreign, f"the page loaded from outside the server: {page_log.foreign}"
    assert not page_log.errors, f"the page reported errors: {page_log.errors}"
