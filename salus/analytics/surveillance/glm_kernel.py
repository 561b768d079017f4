"""Quasi-Poisson fits of Farrington's model for many (area, period) problems at once (Numba).

Each problem is a log-linear model ``log mu_i = offset_i + alpha_{level(i)} + beta * t_i`` on its
own fitting rows: one coefficient per seasonal level plus an optional linear trend. Its information
matrix ``X' W X`` is an *arrow*: diagonal over the levels plus one dense row and column for the
trend, so each IRLS step costs ``O(n)`` through the Schur complement

    S = sum(w t^2) - sum_j (sum_{level j} w t)^2 / sum_{level j} w.

Every problem runs exactly the iterations of R's ``glm.fit`` (start ``mu = y + 0.1``, mean
floored at machine epsilon, step halving on a non-finite deviance, stop when
``|dev - dev_old| / (|dev| + 0.1) < 1e-8`` or after 25 iterations) and Farrington's re-weighting
by Anscombe residuals (``surveillance::algo.farrington.fitGLM.flexible``). Problems are spread over
the CPU cores by a thread pool; the compiled loop releases the GIL (``nogil``).

References
----------
Farrington, C. P., Andrews, N. J., Beale, A. D., Catchpole, M. A. (1996). *JRSS A* 159(3),
547-563 (re-weighting, section 3.3).
Noufaily, A. et al. (2013). *Statistics in Medicine* 32(7), 1206-1222.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar, cast

import numba
import numpy as np
import numpy.typing as npt

F = TypeVar("F", bound=Callable[..., Any])
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
MAX_ITERATIONS = 25
EPSILON = 1e-8
MEAN_FLOOR = float(np.finfo(np.float64).eps)
LOG_MEAN_FLOOR = float(np.log(MEAN_FLOOR))
#: Columns of the per-problem output matrix returned by :func:`fit_problems`.
OUTPUT_COLUMNS = (
    "status",
    "trend_used",
    "eta0",
    "var0",
    "dispersion",
    "trend",
    "trend_var",
    "df",
    "max_response",
    "prior_weighted_dispersion",
)


#: Floating-point reassociation lets LLVM vectorise the sums; NaN and infinity keep their IEEE
#: meaning (no ``nnan``/``ninf``), which the step-halving test needs.
FAST_MATH = {"reassoc", "nsz", "arcp", "contract", "afn"}


def jit(func: F) -> F:
    """``numba.njit`` with an on-disk cache, typed for mypy."""
    return cast(F, numba.njit(cache=True, nogil=True, fastmath=FAST_MATH)(func))


@jit
def _update(
    coef: FloatArray,
    level: IntArray,
    time: FloatArray,
    offset: FloatArray,
    y: FloatArray,
    y_log_y: FloatArray,
    prior: FloatArray,
    n: int,
    n_levels: int,
    eta: FloatArray,
    mu: FloatArray,
) -> float:
    """Linear predictor, mean (floored at machine epsilon) and deviance of ``coef``.

    The deviance ``2 sum prior (y log(y / mu) - (y - mu))`` is computed as
    ``2 sum prior (y log y - y log mu - y + mu)`` with ``log mu = max(eta, log eps)``.
    """
    deviance = 0.0
    for i in range(n):
        eta[i] = offset[i] + coef[level[i]] + coef[n_levels] * time[i]
        mu[i] = max(np.exp(eta[i]), MEAN_FLOOR)
        log_mu = max(eta[i], LOG_MEAN_FLOOR)
        deviance += prior[i] * (y_log_y[i] - y[i] * log_mu - y[i] + mu[i])
    return 2.0 * deviance


@jit
def _wls_step(
    y: FloatArray,
    prior: FloatArray,
    offset: FloatArray,
    level: IntArray,
    time: FloatArray,
    n: int,
    n_levels: int,
    trend: bool,
    eta: FloatArray,
    mu: FloatArray,
    work: FloatArray,
    sums: FloatArray,
    coef: FloatArray,
) -> None:
    """One weighted least-squares step: new coefficients in ``coef``.

    ``work`` receives the working weights and ``sums`` the rows ``[sum w, sum w t, sum w z,
    sum w z t]`` per level (the last column holds ``sum w t^2``) used for this step.
    """
    sums[:] = 0.0
    for i in range(n):
        work[i] = prior[i] * mu[i]
        z = eta[i] - offset[i] + y[i] / mu[i] - 1.0
        j = level[i]
        sums[0, j] += work[i]
        sums[1, j] += work[i] * time[i]
        sums[2, j] += work[i] * z
        sums[3, j] += work[i] * z * time[i]
        sums[0, n_levels] += work[i] * time[i] * time[i]
    numerator = 0.0
    for j in range(n_levels):
        if sums[0, j] > 0:
            numerator += sums[3, j] - sums[1, j] * sums[2, j] / sums[0, j]
    beta = numerator / _schur(sums, n_levels) if trend else 0.0
    for j in range(n_levels):
        coef[j] = (sums[2, j] - sums[1, j] * beta) / sums[0, j] if sums[0, j] > 0 else 0.0
    coef[n_levels] = beta


@jit
def _schur(sums: FloatArray, n_levels: int) -> float:
    """``S = sum(w t^2) - sum_j (sum_j w t)^2 / sum_j w``: the trend's information."""
    schur = sums[0, n_levels]
    for j in range(n_levels):
        if sums[0, j] > 0:
            schur -= sums[1, j] ** 2 / sums[0, j]
    return float(schur)


