"""Benchmark: export a 1M-victim store to Parquet, then SDG 16.1.1 on DuckDB and Spark over it.

Not run in CI; prints figures. The store is the synthetic one of ``bench_indicators.py``
(~1,100 municipalities, 2019–2023, homicide, attempted homicide and assault; built there or
here). Times, on the same request (SDG 16.1.1 by municipality × sex × year over 2019–2023):

1. ``export_parquet`` (``salus export parquet``): wall time, rows per second, and the
   process's peak resident memory before and after the export (``ru_maxrss``);
2. the indicator on the store (SQLite), on DuckDB over the export and on Spark local mode
   over the export (cold: the first request, with Spark's session start apart; warm: median),
   and checks that the three give identical rows.

    .venv/bin/python bench/bench_spark_parquet.py                  # 1M victims
    .venv/bin/python bench/bench_spark_parquet.py --reuse          # keep the built store
    .venv/bin/python bench/bench_spark_parquet.py --victims 200000 --no-spark
    .venv/bin/python bench/bench_spark_parquet.py --reuse --export-only  # export memory alone
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_indicators import REQUEST, build

from salus.storage.db import create_engine
from salus.usecases.indicators.compute import compute_indicator
from salus.usecases.indicators.parquet import (
    compute_on_parquet,
    export_parquet,
    local_spark,
)


def peak_mb() -> float:
    """Peak resident memory of this process so far, in MB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """Cold (first) time, median of ``repeat`` warm times, and the last result."""
    t0 = time.perf_counter()
    out = fn()
    cold = time.perf_counter() - t0
    warm = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        warm.append(time.perf_counter() - t0)
    return cold, statistics.median(warm) if warm else cold, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--victims", type=int, default=1_000_000)
    parser.add_argument("--sqlite", type=Path, default=Path("/tmp/salus_bench_parquet.db"))
    parser.add_argument("--out", type=Path, default=Path("/tmp/salus_bench_parquet"))
    parser.add_argument("--reuse", action="store_true", help="keep an existing store")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--chunk-rows", type=int, default=50_000)
    parser.add_argument("--no-spark", action="store_true")
    parser.add_argument("--export-only", action="store_true",
                        help="stop after the export (with --reuse: its peak memory alone)")
    args = parser.parse_args()
    url = f"sqlite:///{args.sqlite}"
    if not (args.reuse and args.sqlite.exists()):
        args.sqlite.unlink(missing_ok=True)
        t0 = time.perf_counter()
        build(url, args.victims)
        print(f"built {args.victims:,} victims in {time.perf_counter() - t0:.1f} s "
              "(peak memory below includes the build)")
    engine = create_engine(url)
    shutil.rmtree(args.out, ignore_errors=True)
    before = peak_mb()
    t0 = time.perf_counter()
    manifest = export_parquet(engine, args.out, chunk_rows=args.chunk_rows)
    seconds = time.perf_counter() - t0
    rows = sum(manifest.rows.values())
    size = sum(f.stat().st_size for f in args.out.iterdir()) / 1e6
    print(f"export: {rows:,} rows ({manifest.rows['person']:,} persons, "
          f"{manifest.rows['incident']:,} incidents) in {seconds:.1f} s = "
          f"{rows / seconds:,.0f} rows/s, {size:.0f} MB of Parquet; peak memory "
          f"{before:.0f} MB before, {peak_mb():.0f} MB after")
    if args.export_only:
        return

    request: dict[str, Any] = dict(REQUEST)
    results = {}
    cold, warm, results["store"] = timed(
        lambda: compute_indicator(engine, "sdg-16-1-1", **request), args.repeat)
    print(f"store (SQLite):        cold {cold:.2f} s, warm {warm:.2f} s "
          f"({len(results['store'].rows):,} rows)")
    cold, warm, results["duckdb"] = timed(
        lambda: compute_on_parquet(args.out, "sdg-16-1-1", **request), args.repeat)
    print(f"DuckDB over Parquet:   cold {cold:.2f} s, warm {warm:.2f} s (opens the export "
          "each time)")
    if not args.no_spark:
        t0 = time.perf_counter()
        session = local_spark()
        print(f"Spark session start:   {time.perf_counter() - t0:.1f} s (local[*], 4 partitions)")
        cold, warm, results["spark"] = timed(
            lambda: compute_on_parquet(args.out, "sdg-16-1-1", engine="spark",
                                       session=session, **request), args.repeat)
        print(f"Spark over Parquet:    cold {cold:.2f} s, warm {warm:.2f} s")
    reference = results["store"].records()
    for name, result in results.items():
        same = result.records() == reference
        print(f"  {name}: {'identical rows' if same else 'ROWS DIFFER'}")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs (shared machine)")
    engine.dispose()


if __name__ == "__main__":
    main()
