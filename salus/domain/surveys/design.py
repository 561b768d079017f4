"""A survey design as the user defines it, checked before the estimator sees it.

The fields follow R's ``survey::svydesign(ids, strata, weights, fpc, nest)`` and the option
``survey.lonely.psu`` (Lumley, T. 2010, *Complex Surveys: A Guide to Analysis Using R*, Wiley,
§2–3; ``?svydesign`` and ``?surveyoptions`` in the survey package). Variables are named by the
respondent role (``stratum``, ``psu``, ``weight``, ``fpc``) or by an answer's name (for a
second stage, e.g. ``household``). Calibration targets are population totals by one variable
or a combination (post-stratification when one table, raking when several), as in
``survey::calibrate`` / ``survey::rake``. A replicate-weight design (:class:`Replicates`)
follows R's ``svrepdesign(repweights, type, scale, rscales, mse, combined.weights=TRUE)`` when
it names replicate weight columns, or ``as.svrepdesign(design, type)`` when it names none
(Lumley 2010, §2.8; Wolter 2007, *Introduction to Variance Estimation*, ch. 3–5).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

NAME = re.compile(r'^[^"\\\x00-\x1f]{1,100}$')
"""A variable name: up to 100 characters, no quote, backslash or control character."""
LONELY_PSU = ("fail", "remove", "adjust", "average", "certainty")
"""R's ``options(survey.lonely.psu=)`` choices: a stratum with one PSU is an error (R's
default), contributes nothing, is centred at the grand mean, gets the average variance of the
other strata, or is taken with certainty."""


REPLICATE_TYPES = ("JK1", "JKn", "bootstrap", "BRR", "Fay")
"""R's ``svrepdesign`` / ``as.svrepdesign`` types this accepts."""


class DesignRuleError(ValueError):
    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name


@dataclass(frozen=True, slots=True)
class Margin:
    """Known population totals by one or more variables (``sex``; ``area``, ``sex``...)."""

    variables: tuple[str, ...]
    totals: Mapping[tuple[str, ...], float]


@dataclass(frozen=True, slots=True)
class Replicates:
    """Replicate weights: read from ``columns`` (full weights, R's ``svrepdesign`` with
    ``combined.weights=TRUE``) or, when ``columns`` is empty, created from the design's first
    stage (R's ``as.svrepdesign``; ``count`` and ``seed`` for the bootstrap). ``scale`` and
    ``rscales`` default as R's (JKn read from columns needs ``rscales``); ``mse`` centres the
    variance at the full-sample estimate; ``fay_rho`` is Fay's factor."""

    method: str = "JK1"
    columns: tuple[str, ...] = ()
    scale: float | None = None
    rscales: tuple[float, ...] | None = None
    mse: bool = False
    fay_rho: float = 0.0
    count: int = 50
    seed: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"method": self.method, "columns": list(self.columns), "scale": self.scale,
                "rscales": None if self.rscales is None else list(self.rscales),
                "mse": self.mse, "fay_rho": self.fay_rho, "count": self.count,
                "seed": self.seed}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Replicates:
        rscales = data.get("rscales")
        scale = data.get("scale")
        seed = data.get("seed")
        return cls(method=str(data.get("method", "JK1")),
                   columns=tuple(str(c) for c in data.get("columns") or ()),
                   scale=None if scale is None else float(scale),
                   rscales=None if rscales is None else tuple(float(r) for r in rscales),
                   mse=bool(data.get("mse", False)), fay_rho=float(data.get("fay_rho", 0.0)),
                   count=int(data.get("count", 50)), seed=None if seed is None else int(seed))


@dataclass(frozen=True, slots=True)
class DesignSpec:
    """``ids``: PSU then later-stage cluster variables (empty: each respondent is its own PSU);
    ``fpc``: one per stage (population sizes, or sampling fractions below 1)."""

    weights: str | None = "weight"
    strata: str | None = None
    ids: tuple[str, ...] = ()
    fpc: tuple[str, ...] = ()
    nest: bool = False
    lonely_psu: str = "fail"
    calibration: tuple[Margin, ...] = ()
    calibration_method: str = "raking"
    replicates: Replicates | None = None

    def variables(self) -> list[str]:
        named = [self.weights, self.strata, *self.ids, *self.fpc]
        named += [v for m in self.calibration for v in m.variables]
        named += list(self.replicates.columns) if self.replicates else []
        return list(dict.fromkeys(v for v in named if v))

    def to_json(self) -> dict[str, Any]:
        return {"weights": self.weights, "strata": self.strata, "ids": list(self.ids),
                "fpc": list(self.fpc), "nest": self.nest, "lonely_psu": self.lonely_psu,
                "calibration_method": self.calibration_method,
                "calibration": [{"variables": list(m.variables),
                                 "totals": [[*k, v] for k, v in m.totals.items()]}
                                for m in self.calibration],
                "replicates": self.replicates.to_json() if self.replicates else None}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DesignSpec:
        margins = tuple(Margin(tuple(m["variables"]),
                               {tuple(str(x) for x in row[:-1]): float(row[-1])
                                for row in m["totals"]})
                        for m in data.get("calibration", ()))
        return check_design(cls(weights=data.get("weights"), strata=data.get("strata"),
                                ids=tuple(data.get("ids", ())), fpc=tuple(data.get("fpc", ())),
                                nest=bool(data.get("nest", False)),
                                lonely_psu=str(data.get("lonely_psu", "fail")),
                                calibration=margins,
                                calibration_method=str(data.get("calibration_method",
                                                                "raking")),
                                replicates=Replicates.from_json(data["replicates"])
                                if data.get("replicates") else None))


