"""Data versions: one counter per kind of data, for cache keys (issue 11).

A figure computed from the store is reusable for as long as the data it reads is unchanged.
Rather than clearing caches by hand after each write (and forgetting one write path), every
cache key carries the counters of the data it reads: the database bumps them itself, in the
same transaction as the write (triggers of revision 0019, which lists the tables of each
counter), so a reader that sees the new rows sees the new counter, and a write that is rolled
back or killed changes neither.

Counters: ``incidents`` (incidents, persons, sources, weapons of incidents), ``areas`` (areas,
their closure table and populations), ``weapons`` (the registry, collection, destruction and
stockpiles), ``surveys``, ``citizen_reports``, ``tension`` and ``reconcile``.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from salus.storage import schema as t

COUNTERS = ("incidents", "areas", "weapons", "surveys", "citizen_reports", "tension",
            "reconcile")
INDICATORS = ("incidents", "areas")
"""What indicator figures read: incidents and their persons, areas and populations."""


class UnknownCounterError(ValueError):
    """A counter name that is not one of :data:`COUNTERS`."""


def current(conn: sa.Connection, names: Iterable[str] = INDICATORS) -> tuple[int, ...]:
    """The counters ``names`` as the connection's transaction sees them, in that order.

    Read it in the same transaction (or snapshot) as the figures it keys, so the key never
    names newer data than the figures hold.
    """
    wanted = tuple(names)
    unknown = [name for name in wanted if name not in COUNTERS]
    if unknown:
        raise UnknownCounterError(f"unknown data-version counter {unknown[0]!r}: choose from "
                             f"{', '.join(COUNTERS)}")
    rows = dict(conn.execute(sa.select(t.data_version.c.name, t.data_version.c.version)
                             .where(t.data_version.c.name.in_(wanted))).all())
    return tuple(int(rows.get(name, 0)) for name in wanted)


def of_engine(engine: sa.Engine, names: Iterable[str] = INDICATORS) -> tuple[int, ...]:
    """:func:`current` on a connection of its own (for a cache look-up before computing)."""
    with engine.connect() as conn:
        return current(conn, names)


def store_key(engine: sa.Engine) -> str:
    """The store's identity for a cache key shared by several stores in one process (tests,
    a server over two databases): its URL without the password."""
    return engine.url.render_as_string(hide_password=True)
