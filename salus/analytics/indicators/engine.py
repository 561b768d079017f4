"""The indicator engine: one function for every indicator, filter and grouping.

:func:`run` turns an :class:`~salus.analytics.indicators.definitions.IndicatorDefinition` and a
:class:`~salus.analytics.indicators.request.Request` into an
:class:`~salus.analytics.indicators.result.IndicatorResult`:

1. count incidents and victims per group in the database (:func:`query.counts`), the current
   and the previous period in one query;
2. complete the grid of groups so that empty groups show 0 (:mod:`salus.analytics.grid`);
3. look back one step for the change on the previous period (:mod:`salus.analytics.change`);
4. attach the matching population (:mod:`salus.analytics.indicators.population`);
5. rates with exact Poisson intervals (Garwood 1936, :mod:`salus.analytics.poisson`) and, for
   public output, small-cell suppression (:mod:`salus.analytics.disclosure`).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import ibis
import numpy as np
import pandas as pd

from salus.analytics import periods
from salus.analytics.change import change, previous_in_sequence
from salus.analytics.grid import complete_grid
from salus.analytics.indicators import query
from salus.analytics.indicators.definitions import IndicatorDefinition
from salus.analytics.indicators.filters import CODED_DIMENSIONS, CODED_FILTERS, Filters, Grouping
from salus.analytics.indicators.metadata import describe
from salus.analytics.indicators.population import DenominatorPlan, attach_population
from salus.analytics.indicators.request import Request
from salus.analytics.indicators.result import VALUE_FIELDS, IndicatorResult
from salus.analytics.indicators.rows import build_rows
from salus.analytics.indicators.scope import Scope, load_areas, resolve_scope
from salus.analytics.poisson import garwood_interval, rate, rate_interval
from salus.domain import taxonomy

COUNTS = ["incidents", "victims"]
SEXES = ("female", "male")


def run(
    con: ibis.BaseBackend, definition: IndicatorDefinition, request: Request,
    *, counts_only: bool = False,
) -> IndicatorResult:
    """Compute ``definition`` for ``request`` on the backend ``con`` (see the module doc).

    ``counts_only``: the counts of every group and nothing else (no population, rate or
    interval: the linked tables of :mod:`salus.analytics.indicators.linked` need only those).
    """
    db = query.Source(con)
    filters = definition.filters.merge(request.filters, "request")
    scope = resolve_scope(load_areas(db), request.grouping, filters.area)
    timeline = periods.steps(request.period, request.grouping.time_grain)
    plan = _count_plan(db, definition, request, filters, scope, timeline)
    observed = db.execute(query.counts(db, plan))
    observed, unplaced = _place(observed, scope, timeline, request.grouping.time_grain)
    frame = complete_grid(observed, _axes(request.grouping, scope, timeline, filters), COUNTS)
    frame = _with_previous(frame, definition.measure, timeline)
    if counts_only:
        frame = frame.assign(**{name: np.nan for name in VALUE_FIELDS if name not in frame})
        rows, columns = build_rows(frame, request.grouping, scope, timeline,
                                   definition.measure, request.public, request.threshold)
        return IndicatorResult(definition.id, definition.title, definition.measure, columns,
                               rows, {})
    spans = {i: step.span for i, step in enumerate(timeline) if step.current}
    denominators = DenominatorPlan(
        spans,
        scope.level,
        scope.groups,
        scope.restricted,
        scope.by_area,
        filters.sex,
        filters.age_band,
    )
    frame = _statistics(attach_population(db, frame, denominators), definition, request)
    rows, columns = build_rows(
        frame,
        request.grouping,
        scope,
        timeline,
        definition.measure,
        request.public,
        request.threshold,
    )
    metadata = describe(definition, request, filters, scope, unplaced, db.name)
    return IndicatorResult(
        definition.id, definition.title, definition.measure, columns, rows, metadata
    )


def _count_plan(
    db: query.Source,
    definition: IndicatorDefinition,
    request: Request,
    filters: Filters,
    scope: Scope,
    timeline: Sequence[periods.Step],
) -> query.CountPlan:
    """The counting query: both periods at once, flagged current from the period's start."""
    start = timeline[0].span[0]
    return query.CountPlan(
        filters=filters,
        grouping=request.grouping,
        measure=definition.measure,
        start=start,
        split=request.period.start,
        end=request.period.end,
        level=scope.level if scope.by_area else None,
        area_id=scope.area_id,
        victims_first=db.victims_first(start, request.period.end),
    )


