"""Benchmark: SDG 16.4.2 over a large registry, counted in SQL.

Not run in CI; prints figures. Builds a store with ``--weapons`` weapons (default 200,000), each
with one recovery (seized 60 %, found 15 %, surrendered 25 %) dated 2019–2024 in one of 40
districts, tracing requests for 60 % of them (1–2 each, outcomes drawn at random) and 0.2 %
of recoveries corrected (moved by a few days), written with bulk inserts. Then times
``report_16_4_2`` for one year nationally, for one year in one region, and for the six years.

    .venv/bin/python bench/bench_sdg_16_4_2.py                       # SQLite
    .venv/bin/python bench/bench_sdg_16_4_2.py --postgres URL        # and a PostgreSQL server

Target: well under a second per report at 200,000 weapons (it is one GROUP BY).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

from salus.domain.accounts.roles import Viewer
from salus.domain.incidents.model import Area
from salus.storage import repository
from salus.storage.db import create_engine, open_store
from salus.storage.weapons import schema as arms
from salus.storage.weapons import stock_schema as st
from salus.usecases.weapons.sdg_16_4_2 import report_16_4_2

ANALYST = Viewer.for_role("bench", "analyst")
KINDS = ("seized",) * 12 + ("found",) * 3 + ("surrendered",) * 5
OUTCOMES = ("traced_illicit", "traced_legal", "not_traceable", "no_response", "pending")
BATCH = 20_000


def areas() -> list[Area]:
    out = [Area("XX", "Country", 0)]
    for r in range(4):
        out.append(Area(f"R{r}", f"Region {r}", 1, "XX"))
        out += [Area(f"R{r}-{d}", f"District {r}-{d}", 2, f"R{r}") for d in range(10)]
    return out


def build(engine: sa.Engine, n: int, seed: int = 16_4_2) -> None:
    rng = random.Random(seed)
    now = repository.now()
    with engine.begin() as conn:
        repository.save_areas(conn, areas())
        ids = [i for code, i in repository.area_ids(conn).items() if code.count("-") == 1]
    start = dt.date(2019, 1, 1)
    for first in range(1, n + 1, BATCH):
        block = range(first, min(first + BATCH, n + 1))
        weapons, events, traces, corrections = [], [], [], []
        for i in block:
            area = rng.choice(ids)
            weapons.append({"id": i, "uid": str(uuid.UUID(int=i)), "category": "rifle_carbine",
                            "serial_obliterated": False, "status": "seized", "area_id": area,
                            "created_by": "bench", "created_at": now, "updated_at": now})
            day = start + dt.timedelta(days=rng.randrange(6 * 365))
            events.append({"id": i, "weapon_id": i, "event_type": rng.choice(KINDS),
                           "occurred_on": day, "area_id": area, "details": {},
                           "corrects_event_id": None,
                           "recorded_by": "bench", "recorded_at": now})
            if rng.random() < 0.002:
                corrections.append({"id": n + i, "weapon_id": i, "event_type": "correction",
                                    "occurred_on": day, "corrects_event_id": i,
                                    "area_id": None,
                                    "details": {"occurred_on": str(day + dt.timedelta(days=3))},
                                    "recorded_by": "bench", "recorded_at": now})
            if rng.random() < 0.6:
                traces += [_trace(rng, i, day, k, now) for k in range(rng.choice((1, 1, 2)))]
        with engine.begin() as conn:
            conn.execute(arms.weapon.insert(), weapons)
            conn.execute(arms.weapon_event.insert(), events + corrections)
            if traces:
                conn.execute(st.trace_request.insert(), traces)


def _trace(rng: random.Random, i: int, day: dt.date, k: int, now: dt.datetime) -> dict:
    outcome = rng.choice(OUTCOMES)
    return {"reference": f"TR-{i}-{k}", "weapon_id": i, "recovery_event_id": i,
            "requested_to": "national_records" if k == 0 else "manufacturer",
            "status": "answered", "response_on": day, "outcome": outcome,
            "point_of_diversion": "unknown" if outcome == "traced_illicit" else None,
            "established_by": "records_check" if outcome.startswith("traced") else None,
            "created_by": "bench", "created_at": now, "updated_by": "bench", "updated_at": now}


def timed(engine: sa.Engine, label: str, period: str, area: str | None = None) -> None:
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        report = report_16_4_2(engine, ANALYST, period, area)
        best = min(best, time.perf_counter() - t0)
    total = report.result.total
    print(f"  {label:<28} {best * 1000:8.1f} ms   {total.numerator:>7} / {total.denominator:<7}"
          f" = {total.value or 0:.3f}")


def run(url: str, name: str, n: int) -> None:
    engine = open_store(url)
    t0 = time.perf_counter()
    build(engine, n)
    print(f"{name}: {n:,} weapons and recoveries built in {time.perf_counter() - t0:.1f} s")
    timed(engine, "2024, national", "2024")
    timed(engine, "2024, region R1", "2024", "R1")
    timed(engine, "2019..2024, national", "2019..2024")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weapons", type=int, default=200_000)
    parser.add_argument("--postgres", help="admin URL of a PostgreSQL server (a scratch "
                                           "database is created and dropped)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run(f"sqlite:///{Path(folder) / 'bench.db'}", "SQLite", args.weapons)
    if args.postgres:
        admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
        db = f"salus_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{db}"'))
        try:
            run(admin.url.set(database=db).render_as_string(hide_password=False),
                "PostgreSQL", args.weapons)
        finally:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