@jit
def _irls(
    y: FloatArray,
    prior: FloatArray,
    offset: FloatArray,
    level: IntArray,
    time: FloatArray,
    n: int,
    n_levels: int,
    trend: bool,
    eta: FloatArray,
    mu: FloatArray,
    work: FloatArray,
    sums: FloatArray,
    coef: FloatArray,
) -> int:
    """R's ``glm.fit`` for one problem: 1 converged, 0 not converged, -1 no finite deviance."""
    y_log_y, old_dev = np.empty(n), 0.0
    for i in range(n):
        y_log_y[i] = y[i] * np.log(y[i]) if y[i] > 0 else 0.0
        eta[i] = np.log(y[i] + 0.1)
        mu[i] = max(np.exp(eta[i]), MEAN_FLOOR)
        old_dev += 2.0 * prior[i] * (y_log_y[i] - y[i] * eta[i] - y[i] + mu[i])
    old_coef, have_old = coef.copy(), False
    for _ in range(MAX_ITERATIONS):
        _wls_step(y, prior, offset, level, time, n, n_levels, trend, eta, mu, work, sums, coef)
        dev = _update(coef, level, time, offset, y, y_log_y, prior, n, n_levels, eta, mu)
        halvings = 0
        while not np.isfinite(dev):
            if not have_old or halvings == MAX_ITERATIONS:
                return -1
            coef[:] = (coef + old_coef) / 2.0
            dev = _update(coef, level, time, offset, y, y_log_y, prior, n, n_levels, eta, mu)
            halvings += 1
        if abs(dev - old_dev) / (abs(dev) + 0.1) < EPSILON:
            return 1
        old_dev, have_old = dev, True
        old_coef[:] = coef
    return 0


@jit
def _dispersion(y: FloatArray, mu: FloatArray, work: FloatArray, n: int, rank: int) -> float:
    """Pearson dispersion as ``summary.glm``: ``sum(w (y - mu)^2 / mu^2) / (n_used - rank)``."""
    total, used = 0.0, 0
    for i in range(n):
        if work[i] > 0:
            total += work[i] * ((y[i] - mu[i]) / mu[i]) ** 2
            used += 1
    return total / (used - rank)


