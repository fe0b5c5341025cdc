"""Databases for the store and API tests: SQLite always, PostgreSQL when a server is given.

``RURALFLOW_TEST_POSTGRES_URL`` (e.g. ``postgresql+psycopg://rf@127.0.0.1:5433/postgres``)
names a server where the tests may create and drop databases; the ``postgres`` variants are
skipped without it (``.ci/run`` starts a local cluster and sets it).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from ruralflow.store import db as store_db

PG_ENV = "RURALFLOW_TEST_POSTGRES_URL"
EXAMPLE = Path(__file__).resolve().parents[2] / "src" / "ruralflow" / "examples" / "610425"


def _pg_database() -> Iterator[str]:
    server = os.environ.get(PG_ENV)
    if not server:
        pytest.skip(f"set {PG_ENV} to a PostgreSQL server URL to run the postgres tests")
    name = f"rf_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        store_db.dispose(url)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _new_db(kind: str, tmp: Path) -> Iterator[str]:
    if kind == "postgres":
        yield from _pg_database()
        return
    url = f"sqlite:///{tmp / 'service.db'}"
    try:
        yield url
    finally:
        store_db.dispose(url)


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database (function scope)."""
    yield from _new_db(request.param, tmp_path)


@pytest.fixture(scope="module", params=BACKENDS)
def county_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A migrated database holding the shipped example 610425 (module scope: share it)."""
    from ruralflow.store import engine_for, import_bundle, upgrade

    for url in _new_db(request.param, tmp_path_factory.mktemp("db")):
        upgrade(url)
        import_bundle(EXAMPLE, engine_for(url))
        yield url
