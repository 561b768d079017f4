"""Benchmark: figures reused until the data change (issue 11, :mod:`salus.usecases.cache`).

Cold and warm times, through the use cases (no HTTP), of the public community page, the public
dashboard (all seven panels and last year's trend), the hot-spot page (Gi*, 999 permutations) and
the clusters page (space-time scan, 199 replicates), on the demo built in a temporary SQLite
store (``--incidents``, default the demo's size) or on a store already built (``--db URL``).

* cold: every figure cache of the process emptied first (and, with ``--mirror off``, indicators
  count on the store; ``on`` lets the analytical mirror answer once it is built);
* warm: the same call again, ``--repeat`` times (median and worst): one counter read and a copy;
* 50 threads asking the same cold dashboard panel at once: the wall time and how many times it
  was computed (single flight: once).

    .venv/bin/python bench/bench_caches.py
    nice .venv/bin/python bench/bench_caches.py --db sqlite:////tmp/verdania-200k.db

Issue 11's targets: public community page and public dashboard < 200 ms warm, < 2 s cold;
clusters and hot spots < 2 s, results reused until the data change.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa


def timed(label: str, call: Callable[[], Any], repeat: int, cold: Callable[[], None]) -> None:
    cold()
    start = time.perf_counter()
    call()
    first = time.perf_counter() - start
    warm = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        warm.append(time.perf_counter() - start)
    print(f"{label:<34} cold {first * 1000:9.1f} ms   warm median "
          f"{statistics.median(warm) * 1000:7.1f} ms  max {max(warm) * 1000:7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--db", help="a store already built (default: a new demo)")
    parser.add_argument("--incidents", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--mirror", choices=("off", "on", "sync"), default="off")
    args = parser.parse_args()
    os.environ["SALUS_ANALYTICS_MIRROR"] = args.mirror

    from salus.domain.accounts.roles import PUBLIC_VIEWER, Viewer
    from salus.storage import schema as t
    from salus.storage.db import open_store
    from salus.usecases import cache
    from salus.usecases.alerts import clusters, hotspots, periods
    from salus.usecases.indicators import dashboard
    from salus.usecases.plans.community_page import community_page

    if args.db:
        engine = open_store(args.db)
    else:
        from salus.demo.build import build_demo

        folder = tempfile.mkdtemp()
        engine = open_store(f"sqlite:///{Path(folder) / 'bench.db'}")
        kwargs = {} if args.incidents is None else {"incidents": args.incidents}
        start = time.perf_counter()
        build_demo(engine, **kwargs)
        print(f"demo built in {time.perf_counter() - start:.1f} s")
    with engine.connect() as conn:
        incidents = conn.scalar(sa.select(sa.func.count()).select_from(t.incident))
        region = conn.scalar(sa.select(t.area.c.code).where(t.area.c.level == 1)
                             .order_by(t.area.c.code).limit(1))
    print(f"store: {engine.url.render_as_string(hide_password=True)}, {incidents:,} incidents,"
          f" mirror {args.mirror}; community page of {region}")
    analyst = Viewer.for_role("bench", "analyst")

    def public_dashboard() -> None:
        f = dashboard.scoped(engine, PUBLIC_VIEWER, dashboard.DashboardFilter(
            dashboard.default_year(engine)))
        for name in (*dashboard.PANELS, "trend_previous"):
            dashboard.panel(engine, PUBLIC_VIEWER, f, name)

    def hot() -> None:
        latest = periods.latest_incident(engine, analyst)
        first, last = hotspots.window(365, latest or time_today())
        hotspots.hotspots(engine, analyst, 1, first, last)

    timed("public community page", lambda: community_page(engine, PUBLIC_VIEWER, str(region)),
          args.repeat, cache.clear_all)
    timed("public dashboard (8 panels)", public_dashboard, args.repeat, cache.clear_all)
    timed("hot spots (level 1, 365 days)", hot, args.repeat, cache.clear_all)
    timed("clusters (level 1, 199 replicates)",
          lambda: clusters.clusters(engine, analyst, 1, 365), args.repeat, cache.clear_all)

    cache.clear_all()
    f = dashboard.scoped(engine, analyst, dashboard.DashboardFilter(dashboard.default_year(engine)))
    before = cache.cache("dashboard-panel").stats().misses
    threads = [threading.Thread(target=lambda: dashboard.panel(engine, analyst, f, "map"))
               for _ in range(50)]
    start = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.perf_counter() - start
    computed = cache.cache("dashboard-panel").stats().misses - before
    print(f"50 threads, one cold panel (map)   {elapsed * 1000:9.1f} ms, computed {computed}x")


def time_today() -> Any:
    import datetime as dt

    return dt.date.today()


if __name__ == "__main__":
    main()
