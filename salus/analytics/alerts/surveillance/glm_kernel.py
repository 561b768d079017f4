"""Farrington's model for many (area, period) problems at once: fit, re-weight, refit (Numba).

For each problem (an area and a monitored period, with its fitting rows) the quasi-Poisson model
of :mod:`.glm_irls` is fitted as ``surveillance::algo.farrington.fitGLM.flexible`` does: fit
(without trend if it does not converge with one), down-weight rows whose Anscombe residual exceeds
a threshold (Farrington et al. 1996, section 3.3), refit, and report what the thresholds and the
trend test need. Problems are spread over the CPU cores by a thread pool; the compiled loop
releases the GIL (``nogil``).

References
----------
Farrington, C. P., Andrews, N. J., Beale, A. D., Catchpole, M. A. (1996). *JRSS A* 159(3),
547-563.
Noufaily, A. et al. (2013). *Statistics in Medicine* 32(7), 1206-1222.
"""

from __future__ import annotations

import itertools
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from salus.analytics.alerts.surveillance.glm_irls import (
    FloatArray,
    IntArray,
    irls,
    jit,
    schur,
    start_values,
)

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
    information: float,
    trend: bool,
) -> float:
    j = level[i]
    leverage = 1.0 / sums[0, j]
    if trend:
        leverage += (sums[1, j] / sums[0, j] - time[i]) ** 2 / information
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
    information: float,
    trend: bool,
    phi: float,
    threshold: float,
    prior: FloatArray,
) -> None:
    """Farrington's weights: ``gamma s^-2`` above ``threshold``, else ``gamma`` (sum = n)."""
    denominator = 0.0
    for i in range(n):
        scale = np.sqrt(phi * (1.0 - _hat(i, work, sums, level, time, information, trend)))
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
    sums, coef, data = np.zeros((4, n_levels + 1)), np.zeros(n_levels + 1), start_values(y, n)
    status = irls(data, prior, offset, level, time, n, n_levels, trend, eta, mu, work, sums, coef)
    if trend and status != 1:
        trend = False
        status = irls(
            data, prior, offset, level, time, n, n_levels, trend, eta, mu, work, sums, coef
        )
    out[:] = np.nan
    rank = _n_present(level, n, n_levels) + (1 if trend else 0)
    if status == 1 and reweight:
        phi = max(_dispersion(y, mu, work, n, rank), 1.0)
        _anscombe_weights(
            y, mu, work, sums, level, time, n, schur(sums, n_levels), trend, phi, threshold, prior
        )
        refit = irls(
            data, prior, offset, level, time, n, n_levels, trend, eta, mu, work, sums, coef
        )
        status = 1 if refit >= 0 else -1  # R does not check that the re-weighted fit converged
    if status != 1:
        out[0] = 0.0
        return
    j, information = n_levels - 1, schur(sums, n_levels)
    var0 = 1.0 / sums[0, j] + (
        (sums[1, j] / sums[0, j] - target_time) ** 2 / information if trend else 0.0
    )
    out[0], out[1] = 1.0, 1.0 if trend else 0.0
    out[2] = target_offset + coef[j] + coef[n_levels] * target_time
    out[3], out[4] = var0, _dispersion(y, mu, work, n, rank)
    out[5], out[6] = coef[n_levels], 1.0 / information if trend else np.nan
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
