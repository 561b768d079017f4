"""Survey designs: strata, multi-stage clusters, weights and finite population corrections.

:meth:`SurveyDesign.from_frame` is R's ``svydesign(ids=, strata=, weights=, fpc=, nest=)``
(survey 4.1.1, ``svydesign.default`` and ``as.fpc``): stage ``s`` clusters are the
interaction of the ids of stages ``1..s``; stage ``s > 1`` strata are the stage's strata within
the stage ``s - 1`` cluster; the fpc is a population size (all values ``>= 1``, some ``> 1``)
or a sampling fraction (all ``<= 1``). The variance is Taylor linearisation over every stage
when an fpc is given, else over the first stage only (the "ultimate cluster" estimator), as R.

References
----------
Lumley, T. (2010). *Complex Surveys*, Wiley, ch. 2-3 (designs, multistage variance).
Särndal, C.-E., Swensson, B. and Wretman, J. (1992). *Model Assisted Survey Sampling*,
Springer, §4.3 (two-stage sampling variance).
R survey 4.1.1 reference manual: ``svydesign``, ``svyrecvar``, ``surveyoptions``
(``survey.lonely.psu``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from salus.analytics.surveys.errors import SurveyDesignError, show

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
LonelyPsu = Literal["fail", "remove", "adjust", "average", "certainty"]
LONELY_PSU_OPTIONS = ("fail", "remove", "adjust", "average", "certainty")
CERTAINTY_TOLERANCE = 1e-7  # R: a stratum with fpc (N - n) / N below this adds no variance


def group_sum(codes: IntArray, values: npt.ArrayLike, size: int) -> FloatArray:
    """Sums of ``values`` by integer ``codes`` (``0..size-1``), as floats."""
    return np.asarray(np.bincount(codes, weights=values, minlength=size), dtype=np.float64)


@dataclass(frozen=True)
class Stage:
    """One sampling stage: each row's unit and stratum codes, each stratum's sizes.

    ``unit`` and ``stratum`` are codes ``0..n_units-1`` and ``0..n_strata-1`` per row;
    ``parent`` is the code of the row's unit at the previous stage (0 at stage 1).
    ``sampled[h]`` is the number of units sampled in stratum ``h`` (R's ``fpc$sampsize``) and
    ``population[h]`` the number in the population (``inf`` when no fpc was given).
    """

    unit: IntArray
    stratum: IntArray
    parent: IntArray
    n_units: int
    n_strata: int
    sampled: FloatArray
    population: FloatArray
    stratum_parent: IntArray

    @property
    def fpc_factor(self) -> FloatArray:
        """Per stratum ``(N - n) / N`` (1 without fpc): R's ``f`` in ``onestrat``."""
        with np.errstate(divide="ignore", invalid="ignore"):
            f = (self.population - self.sampled) / self.population
        return np.where(np.isinf(self.population), 1.0, f)

    @property
    def sampling_fraction(self) -> FloatArray:
        """Per stratum ``n / N`` (0 without fpc), the multiplier of the next stage's variance."""
        return np.where(np.isinf(self.population), 0.0, self.sampled / self.population)


@dataclass(frozen=True)
class SurveyDesign:
    """A probability sample: one row per respondent, with its design.

    Build it with :meth:`from_frame`. ``weights`` are the analysis weights (after any
    calibration); ``calibration`` holds what the variance must project out (see
    :mod:`salus.analytics.surveys.calibration`).
    """

    frame: pd.DataFrame
    weights: FloatArray
    stages: tuple[Stage, ...]
    lonely_psu: LonelyPsu
    has_strata: bool
    with_fpc: bool
    calibration: tuple[Any, ...] = field(default=())

    @property
    def n(self) -> int:
        """Number of respondents (rows)."""
        return int(self.weights.shape[0])

    @property
    def calibrated(self) -> bool:
        """True once post-stratified, raked or calibrated."""
        return bool(self.calibration)

    @property
    def variance_stages(self) -> tuple[Stage, ...]:
        """The stages the variance sums over: all with an fpc, else the first (as R)."""
        return self.stages if self.with_fpc else self.stages[:1]

    def degrees_of_freedom(self, rows: npt.NDArray[np.bool_] | None = None) -> int:
        """PSUs minus strata among ``rows`` with a non-zero weight (R's ``degf``)."""
        inset = self.weights != 0 if rows is None else (rows & (self.weights != 0))
        first = self.stages[0]
        psus = np.unique(first.unit[inset]).size
        strata = np.unique(first.stratum[inset]).size
        return int(psus - strata)

    def with_weights(self, weights: FloatArray, adjustment: Any) -> SurveyDesign:
        """The same design with new weights and one more calibration adjustment."""
        return replace(self, weights=weights, calibration=(*self.calibration, adjustment))

    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        *,
        weights: str | None = None,
        probs: str | None = None,
        strata: str | Sequence[str] | None = None,
        psu: str | Sequence[str] | None = None,
        fpc: str | Sequence[str] | None = None,
        nest: bool = False,
        lonely_psu: LonelyPsu = "fail",
    ) -> SurveyDesign:
        """A design from a frame's columns, as R's ``svydesign``.

        Parameters
        ----------
        frame : DataFrame
            One row per respondent; it is not changed.
        weights, probs : str, optional
            Column of sampling weights (``> 0``) or of selection probabilities; without
            either the weights come from the fpc (population / sample sizes) or are 1.
        strata : str or list of str, optional
            Stratum column (first stage), or one per stage.
        psu : str or list of str, optional
            Cluster id columns, one per stage; none: every row is its own PSU.
        fpc : str or list of str, optional
            One column per stage: population sizes (``>= 1``) or sampling fractions (``<= 1``).
        nest : bool, default False
            PSU ids are unique only within strata; with ``False`` an id in two strata is an
            error naming it (R: "Clusters not nested in strata at top level").
        lonely_psu : {"fail", "remove", "adjust", "average", "certainty"}
            A stratum with one PSU (R's ``options(survey.lonely.psu=)``): ``"fail"`` raises
            here naming the stratum; ``"remove"``/``"certainty"`` give it no variance;
            ``"adjust"`` centres it at the grand mean; ``"average"`` gives it the average
            variance of the other strata.
        """
        if lonely_psu not in LONELY_PSU_OPTIONS:
            raise SurveyDesignError(
                f"lonely_psu must be one of {', '.join(LONELY_PSU_OPTIONS)}, got {lonely_psu!r}")
        n = len(frame)
        if n == 0:
            raise SurveyDesignError("the survey has no rows")
        ids = _id_codes(frame, _names(psu), n)
        strata_cols = _names(strata)
        strata_codes = [_factor(frame, c, "strata") for c in strata_cols] or [np.zeros(n, np.int64)]
        if strata_cols and len(strata_codes) > len(ids):
            raise SurveyDesignError(
                f"strata= names {len(strata_codes)} columns but psu= only {len(ids)} stages")
        if np.unique(ids[0]).size == 1 and not (nest and strata_cols):
            raise SurveyDesignError("the design has only one primary sampling unit")
        if strata_cols and not nest:
            _check_nested(frame, ids[0], strata_codes[0], _names(psu), strata_cols[0])
        stages = _stages(ids, strata_codes, nest and bool(strata_cols))
        fpc_cols = _names(fpc)
        if fpc_cols:
            stages = _with_fpc(frame, fpc_cols, stages)
        w = _weights(frame, weights, probs, stages if fpc_cols else None)
        design = cls(frame=frame, weights=w, stages=tuple(stages), lonely_psu=lonely_psu,
                     has_strata=bool(strata_cols), with_fpc=bool(fpc_cols))
        if lonely_psu == "fail":
            _check_lonely(frame, design, strata_cols)
        return design


