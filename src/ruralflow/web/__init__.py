"""The service's pages: the dashboard and the consumer's trace page (static assets).

Everything a page loads is under :data:`STATIC_DIR` and served by the API at ``/static``;
no page loads anything from another server (vendored libraries live in ``static/vendor``).
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["STATIC_DIR"]

STATIC_DIR = Path(__file__).resolve().parent / "static"
