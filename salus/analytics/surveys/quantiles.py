"""Quantiles by domain with Woodruff confidence intervals (R survey 4.1.1 ``svyquantile``).

The estimate is R 4.x's default ``qrule="math"``: the smallest value whose cumulative weight
share reaches ``p`` (the inverse of the weighted distribution function). The interval is
Woodruff's (1952): a confidence interval for the proportion of the population at or below the
estimate, ``F(q)``, mapped back through the inverse distribution function; R's
``interval.type="mean"`` (Wald on ``F``, the default), ``"xlogit"``, ``"asin"`` and
``"beta"``. The SE is the interval's width over ``2 t`` (Francisco and Fuller 1991), with
``t`` the Student quantile on the design's degrees of freedom, as R.

Cumulative weights are summed in extended precision (``numpy.longdouble``) as R's ``cumsum``
and ``sum`` do, so a cumulative share that exactly reaches ``p`` is found as in R.

References
----------
Woodruff, R. S. (1952). Confidence intervals for medians and other position measures.
*JASA* 47, 635-646.
Francisco, C. A. and Fuller, W. A. (1991). Quantile estimation with a complex survey design.
*Annals of Statistics* 19, 454-469.
Lumley, T. (2010). *Complex Surveys*, §2.4.1; R survey 4.1.1 ``svyquantile``, ``qrule_math``,
``woodruffCI``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from salus.analytics.surveys.design import FloatArray
from salus.analytics.surveys.domains import DEFAULT_THRESHOLDS, Domains, Thresholds, result_frame
from salus.analytics.surveys.errors import SurveyDesignError
from salus.analytics.surveys.estimators import (
    DegreesOfFreedom,
    Design,
    critical,
    degrees_of_freedom,
    domain_codes,
    fit,
    numeric,
)
from salus.analytics.surveys.intervals import proportion_interval

IntervalType = Literal["mean", "xlogit", "asin", "beta"]


def weighted_quantile(x: FloatArray, w: FloatArray, p: float) -> float:
    """R's ``qrule_math``: ``x`` at the first cumulative weight share ``>= p``."""
    keep = w != 0
    x, w = x[keep], w[keep]
    if x.size == 0:
        return float("nan")
    order = np.argsort(x, kind="stable")
    xs = x[order]
    cum_long = np.cumsum(w[order].astype(np.longdouble))
    cumw = cum_long.astype(np.float64)
    total = float(cum_long[-1])
    below = np.flatnonzero(cumw <= p * total)
    pos = int(below[-1]) if below.size else 0
    if p - cumw[pos] / total == 0:
        return float(xs[pos])
    return float(xs[min(pos + 1, xs.size - 1)])


def quantile(design: Design, variable: str, q: float | Sequence[float] = 0.5, *,
             by: str | Sequence[str] | None = None, interval_type: IntervalType = "mean",
             confidence: float = 0.95, df: DegreesOfFreedom = "design", na_rm: bool = False,
             thresholds: Thresholds = DEFAULT_THRESHOLDS) -> pd.DataFrame:
    """Quantiles ``q`` of ``variable`` by domain, one row per domain and quantile.

    Columns as the other estimators, plus ``quantile`` (the probability); ``deff`` is NaN.
    """
    probs = [q] if isinstance(q, float | int) else list(q)
    if any(not 0 <= p <= 1 for p in probs):
        raise SurveyDesignError(f"quantiles must be within [0, 1], got {probs}")
    y, drop = numeric(design, variable, na_rm)
    d = domain_codes(design, by, drop)
    t = critical(design, d, df, confidence)
    dof = (degrees_of_freedom(design, d) if df == "design" else
           np.full(d.count, np.inf if df == "normal" else float(df)))
    rows = _rows_by_domain(d)
    frames = []
    for p in probs:
        est = np.array([weighted_quantile(y[r], design.weights[r], p) for r in rows])
        low, high = _woodruff(design, d, y, est, p, t, dof, rows, interval_type, confidence)
        n = np.array([float(np.count_nonzero(design.weights[r])) for r in rows])
        sum_w = np.array([float(design.weights[r].sum()) for r in rows])
        frames.append(result_frame(d.labels, variable, {
            "estimate": est, "se": (high - low) / (2 * t), "ci_low": low, "ci_high": high,
            "deff": np.full(d.count, np.nan), "n_unweighted": n, "sum_weights": sum_w},
            thresholds, {"quantile": p}))
    return pd.concat(frames, ignore_index=True)


def _rows_by_domain(d: Domains) -> list[np.ndarray]:
    order = np.argsort(d.codes, kind="stable")
    bounds = np.searchsorted(d.codes[order], np.arange(d.count + 1))
    return [order[bounds[j]: bounds[j + 1]] for j in range(d.count)]


def _woodruff(design: Design, d: Domains, y: FloatArray, est: FloatArray, p: float,
              t: FloatArray, dof: FloatArray, rows: list[np.ndarray],
              interval_type: IntervalType, confidence: float) -> tuple[FloatArray, FloatArray]:
    """R's ``woodruffCI``: an interval for ``F(q)`` mapped back by the quantile rule."""
    inside = d.codes >= 0
    below = np.where(inside, y <= est[np.where(inside, d.codes, 0)], False).astype(np.float64)
    f = fit(design, d, below, None, "mean")
    n_rows = np.array([float(r.size) for r in rows])
    p_low, p_high = proportion_interval(f.estimate, f.variance, t, interval_type, confidence,
                                        dof, n_rows)
    low = np.full(d.count, np.nan)
    high = np.full(d.count, np.nan)
    for j, r in enumerate(rows):
        if not (np.isnan(p_low[j]) or p_low[j] < 0):
            low[j] = weighted_quantile(y[r], design.weights[r], float(p_low[j]))
        if not (np.isnan(p_high[j]) or p_high[j] > 1):
            high[j] = weighted_quantile(y[r], design.weights[r], float(p_high[j]))
    return low, high
