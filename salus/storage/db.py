"""Engines and schema migrations.

Every entry point calls :func:`open_store`, which creates the engine for a database URL and
brings its schema to the newest Alembic revision, so a new SQLite file or an empty PostgreSQL
database works with no set-up step.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def create_engine(url: str, **kwargs: Any) -> sa.Engine:
    url = normalise_url(url)
    engine = sa.create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def alembic_config() -> Config:
    folder = resources.files("salus.storage").joinpath("migrations")
    cfg = Config()
    cfg.set_main_option("script_location", str(folder))
    return cfg


def upgrade(engine: sa.Engine) -> None:
    """Create or migrate the schema to the newest revision (idempotent)."""
    cfg = alembic_config()
    head = ScriptDirectory.from_config(cfg).get_current_head()
    with engine.connect() as conn:
        if MigrationContext.configure(conn).get_current_revision() == head:
            return
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def open_store(url: str) -> sa.Engine:
    """Engine for ``url`` with its schema at the newest revision."""
    engine = create_engine(url)
    upgrade(engine)
    return engine
