"""Warm-up of the figure caches: the public pages and default dashboards computed ahead.

After a write (an import job), the first visitor of each public page would pay for computing
it (issue 11: a cold public page under 2 s, a warm one under 200 ms). :func:`warm` computes
what most visitors open first — the public dashboard of the default year (every panel), the
analysts' national dashboard, and the public community page of every community — so they are
in :mod:`salus.usecases.cache` under the current data versions; :func:`warm_in_background`
does it in a daemon thread, one at a time per store, after an import job commits.

The caches are per process: the warm-up helps the process that runs it (the server's worker
that ran the import). ``salus cache warm`` in a process of its own reports how long each cold
figure takes and builds what lives outside the process (the analytical mirror, when on).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import sqlalchemy as sa

from salus.analytics.disclosure import DEFAULT_THRESHOLD
from salus.domain.accounts.roles import PUBLIC_VIEWER, Viewer
from salus.storage import versions
from salus.usecases.errors import UseCaseError
from salus.usecases.indicators import dashboard

log = logging.getLogger(__name__)
ANALYST = Viewer.for_role("warm-up", "analyst")

_running: set[str] = set()
_lock = threading.Lock()


@dataclass
class WarmReport:
    """What was computed and how long each took (seconds)."""

    timings: dict[str, float] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)


def warm(engine: sa.Engine, threshold: int = DEFAULT_THRESHOLD,
         communities: bool = True) -> WarmReport:
    """Compute the public dashboard, the analysts' national dashboard and (``communities``)
    every public community page into the caches; a figure that fails is reported, not
    raised (its page shows the error when opened)."""
    from salus.usecases.plans.community_page import communities as community_list
    from salus.usecases.plans.community_page import community_page

    report = WarmReport()

    def step(label: str, work: Callable[[], object]) -> None:
        start = time.perf_counter()
        try:
            work()
        except UseCaseError as exc:
            report.failures[label] = str(exc)
        report.timings[label] = time.perf_counter() - start

    def panels(viewer: Viewer, f: dashboard.DashboardFilter) -> None:
        for name in (*dashboard.PANELS, "trend_previous"):
            dashboard.panel(engine, viewer, f, name, threshold)

    year = dashboard.default_year(engine)
    for viewer, label in ((PUBLIC_VIEWER, "public"), (ANALYST, "analyst")):
        f = dashboard.scoped(engine, viewer, dashboard.DashboardFilter(year))
        step(f"{label} dashboard {year}", partial(panels, viewer, f))
    if communities:
        for area in community_list(engine, ANALYST):
            step(f"public community page {area.code}",
                 partial(community_page, engine, PUBLIC_VIEWER, area.code, threshold=threshold))
    return report


def enabled() -> bool:
    """Whether import jobs warm the caches afterwards (``SALUS_CACHE_WARM=on``; off by
    default, so scripts and tests do not start threads)."""
    return os.environ.get("SALUS_CACHE_WARM", "off").strip().lower() in ("on", "1", "true")


def after_write(engine: sa.Engine, written: bool) -> None:
    """After an import job: warm the caches in the background when something was written and
    :func:`enabled` (the new data's public pages, before visitors ask)."""
    if written and enabled():
        warm_in_background(engine)


def warm_in_background(engine: sa.Engine, threshold: int = DEFAULT_THRESHOLD
                       ) -> threading.Thread | None:
    """:func:`warm` in a daemon thread (None when one is already warming this store)."""
    key = versions.store_key(engine)
    with _lock:
        if key in _running:
            return None
        _running.add(key)

    def run() -> None:
        try:
            report = warm(engine, threshold)
            log.info("figure caches warmed in %.1f s (%d figures, %d failed)",
                     sum(report.timings.values()), len(report.timings), len(report.failures))
        except Exception:  # a warm-up never takes the server down
            log.exception("warming the figure caches failed")
        finally:
            with _lock:
                _running.discard(key)

    thread = threading.Thread(target=run, name="salus-cache-warm", daemon=True)
    thread.start()
    return thread
