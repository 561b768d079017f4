"""Hierarchical log-linear models of an incomplete ``2**k`` table, fitted by IRLS.

The expected count of capture pattern ``h`` is ``log mu_h = u + sum_j u_j h_j +
sum_{S in model} u_S prod_{j in S} h_j`` with 0/1 coding, so the unobserved all-zero cell is
``exp(u)`` (Fienberg 1972; Bishop, Fienberg & Holland 1975, §6.4). Every main effect is in
every model; a model is the set of interaction terms it adds, closed downwards (a three-way term
needs its two-way margins). The ``k``-way term is never estimable from ``2**k - 1`` cells.

Fitting is iteratively reweighted least squares for the Poisson GLM with log link, the
algorithm of R's ``glm(family = poisson)`` (Nelder & Wedderburn 1972), to a tighter tolerance.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from salus.analytics.reconcile.mse.table import FloatArray, IntArray

MAX_STANDARD_ERROR = 100.0
"""A coefficient this uncertain is drifting to infinity: the MLE is on the boundary."""

Term = tuple[int, ...]
"""An interaction as the sorted indices of its lists, e.g. ``(0, 2)`` for list 1 × list 3."""


class FitError(RuntimeError):
    """IRLS did not converge (a boundary estimate: some expected count goes to zero)."""


@dataclass(frozen=True)
class LogLinearModel:
    """Main effects of ``k`` lists plus the interaction ``terms`` (hierarchical)."""

    k: int
    terms: tuple[Term, ...] = ()

    def formula(self, lists: Sequence[str]) -> str:
        """The model in R's notation, e.g. ``EXH + ABA + OSCE + EXH:ABA``."""
        parts = list(lists) + [":".join(lists[j] for j in term) for term in self.terms]
        return " + ".join(parts)

    def column_names(self, lists: Sequence[str]) -> list[str]:
        """Coefficient names as R prints them, intercept first."""
        return ["(Intercept)", *self.formula(lists).split(" + ")]

    def design(self, patterns: IntArray) -> FloatArray:
        """Model matrix: intercept, main effects, then one product column per interaction."""
        cols = [np.ones(len(patterns)), *(patterns[:, j] for j in range(self.k))]
        cols += [np.prod(patterns[:, list(term)], axis=1) for term in self.terms]
        return np.column_stack(cols).astype(np.float64)


@dataclass(frozen=True)
class PoissonFit:
    """Result of one Poisson GLM fit (log link)."""

    coefficients: FloatArray
    standard_errors: FloatArray
    fitted: FloatArray
    deviance: float
    log_likelihood: float
    iterations: int


def hierarchical_models(k: int, max_order: int = 2) -> list[LogLinearModel]:
    """Every hierarchical model of ``k`` lists with interactions up to ``max_order``.

    ``max_order`` is capped at ``k - 1``. Models come in order of size, then lexicographically.
    """
    order = min(max_order, k - 1)
    candidates = [t for r in range(2, order + 1) for t in itertools.combinations(range(k), r)]
    models = []
    for size in range(len(candidates) + 1):
        for terms in itertools.combinations(candidates, size):
            if _is_hierarchical(set(terms)):
                models.append(LogLinearModel(k, tuple(terms)))
    return models


def _is_hierarchical(terms: set[Term]) -> bool:
    for term in terms:
        if len(term) > 2:
            margins = itertools.combinations(term, len(term) - 1)
            if any(m not in terms for m in margins):
                return False
    return True


def fit_poisson(
    design: FloatArray, counts: FloatArray, tol: float = 1e-10, max_iter: int = 100
) -> PoissonFit:
    """Maximum-likelihood Poisson regression with log link by IRLS.

    Starts, as R does, from ``mu = y + 0.1`` and stops when the relative change in deviance
    falls below ``tol``. Raises :class:`FitError` when it does not converge.
    """
    mu = counts + 0.1
    eta = np.log(mu)
    deviance = np.inf
    for iteration in range(1, max_iter + 1):
        z = eta + (counts - mu) / mu
        xtw = design.T * mu
        beta = np.asarray(np.linalg.solve(xtw @ design, xtw @ z), dtype=np.float64)
        eta = design @ beta
        if np.max(eta) > 700:
            raise FitError("expected counts overflow: the model has no finite estimate")
        mu = np.exp(eta)
        new_deviance = poisson_deviance(counts, mu)
        if abs(new_deviance - deviance) / (abs(new_deviance) + 0.1) < tol:
            return _finish_fit(design, counts, beta, mu, new_deviance, iteration)
        deviance = new_deviance
    raise FitError(f"IRLS did not converge in {max_iter} iterations")


def _finish_fit(
    design: FloatArray,
    counts: FloatArray,
    beta: FloatArray,
    mu: FloatArray,
    deviance: float,
    iterations: int,
) -> PoissonFit:
    from scipy.special import gammaln

    information = (design.T * mu) @ design
    covariance = np.linalg.inv(information)
    errors = np.sqrt(np.diag(covariance))
    if not np.all(np.isfinite(errors)) or np.max(errors) > MAX_STANDARD_ERROR:
        raise FitError("an estimate lies on the boundary (a margin with no one in it)")
    loglik = float(np.sum(counts * np.log(mu) - mu - gammaln(counts + 1.0)))
    return PoissonFit(
        coefficients=beta,
        standard_errors=errors,
        fitted=mu,
        deviance=deviance,
        log_likelihood=loglik,
        iterations=iterations,
    )


def poisson_deviance(counts: FloatArray, mu: FloatArray) -> float:
    """``2 sum(y log(y / mu) - (y - mu))``, with ``0 log 0 = 0``."""
    positive = counts > 0
    ratio = np.where(positive, counts / np.where(positive, mu, 1.0), 1.0)
    return float(2.0 * np.sum(np.where(positive, counts * np.log(ratio), 0.0) - (counts - mu)))
