"""Benchmark: SDG 16.1.1 by municipality × sex × year over 1M (or 5M) victims.

Not run in CI; prints figures. Builds a synthetic store directly with bulk inserts (no
domain objects): ~1,100 municipalities in 33 departments, 5 years (2019–2023), population
by municipality × year × sex × five-year age band, and homicide, attempted-homicide and
assault incidents whose victims add up to the requested number. Then times
``compute_indicator(store, "sdg-16-1-1", period="2019..2023", by="area,sex,year")``.

    .venv/bin/python bench/bench_indicators.py                 # 1M victims, SQLite
    .venv/bin/python bench/bench_indicators.py --postgres      # and PostgreSQL
    .venv/bin/python bench/bench_indicators.py --victims 5000000
    .venv/bin/python bench/bench_indicators.py --reuse         # keep an existing database

Target: under 1 s on SQLite for 1M victims (see docs/indicators.md for measured figures).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ibis
import numpy as np
import sqlalchemy as sa

from salus.analytics.indicators import query
from salus.analytics.indicators.definitions import get_definition
from salus.analytics.indicators.filters import parse_grouping
from salus.domain.incidents.model import Area
from salus.storage.db import create_engine, open_store
from salus.storage.repository import save_areas
from salus.usecases.indicators.compute import compute_indicator, connect

# these figures are the store's own: the DuckDB mirror (bench/bench_mirror.py times it) is off
os.environ.setdefault("SALUS_ANALYTICS_MIRROR", "off")

DEPARTMENTS, MUNICIPALITIES_PER_DEPARTMENT = 33, 33
YEARS = range(2019, 2024)
BANDS = [(lo, lo + 4) for lo in range(0, 80, 5)] + [(80, 999)]
POSTGRES_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
REQUEST = {"period": "2019..2023", "by": "area,sex,year"}


def build(url: str, victims: int, seed: int = 20231) -> None:
    """Create the schema and fill it with ``victims`` victims (and their incidents)."""
    engine = open_store(url)
    rng = np.random.default_rng(seed)
    with engine.begin() as conn:
        save_areas(conn, areas())
        ids = {code: i for code, i in conn.execute(sa.text("select code, id from area"))}
    munis = np.array([ids[a.code] for a in areas() if a.level == 2])
    load = _copy if engine.dialect.name == "postgresql" else _executemany
    t0 = time.perf_counter()
    load(
        engine,
        "population",
        ["area_id", "year", "sex", "age_min", "age_max", "population"],
        population_rows(munis, rng),
    )
    incidents, persons = events(munis, victims, rng)
    load(engine, "incident", list(incidents), _rows(incidents))
    load(engine, "person", list(persons), _rows(persons))
    with engine.begin() as conn:
        conn.execute(sa.text("ANALYZE"))
    print(
        f"  loaded {len(persons['role']):,} persons, {len(incidents['id']):,} incidents "
        f"in {time.perf_counter() - t0:.1f} s"
    )
    engine.dispose()


def areas() -> list[Area]:
    out = [Area("XB", "Benchlandia", 0)]
    for d in range(1, DEPARTMENTS + 1):
        out.append(Area(f"XB{d:02d}", f"Department {d}", 1, "XB"))
        out += [
            Area(f"XB{d:02d}{m:03d}", f"Municipality {d}-{m}", 2, f"XB{d:02d}")
            for m in range(1, MUNICIPALITIES_PER_DEPARTMENT + 1)
        ]
    return out


def population_rows(munis: np.ndarray, rng: np.random.Generator) -> list[tuple[Any, ...]]:
    size = rng.lognormal(10, 1, len(munis))  # municipality sizes from ~2,000 to ~500,000
    rows = []
    for i, area_id in enumerate(munis):
        for year in YEARS:
            for sex in ("female", "male"):
                share = rng.dirichlet(np.ones(len(BANDS)) * 20)
                rows += [
                    (int(area_id), year, sex, lo, hi, int(size[i] * s / 2) + 1)
                    for (lo, hi), s in zip(BANDS, share, strict=True)
                ]
    return rows


def events(
    munis: np.ndarray, victims: int, rng: np.random.Generator
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Incidents (70% homicide, 10% attempted, 20% serious assault) with 1–3 victims each
    (mean ~1.15) and a perpetrator for half of them."""
    n = int(victims / 1.15)
    start = dt.date(YEARS[0], 1, 1).toordinal()
    days = rng.integers(0, dt.date(YEARS[-1] + 1, 1, 1).toordinal() - start, n)
    code = rng.choice(np.array(["0101", "0102", "020111"]), n, p=[0.7, 0.1, 0.2])
    dates = np.array([dt.date.fromordinal(int(start + d)).isoformat() for d in days])
    weapons = np.array(["revolver_pistol", "assault_rifle", "sharp", "blunt", "unknown"])
    contexts = np.array(["crime", "domestic_violence", "unknown"])
    incidents = {
        "id": np.arange(1, n + 1),
        "uid": np.char.mod("b-%010d", np.arange(n)),
        "occurred_on": dates,
        "occurred_until": dates,
        "date_precision": np.full(n, "day"),
        "area_id": rng.choice(munis, n),
        "iccs_code": code,
        "attempted": code == "0102",
        "weapon_category": rng.choice(weapons, n),
        "misuse_context": rng.choice(contexts, n),
        "sensitivity": np.full(n, "restricted"),
        "content_hash": np.full(n, "0" * 64),
        "created_at": np.full(n, "2024-01-01 00:00:00"),
        "updated_at": np.full(n, "2024-01-01 00:00:00"),
    }
    return incidents, persons_of(incidents, victims, rng)