def _names(spec: str | Sequence[str] | None) -> list[str]:
    if spec is None:
        return []
    return [spec] if isinstance(spec, str) else list(spec)


def _column(frame: pd.DataFrame, name: str, role: str) -> pd.Series:
    if name not in frame.columns:
        raise SurveyDesignError(f"{role} column {name!r} is not in the data")
    return frame[name]


def _row(frame: pd.DataFrame, position: int) -> object:
    return frame.index[position]


def _factor(frame: pd.DataFrame, name: str, role: str) -> IntArray:
    """Integer codes of a column; a missing value is an error naming the row."""
    codes, _ = pd.factorize(_column(frame, name, role), sort=True)
    missing = np.flatnonzero(codes < 0)
    if missing.size:
        raise SurveyDesignError(
            f"{role} column {name!r}, row {_row(frame, int(missing[0]))}: missing value "
            f"({missing.size} rows missing)")
    return np.asarray(codes, dtype=np.int64)


def combine(*codes: IntArray) -> tuple[IntArray, int]:
    """Codes ``0..k-1`` of the interaction of code arrays (R's ``interaction``), sorted.

    One array is returned as it is: it must already be codes ``0..k-1``.
    """
    if len(codes) == 1:
        return codes[0], int(codes[0].max()) + 1
    key = codes[0].astype(np.int64)
    for c in codes[1:]:
        key = key * (int(c.max()) + 1) + c
    out, uniques = pd.factorize(key, sort=True)
    return np.asarray(out, dtype=np.int64), len(uniques)