def check_design(spec: DesignSpec) -> DesignSpec:
    """Raise :class:`DesignRuleError` naming the field that is wrong."""
    if spec.lonely_psu not in LONELY_PSU:
        raise DesignRuleError("lonely_psu", f"{spec.lonely_psu!r} is not one of "
                                            f"{', '.join(LONELY_PSU)}")
    if spec.fpc and len(spec.fpc) > max(1, len(spec.ids)):
        raise DesignRuleError("fpc", "give at most one FPC variable per sampling stage")
    if spec.calibration_method not in ("raking", "poststratify", "linear"):
        raise DesignRuleError("calibration_method", f"{spec.calibration_method!r} is not "
                                                    "raking, poststratify or linear")
    for margin in spec.calibration:
        _check_margin(margin)
    if spec.replicates is not None:
        _check_replicates(spec)
    for name in spec.variables():
        if not NAME.match(name):
            raise DesignRuleError("design", f"{name!r} is not a variable name")
    return spec


def _check_replicates(spec: DesignSpec) -> None:
    rep = spec.replicates
    assert rep is not None
    if rep.method not in REPLICATE_TYPES:
        raise DesignRuleError("replicates", f"{rep.method!r} is not one of "
                                            f"{', '.join(REPLICATE_TYPES)}")
    if spec.calibration:
        raise DesignRuleError("replicates", "a replicate-weight design cannot be calibrated "
                                            "here: give the calibrated replicate weights as "
                                            "columns, or no calibration")
    if not spec.weights:
        raise DesignRuleError("weights", "a replicate-weight design needs the full-sample "
                                         "weight variable")
    if rep.scale is not None and not rep.scale > 0:
        raise DesignRuleError("scale", f"the scale {rep.scale!r} is not positive")
    if rep.rscales is not None:
        if not rep.columns:
            raise DesignRuleError("rscales", "rscales go with replicate weight columns")
        if len(rep.rscales) != len(rep.columns):
            raise DesignRuleError("rscales", f"{len(rep.rscales)} rscales for "
                                             f"{len(rep.columns)} replicate weight columns")
        if any(not r >= 0 for r in rep.rscales):
            raise DesignRuleError("rscales", "rscales must not be negative")
    if rep.columns and rep.method == "JKn" and rep.rscales is None:
        raise DesignRuleError("rscales", "JKn replicate weights need rscales "
                                         "((n_h - 1) / n_h for each replicate)")
    if len(set(rep.columns)) != len(rep.columns):
        raise DesignRuleError("replicates", "a replicate weight column is named twice")
    if not 0 <= rep.fay_rho < 1:
        raise DesignRuleError("fay_rho", f"Fay's rho {rep.fay_rho!r} is not in [0, 1)")
    if rep.method == "Fay" and rep.fay_rho == 0:
        raise DesignRuleError("fay_rho", "Fay's method needs rho above 0 (0 is BRR)")
    if rep.seed is not None and not 0 <= rep.seed < 2**32:
        raise DesignRuleError("seed", f"the seed {rep.seed} is not in 0 to 2^32 - 1")
    if not 2 <= rep.count <= 1000:
        raise DesignRuleError("count", f"{rep.count} bootstrap replicates: give 2 to 1000")


def _check_margin(margin: Margin) -> None:
    if not margin.variables:
        raise DesignRuleError("calibration", "a margin names no variable")
    for cell, total in margin.totals.items():
        if len(cell) != len(margin.variables):
            raise DesignRuleError("calibration", f"cell {cell!r} does not match "
                                                 f"{', '.join(margin.variables)}")
        if not total > 0:
            raise DesignRuleError("calibration", f"the total of {cell!r} is not positive")


def parse_margin(variables: Sequence[str], rows: Sequence[Sequence[Any]]) -> Margin:
    """A margin from rows ``(value, ..., total)``, e.g. ``[("female", 5200), ("male", 4800)]``."""
    totals: dict[tuple[str, ...], float] = {}
    for row in rows:
        try:
            totals[tuple(str(x) for x in row[:-1])] = float(row[-1])
        except (TypeError, ValueError, IndexError):
            raise DesignRuleError("calibration", f"{row!r} has no numeric total") from None
    return Margin(tuple(variables), totals)
