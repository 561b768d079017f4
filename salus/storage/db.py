"""Engines and schema migrations.

Every entry point calls :func:`open_store`, which creates the engine for a database URL and
brings its schema to the newest Alembic revision, so a new SQLite file or an empty PostgreSQL
database works with no set-up step.

SQLite transactions are SQLAlchemy's, not pysqlite's (the recipe in SQLAlchemy's SQLite dialect
notes, "Enabling Non-Legacy SQLite Transactional Modes"). In its legacy mode pysqlite emits
``BEGIN`` only before an INSERT, UPDATE or DELETE: reads and DDL ran outside any transaction,
and a SAVEPOINT that came first was a transaction of its own, committed when released even if
the outer transaction then rolled back. Here the driver's own transaction control is off and
every SQLAlchemy transaction starts with a ``BEGIN`` that this module emits:

- a transaction opened with ``engine.begin()`` or ``conn.begin()`` (a writer, in this code base)
  starts with ``BEGIN IMMEDIATE``: it takes the write lock at once, waiting up to the connection's
  ``busy_timeout`` for another writer to finish. A deferred ``BEGIN`` would let a writer read
  first and ask for the lock at its first write; when another writer holds or has just released
  the lock, SQLite cannot upgrade that read snapshot and answers "database is locked" at once,
  without waiting (https://www.sqlite.org/lang_transaction.html, "deferred" and "immediate");
- the implicit transaction of ``engine.connect()`` (a reader: SQLAlchemy begins it at the first
  statement) starts with a deferred ``BEGIN``, so that readers neither wait for writers nor make
  them wait (WAL mode), and see one consistent snapshot.

Write through ``engine.begin()``: a connection that reads and then commits writes of its own
("commit as you go") runs in a deferred transaction and can get "database is locked". The
``AUTOCOMMIT`` isolation level is not supported on these SQLite engines.
"""

from __future__ import annotations

import weakref
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
        sa.event.listen(engine, "connect", _sqlite_connect)
        sa.event.listen(engine, "before_execute", _note_implicit_begin)
        sa.event.listen(engine, "begin", _sqlite_begin)
    return engine


_IMPLICIT_BEGIN: weakref.WeakSet[sa.Connection] = weakref.WeakSet()
"""Connections about to run a statement outside a transaction: the ``begin`` that follows is
SQLAlchemy's implicit one (``before_execute`` runs before it, an explicit ``begin()`` before any
statement). ``exec_driver_sql`` fires no ``before_execute``: a transaction that such a statement
begins implicitly is an immediate one."""


def _note_implicit_begin(conn: sa.Connection, *_args: Any) -> None:
    if not conn.in_transaction():
        _IMPLICIT_BEGIN.add(conn)


def _sqlite_begin(conn: sa.Connection) -> None:
    """Emit the transaction's ``BEGIN`` (see the module docstring for which kind)."""
    implicit = conn in _IMPLICIT_BEGIN
    _IMPLICIT_BEGIN.discard(conn)
    conn.exec_driver_sql("BEGIN" if implicit else "BEGIN IMMEDIATE")


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # pysqlite emits no BEGIN: _sqlite_begin does
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=30000")  # first: switching to WAL may wait for a lock
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
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


def open_store(url: str, *, pool_size: int | None = None,
               max_overflow: int | None = None) -> sa.Engine:
    """Engine for ``url`` with its schema at the newest revision.

    ``pool_size`` and ``max_overflow`` size the connection pool (SQLAlchemy ``QueuePool``: the
    connections kept open, and those opened beyond them under load and closed when returned);
    unset, SQLAlchemy's defaults (5 and 10). An in-memory SQLite store has no such pool and
    ignores them.
    """
    kwargs: dict[str, Any] = {}
    in_memory = sa.make_url(normalise_url(url)).get_backend_name() == "sqlite" and (
        sa.make_url(url).database in (None, "", ":memory:"))
    if pool_size is not None and not in_memory:
        kwargs["pool_size"] = pool_size
    if max_overflow is not None and not in_memory:
        kwargs["max_overflow"] = max_overflow
    engine = create_engine(url, **kwargs)
    upgrade(engine)
    return engine
