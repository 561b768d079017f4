"""EARS C1, C2 and C3 (Hutwagner et al. 2003), as in R's ``surveillance::earsC``.

The Early Aberration Reporting System compares each count with the mean and standard deviation of
a short moving baseline:

* **C1**: baseline = the ``baseline`` (default 7) periods just before ``t``;
  ``C1_t = (y_t - mean) / sd``; alarm when ``y_t > mean + z * sd``.
* **C2**: the same with a guard band of two periods: baseline = periods ``t-baseline-2 .. t-3``.
* **C3**: ``C3_t = sum_{i=0}^{2} max(0, C2_{t-i} - 1)``, alarm when ``C3_t > z``.

``z = Phi^{-1}(1 - alpha)`` with ``alpha = 0.001`` for C1 and C2 and ``0.025`` for C3 (``z ~ 3``
and ``~ 2``, the classic EARS thresholds). The standard deviation has denominator ``n - 1`` and is
floored at ``min_sigma`` (Burkom's option for sparse data, ``surveillance >= 1.12``).

R's ``earsC`` (surveillance 1.20.3) computes the C3 upper bound as
``y_t + sd_t * (z - max(0, C2_{t-2} - 1) - max(0, C2_{t-1} - 1))``, which makes the C3 alarm
independent of the current count. ``convention="surveillance"`` reproduces that exactly; the
default ``convention="hutwagner"`` uses the published statistic above, whose upper bound is
``mean_t + sd_t * (1 + z - max(0, C2_{t-2} - 1) - max(0, C2_{t-1} - 1))``. C1 and C2 are identical
under both conventions.

References
----------
Hutwagner, L., Thompson, W., Seeman, G. M., Treadwell, T. (2003). The bioterrorism preparedness
and response Early Aberration Reporting System (EARS). *Journal of Urban Health* 80(2 Suppl 1),
i89-i96.
Fricker, R. D., Hegler, B. L., Dunfee, D. A. (2008). Comparing syndromic surveillance detection
methods: EARS' versus a CUSUM-based methodology. *Statistics in Medicine* 27(17), 3407-3429.
Salmon, M., Schumacher, D., Höhle, M. (2016). Monitoring count time series in R: aberration
detection in public health surveillance. *Journal of Statistical Software* 70(10).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

from salus.analytics.alerts.surveillance._series import FloatArray, count_matrix, monitored_rows
from salus.analytics.alerts.surveillance.results import BoolArray, SurveillanceResult

EarsMethod = Literal["C1", "C2", "C3"]
C3Convention = Literal["hutwagner", "surveillance"]
_FIRST_LAG = {"C1": 1, "C2": 3, "C3": 3}
_DEFAULT_ALPHA = {"C1": 0.001, "C2": 0.001, "C3": 0.025}


def _baseline(
    counts: FloatArray, rows: npt.NDArray[np.int64], first_lag: int, baseline: int, min_sigma: float
) -> tuple[FloatArray, FloatArray]:
    """Mean and floored sd of the ``baseline`` counts ending ``first_lag`` rows before each row."""
    windows = sliding_window_view(counts, baseline, axis=0)  # (T - baseline + 1, areas, baseline)
    chosen = windows[rows - first_lag - baseline + 1]
    return chosen.mean(axis=2), np.maximum(chosen.std(axis=2, ddof=1), min_sigma)


def _c2_statistic(
    counts: FloatArray, rows: npt.NDArray[np.int64], baseline: int, min_sigma: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    mean, sd = _baseline(counts, rows, 3, baseline, min_sigma)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (counts[rows] - mean) / sd, mean, sd


def _c3(
    counts: FloatArray,
    rows: npt.NDArray[np.int64],
    baseline: int,
    min_sigma: float,
    z: float,
    convention: C3Convention,
) -> tuple[FloatArray, FloatArray, FloatArray, BoolArray]:
    """Expected, upper bound, score and alarm of C3 under either convention."""
    c2_now, mean, sd = _c2_statistic(counts, rows, baseline, min_sigma)
    lag1 = np.maximum(0.0, _c2_statistic(counts, rows - 1, baseline, min_sigma)[0] - 1.0)
    lag2 = np.maximum(0.0, _c2_statistic(counts, rows - 2, baseline, min_sigma)[0] - 1.0)
    observed = counts[rows]
    with np.errstate(invalid="ignore"):
        if convention == "surveillance":
            upper = np.maximum(0.0, observed + sd * (z - lag2 - lag1))
            alarm = observed > upper
        else:
            upper = np.maximum(0.0, mean + sd * (1.0 + z - lag2 - lag1))
            alarm = np.maximum(0.0, c2_now - 1.0) + lag1 + lag2 > z
    score = np.maximum(0.0, c2_now - 1.0) + lag1 + lag2
    return mean, upper, score, alarm


def ears(
    counts: npt.ArrayLike,
    method: EarsMethod = "C1",
    *,
    baseline: int = 7,
    alpha: float | None = None,
    min_sigma: float = 0.0,
    monitored: npt.ArrayLike | None = None,
    convention: C3Convention = "hutwagner",
) -> SurveillanceResult:
    """EARS C1, C2 or C3 on one or many count series (Hutwagner et al. 2003).

    Parameters
    ----------
    counts : array_like, shape (T,) or (T, areas)
        Non-negative counts per period (day, week, month), oldest first.
    method : {"C1", "C2", "C3"}
        C1: baseline just before ``t``; C2: baseline with a 2-period guard band; C3: sum of the
        last three C2 exceedances over 1.
    baseline : int, default 7
        Number of periods in the moving baseline (at least 3), ``surveillance``'s ``baseline``.
    alpha : float, optional
        One-sided level; ``z = Phi^{-1}(1 - alpha)``. Default 0.001 (C1, C2) or 0.025 (C3).
    min_sigma : float, default 0
        Floor of the baseline standard deviation (``minSigma``), useful on sparse data.
    monitored : array_like of int, optional
        0-based rows to evaluate. Default: every row with a full baseline, i.e. from
        ``baseline`` (C1), ``baseline + 2`` (C2) or ``baseline + 4`` (C3), as in R.
    convention : {"hutwagner", "surveillance"}
        C3 only: the published statistic (default) or R's upper bound (see module notes).

    Returns
    -------
    SurveillanceResult
        ``expected`` = baseline mean, ``score`` = C1/C2/C3 statistic, ``upper_bound`` = count
        above which the alarm fires; ``details["sd"]`` = floored baseline standard deviation.
    """
    from scipy.stats import norm

    if method not in _FIRST_LAG:
        raise ValueError(f"method must be C1, C2 or C3, got {method!r}")
    if baseline < 3 or min_sigma < 0:
        raise ValueError("baseline must be >= 3 and min_sigma >= 0")
    level = _DEFAULT_ALPHA[method] if alpha is None else alpha
    z = float(norm.ppf(1.0 - level))
    matrix = count_matrix(counts)
    first = baseline + (0 if method == "C1" else 2 if method == "C2" else 4)
    rows = monitored_rows(monitored, matrix.shape[0], first)
    expected, sd = _baseline(matrix, rows, _FIRST_LAG[method], baseline, min_sigma)
    if method == "C3":
        expected, upper, score, alarm = _c3(matrix, rows, baseline, min_sigma, z, convention)
    else:
        upper = expected + z * sd
        with np.errstate(divide="ignore", invalid="ignore"):
            score = (matrix[rows] - expected) / sd
        alarm = matrix[rows] > upper
    parameters = {
        "method": method,
        "baseline": baseline,
        "alpha": level,
        "z": z,
        "min_sigma": min_sigma,
        "convention": convention,
    }
    return SurveillanceResult(
        method=f"ears_{method.lower()}",
        parameters=parameters,
        time_index=rows,
        observed=matrix[rows],
        expected=expected,
        upper_bound=upper,
        score=score,
        alarm=alarm,
        details={"sd": sd},
    )
