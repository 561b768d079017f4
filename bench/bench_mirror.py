"""Benchmark: indicator requests on the DuckDB mirror against the store, at 200k or 1M victims.

Not run in CI; prints figures (issue 11's target: any indicator request under 200 ms at 1M
victims, identical to the store's own result). Builds (or reuses, ``--reuse``) the synthetic
store of ``bench/bench_indicators.py`` (1,089 municipalities, 2019–2023, population by
municipality × year × sex × five-year band), then:

1. times ``salus.usecases.indicators.mirror.build`` (the copy of the engine's tables);
2. for each request below, times it on the store (``SALUS_ANALYTICS_MIRROR=off``) and on the
   mirror (``on``, current): the first call and the median of ``--repeat`` more, and checks
   that both give the same rows;
3. times the dashboard's panels (all seven, one year; ``trend_previous`` too) both ways.

    .venv/bin/python bench/bench_mirror.py --victims 200000
    nice .venv/bin/python bench/bench_mirror.py --victims 1000000 --postgres --reuse

Figures are wall-clock seconds on whatever machine runs it; say how loaded it was.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_indicators import build, postgres_url

from salus.domain.accounts.roles import PUBLIC_VIEWER, SYSTEM_VIEWER
from salus.storage.db import create_engine
from salus.usecases.indicators import compute, dashboard, mirror, protection
from salus.usecases.indicators.compute import compute_indicator

REQUESTS: list[tuple[str, str, dict[str, Any]]] = [
    ("16.1.1 by municipality x sex x year, 2019..2023", "sdg-16-1-1",
     {"period": "2019..2023", "by": "area,sex,year"}),
    ("16.1.1 by month, 2019..2023", "sdg-16-1-1", {"period": "2019..2023", "by": "month"}),
    ("16.1.1 2023 by sex x age band, filtered (department XB05, firearm)", "sdg-16-1-1",
     {"period": "2023", "by": "sex,age_band",
      "filters": {"area": "XB05", "weapon": "firearm"}}),
    ("16.1.1 2023 by municipality, filtered (female)", "sdg-16-1-1",
     {"period": "2023", "by": "area", "filters": {"sex": "female"}}),
    ("homicide-incidents 2023 by department x month", "homicide-incidents",
     {"period": "2023", "by": "area,month", "level": 1}),
    ("16.1.1 2023 by department x sex, public (suppression)", "sdg-16-1-1",
     {"period": "2023", "by": "area,sex", "level": 1, "public": True}),
]


CPU: list[float] = []
"""CPU seconds of this process in the last :func:`timed` warm runs (median): on a loaded
machine the better estimate of the idle wall time for work done in this process (the engine's
Python, and DuckDB, which runs inside it; PostgreSQL's own work is not counted)."""


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """Wall time of the first call and the median of ``repeat`` more, in seconds."""
    t0 = time.perf_counter()
    out = fn()
    first = time.perf_counter() - t0
    walls, cpus = [first], [time.process_time()]
    if repeat:
        walls, cpus = [], []
    else:
        cpus = [float("nan")]
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    CPU[:] = [statistics.median(cpus)]
    return first, statistics.median(walls), out


def on_store(fn: Callable[[], Any]) -> Callable[[], Any]:
    def run() -> Any:
        os.environ["SALUS_ANALYTICS_MIRROR"] = "off"
        protection.clear()
        return fn()
    return run


def on_mirror(fn: Callable[[], Any], keep: bool = False) -> Callable[[], Any]:
    """``fn`` on the mirror, computed each time (``keep``: answered from the results kept
    for the data version after the first)."""
    def run() -> Any:
        os.environ["SALUS_ANALYTICS_MIRROR"] = "on"
        if not keep:
            protection.clear()
            compute._results.clear()
        return fn()
    return run


def bench(label: str, url: str, repeat: int, store_repeat: int, public: bool = True) -> None:
    engine = create_engine(url)
    print(f"{label}: {url}")
    t0 = time.perf_counter()
    built = mirror.build(engine)
    print(f"  mirror build: {time.perf_counter() - t0:.1f} s "
          f"({', '.join(f'{k} {v:,}' for k, v in built.rows.items()) or 'already built'})"
          f" -> {built.path} ({built.path.stat().st_size / 1e6:.0f} MB)")
    for title, indicator, request in REQUESTS:
        if request.get("public") and not public:
            continue

        def call(indicator: str = indicator, request: dict[str, Any] = request) -> Any:
            return compute_indicator(engine, indicator, **request)
        s_first, s_med, stored = timed(on_store(call), store_repeat)
        s_cpu = CPU[0]
        m_first, m_med, mirrored = timed(on_mirror(call), repeat)
        m_cpu = CPU[0]
        _, kept, _ = timed(on_mirror(call, keep=True), repeat)
        assert mirrored.metadata["backend"] == "duckdb", mirrored.metadata["backend"]
        same = mirrored.records() == stored.records()
        print(f"  {title}: store {s_med * 1000:,.0f} ms wall, {s_cpu * 1000:,.0f} ms CPU "
              f"(first {s_first * 1000:,.0f}); mirror {m_med * 1000:,.0f} ms wall, "
              f"{m_cpu * 1000:,.0f} ms CPU (first {m_first * 1000:,.0f}; "
              f"again, result kept: {kept * 1000:,.0f} ms); "
              f"{len(stored.rows):,} rows, identical: {same}")
    year = dashboard.default_year(engine)
    for viewer in (SYSTEM_VIEWER, PUBLIC_VIEWER) if public else (SYSTEM_VIEWER,):
        f = dashboard.scoped(engine, viewer, dashboard.DashboardFilter(year=year))

        def panels(viewer: Any = viewer, f: Any = f) -> list[Any]:
            # what dashboard.panel computes, without any cache of finished panels
            return [compute_indicator(
                engine, dashboard.INDICATOR, period=str(f.year - (name == "trend_previous")),
                by=dashboard.PANELS.get(name, ["month"]), filters=dashboard._filters(f),
                level=f.level if name == "map" else None, public=viewer.public,
                definitions=[dashboard.definitions_folder()])
                for name in [*dashboard.PANELS, "trend_previous"]]
        s_first, s_med, stored = timed(on_store(panels), store_repeat)
        s_cpu = CPU[0]
        m_first, m_med, mirrored = timed(on_mirror(panels), repeat)
        m_cpu = CPU[0]
        same = [m.records() for m in mirrored] == [s.records() for s in stored]
        print(f"  dashboard, 8 panels, {'public' if viewer.public else 'signed in'}: "
              f"store {s_med * 1000:,.0f} ms wall, {s_cpu * 1000:,.0f} ms CPU; mirror "
              f"{m_med * 1000:,.0f} ms wall, {m_cpu * 1000:,.0f} ms CPU "
              f"({m_med / 8 * 1000:,.0f} ms a panel; first {m_first * 1000:,.0f}); "
              f"identical: {same}")
    print(f"  load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--victims", type=int, default=200_000)
    parser.add_argument("--sqlite", type=Path, default=Path("/tmp/salus_bench.db"))
    parser.add_argument("--postgres", action="store_true", help="also on local PostgreSQL")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--reuse", action="store_true", help="keep existing databases")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--store-repeat", type=int, default=1,
                        help="warm runs on the store itself (slow at 1M; 0: the first only)")
    parser.add_argument("--no-public", action="store_true",
                        help="leave out public requests (their suppression cubes take minutes "
                             "on the store at 1M)")
    args = parser.parse_args()
    suffix = f"{args.victims // 1000}k"
    sqlite_path = args.sqlite.with_name(f"{args.sqlite.stem}_{suffix}{args.sqlite.suffix}")
    targets = []
    if not args.no_sqlite:
        targets.append(("SQLite", f"sqlite:///{sqlite_path}", args.reuse and sqlite_path.exists()))
    if args.postgres:
        targets.append(("PostgreSQL", *postgres_url(f"salus_bench_mirror_{suffix}", args.reuse)))
    for label, url, keep in targets:
        if not keep:
            if label == "SQLite":
                sqlite_path.unlink(missing_ok=True)
            t0 = time.perf_counter()
            build(url, args.victims)
            print(f"  store built in {time.perf_counter() - t0:.0f} s")
        bench(label, url, args.repeat, args.store_repeat, public=not args.no_public)


if __name__ == "__main__":
    main()
