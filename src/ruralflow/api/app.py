"""The FastAPI application: :func:`create_app` wires the database, the log and the routers."""

from __future__ import annotations

import contextlib

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from ruralflow import __version__
from ruralflow.api import problems
from ruralflow.api.routers import auth, centre, centre_ops, counties, epcis, pages, resolver, runs
from ruralflow.api.security import secret_for
from ruralflow.store.db import default_url, engine_for, require_current, session_scope
from ruralflow.store.models import ServiceMeta
from ruralflow.store.tracelog import SqlLogStore
from ruralflow.trace.checkpoint import Signer, generate_signer
from ruralflow.trace.log import LogError, MerkleLog
from ruralflow.web import STATIC_DIR

__all__ = ["create_app"]


class Health(BaseModel):
    status: str
    version: str
    database: str


def _signer(engine: Engine) -> Signer:
    """The log's checkpoint key, made on first use and kept in the database."""
    with session_scope(engine) as s:
        row = s.get(ServiceMeta, "log_signer")
        if row is not None:
            return Signer.from_text(row.value)
    try:
        with session_scope(engine) as s:
            s.add(ServiceMeta(key="log_signer", value=generate_signer("ruralflow-log").to_text()))
    except IntegrityError:
        pass
    with session_scope(engine) as s:
        row = s.get(ServiceMeta, "log_signer")
        assert row is not None
        return Signer.from_text(row.value)


def create_app(url: str | None = None) -> FastAPI:
    """The API on the database at ``url`` (migrated already: see ``ruralflow db upgrade``)."""
    engine = engine_for(url)
    require_current(engine)
    app = FastAPI(
        title="RuralFlow",
        version=__version__,
        summary="Two-way rural e-commerce service: counties, station operations, runs, "
        "EPCIS 2.0 capture and query, GS1 Digital Link trace pages.",
        responses=problems.ERROR_RESPONSES,
    )
    app.state.engine = engine
    app.state.url = url or default_url()
    app.state.secret = secret_for(engine)
    app.state.log = MerkleLog(SqlLogStore(engine))
    app.state.signer = _signer(engine)

    def sign_checkpoint() -> None:
        # A concurrent signer may get there first; the next capture signs again.
        with contextlib.suppress(LogError):
            app.state.log.add_checkpoint(app.state.signer)

    app.state.sign_checkpoint = sign_checkpoint
    problems.install(app)

    @app.get("/health", response_model=Health, tags=["service"])
    def health() -> Health:
        """Liveness and database check."""
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return Health(status="ok", version=__version__, database=engine.dialect.name)

    for r in (auth.router, counties.router, epcis.router, resolver.router, runs.router):
        app.include_router(r)
    app.include_router(centre.router)
    app.include_router(centre_ops.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app


def app_from_env() -> FastAPI:
    """The app on ``$RURALFLOW_DB`` (uvicorn's factory, see ``ruralflow serve``)."""
    return create_app(None)
