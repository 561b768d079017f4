"""Taylor-linearisation variance of estimated totals of influence values (R's ``svyrecvar``).

The variance of ``sum_i z_i`` for a stratified multistage sample is, stage by stage, the
between-unit variance within strata: for stratum ``h`` with ``n_h`` sampled units of ``N_h``,

    V_h = (1 - n_h / N_h) * n_h / (n_h - 1) * sum_u (z_u - mean_h z)^2

(``z_u`` the unit totals), and a later stage's variance enters multiplied by the sampling
fractions ``n / N`` of the earlier stages (Särndal et al. 1992, result 4.3.1; Lumley 2010,
§3.2; R survey 4.1.1 ``multistage``/``onestage``/``onestrat``). Lonely PSUs follow R's
``survey.lonely.psu`` options. Everything runs on integer codes with :func:`numpy.bincount`,
so a million rows and fifty domains take one pass per stage.

Influence values are given either dense (an ``n x k`` matrix) or as :class:`Scores` with one
value per row and the column (domain) it belongs to, which is how domain estimates are made
without an ``n x k`` matrix (a row outside the domain scores 0, as in R's ``svyby``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from salus.analytics.surveys.design import (
    CERTAINTY_TOLERANCE,
    FloatArray,
    IntArray,
    Stage,
    SurveyDesign,
    group_sum,
)
from salus.analytics.surveys.errors import SurveyDesignError

BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Scores:
    """Influence values of ``k`` estimates.

    ``group is None``: ``values`` is the dense ``n x k`` matrix. Otherwise ``values`` has one
    entry per row, in column ``group[i]`` (``-1``: in no column) and 0 in the others.
    With ``group``, a row belongs to the sample of its column's estimate only (R's subset for
    ``lonely_psu="average"``); dense scores belong to every estimate (calibrated designs'
    subsets keep all rows, as R's).
    """

    values: FloatArray
    group: IntArray | None
    k: int

    @classmethod
    def dense(cls, matrix: FloatArray) -> Scores:
        """Scores from an ``n x k`` matrix (a vector is one column)."""
        m = np.asarray(matrix, dtype=np.float64)
        if m.ndim == 1:
            m = m[:, None]
        return cls(values=m, group=None, k=int(m.shape[1]))

    def to_dense(self) -> FloatArray:
        """The ``n x k`` matrix."""
        if self.group is None:
            return self.values
        out = np.zeros((self.values.shape[0], self.k))
        rows = np.flatnonzero(self.group >= 0)
        out[rows, self.group[rows]] = self.values[rows]
        return out

    def unit_totals(self, unit: IntArray, n_units: int) -> FloatArray:
        """``n_units x k`` sums of the values by unit code."""
        if self.group is None:
            return np.stack([group_sum(unit, self.values[:, j], n_units)
                             for j in range(self.k)], axis=1)
        if self.k == 1:
            return group_sum(unit, np.where(self.group >= 0, self.values, 0.0), n_units)[:, None]
        inside = self.group >= 0
        if inside.all():
            key, values = unit * self.k + self.group, self.values
        else:
            key, values = unit[inside] * self.k + self.group[inside], self.values[inside]
        sums = group_sum(key, values, n_units * self.k)
        return sums.reshape(n_units, self.k)


def taylor_variance(design: SurveyDesign, scores: Scores) -> FloatArray:
    """Variances (length ``k``) of the estimated totals of ``scores`` under ``design``.

    Calibration adjustments of the design are projected out of the scores first
    (:func:`salus.analytics.surveys.calibration.residualise`).
    """
    if design.calibration:
        from salus.analytics.surveys.calibration import residualise

        scores = Scores.dense(residualise(design, scores.to_dense()))
    variance = np.zeros(scores.k)
    multiplier = np.ones(design.n)
    for stage in design.variance_stages:
        variance += _stage_variance(design, stage, scores, multiplier)
        multiplier = multiplier * stage.sampling_fraction[stage.stratum]
    return variance


def _stage_variance(design: SurveyDesign, stage: Stage, scores: Scores,
                    multiplier: FloatArray) -> FloatArray:
    totals = scores.unit_totals(stage.unit, stage.n_units)
    unit_stratum = np.zeros(stage.n_units, np.int64)
    unit_stratum[stage.unit] = stage.stratum
    n_h = stage.sampled
    sums = np.stack([np.bincount(unit_stratum, weights=totals[:, j], minlength=stage.n_strata)
                     for j in range(scores.k)], axis=1)
    f = stage.fpc_factor
    lonely = n_h == 1
    center = sums / n_h[:, None]
    if design.lonely_psu == "adjust":
        center[lonely] = 0.0  # R: a lonely PSU deviates from 0, the grand mean of the scores
    dev = totals - center[unit_stratum]
    ss = np.stack([np.bincount(unit_stratum, weights=dev[:, j] ** 2, minlength=stage.n_strata)
                   for j in range(scores.k)], axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(n_h > 1, f * n_h / (n_h - 1), f)
    scale = np.where(f < CERTAINTY_TOLERANCE, 0.0, scale)
    stratum_mult = np.zeros(stage.n_strata)
    stratum_mult[stage.stratum] = multiplier
    contrib = ss * (scale * stratum_mult)[:, None]
    missing = lonely & (f >= CERTAINTY_TOLERANCE)
    if design.lonely_psu == "fail" and np.any(missing):
        raise SurveyDesignError("a stratum has only one PSU (lonely_psu='fail')")
    if design.lonely_psu == "average":
        return _averaged(stage, scores, contrib, missing)
    return np.asarray(contrib.sum(axis=0), dtype=np.float64)


def _averaged(stage: Stage, scores: Scores, contrib: FloatArray,
              missing: BoolArray) -> FloatArray:
    """R's ``average``: lonely strata left out, the rest scaled by strata / strata with PSUs.

    The counts are of the strata present in the estimate's sample, within each unit of the
    previous stage (R calls ``onestage`` once per earlier-stage unit).
    """
    present = _present_strata(stage, scores)
    n_parents = int(stage.stratum_parent.max()) + 1
    out = np.zeros(scores.k)
    for j in range(scores.k):
        here = present[:, j]
        nstrat = np.bincount(stage.stratum_parent[here], minlength=n_parents)
        nok = np.bincount(stage.stratum_parent[here & ~missing], minlength=n_parents)
        ok = here & ~missing
        part = np.bincount(stage.stratum_parent[ok], weights=contrib[ok, j], minlength=n_parents)
        with np.errstate(divide="ignore", invalid="ignore"):
            factor = np.where(nstrat > 0, nstrat / nok, 0.0)
            out[j] = float(np.sum(np.where(nstrat > 0, part * factor, 0.0)))
    return out


def _present_strata(stage: Stage, scores: Scores) -> BoolArray:
    """``n_strata x k``: strata with at least one row in each estimate's sample."""
    if scores.group is None:
        return np.ones((stage.n_strata, scores.k), dtype=bool)
    rows = scores.group >= 0
    key = stage.stratum[rows] * scores.k + scores.group[rows]
    counts = np.bincount(key, minlength=stage.n_strata * scores.k)
    return counts.reshape(stage.n_strata, scores.k) > 0
