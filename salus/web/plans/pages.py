"""Community safety pages: plans, assessments, the roll-up and one page per community.

``router`` (signed in, ``dashboard`` to read, ``edit_plans`` to record progress; area scope
is enforced by the use cases) and ``public_router`` (``/public/communities/{code}``, and
``/communities/{code}`` under ``salus serve --public``): the community page without
identifying data, small counts shown as "<5".
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from salus import i18n
from salus.analytics.indicators.result import IndicatorResult
from salus.api import context as ctx
from salus.api.csrf import verify_csrf
from salus.api.deps import RowId
from salus.domain import plans as sp
from salus.domain.accounts.roles import PUBLIC_VIEWER, Permission, Viewer
from salus.i18n import N_
from salus.reports import plans as report
from salus.usecases.errors import NotFound, ValidationFailed
from salus.usecases.plans import assessments, community_page
from salus.usecases.plans import editing as uc
from salus.usecases.plans import rollup as assessment_rollup
from salus.usecases.plans import views as plan_views
from salus.web import views
from salus.web.pages import needs
from salus.web.templating import render

router = APIRouter(include_in_schema=False)
public_router = APIRouter(include_in_schema=False)
Reader = Annotated[Viewer, Depends(needs(Permission.DASHBOARD))]


def _codes(list_id: str) -> list[tuple[str, str]]:
    lang = i18n.current_language.get()
    return [(c.code, c.label(lang)) for c in sp.codes(list_id)]


def _code_label(list_id: str, value: str | None) -> str:
    return "" if value is None else sp.label(list_id, value, i18n.current_language.get())


@router.get("/plans")
def plans_index(request: Request, viewer: Reader) -> Response:
    engine = ctx.engine(request)
    return render(request, "plans/list.html", plans=plan_views.list_plans(engine, viewer),
                  assessments=assessments.list_assessments(engine, viewer),
                  communities=community_page.communities(engine, viewer))


def _plan_page(request: Request, viewer: Viewer, plan_id: RowId, status: int = 200,
               error: ValidationFailed | None = None) -> Response:
    plan = plan_views.get_plan(ctx.engine(request), viewer, plan_id)
    return render(request, "plans/plan.html", status_code=status, plan=plan, error=error,
                  can_edit=viewer.can(Permission.EDIT_PLANS) and not viewer.public,
                  statuses=_codes("action_status"), code=_code_label,
                  today=dt.date.today().isoformat())


@router.get("/plans/{plan_id}")
def plan_page(request: Request, viewer: Reader, plan_id: RowId) -> Response:
    return _plan_page(request, viewer, plan_id)


@router.get("/plans/{plan_id}/export.{fmt}")
def plan_export(request: Request, viewer: Reader, plan_id: RowId, fmt: str,
                lang: str | None = None) -> Response:
    if fmt not in report.FORMATS:
        raise NotFound(f"no export format {fmt}")
    language = lang if lang in i18n.LANGUAGES else i18n.current_language.get()
    plan = plan_views.get_plan(ctx.engine(request), viewer, plan_id)
    data = report.render(plan, fmt, language)
    name = f"plan-{plan_id}-{language}.{fmt}"
    return Response(data, media_type=report.FORMATS[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _number(text: str, field: str) -> float | None:
    if not text.strip():
        return None
    try:
        return float(text)
    except ValueError:
        raise ValidationFailed([{"field": field, "code": "invalid",
                                 "message": f"{text!r} is not a number"}]) from None


def _int(text: str) -> int | None:
    return int(text) if text.strip().isdigit() else None


@router.post("/plans/{plan_id}/progress", dependencies=[Depends(verify_csrf)])
def plan_progress(request: Request, viewer: Reader, plan_id: RowId,
                  target: Annotated[str, Form(max_length=40)],
                  status: Annotated[str, Form(max_length=20)] = "",
                  value: Annotated[str, Form(max_length=40)] = "",
                  note: Annotated[str, Form(max_length=5000)] = "",
                  evidence: Annotated[str, Form(max_length=500)] = "") -> Response:
    """``target`` is ``action:ID`` or ``indicator:ID``."""
    kind, _sep, ident = target.partition(":")
    try:
        spec = uc.ProgressSpec(
            dt.date.today(), _int(ident) if kind == "action" else None,
            _int(ident) if kind == "indicator" else None, status or None,
            _number(value, "value"), note or None, evidence or None)
        uc.record_progress(ctx.engine(request), viewer, plan_id, spec)
    except ValidationFailed as exc:
        return _plan_page(request, viewer, plan_id, 422, exc)
    return RedirectResponse(f"/plans/{plan_id}", status_code=303)


@router.get("/assessments/rollup")
def rollup_page(request: Request, viewer: Reader, area: str | None = None) -> Response:
    result = assessment_rollup.rollup(ctx.engine(request), viewer, area or None)
    return render(request, "plans/rollup.html", rollup=result, code=_code_label)


def _assessment_page(request: Request, viewer: Viewer, assessment_id: int, status: int = 200,
                     error: ValidationFailed | None = None) -> Response:
    from salus.usecases.plans.community_figures import indicator_figures

    engine = ctx.engine(request)
    view = assessments.get_assessment(engine, viewer, assessment_id)
    figures = indicator_figures(engine, viewer, view.area_code, view.period_start,
                                view.period_end)
    return render(request, "plans/assessment.html", status_code=status, a=view,
                  figures=figures, code=_code_label, group_label=views.group_label,
                  error=error, criteria=CRITERIA,
                  can_edit=viewer.can(Permission.EDIT_PLANS) and not viewer.public)


CRITERIA = {"frequency": N_("Frequency"), "severity": N_("Severity"),
            "concern": N_("Community concern"), "feasibility": N_("Feasibility")}


@router.get("/assessments/{assessment_id}")
def assessment_page(request: Request, viewer: Reader, assessment_id: RowId) -> Response:
    return _assessment_page(request, viewer, assessment_id)


@router.post("/assessments/{assessment_id}/weights", dependencies=[Depends(verify_csrf)])
async def assessment_weights(request: Request, viewer: Reader, assessment_id: RowId) -> Response:
    """Re-weight the prioritisation matrix; the ranking is recomputed on the page."""
    form = await request.form()
    try:
        weights = {}
        for name in CRITERIA:
            value = _number(str(form.get(name, ""))[:40], f"weights.{name}")
            weights[name] = 0.0 if value is None else value
        assessments.set_weights(ctx.engine(request), viewer, assessment_id, weights)
    except ValidationFailed as exc:
        return _assessment_page(request, viewer, assessment_id, 422, exc)
    return RedirectResponse(f"/assessments/{assessment_id}", status_code=303)


@router.get("/communities")
def communities_page(request: Request, viewer: Reader) -> Response:
    return render(request, "plans/communities.html",
                  communities=community_page.communities(ctx.engine(request), viewer))


def trend_chart(result: IndicatorResult, year: int) -> dict[str, Any]:
    """Monthly victims of ``year`` against the year before, as the dashboard draws them."""
    by_month = {r.group["month"]: r.victims for r in result.rows}
    months = [i18n.month_abbr(m) for m in range(1, 13)]
    return {"type": "line", "categories": months, "series": [
        {"name": str(y), "data": [by_month.get(f"{y}-{m:02d}") for m in range(1, 13)],
         **({"dashed": True} if y < year else {})} for y in (year, year - 1)]}


def _community(request: Request, viewer: Viewer, area_code: str) -> Response:
    page = community_page.community_page(ctx.engine(request), viewer, area_code,
                                         threshold=ctx.state(request).suppression_threshold)
    return render(request, "plans/community.html", page=page, figures=page.figures,
                  code=_code_label, chart=trend_chart(page.trend, page.year),
                  group_label=views.group_label,
                  section_label=lambda c: i18n.label("iccs", c))


@router.get("/communities/{area_code}")
def community(request: Request, viewer: Reader, area_code: str) -> Response:
    return _community(request, viewer, area_code)


@public_router.get("/public/communities/{area_code}")
def public_community(request: Request, area_code: str) -> Response:
    """The published community page: anyone, no identifying data, small counts suppressed."""
    return _community(request, PUBLIC_VIEWER, area_code)


# under ``salus serve --public`` the community page keeps its usual address too (in the full
# app the signed-in route above comes first)
public_router.add_api_route("/communities/{area_code}", public_community, methods=["GET"])
