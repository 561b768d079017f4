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
from salus.analytics.indicators.filters import Grouping
from salus.analytics.indicators.result import VALUE_FIELDS, IndicatorRow
from salus.analytics.indicators.scope import Scope

INTEGERS = ("incidents", "victims", "previous", "change")


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
    change_hidden = masks["measure"] | masks["previous"]
    hidden = {
        "incidents": masks["incidents"],
        "victims": masks["victims"],
        "previous": masks["previous"],
        "population": np.zeros(len(frame), dtype=bool),
        "change": change_hidden,
        "change_pct": change_hidden,
    }
    values = {
        name: _column(frame[name], hidden.get(name, masks["measure"]), name in INTEGERS)
        for name in VALUE_FIELDS
    }
    groups = _groups(frame, grouping, scope, timeline)
    suppressed = [bool(s) for s in masks["measure"].tolist()]
    # IndicatorRow's fields are: group, the VALUE_FIELDS in order, suppressed
    rows = tuple(map(IndicatorRow, groups, *(values[k] for k in VALUE_FIELDS), suppressed))
    return rows, group_columns(grouping)


def _masks(
    frame: pd.DataFrame, measure: str, public: bool, threshold: int
) -> dict[str, np.ndarray]:
    names = ("incidents", "victims", "previous")
    if not public:
        return {n: np.zeros(len(frame), dtype=bool) for n in (*names, "measure")}
    masks = {n: small_cells(frame[n].to_numpy(dtype=np.float64), threshold) for n in names}
    masks["measure"] = masks[measure]
    return masks


def _column(values: pd.Series, hidden: np.ndarray, integer: bool) -> list[Any]:
    """Python values of a column: None where hidden or missing (NaN)."""
    numbers = values.to_numpy(dtype=np.float64)
    out: list[Any] = []
    for value, hide in zip(numbers.tolist(), hidden.tolist(), strict=True):
        if hide or math.isnan(value):
            out.append(None)
        else:
            out.append(round(value) if integer else value)
    return out


def _groups(
    frame: pd.DataFrame, grouping: Grouping, scope: Scope, timeline: Sequence[periods.Step]
) -> list[dict[str, str]]:
    columns: dict[str, list[str]] = {}
    for key in grouping.keys:
        if key == "area":
            labels = [scope.labels[int(i)] for i in frame["group_id"].tolist()]
            columns["area"] = [code for code, _ in labels]
            columns["area_name"] = [name for _, name in labels]
        elif key in periods.GRAINS:
            columns[key] = [timeline[int(i)].label for i in frame["step"].tolist()]
        else:
            columns[key] = frame[key].astype(str).tolist()
    names = list(columns)
    return (
        [dict(zip(names, row, strict=True)) for row in zip(*columns.values(), strict=True)]
        if names
        else [{} for _ in range(len(frame))]
    )
