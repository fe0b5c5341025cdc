"""Alembic environment: the engine comes from :func:`ruralflow.store.db.upgrade`."""

from __future__ import annotations

from alembic import context

from ruralflow.store.models import Base

config = context.config
engine = config.attributes.get("engine")
if engine is None:  # `alembic` run by hand: RURALFLOW_DB or the default URL
    from ruralflow.store.db import engine_for

    engine = engine_for(None)

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