def _id_codes(frame: pd.DataFrame, psu: list[str], n: int) -> list[IntArray]:
    if not psu:
        return [np.arange(n, dtype=np.int64)]
    ids = [_factor(frame, c, "psu") for c in psu]
    return [combine(*ids[: i + 1])[0] for i in range(len(ids))]


def _check_nested(frame: pd.DataFrame, psu: IntArray, stratum: IntArray, psu_cols: list[str],
                  strata_col: str) -> None:
    """Each PSU id in one stratum only (R's ``check.strata`` when ``nest=FALSE``)."""
    n_units = int(psu.max()) + 1
    unit_stratum = np.full(n_units, -1, np.int64)
    unit_stratum[psu] = stratum
    clash = np.flatnonzero(unit_stratum[psu] != stratum)
    if clash.size:
        first = int(clash[0])
        rows = np.flatnonzero(psu == psu[first])
        strata_values = pd.unique(frame[strata_col].to_numpy()[rows])
        raise SurveyDesignError(
            f"psu column {psu_cols[0] if psu_cols else '(rows)'!r}: PSU "
            f"{show(frame[psu_cols[0]].iloc[first])} (row {_row(frame, first)}) is in strata "
            f"{', '.join(show(v) for v in strata_values[:2])} of column {strata_col!r}; PSU ids "
            "must be nested in strata, or pass nest=True if ids are only unique within a stratum")


def _stages(ids: list[IntArray], strata: list[IntArray], nest: bool) -> list[Stage]:
    """Stage units and strata as R's ``svydesign.default`` builds them."""
    n = ids[0].shape[0]
    units = []
    for i, unit in enumerate(ids):
        if nest:
            unit = combine(*strata[: min(i + 1, len(strata))], unit)[0]
        units.append(unit)
    stages = []
    for i, unit in enumerate(units):
        if i == 0:
            stratum, parent = strata[0], np.zeros(n, np.int64)
        else:
            parent = units[i - 1]
            stratum = combine(strata[min(i, len(strata) - 1)], parent)[0]
        stages.append(_stage(unit, stratum, parent))
    return stages


def _stage(unit: IntArray, stratum: IntArray, parent: IntArray) -> Stage:
    n_units = int(unit.max()) + 1
    n_strata = int(stratum.max()) + 1
    unit_stratum = np.zeros(n_units, np.int64)
    unit_stratum[unit] = stratum  # units are nested in strata (checked, or by construction)
    sampled = np.bincount(unit_stratum, minlength=n_strata).astype(np.float64)
    stratum_parent = np.zeros(n_strata, np.int64)
    stratum_parent[stratum] = parent
    return Stage(unit=unit, stratum=stratum, parent=parent, n_units=n_units, n_strata=n_strata,
                 sampled=sampled, population=np.full(n_strata, np.inf),
                 stratum_parent=stratum_parent)


