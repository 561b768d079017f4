"""Short write transactions that queue for a SQLite store's single write lock in the process.

SQLite admits one writer at a time (https://www.sqlite.org/lockingv3.html; WAL mode lets
readers go on, https://www.sqlite.org/wal.html). A writer that finds the lock taken does not
queue: its busy handler sleeps and tries again, sleeping 1, 2, 5, 10, ... up to 100 ms between
tries (``sqliteDefaultBusyCallback`` in SQLite's ``main.c``) until ``busy_timeout``. Under
many concurrent small writes (citizen-report intake: 50 clients, each write about a
millisecond) the threads of one server process then spend most of their time asleep while the
lock is free — the measured cause of intake's 17-23 requests/s (issue 11).

:func:`write_transaction` makes the threads of a process queue on an in-process lock (a
waiting thread wakes as soon as the previous writer commits) before ``BEGIN IMMEDIATE``, so at
most one thread per process meets SQLite's busy handler; with ``salus serve --workers 2``
that is two contenders instead of dozens. It changes nothing else: SQLite's own lock still
decides, so another process or a writer that does not use this function stays correct
(only slower). Other backends (PostgreSQL: row locks, waiters wake on release) pass through.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa

WAIT_SECONDS = 30.0
"""How long a writer queues in the process before trying SQLite's lock anyway (then SQLite's
``busy_timeout`` decides, as without this module): the same bound as ``busy_timeout``."""

_gates: dict[str, threading.Lock] = {}
_gates_lock = threading.Lock()


def _gate(engine: sa.Engine) -> threading.Lock | None:
    """The in-process lock of the engine's SQLite database file (None for other stores and
    for in-memory SQLite, whose pool already gives every thread one connection)."""
    if engine.dialect.name != "sqlite":
        return None
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file::memory:"):
        return None
    path = os.path.realpath(database)
    with _gates_lock:
        return _gates.setdefault(path, threading.Lock())


@contextmanager
def write_transaction(engine: sa.Engine) -> Iterator[sa.Connection]:
    """``engine.begin()``, queued behind the process's other writers of the same SQLite file.

    The queue's lock is held until the transaction has committed or rolled back, so the next
    writer's ``BEGIN IMMEDIATE`` finds SQLite's lock free. Keep the transaction short: read
    what can be read before it."""
    gate = _gate(engine)
    if gate is None:
        with engine.begin() as conn:
            yield conn
        return
    queued = gate.acquire(timeout=WAIT_SECONDS)
    try:
        with engine.begin() as conn:
            yield conn
    finally:
        if queued:
            gate.release()
