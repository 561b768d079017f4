"""The dashboard: a page shell whose panels load separately (HTMX), each with its CSV."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from salus.api import context as ctx
from salus.api.panels import dashboard_panel, filter_from_query, surveys_panel
from salus.domain import taxonomy
from salus.domain.accounts.roles import Permission, Viewer
from salus.usecases import areas
from salus.usecases.indicators.dashboard import DashboardFilter
from salus.web import views
from salus.web.pages import needs
from salus.web.templating import render

router = APIRouter(include_in_schema=False)
Dash = Annotated[Viewer, Depends(needs(Permission.DASHBOARD))]
Text = Annotated[str | None, Query(max_length=64)]
BREAKDOWNS = ("sex", "age", "weapon", "context")


def _query(f: DashboardFilter) -> str:
    params = {"year": f.year, "area": f.area, "offence": f.offence, "context": f.context}
    return urlencode({k: v for k, v in params.items() if v})


def _options(request: Request, viewer: Viewer) -> dict[str, Any]:
    engine = ctx.engine(request)
    all_areas = [a for a in areas.list_areas(engine, viewer) if a.level in (1, 2)]
    if viewer.area_code:
        prefix = {viewer.area_code}
        all_areas = [a for a in all_areas if a.code in prefix or a.parent_code in prefix]
    offences = [c for c in taxonomy.load("iccs") if taxonomy.load("iccs").level(c.code) <= 2]
    contexts = [c for c in taxonomy.load("iccs_context")]
    return {"area_options": all_areas, "offences": offences, "contexts": contexts}


@router.get("/")
def home(request: Request, viewer: Dash, year: int | None = Query(None, ge=1900, le=2200),
         area: Text = None, offence: Text = None, context: Text = None) -> Response:
    f = filter_from_query(request, viewer, year, area, offence, context)
    return render(request, "dashboard.html", f=f, q=_query(f), breakdowns=BREAKDOWNS,
                  surveys=viewer.can(Permission.INDICATORS),
                  years=list(range(f.year - 6, f.year + 2)), **_options(request, viewer))


@router.get("/dashboard/panel/{panel}")
def panel(request: Request, viewer: Dash, panel: str,
          year: int | None = Query(None, ge=1900, le=2200), area: Text = None,
          offence: Text = None, context: Text = None) -> Response:
    """One panel as an HTML fragment (headline, trend, map, a breakdown, or the survey
    indicators, which follow the viewer's scope, not the filters)."""
    if panel == "surveys":
        return render(request, "_surveys_panel.html", figures=surveys_panel(request, viewer))
    f = filter_from_query(request, viewer, year, area, offence, context)
    q = _query(f)
    if panel == "headline":
        result = dashboard_panel(request, viewer, f, "headline")
        row = result.rows[0] if result.rows else None
        return render(request, "_headline.html", f=f, row=row, result=result, q=q,
                      victims=views.count_text(row, "victims", result.threshold) if row else "0",
                      incidents=views.count_text(row, "incidents", result.threshold)
                      if row else "0")
    if panel == "trend":
        current = dashboard_panel(request, viewer, f, "trend")
        previous = dashboard_panel(request, viewer, f, "trend_previous")
        return render(request, "_trend.html", f=f, q=q, rows=views.table(current),
                      chart=views.trend_chart(current, previous))
    if panel == "map":
        result = dashboard_panel(request, viewer, f, "map")
        return render(request, "_map.html", f=f, q=q, values=views.map_values(result),
                      rows=views.table(result), level=f.level)
    if panel not in BREAKDOWNS:
        return Response(status_code=404)
    result = dashboard_panel(request, viewer, f, panel)
    return render(request, "_breakdown.html", f=f, q=q, name=panel,
                  rows=views.table(result, skip_empty=True), chart=views.chart(result))
