"""Load test of the web app: dashboard data endpoints and the incident list, N concurrent clients.

Not part of CI. Starts the app under uvicorn on loopback (or targets ``--base``), signs an
administrator in with a fresh API token, then has ``--clients`` threads request the endpoints
in turn for ``--seconds`` and prints p50 / p95 / p99 latency and throughput per endpoint.

    python bench/bench_web.py --db postgresql://postgres@127.0.0.1:5432/salus_bench \\
        --populate 1000000 --clients 50 --seconds 60

``--populate N`` builds the Verdania demo with N incidents into an empty store first
(``salus demo``'s generator). ``--cold`` disables the dashboard's 30-second panel cache so every
request computes (the worst case); by default the cache is on, as in production.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import statistics
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

PANELS = ("headline", "trend", "map", "sex", "age", "weapon", "context")


def _token(url: str) -> tuple[str, int]:
    import sqlalchemy as sa

    from salus.domain.accounts.roles import SYSTEM_VIEWER, Viewer
    from salus.storage.db import open_store
    from salus.usecases.accounts import sessions
    from salus.usecases.accounts import users as accounts

    engine = open_store(url)
    from salus.usecases.errors import Conflict

    with contextlib.suppress(Conflict):  # the user exists from an earlier run
        accounts.create_user(engine, SYSTEM_VIEWER, "bench", "bench-password-1", "admin")
    user = accounts.get_user(engine, SYSTEM_VIEWER, "bench")
    token = sessions.create_api_token(
        engine, Viewer.for_role("bench", "admin", user_id=user.id), "bench"
    )
    with engine.connect() as conn:
        latest = conn.execute(sa.text("select max(occurred_on) from incident")).scalar()
    engine.dispose()
    year = int(str(latest)[:4]) if latest else 2024
    return token, year


def _serve(url: str, port: int, cold: bool) -> None:
    import uvicorn

    from salus.api import panels
    from salus.web.app import create_app

    if cold:
        panels.TTL = 0.0
    server = uvicorn.Server(
        uvicorn.Config(create_app(url), host="127.0.0.1", port=port, log_level="warning", workers=1)
    )
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)


def _paths(year: int) -> list[tuple[str, str]]:
    out = [(f"dashboard/{p}", f"/api/v1/dashboard/{p}?year={year}") for p in PANELS]
    out += [("incidents list", f"/api/v1/incidents?page={n}&per_page=50") for n in (1, 2, 7)]
    out += [("incidents search", "/api/v1/incidents?q=shot&per_page=50")]
    return out


def _client(
    base: str,
    token: str,
    paths: list[tuple[str, str]],
    stop: float,
    results: dict[str, list[float]],
    errors: list[str],
    offset: int,
) -> None:
    import httpx

    with httpx.Client(
        base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=60
    ) as http:
        for name, path in itertools.islice(itertools.cycle(paths), offset, None):
            if time.monotonic() > stop:
                return
            started = time.perf_counter()
            r = http.get(path)
            elapsed = (time.perf_counter() - started) * 1000
            if r.status_code != 200:
                errors.append(f"{r.status_code} {path}")
            results[name].append(elapsed)


def _report(results: dict[str, list[float]], seconds: float, errors: list[str]) -> None:
    print(f"{'endpoint':22} {'n':>7} {'p50 ms':>9} {'p95 ms':>9} {'p99 ms':>9} {'req/s':>8}")
    everything: list[float] = []
    for name, times in sorted(results.items()):
        everything += times
        q = statistics.quantiles(times, n=100) if len(times) > 1 else times * 99
        print(
            f"{name:22} {len(times):7d} {q[49]:9.1f} {q[94]:9.1f} {q[98]:9.1f} "
            f"{len(times) / seconds:8.1f}"
        )
    q = statistics.quantiles(everything, n=100)
    print(
        f"{'all':22} {len(everything):7d} {q[49]:9.1f} {q[94]:9.1f} {q[98]:9.1f} "
        f"{len(everything) / seconds:8.1f}"
    )
    print(f"errors: {len(errors)}" + (f" (first: {errors[0]})" if errors else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="database URL")
    parser.add_argument("--populate", type=int, default=0, help="build the demo with N incidents")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--port", type=int, default=8799)
    parser.add_argument("--base", default=None, help="an already running server")
    parser.add_argument("--cold", action="store_true", help="disable the panel cache")
    args = parser.parse_args()
    if args.populate:
        from salus.demo.observatory import run_demo

        started = time.perf_counter()
        run_demo(args.db, incidents=args.populate)
        print(f"demo with {args.populate} incidents built in {time.perf_counter() - started:.0f} s")
    token, year = _token(args.db)
    base = args.base or f"http://127.0.0.1:{args.port}"
    if args.base is None:
        _serve(args.db, args.port, args.cold)
    results: dict[str, list[float]] = defaultdict(list)
    errors: list[str] = []
    paths = _paths(year)
    stop = time.monotonic() + args.seconds
    threads = [
        threading.Thread(
            target=_client, args=(base, token, paths, stop, results, errors, n % len(paths))
        )
        for n in range(args.clients)
    ]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    _report(results, args.seconds, errors)


if __name__ == "__main__":
    main()