def persons_of(
    incidents: dict[str, np.ndarray], victims: int, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    n = len(incidents["id"])
    per = rng.choice([1, 2, 3], n, p=[0.87, 0.11, 0.02])
    per[: victims - per.sum()] += 1 if victims > per.sum() else 0
    owner = np.repeat(np.arange(n), per)[:victims]
    killed = incidents["iccs_code"][owner] == "0101"
    age = rng.integers(0, 90, len(owner))
    victim = {
        "incident_id": incidents["id"][owner],
        "role": np.full(len(owner), "victim"),
        "sex": rng.choice(
            np.array(["male", "female", "unknown"]), len(owner), p=[0.85, 0.14, 0.01]
        ),
        "age_min": age,
        "age_max": age,
        "outcome": np.where(killed, "killed", "injured"),
    }
    p = rng.random(n) < 0.5
    perp = {
        "incident_id": incidents["id"][p],
        "role": np.full(p.sum(), "perpetrator"),
        "sex": np.full(p.sum(), "male"),
        "age_min": np.full(p.sum(), 30),
        "age_max": np.full(p.sum(), 30),
        "outcome": np.full(p.sum(), "unharmed"),
    }
    return {k: np.concatenate([victim[k], perp[k]]) for k in victim}


def _rows(columns: dict[str, np.ndarray]) -> list[tuple[Any, ...]]:
    return list(zip(*(c.tolist() for c in columns.values()), strict=True))


def _executemany(
    engine: sa.Engine, table: str, columns: list[str], rows: list[tuple[Any, ...]]
) -> None:
    sql = f"insert into {table} ({', '.join(columns)}) values ({', '.join('?' * len(columns))})"
    raw = engine.raw_connection()
    try:
        raw.cursor().executemany(sql, rows)
        raw.commit()
    finally:
        raw.close()


def _copy(engine: sa.Engine, table: str, columns: list[str], rows: list[tuple[Any, ...]]) -> None:
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        raw.commit()
    finally:
        raw.close()


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float, float, Any]:
    """Wall time of the first (cold) run, then the median wall and CPU time of ``repeat`` warm
    runs, in seconds. CPU time is this process's (SQLite runs in it; PostgreSQL does not):
    on a shared, loaded machine it is the better estimate of the idle wall time."""
    t0 = time.perf_counter()
    out = fn()
    cold = time.perf_counter() - t0
    wall, cpu = [], []
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return cold, statistics.median(wall), statistics.median(cpu), out


