"""Alembic environment: run against the connection Salus hands over (or a URL)."""

from __future__ import annotations

from typing import Any

from alembic import context

from salus.storage.db import create_engine
from salus.storage.schema import metadata

config = context.config


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite:///salus.db")
        with engine.begin() as conn:
            _migrate(conn)
    else:
        _migrate(connection)


def _migrate(connection: Any) -> None:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


run()
