"""Replicate-weight designs: jackknife (JK1, JKn), bootstrap, BRR and Fay's BRR.

A :class:`ReplicateDesign` holds full replicate weights (the sampling weight times the
replicate's multiplier, R's ``combined.weights=TRUE``). Each estimate is recomputed with every
replicate's weights and its variance is

    v = scale * sum_r rscale_r * (theta_r - centre)^2

centred at the replicates' mean, or at the full-sample estimate with ``mse=True`` (R's
``svrVar``). :meth:`ReplicateDesign.from_design` builds the weights as R's
``as.svrepdesign`` (survey 4.1.1: ``jk1weights``, ``jknweights``, ``bootweights``,
``brrweights``); :meth:`ReplicateDesign.from_frame` reads them from columns (R's
``svrepdesign``), e.g. weights published with a survey or exported from R.

References
----------
Wolter, K. M. (2007). *Introduction to Variance Estimation*, 2nd ed., Springer: ch. 3 (BRR,
Fay), ch. 4 (jackknife), ch. 5 (bootstrap).
Rao, J. N. K. and Wu, C. F. J. (1988). Resampling inference with complex survey data. *JASA*
83, 231-241 (the with-replacement PSU bootstrap).
Lumley, T. (2010). *Complex Surveys*, Wiley, §2.8 (replicate weights).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from salus.analytics.surveys.design import FloatArray, IntArray, SurveyDesign
from salus.analytics.surveys.errors import SurveyDesignError, show

ReplicateMethod = Literal["JK1", "JKn", "bootstrap", "BRR", "Fay", "other"]
RANK_TOLERANCE = 1e-5  # R: qr(weights, tol = 1e-5)$rank - 1 degrees of freedom


@dataclass(frozen=True)
class ReplicateDesign:
    """Sampling weights, replicate weights (``n x R``) and the variance's scale factors."""

    frame: pd.DataFrame
    weights: FloatArray
    replicate_weights: FloatArray
    scale: float
    rscales: FloatArray
    method: str
    mse: bool = False

    @property
    def n(self) -> int:
        """Number of respondents."""
        return int(self.weights.shape[0])

    def degrees_of_freedom(self, rows: np.ndarray | None = None) -> int:
        """Rank of the replicate weights (of ``rows``) minus one (R's ``degf``)."""
        w = self.replicate_weights if rows is None else self.replicate_weights[rows]
        if w.shape[0] == 0:
            return 0
        return _rank(w) - 1

    def variance(self, thetas: FloatArray, estimate: FloatArray) -> FloatArray:
        """R's ``svrVar`` of replicate estimates ``thetas`` (``R x k``)."""
        centre = estimate if self.mse else thetas[self.rscales > 0].mean(axis=0)
        dev = thetas - centre
        return np.asarray(self.scale * (self.rscales[:, None] * dev**2).sum(axis=0),
                          dtype=np.float64)

    @classmethod
    def from_frame(
        cls, frame: pd.DataFrame, *, weights: str, replicate_weights: Sequence[str],
        method: ReplicateMethod, scale: float | None = None,
        rscales: Sequence[float] | None = None, fay_rho: float = 0.0, mse: bool = False,
    ) -> ReplicateDesign:
        """Replicate weights from columns (full weights, R's ``svrepdesign(combined=TRUE)``).

        ``scale`` defaults as R: BRR ``1/R``, Fay ``1/(R (1 - rho)^2)``, bootstrap
        ``1/(R - 1)``, JK1 ``(R - 1)/R``; JKn needs ``rscales``.
        """
        w = _positive(frame, weights)
        missing = [c for c in replicate_weights if c not in frame.columns]
        if missing or not replicate_weights:
            raise SurveyDesignError(
                f"replicate weight columns {missing or '[]'} are not in the data")
        reps = frame[list(replicate_weights)].apply(pd.to_numeric, errors="coerce").to_numpy(
            np.float64)
        bad = np.argwhere(np.isnan(reps))
        if bad.size:
            r, c = (int(v) for v in bad[0])
            raise SurveyDesignError(
                f"replicate weight column {replicate_weights[c]!r}, row {frame.index[r]}: "
                "missing or not a number")
        count = reps.shape[1]
        default_scale = {"BRR": 1.0 / count, "Fay": 1.0 / (count * (1 - fay_rho) ** 2),
                         "bootstrap": 1.0 / (count - 1) if count > 1 else 1.0,
                         "JK1": (count - 1) / count}.get(method, 1.0)
        if method == "JKn" and rscales is None:
            raise SurveyDesignError("JKn replicate weights need rscales= ((n_h - 1) / n_h)")
        rs = np.ones(count) if rscales is None else np.asarray(rscales, np.float64)
        if rs.shape != (count,):
            raise SurveyDesignError(f"rscales has {rs.size} values for {count} replicates")
        return cls(frame=frame, weights=w, replicate_weights=reps,
                   scale=default_scale if scale is None else float(scale), rscales=rs,
                   method=method, mse=mse)

    @classmethod
    def from_design(
        cls, design: SurveyDesign, method: ReplicateMethod = "JKn", *, replicates: int = 50,
        seed: int | None = None, fay_rho: float = 0.0, mse: bool = False,
    ) -> ReplicateDesign:
        """Replicate weights created from a design's first stage (R's ``as.svrepdesign``).

        The fpc of the first stage is used by JK1, JKn and the bootstrap (as R; later stages'
        are dropped); BRR and Fay need exactly two PSUs per stratum. ``seed`` fixes the
        bootstrap's draws (NumPy's generator, so not R's replicates).
        """
        if design.calibrated:
            raise SurveyDesignError("create replicate weights before calibrating")
        stage = design.stages[0]
        fpc = stage.fpc_factor if design.with_fpc else np.ones(stage.n_strata)
        if method == "JK1":
            if design.has_strata:
                raise SurveyDesignError("JK1 is for unstratified designs: use JKn")
            mult, scale, rscales = _jk1(stage.unit, stage.n_units, float(fpc[0]))
        elif method == "JKn":
            if not design.has_strata:
                raise SurveyDesignError("JKn needs strata: use JK1 or the bootstrap")
            mult, scale, rscales = _jkn(stage.unit, stage.stratum, fpc, design.lonely_psu)
        elif method == "bootstrap":
            popsize = stage.population if design.with_fpc else None
            mult, scale, rscales = _bootstrap(stage.unit, stage.stratum, popsize, replicates,
                                              np.random.default_rng(seed))
        elif method in ("BRR", "Fay"):
            mult = _brr(design, fay_rho if method == "Fay" else 0.0)
            scale = 1.0 / (mult.shape[1] * (1 - fay_rho) ** 2)
            rscales = np.ones(mult.shape[1])
        else:
            raise SurveyDesignError(f"unknown replicate method {method!r}")
        return cls(frame=design.frame, weights=design.weights,
                   replicate_weights=mult * design.weights[:, None], scale=scale,
                   rscales=rscales, method=method, mse=mse)