def _place(
    observed: pd.DataFrame, scope: Scope, timeline: Sequence[periods.Step], grain: str | None
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Number the time steps; set aside events not located at the grouping's area level."""
    index = {(s.current, s.bucket): i for i, s in enumerate(timeline)}
    frame = observed.copy()
    starts: list[Any] = [None] * len(frame)
    if grain is not None:
        starts = [periods.truncate(periods.bucket_start(str(b)), grain) for b in frame["bucket"]]
    split = next(s.span[0] for s in timeline if s.current)
    flags = frame["current"].tolist() if "current" in frame else [b >= split for b in starts]
    frame["step"] = [index[(bool(c), b)] for c, b in zip(flags, starts, strict=True)]
    frame = frame.drop(columns=[c for c in ("current", "bucket") if c in frame])
    keys = [c for c in frame.columns if c not in COUNTS]
    frame = frame.groupby(keys, as_index=False, sort=False, dropna=False)[COUNTS].sum()
    unplaced = {"incidents": 0, "victims": 0}
    if scope.by_area:
        lost = frame["group_id"].isna()
        current = frame["step"].map(lambda i: timeline[i].current)
        for name in COUNTS:
            unplaced[name] = int(frame.loc[lost & current, name].sum())
        frame = frame[~lost].astype({"group_id": "int64"})
    return frame, unplaced


def _axes(
    grouping: Grouping, scope: Scope, timeline: Sequence[periods.Step], filters: Filters
) -> dict[str, Sequence[Hashable]]:
    """Every value each grouping column must show, in display order."""
    axes: dict[str, Sequence[Hashable]] = {}
    for key in grouping.keys:
        if key == "area":
            axes["group_id"] = list(scope.groups)
        elif key in periods.GRAINS:
            axes["step"] = list(range(len(timeline)))
        elif key == "sex":
            axes["sex"] = [filters.sex] if filters.sex else list(SEXES)
        elif key == "age_band":
            axes["age_band"] = [b.code for b in taxonomy.age_bands(grouping.age_scheme)]
        elif key in CODED_DIMENSIONS:
            axes[key] = _codes(key, filters)
    axes.setdefault("step", list(range(len(timeline))))
    return axes


def _codes(key: str, filters: Filters) -> list[str]:
    """Codes of a code list allowed by the filters on it, in code-list order."""
    allowed = filters.expanded(key)
    return [
        c.code
        for c in taxonomy.load(CODED_FILTERS[key])
        if all(c.code in group for group in allowed)
    ]


def _with_previous(
    frame: pd.DataFrame, measure: str, timeline: Sequence[periods.Step]
) -> pd.DataFrame:
    keys = [c for c in frame.columns if c not in (*COUNTS, "step")]
    frame = frame.assign(previous=previous_in_sequence(frame, "step", measure, keys))
    first_current = next(i for i, s in enumerate(timeline) if s.current)
    return frame[frame["step"] >= first_current].reset_index(drop=True)


def _statistics(
    frame: pd.DataFrame, definition: IndicatorDefinition, request: Request
) -> pd.DataFrame:
    """Rates per ``definition.per``, exact intervals and the change on the previous step."""
    x = frame[definition.measure].to_numpy(dtype=np.float64)
    denominator = frame["person_years" if request.annualise else "population"].to_numpy(
        dtype=np.float64
    )
    out = frame.copy()
    out["rate"] = rate(x, denominator, definition.per)
    out["ci_low"], out["ci_high"] = rate_interval(
        x, denominator, definition.per, request.confidence
    )
    out["count_ci_low"], out["count_ci_high"] = garwood_interval(x, request.confidence)
    out["change"], out["change_pct"] = change(x, frame["previous"].to_numpy(dtype=np.float64))
    return out
