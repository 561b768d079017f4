"""Benchmark: the intake use case alone, from many threads of one process (no HTTP).

``intake.submit_report`` from ``--threads`` threads (as a server worker's thread pool runs it)
over a fresh store; prints reports/s, the wall time each report waited, and this process's
CPU seconds per report. On SQLite it shows how writers of one process share the file's
single write lock (see :mod:`salus.storage.writer`): when the lock sits free while waiters
sleep in SQLite's busy handler, wall time per report grows far beyond its CPU time.

    .venv/bin/python bench/bench_citizen_reports_store.py                 # 2,000 x 50, SQLite
    .venv/bin/python bench/bench_citizen_reports_store.py --postgresql postgresql://postgres@127.0.0.1/postgres
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

from salus.domain.incidents.model import Area
from salus.storage import repository
from salus.storage.citizen_reports.schema import citizen_report as cr
from salus.storage.db import create_engine, open_store
from salus.usecases.citizen_reports import intake
from salus.usecases.citizen_reports.settings import LIMITS_SETTING


def _data(n: int) -> dict[str, str]:
    return {"category": "shooting", "area_code": f"D{n % 4 + 1}", "occurred_on": "2024-05-01",
            "description": f"bench report {n}: shots heard near the market"}


def _run(engine: sa.Engine, reports: int, threads: int) -> tuple[float, list[float]]:
    todo = iter(range(reports))
    lock = threading.Lock()
    latencies: list[float] = []

    def worker() -> None:
        while True:
            with lock:
                n = next(todo, None)
            if n is None:
                return
            data = _data(n)
            envelope = intake.Envelope("web", f"web:{uuid.uuid4().hex}",
                                       intake.raw_form(data), "127.0.0.1", "en")
            started = time.perf_counter()
            intake.submit_report(engine, envelope, data)
            with lock:
                latencies.append(time.perf_counter() - started)

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    started = time.perf_counter()
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return time.perf_counter() - started, latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=50)
    parser.add_argument("--postgresql", help="admin URL of a PostgreSQL server")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        name = None
        if args.postgresql:
            admin = create_engine(args.postgresql, isolation_level="AUTOCOMMIT")
            name = f"salus_bench_{uuid.uuid4().hex[:10]}"
            with admin.connect() as conn:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
            url = admin.url.set(database=name).render_as_string(hide_password=False)
        else:
            url = f"sqlite:///{Path(folder) / 'bench.db'}"
        # a pool as large as the threads, as a worker would size it for this load
        engine = open_store(url, pool_size=args.threads, max_overflow=0)
        with engine.begin() as conn:
            repository.save_areas(conn, [Area("C", "Country", 0), *(
                Area(f"D{i}", f"District {i}", 2, "C") for i in range(1, 5))])
            repository.set_setting(conn, LIMITS_SETTING, {"client": [1e9, 1e9],
                                                          "phone": [1e9, 1e9]}, "bench")
        cpu = time.process_time()
        elapsed, latencies = _run(engine, args.reports, args.threads)
        cpu = time.process_time() - cpu
        with engine.connect() as conn:
            rows = conn.scalar(sa.select(sa.func.count()).select_from(cr))
        engine.dispose()
        if name is not None:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    q = statistics.quantiles(latencies, n=100)
    print(f"{engine.dialect.name}, {args.threads} threads: {args.reports} reports in "
          f"{elapsed:.1f} s = {args.reports / elapsed:.0f} reports/s; rows {rows}")
    print(f"wait per report p50 {q[49] * 1000:.0f} ms, p95 {q[94] * 1000:.0f} ms; CPU "
          f"{cpu / args.reports * 1000:.1f} ms per report (this process)")


if __name__ == "__main__":
    main()
