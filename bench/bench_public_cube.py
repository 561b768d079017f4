"""Benchmark: the public cube of complementary suppression (issue 15, item 3) on the demo.

Builds a demo of ``--incidents`` events (2023-2024) in a temporary SQLite store, then times the
cube of the dashboard's indicator for 2024 (every area level x total, month, sex, age band,
weapon, context: one count query each) and its suppression, and prints how many victim cells of
each area level are published, hidden as ``<5`` and withheld as ``c``; then one public answer
(which builds the cubes of 2024 and 2023) and the same answer again (cubes cached).

    .venv/bin/python bench/bench_public_cube.py                 # 2,000 incidents
    .venv/bin/python bench/bench_public_cube.py --incidents 20000
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections import Counter
from pathlib import Path

import sqlalchemy as sa

from salus.analytics.indicators.linked import WHOLE
from salus.demo.build import build_demo
from salus.storage import schema as t
from salus.storage.db import open_store
from salus.usecases.indicators import protection
from salus.usecases.indicators.compute import (
    _definition,
    _request,
    compute_indicator,
    connect,
    with_primary_series,
)
from salus.usecases.indicators.dashboard import INDICATOR, definitions_folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--incidents", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        engine = open_store(f"sqlite:///{Path(folder) / 'salus.db'}")
        build_demo(engine, incidents=args.incidents, years=(2023, 2024))
        definition = _definition(INDICATOR, [definitions_folder()])
        request = _request(definition, "2024", [], None, None, True, 5, False)
        with connect(engine) as con:
            request = with_primary_series(con, request)
            start = time.perf_counter()
            cube = protection.build(con, definition, request)
            took = time.perf_counter() - start
        print(f"demo of {args.incidents:,} incidents: cube of {len(cube.keys):,} cells and "
              f"{len(cube.relations):,} relations built and protected in {took:.1f} s")
        with engine.connect() as conn:
            levels = dict(conn.execute(sa.select(t.area.c.code, t.area.c.level)).all())
        s = cube.suppression["victims"]
        tally: Counter[tuple[str, str]] = Counter()
        for i, (area, _cats) in enumerate(cube.keys):
            level = "all" if area == WHOLE else f"level {levels[area]}"
            state = ("published" if not s.hidden[i] else "<5" if s.small_label[i] else "c")
            tally[(level, state)] += 1
        for level in sorted({lv for lv, _ in tally}):
            counts = {state: tally[(level, state)] for state in ("published", "<5", "c")}
            print(f"  {level:>14}: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
        for label in ("first public answer (both cubes built)", "second (cubes cached)"):
            start = time.perf_counter()
            compute_indicator(engine, INDICATOR, period="2024", by=["sex"], public=True,
                              definitions=[definitions_folder()])
            print(f"  {label}: {time.perf_counter() - start:.1f} s")
        engine.dispose()


if __name__ == "__main__":
    main()
