"""Confidence intervals for survey proportions (R survey 4.1.1's ``svyciprop`` methods).

With ``p`` the estimate, ``v`` its design-based variance, ``t`` the Student quantile on the
design's degrees of freedom:

- ``"logit"`` (R's default; also ``"xlogit"``): ``expit(logit(p) +- t sqrt(v) / (p (1 - p)))``
  (the Wald interval of the intercept of a quasi-binomial ``svyglm``, whose variance is this
  delta-method one);
- ``"mean"`` (``"wald"``): ``p +- t sqrt(v)``;
- ``"asin"``: ``sin(asin(sqrt(p)) +- t sqrt(v) / (2 sqrt(p (1 - p))))^2``;
- ``"beta"``: Korn and Graubard (1998): Clopper-Pearson with the effective sample size
  ``n* = p (1 - p) / v * (t_{n-1} / t_df)^2``;
- ``"wilson"``: Wilson's score interval with the same effective sample size (Kish 1965)
  and the design's t quantile; for ``p`` in {0, 1} (``v = 0``) ``n*`` is the number of
  respondents, so the interval still has width (Dean and Pagano 2015). Not in R.

References
----------
Korn, E. L. and Graubard, B. I. (1998). Confidence intervals for proportions with small
expected number of positive counts estimated from survey data. *Survey Methodology* 24,
193-201.
Dean, N. and Pagano, M. (2015). Evaluating confidence interval methods for binomial
proportions in clustered surveys. *J. Survey Statistics and Methodology* 3, 484-503.
Wilson, E. B. (1927). Probable inference, the law of succession, and statistical inference.
*JASA* 22, 209-212.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from scipy import special, stats

from salus.analytics.surveys.design import FloatArray
from salus.analytics.surveys.errors import SurveyDesignError

ProportionMethod = Literal["logit", "xlogit", "mean", "wald", "asin", "beta", "wilson"]


def proportion_interval(p: FloatArray, variance: FloatArray, t: FloatArray,
                        method: ProportionMethod, confidence: float, df: FloatArray,
                        n_rows: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Lower and upper limits of proportions ``p`` by ``method`` (see the module docstring).

    ``t`` are the two-sided critical values, ``df`` the degrees of freedom and ``n_rows``
    the number of rows of each estimate's design (R's ``nrow(design)``, for ``"beta"``).
    """
    se = np.sqrt(variance)
    with np.errstate(divide="ignore", invalid="ignore"):
        if method in ("logit", "xlogit"):
            half = t * se / (p * (1 - p))
            centre = np.log(p / (1 - p))
            return special.expit(centre - half), special.expit(centre + half)
        if method in ("mean", "wald"):
            return p - t * se, p + t * se
        if method == "asin":
            half = t * se / (2 * np.sqrt(p * (1 - p)))
            centre = np.arcsin(np.sqrt(p))
            return np.sin(centre - half) ** 2, np.sin(centre + half) ** 2
        alpha = 1 - confidence
        n_eff = p * (1 - p) / variance
        if method == "beta":
            n_eff = n_eff * (stats.t.ppf(alpha / 2, n_rows - 1) / stats.t.ppf(alpha / 2, df)) ** 2
            low = stats.beta.ppf(alpha / 2, n_eff * p, n_eff * (1 - p) + 1)
            high = stats.beta.ppf(1 - alpha / 2, n_eff * p + 1, n_eff * (1 - p))
            return np.asarray(low), np.asarray(high)
        if method == "wilson":
            n_eff = np.where(variance > 0, n_eff, n_rows)
            z2 = t**2
            centre = (p + z2 / (2 * n_eff)) / (1 + z2 / n_eff)
            half = t * np.sqrt(p * (1 - p) / n_eff + z2 / (4 * n_eff**2)) / (1 + z2 / n_eff)
            return centre - half, centre + half
    raise SurveyDesignError(
        f"unknown interval method {method!r}: choose logit, xlogit, mean, wald, asin, beta or "
        "wilson")
