"""``ruralflow serve``: the HTTP API (FastAPI on uvicorn; see ``docs/service.md``)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add ``serve`` to ``app`` (filled in with the API)."""
