"""Benchmark: Farrington-flexible on 3,000 areas x 520 weeks (last 52 weeks evaluated).

Not part of CI. Run from the repository root:

    .venv/bin/python bench/bench_surveillance.py

The workload comes from ``../shared/bench/workloads.py weekly`` (deterministic; R was timed on
the same data). The script times :func:`salus.analytics.alerts.surveillance.farrington_flexible` on
all
areas with R's default settings and with Noufaily's options, and compares alarms and bounds with
R's ``surveillance::farringtonFlexible`` on the 20-area sample stored in
``tests/golden/surveillance/bench_flexible_*.json`` (made by tests/reference/surveillance.R).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time
from pathlib import Path
from types import ModuleType

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
from surveillance_golden import load_case, python_arguments  # noqa: E402

from salus.analytics.alerts.surveillance import farrington_flexible  # noqa: E402
from salus.analytics.alerts.surveillance.glm_kernel import threads  # noqa: E402

WORKLOADS = ROOT.parent / "shared" / "bench" / "workloads.py"
SETTINGS = {
    "R defaults (noPeriods=1, delta)": {},
    "Noufaily options (noPeriods=10, pastWeeksNotIncluded=26)": {
        "no_periods": 10,
        "past_weeks_not_included": 26,
        "weights_threshold": 2.58,
    },
}
GOLDEN = {
    "R defaults (noPeriods=1, delta)": "bench_flexible_default",
    "Noufaily options (noPeriods=10, pastWeeksNotIncluded=26)": "bench_flexible_noufaily",
}


def load_workloads() -> ModuleType:
    """Import ``../shared/bench/workloads.py`` by path."""
    spec = importlib.util.spec_from_file_location("workloads", WORKLOADS)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {WORKLOADS}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def agreement_with_r(golden_name: str, options: dict[str, object]) -> str:
    """Alarm and bound agreement with R on the stored 20-area sample."""
    case = load_case(golden_name)
    result = farrington_flexible(case["observed"], **python_arguments(case))
    r_alarms = np.nan_to_num(case["alarm"]) == 1
    reported = ~np.isnan(case["upperbound"])
    relative = np.abs(result.upper_bound[reported] / case["upperbound"][reported] - 1)
    r_seconds_per_area = case["seconds"] / case["observed"].shape[1]
    return (
        f"  vs R on {case['observed'].shape[1]} areas x {len(case['rows'])} weeks: "
        f"{int((result.alarm == r_alarms).sum())}/{r_alarms.size} alarm flags identical "
        f"({int(r_alarms.sum())} R alarms, {int(result.alarm.sum())} Salus alarms); "
        f"max relative difference of upper bounds {relative.max():.1e}\n"
        f"  R: {r_seconds_per_area:.2f} s per area -> {r_seconds_per_area * 3000 / 60:.1f} min "
        "for 3,000 areas (same machine, when the golden files were made)"
    )


def detection(result: object, outbreak_start: np.ndarray) -> str:
    """Planted outbreaks flagged during their 4 weeks; alarm rate in outbreak-free areas."""
    alarm = result.alarm  # type: ignore[attr-defined]
    weeks = result.time_index  # type: ignore[attr-defined]
    hit = [
        alarm[(weeks >= s - 1) & (weeks < s + 3), a].any()
        for a, s in enumerate(outbreak_start)
        if s > 0
    ]
    clean = alarm[:, outbreak_start == 0].mean()
    return f"  planted outbreaks flagged: {np.mean(hit):.1%}; alarm rate elsewhere {clean:.2%}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per setting")
    args = parser.parse_args()
    counts, outbreak_start = load_workloads().weekly_series()
    dates = np.datetime64("2015-01-05") + 7 * np.arange(counts.shape[0])
    monitored = np.arange(counts.shape[0] - 52, counts.shape[0])
    print(
        f"workload: {counts.shape[1]} areas x {counts.shape[0]} weeks, last 52 evaluated; "
        f"{os.cpu_count()} CPUs, {threads()} threads, load average {os.getloadavg()[0]:.1f}"
    )
    started = time.perf_counter()
    farrington_flexible(counts[:, :2], dates=dates, monitored=monitored[-1:])
    print(f"first call (Numba compile or cache load): {time.perf_counter() - started:.1f} s")
    for label, options in SETTINGS.items():
        timings, cpu = [], []
        for _ in range(args.repeat):
            started, started_cpu = time.perf_counter(), time.process_time()
            result = farrington_flexible(counts, dates=dates, monitored=monitored, **options)
            timings.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
        print(
            f"{label}: best {min(timings):.2f} s, median {np.median(timings):.2f} s wall; "
            f"{min(cpu):.2f} s CPU over all threads ({int(result.alarm.sum())} alarms)"
        )
        print(detection(result, outbreak_start))
        print(agreement_with_r(GOLDEN[label], options))


if __name__ == "__main__":
    main()
