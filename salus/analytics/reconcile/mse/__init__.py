"""Multiple-systems estimation (capture–recapture) of totals that no single list records.

Log-linear models of the incomplete ``2**k`` table of capture patterns (Fienberg 1972; Bishop,
Fienberg & Holland 1975, ch. 6), fitted by IRLS, chosen by AIC or BIC, with Cormack's (1992)
profile-likelihood interval, as used for killings in Kosovo (Ball et al. 2002).

>>> table = CaptureTable.from_counts(("A", "B"), {(1, 0): 60, (0, 1): 40, (1, 1): 20})
>>> round(estimate_total(table).total)
240
"""

from salus.analytics.reconcile.mse.estimate import (
    Criterion,
    ModelFit,
    MSEResult,
    NotEstimableError,
    estimate_total,
    fit_model,
)
from salus.analytics.reconcile.mse.loglinear import LogLinearModel, hierarchical_models
from salus.analytics.reconcile.mse.profile import ProfileInterval, profile_interval
from salus.analytics.reconcile.mse.table import CaptureTable, CaptureTableError

__all__ = [
    "CaptureTable",
    "CaptureTableError",
    "Criterion",
    "LogLinearModel",
    "MSEResult",
    "ModelFit",
    "NotEstimableError",
    "ProfileInterval",
    "estimate_total",
    "fit_model",
    "hierarchical_models",
    "profile_interval",
]
