"""Alert results: one frozen table per run, one frozen :class:`AlertPoint` per area and week.

Every method of this package (EARS, Farrington, CUSUM) returns a :class:`SurveillanceResult`:
arrays of shape ``(monitored time points, areas)`` with the observed count, the expected count,
the upper bound (threshold), a method-specific score and the alarm flag, plus the method's name
and parameters. :meth:`SurveillanceResult.points` turns it into :class:`AlertPoint` records, so a
user (or the alert inbox) can see *why* a week fired: it fired because ``observed`` exceeded
``upper_bound``, computed from ``expected`` with these ``parameters``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class AlertPoint:
    """The outcome of one surveillance method for one area at one time point.

    Attributes
    ----------
    area : int
        Column of the input count matrix (0-based).
    time_index : int
        Row of the input count matrix (0-based).
    observed : float
        Count observed at that time point.
    expected : float
        Baseline (expected) count the method compared it with; NaN where the method gives none.
    upper_bound : float
        Threshold: the alarm fires when ``observed`` exceeds it (CUSUM: when ``score >= h``,
        which is the same event, see :mod:`.cusum`).
    score : float
        Method-specific exceedance score (EARS: standardised count; Farrington: ``(observed -
        expected) / (upper_bound - expected)``, alarm when > 1; CUSUM: the cumulative sum).
    alarm : bool
        Whether the method signals at this time point.
    method : str
        Method name, e.g. ``"farrington_flexible"``.
    parameters : Mapping[str, Any]
        The parameters the method ran with.
    details : Mapping[str, float]
        Method-specific diagnostics (dispersion, whether a trend was fitted, recent cases...).
    """

    area: int
    time_index: int
    observed: float
    expected: float
    upper_bound: float
    score: float
    alarm: bool
    method: str
    parameters: Mapping[str, Any]
    details: Mapping[str, float] = field(default_factory=dict)


def _frozen(array: npt.ArrayLike, dtype: type) -> npt.NDArray[Any]:
    out: npt.NDArray[Any] = np.array(array, dtype=dtype, copy=True)
    out.setflags(write=False)
    return out


@dataclass(frozen=True)
class SurveillanceResult:
    """Outcome of one surveillance method over many areas and time points.

    All arrays have shape ``(len(time_index), n_areas)`` and are read-only.

    Attributes
    ----------
    method : str
        Method name.
    parameters : Mapping[str, Any]
        Parameters the method ran with (read-only mapping).
    time_index : ndarray of int
        Monitored rows of the input count matrix (0-based).
    observed, expected, upper_bound, score : ndarray of float
        See :class:`AlertPoint`.
    alarm : ndarray of bool
        Alarm flags.
    details : Mapping[str, ndarray]
        Extra per-point diagnostics, each of the same shape.
    """

    method: str
    parameters: Mapping[str, Any]
    time_index: IntArray
    observed: FloatArray
    expected: FloatArray
    upper_bound: FloatArray
    score: FloatArray
    alarm: BoolArray
    details: Mapping[str, FloatArray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        shape = (len(self.time_index), self.observed.shape[1])
        object.__setattr__(self, "parameters", MappingProxyType(dict(self.parameters)))
        object.__setattr__(self, "time_index", _frozen(self.time_index, np.int64))
        for name in ("observed", "expected", "upper_bound", "score"):
            object.__setattr__(self, name, _frozen(getattr(self, name), np.float64))
        object.__setattr__(self, "alarm", _frozen(self.alarm, np.bool_))
        frozen_details = {k: _frozen(v, np.float64) for k, v in self.details.items()}
        object.__setattr__(self, "details", MappingProxyType(frozen_details))
        for name in ("observed", "expected", "upper_bound", "score", "alarm", *self.details):
            array = getattr(self, name) if name in self.__dataclass_fields__ else self.details[name]
            if array.shape != shape:
                raise ValueError(f"{name} has shape {array.shape}, expected {shape}")

    @property
    def n_areas(self) -> int:
        """Number of areas (columns)."""
        return int(self.observed.shape[1])

    def point(self, row: int, area: int) -> AlertPoint:
        """The :class:`AlertPoint` at monitored row ``row`` (not time index) of ``area``."""
        return AlertPoint(
            area=area,
            time_index=int(self.time_index[row]),
            observed=float(self.observed[row, area]),
            expected=float(self.expected[row, area]),
            upper_bound=float(self.upper_bound[row, area]),
            score=float(self.score[row, area]),
            alarm=bool(self.alarm[row, area]),
            method=self.method,
            parameters=self.parameters,
            details={k: float(v[row, area]) for k, v in self.details.items()},
        )

    def points(self, area: int | None = None) -> tuple[AlertPoint, ...]:
        """All points of one area (or of every area, area by area), in time order."""
        areas = range(self.n_areas) if area is None else [area]
        return tuple(self.point(row, a) for a in areas for row in range(len(self.time_index)))

    def alarms(self) -> tuple[AlertPoint, ...]:
        """Only the points that signal, ordered by area then time."""
        cols, rows = np.nonzero(self.alarm.T)
        return tuple(self.point(int(r), int(c)) for c, r in zip(cols, rows, strict=True))
