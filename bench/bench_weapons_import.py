"""Benchmark (issue 11): importing a registry file (weapons with owners, licences,
registrations and a first event), then importing it again (the idempotent pass), on a fresh store.

The file is deterministic for a size and a seed (:func:`write_file`): 10,000, 100,000 or 1M rows
of a national registry — about one owner in three holds two weapons under one licence, one row
in twenty is a company, one row in ten has no holder (a dealer's stock), dates, makers,
categories and districts vary. ``--path bulk`` (the default) is the set-based path of
:mod:`salus.usecases.weapons.imports_bulk`; ``--path rows`` sends every row through the
registry's use cases one by one (the path before issue 11: a savepoint, the rules, the look-ups,
the lifecycle state machine and the audit per row). Prints rows per second (wall clock) and this
process's CPU seconds for both passes (on a shared machine the CPU time is the steadier figure;
PostgreSQL's own work is in the wall clock only), and this process's peak resident memory
(``getrusage``: the file is read whole before it is checked, so it grows with the file). With
a PostgreSQL server on this machine it also prints the CPU time of the server processes that
served the import (from ``/proc``): client and server CPU together is what an idle machine
would take.

    .venv/bin/python bench/bench_weapons_import.py                          # 10,000 rows, SQLite
    .venv/bin/python bench/bench_weapons_import.py --rows 100000
    .venv/bin/python bench/bench_weapons_import.py --rows 2000 --path rows  # the row-by-row path
    .venv/bin/python bench/bench_weapons_import.py --postgresql postgresql://postgres@127.0.0.1/postgres
    .venv/bin/python bench/bench_weapons_import.py --write-only registry.csv --rows 1000000
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from salus.demo.weapons.national import write_registry_file
from salus.domain.accounts.roles import UserRole, Viewer
from salus.domain.incidents.model import Area
from salus.storage import repository
from salus.storage.db import create_engine, open_store
from salus.usecases.weapons.imports import import_registry

DISTRICTS = 10
AREAS = [f"D{i}" for i in range(DISTRICTS)]


def write_file(path: Path, rows: int, seed: int = 6) -> None:
    """``rows`` weapons, the same file for the same ``rows`` and ``seed``: the demo's national
    registry file (:func:`salus.demo.weapons.national.write_registry_file`, the generator of
    ``salus demo --weapons N``) over ten districts."""
    write_registry_file(path, rows, seed, AREAS)


def store(url: str | None) -> tuple[sa.Engine, str, Callable[[], None]]:
    """A fresh store and how to remove it afterwards."""
    if url is None:
        folder = Path(tempfile.mkdtemp())
        return open_store(f"sqlite:///{folder / 'bench.db'}"), "SQLite", lambda: None
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    name = f"salus_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine = open_store(admin.url.set(database=name).render_as_string(hide_password=False))

    def drop() -> None:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    return engine, "PostgreSQL", drop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--path", choices=["bulk", "rows"], default="bulk")
    parser.add_argument("--postgresql", default=None, help="server URL (a new database is made)")
    parser.add_argument("--write-only", type=Path, default=None,
                        help="only write the deterministic file here and stop")
    args = parser.parse_args()
    if args.write_only is not None:
        write_file(args.write_only, args.rows, args.seed)
        return
    engine, backend, drop = store(args.postgresql)
    try:
        run(engine, backend, args.rows, args.seed, args.path == "bulk")
    finally:
        drop()


def run(engine: sa.Engine, backend: str, rows: int, seed: int = 6, bulk: bool = True) -> None:
    with engine.begin() as conn:
        repository.save_areas(conn, [Area("C", "Country", 0)] + [
            Area(f"D{i}", f"District {i}", 1, "C") for i in range(DISTRICTS)])
    path = Path(tempfile.mkdtemp()) / "registry.csv"
    write_file(path, rows, seed)
    officer = Viewer.for_role("bench", UserRole.REGISTRY_OFFICER)
    for label in ("first import", "re-import (idempotent)"):
        server = server_cpu(engine)
        start, cpu = time.perf_counter(), time.process_time()
        report = import_registry(engine, officer, path, bulk=bulk)
        took, cpu = time.perf_counter() - start, time.process_time() - cpu
        server = server_cpu(engine, server)
        assert report.committed and not report.errors, report.errors[:3]
        print(f"{backend} {'bulk' if bulk else 'row-by-row'} {label}: {rows} rows in "
              f"{took:.1f} s = {rows / took:.0f} rows/s, CPU {cpu:.1f} s = {rows / cpu:.0f} "
              f"rows per CPU-second (weapons added {report.weapons_added}, owners "
              f"{report.owners_added}, licences {report.licences_added}, registrations "
              f"{report.registrations}, events {report.events}); peak RSS {peak_mib():.0f} MiB",
              flush=True)
        if server:
            both = cpu + sum(server.values())
            print(f"  PostgreSQL server processes of this database: CPU "
                  f"{sum(server.values()):.1f} s; client and server together {both:.1f} s = "
                  f"{rows / both:.0f} rows per CPU-second", flush=True)


def server_cpu(engine: sa.Engine, since: dict[int, float] | None = None) -> dict[int, float]:
    """CPU seconds (user and system, from ``/proc``) of the PostgreSQL server processes serving
    this database, where the server runs on this machine; with ``since``, what each used
    after it (a process started meanwhile counts from zero). Empty for SQLite or a remote
    server: there the process's own CPU time is the whole cost."""
    if engine.dialect.name != "postgresql":
        return {}
    with engine.connect() as conn:
        pids = conn.execute(sa.text("SELECT pid FROM pg_stat_activity "
                                    "WHERE datname = current_database()")).scalars().all()
    tick = os.sysconf("SC_CLK_TCK")
    out: dict[int, float] = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used = (int(fields[11]) + int(fields[12])) / tick  # utime and stime
        out[int(pid)] = used - (since or {}).get(int(pid), 0.0) if since is not None else used
    return out


def peak_mib() -> float:
    """This process's peak resident set size so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main()
