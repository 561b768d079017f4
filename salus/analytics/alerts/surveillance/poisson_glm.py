"""A dense Poisson / quasi-Poisson GLM with log link, fitted for many series at once.

Iteratively reweighted least squares exactly as R's ``glm.fit`` runs it (McCullagh & Nelder
1989, section 2.5): start from ``mu = y + 0.1``, stop when ``|dev - dev_old| / (|dev| + 0.1) <
epsilon`` (``1e-8``) or after ``max_iterations`` (25). All series share the design matrix; each
column of ``y`` is one series, and a series stops updating once it has converged, so each one
follows the iterations R would run for it alone.

Used for the seasonal in-control mean of :func:`~salus.analytics.alerts.surveillance.cusum.cusum`
and, in
the tests, as an independent check of the structured solver behind Farrington's method.

References
----------
McCullagh, P., Nelder, J. A. (1989). *Generalized Linear Models*, 2nd ed. Chapman & Hall.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
#: R's ``make.link("log")$linkinv`` floors the mean at machine epsilon; so do we.
MEAN_FLOOR = float(np.finfo(np.float64).eps)


def inverse_link(eta: FloatArray) -> FloatArray:
    """``max(exp(eta), eps)``: R's inverse log link (also its derivative ``mu.eta``)."""
    return np.maximum(np.exp(eta), MEAN_FLOOR)


@dataclass(frozen=True)
class PoissonGlmFit:
    """Fitted log-linear model for each series (columns).

    Attributes
    ----------
    coefficients : ndarray, shape (p, series)
    fitted : ndarray, shape (n, series)
        Fitted means ``mu``.
    unscaled_covariance : ndarray, shape (series, p, p)
        ``(X' W X)^{-1}`` with the working weights of the last iteration (R's ``cov.unscaled``).
    dispersion : ndarray, shape (series,)
        Pearson estimate ``sum(w (y - mu)^2 / mu) / (n - p)`` (R's quasi-Poisson dispersion).
    converged : ndarray of bool, shape (series,)
    iterations : ndarray of int, shape (series,)
    """

    coefficients: FloatArray
    fitted: FloatArray
    unscaled_covariance: FloatArray
    dispersion: FloatArray
    converged: npt.NDArray[np.bool_]
    iterations: npt.NDArray[np.int64]


def _deviance(y: FloatArray, mu: FloatArray, weights: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        ylogy = np.where(y > 0, y * np.log(y / mu), 0.0)
    return np.asarray(2.0 * np.sum(weights * (ylogy - (y - mu)), axis=0), dtype=np.float64)


def _weighted_solve(
    design: FloatArray, working: FloatArray, weights: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Coefficients ``(p, series)`` and ``(X'WX)^{-1}`` per series of one IRLS step."""
    information = np.einsum("ip,is,iq->spq", design, weights, design)
    score = np.einsum("ip,is->sp", design, weights * working)
    inverse = np.linalg.inv(information)
    return np.einsum("spq,sq->ps", inverse, score), inverse


def fit_poisson_glm(
    design: npt.ArrayLike,
    y: npt.ArrayLike,
    prior_weights: npt.ArrayLike | None = None,
    offset: npt.ArrayLike | None = None,
    *,
    epsilon: float = 1e-8,
    max_iterations: int = 25,
) -> PoissonGlmFit:
    """Fit ``log E[y] = offset + X beta`` by IRLS for each column of ``y`` (R's ``glm.fit``).

    As in R, the fitted mean is floored at machine epsilon (:func:`inverse_link`), which keeps
    series of (almost) only zeros finite.

    Parameters
    ----------
    design : array_like, shape (n, p)
        Full-rank design matrix shared by all series.
    y : array_like, shape (n,) or (n, series)
        Non-negative responses.
    prior_weights, offset : array_like, shape like ``y``, optional
        Prior weights (default 1) and offsets on the log scale (default 0).
    epsilon, max_iterations : float, int
        R's ``glm.control`` defaults.

    Returns
    -------
    PoissonGlmFit
    """
    x = np.asarray(design, dtype=np.float64)
    response = np.asarray(y, dtype=np.float64).reshape(x.shape[0], -1)
    weights = _like(prior_weights, response, 1.0)
    shift = _like(offset, response, 0.0)
    eta = np.log(response + 0.1)
    mu = inverse_link(eta)
    old_deviance = _deviance(response, mu, weights)
    active = np.ones(response.shape[1], dtype=bool)
    iterations = np.zeros(response.shape[1], dtype=np.int64)
    coefficients = np.zeros((x.shape[1], response.shape[1]))
    inverse = np.zeros((response.shape[1], x.shape[1], x.shape[1]))
    working_weights = weights * mu
    for _ in range(max_iterations):
        working_weights[:, active] = (weights * mu)[:, active]
        working = (eta - shift + (response - mu) / mu)[:, active]
        beta, inverse[active] = _weighted_solve(x, working, working_weights[:, active])
        coefficients[:, active] = beta
        iterations[active] += 1
        eta[:, active] = x @ beta + shift[:, active]
        mu[:, active] = inverse_link(eta[:, active])
        deviance = _deviance(response, mu, weights)
        active &= np.abs(deviance - old_deviance) / (np.abs(deviance) + 0.1) >= epsilon
        old_deviance = deviance
        if not active.any():
            break
    pearson = np.sum(working_weights * ((response - mu) / mu) ** 2, axis=0)
    return PoissonGlmFit(
        coefficients=coefficients,
        fitted=mu,
        unscaled_covariance=inverse,
        dispersion=pearson / (np.sum(weights > 0, axis=0) - x.shape[1]),
        converged=~active,
        iterations=iterations,
    )


def _like(values: npt.ArrayLike | None, response: FloatArray, default: float) -> FloatArray:
    """``values`` shaped like ``response`` (one column per series), or ``default`` everywhere."""
    if values is None:
        return np.full_like(response, default)
    column = np.asarray(values, np.float64).reshape(response.shape[0], -1)
    return np.broadcast_to(column, response.shape).astype(np.float64)