def _positive(frame: pd.DataFrame, name: str) -> FloatArray:
    if name not in frame.columns:
        raise SurveyDesignError(f"weights column {name!r} is not in the data")
    v = pd.to_numeric(frame[name], errors="coerce").to_numpy(np.float64)
    bad = np.flatnonzero(~(v > 0))
    if bad.size:
        r = int(bad[0])
        raise SurveyDesignError(
            f"weights column {name!r}, row {frame.index[r]}: {show(frame[name].iloc[r])} is not a "
            "positive weight")
    return np.asarray(v, dtype=np.float64)


def _rank(w: FloatArray) -> int:
    """Rank as R's ``qr(w, tol = 1e-5)$rank`` (LINPACK ``dqrdc2``, limited pivoting).

    Columns are taken in order; one whose part orthogonal to those kept is below ``tol``
    times its norm adds nothing (R moves it to the end).
    """
    basis = np.zeros((w.shape[0], 0))
    for column in w.T:
        norm = float(np.linalg.norm(column))
        if norm == 0 or basis.shape[1] == w.shape[0]:
            continue
        residual = column - basis @ (basis.T @ column)
        residual -= basis @ (basis.T @ residual)  # re-orthogonalise (Gram-Schmidt twice)
        size = float(np.linalg.norm(residual))
        if size > RANK_TOLERANCE * norm:
            basis = np.column_stack([basis, residual / size])
    return int(basis.shape[1])


def _order_of_appearance(codes: IntArray) -> IntArray:
    _, first = np.unique(codes, return_index=True)
    return np.asarray(codes[np.sort(first)])


def _jk1(unit: IntArray, n_units: int, fpc: float) -> tuple[FloatArray, float, FloatArray]:
    order = _order_of_appearance(unit)
    n = n_units
    if fpc == 0:
        return np.ones((unit.size, 0)), 0.0, np.ones(0)
    column = np.empty(n, np.int64)
    column[order] = np.arange(n)
    mult = np.full((unit.size, n), n / (n - 1))
    mult[np.arange(unit.size), column[unit]] = 0.0
    return mult, fpc * (n - 1) / n, np.ones(n)


