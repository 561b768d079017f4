"""Calibration to known population totals: post-stratification, raking, linear (GREG).

:func:`calibrate` returns a new design with calibrated weights and records what the variance
must project out, as R's ``postStratify``, ``rake`` and ``calibrate(calfun="linear")`` do
(survey 4.1.1): the Taylor variance of a calibrated estimator is that of the residuals of its
influence values on the calibration variables (Särndal et al. 1992, §6.6 and result 6.6.1;
Deville and Särndal 1992; Lumley 2010, ch. 7). Raking iterates post-stratification over the
margins until no cell of their joint table moves by ``epsilon`` (R's ``control``: 10
iterations, ``epsilon = 1`` unit of weight), and the variance repeats the residualisation ten
times over the margins, as R does.

Population totals
-----------------
- ``"poststratify"``: one frame of cells, its stratifying columns plus ``total`` (e.g. area x
  sex x age band), or ``{"area": {"North": 1200, ...}}`` for one variable;
- ``"raking"``: several margins, each such a frame or ``{"var": {level: total}}`` entry;
- ``"linear"``: model-matrix totals ``{"(Intercept)": N, "income": T, "sex": {"F": NF, "M": NM}}``
  (a numeric column's total, or a categorical column's totals per level), or margins as for
  raking (each margin's cells: R's ``calibrate(design, list(~a + b, ~c), list(...))``).

References
----------
Deville, J.-C. and Särndal, C.-E. (1992). Calibration estimators in survey sampling. *JASA*
87, 376-382.
Särndal, C.-E., Swensson, B. and Wretman, J. (1992). *Model Assisted Survey Sampling*, ch. 6-7.
Lumley, T. (2010). *Complex Surveys*, Wiley, ch. 7 (post-stratification, raking, calibration).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, TypeAlias

import numpy as np
import pandas as pd

from salus.analytics.surveys.design import FloatArray, IntArray, SurveyDesign, group_sum
from salus.analytics.surveys.errors import SurveyDesignError, show

CalibrationMethod = Literal["poststratify", "raking", "linear"]
Margin: TypeAlias = pd.DataFrame
TotalsSpec: TypeAlias = pd.DataFrame | Mapping[str, object] | Sequence[pd.DataFrame]
RAKE_MAXIT = 10
RAKE_EPSILON = 1.0
RAKE_VARIANCE_SWEEPS = 10


@dataclass(frozen=True)
class PostStratum:
    """Cells and the weights after and before post-stratifying (R: ``attr(index, ...)``)."""

    cells: IntArray
    weights: FloatArray
    old_weights: FloatArray


@dataclass(frozen=True)
class Raking:
    """The margins of the last raking sweep: cells and the weights after each margin."""

    margins: tuple[tuple[IntArray, FloatArray], ...]


@dataclass(frozen=True)
class Regression:
    """Linear (GREG) calibration: orthonormal basis of ``X sqrt(w)`` and ``g sqrt(w)``."""

    basis: FloatArray
    scale: FloatArray


def calibrate(design: SurveyDesign, population_totals: TotalsSpec,
              method: CalibrationMethod = "poststratify", *,
              epsilon: float = RAKE_EPSILON, maxit: int = RAKE_MAXIT) -> SurveyDesign:
    """A design whose weights reproduce known population totals.

    Parameters
    ----------
    design : SurveyDesign
    population_totals : DataFrame, mapping or list of DataFrames
        See the module docstring; each frame has its variables' columns and ``total``.
    method : {"poststratify", "raking", "linear"}
        R's ``postStratify``, ``rake`` and ``calibrate(calfun="linear")``.
    epsilon, maxit : raking convergence (R's ``control=list(epsilon=1, maxit=10)``); an
        ``epsilon`` below 1 is a fraction of the sum of the weights, as in R.
    """
    if method == "poststratify":
        margins = _margins(population_totals)
        if len(margins) != 1:
            raise SurveyDesignError(
                "post-stratification takes one table of cells; use method='raking' for margins")
        return poststratify(design, margins[0])
    if method == "raking":
        return rake(design, _margins(population_totals), epsilon=epsilon, maxit=maxit)
    if method == "linear":
        if isinstance(population_totals, Mapping):
            return linear(design, population_totals)
        return linear_on_margins(design, _margins(population_totals))
    raise SurveyDesignError(f"unknown calibration method {method!r}")


def _margins(spec: TotalsSpec) -> list[Margin]:
    if isinstance(spec, pd.DataFrame):
        return [spec]
    if isinstance(spec, Mapping):
        margins = []
        for name, levels in spec.items():
            if not isinstance(levels, Mapping):
                raise SurveyDesignError(
                    f"population totals of {name!r} must be given per level, e.g. "
                    f"{{{name!r}: {{'level': total, ...}}}}")
            margins.append(pd.DataFrame({name: list(levels), "total": list(levels.values())}))
        return margins
    return list(spec)


def _cells(design: SurveyDesign, margin: Margin) -> tuple[IntArray, FloatArray, list[str]]:
    """Each row's cell in ``margin`` (codes into its rows) and the cells' totals."""
    if "total" not in margin.columns:
        raise SurveyDesignError("a table of population totals needs a 'total' column")
    names = [c for c in margin.columns if c != "total"]
    for name in names:
        if name not in design.frame.columns:
            raise SurveyDesignError(f"calibration column {name!r} is not in the data")
        missing = np.flatnonzero(design.frame[name].isna().to_numpy())
        if missing.size:
            raise SurveyDesignError(
                f"calibration column {name!r}, row {design.frame.index[missing[0]]}: missing value")
    keys = _keys(design.frame[names])
    population_keys = _keys(margin[names])
    lookup = pd.Index(population_keys)
    if not lookup.is_unique:
        raise SurveyDesignError(f"population totals list a cell of {names} twice")
    cells = lookup.get_indexer(keys)
    totals = pd.to_numeric(margin["total"], errors="coerce").to_numpy(np.float64)
    if np.any(np.isnan(totals) | (totals < 0)):
        raise SurveyDesignError("population totals must be non-negative numbers")
    absent = np.flatnonzero(cells < 0)
    if absent.size:
        r = int(absent[0])
        raise SurveyDesignError(
            f"row {design.frame.index[r]}: cell {keys[r]} of {names} has no population total")
    return cells.astype(np.int64), totals, names


def _keys(frame: pd.DataFrame) -> list[str]:
    return frame.astype(str).agg("\x1f".join, axis=1).tolist() if len(frame) else []


def poststratify(design: SurveyDesign, margin: Margin) -> SurveyDesign:
    """R's ``postStratify``: weights scaled so each cell sums to its population total."""
    cells, totals, names = _cells(design, margin)
    sample = np.bincount(cells, weights=design.weights, minlength=totals.size)
    seen = np.bincount(cells, minlength=totals.size) > 0
    empty = np.flatnonzero(~seen & (totals > 0))
    if empty.size:
        label = margin[names].iloc[int(empty[0])].to_dict()
        raise SurveyDesignError(
            f"post-stratum {label} has a population total but no respondents")
    zero = np.flatnonzero(seen & (totals == 0))
    if zero.size:
        label = margin[names].iloc[int(zero[0])].to_dict()
        raise SurveyDesignError(f"post-stratum {label} has respondents but a population of 0")
    reweight = np.divide(totals, sample, out=np.zeros_like(totals), where=seen)
    new = design.weights * reweight[cells]
    return design.with_weights(new, PostStratum(cells, new, design.weights))


def rake(design: SurveyDesign, margins: Sequence[Margin], *, epsilon: float = RAKE_EPSILON,
         maxit: int = RAKE_MAXIT) -> SurveyDesign:
    """R's ``rake``: post-stratify on each margin in turn until the joint table settles."""
    if not margins:
        raise SurveyDesignError("raking needs at least one margin")
    tol = epsilon * float(design.weights.sum()) if epsilon < 1 else epsilon
    cells = [_cells(design, m) for m in margins]
    names = list(dict.fromkeys(n for _, _, ns in cells for n in ns))
    joint = pd.factorize(pd.Series(_keys(design.frame[names])))[0]
    n_joint = int(joint.max()) + 1
    weights = design.weights
    old_table = np.bincount(joint, weights=weights, minlength=n_joint)
    converged = False
    sweep: tuple[tuple[IntArray, FloatArray], ...] = ()
    for _ in range(maxit):
        sweep_list = []
        for codes, totals, _names in cells:
            sample = np.bincount(codes, weights=weights, minlength=totals.size)
            reweight = np.divide(totals, sample, out=np.zeros_like(totals), where=sample > 0)
            weights = weights * reweight[codes]
            sweep_list.append((codes, weights))
        sweep = tuple(sweep_list)
        new_table = np.bincount(joint, weights=weights, minlength=n_joint)
        if np.max(np.abs(old_table - new_table)) < tol:
            converged = True
            break
        old_table = new_table
    if not converged:
        warnings.warn(f"raking did not converge after {maxit} iterations", RuntimeWarning,
                      stacklevel=2)
    return design.with_weights(weights, Raking(sweep))


def linear(design: SurveyDesign, totals: Mapping[str, object]) -> SurveyDesign:
    """R's ``calibrate(calfun="linear")`` (GREG): ``g = 1 + x'(X'WX)^-1 (T - t)``.

    ``totals``: ``"(Intercept)"``, numeric columns' totals, categorical columns' totals per
    level (full dummies: they span what R's intercept and treatment contrasts span).
    """
    columns, targets = [], []
    for name, total in totals.items():
        if name == "(Intercept)":
            columns.append(np.ones(design.n))
            targets.append(float(total))  # type: ignore[arg-type]
            continue
        if name not in design.frame.columns:
            raise SurveyDesignError(f"calibration column {name!r} is not in the data")
        values = design.frame[name]
        if isinstance(total, Mapping):
            columns_, targets_ = _dummies(design, name, values, total)
            columns += columns_
            targets += targets_
        else:
            x = pd.to_numeric(values, errors="coerce").to_numpy(np.float64)
            bad = np.flatnonzero(np.isnan(x))
            if bad.size:
                raise SurveyDesignError(
                    f"calibration column {name!r}, row {design.frame.index[bad[0]]}: "
                    f"{show(values.iloc[int(bad[0])])} is not a number")
            columns.append(x)
            targets.append(float(total))  # type: ignore[arg-type]
    return _greg(design, np.column_stack(columns), np.asarray(targets))


def linear_on_margins(design: SurveyDesign, margins: Sequence[Margin]) -> SurveyDesign:
    """Linear calibration to the cells of several margins (R's ``calibrate`` with a list of
    margin formulas and tables: ``~ a*b + c`` and its cells' totals)."""
    columns, targets = [], []
    for margin in margins:
        cells, totals, names = _cells(design, margin)
        seen = np.bincount(cells, minlength=totals.size) > 0
        for j in np.flatnonzero(seen | (totals > 0)):
            if not seen[j]:
                label = margin[names].iloc[int(j)].to_dict()
                raise SurveyDesignError(
                    f"calibration cell {label} has a population total but no respondents")
            columns.append((cells == j).astype(np.float64))
            targets.append(float(totals[j]))
    return _greg(design, np.column_stack(columns), np.asarray(targets))


def _greg(design: SurveyDesign, mm: FloatArray, target: FloatArray) -> SurveyDesign:
    """g-weights and the variance's projection (R's ``regcalibrate``, stage 0).

    Collinear constraints (an intercept beside full dummies, margins sharing a grand total)
    are allowed when consistent: the least-squares step and the projection onto the column
    space of ``X sqrt(w)`` (from its SVD) do not depend on how that space is spanned.
    """
    w = design.weights
    half = np.sqrt(w)
    scaled = mm * half[:, None]
    step = np.linalg.lstsq(scaled.T @ scaled, target - mm.T @ w, rcond=None)[0]
    g = 1.0 + mm @ step
    reached = mm.T @ (w * g)
    if not np.allclose(reached, target, rtol=1e-7, atol=1e-7 * float(np.abs(target).max())):
        raise SurveyDesignError(
            "the calibration totals are inconsistent with each other (e.g. an intercept that "
            "is not the sum of a variable's level totals, or margins of different sums)")
    left, values, _ = np.linalg.svd(scaled, full_matrices=False)
    rank = int(np.sum(values > values[0] * max(scaled.shape) * np.finfo(float).eps))
    return design.with_weights(w * g, Regression(basis=left[:, :rank], scale=g * half))


def _dummies(design: SurveyDesign, name: str, values: pd.Series,
             total: Mapping[object, object]) -> tuple[list[FloatArray], list[float]]:
    labels = values.astype(str).to_numpy()
    given = {str(k): float(v) for k, v in total.items()}  # type: ignore[arg-type]
    unknown = np.flatnonzero(~np.isin(labels, list(given)))
    if unknown.size:
        r = int(unknown[0])
        raise SurveyDesignError(
            f"calibration column {name!r}, row {design.frame.index[r]}: level "
            f"{show(values.iloc[r])} has no population total")
    return ([(labels == level).astype(np.float64) for level in given], list(given.values()))


def residualise(design: SurveyDesign, scores: FloatArray) -> FloatArray:
    """Influence values with the calibration projected out, in the order R applies it."""
    x = np.array(scores, dtype=np.float64, copy=True)
    for adjustment in design.calibration:
        if isinstance(adjustment, PostStratum):
            x = _poststratum_residual(adjustment, x)
        elif isinstance(adjustment, Raking):
            for _ in range(RAKE_VARIANCE_SWEEPS):
                for cells, psw in adjustment.margins:
                    x = x - psw[:, None] * _cell_means(cells, x / psw[:, None])
        elif isinstance(adjustment, Regression):
            y = x / adjustment.scale[:, None]
            y = y - adjustment.basis @ (adjustment.basis.T @ y)
            x = y * adjustment.scale[:, None]
    return x


def _poststratum_residual(ps: PostStratum, x: FloatArray) -> FloatArray:
    psw = np.where((ps.weights == 0) & (ps.old_weights == 0), 1.0, ps.weights)
    n_cells = int(ps.cells.max()) + 1
    old_sum = group_sum(ps.cells, ps.old_weights, n_cells)
    means = np.stack([group_sum(ps.cells, x[:, j] * ps.old_weights / psw, n_cells)
                      for j in range(x.shape[1])], axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        means = means / old_sum[:, None]
    return x - means[ps.cells] * psw[:, None]


def _cell_means(cells: IntArray, x: FloatArray) -> FloatArray:
    n_cells = int(cells.max()) + 1
    counts = np.bincount(cells, minlength=n_cells).astype(np.float64)
    sums = np.stack([group_sum(cells, x[:, j], n_cells) for j in range(x.shape[1])], axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        means = sums / counts[:, None]
    return means[cells]
