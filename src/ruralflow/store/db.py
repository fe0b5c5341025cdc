"""Engines, sessions and migrations of the service database.

A URL names the database: ``sqlite:///path/to/file.db`` (the default, ``RURALFLOW_DB`` or
``sqlite:///ruralflow.db``) or ``postgresql+psycopg://user:pass@host/db``. :func:`upgrade`
runs the Alembic migrations in ``store/migrations`` up to the newest revision.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker

from ruralflow.domain import DomainError

__all__ = [
    "DEFAULT_URL",
    "StoreError",
    "current_revision",
    "default_url",
    "engine_for",
    "head_revision",
    "session_scope",
    "upgrade",
]

DEFAULT_URL = "sqlite:///ruralflow.db"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class StoreError(DomainError):
    """The database cannot do what was asked (bad URL, not migrated, unknown county...)."""


def default_url() -> str:
    """``RURALFLOW_DB`` if set, else :data:`DEFAULT_URL` (a file in the working folder)."""
    return os.environ.get("RURALFLOW_DB") or DEFAULT_URL


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.close()


_ENGINES: dict[str, Engine] = {}


def engine_for(url: str | None = None) -> Engine:
    """The (cached) engine of ``url``; :class:`StoreError` for a URL SQLAlchemy refuses."""
    url = url or default_url()
    if url in _ENGINES:
        return _ENGINES[url]
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(f"数据库地址无效 / not a database URL: {url!r}") from None
    if parsed.get_backend_name() not in {"sqlite", "postgresql"}:
        raise StoreError(
            f"只支持 SQLite 与 PostgreSQL / only SQLite and PostgreSQL are supported: {url!r}"
        )
    kwargs: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        db = parsed.database or ""
        if db and db != ":memory:":
            Path(db).expanduser().parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    else:
        kwargs["pool_pre_ping"] = True
    try:
        engine = create_engine(parsed, **kwargs)
    except (ArgumentError, ImportError) as e:
        raise StoreError(f"无法打开数据库 / cannot open the database {url!r}: {e}") from None
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    _ENGINES[url] = engine
    return engine


def dispose(url: str | None = None) -> None:
    """Close and forget the engine of ``url`` (tests; a dropped database)."""
    engine = _ENGINES.pop(url or default_url(), None)
    if engine is not None:
        engine.dispose()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session committed at the end of the block, rolled back on any error."""
    maker = sessionmaker(engine, expire_on_commit=False)
    with maker() as session, session.begin():
        yield session


def _alembic_config(engine: Engine) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(url: str | None = None, revision: str = "head") -> str:
    """Migrate the database to ``revision`` (default the newest); returns the revision."""
    from alembic import command

    engine = engine_for(url)
    try:
        command.upgrade(_alembic_config(engine), revision)
    except Exception as e:
        if isinstance(e, StoreError):
            raise
        raise StoreError(f"迁移失败 / migration failed: {type(e).__name__}: {e}") from e
    rev = current_revision(engine)
    assert rev is not None
    return rev


def head_revision() -> str:
    """The newest migration revision."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at (``None`` if never migrated)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def require_current(engine: Engine) -> None:
    """:class:`StoreError` unless the database is migrated to the newest revision."""
    rev = current_revision(engine)
    if rev != head_revision():
        raise StoreError(
            "数据库未迁移到最新版本,请先运行 ruralflow db upgrade / the database is not at "
            f"the newest schema ({rev or 'empty'}); run `ruralflow db upgrade --db URL` first"
        )


def has_tables(engine: Engine) -> bool:
    """True when the database has any table."""
    return bool(inspect(engine).get_table_names())
