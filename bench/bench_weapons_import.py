"""Benchmark: importing a registry file (weapons with owners, licences and registrations), then
importing it again (the idempotent pass), on a fresh store.

Every row goes through the registry's use cases (weapon rules and the duplicate-serial check,
owner and licence look-ups, the lifecycle state machine, holdings, audit), inside one
transaction with a savepoint per row; this prints rows per second for both passes.

    .venv/bin/python bench/bench_weapons_import.py                    # 2,000 rows, SQLite
    .venv/bin/python bench/bench_weapons_import.py --rows 5000
    .venv/bin/python bench/bench_weapons_import.py --postgresql postgresql://postgres@127.0.0.1/postgres
"""

from __future__ import annotations

import argparse
import csv
import random
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from salus.domain.accounts.roles import UserRole, Viewer
from salus.domain.incidents.model import Area
from salus.storage import repository
from salus.storage.db import create_engine, open_store
from salus.usecases.weapons.imports import import_registry

MAKERS = ("Zastava Arms", "Glock", "Beretta", "Baikal", "Česká zbrojovka", "Makarov")
HEADER = ["Category", "Manufacturer", "Model", "Serial number", "Year of manufacture",
          "Area code", "Owner kind", "Given name", "Family name", "ID document type",
          "ID document number", "Licence number", "Licence type", "Licence issued on",
          "Licence expires on", "Registered on", "Event", "Event date"]


def write_file(path: Path, rows: int, seed: int = 6) -> None:
    """``rows`` weapons; about one owner in three holds two weapons under one licence."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(HEADER)
        for i in range(rows):
            owner = i if rng.random() < 0.66 else max(0, i - 1)
            out.writerow(["Pistol", MAKERS[i % len(MAKERS)], "M", f"S{i:07d}", 2000 + i % 20,
                          f"D{i % 10}", "individual", "Given", f"Family{owner}", "passport",
                          f"P{owner:08d}", f"L{owner:08d}", "possession", "01/02/2021",
                          "01/02/2031", "05/02/2021", "imported", "01/01/2021"])


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
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--postgresql", default=None, help="server URL (a new database is made)")
    args = parser.parse_args()
    engine, backend, drop = store(args.postgresql)
    try:
        run(engine, backend, args.rows)
    finally:
        drop()


def run(engine: sa.Engine, backend: str, rows: int) -> None:
    with engine.begin() as conn:
        repository.save_areas(conn, [Area("C", "Country", 0)] + [
            Area(f"D{i}", f"District {i}", 1, "C") for i in range(10)])
    path = Path(tempfile.mkdtemp()) / "registry.csv"
    write_file(path, rows)
    officer = Viewer.for_role("bench", UserRole.REGISTRY_OFFICER)
    for label in ("first import", "re-import (idempotent)"):
        start = time.perf_counter()
        report = import_registry(engine, officer, path)
        took = time.perf_counter() - start
        assert report.committed and not report.errors, report.errors[:3]
        print(f"{backend} {label}: {rows} rows in {took:.1f} s = "
              f"{rows / took:.0f} rows/s (weapons added {report.weapons_added}, owners "
              f"{report.owners_added}, registrations {report.registrations})")


if __name__ == "__main__":
    main()
