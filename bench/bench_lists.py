"""Long lists at national scale (issue 11): the incident list, web page and REST API, under
``salus serve --workers W`` and 50 concurrent clients, against a store already built.

Not part of CI; prints figures. Build a store first (``salus demo --db URL --incidents N
--no-serve``, docs/demo.md), then:

    .venv/bin/python bench/bench_lists.py --db sqlite:////tmp/verdania-200k.db

Paths, each requested as often as the others (``--requests`` in all, ``--clients`` at once):
the API's first page, its numbered page 200 (offset 9,950, the deepest numbered pages reach),
a cursor page deep in the list (the page after the 100,000th row, made with the list's own
cursor encoder), the first page of a regional officer (a user bound to the first region, so
the area scope applies) and a narrative search; the web page's first page, the same deep
cursor page and the regional officer's first page. With code that has no cursors (the
baseline before keyset paging) the cursor paths are left out and an offset of 99,950 rows
(``page=2000``) is measured instead, the deep page such code serves. Reuses
``bench_scale``'s server and load generator; prints p50 / p95 / p99 per path.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import os
import sys
from pathlib import Path

import sqlalchemy as sa

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import bench_scale  # noqa: E402  (a sibling script, not a package)

PASSWORD = "bench-password-1"


def _setup(url: str) -> dict[str, str]:
    """Accounts (an administrator and one bound to the first region), their API tokens and
    browser sessions, and a deep cursor when the code has cursors."""
    from salus.domain.accounts.roles import SYSTEM_VIEWER, Viewer
    from salus.storage.db import open_store
    from salus.usecases.accounts import sessions
    from salus.usecases.accounts import users as accounts
    from salus.usecases.errors import Conflict

    engine = open_store(url)
    with engine.connect() as conn:
        region = conn.scalar(sa.text("select code from area where level = 1 order by code"))
        deep = conn.execute(sa.text(
            "select occurred_on, id from incident order by occurred_on desc, id desc "
            "limit 1 offset 100000")).first()
    out: dict[str, str] = {"region": str(region)}
    for name, area in (("bench", None), ("bench-region", region)):
        with contextlib.suppress(Conflict):
            accounts.create_user(engine, SYSTEM_VIEWER, name, PASSWORD, "admin", area_code=area)
        user = accounts.get_user(engine, SYSTEM_VIEWER, name)
        out[f"{name}:token"] = sessions.create_api_token(
            engine, Viewer.for_role(name, "admin", user_id=user.id), "bench")
        out[f"{name}:cookie"] = sessions.login(engine, name, PASSWORD, f"bench-{os.getpid()}").token
    paging = importlib.import_module("salus.usecases.paging")
    if hasattr(paging, "encode_cursor") and deep is not None:
        out["cursor"] = paging.encode_cursor("-date", False, str(deep[0])[:10], int(deep[1]))
    engine.dispose()
    return out


def _paths(facts: dict[str, str]) -> list[tuple[str, str, dict[str, str]]]:
    admin_api = {"Authorization": f"Bearer {facts['bench:token']}"}
    region_api = {"Authorization": f"Bearer {facts['bench-region:token']}"}
    admin_web = {"Cookie": f"salus_session={facts['bench:cookie']}"}
    region_web = {"Cookie": f"salus_session={facts['bench-region:cookie']}"}
    out = [("api first page", "/api/v1/incidents?per_page=50", admin_api),
           ("api page 200", "/api/v1/incidents?page=200&per_page=50", admin_api),
           ("api region first", "/api/v1/incidents?per_page=50", region_api),
           ("api search", "/api/v1/incidents?q=shot&per_page=50", admin_api),
           ("web first page", "/incidents", admin_web),
           ("web region first", "/incidents", region_web)]
    if "cursor" in facts:
        out += [("api cursor 100k deep", f"/api/v1/incidents?per_page=50&cursor="
                 f"{facts['cursor']}", admin_api),
                ("web cursor 100k deep", f"/incidents?cursor={facts['cursor']}", admin_web)]
    else:
        out += [("api page 2000 (offset)", "/api/v1/incidents?page=2000&per_page=50",
                 admin_api),
                ("web page 2000 (offset)", "/incidents?page=2000", admin_web)]
    return out


async def _run(base: str, paths: list[tuple[str, str, dict[str, str]]], clients: int,
               requests: int) -> None:
    """Each path's requests through bench_scale's load generator, per header set."""
    import httpx

    for _name, path, headers in paths:                           # one warm-up each
        async with httpx.AsyncClient(base_url=base, headers=headers, timeout=600) as http:
            r = await http.get(path)
            if r.status_code != 200:
                print(f"warm-up {path}: {r.status_code} {r.text[:200]}")
    queue: asyncio.Queue[tuple[str, str, dict[str, str]]] = asyncio.Queue()
    for n in range(requests):
        queue.put_nowait(paths[n % len(paths)])
    times: dict[str, list[float]] = {}
    errors: dict[str, list[str]] = {}
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)

    async def client() -> None:
        import time
        async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as http:
            while True:
                try:
                    name, path, headers = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                started = time.perf_counter()
                try:
                    r = await http.get(path, headers=headers)
                    status = str(r.status_code)
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                times.setdefault(name, []).append((time.perf_counter() - started) * 1000)
                if status != "200":
                    errors.setdefault(name, []).append(status)

    import time
    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    seconds = time.perf_counter() - started
    print(f"{clients} clients, {requests} requests in {seconds:.1f} s")
    bench_scale._report_load(times, errors, seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--db", required=True, help="a store built by salus demo")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=1600, help="in all, over every path")
    parser.add_argument("--log", type=Path, default=Path("/tmp/bench_lists_serve.log"))
    args = parser.parse_args()
    import salus
    facts = _setup(args.db)
    with sa.create_engine(args.db).connect() as conn:
        n = conn.scalar(sa.text("select count(*) from incident"))
    backend = sa.make_url(args.db).get_backend_name()
    print(f"store: {backend}, {n:,} incidents; code: {Path(salus.__file__).parent}; "
          f"{'cursors' if 'cursor' in facts else 'no cursors (baseline)'}; region "
          f"{facts['region']}; {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    with bench_scale._server(args.db, args.workers, args.log) as base:
        asyncio.run(_run(base, _paths(facts), args.clients, args.requests))


if __name__ == "__main__":
    main()