@jit
def _prior_weighted_dispersion(
    y: FloatArray, mu: FloatArray, prior: FloatArray, n: int, df: float
) -> float:
    """``sum(prior (y - mu)^2 / mu^2) / df``: what ``summary.glm`` reports once
    ``surveillance`` has replaced a model's working weights by its prior weights."""
    total = 0.0
    for i in range(n):
        total += prior[i] * ((y[i] - mu[i]) / mu[i]) ** 2
    return total / df


@jit
def _hat(
    i: int,
    work: FloatArray,
    sums: FloatArray,
    level: IntArray,
    time: FloatArray,
    schur: float,
    trend: bool,
) -> float:
    j = level[i]
    leverage = 1.0 / sums[0, j]
    if trend:
        leverage += (sums[1, j] / sums[0, j] - time[i]) ** 2 / schur
    return float(work[i] * leverage)


@jit
def _anscombe_weights(
    y: FloatArray,
    mu: FloatArray,
    work: FloatArray,
    sums: FloatArray,
    level: IntArray,
    time: FloatArray,
    n: int,
    schur: float,
    trend: bool,
    phi: float,
    threshold: float,
    prior: FloatArray,
) -> None:
    """Farrington's weights: ``gamma s^-2`` above ``threshold``, else ``gamma`` (sum = n)."""
    denominator = 0.0
    for i in range(n):
        scale = np.sqrt(phi * (1.0 - _hat(i, work, sums, level, time, schur, trend)))
        root = np.sqrt(mu[i])  # mu^(-1/6) = 1 / cbrt(sqrt(mu)); cbrt is far cheaper than pow
        s = 1.5 * (np.cbrt(y[i]) ** 2 / np.cbrt(root) - root) / scale
        prior[i] = s**-2.0 if s > threshold else 1.0
        denominator += prior[i]
    for i in range(n):
        prior[i] *= n / denominator


@jit
def _n_present(level: IntArray, n: int, n_levels: int) -> int:
    seen = np.zeros(n_levels, dtype=np.bool_)
    for i in range(n):
        seen[level[i]] = True
    return int(np.sum(seen))


@jit
def _fit_one(
    y: FloatArray,
    offset: FloatArray,
    level: IntArray,
    time: FloatArray,
    n: int,
    n_levels: int,
    trend: bool,
    reweight: bool,
    threshold: float,
    target_time: float,
    target_offset: float,
    out: FloatArray,
) -> None:
    """Fit, re-weight and refit one problem; write :data:`OUTPUT_COLUMNS` into ``out``."""
    prior, eta, mu, work = np.ones(n), np.empty(n), np.empty(n), np.empty(n)
    sums, coef = np.zeros((4, n_levels + 1)), np.zeros(n_levels + 1)
    status = _irls(y, prior, offset, level, time, n, n_levels, trend, eta, mu, work, sums, coef)
    if trend and status != 1:
        trend = False
        status = _irls(y, prior, offset, level, time, n, n_levels, trend, eta, mu, work, sums, coef)
    out[:] = np.nan
    rank = _n_present(level, n, n_levels) + (1 if trend else 0)
    if status == 1 and reweight:
        phi = max(_dispersion(y, mu, work, n, rank), 1.0)
        _anscombe_weights(
            y, mu, work, sums, level, time, n, _schur(sums, n_levels), trend, phi, threshold, prior
        )
        refit = _irls(y, prior, offset, level, time, n, n_levels, trend, eta, mu, work, sums, coef)
        status = 1 if refit >= 0 else -1  # R does not check that the re-weighted fit converged
    if status != 1:
        out[0] = 0.0
        return
    j, schur = n_levels - 1, _schur(sums, n_levels)
    var0 = 1.0 / sums[0, j] + (
        (sums[1, j] / sums[0, j] - target_time) ** 2 / schur if trend else 0.0
    )
    out[0], out[1] = 1.0, 1.0 if trend else 0.0
    out[2] = target_offset + coef[j] + coef[n_levels] * target_time
    out[3], out[4] = var0, _dispersion(y, mu, work, n, rank)
    out[5], out[6] = coef[n_levels], 1.0 / schur if trend else np.nan
    out[7], out[8] = np.sum(work[:n] > 0) - rank, np.max(y[:n])
    out[9] = _prior_weighted_dispersion(y, mu, prior, n, out[7])


