"""Scale benchmark (issue 11): ``salus serve --workers 2`` under 50 concurrent clients, and the
indicator requests the issue names, against a store already built.

Not part of CI; prints figures (the baseline of issue 11's speed work). Build the store first
(``salus demo --db URL --incidents N --no-serve``, see docs/demo.md), then:

    .venv/bin/python bench/bench_scale.py --db sqlite:////tmp/verdania-1m.db
    .venv/bin/python bench/bench_scale.py --db postgresql://postgres@127.0.0.1:5432/verdania_1m

1. Starts ``salus serve --workers W`` (default 2) on a free loopback port in a child process,
   signs in an administrator with a fresh API token (a ``bench`` account, created once), then
   has ``--clients`` asyncio clients (httpx ``AsyncClient``, one connection each) send
   ``--requests`` requests in all, spread evenly over the dashboard's panel endpoints
   (``/api/v1/dashboard/<panel>``, the seven panels of the dashboard page, the latest year)
   and the incident list (pages 1, 2 and 200, and a text search); prints p50 / p95 / p99
   latency, throughput and errors per path. The panel cache of each worker is on, as in
   production: the first request of each panel in each worker computes, later ones hit the
   cache for 30 s; ``--warmup`` requests each path once before measuring.
2. Times ``compute_indicator`` for SDG 16.1.1 directly through the use case (no HTTP), as the
   issue lists: by municipality × sex × year over the five years, by month over the last year,
   and with filters (a region, women, firearms); each ``--repeat`` times, median and best.

Issue 11's targets: p95 < 200 ms with no error for every path at 1M incidents on both
backends; every indicator request < 200 ms at 1M victims.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PANELS = ("headline", "trend", "map", "sex", "age", "weapon", "context")


def _store_facts(url: str) -> tuple[str, int, int, int]:
    """A fresh API token of an administrator, the latest year, the incidents and victims."""
    from salus.domain.accounts.roles import SYSTEM_VIEWER, Viewer
    from salus.storage.db import open_store
    from salus.usecases.accounts import sessions
    from salus.usecases.accounts import users as accounts
    from salus.usecases.errors import Conflict

    engine = open_store(url)
    with contextlib.suppress(Conflict):  # the account exists from an earlier run
        accounts.create_user(engine, SYSTEM_VIEWER, "bench", "bench-password-1", "admin")
    user = accounts.get_user(engine, SYSTEM_VIEWER, "bench")
    token = sessions.create_api_token(
        engine, Viewer.for_role("bench", "admin", user_id=user.id), "bench")
    with engine.connect() as conn:
        latest = conn.scalar(sa.text("select max(occurred_on) from incident"))
        incidents = int(conn.scalar(sa.text("select count(*) from incident")) or 0)
        victims = int(conn.scalar(
            sa.text("select count(*) from person where role = 'victim'")) or 0)
    engine.dispose()
    return token, int(str(latest)[:4]) if latest else 2024, incidents, victims


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextlib.contextmanager
def _server(url: str, workers: int, log: Path) -> Any:
    """``salus serve --workers N`` on a free port until the block ends (then Ctrl-C)."""
    port = _free_port()
    salus = Path(sys.executable).with_name("salus")
    with log.open("wb") as out:
        proc = subprocess.Popen([str(salus), "serve", "--db", url, "--port", str(port),
                                 "--workers", str(workers)], stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"salus serve stopped:\n{log.read_text()}")
            if time.monotonic() > deadline:
                raise SystemExit(f"salus serve did not answer in 300 s:\n{log.read_text()}")
            with contextlib.suppress(httpx.TransportError):
                if log.read_text(errors="replace").count("Application startup complete") >= (
                        workers if workers > 1 else 1):
                    httpx.get(base + "/api/v1/openapi.json", timeout=10)
                    break
            time.sleep(0.5)
        yield base
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()


def _paths(year: int) -> list[tuple[str, str]]:
    out = [(f"dashboard/{p}", f"/api/v1/dashboard/{p}?year={year}") for p in PANELS]
    out += [(f"incidents page {n}", f"/api/v1/incidents?page={n}&per_page=50")
            for n in (1, 2, 200)]
    out += [("incidents search", "/api/v1/incidents?q=shot&per_page=50")]
    return out


async def _load(base: str, token: str, paths: list[tuple[str, str]], clients: int,
                requests: int, warmup: bool) -> tuple[dict[str, list[float]],
                                                      dict[str, list[str]], float]:
    """Send ``requests`` requests from ``clients`` concurrent clients; latencies in ms."""
    queue: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
    for n in range(requests):
        queue.put_nowait(paths[n % len(paths)])
    times: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, list[str]] = defaultdict(list)
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)

    async def client() -> None:
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=120,
                                     limits=limits) as http:
            while True:
                try:
                    name, path = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                started = time.perf_counter()
                try:
                    r = await http.get(path)
                    status = str(r.status_code)
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                times[name].append((time.perf_counter() - started) * 1000)
                if status != "200":
                    errors[name].append(status)

    if warmup:
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=600) as http:
            for _name, path in paths:
                await http.get(path)
    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return times, errors, time.perf_counter() - started


def _report_load(times: dict[str, list[float]], errors: dict[str, list[str]],
                 seconds: float) -> None:
    print(f"{'path':22} {'n':>6} {'p50 ms':>9} {'p95 ms':>9} {'p99 ms':>9} {'req/s':>7} "
          f"{'errors':>6}")
    everything: list[float] = []
    for name in sorted(times):
        ts = times[name]
        everything += ts
        q = statistics.quantiles(ts, n=100, method="inclusive") if len(ts) > 1 else ts * 99
        print(f"{name:22} {len(ts):6d} {q[49]:9.1f} {q[94]:9.1f} {q[98]:9.1f} "
              f"{len(ts) / seconds:7.1f} {len(errors.get(name, [])):6d}")
    q = statistics.quantiles(everything, n=100, method="inclusive")
    n_errors = sum(len(e) for e in errors.values())
    print(f"{'all':22} {len(everything):6d} {q[49]:9.1f} {q[94]:9.1f} {q[98]:9.1f} "
          f"{len(everything) / seconds:7.1f} {n_errors:6d}")
    for name, errs in sorted(errors.items()):
        print(f"  errors on {name}: {sorted(set(errs))}")


def _indicators(url: str, year: int, repeat: int) -> None:
    from salus.usecases.indicators.compute import compute_indicator

    first = year - 4
    cases: list[tuple[str, dict[str, Any]]] = [
        ("municipality × sex × year, 5 years",
         {"period": f"{first}..{year}", "by": "area,sex,year", "level": 3}),
        ("by month, last year", {"period": str(year), "by": "month"}),
        ("region VD01, women, firearm, by district × year",
         {"period": f"{first}..{year}", "by": "area,year", "level": 2,
          "filters": {"area": "VD01", "sex": "female", "weapon": "firearm"}}),
    ]
    print(f"\nSDG 16.1.1 through compute_indicator ({repeat} runs each)")
    print(f"{'request':50} {'rows':>6} {'median ms':>10} {'best ms':>9}")
    for name, kwargs in cases:
        runs = []
        rows = 0
        for _ in range(repeat):
            started = time.perf_counter()
            result = compute_indicator(url, "sdg-16-1-1", **kwargs)
            runs.append((time.perf_counter() - started) * 1000)
            rows = len(result.rows)
        print(f"{name:50} {rows:6d} {statistics.median(runs):10.1f} {min(runs):9.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--db", required=True, help="a store built by salus demo")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=2200, help="in all, over every path")
    parser.add_argument("--no-warmup", dest="warmup", action="store_false",
                        help="measure the first (computing) requests too")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each indicator request")
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--skip-indicators", action="store_true")
    parser.add_argument("--log", type=Path, default=Path("/tmp/bench_scale_serve.log"))
    args = parser.parse_args()

    token, year, incidents, victims = _store_facts(args.db)
    backend = sa.make_url(args.db).get_backend_name()
    print(f"store: {backend}, {incidents:,} incidents, {victims:,} victims, latest year {year}; "
          f"{os.cpu_count()} cores")
    if not args.skip_http:
        with _server(args.db, args.workers, args.log) as base:
            times, errors, seconds = asyncio.run(_load(
                base, token, _paths(year), args.clients, args.requests, args.warmup))
        print(f"\nsalus serve --workers {args.workers}, {args.clients} clients, "
              f"{args.requests} requests in {seconds:.1f} s"
              + (" (after one warm-up request per path)" if args.warmup else ""))
        _report_load(times, errors, seconds)
    if not args.skip_indicators:
        _indicators(args.db, year, args.repeat)


if __name__ == "__main__":
    main()