def _jkn(unit: IntArray, stratum: IntArray, fpc: FloatArray,
         lonely: str) -> tuple[FloatArray, float, FloatArray]:
    """R's ``jknweights``: one replicate per PSU, dropping it and reweighting its stratum."""
    columns, rscales = [], []
    strata_order = _order_of_appearance(stratum)
    n_strata = strata_order.size
    for h in strata_order:
        in_h = stratum == h
        psus = _order_of_appearance(unit[in_h])
        m = psus.size
        if fpc[h] == 0:
            continue  # a stratum sampled in full has no replicates (survey.drop.replicates)
        if m == 1:
            if lonely == "fail":
                raise SurveyDesignError(f"stratum {int(h)} has only one PSU (lonely_psu='fail')")
            if lonely == "adjust":
                columns.append(np.where(in_h, 0.0, n_strata / (n_strata - 1)))
                rscales.append((n_strata - 1) / n_strata)
            continue
        for p in psus:
            col = np.ones(unit.size)
            col[in_h] = m / (m - 1)
            col[unit == p] = 0.0
            columns.append(col)
            rscales.append(fpc[h] * (m - 1) / m)
    if not columns:
        raise SurveyDesignError("every stratum was sampled in full: there is no variance")
    n_psus = np.unique(unit).size
    scale = n_psus / len(columns) if lonely == "average" and len(columns) < n_psus else 1.0
    return np.column_stack(columns), float(scale), np.asarray(rscales, dtype=np.float64)


def _bootstrap(unit: IntArray, stratum: IntArray, popsize: FloatArray | None, replicates: int,
               rng: np.random.Generator) -> tuple[FloatArray, float, FloatArray]:
    """R's ``bootweights``: PSUs resampled with replacement within strata (Rao-Wu, n - 1)."""
    n_units = int(unit.max()) + 1
    counts = np.zeros((n_units, replicates))
    unit_stratum = np.zeros(n_units, np.int64)
    unit_stratum[unit] = stratum
    per_stratum = []
    for h in np.unique(unit_stratum):
        psus = np.flatnonzero(unit_stratum == h)
        m = psus.size
        per_stratum.append(m)
        for r in range(replicates):
            if popsize is None:
                drawn = rng.integers(0, m, size=m)
            else:
                drawn = rng.choice(int(popsize[h]), size=m, replace=False) % m
            counts[psus, r] = np.bincount(drawn, minlength=m)
    harmonic = 1.0 / np.mean(1.0 / np.asarray(per_stratum, np.float64))
    scale = float(harmonic / ((harmonic - 1) * (replicates - 1)))
    return counts[unit], scale, np.ones(replicates)


def sylvester(size: int) -> IntArray:
    """A Hadamard matrix of order ``size`` (a power of 2) in 0/1 form (Sylvester 1867)."""
    h = np.array([[1]], dtype=np.int64)
    while h.shape[0] < size:
        h = np.block([[h, h], [h, 1 - h]])
    return h


def _brr(design: SurveyDesign, rho: float) -> FloatArray:
    """Half-samples from a Sylvester Hadamard matrix, two PSUs per stratum (Wolter §3.3)."""
    stage = design.stages[0]
    if not design.has_strata:
        raise SurveyDesignError("BRR needs strata of two PSUs each")
    if np.any(stage.sampled != 2):
        h = int(np.flatnonzero(stage.sampled != 2)[0])
        r = int(np.flatnonzero(stage.stratum == h)[0])
        raise SurveyDesignError(
            f"BRR needs two PSUs per stratum: the stratum of row {design.frame.index[r]} has "
            f"{int(stage.sampled[h])}")
    size = 1
    while size < stage.n_strata + 1:
        size *= 2
    hadamard = sylvester(size)[1 : stage.n_strata + 1]  # R: rows 2.. of H
    unit_order = _order_of_appearance(stage.unit)
    first_of_pair = np.zeros(stage.n_units, dtype=bool)
    seen: set[int] = set()
    unit_stratum = np.zeros(stage.n_units, np.int64)
    unit_stratum[stage.unit] = stage.stratum
    for u in unit_order:
        h = int(unit_stratum[u])
        if h not in seen:
            first_of_pair[u] = True
            seen.add(h)
    signs = hadamard[unit_stratum]  # n_units x R, 0 or 1
    first = first_of_pair[:, None]
    mult = np.where((signs == 1) == first, 2 - rho, rho)
    return np.asarray(mult[stage.unit], dtype=np.float64)
