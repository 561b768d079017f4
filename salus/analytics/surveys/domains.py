"""Domains (R's ``svyby``), the tidy result frame and its suppression flags.

A domain estimate keeps every row of the design and gives the rows outside the domain an
influence of 0 (Lumley 2010, §2.3.1: "subpopulations"; R's ``subset`` of a design), so its
variance accounts for the domain's random sample size. Rows with a missing domain value are in
no domain (R's ``svyby`` drops the NA level).

Flags follow common practice for survey tables: an estimate from fewer than ``min_n``
respondents or with a coefficient of variation above ``max_cv`` is *suppressed*; one from
fewer than ``flag_n`` respondents or with a CV above ``flag_cv`` is *flagged* (use with
caution). E.g. Statistics Canada's CV bands (16.6 % / 33.3 %), the U.S. NCHS data presentation
standards for proportions (Parker et al. 2017, *Vital Health Stat* 2(175)): minimum sample
size 30.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from salus.analytics.surveys.design import FloatArray, IntArray
from salus.analytics.surveys.errors import SurveyDesignError

RESULT_COLUMNS = ["estimate", "se", "ci_low", "ci_high", "deff", "cv", "n_unweighted",
                  "sum_weights", "suppressed", "flagged"]


@dataclass(frozen=True)
class Thresholds:
    """When an estimate is suppressed or flagged (by unweighted n and by CV)."""

    min_n: int = 30
    flag_n: int = 50
    max_cv: float = 0.3
    flag_cv: float = 0.2

    def __post_init__(self) -> None:
        if self.min_n < 0 or self.flag_n < self.min_n:
            raise SurveyDesignError("thresholds need 0 <= min_n <= flag_n")
        if not 0 < self.flag_cv <= self.max_cv:
            raise SurveyDesignError("thresholds need 0 < flag_cv <= max_cv")


DEFAULT_THRESHOLDS = Thresholds()


@dataclass(frozen=True)
class Domains:
    """Each row's domain code (``-1``: none) and the domains' labels, sorted."""

    codes: IntArray
    labels: pd.DataFrame

    @property
    def count(self) -> int:
        """Number of domains."""
        return len(self.labels)


def domains(frame: pd.DataFrame, by: str | Sequence[str] | None) -> Domains:
    """The domains of ``by`` (any combination of columns; ``None``: the whole sample)."""
    names = [by] if isinstance(by, str) else list(by or [])
    n = len(frame)
    if not names:
        return Domains(codes=np.zeros(n, np.int64), labels=pd.DataFrame(index=range(1)))
    for name in names:
        if name not in frame.columns:
            raise SurveyDesignError(f"domain column {name!r} is not in the data")
    keys = frame[names]
    complete = keys.notna().all(axis=1).to_numpy()
    groups = keys[complete].groupby(names, sort=True, observed=True)
    codes = np.full(n, -1, np.int64)
    codes[complete] = groups.ngroup().to_numpy()
    labels = groups.size().index.to_frame(index=False)
    return Domains(codes=codes, labels=labels)


def flags(n: FloatArray, cv: FloatArray,
          thresholds: Thresholds) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """``(suppressed, flagged)`` booleans for unweighted counts ``n`` and CVs ``cv``."""
    abs_cv = np.abs(cv)
    with np.errstate(invalid="ignore"):
        suppressed = (n < thresholds.min_n) | (abs_cv > thresholds.max_cv)
        flagged = ~suppressed & ((n < thresholds.flag_n) | (abs_cv > thresholds.flag_cv))
    return suppressed, flagged


def result_frame(labels: pd.DataFrame, variable: str, columns: dict[str, FloatArray],
                 thresholds: Thresholds, extra: dict[str, object] | None = None) -> pd.DataFrame:
    """The tidy frame: domain columns, variable, [extra], then :data:`RESULT_COLUMNS`."""
    out = labels.reset_index(drop=True).copy()
    out["variable"] = variable
    for key, value in (extra or {}).items():
        out[key] = value
    est = columns["estimate"]
    se = columns["se"]
    with np.errstate(divide="ignore", invalid="ignore"):
        cv = se / est
    data: dict[str, npt.NDArray[np.generic]] = dict(columns)
    data["cv"] = cv
    suppressed, flagged = flags(columns["n_unweighted"], cv, thresholds)
    data["suppressed"] = suppressed
    data["flagged"] = flagged
    for name in RESULT_COLUMNS:
        out[name] = data[name]
    out["n_unweighted"] = out["n_unweighted"].astype(np.int64)
    return out
