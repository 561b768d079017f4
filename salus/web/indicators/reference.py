"""Areas and population, and the indicators page (every built-in and YAML indicator)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from salus.api import context as ctx
from salus.domain import taxonomy
from salus.domain.accounts.roles import Permission, Viewer
from salus.usecases import areas
from salus.usecases.errors import UseCaseError
from salus.usecases.indicators import views as indicator_views
from salus.usecases.surveys import forms as survey_forms
from salus.web import views
from salus.web.pages import needs
from salus.web.templating import render

router = APIRouter(include_in_schema=False)
Reader = Annotated[Viewer, Depends(needs(Permission.DASHBOARD))]
Indicators = Annotated[Viewer, Depends(needs(Permission.INDICATORS))]
Text = Annotated[str | None, Query(max_length=64)]


@router.get("/areas")
def area_page(request: Request, viewer: Reader, level: int = Query(1, ge=0, le=20)) -> Response:
    engine = ctx.engine(request)
    return render(request, "areas.html", level=level, levels=areas.levels(engine),
                  area_list=areas.list_areas(engine, viewer, level),
                  totals=areas.population_totals(engine, viewer, level))


@router.get("/indicators")
def indicator_page(request: Request, viewer: Indicators, id: Text = None,
                   period: Text = None, by: Text = None, area: Text = None,
                   level_text: str | None = Query(None, alias="level", max_length=2,
                                                  pattern=r"^\d{0,2}$"),
                   place_type: Text = None) -> Response:
    # the form sends an empty admin level when none is typed: that is "the finest level"
    level = int(level_text) if level_text else None
    definitions = indicator_views.available(viewer)
    chosen = None if id is None else next(
        (d for d in definitions if id in (d.id, d.metadata.get("sdg_indicator"))), None)
    context: dict[str, Any] = {"definitions": definitions, "chosen": chosen,
                                  "period": period or "", "by": by or "", "area": area or "",
                                  "level": level, "place_type": place_type or "",
                                  "place_types": list(taxonomy.load("location_type")),
                                  "result": None, "error": None,
                                  "survey_indicators": [] if viewer.public
                                  else survey_forms.indicators()}
    if chosen and period:
        context.update(_compute(request, viewer, chosen.id, period, by,
                                {"area": area, "place_type": place_type}, level))
    return render(request, "indicators.html", **context)


def _compute(request: Request, viewer: Viewer, indicator_id: str, period: str,
             by: str | None, filters: dict[str, str | None],
             level: int | None) -> dict[str, Any]:
    grouping = [b.strip() for b in (by or "").split(",") if b.strip()] or None
    try:
        result = indicator_views.indicator(
            ctx.engine(request), viewer, indicator_id, period=period, by=grouping,
            filters=filters, level=level,
            threshold=ctx.state(request).suppression_threshold)
    except UseCaseError as exc:
        return {"error": exc}
    area = filters.get("area")
    query = urlencode({k: v for k, v in {"period": period, "by": by, "area": area,
                                         "place_type": filters.get("place_type"),
                                         "level": level}.items() if v not in (None, "")})
    has_area = "area" in result.group_columns
    time_col = next((c for c in result.group_columns if c in ("year", "quarter", "month")), None)
    return {"result": result, "rows": views.table(result), "csv_query": query,
            "chart": views.chart(result, "line" if time_col else "bar", result.measure,
                                 skip_empty=not time_col),
            "map_values": views.map_values(result) if has_area else None,
            "map_level": level or _finest_level(request, viewer)}


def _finest_level(request: Request, viewer: Viewer) -> int:
    levels = areas.levels(ctx.engine(request))
    return max(levels) if levels else 1
