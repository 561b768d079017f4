"""Farrington (1996) and Farrington-flexible (Noufaily et al. 2013) outbreak detection.

For each monitored period ``t`` and area a quasi-Poisson log-linear model is fitted on comparable
past periods (:mod:`.reference_points`): a linear trend (kept only if significant, at least three
years back, and not extrapolating beyond the largest count fitted on) and, in the flexible
version, a seasonal factor with ``no_periods`` levels. Past outbreaks are down-weighted by
Anscombe residuals above ``weights_threshold``, the model is refitted, and the count at ``t`` is
compared with an upper bound (:mod:`.thresholds`). An alarm needs ``observed > upper_bound``, at
least ``limit54[0]`` cases in the last ``limit54[1]`` periods and a non-zero count.

All (area, period) models are fitted together by :mod:`.glm_kernel`, so 3,000 areas x 52 weeks
take seconds where R's loop takes tens of minutes, with the same alarms.

Where this differs from ``surveillance`` (1.20.3): ``expected`` and ``upper_bound`` are kept where
R blanks them for too few recent cases (``details["enough_cases"]`` says which); the score of
``nbPlugin``/``muan`` is ``(observed - expected) / (upper_bound - expected)`` on the count scale
(R divides by the distance to the *log* mean, which leaves the alarms unchanged); a model that
converges neither with nor without trend gives NaN and no alarm (R: NA, or for ``farrington`` a
non-converged fit).

References
----------
Farrington, C. P., Andrews, N. J., Beale, A. D., Catchpole, M. A. (1996). A statistical
algorithm for the early detection of outbreaks of infectious disease. *JRSS A* 159(3), 547-563.
Noufaily, A., Enki, D. G., Farrington, P., Garthwaite, P., Andrews, N., Charlett, A. (2013). An
improved algorithm for outbreak detection in multiple surveillance systems. *Statistics in
Medicine* 32(7), 1206-1222.
Salmon, M., Schumacher, D., Höhle, M. (2016). Monitoring count time series in R: aberration
detection in public health surveillance. *Journal of Statistical Software* 70(10).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from salus.analytics.alerts.surveillance._series import FloatArray, count_matrix, monitored_rows
from salus.analytics.alerts.surveillance.glm_irls import MEAN_FLOOR
from salus.analytics.alerts.surveillance.glm_kernel import OUTPUT_COLUMNS, fit_problems
from salus.analytics.alerts.surveillance.reference_points import FitLayout, build_layout
from salus.analytics.alerts.surveillance.results import SurveillanceResult
from salus.analytics.alerts.surveillance.thresholds import (
    PowerTransform,
    delta_upper_bound,
    quantile_upper_bound,
)

ThresholdMethod = Literal["delta", "nbPlugin", "muan"]
DispersionConvention = Literal["surveillance", "pearson"]
_COL = {name: i for i, name in enumerate(OUTPUT_COLUMNS)}

#: Settings recommended by Noufaily et al. (2013), as in the ``surveillance`` vignette
#: "monitoringCounts": ``farrington_flexible(counts, **NOUFAILY_2013)``.
NOUFAILY_2013: dict[str, Any] = {
    "no_periods": 10,
    "past_weeks_not_included": 26,
    "weights_threshold": 2.58,
    "p_threshold_trend": 1.0,
    "threshold_method": "nbPlugin",
}


@dataclass(frozen=True)
class FarringtonSettings:
    """Every setting of one Farrington run (R's ``control`` list), stored with the result.

    The fields named as in :func:`farrington_flexible` are R's options. Three more tell the two
    R functions apart: ``two_sided_z`` (1996: ``z = Phi^{-1}(1 - alpha/2)``),
    ``se_with_floored_dispersion`` (1996: the prediction's standard error uses
    ``phi = max(1, dispersion)``) and ``inference_dispersion`` (see
    :func:`_inference_dispersion`).
    """

    b: int = 5
    w: int = 3
    reweight: bool = True
    weights_threshold: float = 2.58
    alpha: float = 0.05
    trend: bool = True
    p_threshold_trend: float = 0.05
    limit54: tuple[int, int] = (5, 4)
    power_transform: PowerTransform = "2/3"
    population_offset: bool = False
    no_periods: int = 1
    past_weeks_not_included: int = 3
    threshold_method: ThresholdMethod = "delta"
    two_sided_z: bool = False
    se_with_floored_dispersion: bool = False
    inference_dispersion: DispersionConvention = "surveillance"

    def __post_init__(self) -> None:
        if self.b < 1 or self.w < 0 or self.no_periods < 1:
            raise ValueError("need b >= 1, w >= 0 and no_periods >= 1")
        if not 0 < self.alpha < 1 or self.limit54[0] < 0 or self.limit54[1] < 1:
            raise ValueError("need 0 < alpha < 1, limit54[0] >= 0 and limit54[1] >= 1")
        if self.threshold_method not in ("delta", "nbPlugin", "muan"):
            raise ValueError(f"unknown threshold_method {self.threshold_method!r}")

    @property
    def z(self) -> float:
        """Normal quantile of the bound: one-sided (flexible) or two-sided (1996)."""
        from scipy.stats import norm

        return float(norm.ppf(1.0 - (self.alpha / 2 if self.two_sided_z else self.alpha)))


def _as_dates(dates: npt.ArrayLike | None, n_times: int) -> npt.NDArray[np.datetime64] | None:
    if dates is None:
        return None
    days = np.asarray(dates, dtype="datetime64[D]")
    if days.shape != (n_times,) or np.any(np.diff(days) <= np.timedelta64(0, "D")):
        raise ValueError("dates must be increasing, one per row of counts")
    return days


def _first_row(
    n_times: int,
    settings: FarringtonSettings,
    frequency: int,
    dates: npt.NDArray[np.datetime64] | None,
) -> int:
    """Earliest row whose reference windows all lie inside the series."""
    first = frequency * settings.b + settings.w
    for row in range(first, n_times):
        try:
            build_layout(
                np.array([row]),
                settings.b,
                settings.w,
                frequency,
                settings.no_periods,
                settings.past_weeks_not_included,
                dates,
            )
            return row
        except ValueError:
            continue
    return n_times


def _inference_dispersion(fit: FloatArray, settings: FarringtonSettings) -> FloatArray:
    """Dispersion of the trend test and of the prediction's standard error.

    ``surveillance::farringtonFlexible`` replaces the re-weighted model's working weights by its
    prior weights before calling ``summary.glm`` and ``predict.glm``, which then estimate the
    dispersion as ``sum(omega (y - mu)^2 / mu^2) / df``; ``"surveillance"`` reproduces that,
    ``"pearson"`` uses the Pearson estimate ``sum(omega (y - mu)^2 / mu) / df`` throughout.
    """
    if settings.reweight and settings.inference_dispersion == "surveillance":
        return fit[..., _COL["prior_weighted_dispersion"]]
    return fit[..., _COL["dispersion"]]


def _fit(
    series: FloatArray,
    log_population: FloatArray,
    layout: FitLayout,
    rows: npt.NDArray[np.int64],
    settings: FarringtonSettings,
) -> FloatArray:
    """Fit every (row, area) model, dropping the trend where Farrington's rules say so."""
    from scipy.stats import t as student_t

    problems = np.arange(len(rows) * series.shape[0])
    arguments = (
        series,
        log_population,
        layout.rows,
        layout.levels,
        layout.times,
        layout.target_time,
        rows,
    )

    def fit(chosen: npt.NDArray[np.int64], trend: bool) -> FloatArray:
        return fit_problems(
            *arguments,
            chosen,
            n_levels=settings.no_periods,
            trend=trend,
            reweight=settings.reweight,
            weights_threshold=settings.weights_threshold,
        )

    out = fit(problems, settings.trend)
    if settings.trend:
        with np.errstate(invalid="ignore", divide="ignore"):
            t_value = out[:, _COL["trend"]] / np.sqrt(
                _inference_dispersion(out, settings) * out[:, _COL["trend_var"]]
            )
            p_value = 2.0 * student_t.sf(np.abs(t_value), out[:, _COL["df"]])
        mu0 = np.maximum(np.exp(out[:, _COL["eta0"]]), MEAN_FLOOR)
        keep = (
            (settings.b >= 3)
            & (p_value < settings.p_threshold_trend)
            & (mu0 <= out[:, _COL["max_response"]])
        )
        refit = np.flatnonzero((out[:, _COL["trend_used"]] == 1) & ~keep)
        if refit.size:
            out[refit] = fit(problems[refit], False)
    return out.reshape(len(rows), series.shape[0], len(OUTPUT_COLUMNS))


def _bounds(fit: FloatArray, settings: FarringtonSettings) -> tuple[FloatArray, FloatArray]:
    """Expected counts and upper bounds from the fitted models."""
    eta0, var0 = fit[..., _COL["eta0"]], fit[..., _COL["var0"]]
    phi = np.maximum(fit[..., _COL["dispersion"]], 1.0)
    dispersion = _inference_dispersion(fit, settings)
    with np.errstate(invalid="ignore", over="ignore"):
        if settings.threshold_method == "delta":
            expected = np.maximum(np.exp(eta0), MEAN_FLOOR)
            scale = phi if settings.se_with_floored_dispersion else dispersion
            se = np.sqrt(var0 * scale) * expected
            upper = delta_upper_bound(expected, se, phi, settings.z, settings.power_transform)
            return expected, upper
        quantile_mean = np.exp(eta0)
        if settings.threshold_method == "muan":
            quantile_mean = np.exp(eta0 + settings.z * np.sqrt(var0 * dispersion))
        return np.exp(eta0), quantile_upper_bound(quantile_mean, phi, settings.alpha)


def run_farrington(
    counts: npt.ArrayLike,
    settings: FarringtonSettings,
    *,
    method: str,
    dates: npt.ArrayLike | None = None,
    frequency: int = 52,
    monitored: npt.ArrayLike | None = None,
    population: npt.ArrayLike | None = None,
) -> SurveillanceResult:
    """Run Farrington's method with explicit ``settings`` (see :func:`farrington_flexible`)."""
    matrix = count_matrix(counts)
    days = _as_dates(dates, matrix.shape[0])
    rows = monitored_rows(
        monitored, matrix.shape[0], 0, _first_row(matrix.shape[0], settings, frequency, days)
    )
    layout = build_layout(
        rows,
        settings.b,
        settings.w,
        frequency,
        settings.no_periods,
        settings.past_weeks_not_included,
        days,
    )
    log_population = _log_population(population, matrix.shape, settings.population_offset)
    fit = _fit(
        np.ascontiguousarray(matrix.T),
        np.ascontiguousarray(log_population.T),
        layout,
        rows,
        settings,
    )
    expected, upper = _bounds(fit, settings)
    return _result(matrix, rows, fit, expected, upper, settings, method)


def _log_population(
    population: npt.ArrayLike | None, shape: tuple[int, ...], offset: bool
) -> FloatArray:
    """``log(population)`` per row and area for the offset, zeros without offset."""
    if not offset:
        return np.zeros(shape)
    if population is None:
        raise ValueError("population_offset=True needs a population")
    values = np.broadcast_to(np.asarray(population, np.float64), shape)
    if not np.all(np.isfinite(values) & (values > 0)):
        raise ValueError("population must be positive and finite")
    return np.log(values)


def _result(
    matrix: FloatArray,
    rows: npt.NDArray[np.int64],
    fit: FloatArray,
    expected: FloatArray,
    upper: FloatArray,
    settings: FarringtonSettings,
    method: str,
) -> SurveillanceResult:
    observed = matrix[rows]
    span = settings.limit54[1]
    cumulative = np.vstack([np.zeros((1, matrix.shape[1])), np.cumsum(matrix, axis=0)])
    recent = cumulative[rows + 1] - cumulative[np.maximum(rows + 1 - span, 0)]
    enough = recent >= settings.limit54[0]
    with np.errstate(invalid="ignore", divide="ignore"):
        score = (observed - expected) / (upper - expected)
        alarm = enough & (observed > upper) & (observed != 0)
    details = {
        "dispersion": np.maximum(fit[..., _COL["dispersion"]], 1.0),
        "trend": fit[..., _COL["trend_used"]],
        "converged": fit[..., _COL["status"]],
        "recent_cases": recent,
        "enough_cases": enough.astype(np.float64),
    }
    return SurveillanceResult(
        method=method,
        parameters=asdict(settings),
        time_index=rows,
        observed=observed,
        expected=expected,
        upper_bound=upper,
        score=score,
        alarm=alarm,
        details=details,
    )


def farrington_flexible(
    counts: npt.ArrayLike,
    *,
    dates: npt.ArrayLike | None = None,
    frequency: int = 52,
    monitored: npt.ArrayLike | None = None,
    population: npt.ArrayLike | None = None,
    b: int = 5,
    w: int = 3,
    reweight: bool = True,
    weights_threshold: float = 2.58,
    alpha: float = 0.05,
    trend: bool = True,
    p_threshold_trend: float = 0.05,
    limit54: tuple[int, int] = (5, 4),
    power_transform: PowerTransform = "2/3",
    population_offset: bool = False,
    no_periods: int = 1,
    past_weeks_not_included: int | None = None,
    threshold_method: ThresholdMethod = "delta",
) -> SurveillanceResult:
    """Improved Farrington method (Noufaily et al. 2013), as ``surveillance::farringtonFlexible``.

    Defaults are R's (the original algorithm with a one-sided bound);
    ``farrington_flexible(counts, **NOUFAILY_2013)`` gives the improved method.

    Parameters
    ----------
    counts : array_like, shape (T,) or (T, areas)
        Non-negative counts, oldest first, equally spaced.
    dates : array_like of datetime64[D], optional
        Date of each row. Given, reference points are calendar years back (R's
        ``epochAsDate = TRUE``); omitted, they are ``frequency`` rows back.
    frequency : int, default 52
        Periods per year (52 weekly, 12 monthly, 365 daily).
    monitored : array_like of int, optional
        0-based rows to evaluate; default every row with ``b`` full years of history.
    population : array_like, optional
        Population per row (and area), for ``population_offset``.
    b, w : int
        Years back and half-width of the reference windows.
    reweight, weights_threshold : bool, float
        Down-weight past periods whose Anscombe residual exceeds the threshold.
    alpha : float
        One-sided level of the upper bound.
    trend, p_threshold_trend : bool, float
        Try a linear trend; keep it if its p-value is below the threshold (and ``b >= 3``
        and it does not extrapolate beyond the largest count fitted on).
    limit54 : (int, int)
        No alarm unless at least ``limit54[0]`` cases in the last ``limit54[1]`` periods.
    power_transform : {"2/3", "1/2", "none"}
        Scale of the delta-method bound (``threshold_method="delta"``).
    population_offset : bool
        Model rates: ``log(population)`` as offset.
    no_periods : int
        Levels of the seasonal factor (1: windows only, as in 1996; Noufaily: 10).
    past_weeks_not_included : int, optional
        Most recent periods left out of the fit (default ``w``; Noufaily: 26).
    threshold_method : {"delta", "nbPlugin", "muan"}
        Delta method on the power scale, or negative-binomial quantile at the predicted mean or
        at its upper confidence limit.

    Returns
    -------
    SurveillanceResult
        ``score = (observed - expected) / (upper_bound - expected)``; ``details`` holds the
        dispersion ``phi``, whether a trend was fitted, convergence and the recent cases.
    """
    settings = FarringtonSettings(
        b=b,
        w=w,
        reweight=reweight,
        weights_threshold=weights_threshold,
        alpha=alpha,
        trend=trend,
        p_threshold_trend=p_threshold_trend,
        limit54=limit54,
        power_transform=power_transform,
        population_offset=population_offset,
        no_periods=no_periods,
        threshold_method=threshold_method,
        past_weeks_not_included=w if past_weeks_not_included is None else past_weeks_not_included,
    )
    return run_farrington(
        counts,
        settings,
        method="farrington_flexible",
        dates=dates,
        frequency=frequency,
        monitored=monitored,
        population=population,
    )


def farrington(
    counts: npt.ArrayLike,
    *,
    dates: npt.ArrayLike | None = None,
    frequency: int = 52,
    monitored: npt.ArrayLike | None = None,
    b: int = 5,
    w: int = 3,
    reweight: bool = True,
    alpha: float = 0.05,
    trend: bool = True,
    limit54: tuple[int, int] = (5, 4),
    power_transform: PowerTransform = "2/3",
) -> SurveillanceResult:
    """Original Farrington et al. (1996) algorithm, as ``surveillance::farrington``.

    Fits on the ``b`` windows of ``2w + 1`` periods only, re-weights residuals above 1, uses a
    two-sided ``1 - alpha`` bound (``z = Phi^{-1}(1 - alpha/2)``) whose standard error takes the
    floored dispersion, and keeps a trend when ``p < 0.05``. Parameters as in
    :func:`farrington_flexible`.
    """
    settings = FarringtonSettings(
        b=b,
        w=w,
        reweight=reweight,
        weights_threshold=1.0,
        alpha=alpha,
        trend=trend,
        p_threshold_trend=0.05,
        limit54=limit54,
        power_transform=power_transform,
        no_periods=1,
        past_weeks_not_included=w,
        threshold_method="delta",
        two_sided_z=True,
        se_with_floored_dispersion=True,
        inference_dispersion="pearson",
    )
    return run_farrington(
        counts, settings, method="farrington", dates=dates, frequency=frequency, monitored=monitored
    )
