"""Benchmark: many concurrent citizen reports against a real server, then count the rows.

Starts ``salus serve --workers 2`` (``--workers 1``: one uvicorn process) on loopback over a
fresh store (a new SQLite file, or a new
PostgreSQL database with ``--postgresql``), fires ``--reports`` submissions from
``--clients`` concurrent clients (80 % through the web form, 20 % through the JSON API, each
with its own idempotency key), re-sends ``--retries`` of them (half at once, half after the
first answer), then checks: every acknowledged reference is in the database, one row per key
(nothing lost, no duplicates), and every retry got its first reference back. Prints throughput
and latency percentiles, and the CPU seconds the server processes and this client spent (the
server's CPU per request is the figure to compare on a shared, loaded machine: throughput
there measures the other tenants as much as Salus). Intake limits are lifted for the run (all
clients share 127.0.0.1).

    .venv/bin/python bench/bench_citizen_reports.py                       # 2,000 x 50, SQLite
    .venv/bin/python bench/bench_citizen_reports.py --workers 1           # one process
    .venv/bin/python bench/bench_citizen_reports.py --reports 500 --clients 20
    .venv/bin/python bench/bench_citizen_reports.py --postgresql postgresql://postgres@127.0.0.1/postgres
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

if importlib.util.find_spec("sniffio") is None:
    # httpcore runs ``import sniffio`` on every request; when it is not installed, each failed
    # import searches the whole sys.path again (a fifth of this client's CPU, py-spy): record
    # it as absent once, so the client does not take the cores the server is measured on.
    sys.modules["sniffio"] = None  # type: ignore[assignment]

import httpx

from salus.domain.citizen_reports import FORM_CATEGORIES
from salus.domain.incidents.model import Area
from salus.storage import repository
from salus.storage.db import create_engine, open_store
from salus.usecases.citizen_reports.settings import LIMITS_SETTING

AREAS = ["D1", "D2", "D3", "D4"]
REFERENCE = re.compile(r'id="reference">(R-[0-9A-Z]{8})<')


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    references: dict[str, str] = field(default_factory=dict)      # key -> first reference
    mismatched_retries: int = 0
    retries: int = 0
    failures: dict[str, int] = field(default_factory=dict)


def _stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def _family(pid: int) -> list[int]:
    """``pid`` and its descendants (the worker processes of ``salus serve --workers N``)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields is not None:
                parents[int(entry.name)] = int(fields[1])
    family, frontier = [pid], [pid]
    while frontier:
        frontier = [child for child, parent in parents.items() if parent in frontier]
        family += frontier
    return family


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process and its children (Linux ``/proc``), to report the
    server's cost per request independently of how busy the shared machine is."""
    total = 0.0
    for member in _family(pid):
        fields = _stat(member)
        if fields is None:
            if member == pid:
                return None
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _prepare(url: str) -> None:
    engine = open_store(url)
    areas = [Area("C", "Country", 0), *(Area(code, f"District {code}", 2, "C")
                                        for code in AREAS)]
    with engine.begin() as conn:
        repository.save_areas(conn, areas)
        repository.set_setting(conn, LIMITS_SETTING, {"client": [1e9, 1e9],
                                                      "phone": [1e9, 1e9]}, "bench")
    engine.dispose()


