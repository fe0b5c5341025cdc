"""``ruralflow serve``: the HTTP API (FastAPI on uvicorn; see ``docs/service.md``)."""

from __future__ import annotations

from typing import Annotated

import typer

from ruralflow.cli._common import EXAMPLE_BUNDLE, fail, note
from ruralflow.cli.db import DbOpt


def serve(
    db: DbOpt = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.", min=1, max=65535)] = (
        8000
    ),
    workers: Annotated[int, typer.Option("--workers", help="Worker processes.", min=1)] = 1,
) -> None:
    """Serve the HTTP API (OpenAPI at /openapi.json, docs at /docs).

    The database is migrated first. With no --db and no $RURALFLOW_DB, the embedded SQLite
    file ruralflow.db is used and, while it holds no county, the shipped example 610425 is
    imported into it, so `ruralflow serve` alone serves the example county.

    Example: ruralflow serve --db sqlite:///ruralflow.db --port 8000
    """
    import os

    import uvicorn

    from ruralflow.store import StoreError, engine_for, import_bundle, upgrade
    from ruralflow.store.counties import list_counties
    from ruralflow.store.db import default_url

    url = db or default_url()
    try:
        upgrade(url)
        if (
            db is None
            and not os.environ.get("RURALFLOW_DB")
            and not list_counties(engine_for(url))
        ):
            res = import_bundle(EXAMPLE_BUNDLE, engine_for(url))
            note(f"示例县已导入 / example county imported: {res.summary()}")
    except StoreError as e:
        fail(str(e))
    os.environ["RURALFLOW_DB"] = url  # the factory below reads it (in every worker)
    note(f"RuralFlow API on http://{host}:{port} (database {url.split('@')[-1]})")
    uvicorn.run(
        "ruralflow.api.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
    )


def register(app: typer.Typer) -> None:
    """Add ``serve`` to ``app``."""
    app.command("serve")(serve)
