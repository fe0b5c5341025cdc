"""Fixtures of the store and API tests (databases: see ``tests/service_db.py``)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from service_db import BACKENDS, PG_ENV, Databases, new_db


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database (function scope)."""
    yield from new_db(request.param, tmp_path)


@pytest.fixture(scope="session", params=BACKENDS)
def databases(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Databases]:
    """A factory of populated databases (610425, 620621, :data:`USERS`), per backend."""
    if request.param == "postgres" and not os.environ.get(PG_ENV):
        pytest.skip(f"set {PG_ENV} to a PostgreSQL server URL to run the postgres tests")
    dbs = Databases(request.param, tmp_path_factory.mktemp("dbs"))
    try:
        yield dbs
    finally:
        dbs.close()
