"""Means, totals, ratios and proportions by domain, with SEs, CIs, design effects and flags.

Each estimator takes a :class:`~salus.analytics.surveys.design.SurveyDesign` (Taylor
linearisation) or a :class:`~salus.analytics.surveys.replicates.ReplicateDesign` and returns
the tidy frame of :func:`salus.analytics.surveys.domains.result_frame`, one row per domain.
They equal R survey 4.1.1's ``svymean``, ``svytotal``, ``svyratio``, ``svyciprop`` and
``svyby(..., deff=TRUE)``:

- the linearised influence of a ratio ``R = sum(w y) / sum(w x)`` is
  ``w (y - R x) / sum(w x)`` (a mean is the ratio to ``x = 1``; Woodruff 1971; Lumley 2010,
  §2.3; Wolter 2007, ch. 6);
- ``deff`` is R's ``deff=TRUE``: the variance over that of simple random sampling *without*
  replacement of the same number of respondents, ``s^2 (N - n) / (N n)`` for a mean with
  ``s^2`` the weighted variance with divisor ``n - 1`` (Kish 1965; R's ``svyvar``);
- the Wald CI is normal unless ``df`` is given (R's ``confint``); proportions use ``svyciprop``'s
  methods with the design's degrees of freedom (:mod:`.intervals`).

References
----------
Lumley, T. (2010). *Complex Surveys*, Wiley. Wolter, K. M. (2007). *Introduction to Variance
Estimation*, Springer. Särndal, Swensson and Wretman (1992), *Model Assisted Survey
Sampling*, §5.6 (domains), §5.7 (ratios). Kish, L. (1965). *Survey Sampling*, Wiley, §8.2.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import sparse, special, stats

from salus.analytics.surveys.design import FloatArray, IntArray, SurveyDesign, group_sum
from salus.analytics.surveys.domains import (
    DEFAULT_THRESHOLDS,
    Domains,
    Thresholds,
    domains,
    result_frame,
)
from salus.analytics.surveys.errors import SurveyDesignError, show
from salus.analytics.surveys.intervals import ProportionMethod, proportion_interval
from salus.analytics.surveys.replicates import ReplicateDesign
from salus.analytics.surveys.taylor import Scores, taylor_variance

Design = SurveyDesign | ReplicateDesign
DegreesOfFreedom = Literal["normal", "design"] | float
Kind = Literal["mean", "total", "ratio"]


@dataclass(frozen=True)
class Fit:
    """Per-domain estimates, variances and sizes (arrays of the domains' length)."""

    estimate: FloatArray
    variance: FloatArray
    deff: FloatArray
    n: FloatArray
    sum_weights: FloatArray


def numeric(design: Design, variable: str, na_rm: bool) -> tuple[FloatArray, IntArray]:
    """A column as floats and the rows to drop (missing: an error unless ``na_rm``)."""
    frame = design.frame
    if variable not in frame.columns:
        raise SurveyDesignError(f"column {variable!r} is not in the data")
    raw = frame[variable]
    values = pd.to_numeric(raw.astype("float64") if raw.dtype == bool else raw,
                           errors="coerce").to_numpy(np.float64)
    missing = np.flatnonzero(np.isnan(values))
    if missing.size and not na_rm:
        r = int(missing[0])
        kind = "missing" if pd.isna(raw.iloc[r]) else "not a number"
        raise SurveyDesignError(
            f"column {variable!r}, row {frame.index[r]}: {show(raw.iloc[r])} is {kind} "
            f"({missing.size} rows); pass na_rm=True to leave such rows out")
    return np.nan_to_num(values), missing


def domain_codes(design: Design, by: str | Sequence[str] | None,
                 drop: IntArray) -> Domains:
    """Domains of ``by`` with dropped rows (missing values) in none."""
    d = domains(design.frame, by)
    if drop.size:
        codes = d.codes.copy()
        codes[drop] = -1
        d = Domains(codes=codes, labels=d.labels)
    return d


def fit(design: Design, d: Domains, y: FloatArray, x: FloatArray | None, kind: Kind) -> Fit:
    """Estimates of ``kind`` by domain: ``sum(w y)`` (total) or ``sum(w y)/sum(w x)``."""
    k = d.count
    inside = d.codes >= 0
    g = np.where(inside, d.codes, 0)
    w = np.where(inside, design.weights, 0.0)
    sum_w = group_sum(g, w, k)
    n = group_sum(g, (inside & (design.weights != 0)).astype(float), k)
    num = group_sum(g, w * y, k)
    den = sum_w if x is None else group_sum(g, w * x, k)
    estimate = num if kind == "total" else num / den
    if kind == "total":
        z = y
    else:
        xx = np.ones_like(y) if x is None else x
        z = (y - estimate[g] * xx) / den[g]
    if isinstance(design, SurveyDesign):
        variance = taylor_variance(design, Scores(values=design.weights * z, group=d.codes, k=k))
    else:
        variance = _replicate_variance(design, d, y, x, kind, estimate)
    deff = _deff(d, g, w, z if kind == "ratio" else y, n, sum_w, variance, kind)
    return Fit(estimate=estimate, variance=variance, deff=deff, n=n, sum_weights=sum_w)


def _domain_matrix(d: Domains, values: FloatArray) -> sparse.csr_matrix:
    rows = np.flatnonzero(d.codes >= 0)
    return sparse.csr_matrix((values[rows], (rows, d.codes[rows])),
                             shape=(d.codes.size, d.count))


def replicate_sums(design: ReplicateDesign, d: Domains, values: FloatArray) -> FloatArray:
    """``R x k``: each replicate's weighted sum of ``values`` by domain."""
    product = _domain_matrix(d, values).T @ design.replicate_weights
    return np.asarray(product).T


def replicate_thetas(design: ReplicateDesign, d: Domains, y: FloatArray,
                     x: FloatArray | None, kind: Kind) -> FloatArray:
    """``R x k``: the estimate of ``kind`` by domain under each replicate's weights."""
    num = replicate_sums(design, d, y)
    if kind == "total":
        return num
    den = replicate_sums(design, d, np.ones_like(y) if x is None else x)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(num / den)


def _replicate_variance(design: ReplicateDesign, d: Domains, y: FloatArray,
                        x: FloatArray | None, kind: Kind, estimate: FloatArray) -> FloatArray:
    return design.variance(replicate_thetas(design, d, y, x, kind), estimate)


def _deff(d: Domains, g: IntArray, w: FloatArray, z: FloatArray, n: FloatArray,
          sum_w: FloatArray, variance: FloatArray, kind: Kind) -> FloatArray:
    """R's ``deff=TRUE``: against simple random sampling without replacement of ``n``."""
    k = d.count
    zbar = group_sum(g, w * z, k) / sum_w
    ss = group_sum(g, w * (z - zbar[g]) ** 2, k)
    with np.errstate(divide="ignore", invalid="ignore"):
        s2 = ss / sum_w * n / (n - 1)
        if kind == "mean":
            srs = np.where(sum_w < n, np.nan, s2 * (sum_w - n) / (sum_w * n))
        else:  # a total, and a ratio as R's deff(svytotal(r)) of its linearised variable
            srs = s2 * sum_w**2 * (sum_w - n) / (sum_w * n)
        return np.asarray(variance / srs)


def degrees_of_freedom(design: Design, d: Domains) -> FloatArray:
    """Each domain's design degrees of freedom (R's ``degf`` of the subset design)."""
    k = d.count
    if isinstance(design, ReplicateDesign):
        return np.array([design.degrees_of_freedom(d.codes == j) for j in range(k)], float)
    first = design.stages[0]
    inside = (d.codes >= 0) & (design.weights != 0)
    psus = np.unique(d.codes[inside] * first.n_units + first.unit[inside]) // first.n_units
    strata = np.unique(d.codes[inside] * first.n_strata + first.stratum[inside]) // first.n_strata
    return np.asarray(np.bincount(psus, minlength=k) - np.bincount(strata, minlength=k), float)


def critical(design: Design, d: Domains, df: DegreesOfFreedom, confidence: float) -> FloatArray:
    """Two-sided critical values: normal, or Student t with the design's or given df."""
    if not 0 < confidence < 1:
        raise SurveyDesignError(f"confidence must be in (0, 1), got {confidence}")
    upper = 1 - (1 - confidence) / 2
    if df == "normal":
        return np.full(d.count, stats.norm.ppf(upper))
    dof = degrees_of_freedom(design, d) if df == "design" else np.full(d.count, float(df))
    with np.errstate(invalid="ignore"):
        return np.asarray(stats.t.ppf(upper, dof))


def _linear(design: Design, variable: str, by: str | Sequence[str] | None, kind: Kind,
            denominator: str | None, confidence: float, df: DegreesOfFreedom, na_rm: bool,
            thresholds: Thresholds) -> pd.DataFrame:
    y, drop = numeric(design, variable, na_rm)
    x = None
    if denominator is not None:
        x, drop_x = numeric(design, denominator, na_rm)
        drop = np.union1d(drop, drop_x)
    d = domain_codes(design, by, drop)
    f = fit(design, d, y, x, kind)
    se = np.sqrt(f.variance)
    q = critical(design, d, df, confidence)
    name = variable if denominator is None else f"{variable}/{denominator}"
    return result_frame(d.labels, name, {
        "estimate": f.estimate, "se": se, "ci_low": f.estimate - q * se,
        "ci_high": f.estimate + q * se, "deff": f.deff, "n_unweighted": f.n,
        "sum_weights": f.sum_weights}, thresholds)


def mean(design: Design, variable: str, *, by: str | Sequence[str] | None = None,
         confidence: float = 0.95, df: DegreesOfFreedom = "normal", na_rm: bool = False,
         thresholds: Thresholds = DEFAULT_THRESHOLDS) -> pd.DataFrame:
    """Weighted mean of ``variable`` by domain (R's ``svymean``/``svyby(..., svymean)``)."""
    return _linear(design, variable, by, "mean", None, confidence, df, na_rm, thresholds)


def total(design: Design, variable: str, *, by: str | Sequence[str] | None = None,
          confidence: float = 0.95, df: DegreesOfFreedom = "normal", na_rm: bool = False,
          thresholds: Thresholds = DEFAULT_THRESHOLDS) -> pd.DataFrame:
    """Estimated population total of ``variable`` by domain (R's ``svytotal``)."""
    return _linear(design, variable, by, "total", None, confidence, df, na_rm, thresholds)


def ratio(design: Design, numerator: str, denominator: str, *,
          by: str | Sequence[str] | None = None, confidence: float = 0.95,
          df: DegreesOfFreedom = "normal", na_rm: bool = False,
          thresholds: Thresholds = DEFAULT_THRESHOLDS) -> pd.DataFrame:
    """Ratio of two totals by domain (R's ``svyratio``); ``deff`` as ``svytotal`` of its
    linearised variable."""
    return _linear(design, numerator, by, "ratio", denominator, confidence, df, na_rm,
                   thresholds)


def proportion(design: Design, variable: str, *, by: str | Sequence[str] | None = None,
               category: object = None, method: ProportionMethod = "logit",
               confidence: float = 0.95, df: DegreesOfFreedom = "design", na_rm: bool = False,
               thresholds: Thresholds = DEFAULT_THRESHOLDS) -> pd.DataFrame:
    """Proportion of respondents in a category, by domain (R's ``svyciprop``).

    A 0/1 or boolean ``variable`` gives the proportion of 1s; otherwise each ``category``
    (all levels when ``None``) gives one row per domain, with a ``category`` column. The
    interval is ``method``'s (:func:`salus.analytics.surveys.intervals.proportion_interval`)
    with the domain's design degrees of freedom (R's default ``df=degf(design)``).
    """
    raw = design.frame[variable] if variable in design.frame.columns else None
    if raw is None:
        raise SurveyDesignError(f"column {variable!r} is not in the data")
    missing = np.flatnonzero(raw.isna().to_numpy())
    if missing.size and not na_rm:
        r = int(missing[0])
        raise SurveyDesignError(
            f"column {variable!r}, row {design.frame.index[r]}: missing ({missing.size} rows); "
            "pass na_rm=True to leave such rows out")
    binary = category is None and _is_binary(raw)
    levels = [1] if binary else ([category] if category is not None
                                 else sorted(pd.unique(raw.dropna())))
    frames = []
    for level in levels:
        indicator = (raw == level).to_numpy(np.float64)
        d = domain_codes(design, by, missing)
        f = fit(design, d, indicator, None, "mean")
        q = critical(design, d, df, confidence)
        dof = (degrees_of_freedom(design, d) if df == "design" else
               np.full(d.count, np.inf if df == "normal" else float(df)))
        n_rows = _design_rows(design, d)
        if method == "logit" and isinstance(design, ReplicateDesign):
            low, high = _replicate_logit(design, d, indicator, f.estimate, q)
        else:
            low, high = proportion_interval(f.estimate, f.variance, q, method, confidence, dof,
                                            n_rows)
        extra = None if binary else {"category": level}
        frames.append(result_frame(d.labels, variable, {
            "estimate": f.estimate, "se": np.sqrt(f.variance), "ci_low": low, "ci_high": high,
            "deff": f.deff, "n_unweighted": f.n, "sum_weights": f.sum_weights},
            thresholds, extra))
    return pd.concat(frames, ignore_index=True)


def _replicate_logit(design: ReplicateDesign, d: Domains, indicator: FloatArray,
                     p: FloatArray, q: FloatArray) -> tuple[FloatArray, FloatArray]:
    """R's ``svyciprop(method="logit")`` on replicate weights: the replicates' variance of
    the logit (``svyglm`` refitted per replicate), not the delta method's."""
    thetas = replicate_thetas(design, d, indicator, None, "mean")
    with np.errstate(divide="ignore", invalid="ignore"):
        centre = special.logit(p)
        se = np.sqrt(design.variance(special.logit(thetas), centre))
    return special.expit(centre - q * se), special.expit(centre + q * se)


def _is_binary(raw: pd.Series) -> bool:
    if raw.dtype == bool:
        return True
    values = pd.to_numeric(raw.dropna(), errors="coerce")
    return bool(values.notna().all() and values.isin([0, 1]).all())


def _design_rows(design: Design, d: Domains) -> FloatArray:
    """R's ``nrow(design)`` of each domain's subset (calibrated subsets keep every row)."""
    if isinstance(design, SurveyDesign) and design.calibrated:
        return np.full(d.count, float(design.n))
    g = d.codes[d.codes >= 0]
    return np.bincount(g, minlength=d.count).astype(float)
