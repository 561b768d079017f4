"""From the computed frame to the rows of an :class:`IndicatorResult`, with suppression.

In public output a count from 1 to ``threshold - 1`` becomes ``None`` (rendered ``<k``), and
whatever would give it back is withheld: the rate and its limits, the count's limits, and the
change on the previous period when either count is small (see
:mod:`salus.analytics.disclosure`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from salus.analytics import periods
from salus.analytics.disclosure import small_cells
from salus.indicators.filters import Grouping
from salus.indicators.result import IndicatorRow
from salus.indicators.scope import Scope


def group_columns(grouping: Grouping) -> tuple[str, ...]:
    """Output columns of the groups: ``area`` adds ``area_name``; a time grain is named."""
    columns: list[str] = []
    for key in grouping.keys:
        columns += ["area", "area_name"] if key == "area" else [key]
    return tuple(columns)


def build_rows(
    frame: pd.DataFrame,
    grouping: Grouping,
    scope: Scope,
    timeline: Sequence[periods.Step],
    measure: str,
    public: bool,
    threshold: int,
) -> tuple[tuple[IndicatorRow, ...], tuple[str, ...]]:
    """One :class:`IndicatorRow` per frame row, suppressed if ``public``."""
    masks = _masks(frame, measure, public, threshold)
    rows = []
    for i, record in enumerate(frame.to_dict("records")):
        hide = {name: bool(mask[i]) for name, mask in masks.items()}
        rows.append(_row(record, _group(record, grouping, scope, timeline), hide))
    return tuple(rows), group_columns(grouping)


def _masks(
    frame: pd.DataFrame, measure: str, public: bool, threshold: int
) -> dict[str, np.ndarray]:
    names = ("incidents", "victims", "previous")
    if not public:
        return {n: np.zeros(len(frame), dtype=bool) for n in (*names, "measure")}
    masks = {n: small_cells(frame[n].to_numpy(dtype=np.float64), threshold) for n in names}
    masks["measure"] = masks[measure]
    return masks


def _group(
    record: dict[str, Any], grouping: Grouping, scope: Scope, timeline: Sequence[periods.Step]
) -> dict[str, str]:
    group: dict[str, str] = {}
    for key in grouping.keys:
        if key == "area":
            code, name = scope.labels[int(record["group_id"])]
            group.update(area=code, area_name=name)
        elif key in periods.GRAINS:
            group[key] = timeline[int(record["step"])].label
        else:
            group[key] = str(record[key])
    return group


def _row(r: dict[str, Any], group: dict[str, str], hide: dict[str, bool]) -> IndicatorRow:
    measure_hidden = hide["measure"]
    change_hidden = measure_hidden or hide["previous"]
    return IndicatorRow(
        group=group,
        incidents=None if hide["incidents"] else int(r["incidents"]),
        victims=None if hide["victims"] else int(r["victims"]),
        population=_number(r["population"]),
        rate=None if measure_hidden else _number(r["rate"]),
        ci_low=None if measure_hidden else _number(r["ci_low"]),
        ci_high=None if measure_hidden else _number(r["ci_high"]),
        count_ci_low=None if measure_hidden else _number(r["count_ci_low"]),
        count_ci_high=None if measure_hidden else _number(r["count_ci_high"]),
        previous=None if hide["previous"] else _integer(r["previous"]),
        change=None if change_hidden else _integer(r["change"]),
        change_pct=None if change_hidden else _number(r["change_pct"]),
        suppressed=measure_hidden,
    )


def _number(value: Any) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return None
    return float(value)


def _integer(value: Any) -> int | None:
    number = _number(value)
    return None if number is None else round(number)
