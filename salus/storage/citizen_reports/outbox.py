"""The outbox's one backend-specific write: queue a message unless its key is already queued.

``INSERT … ON CONFLICT (dedupe_key) DO NOTHING`` on PostgreSQL and SQLite: two decisions, two
workers or two broadcasts racing on the same key leave exactly one row, and neither fails.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from salus.storage.citizen_reports.schema import outbound_message as m


def insert_once(conn: sa.Connection, values: dict[str, Any]) -> bool:
    """Insert the message ``values``; False when a message with its ``dedupe_key`` exists."""
    stmt: Any
    if conn.dialect.name == "postgresql":
        stmt = postgresql.insert(m).values(**values).on_conflict_do_nothing(
            index_elements=["dedupe_key"])
    elif conn.dialect.name == "sqlite":
        stmt = sqlite.insert(m).values(**values).on_conflict_do_nothing(
            index_elements=["dedupe_key"])
    else:  # pragma: no cover - other backends: look first
        found = conn.execute(sa.select(m.c.id).where(m.c.dedupe_key == values["dedupe_key"]))
        if found.first() is not None:
            return False
        stmt = m.insert().values(**values)
    # RETURNING, not rowcount: with an implicit RETURNING PostgreSQL's driver reports no count
    return conn.execute(stmt.returning(m.c.id)).first() is not None
