"""Benchmark: prospective space-time permutation scan over 3,000 locations x 365 days.

Not run in CI; prints figures. Data from ``../shared/bench/workloads.py spacetime`` (60,000
cases drawn by lognormal population weight and uniform day, plus 60 cases at the 20 locations
nearest (0.3, 0.7) during the last 7 days). The reference analysis, as timed for SaTScan 10.3.2
(about 26 s on the 2-core machine): prospective scan ending on the last day, windows up to 30
days, circles of the 100 nearest locations (and at most 50 % of the cases), 999 replicates.

    .venv/bin/python bench/bench_scan.py                  # CPU (Numba), best of 2 runs
    .venv/bin/python bench/bench_scan.py --backend gpu    # CuPy, where a CUDA device answers
    .venv/bin/python bench/bench_scan.py --replicates 99

Target: <= 10 s on the CPU (<= 1 s on a GPU), the planted cluster as most likely cluster.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

from salus.analytics.alerts.scan import ScanOptions, incident_counts, space_time_permutation_scan

WORKLOADS = Path(__file__).resolve().parents[2] / "shared" / "bench"


def _workload() -> tuple[np.ndarray, np.ndarray]:
    sys.path.insert(0, str(WORKLOADS))
    from workloads import space_time_cases  # type: ignore[import-not-found]

    xy, location, day = space_time_cases()
    return np.asarray(xy), incident_counts(location, day, len(xy), 365)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=999)
    parser.add_argument("--backend", default="cpu", choices=["cpu", "gpu", "auto"])
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    xy, counts = _workload()
    options = ScanOptions(seed=20240603, prospective=True, max_duration=30, max_neighbours=100,
                          replicates=args.replicates, backend=args.backend)
    warm = ScanOptions(seed=1, max_duration=30, max_neighbours=100, replicates=9,
                       backend=args.backend)
    space_time_permutation_scan(counts, xy, warm)  # compile / load the kernels
    best_wall, best_cpu = float("inf"), float("inf")
    for _ in range(args.repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = space_time_permutation_scan(counts, xy, options)
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    print(f"{counts.shape[0]:,} locations x {counts.shape[1]} days, {int(counts.sum()):,} cases; "
          f"{args.replicates} replicates, backend {args.backend}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"Salus scan: {best_wall:.2f} s wall (best of {args.repeat}), {best_cpu:.2f} s CPU")
    planted = set(np.argsort(((xy - [0.3, 0.7]) ** 2).sum(axis=1))[:20].astype(str).tolist())
    for cluster in result.clusters[:3]:
        inside = len(planted & set(cluster.locations))
        print(f"#{cluster.rank}: centre {cluster.centre}, {len(cluster.locations)} locations "
              f"({inside} of the 20 planted), days {cluster.start}-{cluster.end}, "
              f"observed {cluster.observed}, expected {cluster.expected:.2f}, "
              f"LLR {cluster.llr:.2f}, p = {cluster.p_value:.3f}")


if __name__ == "__main__":
    main()
