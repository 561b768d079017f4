"""A survey design as the user defines it, checked before the estimator sees it.

The fields follow R's ``survey::svydesign(ids, strata, weights, fpc, nest)`` and the option
``survey.lonely.psu`` (Lumley, T. 2010, *Complex Surveys: A Guide to Analysis Using R*, Wiley,
§2–3; ``?svydesign`` and ``?surveyoptions`` in the survey package). Variables are named by the
respondent role (``stratum``, ``psu``, ``weight``, ``fpc``) or by an answer's name (for a
second stage, e.g. ``household``). Calibration targets are population totals by one variable
or a combination (post-stratification when one table, raking when several), as in
``survey::calibrate`` / ``survey::rake``.
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

    def variables(self) -> list[str]:
        named = [self.weights, self.strata, *self.ids, *self.fpc]
        named += [v for m in self.calibration for v in m.variables]
        return list(dict.fromkeys(v for v in named if v))

    def to_json(self) -> dict[str, Any]:
        return {"weights": self.weights, "strata": self.strata, "ids": list(self.ids),
                "fpc": list(self.fpc), "nest": self.nest, "lonely_psu": self.lonely_psu,
                "calibration_method": self.calibration_method,
                "calibration": [{"variables": list(m.variables),
                                 "totals": [[*k, v] for k, v in m.totals.items()]}
                                for m in self.calibration]}

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
                                                                "raking"))))


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
    for name in spec.variables():
        if not NAME.match(name):
            raise DesignRuleError("design", f"{name!r} is not a variable name")
    return spec


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
