"""Benchmark: a victimisation survey of 1,000,000 respondents, design + mean + 50 domains.

Not run in CI; prints figures. Data from ``../shared/bench/workloads.py survey_sample()``: 100
strata x 50 PSUs, weights, 50 domains, a 0/1 victimisation indicator. The reference analysis,
as timed for R survey 4.1.1 on the 2-core machine (19.2 s in all: design 5.0 s, svymean 0.8 s,
svyby 13.6 s)::

    d <- svydesign(ids = ~psu, strata = ~stratum, weights = ~weight, nest = TRUE, data = x)
    svymean(~victim, d); svyby(~victim, ~domain, d, svymean)

R's figures: overall mean 0.102669, SE 0.000702.

    .venv/bin/python bench/surveys.py              # best of 3 runs
    .venv/bin/python bench/surveys.py --repeat 1

Target: < 2 s end to end (frame to the 50-domain table), peak memory < 2 GB. ``samplics`` is
timed too where it is installed (it is not a dependency of Salus).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd

from salus.analytics.surveys.design import SurveyDesign
from salus.analytics.surveys.estimators import mean

WORKLOADS = Path(__file__).resolve().parents[2] / "shared" / "bench"
R_MEAN, R_SE = 0.102669, 0.000702


def _workload() -> pd.DataFrame:
    sys.path.insert(0, str(WORKLOADS))
    from workloads import survey_sample  # type: ignore[import-not-found]

    return pd.DataFrame(survey_sample())


def _run(frame: pd.DataFrame) -> tuple[dict[str, float], pd.DataFrame, pd.DataFrame]:
    times = {}
    start = time.perf_counter()
    design = SurveyDesign.from_frame(frame, weights="weight", strata="stratum", psu="psu",
                                     nest=True)
    times["design"] = time.perf_counter() - start
    t = time.perf_counter()
    overall = mean(design, "victim")
    times["mean"] = time.perf_counter() - t
    t = time.perf_counter()
    by_domain = mean(design, "victim", by="domain")
    times["by 50 domains"] = time.perf_counter() - t
    times["end to end"] = time.perf_counter() - start
    return times, overall, by_domain


def _samplics(frame: pd.DataFrame) -> tuple[float, float, float] | None:
    """samplics' Taylor estimator on the same job: (seconds, mean, SE), if installed."""
    try:
        import samplics  # type: ignore[import-not-found]
    except ImportError:
        return None
    param: Any = getattr(samplics, "PopParam", None)
    kind = param.mean if param is not None else "mean"
    columns = {"samp_weight": frame["weight"], "stratum": frame["stratum"], "psu": frame["psu"]}
    start = time.perf_counter()
    overall: Any = samplics.TaylorEstimator(kind)
    overall.estimate(y=frame["victim"], **columns)
    by_domain: Any = samplics.TaylorEstimator(kind)
    by_domain.estimate(y=frame["victim"], domain=frame["domain"], **columns)
    seconds = time.perf_counter() - start
    return seconds, float(overall.point_est), float(overall.stderror)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    frame = _workload()
    best: dict[str, float] = {}
    for _ in range(args.repeat):
        times, overall, by_domain = _run(frame)
        best = {k: min(v, best.get(k, float("inf"))) for k, v in times.items()}
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    row = overall.iloc[0]
    print(f"{len(frame):,} respondents, {frame['stratum'].nunique()} strata, "
          f"{frame['psu'].nunique():,} PSUs, {by_domain.shape[0]} domains; "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    print(f"overall mean {row['estimate']:.6f} (R {R_MEAN}), SE {row['se']:.6f} (R {R_SE}), "
          f"deff {row['deff']:.3f}")
    ok = abs(row["estimate"] - R_MEAN) < 5e-7 and abs(row["se"] - R_SE) < 5e-7
    print(f"agrees with R to the 6 decimals printed: {'yes' if ok else 'NO'}")
    print(f"Salus (best of {args.repeat}): "
          + ", ".join(f"{k} {v:.3f} s" for k, v in best.items()))
    print(f"R survey 4.1.1: design 5.0 s, svymean 0.8 s, svyby 13.6 s, 19.2 s in all; "
          f"speed-up {19.2 / best['end to end']:.0f}x")
    print(f"peak RSS {peak_mb:,.0f} MB (the frame included)")
    other = _samplics(frame)
    if other is None:
        print("samplics: not installed (optional: pip install --target DIR samplics, then "
              "PYTHONPATH=DIR)")
    else:
        print(f"samplics {getattr(sys.modules['samplics'], '__version__', '?')}: mean + "
              f"50 domains {other[0]:.2f} s (one run), mean {other[1]:.6f}, SE {other[2]:.6f}")
    print(by_domain[["domain", "estimate", "se", "deff", "n_unweighted"]].head(5).to_string())


if __name__ == "__main__":
    main()