def _start(url: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    if workers > 1:     # the production command (issue 11's target: ``--workers 2``)
        salus = Path(sys.executable).with_name("salus")
        return subprocess.Popen([str(salus), "serve", "--db", url, "--port", str(port),
                                 "--workers", str(workers)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    code = ("from salus.web.app import create_app; import uvicorn, sys; "
            f"uvicorn.run(create_app({url!r}), host='127.0.0.1', port={port}, "
            "log_level='warning', backlog=4096)")
    return subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL)


async def _wait_ready(base: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            try:
                if (await client.get(base + "/report")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.5)
    raise SystemExit("the server did not start")


def _payload(n: int) -> dict[str, str]:
    rng = random.Random(n)
    return {"category": rng.choice(FORM_CATEGORIES), "area_code": rng.choice(AREAS),
            "description": f"bench report {n}: shots heard near the market, {rng.random():.6f}",
            "occurred_on": "2024-05-01"}


async def _post(client: httpx.AsyncClient, key: str, n: int, api: bool,
                tally: Tally) -> httpx.Response | None:
    """One submission; a dropped connection is re-sent with the same key, as a phone would."""
    for _attempt in range(3):
        try:
            if api:
                return await client.post("/api/v1/citizen-reports", json=_payload(n),
                                         headers={"Idempotency-Key": key})
            return await client.post("/report", data=_payload(n) | {"submission_key": key})
        except httpx.TransportError as exc:
            name = "resent after " + type(exc).__name__
            tally.failures[name] = tally.failures.get(name, 0) + 1
    return None


async def _send(client: httpx.AsyncClient, key: str, n: int, api: bool, tally: Tally) -> str:
    started = time.perf_counter()
    r = await _post(client, key, n, api, tally)
    if r is None:
        tally.failures["gave up"] = tally.failures.get("gave up", 0) + 1
        return ""
    if api:
        ref = r.json().get("reference") if r.status_code in (200, 201) else None
    else:
        found = REFERENCE.search(r.text) if r.status_code == 200 else None
        ref = found.group(1) if found else None
    tally.latencies.append(time.perf_counter() - started)
    if ref is None:
        tally.failures[str(r.status_code)] = tally.failures.get(str(r.status_code), 0) + 1
        return ""
    return str(ref)


async def _one(client: httpx.AsyncClient, n: int, retry: str, tally: Tally) -> None:
    api = n % 5 == 0
    key = (uuid.uuid4().hex if api else "bench" + uuid.uuid4().hex)
    refs: list[str]
    if retry == "concurrent":
        refs = list(await asyncio.gather(_send(client, key, n, api, tally),
                                         _send(client, key, n, api, tally)))
    else:
        refs = [await _send(client, key, n, api, tally)]
        if retry == "after":
            refs.append(await _send(client, key, n, api, tally))
    refs = [r for r in refs if r]
    if refs:
        tally.references[("api:" if api else "web:") + key] = refs[0]
    if len(refs) > 1:
        tally.retries += 1
        tally.mismatched_retries += len(set(refs)) != 1


async def _fire(base: str, reports: int, clients: int, retries: int) -> tuple[Tally, float]:
    tally = Tally()
    plan = ["none"] * reports
    for i in random.Random(7).sample(range(reports), min(retries, reports)):
        plan[i] = "concurrent" if i % 2 else "after"
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(reports):
        queue.put_nowait(n)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=120) as client:
        async def worker() -> None:
            while not queue.empty():
                n = queue.get_nowait()
                await _one(client, n, plan[n], tally)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.perf_counter() - started
    return tally, elapsed


def _check(url: str, tally: Tally) -> dict[str, int]:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT idempotency_key, reference FROM citizen_report")).all()
    engine.dispose()
    stored = {key: ref for key, ref in rows}
    lost = sum(1 for key, ref in tally.references.items() if stored.get(key) != ref)
    return {"rows": len(rows), "distinct_keys": len(stored), "acknowledged": len(tally.references),
            "lost": lost, "duplicates": len(rows) - len(stored)}


def _report(tally: Tally, elapsed: float, counts: dict[str, int], backend: str,
            workers: int) -> None:
    lat = sorted(tally.latencies)
    q = statistics.quantiles(lat, n=100) if len(lat) >= 2 else [0.0] * 99
    print(f"backend {backend}, {workers} worker(s): {len(lat)} requests in {elapsed:.1f} s = "
          f"{len(lat) / elapsed:.0f} requests/s ({counts['acknowledged'] / elapsed:.0f} reports/s)")
    print(f"latency p50 {q[49] * 1000:.0f} ms, p95 {q[94] * 1000:.0f} ms, "
          f"p99 {q[98] * 1000:.0f} ms, max {lat[-1] * 1000:.0f} ms")
    print(f"acknowledged {counts['acknowledged']}, rows {counts['rows']}, lost {counts['lost']}, "
          f"duplicate rows {counts['duplicates']}, retries {tally.retries} "
          f"(mismatched references {tally.mismatched_retries}), failures {tally.failures}")


def _database(args: argparse.Namespace, folder: str) -> tuple[str, str | None]:
    if not args.postgresql:
        return f"sqlite:///{Path(folder) / 'bench.db'}", None
    admin = create_engine(args.postgresql, isolation_level="AUTOCOMMIT")
    name = f"salus_bench_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    admin.dispose()
    return url, name


def _drop(admin_url: str, name: str) -> None:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--retries", type=int, default=200, help="submissions sent twice")
    parser.add_argument("--postgresql", help="admin URL of a PostgreSQL server")
    parser.add_argument("--workers", type=int, default=2,
                        help="server processes: above 1, `salus serve --workers N`; 1: one "
                             "uvicorn process")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url, pg_name = _database(args, folder)
        _prepare(url)
        port = _free_port()
        server = _start(url, port, args.workers)
        try:
            base = f"http://127.0.0.1:{port}"
            asyncio.run(_wait_ready(base))
            cpu_before = _cpu_seconds(server.pid)
            client_before = time.process_time()
            tally, elapsed = asyncio.run(_fire(base, args.reports, args.clients, args.retries))
            client_cpu = time.process_time() - client_before
            cpu_after = _cpu_seconds(server.pid)
        finally:
            server.send_signal(signal.SIGINT)     # uvicorn's supervisor stops its workers
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        counts = _check(url, tally)
        _report(tally, elapsed, counts, "postgresql" if pg_name else "sqlite", args.workers)
        if cpu_before is not None and cpu_after is not None and tally.latencies:
            print(f"server CPU {cpu_after - cpu_before:.1f} s = "
                  f"{(cpu_after - cpu_before) / len(tally.latencies) * 1000:.1f} ms per request; "
                  f"this client {client_cpu:.1f} s; "
                  f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        if pg_name:
            _drop(args.postgresql, pg_name)
        ok = counts["lost"] == 0 and counts["duplicates"] == 0 and not tally.mismatched_retries
        print("OK: nothing lost, no duplicates" if ok else "FAILED")
        sys.exit(0 if ok else 1)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
