"""Databases for the service tests: SQLite always, PostgreSQL when a server is given.

``RURALFLOW_TEST_POSTGRES_URL`` (e.g. ``postgresql+psycopg://rf@127.0.0.1:5433/postgres``)
names a server where the tests may create and drop databases; the ``postgres`` variants are
skipped without it (``.ci/run`` starts a local cluster and sets it).
"""

from __future__ import annotations

import os
import secrets
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from ruralflow.store import db as store_db

PG_ENV = "RURALFLOW_TEST_POSTGRES_URL"
EXAMPLE = Path(__file__).resolve().parents[1] / "src" / "ruralflow" / "examples" / "610425"


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


def new_db(kind: str, tmp: Path) -> Iterator[str]:
    if kind == "postgres":
        yield from _pg_database()
        return
    url = f"sqlite:///{tmp / 'service.db'}"
    try:
        yield url
    finally:
        store_db.dispose(url)


BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


PASSWORD = secrets.token_urlsafe(16)  # made per test process; no password is in the repository
STATION_A, STATION_B = "T610425001", "T610425101"
#: name, role, county, scope
USERS = (
    ("admin", "county_admin", "610425", ""),
    ("admin620", "county_admin", "620621", ""),
    ("op_a", "station_operator", "610425", STATION_A),
    ("op_b", "station_operator", "610425", STATION_B),
    ("coop_a", "cooperative", "610425", "COOP-A"),
    ("coop_b", "cooperative", "610425", "COOP-B"),
    ("logi", "logistics_operator", "610425", ""),
    ("applicant_a", "applicant", "610425", "COOP-A"),  # applicants.csv of the example
    ("bureau_com", "bureau", "610425", "commerce"),  # policies.csv's bureau ids
)


def _populate(url: str) -> None:
    """Migrate, import 610425 and a coarse 620621 (民勤 Minqin), add :data:`USERS`."""
    from ruralflow.bundle.make import make_coarse_county
    from ruralflow.store import add_user, engine_for, upgrade
    from ruralflow.store.counties import import_bundle, import_county

    upgrade(url)
    engine = engine_for(url)
    import_bundle(EXAMPLE, engine)  # with the centre files (the applicant users need them)
    other = make_coarse_county("620621", season_days=3)
    import_county(other, engine)
    for name, role, adcode, scope in USERS:
        add_user(engine, name, role=role, county=adcode, scope=scope, password=PASSWORD)


class Databases:
    """Fresh copies of one populated template database (copying beats importing)."""

    def __init__(self, kind: str, tmp: Path) -> None:
        self.kind, self.tmp, self.n = kind, tmp, 0
        self.made: list[str] = []
        if kind == "postgres":
            self._gen = _pg_database()
            self.template = next(self._gen)
        else:
            self.template = f"sqlite:///{tmp / 'template.db'}"
        _populate(self.template)
        store_db.dispose(self.template)  # SQLite: checkpoints the WAL; PostgreSQL: no users

    def new(self) -> str:
        self.n += 1
        if self.kind == "sqlite":
            path = self.tmp / f"copy{self.n}.db"
            shutil.copyfile(self.tmp / "template.db", path)
            url = f"sqlite:///{path}"
        else:
            server = os.environ[PG_ENV]
            name = f"{make_url(self.template).database}_c{self.n}"
            admin = create_engine(server, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(
                    text(f'CREATE DATABASE "{name}" TEMPLATE "{make_url(self.template).database}"')
                )
            admin.dispose()
            url = make_url(server).set(database=name).render_as_string(hide_password=False)
        self.made.append(url)
        return url

    def close(self) -> None:
        for url in self.made:
            store_db.dispose(url)
            if self.kind == "postgres":
                server = os.environ[PG_ENV]
                admin = create_engine(server, isolation_level="AUTOCOMMIT")
                with admin.connect() as conn:
                    name = make_url(url).database
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()
        if self.kind == "postgres":
            for _ in self._gen:
                pass