@jit
def _fit_all(
    series: FloatArray,
    log_population: FloatArray,
    rows: IntArray,
    levels: IntArray,
    times: FloatArray,
    target_time: FloatArray,
    targets: IntArray,
    problems: IntArray,
    n_levels: int,
    trend: bool,
    reweight: bool,
    threshold: float,
    out: FloatArray,
) -> None:
    """Fit ``problems`` (numbered ``k * areas + area``) one after the other, without the GIL."""
    n_areas = series.shape[0]
    for p in range(len(problems)):
        k, area = divmod(problems[p], n_areas)
        n = 0
        while n < levels.shape[1] and levels[k, n] >= 0:
            n += 1
        y = np.empty(n)
        offset = np.empty(n)
        for i in range(n):
            y[i] = series[area, rows[k, i]]
            offset[i] = log_population[area, rows[k, i]]
        _fit_one(
            y,
            offset,
            levels[k],
            times[k],
            n,
            n_levels,
            trend,
            reweight,
            threshold,
            target_time[k],
            log_population[area, targets[k]],
            out[p],
        )


def fit_problems(
    series: FloatArray,
    log_population: FloatArray,
    rows: IntArray,
    levels: IntArray,
    times: FloatArray,
    target_time: FloatArray,
    targets: IntArray,
    problems: IntArray,
    *,
    n_levels: int,
    trend: bool,
    reweight: bool,
    weights_threshold: float,
) -> FloatArray:
    """Fit Farrington's model for the given problems.

    Parameters
    ----------
    series, log_population : ndarray, shape (areas, T)
        Counts and log population offsets (zeros for none), one row per area.
    rows, levels, times, target_time : ndarray
        The fitting layout (:class:`~.reference_points.FitLayout`), one line per monitored row.
    targets : ndarray of int, shape (K,)
        Monitored rows of the series.
    problems : ndarray of int
        Problems to fit, numbered ``k * areas + area``.
    n_levels, trend, reweight, weights_threshold
        Number of seasonal levels, whether to try a trend, whether to re-weight, and the
        Anscombe-residual threshold above which past periods are down-weighted.

    Returns
    -------
    ndarray, shape (len(problems), len(OUTPUT_COLUMNS))
        Per problem: ``status`` (1 fitted, 0 no convergence with or without trend),
        ``trend_used``, ``eta0`` (log mean at the monitored row), ``var0`` (its unscaled
        variance), ``dispersion`` (Pearson, not floored), ``trend`` coefficient and its
        unscaled variance, residual ``df`` and the largest count fitted on.
    """
    out = np.empty((len(problems), len(OUTPUT_COLUMNS)))
    bounds = np.linspace(0, len(problems), max(1, min(threads(), len(problems))) + 1)
    chunks = [slice(int(a), int(b)) for a, b in itertools.pairwise(bounds)]

    def fit_chunk(chunk: slice) -> None:
        _fit_all(
            series,
            log_population,
            rows,
            levels,
            times,
            target_time,
            targets,
            problems[chunk],
            n_levels,
            trend,
            reweight,
            weights_threshold,
            out[chunk],
        )

    with ThreadPoolExecutor(max_workers=len(chunks)) as pool:
        list(pool.map(fit_chunk, chunks))
    return out


def threads() -> int:
    """Worker threads: ``SALUS_THREADS`` if set, else the CPUs this process may use."""
    configured = os.environ.get("SALUS_THREADS")
    if configured:
        return max(1, int(configured))
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1
