"""Benchmark: Getis-Ord Gi* over the 250 x 400 grid workload with 999 permutations.

Not run in CI; prints figures. The grid comes from ``../shared/bench/workloads.py grid``
(Poisson(5) counts, Poisson(8) within distance 10 of row 80, column 300), the same data the peers
were timed on (esda ``G_Local``: 15-19 s on the 2-core machine). Weights: queen contiguity of the
lattice (``--rook`` for rook), binary, each cell its own neighbour (Gi*).

    .venv/bin/python bench/bench_hotspots.py              # Salus, best of 3 runs
    .venv/bin/python bench/bench_hotspots.py --esda       # and esda G_Local(star, "B"), 999 perms
    .venv/bin/python bench/bench_hotspots.py --spdep      # and z-values from R spdep::localG

Target: <= 4 s, z-values equal to spdep's ``localG`` (max |difference| printed).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from salus.analytics.alerts.hotspots import false_discovery_rate, getis_ord, lattice

WORKLOADS = Path(__file__).resolve().parents[2] / "shared" / "bench"
ROWS, COLS, PERMUTATIONS, SEED = 250, 400, 999, 20240602


def _grid() -> tuple[np.ndarray, np.ndarray]:
    sys.path.insert(0, str(WORKLOADS))
    from workloads import grid_counts  # type: ignore[import-not-found]

    counts, hot = grid_counts()
    return np.asarray(counts, dtype=np.float64), np.asarray(hot, dtype=bool)


def _timed(function, repeat: int):  # type: ignore[no-untyped-def]
    best_wall, best_cpu, result = float("inf"), float("inf"), None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        result = function()
        best_wall = min(best_wall, time.perf_counter() - wall)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    return result, best_wall, best_cpu


def _spdep_z(counts: np.ndarray, kind: str) -> np.ndarray:
    script = f"""suppressPackageStartupMessages(library(spdep))
x <- scan(commandArgs(TRUE)[1], quiet = TRUE)
nb <- include.self(cell2nb({ROWS}, {COLS}, type = "{kind}"))
z <- as.numeric(localG(x, nb2listw(nb, style = "B")))
writeLines(sprintf("%.17g", z), commandArgs(TRUE)[2])
"""
    with tempfile.TemporaryDirectory() as folder:
        values, out, code = (Path(folder) / n for n in ("x.txt", "z.txt", "g.R"))
        np.savetxt(values, counts, fmt="%d")
        code.write_text(script)
        subprocess.run(["Rscript", str(code), str(values), str(out)], check=True)
        return np.loadtxt(out)


def _esda(counts: np.ndarray, kind: str) -> tuple[float, np.ndarray]:
    import esda
    import libpysal

    w = libpysal.weights.lat2W(ROWS, COLS, rook=kind == "rook")
    start = time.perf_counter()
    result = esda.G_Local(counts, w, star=True, transform="B", permutations=PERMUTATIONS,
                          seed=SEED, n_jobs=1)
    return time.perf_counter() - start, np.asarray(result.Zs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rook", action="store_true", help="rook instead of queen contiguity")
    parser.add_argument("--esda", action="store_true", help="also time esda's G_Local")
    parser.add_argument("--spdep", action="store_true", help="compare z-values with spdep")
    args = parser.parse_args()
    kind = "rook" if args.rook else "queen"
    counts, hot = _grid()
    weights = lattice(ROWS, COLS, kind)
    getis_ord(counts[:100], lattice(10, 10, kind), permutations=9, seed=1)  # compile / load
    result, wall, cpu = _timed(
        lambda: getis_ord(counts, weights, permutations=PERMUTATIONS, seed=SEED), 3)
    print(f"grid {ROWS}x{COLS} ({ROWS * COLS:,} cells), {kind} + self, {PERMUTATIONS} permutations,"
          f" {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    print(f"Salus Gi*: {wall:.2f} s wall (best of 3), {cpu:.2f} s CPU")
    for name, p in (("analytical p", result.p_values), ("pseudo p", result.pseudo_p_values)):
        rejected, _ = false_discovery_rate(p, alpha=0.05)
        print(f"BH 5 % on {name}: planted cells flagged {rejected[hot].mean():.1%}, "
              f"other cells {rejected[~hot].mean():.2%}")
    print(f"pseudo p <= 0.05 (no multiplicity control): planted "
          f"{(result.pseudo_p_values[hot] <= 0.05).mean():.1%}, other "
          f"{(result.pseudo_p_values[~hot] <= 0.05).mean():.2%}")
    if args.spdep:
        z = _spdep_z(counts, kind)
        print(f"max |z - spdep::localG| = {np.abs(result.z_scores - z).max():.2e}")
    if args.esda:
        seconds, z = _esda(counts, kind)
        print(f"esda G_Local(star=True, transform='B'): {seconds:.2f} s; "
              f"max |z - esda| = {np.abs(result.z_scores - z).max():.2e}")


if __name__ == "__main__":
    main()
