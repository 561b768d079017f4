"""``/api/v1/areas``, ``/api/v1/population``, ``/api/v1/indicators``, ``/api/v1/dashboard``."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from salus.analytics.indicators.result import IndicatorResult
from salus.api.deps import Db, Page, PerPage, ViewerDep
from salus.api.panels import dashboard_panel, filter_from_query, surveys_panel
from salus.api.schemas import ERRORS, PageOut
from salus.usecases import areas
from salus.usecases.incidents.export import table_csv
from salus.usecases.indicators import views as indicator_views
from salus.usecases.paging import PageRequest

router = APIRouter(responses=ERRORS)
public_router = APIRouter(responses=ERRORS)
"""``--public``: indicators and dashboard data only (suppressed), plus the area polygons."""
Code = Annotated[str | None, Query(max_length=64)]


@router.get("/areas", tags=["areas"])
def list_areas(viewer: ViewerDep, engine: Db, level: int | None = Query(None, ge=0, le=20),
               parent: Code = None) -> list[dict[str, Any]]:
    """The admin-area tree (codes, names in several languages, level, parent)."""
    return [asdict(a) for a in areas.list_areas(engine, viewer, level, parent)]


@router.get("/areas/geojson", tags=["areas"])
def area_geojson(viewer: ViewerDep, engine: Db, level: int = Query(1, ge=0, le=20),
                 parent: Code = None) -> JSONResponse:
    """Polygons of one level as GeoJSON (the map's base layer)."""
    body = json.dumps(areas.area_geojson(engine, viewer, level, parent), ensure_ascii=False,
                      separators=(",", ":"))
    return JSONResponse(json.loads(body), media_type="application/geo+json")


@router.get("/areas/{code}", tags=["areas"])
def get_area(code: str, viewer: ViewerDep, engine: Db) -> dict[str, Any]:
    return asdict(areas.get_area(engine, viewer, code))


@router.get("/population", tags=["areas"], response_model=PageOut[dict[str, Any]])
def population(viewer: ViewerDep, engine: Db, area: Code = None,
               year: int | None = Query(None, ge=1800, le=2200),
               page: Page = 1,
               per_page: PerPage = 100,
               ) -> dict[str, Any]:
    """Population by area, year, sex and age range (the denominators)."""
    p = areas.list_population(engine, viewer, area, year, PageRequest(page, per_page))
    return {"items": p.items, "total": p.total, "page": p.page, "per_page": p.per_page,
            "pages": p.pages}


@router.get("/indicators", tags=["indicators"])
def list_indicators(viewer: ViewerDep) -> list[dict[str, Any]]:
    """Every built-in and YAML indicator: id, title, unit, default grouping."""
    return [{"id": d.id, "title": d.title, "unit": d.unit, "measure": d.measure,
             "by": list(d.by)} for d in indicator_views.available(viewer)]


def result_json(result: IndicatorResult) -> dict[str, Any]:
    header, rows = indicator_views.result_table(result)
    return {"indicator": result.indicator, "title": result.title, "measure": result.measure,
            "group_columns": list(result.group_columns), "columns": header, "rows": rows,
            "records": result.records(), "metadata": result.metadata}


def respond(result: IndicatorResult, fmt: str, name: str) -> Response:
    if fmt == "csv":
        header, rows = indicator_views.result_table(result)
        return Response(table_csv(header, rows), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    body = json.dumps(result_json(result), default=str, ensure_ascii=False,
                      separators=(",", ":"))
    return Response(body, media_type="application/json")


@router.get("/indicators/{indicator_id}", tags=["indicators"])
def compute(indicator_id: str, viewer: ViewerDep, engine: Db,
            period: str = Query(..., max_length=40, examples=["2024", "2023-Q2"]),
            by: str | None = Query(None, max_length=200, description="comma-separated"),
            area: Code = None, offence: str | None = Query(None, max_length=8),
            iccs_context: str | None = Query(None, max_length=40),
            weapon: str | None = Query(None, max_length=30),
            sex: str | None = Query(None, max_length=8),
            level: int | None = Query(None, ge=0, le=20),
            format: Literal["json", "csv"] = "json",
            place_type: str | None = Query(None, max_length=40),
            police_action: str | None = Query(None, max_length=8),
            cause: str | None = Query(None, max_length=40),
            conflict_status: str | None = Query(None, max_length=40),
            conflict_related: bool | None = None) -> Response:
    """Rows of one indicator (suppressed cells are ``"<5"`` for public callers); the id may
    be an SDG number (``16.1.2``)."""
    filters = {"area": area, "offence": offence, "iccs_context": iccs_context,
               "weapon": weapon, "sex": sex, "place_type": place_type,
               "police_action": police_action, "cause": cause,
               "conflict_status": conflict_status, "conflict_related": conflict_related}
    result = indicator_views.indicator(
        engine, viewer, indicator_id, period=period,
        by=[b.strip() for b in by.split(",") if b.strip()] if by else None,
        filters=filters, level=level)
    return respond(result, format, indicator_id)


SURVEY_COLUMNS = ("indicator", "sdg", "title", "survey", "survey_title", "wave",
                  "period_start", "period_end", "area", "estimate", "se", "ci_low", "ci_high",
                  "n_unweighted", "flagged", "suppressed")


@router.get("/dashboard/surveys", tags=["dashboard"])
def dashboard_surveys(request: Request, viewer: ViewerDep,
                      format: Literal["json", "csv"] = "json") -> Response:
    """The "Perception (surveys)" panel: each SDG 16 survey indicator's estimate (0–1) from
    the latest wave with a design of each survey, for the viewer's scope, with its 95 % CI and
    unweighted n; suppressed estimates are blank for public callers."""
    records = [{"indicator": f.indicator, "sdg": f.sdg, "title": f.title, "survey": f.survey,
                "survey_title": f.survey_title, "wave": f.wave,
                "period_start": f.period_start, "period_end": f.period_end, "area": f.area,
                "estimate": f.row.estimate, "se": f.row.se, "ci_low": f.row.ci_low,
                "ci_high": f.row.ci_high, "n_unweighted": f.row.n_unweighted,
                "flagged": f.row.flagged, "suppressed": f.row.suppressed}
               for f in surveys_panel(request, viewer)]
    if format == "csv":
        rows = [["" if r[c] is None else r[c] for c in SURVEY_COLUMNS] for r in records]
        return Response(table_csv(list(SURVEY_COLUMNS), rows),
                        media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition":
                                 'attachment; filename="dashboard-surveys.csv"'})
    body = json.dumps({"rows": records}, default=str, ensure_ascii=False,
                      separators=(",", ":"))
    return Response(body, media_type="application/json")


@router.get("/dashboard/{panel}", tags=["dashboard"])
def dashboard(panel: Literal["headline", "trend", "trend_previous", "map", "sex", "age",
                             "weapon", "context"], request: Request, viewer: ViewerDep,
              year: int | None = Query(None, ge=1900, le=2200), area: Code = None,
              offence: str | None = Query(None, max_length=8),
              context: str | None = Query(None, max_length=40),
              format: Literal["json", "csv"] = "json") -> Response:
    """The data behind one dashboard panel (cached briefly; scoped and suppressed per role)."""
    f = filter_from_query(request, viewer, year, area, offence, context)
    return respond(dashboard_panel(request, viewer, f, panel), format, f"dashboard-{panel}")


for _path, _endpoint in (("/areas/geojson", area_geojson), ("/indicators", list_indicators),
                         ("/indicators/{indicator_id}", compute),
                         ("/dashboard/surveys", dashboard_surveys),
                         ("/dashboard/{panel}", dashboard)):
    _route = next(r for r in router.routes if getattr(r, "path", None) == _path)
    public_router.add_api_route(_path, _endpoint, methods=["GET"],
                                tags=getattr(_route, "tags", None))
