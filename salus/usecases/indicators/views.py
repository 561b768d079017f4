"""Indicators as a viewer may see them: area scope applied, public output suppressed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from salus.analytics.indicators.definitions import IndicatorDefinition
from salus.analytics.indicators.result import IndicatorResult
from salus.domain.accounts.roles import Permission, Viewer
from salus.usecases.errors import NotFound, require
from salus.usecases.indicators.compute import compute_indicator, list_indicators
from salus.usecases.scope import area_id_of, area_in_scope


def available(viewer: Viewer) -> list[IndicatorDefinition]:
    require(viewer.can(Permission.INDICATORS), "your role does not see indicators")
    return list_indicators()


def scoped_filters(engine: sa.Engine, viewer: Viewer,
                   filters: Mapping[str, Any]) -> dict[str, Any]:
    """``filters`` with the area forced inside the viewer's subtree."""
    out = {k: v for k, v in filters.items() if v not in (None, "", [])}
    area = out.get("area")
    with engine.connect() as conn:
        area_id = area_id_of(conn, area) if area else None
        if area and area_id is None:
            raise NotFound(f"no area {area}")
        if viewer.area_code and (area_id is None or not area_in_scope(conn, viewer, area_id)):
            out["area"] = viewer.area_code
    return out


def indicator(engine: sa.Engine, viewer: Viewer, indicator_id: str, *, period: str,
              by: list[str] | None = None, filters: Mapping[str, Any] | None = None,
              level: int | None = None, threshold: int = 5) -> IndicatorResult:
    """Compute one indicator for the viewer (``public`` viewers get suppressed counts)."""
    require(viewer.can(Permission.INDICATORS), "your role does not see indicators")
    return compute_indicator(engine, indicator_id, period=period, by=by,
                             filters=scoped_filters(engine, viewer, filters or {}),
                             level=level, public=viewer.public,
                             suppression_threshold=threshold)


def result_table(result: IndicatorResult) -> tuple[list[str], list[list[Any]]]:
    """Header and rows for tables and CSV; suppressed counts read ``<k``, complements ``c``."""
    value_cols = ["incidents", "victims", "population", "rate", "ci_low", "ci_high",
                  "previous", "change", "change_pct"]
    header = [*result.group_columns, *value_cols]
    rows = []
    for r in result.rows:
        values = r.values()
        row = [values.get(c) for c in result.group_columns]
        for c in value_cols:
            v = values.get(c)
            if v is None and c in ("incidents", "victims", "previous") and (
                    r.suppressed or c in r.withheld):
                v = r.hidden_label(c, result.threshold)
            row.append(v)
        rows.append(row)
    return header, rows
