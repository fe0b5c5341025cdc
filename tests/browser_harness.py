"""The browser tests' harness: a live service in a thread and Chromium pages that watch
for console errors and for requests leaving the server (fixtures: tests/browser/conftest.py).
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from service_db import PASSWORD


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


@dataclass
class PageLog:
    """What a page did that a test must see: console errors, exceptions, foreign requests."""

    errors: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)


def watch(page: Any, base: str, log: PageLog) -> None:
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


def new_context(chromium: Any, live: Live, log: PageLog, **kwargs: Any) -> Any:
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
