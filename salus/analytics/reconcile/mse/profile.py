"""Profile-likelihood confidence interval for the total population size.

Cormack (1992, "Interval estimation for mark–recapture studies of closed populations",
*Biometrics* 48:567–576): for a candidate total ``N`` the unobserved cell is filled with
``N - n`` and the same log-linear model is fitted to the complete ``2**k`` table; the multinomial
log-likelihood of the observed cells and the filled cell,

``l(N) = log N! - log (N - n)! + sum_h n_h log(mu_h / N) + (N - n) log(mu_0 / N)``,

is then maximised over the model's other parameters. The interval is
``{N : 2 (max l - l(N)) <= chi2_1(confidence)}``; it is asymmetric, as the sampling
distribution of the estimated total is, and never goes below ``n``. This is the interval that
Rcapture's ``closedpCI.t`` reports (Baillargeon & Rivest 2007).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from salus.analytics.reconcile.mse.loglinear import FitError, LogLinearModel, fit_poisson
from salus.analytics.reconcile.mse.table import CaptureTable

_MAX_TOTAL_FACTOR = 1e6


@dataclass(frozen=True)
class ProfileInterval:
    """Profile-likelihood interval; ``upper`` is ``inf`` where the likelihood never drops."""

    lower: float
    upper: float
    total_at_maximum: float


def profile_log_likelihood(table: CaptureTable, model: LogLinearModel, total: float) -> float:
    """``l(N)`` of the module docstring (constants in the observed counts dropped)."""
    from scipy.special import gammaln

    n = float(table.counts.sum())
    missing = total - n
    patterns = np.vstack([np.zeros((1, table.patterns.shape[1]), dtype=np.int64), table.patterns])
    counts = np.concatenate([[missing], table.counts])
    fit = fit_poisson(model.design(patterns), counts)
    probabilities = fit.fitted / fit.fitted.sum()
    positive = counts > 0
    cells = float(np.sum(counts[positive] * np.log(probabilities[positive])))
    return float(gammaln(total + 1.0) - gammaln(missing + 1.0)) + cells


def profile_interval(
    table: CaptureTable, model: LogLinearModel, estimate: float, confidence: float = 0.95
) -> ProfileInterval:
    """Confidence interval for the total by inverting the profile likelihood-ratio test."""
    from scipy.optimize import brentq
    from scipy.stats import chi2

    n = float(table.counts.sum())
    critical = float(chi2.ppf(confidence, df=1)) / 2.0

    def loglik(total: float) -> float:
        return profile_log_likelihood(table, model, total)

    top = _maximise(loglik, n, estimate)
    best = loglik(top)

    def excess(total: float) -> float:
        return best - loglik(total) - critical

    lower = n if excess(n) <= 0 else float(brentq(excess, n, top, xtol=1e-8))
    return ProfileInterval(lower, _upper_root(excess, top, n), top)


def _maximise(loglik: Callable[[float], float], n: float, estimate: float) -> float:
    from scipy.optimize import minimize_scalar

    span = max(estimate - n, 1.0)
    result = minimize_scalar(
        lambda t: -loglik(t),
        bounds=(n, n + 4.0 * span + 10.0),
        method="bounded",
        options={"xatol": 1e-6},
    )
    return float(result.x)


def _upper_root(excess: Callable[[float], float], top: float, n: float) -> float:
    from scipy.optimize import brentq

    step = max(top - n, 10.0)
    high = top + step
    while True:
        try:
            if excess(high) > 0:
                return float(brentq(excess, top, high, xtol=1e-8))
        except FitError:
            return math.inf
        if high > _MAX_TOTAL_FACTOR * max(n, 1.0):
            return math.inf
        step *= 2.0
        high = top + step