def _with_fpc(frame: pd.DataFrame, cols: list[str], stages: list[Stage]) -> list[Stage]:
    """Population sizes per stratum and stage from fpc columns (R's ``as.fpc``)."""
    if len(cols) != len(stages):
        raise SurveyDesignError(
            f"fpc= names {len(cols)} columns for a design of {len(stages)} stages: give one "
            "per stage")
    values = []
    for c in cols:
        v = pd.to_numeric(_column(frame, c, "fpc"), errors="coerce").to_numpy(np.float64)
        bad = np.flatnonzero(~np.isfinite(v) | (v <= 0))
        if bad.size:
            raise SurveyDesignError(
                f"fpc column {c!r}, row {_row(frame, int(bad[0]))}: "
                f"{show(frame[c].iloc[int(bad[0])])} is not a positive number")
        values.append(v)
    allv = np.concatenate(values)
    is_size = bool(np.any(allv > 1))
    if is_size != bool(np.all(allv >= 1)):
        raise SurveyDesignError(
            "fpc values must be all population sizes (>= 1) or all sampling fractions (<= 1); "
            f"found {allv.min():g} and {allv.max():g}")
    out = []
    for stage, c, v in zip(stages, cols, values, strict=True):
        sampled_row = stage.sampled[stage.stratum]
        pop_row = v if is_size else sampled_row / v
        out.append(_stage_population(frame, stage, c, pop_row, sampled_row))
    return out


def _stage_population(frame: pd.DataFrame, stage: Stage, col: str, pop_row: FloatArray,
                      sampled_row: FloatArray) -> Stage:
    small = np.flatnonzero(pop_row < sampled_row * (1 - 1e-12))
    if small.size:
        r = int(small[0])
        raise SurveyDesignError(
            f"fpc column {col!r}, row {_row(frame, r)}: population size {pop_row[r]:g} is "
            f"smaller than the {sampled_row[r]:g} units sampled in its stratum")
    population = np.full(stage.n_strata, np.nan)
    population[stage.stratum] = pop_row
    varies = np.flatnonzero(pop_row != population[stage.stratum])
    if varies.size:
        r = int(varies[0])
        raise SurveyDesignError(
            f"fpc column {col!r}, row {_row(frame, r)}: {show(frame[col].iloc[r])} differs from "
            "another value of the same stratum; the fpc must be constant within a stratum")
    return replace(stage, population=population)


def _weights(frame: pd.DataFrame, weights: str | None, probs: str | None,
             stages: list[Stage] | None) -> FloatArray:
    if weights is not None and probs is not None:
        raise SurveyDesignError("give weights= or probs=, not both")
    name = weights if weights is not None else probs
    if name is None:
        if stages is None:
            return np.ones(len(frame))
        w = np.ones(len(frame))
        for s in stages:
            w = w * (s.population / s.sampled)[s.stratum]
        return cast(FloatArray, w)
    raw = _column(frame, name, "weights" if weights else "probs")
    v = pd.to_numeric(raw, errors="coerce").to_numpy(np.float64)
    missing = np.flatnonzero(np.isnan(v))
    if missing.size:
        r = int(missing[0])
        raise SurveyDesignError(
            f"weights column {name!r}, row {_row(frame, r)}: {show(raw.iloc[r])} is missing or "
            f"not a number ({missing.size} rows)")
    bad = np.flatnonzero(~(v > 0) | ~np.isfinite(v))
    if bad.size:
        r = int(bad[0])
        raise SurveyDesignError(
            f"weights column {name!r}, row {_row(frame, r)}: {v[r]:g} is not a positive "
            f"{'weight' if weights else 'probability'} ({bad.size} rows)")
    if probs is not None:
        if np.any(v > 1):
            r = int(np.flatnonzero(v > 1)[0])
            raise SurveyDesignError(
                f"probs column {name!r}, row {_row(frame, r)}: probability {v[r]:g} above 1")
        return cast(FloatArray, 1.0 / v)
    return cast(FloatArray, v)


def _check_lonely(frame: pd.DataFrame, design: SurveyDesign, strata_cols: list[str]) -> None:
    """``lonely_psu="fail"``: a stratum with one PSU (and some variance) is an error."""
    for number, stage in enumerate(design.variance_stages, start=1):
        lonely = (stage.sampled == 1) & (stage.fpc_factor >= CERTAINTY_TOLERANCE)
        if np.any(lonely):
            h = int(np.flatnonzero(lonely)[0])
            r = int(np.flatnonzero(stage.stratum == h)[0])
            where = (f"stratum {show(frame[strata_cols[0]].iloc[r])} of column {strata_cols[0]!r}"
                     if number == 1 and strata_cols else f"the stratum of row {_row(frame, r)}")
            raise SurveyDesignError(
                f"{where} has only one PSU at stage {number}; choose lonely_psu= 'remove', "
                "'adjust', 'average' or 'certainty' (R's survey.lonely.psu)")
