"""Alembic's environment for the store. It runs only on the connection that
``coach.store._migrate.upgrade`` hands over (already locked and inside its transaction),
never from an alembic.ini: the app and ``coach db`` are the ways to migrate."""

from __future__ import annotations

from functools import partial

from alembic import context

from coach.store._migrate import on_version_apply
from coach.store._schema import Base

config = context.config
connection = config.attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise RuntimeError(
        "The store's migrations run through the app or `coach db upgrade`, on a live connection."
    )
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite alters tables by rebuilding them; batch mode does that for revisions.
    render_as_batch=connection.dialect.name == "sqlite",
    on_version_apply=partial(on_version_apply, config),
)
with context.begin_transaction():
    context.run_migrations()
