"""``/api/v1`` community safety: assessments, plans, progress, roll-up, community pages.

Thin adapters over :mod:`salus.usecases.plans.assessments`, :mod:`salus.usecases.plans.editing`,
:mod:`salus.usecases.plans.views`, :mod:`salus.usecases.plans.rollup` and
:mod:`salus.usecases.plans.community_page`. ``public_router`` serves the public community page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from salus.api.deps import MAX_ROW_ID, Db, RowId, ViewerDep
from salus.api.schemas import ERRORS
from salus.domain.accounts.roles import PUBLIC_VIEWER
from salus.reports import plans as report
from salus.usecases.plans import assessments, community_page
from salus.usecases.plans import editing as uc
from salus.usecases.plans import rollup as assessment_rollup
from salus.usecases.plans import views as plan_views

router = APIRouter(tags=["community safety"], responses=ERRORS)
public_router = APIRouter(tags=["community safety"], responses=ERRORS)
Day = Annotated[dt.date | None, Query(description="flags as of this day (default: today)")]
Title = Annotated[str, Field(max_length=300)]
RowRef = Annotated[int, Field(ge=1, le=MAX_ROW_ID)]


class Created(BaseModel):
    id: int


class AssessmentIn(BaseModel):
    area: str = Field(max_length=64)
    title: Title
    period_start: dt.date
    period_end: dt.date
    status: str = "in_progress"
    weights: dict[str, float] = {}
    summary: str | None = Field(None, max_length=5000)


class SurveyIn(BaseModel):
    question: Title
    value: float
    unit: str = Field(max_length=40)
    source: Title
    sample_size: int | None = Field(None, ge=0, le=MAX_ROW_ID)
    collected_on: dt.date | None = None


class ParticipantsIn(BaseModel):
    sex: str = "unknown"
    age_group: str = "unknown"
    constituency: str
    count: int = Field(ge=0, le=MAX_ROW_ID)


class ConsultationIn(BaseModel):
    kind: str
    held_on: dt.date
    place: str = Field(max_length=200)
    participants: list[ParticipantsIn]
    facilitator: str | None = Field(None, max_length=200)
    notes: str | None = Field(None, max_length=5000)


class RaisedByIn(BaseModel):
    constituency: str
    consultation_id: RowRef | None = None


class ProblemIn(BaseModel):
    category: str
    title: Title
    raised_by: list[RaisedByIn] = []
    root_causes: list[str] = []
    description: str | None = Field(None, max_length=5000)
    location: str | None = Field(None, max_length=200)
    scores: dict[str, float | None] = {}


class PlanIn(BaseModel):
    area: str = Field(max_length=64)
    title: Title
    period_start: dt.date
    period_end: dt.date
    assessment_id: RowRef | None = None
    status: str = "adopted"


class ObjectiveIn(BaseModel):
    title: Title
    problem_id: RowRef | None = None


class ActionIn(BaseModel):
    objective_id: RowRef
    title: Title
    responsible: str
    partners: list[str] = []
    start_on: dt.date | None = None
    due_on: dt.date | None = None
    budget: str | float | None = None
    currency: str | None = None
    funding_source: str | None = Field(None, max_length=200)
    status: str = "planned"


class IndicatorIn(BaseModel):
    name: Title
    unit: str = Field(max_length=60)
    direction: Literal["decrease", "increase"] | str
    baseline: float
    baseline_on: dt.date
    target: float
    target_on: dt.date
    objective_id: RowRef | None = None
    link: dict[str, Any] | None = Field(None, description=(
        "{indicator, filters, measure: count|rate, months}: computed for the plan's area"))


class ProgressIn(BaseModel):
    reported_on: dt.date
    action_id: RowRef | None = None
    indicator_id: RowRef | None = None
    status: str | None = None
    value: float | None = None
    note: str | None = Field(None, max_length=5000)
    evidence: str | None = Field(None, max_length=500)


# ---------------------------------------------------------------- assessments


@router.get("/assessments")
def list_assessments(viewer: ViewerDep, engine: Db,
                     area: str | None = Query(None, max_length=64)) -> list[dict[str, Any]]:
    return [asdict(a) for a in assessments.list_assessments(engine, viewer, area)]


@router.get("/assessments/rollup")
def rollup(viewer: ViewerDep, engine: Db,
           area: str | None = Query(None, max_length=64)) -> dict[str, Any]:
    """Most frequent problems and their root causes across the assessments under ``area``."""
    return asdict(assessment_rollup.rollup(engine, viewer, area))


@router.get("/assessments/{assessment_id}")
def get_assessment(viewer: ViewerDep, engine: Db, assessment_id: RowId) -> dict[str, Any]:
    """An assessment with its ranked problems, consultations and survey figures."""
    return asdict(assessments.get_assessment(engine, viewer, assessment_id))


@router.post("/assessments", response_model=Created, status_code=201)
def create_assessment(viewer: ViewerDep, engine: Db, body: AssessmentIn) -> dict[str, int]:
    return {"id": assessments.create_assessment(
        engine, viewer, assessments.AssessmentSpec(**body.model_dump()))}


@router.put("/assessments/{assessment_id}/weights")
def set_weights(viewer: ViewerDep, engine: Db, assessment_id: RowId,
                body: dict[str, float]) -> dict[str, float]:
    return assessments.set_weights(engine, viewer, assessment_id, body)


@router.post("/assessments/{assessment_id}/surveys", response_model=Created, status_code=201)
def add_survey(viewer: ViewerDep, engine: Db, assessment_id: RowId,
               body: SurveyIn) -> dict[str, int]:
    return {"id": assessments.add_survey_result(engine, viewer, assessment_id,
                                                assessments.SurveySpec(**body.model_dump()))}


@router.post("/assessments/{assessment_id}/consultations", response_model=Created,
             status_code=201)
def add_consultation(viewer: ViewerDep, engine: Db, assessment_id: RowId,
                     body: ConsultationIn) -> dict[str, int]:
    return {"id": assessments.add_consultation(
        engine, viewer, assessment_id, assessments.ConsultationSpec(**body.model_dump()))}


@router.post("/assessments/{assessment_id}/problems", response_model=Created, status_code=201)
def add_problem(viewer: ViewerDep, engine: Db, assessment_id: RowId,
                body: ProblemIn) -> dict[str, int]:
    return {"id": assessments.add_problem(engine, viewer, assessment_id,
                                          assessments.ProblemSpec(**body.model_dump()))}


@router.put("/problems/{problem_id}/scores", status_code=204)
def score_problem(viewer: ViewerDep, engine: Db, problem_id: RowId,
                  body: dict[str, float | None]) -> Response:
    assessments.score_problem(engine, viewer, problem_id, body)
    return Response(status_code=204)


# ---------------------------------------------------------------- plans


@router.get("/plans")
def list_plans(viewer: ViewerDep, engine: Db, today: Day = None,
               area: str | None = Query(None, max_length=64)) -> list[dict[str, Any]]:
    return [asdict(p) for p in plan_views.list_plans(engine, viewer, area, today)]


def plan_json(plan: plan_views.PlanView) -> dict[str, Any]:
    out = asdict(plan)
    out.update(overdue=[a.id for a in plan.overdue], off_track=[i.id for i in plan.off_track],
               by_status=plan.by_status, done_share=plan.done_share, budget=plan.budget)
    return out


@router.get("/plans/{plan_id}")
def get_plan(viewer: ViewerDep, engine: Db, plan_id: RowId, today: Day = None) -> dict[str, Any]:
    """A plan with its flags (overdue actions, off-track indicators) and linked values."""
    return plan_json(plan_views.get_plan(engine, viewer, plan_id, today))


@router.get("/plans/{plan_id}/export", response_class=Response,
            responses={200: {"content": {"text/html": {}, "application/pdf": {}}}})
def export_plan(viewer: ViewerDep, engine: Db, plan_id: RowId,
                format: Literal["html", "pdf"] = "pdf",
                lang: Literal["en", "fr", "es", "ru", "ar", "zh"] = "en",
                today: Day = None) -> Response:
    plan = plan_views.get_plan(engine, viewer, plan_id, today)
    return Response(report.render(plan, format, lang), media_type=report.FORMATS[format],
                    headers={"Content-Disposition":
                             f'attachment; filename="plan-{plan_id}-{lang}.{format}"'})


@router.post("/plans", response_model=Created, status_code=201)
def create_plan(viewer: ViewerDep, engine: Db, body: PlanIn) -> dict[str, int]:
    return {"id": uc.create_plan(engine, viewer, uc.PlanSpec(**body.model_dump()))}


@router.post("/plans/{plan_id}/objectives", response_model=Created, status_code=201)
def add_objective(viewer: ViewerDep, engine: Db, plan_id: RowId,
                  body: ObjectiveIn) -> dict[str, int]:
    return {"id": uc.add_objective(engine, viewer, plan_id, body.title, body.problem_id)}


@router.post("/plans/{plan_id}/actions", response_model=Created, status_code=201)
def add_action(viewer: ViewerDep, engine: Db, plan_id: RowId, body: ActionIn) -> dict[str, int]:
    return {"id": uc.add_action(engine, viewer, plan_id, uc.ActionSpec(**body.model_dump()))}


@router.post("/plans/{plan_id}/indicators", response_model=Created, status_code=201)
def add_indicator(viewer: ViewerDep, engine: Db, plan_id: RowId,
                  body: IndicatorIn) -> dict[str, int]:
    return {"id": uc.add_indicator(engine, viewer, plan_id,
                                   uc.IndicatorSpec(**body.model_dump()))}


@router.post("/plans/{plan_id}/progress", response_model=Created, status_code=201)
def add_progress(viewer: ViewerDep, engine: Db, plan_id: RowId,
                 body: ProgressIn) -> dict[str, int]:
    return {"id": uc.record_progress(engine, viewer, plan_id,
                                     uc.ProgressSpec(**body.model_dump()))}


# ---------------------------------------------------------------- community pages


def community_json(page: community_page.CommunityPage) -> dict[str, Any]:
    return {"area": asdict(page.area), "year": page.year, "public": page.public,
            "figures": [asdict(f) for f in page.figures],
            "sections": [asdict(s) for s in page.sections],
            "trend": page.trend.records(),
            "alerts": page.alerts, "plans": [plan_json(p) for p in page.plans],
            "reports": [asdict(r) for r in page.reports]}


@router.get("/communities/{area_code}")
def community(viewer: ViewerDep, engine: Db, area_code: str, today: Day = None) -> dict[str, Any]:
    """The community page's data (public viewers: suppressed, nothing identifying)."""
    return community_json(community_page.community_page(engine, viewer, area_code, today))


@public_router.get("/public/communities/{area_code}")
def public_community(engine: Db, area_code: str) -> dict[str, Any]:
    """The published community page's data, for anyone."""
    return community_json(community_page.community_page(engine, PUBLIC_VIEWER, area_code))
