"""Browse a wave's estimates (table and chart) and compare two waves.

The page shows what :func:`salus.usecases.surveys.estimates.estimate_indicator` returns: each
domain's percentage with its standard error, 95 % interval, design effect, CV and unweighted
n; flagged rows are marked and suppressed rows are marked (and blank for the public). The
chart is server-drawn SVG: one bar per domain with its interval.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from salus import i18n
from salus.api import context as ctx
from salus.domain.accounts.roles import Permission, Viewer
from salus.usecases.errors import ValidationFailed
from salus.usecases.surveys import estimates, forms, maps
from salus.web.pages import needs
from salus.web.templating import render

router = APIRouter(include_in_schema=False)
Reader = Annotated[Viewer, Depends(needs(Permission.INDICATORS))]
GROUPS = ("sex", "age_band", "disability", "area")
ByQuery = Annotated[list[str] | None, Query()]


def _by(by: list[str] | None) -> tuple[str, ...]:
    return tuple(dict.fromkeys(b for b in (by or []) if b in GROUPS))


@router.get("/surveys/{code}/waves/{wave}/estimates")
def estimates_page(request: Request, viewer: Reader, code: str, wave: str,
                   indicator: Annotated[str, Query(max_length=64)] = "sdg-16-1-4",
                   by: ByQuery = None,
                   area_level: Annotated[int | None, Query(ge=0, le=10)] = None) -> Response:
    options = estimates.Options(by=_by(by), area_level=area_level)
    result, error = None, None
    try:
        result = estimates.estimate_indicator(ctx.engine(request), viewer, code, wave,
                                              indicator, options)
    except ValidationFailed as exc:
        error = "; ".join(e["message"] for e in exc.errors)
    map_spec = None
    if result is not None and options.by == ("area",):
        map_spec = _map(request, viewer, code, wave, indicator, area_level)
    return render(request, "surveys/estimates.html", status_code=200 if result else 422,
                  code=code, wave=wave, indicator=indicator, by=options.by, map_spec=map_spec,
                  area_level=area_level, result=result, error=error, groups=GROUPS,
                  indicators=forms.indicators())


def _map(request: Request, viewer: Viewer, code: str, wave: str, indicator: str,
         area_level: int | None) -> dict[str, Any] | None:
    """The choropleth of the estimates by area (``data-map`` of ``static/js/salus.js``):
    suppressed areas uncoloured; the areas' level is ``area_level`` or the respondents'."""
    engine = ctx.engine(request)
    level = area_level if area_level is not None else maps.respondents_level(engine, code, wave)
    if level is None:
        return None
    found = maps.indicator_by_area(engine, viewer, indicator, level, code, wave)
    return {"geojson": f"/api/v1/areas/geojson?level={level}", "values": found.map_values(),
            "drill": f"/surveys/{code}/waves/{wave}/estimates?indicator={indicator}"
                     "&by=sex&area=",
            "labels": {"rate": f"{found.sdg} %", "victims": i18n.gettext("Respondents"),
                       "nodata": i18n.gettext("No data")}}


@router.get("/indicators/surveys/{indicator}")
def indicator_map_page(request: Request, viewer: Reader, indicator: str,
                       level: Annotated[int, Query(ge=0, le=10)] = 1) -> Response:
    """A survey indicator by area at ``level``, mapped, from every survey that maps it (the
    indicators page links here beside the incident indicators)."""
    found, error = None, None
    try:
        found = maps.indicator_by_area(ctx.engine(request), viewer, indicator, level)
    except ValidationFailed as exc:
        error = "; ".join(e["message"] for e in exc.errors)
    spec = None if found is None or not found.areas else {
        "geojson": f"/api/v1/areas/geojson?level={level}", "values": found.map_values(),
        "drill": f"/indicators/surveys/{indicator}?level={level + 1}&area=",
        "labels": {"rate": f"{found.sdg} %", "victims": i18n.gettext("Respondents"),
                   "nodata": i18n.gettext("No data")}}
    return render(request, "surveys/indicator_map.html", status_code=200 if found else 422,
                  found=found, error=error, level=level, map_spec=spec, indicator=indicator,
                  indicators=forms.indicators())


@router.get("/surveys/{code}/compare")
def compare_page(request: Request, viewer: Reader, code: str,
                 first: Annotated[str, Query(max_length=64)],
                 second: Annotated[str, Query(max_length=64)],
                 indicator: Annotated[str, Query(max_length=64)] = "sdg-16-1-4",
                 by: ByQuery = None) -> Response:
    options = estimates.Options(by=_by(by))
    result, error = None, None
    try:
        result = estimates.compare_waves(ctx.engine(request), viewer, code, first, second,
                                         indicator, options)
    except ValidationFailed as exc:
        error = "; ".join(e["message"] for e in exc.errors)
    return render(request, "surveys/compare.html", status_code=200 if result else 422,
                  code=code, result=result, error=error, first=first, second=second)
