"""Reading the store for a copy of it elsewhere: the DuckDB mirror (:mod:`.mirror`) and the
Parquet export (:mod:`.parquet`) read the engine's tables the same way.

- :func:`read_snapshot`: one read transaction that sees one state of the store for every table
  it copies: on SQLite the deferred (reader) transaction of ``engine.connect()`` — a WAL
  snapshot that never takes the write lock, so writers go on while a large store is copied
  (``conn.begin()`` would be ``BEGIN IMMEDIATE`` here, :mod:`salus.storage.db`); on PostgreSQL
  ``REPEATABLE READ``.
- :func:`arrow_type`: the Arrow type a store column is copied as.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

if TYPE_CHECKING:
    import pyarrow as pa


@contextmanager
def read_snapshot(engine: sa.Engine) -> Iterator[sa.Connection]:
    """One read transaction seeing one state of the store (see the module doc); rolled back
    at the end (it wrote nothing)."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        try:
            yield conn
        finally:
            conn.rollback()


def arrow_type(kind: sa.types.TypeEngine[Any]) -> pa.DataType:
    """The Arrow type of a store column (JSON and text columns are copied as text)."""
    import pyarrow as pa

    if isinstance(kind, sa.Boolean):
        return pa.bool_()
    if isinstance(kind, sa.Integer):
        return pa.int64()
    if isinstance(kind, sa.Float | sa.Numeric):
        return pa.float64()
    if isinstance(kind, sa.DateTime):
        return pa.timestamp("us", tz="UTC")
    if isinstance(kind, sa.Date):
        return pa.date32()
    return pa.string()
