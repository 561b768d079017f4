"""Response times of the reconciliation pages and API on a demo job (not a test; prints figures).

    .venv/bin/python bench/bench_reconcile_web.py [INCIDENTS]

Builds the demo (police, forensic and media records of INCIDENTS incidents in 2024, default
5,000) in a temporary SQLite store, runs one job the way the web app does (start, then the
worker's run), and times each page and endpoint (median of five requests, in process).
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from web_support import add_cast, sign_in

from salus.demo.build import build_demo
from salus.domain.accounts.roles import Viewer
from salus.storage.db import open_store
from salus.usecases.reconcile import runs, views
from salus.usecases.reconcile.records import Scope
from salus.web.app import create_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient


def main(incidents: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="salus-bench-"))
    engine = open_store(f"sqlite:///{folder / 'salus.db'}")
    build_demo(engine, incidents=incidents, years=(2024, 2024))
    add_cast(engine)
    scope = Scope(("police", "forensic", "media"), dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    started = time.perf_counter()
    job = runs.start_job(engine, Viewer.for_role("ana", "analyst"), scope)
    runs.finish_job(engine, job, scope, "ana")
    elapsed = time.perf_counter() - started
    done = views.get_job(engine, Viewer.for_role("ana", "analyst"), job)
    print(f"{incidents:,} incidents, {done.records:,} victim records, {done.clusters:,} victims: "
          f"job {job} {done.status}, linked and kept in {elapsed:.1f} s")
    client = TestClient(create_app(engine), base_url="http://testserver")
    sign_in(client, "ana")
    for path in ("/reconciliation", f"/reconciliation/{job}",
                 f"/reconciliation/{job}/clusters", f"/reconciliation/{job}/clusters?sources=3",
                 f"/reconciliation/{job}/review", f"/reconciliation/{job}/export.xlsx",
                 f"/api/v1/reconciliation/jobs/{job}/table",
                 f"/api/v1/reconciliation/jobs/{job}/clusters?per_page=500",
                 f"/api/v1/reconciliation/jobs/{job}/review?limit=50"):
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            response = client.get(path)
            times.append(time.perf_counter() - t0)
            assert response.status_code == 200, (path, response.status_code)
        print(f"  {path:55s} {1000 * statistics.median(times):7.0f} ms")
    engine.dispose()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5000)
