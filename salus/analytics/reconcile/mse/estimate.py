"""Multiple-systems estimation of a total from 2–6 overlapping lists.

Fits every hierarchical log-linear model (:func:`~.loglinear.hierarchical_models`) to the
observed cells, chooses one by AIC or BIC, and gives the estimated total with a
profile-likelihood confidence interval (:mod:`.profile`). This is the approach of Ball et al.
(2002, *Killings and Refugee Flow in Kosovo, March–June 1999*, AAAS/ABA-CEELI) on the four
Kosovo lists, and of Bishop, Fienberg & Holland (1975, ch. 6). BIC here is
``-2 logL + log(n) p`` with ``n`` the number of people observed (Rcapture's convention), AIC
``-2 logL + 2 p``; ``logL`` is the full Poisson log-likelihood, as R's ``logLik.glm`` gives.

The estimate assumes a closed population and that the chosen model captures the dependence
between lists; heterogeneous capture probabilities the model does not describe bias it. Read
the spread of estimates across plausible models (``MSEResult.models``) as well as the interval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from salus.analytics.reconcile.mse.loglinear import (
    FitError,
    LogLinearModel,
    Term,
    fit_poisson,
    hierarchical_models,
)
from salus.analytics.reconcile.mse.profile import profile_interval
from salus.analytics.reconcile.mse.table import CaptureTable

Criterion = Literal["aic", "bic"]


class NotEstimableError(ValueError):
    """No model has a finite estimate (e.g. two lists that share nobody)."""


@dataclass(frozen=True)
class ModelFit:
    """One fitted log-linear model and the total it implies."""

    formula: str
    terms: tuple[Term, ...]
    coefficients: dict[str, float]
    standard_errors: dict[str, float]
    deviance: float
    df_residual: int
    log_likelihood: float
    aic: float
    bic: float
    unobserved: float
    total: float

    def criterion(self, name: Criterion) -> float:
        return self.aic if name == "aic" else self.bic


@dataclass(frozen=True)
class MSEResult:
    """The chosen model's estimate of the total, its interval, and every model that was fitted."""

    lists: tuple[str, ...]
    observed: int
    criterion: Criterion
    confidence: float
    chosen: ModelFit
    total: float
    lower: float
    upper: float
    models: tuple[ModelFit, ...]
    skipped: tuple[str, ...] = ()

    @property
    def unobserved(self) -> float:
        """Estimated number of people no list recorded."""
        return self.total - self.observed


def fit_model(table: CaptureTable, model: LogLinearModel) -> ModelFit:
    """Fit one model to the observed cells; the unobserved cell is ``exp(intercept)``."""
    fit = fit_poisson(model.design(table.patterns), table.counts)
    names = model.column_names(table.lists)
    params = len(names)
    unobserved = math.exp(float(fit.coefficients[0]))
    return ModelFit(
        formula=model.formula(table.lists),
        terms=model.terms,
        coefficients=dict(zip(names, map(float, fit.coefficients), strict=True)),
        standard_errors=dict(zip(names, map(float, fit.standard_errors), strict=True)),
        deviance=fit.deviance,
        df_residual=len(table.counts) - params,
        log_likelihood=fit.log_likelihood,
        aic=-2.0 * fit.log_likelihood + 2.0 * params,
        bic=-2.0 * fit.log_likelihood + math.log(max(table.observed, 1)) * params,
        unobserved=unobserved,
        total=float(table.counts.sum()) + unobserved,
    )


def estimate_total(
    table: CaptureTable,
    criterion: Criterion = "bic",
    max_order: int = 2,
    confidence: float = 0.95,
) -> MSEResult:
    """Estimate the total population from a capture table.

    Parameters
    ----------
    table:
        Counts per capture pattern.
    criterion:
        ``"bic"`` (default, favours smaller models) or ``"aic"``.
    max_order:
        Highest order of interaction considered (2 = pairwise dependence between lists).
    confidence:
        Level of the profile-likelihood interval.
    """
    fits: list[tuple[ModelFit, LogLinearModel]] = []
    skipped: list[str] = []
    for model in hierarchical_models(len(table.lists), max_order):
        try:
            fits.append((fit_model(table, model), model))
        except (FitError, OverflowError, ValueError):
            skipped.append(model.formula(table.lists))
    if not fits:
        raise NotEstimableError("no log-linear model has a finite estimate for this table")
    chosen, model = min(fits, key=lambda pair: pair[0].criterion(criterion))
    try:
        interval = profile_interval(table, model, chosen.total, confidence)
        lower, upper = interval.lower, interval.upper
    except FitError:  # the likelihood runs onto the boundary: no finite upper limit
        lower, upper = float(table.observed), math.inf
    return MSEResult(
        lists=table.lists,
        observed=table.observed,
        criterion=criterion,
        confidence=confidence,
        chosen=chosen,
        total=chosen.total,
        lower=lower,
        upper=upper,
        models=tuple(f for f, _ in fits),
        skipped=tuple(skipped),
    )
