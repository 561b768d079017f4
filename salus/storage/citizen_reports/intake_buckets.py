"""Token buckets in the database, for rate-limiting citizen-report intake.

Why in the database rather than in the process: the limits must hold across the web form, the
JSON API and the SMS gateway path, across several server workers and across restarts, and
every one of those already writes to this database. One bucket is one row (``key``, ``tokens``,
``stamp``); taking a token is a single conditional ``UPDATE`` that refills by the time elapsed
and succeeds only when a whole token is left, so concurrent requests cannot overdraw a bucket
(PostgreSQL re-checks the condition after the row lock; SQLite serialises writers). This is
the classic token bucket (Turner 1986; as in RFC 2697's committed-burst bucket).
"""

from __future__ import annotations

import math
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from salus.storage.citizen_reports.schema import intake_bucket as b


def _insert_missing(conn: sa.Connection, key: str, capacity: float, now: float) -> None:
    """Create a full bucket for ``key`` unless one exists (no error on a concurrent create)."""
    values = {"key": key, "tokens": capacity, "stamp": now}
    stmt: Any
    if conn.dialect.name == "postgresql":
        stmt = postgresql.insert(b).values(**values).on_conflict_do_nothing(
            index_elements=["key"])
    elif conn.dialect.name == "sqlite":
        stmt = sqlite.insert(b).values(**values).on_conflict_do_nothing(index_elements=["key"])
    else:  # pragma: no cover - other backends: plain insert when absent
        if conn.execute(sa.select(b.c.key).where(b.c.key == key)).first() is not None:
            return
        stmt = b.insert().values(**values)
    conn.execute(stmt)


def take(conn: sa.Connection, key: str, capacity: float, per_second: float, now: float) -> bool:
    """Take one token from bucket ``key`` (``capacity`` tokens, refilled at ``per_second``);
    False when the bucket holds less than one token. Runs inside the caller's transaction.

    The conditional ``UPDATE`` comes first: a bucket that exists and holds a token (every
    request after a client's first) costs one statement; only when it changed no row is a
    missing bucket created and the ``UPDATE`` tried once more."""
    if _take_existing(conn, key, capacity, per_second, now):
        return True
    _insert_missing(conn, key, capacity, now)
    return _take_existing(conn, key, capacity, per_second, now)


def _take_existing(conn: sa.Connection, key: str, capacity: float, per_second: float,
                   now: float) -> bool:
    refilled = b.c.tokens + (sa.literal(now) - b.c.stamp) * sa.literal(per_second)
    level = sa.case((refilled > capacity, sa.literal(capacity)), else_=refilled)
    result = conn.execute(b.update().where(b.c.key == key, level >= 1)
                          .values(tokens=level - 1, stamp=now))
    return result.rowcount == 1


def seconds_until_token(conn: sa.Connection, key: str, per_second: float, now: float) -> int:
    """How long until bucket ``key`` holds a whole token again (for ``Retry-After``)."""
    row = conn.execute(sa.select(b.c.tokens, b.c.stamp).where(b.c.key == key)).first()
    if row is None or per_second <= 0:
        return 60
    level = row.tokens + (now - row.stamp) * per_second
    return max(1, math.ceil((1 - float(level)) / per_second))
