"""The R reference cases of ``tests/golden/surveillance/`` (tests/reference/surveillance.R).

Each JSON file holds the inputs R was given and R's outputs; :func:`load_case` turns them into
arrays (R's NA becomes NaN, 1-based ranges become 0-based rows) and :func:`python_arguments`
translates R's ``control`` list into keyword arguments of
:mod:`salus.analytics.alerts.surveillance`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

GOLDEN = Path(__file__).parent / "golden" / "surveillance"
ARRAYS = (
    "observed",
    "population",
    "upperbound",
    "alarm",
    "expected",
    "score",
    "phi",
    "trend",
    "cusum",
    "m",
)
R_TO_PYTHON = {
    "b": "b",
    "w": "w",
    "alpha": "alpha",
    "trend": "trend",
    "reweight": "reweight",
    "limit54": "limit54",
    "powertrans": "power_transform",
    "noPeriods": "no_periods",
    "pastWeeksNotIncluded": "past_weeks_not_included",
    "weightsThreshold": "weights_threshold",
    "pThresholdTrend": "p_threshold_trend",
    "thresholdMethod": "threshold_method",
    "populationOffset": "population_offset",
}


def _matrix(values: Any) -> np.ndarray:
    return np.array([[np.nan if v is None else v for v in row] for row in values], dtype=float)


def load_case(name: str) -> dict[str, Any]:
    """The case ``name`` with its matrices as float arrays and ``rows`` 0-based."""
    case: dict[str, Any] = json.loads((GOLDEN / f"{name}.json").read_text())
    for key in ARRAYS:
        if isinstance(case.get(key), list):
            case[key] = _matrix(case[key])
    case["rows"] = np.asarray(case["range"], dtype=np.int64) - 1
    case["dates"] = case["dates"] or None
    return case


def python_arguments(case: dict[str, Any]) -> dict[str, Any]:
    """Keyword arguments for ``farrington``/``farrington_flexible`` equivalent to R's call."""
    arguments: dict[str, Any] = {
        "dates": case["dates"],
        "frequency": int(case["freq"]),
        "monitored": case["rows"],
    }
    for key, value in case["control"].items():
        arguments[R_TO_PYTHON[key]] = tuple(value) if key == "limit54" else value
    if arguments.get("population_offset"):
        arguments["population"] = case["population"]
    return arguments


def case_names(prefix: str) -> list[str]:
    """Names of the golden cases whose file name starts with ``prefix``."""
    return sorted(path.stem for path in GOLDEN.glob(f"{prefix}*.json"))