def run(url: str, repeat: int) -> None:
    engine = create_engine(url)
    with engine.connect() as conn:
        n = conn.execute(sa.text("select count(*) from person where role = 'victim'")).scalar()
    print(f"  {n:,} victims in the store")
    cold, warm, cpu, result = timed(
        lambda: compute_indicator(engine, "sdg-16-1-1", **REQUEST), repeat
    )
    print(
        f"  compute_indicator sdg-16-1-1 by municipality x sex x year: cold {cold:.3f} s, "
        f"warm median {warm:.3f} s wall, {cpu:.3f} s CPU in this process "
        f"({len(result.rows):,} rows, {sum(r.victims or 0 for r in result.rows):,} victims)"
    )
    with connect(engine) as con:
        expr = _count_expression(con)
        _, sql_wall, sql_cpu, frame = timed(lambda: con.execute(expr), repeat)
    print(
        f"  of which the counting query: {sql_wall:.3f} s wall, {sql_cpu:.3f} s CPU "
        f"({len(frame):,} groups)"
    )
    _, inc_wall, inc_cpu, inc = timed(
        lambda: compute_indicator(engine, "homicide-incidents", **REQUEST), repeat
    )
    print(
        f"  homicide-incidents by municipality x sex x year: {inc_wall:.3f} s wall, "
        f"{inc_cpu:.3f} s CPU ({sum(r.incidents or 0 for r in inc.rows):,} incident-rows)"
    )
    _, m_wall, m_cpu, _ = timed(
        lambda: compute_indicator(engine, "sdg-16-1-1", period="2023-05", by="area,sex"), repeat
    )
    print(
        f"  sdg-16-1-1 for one month by municipality x sex: {m_wall:.3f} s wall, {m_cpu:.3f} s CPU"
    )
    print(f"  load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    engine.dispose()


def run_duckdb(sqlite_url: str, repeat: int) -> None:
    duck = ibis.duckdb.connect()
    with connect(sqlite_url) as source:
        for name, columns in query.COLUMNS.items():
            duck.create_table(name, source.table(name).select(*columns).to_pyarrow())
    cold, warm, cpu, result = timed(
        lambda: compute_indicator(duck, "sdg-16-1-1", **REQUEST), repeat
    )
    print(
        f"  compute_indicator: cold {cold:.3f} s, warm median {warm:.3f} s wall, "
        f"{cpu:.3f} s CPU (DuckDB uses both cores) ({len(result.rows):,} rows)"
    )


def _count_expression(con: Any) -> Any:
    """The counting query of the request above, as the engine builds it."""
    definition = get_definition("sdg-16-1-1")
    source = query.Source(con)
    start, split, end = dt.date(2014, 1, 1), dt.date(2019, 1, 1), dt.date(2024, 1, 1)
    plan = query.CountPlan(
        definition.filters,
        parse_grouping(["area", "sex", "year"], "sdg", "bench"),
        "victims",
        start,
        split,
        end,
        level=2,
        victims_first=source.victims_first(start, end),
    )
    return query.counts(source, plan)


def postgres_url(name: str, reuse: bool) -> tuple[str, bool]:
    """URL of the benchmark database, and whether an existing one is kept."""
    admin = create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = bool(
            conn.execute(
                sa.text("select 1 from pg_database where datname = :n"), {"n": name}
            ).scalar()
        )
        if not (reuse and exists):
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return f"postgresql://postgres@127.0.0.1:5432/{name}", reuse and exists


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--victims", type=int, default=1_000_000)
    parser.add_argument("--sqlite", type=Path, default=Path("/tmp/salus_bench.db"))
    parser.add_argument("--postgres", action="store_true", help="also on local PostgreSQL")
    parser.add_argument("--reuse", action="store_true", help="keep existing databases")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--duckdb", action="store_true", help="also on an in-memory DuckDB copy of the tables"
    )
    args = parser.parse_args()
    suffix = f"{args.victims // 1000}k"
    sqlite_path = args.sqlite.with_name(f"{args.sqlite.stem}_{suffix}{args.sqlite.suffix}")
    targets = [("SQLite", f"sqlite:///{sqlite_path}", args.reuse and sqlite_path.exists())]
    if args.postgres:
        name = f"salus_bench_{suffix}"
        targets.append(("PostgreSQL", *postgres_url(name, args.reuse)))
    for label, url, keep in targets:
        print(f"{label}: {url}")
        if not keep:
            if label == "SQLite":
                sqlite_path.unlink(missing_ok=True)
            build(url, args.victims)
        run(url, args.repeat)
    if args.duckdb:
        print("DuckDB (in memory, copied from the SQLite store; copy not timed)")
        run_duckdb(targets[0][1], args.repeat)


if __name__ == "__main__":
    main()
