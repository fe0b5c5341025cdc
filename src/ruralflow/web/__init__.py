"""The service's pages: the dashboard and the consumer's trace page (static assets).

Everything a page loads is under :data:`STATIC_DIR` and served by the API at ``/static``;
no page loads anything from another server (vendored libraries live in ``static/vendor``).
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["PAGES_DIR", "STATIC_DIR"]

STATIC_DIR = Path(__file__).resolve().parent / "static"

#: The dashboard's HTML pages, served at ``/app/{page}`` (api/routers/pages.py).
PAGES_DIR = Path(__file__).resolve().parent / "pages"
