"""Benchmark: serial-number search over millions of weapons, SQLite and PostgreSQL (issue 6).

Not run in CI; prints figures. Builds ``--n`` synthetic weapons (``weapon_search_data.py``:
16 makers with their own serial formats and name spellings, 1 % obliterated) straight into the
``weapon`` table of a migrated store — a SQLite file in /tmp and a fresh PostgreSQL database
``salus_bench_weapons`` — then times ``search_weapons`` (the use case, audit write included) over
a mixed set of searches built from weapons drawn at random, caches warm (one untimed pass first):

    exact      the serial as marked            misread   confusables swapped, case, separators
    maker      exact serial + another spelling of the maker's name
    prefix     first 60 % of the key + ``*``   obliterated  two characters replaced by ``?``
    suffix     ``*`` + last five characters    infix     ``*`` + four middle characters + ``*``
    near       one character wrong (not a confusable): exact misses, partial + near passes run

Bulk load: indexes and triggers on ``weapon`` are dropped, rows go in (SQLite ``executemany`` in
100,000-row transactions; PostgreSQL ``COPY``), then indexes, the FTS5 table (``rebuild``) and
the triggers are created again and statistics gathered; each phase is timed.

    .venv/bin/python bench/bench_weapon_search.py --n 1000000
    .venv/bin/python bench/bench_weapon_search.py --n 5000000 --backend sqlite --backend postgresql
    .venv/bin/python bench/bench_weapon_search.py --reuse          # search again, no reload

PostgreSQL: the server of ``SALUS_TEST_POSTGRES_URL`` (default: local, trust auth); the database
name comes from ``SALUS_BENCH_PG_DATABASE`` (default ``salus_bench_weapons``), so a SQLite run and
a PostgreSQL run can load side by side.

Target: < 50 ms per search (p95) on both backends at 5,000,000 weapons. ``cpu p50`` is this
process's CPU time per search: all of the work on SQLite (in-process), only the client's share on
PostgreSQL; on a shared machine it shows what waiting for a CPU added to the wall-clock figures.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent))
import weapon_search_data as data

from salus.domain.accounts.roles import Viewer
from salus.domain.weapons.serials import CONFUSABLES, manufacturer_table
from salus.storage.db import create_engine, open_store
from salus.usecases.weapons.search import search_weapons

SQLITE_PATH = Path("/tmp/salus_bench_weapons.db")
PG_ADMIN = os.environ.get("SALUS_TEST_POSTGRES_URL",
                          "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PG_DB = os.environ.get("SALUS_BENCH_PG_DATABASE", "salus_bench_weapons")
BATCH = 100_000
OFFICER = Viewer.for_role("bench", "registry_officer")
KINDS = ("exact", "misread", "maker", "prefix", "obliterated", "suffix", "infix", "near")


def _say(message: str) -> None:
    print(message, flush=True)


def _timed(label: str, action: Callable[[], object]) -> None:
    start = time.perf_counter()
    action()
    _say(f"  {label:<34} {time.perf_counter() - start:8.1f} s")


# --- SQLite --------------------------------------------------------------------------------


def sqlite_store(n: int, reuse: bool) -> sa.Engine:
    url = f"sqlite:///{SQLITE_PATH}"
    if reuse:
        return create_engine(url)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{SQLITE_PATH}{suffix}").unlink(missing_ok=True)
    open_store(url).dispose()
    con = sqlite3.connect(SQLITE_PATH, isolation_level=None)
    con.execute("PRAGMA journal_mode=DELETE")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA cache_size=-1000000")
    saved = con.execute("SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'weapon' "
                        "AND type IN ('index', 'trigger') AND sql IS NOT NULL").fetchall()
    for kind, name, _ in saved:
        con.execute(f"DROP {kind.upper()} {name}")
    insert = (f"INSERT INTO weapon ({', '.join(data.COLUMNS)}) "
              f"VALUES ({', '.join('?' * len(data.COLUMNS))})")
    _timed(f"insert {n:,} rows (executemany)", lambda: _sqlite_insert(con, insert, n))
    for kind, name, sql in saved:
        if kind == "index":
            _timed(f"index {name}", lambda sql=sql: con.execute(sql))
    _timed("FTS5 trigram rebuild", lambda: con.execute(
        "INSERT INTO weapon_serial_fts(weapon_serial_fts) VALUES ('rebuild')"))
    for kind, _name, sql in saved:
        if kind == "trigger":
            con.execute(sql)
    _timed("ANALYZE", lambda: con.execute("ANALYZE"))
    con.execute("PRAGMA journal_mode=WAL")
    con.close()
    _say(f"  file size {SQLITE_PATH.stat().st_size / 2**20:,.0f} MiB")
    return create_engine(url)


def _sqlite_insert(con: sqlite3.Connection, insert: str, n: int) -> None:
    for batch in _batches(data.rows(n, "2024-01-01 00:00:00.000000"), BATCH):
        con.execute("BEGIN")
        con.executemany(insert, batch)
        con.execute("COMMIT")


def _batches(rows: Iterable[tuple[object, ...]], size: int) -> Iterable[list[tuple[object, ...]]]:
    batch: list[tuple[object, ...]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


# --- PostgreSQL ----------------------------------------------------------------------------


def postgres_store(n: int, reuse: bool) -> sa.Engine:
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    url = admin.url.set(database=PG_DB).render_as_string(hide_password=False)
    if reuse:
        return create_engine(url)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{PG_DB}"'))
    engine = open_store(url)
    raw = engine.raw_connection()
    cur = raw.cursor()
    cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'weapon' AND "
                "indexname NOT IN (SELECT conname FROM pg_constraint "
                "WHERE conrelid = 'weapon'::regclass)")
    saved = cur.fetchall()
    for name, _ in saved:
        cur.execute(f"DROP INDEX {name}")
    raw.commit()
    _timed(f"COPY {n:,} rows", lambda: _pg_copy(raw, n))
    cur.execute("SET maintenance_work_mem = '512MB'")
    for name, ddl in saved:
        _timed(f"index {name}", lambda ddl=ddl: (cur.execute(ddl), raw.commit()))
    raw.commit()
    raw.driver_connection.autocommit = True  # type: ignore[attr-defined]
    _timed("VACUUM ANALYZE", lambda: cur.execute("VACUUM ANALYZE weapon"))
    cur.execute("SELECT pg_total_relation_size('weapon')")
    _say(f"  table + indexes {cur.fetchone()[0] / 2**20:,.0f} MiB")  # type: ignore[index]
    raw.close()
    return engine


def _pg_copy(raw: object, n: int) -> None:
    cur = raw.cursor()  # type: ignore[attr-defined]
    with cur.copy(f"COPY weapon ({', '.join(data.COLUMNS)}) FROM STDIN") as copy:
        for row in data.rows(n, "2024-01-01 00:00:00+00"):
            copy.write_row(row)
    raw.commit()  # type: ignore[attr-defined]


# --- the searches --------------------------------------------------------------------------


def queries(engine: sa.Engine, per_kind: int, seed: int = 11) -> list[tuple[str, str, str | None,
                                                                           int]]:
    """``(kind, query, manufacturer, target id)`` for weapons drawn at random."""
    rng = random.Random(seed)
    with engine.connect() as conn:
        top = conn.scalar(sa.text("SELECT max(id) FROM weapon"))
        ids = rng.sample(range(1, int(top) + 1), per_kind * 3)
        rows = conn.execute(sa.text(
            "SELECT id, serial_number, serial_key, manufacturer_key FROM weapon "
            "WHERE id IN (" + ",".join(map(str, ids)) + ") AND serial_key IS NOT NULL")).all()
    aliases = {m.key: m.aliases for m in manufacturer_table().makers.values()}
    out = []
    for weapon_id, serial, key, maker in rows[:per_kind]:
        out += [("exact", serial, None, weapon_id),
                ("misread", _misread(serial, rng), None, weapon_id),
                ("maker", serial, rng.choice(aliases[maker]), weapon_id),
                ("prefix", key[:max(2, round(len(key) * 0.6))] + "*", None, weapon_id),
                ("obliterated", _obliterate(key, rng), None, weapon_id),
                ("suffix", "*" + key[-5:], None, weapon_id),
                ("infix", "*" + key[2:6] + "*", None, weapon_id),
                ("near", _near(key, rng), None, weapon_id)]
    return out


def _misread(serial: str, rng: random.Random) -> str:
    classes: dict[str, list[str]] = {}
    for letter, digit in CONFUSABLES.items():
        classes.setdefault(digit, [digit]).append(letter)
    members = {ch: group for group in classes.values() for ch in group}
    out = [rng.choice(members[ch]) if ch in members else ch for ch in serial]
    return "".join(out).lower().replace("-", " ")


def _obliterate(key: str, rng: random.Random) -> str:
    chars = list(key)
    for i in rng.sample(range(1, len(chars)), 2):
        chars[i] = "?"
    return "".join(chars)


def _near(key: str, rng: random.Random) -> str:
    i = rng.randrange(len(key))
    other = "7" if key[i] != "7" else "3"
    return key[:i] + other + key[i + 1:]


def run_searches(engine: sa.Engine, backend: str, per_kind: int) -> None:
    qs = queries(engine, per_kind)
    for _kind, query, maker, _ in qs:  # warm the caches
        search_weapons(engine, OFFICER, query, maker)
    times: dict[str, list[float]] = {k: [] for k in KINDS}
    cpu: dict[str, list[float]] = {k: [] for k in KINDS}
    found: dict[str, int] = dict.fromkeys(KINDS, 0)
    hits: dict[str, list[int]] = {k: [] for k in KINDS}
    for kind, query, maker, target in qs:
        start, start_cpu = time.perf_counter(), time.process_time()
        result = search_weapons(engine, OFFICER, query, maker)
        times[kind].append((time.perf_counter() - start) * 1000)
        cpu[kind].append((time.process_time() - start_cpu) * 1000)
        found[kind] += any(h.weapon_id == target for h in result.hits)
        hits[kind].append(len(result.hits))
    _say(f"\n{backend}: {len(qs)} searches, ms per search (use case incl. audit write); "
         f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    _say(f"  {'kind':<12}{'p50':>8}{'p95':>8}{'max':>8}{'cpu p50':>9}  {'target in hits':>15}"
         f"  {'mean hits':>9}  example")
    examples = {kind: (query, maker) for kind, query, maker, _ in qs}
    for kind in KINDS:
        ms = sorted(times[kind])
        p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
        example = examples[kind][0] + (f" / {examples[kind][1]}" if examples[kind][1] else "")
        _say(f"  {kind:<12}{statistics.median(ms):8.2f}{p95:8.2f}{ms[-1]:8.2f}"
             f"{statistics.median(cpu[kind]):9.2f}"
             f"  {found[kind]:>8}/{len(ms):<6}  {statistics.mean(hits[kind]):9.1f}  {example}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=5_000_000)
    parser.add_argument("--backend", action="append", choices=("sqlite", "postgresql"))
    parser.add_argument("--per-kind", type=int, default=40, help="searches of each kind")
    parser.add_argument("--reuse", action="store_true", help="search the stores already built")
    args = parser.parse_args()
    for backend in args.backend or ["sqlite", "postgresql"]:
        _say(f"\n{backend}: {'reusing' if args.reuse else 'loading'} {args.n:,} weapons")
        build = sqlite_store if backend == "sqlite" else postgres_store
        start = time.perf_counter()
        engine = build(args.n, args.reuse)
        if not args.reuse:
            _say(f"  {'load total':<34} {time.perf_counter() - start:8.1f} s")
        run_searches(engine, backend, args.per_kind)
        engine.dispose()


if __name__ == "__main__":
    main()
