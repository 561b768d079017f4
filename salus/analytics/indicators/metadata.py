"""The metadata of an indicator result: what was counted, against what, and how."""

from __future__ import annotations

from typing import Any

from salus.analytics.indicators.definitions import IndicatorDefinition
from salus.analytics.indicators.filters import Filters
from salus.analytics.indicators.request import Request
from salus.analytics.indicators.scope import Scope

CI_METHOD = (
    "exact Poisson interval of the count (Garwood 1936), divided by the denominator for the rate"
)


def describe(
    definition: IndicatorDefinition,
    request: Request,
    filters: Filters,
    scope: Scope,
    unplaced: dict[str, int],
    backend: str,
) -> dict[str, Any]:
    """Plain-data metadata (JSON-ready) for an :class:`IndicatorResult`."""
    period, previous = request.period, request.period.previous()
    area = scope.labels[scope.area_id][0] if scope.area_id is not None else None
    return {
        "indicator": definition.id,
        "title": definition.title,
        "version": definition.version,
        "measure": definition.measure,
        "unit": definition.unit,
        "per": definition.per,
        "definition": dict(definition.metadata),
        "definition_file": definition.source,
        "period": {
            "label": period.label,
            "start": period.start.isoformat(),
            "end": period.last_day.isoformat(),
        },
        "previous_period": {
            "label": previous.label,
            "start": previous.start.isoformat(),
            "end": previous.last_day.isoformat(),
        },
        "by": list(request.grouping.keys),
        "area_level": scope.level if scope.by_area else None,
        "area": area,
        "age_scheme": request.grouping.age_scheme if "age_band" in request.grouping.keys else None,
        "filters": {
            "definition": definition.filters.describe(),
            "request": request.filters.describe(),
            "applied": filters.describe(),
        },
        "denominator": denominator_note(request),
        "annualised": request.annualise,
        "confidence": {"level": request.confidence, "method": CI_METHOD},
        "suppression": {"public": request.public, "threshold": request.threshold},
        "unplaced": unplaced,
        "backend": backend,
    }


def denominator_note(request: Request) -> dict[str, Any]:
    """How the population of each row was found, and whether rates are annualised."""
    grain = request.grouping.time_grain
    short = grain not in (None, "year") or request.period.shorter_than_a_year()
    multi_year = grain is None and request.period.days > 366
    if request.annualise:
        note = "annualised: events per person-years (yearly populations × share of the year)"
    elif short:
        note = (
            "rows cover less than a year: rates use the population of the year and are "
            "not annualised"
        )
    elif multi_year:
        note = (
            "rows cover several years: population is the day-weighted mean of the yearly "
            "populations; the rate is cumulative over the period, not a yearly average"
        )
    else:
        note = "rates use the population of the same year"
    return {
        "matching": "same area, year, sex and age band; the finest population cells that "
        "cover the group exactly (female + male), else 'total' cells; empty when "
        "none covers it",
        "period_shorter_than_a_year": short,
        "note": note,
    }
