"""Iteratively reweighted least squares for Farrington's model, one problem at a time (Numba).

A problem is a log-linear model ``log mu_i = offset_i + alpha_{level(i)} + beta * t_i``: one
coefficient per seasonal level plus an optional trend. Its information matrix ``X' W X`` is an
*arrow* (diagonal over the levels, one dense row and column for the trend), so each step costs
``O(n)`` through the Schur complement ``S = sum(w t^2) - sum_j (sum_j w t)^2 / sum_j w``; without
trend and offset the mean is constant within a level after the first step and later steps cost
``O(levels)``.

The iterations are exactly those of R's ``glm.fit``: start ``mu = y + 0.1``, mean floored at
machine epsilon, step halving on a non-finite deviance, stop when ``|dev - dev_old| / (|dev| +
0.1) < 1e-8`` or after 25 iterations.

References
----------
McCullagh, P., Nelder, J. A. (1989). *Generalized Linear Models*, 2nd ed. Chapman & Hall.
"""

from __future__ import annotations

from collections.abc import Callable
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


#: Floating-point reassociation lets LLVM vectorise the sums; NaN and infinity keep their IEEE
#: meaning (no ``nnan``/``ninf``), which the step-halving test needs.
FAST_MATH = {"reassoc", "nsz", "arcp", "contract", "afn"}


def jit(func: F) -> F:
    """``numba.njit`` with an on-disk cache, typed for mypy.

    ``error_model="numpy"``: a division by zero gives inf/NaN (as in R) instead of raising.
    """
    return cast(
        F, numba.njit(cache=True, nogil=True, fastmath=FAST_MATH, error_model="numpy")(func)
    )


@jit
def update(
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
def wls_step(
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
    beta = numerator / schur(sums, n_levels) if trend else 0.0
    for j in range(n_levels):
        coef[j] = (sums[2, j] - sums[1, j] * beta) / sums[0, j] if sums[0, j] > 0 else 0.0
    coef[n_levels] = beta


@jit
def schur(sums: FloatArray, n_levels: int) -> float:
    """``S = sum(w t^2) - sum_j (sum_j w t)^2 / sum_j w``: the trend's information."""
    schur = sums[0, n_levels]
    for j in range(n_levels):
        if sums[0, j] > 0:
            schur -= sums[1, j] ** 2 / sums[0, j]
    return float(schur)


@jit
def irls(
    data: FloatArray,
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
    """R's ``glm.fit`` for one problem: 1 converged, 0 not converged, -1 no finite deviance.

    ``data`` holds the rows of :func:`start_values`: counts, starting ``eta`` and ``mu``, and
    ``y log y``.
    """
    y, y_log_y, old_dev = data[0], data[3], 0.0
    for i in range(n):
        eta[i], mu[i] = data[1, i], data[2, i]
        old_dev += 2.0 * prior[i] * (y_log_y[i] - y[i] * eta[i] - y[i] + mu[i])
    old_coef, have_old = coef.copy(), False
    constant_within_levels = not trend and not np.any(offset[:n] != 0.0)
    for iteration in range(MAX_ITERATIONS):
        if iteration == 1 and constant_within_levels:
            return _irls_levels(
                y, prior, y_log_y, level, n, n_levels, eta, mu, work, sums, coef, old_coef, old_dev
            )
        wls_step(y, prior, offset, level, time, n, n_levels, trend, eta, mu, work, sums, coef)
        dev = update(coef, level, time, offset, y, y_log_y, prior, n, n_levels, eta, mu)
        halvings = 0
        while not np.isfinite(dev):
            if not have_old or halvings == MAX_ITERATIONS:
                return -1
            coef[:] = (coef + old_coef) / 2.0
            dev = update(coef, level, time, offset, y, y_log_y, prior, n, n_levels, eta, mu)
            halvings += 1
        if converged(dev, old_dev):
            return 1
        old_dev, have_old = dev, True
        old_coef[:] = coef
    return 0


@jit
def start_values(y: FloatArray, n: int) -> FloatArray:
    """Rows ``y``, ``eta = log(y + 0.1)``, ``mu = exp(eta)`` (R's start) and ``y log y``."""
    data = np.empty((4, n))
    for i in range(n):
        data[0, i] = y[i]
        data[1, i] = np.log(y[i] + 0.1)
        data[2, i] = max(np.exp(data[1, i]), MEAN_FLOOR)
        data[3, i] = y[i] * np.log(y[i]) if y[i] > 0 else 0.0
    return data


@jit
def _update_levels(
    coef: FloatArray, totals: FloatArray, n_levels: int, level_mu: FloatArray
) -> float:
    """Mean per level and deviance when the mean is constant within each level."""
    deviance = 0.0
    for j in range(n_levels):
        level_mu[j] = max(np.exp(coef[j]), MEAN_FLOOR)
        log_mu = max(coef[j], LOG_MEAN_FLOOR)
        deviance += totals[2, j] - totals[1, j] * (log_mu + 1.0) + level_mu[j] * totals[0, j]
    return 2.0 * deviance


@jit
def _irls_levels(
    y: FloatArray,
    prior: FloatArray,
    y_log_y: FloatArray,
    level: IntArray,
    n: int,
    n_levels: int,
    eta: FloatArray,
    mu: FloatArray,
    work: FloatArray,
    sums: FloatArray,
    coef: FloatArray,
    old_coef: FloatArray,
    old_dev: float,
) -> int:
    """Iterations 2..25 of :func:`irls` without trend and offset, in ``O(levels)`` each.

    After the first step the mean is constant within each level, so a step is
    ``alpha_j <- alpha_j - 1 + sum(prior y) / (mu_j sum(prior))`` (the same update as
    :func:`wls_step`) and the deviance needs only per-level totals.
    """
    totals = np.zeros((3, n_levels))
    for i in range(n):
        totals[0, level[i]] += prior[i]
        totals[1, level[i]] += prior[i] * y[i]
        totals[2, level[i]] += prior[i] * y_log_y[i]
    level_mu, used_mu, status = np.empty(n_levels), np.empty(n_levels), 0
    _update_levels(coef, totals, n_levels, level_mu)
    for _ in range(1, MAX_ITERATIONS):
        used_mu[:] = level_mu
        for j in range(n_levels):
            sums[0, j] = used_mu[j] * totals[0, j]
            coef[j] = coef[j] - 1.0 + totals[1, j] / sums[0, j] if sums[0, j] > 0 else 0.0
        dev, halvings = _update_levels(coef, totals, n_levels, level_mu), 0
        while not np.isfinite(dev) and halvings < MAX_ITERATIONS:
            coef[:] = (coef + old_coef) / 2.0
            dev, halvings = _update_levels(coef, totals, n_levels, level_mu), halvings + 1
        status = -1 if not np.isfinite(dev) else 1 if converged(dev, old_dev) else 0
        if status != 0:
            break
        old_dev, old_coef[:] = dev, coef
    for i in range(n):
        eta[i], mu[i], work[i] = coef[level[i]], level_mu[level[i]], prior[i] * used_mu[level[i]]
    return status


@jit
def converged(dev: float, old_dev: float) -> bool:
    """R's ``glm.fit`` stopping rule."""
    return abs(dev - old_dev) / (abs(dev) + 0.1) < EPSILON
