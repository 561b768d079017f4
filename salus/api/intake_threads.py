"""The worker threads that run citizen-report intake: a few per process, not the 40 of the
shared pool.

Starlette runs a synchronous call in anyio's default thread pool (40 threads per process). A
burst of 50 submissions then puts 40 threads on the GIL and on the database pool at once, for
writes that SQLite admits one at a time anyway (:mod:`salus.storage.writer`) and that a
2-core PostgreSQL serves no faster for being many: the threads pay for GIL hand-offs
(``sys.getswitchinterval``), the connections beyond the pool's ``pool_size`` are opened and
closed per request (SQLAlchemy's ``QueuePool`` closes overflow connections on return), and
uvicorn's health-check thread waits its turn. The intake calls take a token from a
per-event-loop ``anyio.CapacityLimiter`` of :data:`INTAKE_THREADS` instead: the others wait
on the event loop, holding neither a thread nor a connection.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import anyio
import anyio.to_thread
from anyio.lowlevel import RunVar

T = TypeVar("T")

INTAKE_THREADS = 4
"""Intake calls running at once in one worker process (below the pool's default size, 5)."""

_limiter: RunVar[anyio.CapacityLimiter] = RunVar("salus_intake_limiter")


def _current() -> anyio.CapacityLimiter:
    try:
        return _limiter.get()
    except LookupError:
        limiter = anyio.CapacityLimiter(INTAKE_THREADS)
        _limiter.set(limiter)
        return limiter


async def run_intake(func: Callable[..., T], *args: object) -> T:
    """``func(*args)`` in a worker thread, at most :data:`INTAKE_THREADS` at once per
    process (per event loop)."""
    return await anyio.to_thread.run_sync(lambda: func(*args), limiter=_current())
