"""Benchmark: importing a destruction list of N serial numbers into a destruction event.

Builds a fresh SQLite store (or a PostgreSQL database with ``--postgresql URL``: a new database
is created and dropped there) with N seized rifles, writes a CSV of their serials *as read*
(lower case, a space for the dash) plus an ammunition line, then times
:func:`salus.usecases.weapons.destruction_import.import_destruction_list` twice: a dry run (every
row checked, then rolled back) and the real import. Each weapon goes through the lifecycle rules
(``record_event_in``) one by one, as a hand-recorded destruction does. Prints rows per second.

    .venv/bin/python bench/bench_destruction_list.py                 # 5,000 rows, SQLite
    .venv/bin/python bench/bench_destruction_list.py --rows 20000
    .venv/bin/python bench/bench_destruction_list.py --postgresql postgresql://postgres@127.0.0.1/postgres
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

from salus.domain.accounts.roles import UserRole, Viewer
from salus.domain.incidents import model as m
from salus.domain.weapons.serials import manufacturer_key, serial_key
from salus.storage import repository
from salus.storage.db import open_store
from salus.storage.weapons import schema as w
from salus.usecases.weapons import campaigns as uc
from salus.usecases.weapons.destruction_import import import_destruction_list


def _store(args: argparse.Namespace, folder: Path) -> tuple[sa.Engine, str | None]:
    if not args.postgresql:
        return open_store(f"sqlite:///{folder / 'bench.db'}"), None
    name = f"salus_bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(args.postgresql, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(args.postgresql).set(database=name)
    return open_store(url.render_as_string(hide_password=False)), name


def _seed(engine: sa.Engine, n: int) -> list[str]:
    now = repository.now()
    with engine.begin() as conn:
        repository.save_areas(conn, [m.Area("C", "Country", 0), m.Area("R1", "North", 1, "C")])
        area = repository.area_ids(conn)["R1"]
        serials = [f"KX-{i:06d}" for i in range(n)]
        conn.execute(w.weapon.insert(), [
            {"uid": str(uuid.uuid4()), "category": "assault_rifle", "manufacturer": "Norinco",
             "manufacturer_key": manufacturer_key("Norinco"), "serial_number": s,
             "serial_key": serial_key(s), "serial_obliterated": False, "status": "seized",
             "area_id": area, "created_by": "bench", "created_at": now, "updated_at": now}
            for s in serials])
        ids = dict(conn.execute(sa.select(w.weapon.c.serial_number, w.weapon.c.id)).all())
        conn.execute(w.weapon_event.insert(), [
            {"weapon_id": ids[s], "event_type": "seized", "occurred_on": dt.date(2024, 1, 15),
             "details": {}, "recorded_by": "bench", "recorded_at": now} for s in serials])
    return serials


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--postgresql", help="a server URL (a database is created there)")
    args = parser.parse_args()
    officer = Viewer.for_role("bench", UserRole.REGISTRY_OFFICER)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        engine, database = _store(args, folder)
        try:
            serials = _seed(engine, args.rows)
            uc.add_destruction_batch(engine, officer, uc.BatchInput(
                "BENCH-1", "cutting", dt.date(2024, 6, 1), "Depot"))
            path = folder / "list.csv"
            path.write_text("Serial number,Item,Calibre,Quantity\n" + "".join(
                f"{s.lower().replace('-', ' ')},,,\n" for s in serials)
                + ",ammunition,7.62x39mm,25000\n", encoding="utf-8")
            for label, dry in (("dry run", True), ("import", False)):
                started = time.perf_counter()
                report = import_destruction_list(engine, officer, path, "BENCH-1",
                                                 dry_run=dry)
                took = time.perf_counter() - started
                print(f"{engine.dialect.name} {label}: {report.rows_read + 0:,} rows, "
                      f"{report.weapons:,} weapons, {len(report.errors)} errors in {took:.1f} s "
                      f"({report.rows_read / took:,.0f} rows/s)")
        finally:
            engine.dispose()
            if database:
                admin = sa.create_engine(args.postgresql, isolation_level="AUTOCOMMIT")
                with admin.connect() as conn:
                    conn.execute(sa.text(f'DROP DATABASE "{database}"'))


if __name__ == "__main__":
    main()
