"""``/api/v1/reconciliation``: start jobs, read their table, clusters and review queue, decide.

A started job runs after the response (202 with its id and status ``running``); poll
``GET /reconciliation/jobs/{id}`` until ``status`` is ``done`` or ``failed``. Reading needs
``read_records``, starting and deciding ``reconcile``; names follow the caller's identity
permissions (:mod:`salus.usecases.reconcile.views`). Errors are problem+json (RFC 9457).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, BackgroundTasks, Path, Query
from pydantic import BaseModel, Field

from salus.api.deps import Db, Page, PerPage, ViewerDep
from salus.api.schemas import ERRORS, PageOut
from salus.usecases.paging import PageRequest
from salus.usecases.reconcile import runs, views

router = APIRouter(prefix="/reconciliation", tags=["reconciliation"], responses=ERRORS)
JobId = Annotated[int, Path(ge=1, le=2**31 - 1)]


class JobIn(BaseModel):
    sources: list[str] = Field(..., min_length=1, max_length=20,
                               examples=[["police", "forensic", "media"]])
    period: str = Field(..., max_length=40, examples=["2024", "2024-03",
                                                      "2024-01-01..2024-06-30"])
    area: str | None = Field(None, max_length=64, description="that area and those below")


class JobOut(BaseModel):
    id: int
    created_at: dt.datetime
    finished_at: dt.datetime | None
    actor: str
    status: str = Field(..., description="running, done, failed or interrupted")
    sources: list[str]
    period_start: dt.date
    period_end: dt.date
    area_code: str | None
    records: int
    clusters: int
    pairs: int
    error: str | None


class TableOut(BaseModel):
    job: JobOut
    sources: list[str]
    model: str = Field(..., description="log-linear model of the total (all strata)")
    rows: list[dict[str, Any]] = Field(..., description="period, area, area_name, one count "
                                       "per source, confirmed, unique, estimate, lower, upper, "
                                       "model")


class RecordOut(BaseModel):
    key: str
    source: str
    source_name: str
    record_id: str
    visible: bool
    occurred_on: dt.date | None
    area_code: str | None
    area_name: str | None
    sex: str | None
    age: str | None
    given_name: str | None
    family_name: str | None
    date_of_birth: dt.date | None
    names_hidden: bool
    incident_uid: str | None


class ClusterOut(BaseModel):
    key: str
    confidence: float
    sources: list[str]
    period: str
    area: str
    records: list[RecordOut]


class TermOut(BaseModel):
    comparison: str
    level: str
    weight: float | None


class PairOut(BaseModel):
    rank: int
    key_l: str
    key_r: str
    probability: float
    impact: float
    terms: list[TermOut]
    prior: float | None
    total: float | None
    left: RecordOut
    right: RecordOut


class QueueOut(BaseModel):
    open: int = Field(..., description="pairs of the queue not decided yet")
    items: list[PairOut]


class DecisionIn(BaseModel):
    record_key_l: str = Field(..., max_length=400)
    record_key_r: str = Field(..., max_length=400)
    decision: Literal["match", "no_match", "unsure"]
    note: str | None = Field(None, max_length=2000)


class DecisionOut(BaseModel):
    id: int
    decision: str


@router.post("/jobs", response_model=JobOut, status_code=202)
def start(body: JobIn, viewer: ViewerDep, engine: Db, tasks: BackgroundTasks) -> dict[str, Any]:
    """Start a job (runs after the response); 422 problem naming each bad field."""
    scope = runs.check_scope(engine, body.sources, body.period, body.area)
    job_id = runs.start_job(engine, viewer, scope)
    tasks.add_task(runs.finish_job, engine, job_id, scope, viewer.username)
    return asdict(views.get_job(engine, viewer, job_id))


@router.get("/jobs", response_model=list[JobOut])
def list_jobs(viewer: ViewerDep, engine: Db,
              limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[dict[str, Any]]:
    """Jobs, newest first."""
    return [asdict(j) for j in views.list_jobs(engine, viewer, limit)]


@router.get("/jobs/{job_id}", response_model=JobOut)
def job(job_id: JobId, viewer: ViewerDep, engine: Db) -> dict[str, Any]:
    return asdict(views.get_job(engine, viewer, job_id))


@router.get("/jobs/{job_id}/table", response_model=TableOut)
def table(job_id: JobId, viewer: ViewerDep, engine: Db) -> dict[str, Any]:
    """The reconciled table (404 until the job is done)."""
    view = views.table(engine, viewer, job_id)
    return {"job": asdict(view.job), "sources": view.sources, "model": view.model,
            "rows": view.rows}


@router.get("/jobs/{job_id}/clusters", response_model=PageOut[ClusterOut])
def clusters(job_id: JobId, viewer: ViewerDep, engine: Db,
             sources: Annotated[int | None, Query(ge=1, le=20, description=(
                 "only clusters recorded by exactly this many sources"))] = None,
             page: Page = 1,
             per_page: PerPage = 50) -> dict[str, Any]:
    """Clusters with their records, least confident first."""
    result = views.clusters(engine, viewer, job_id, sources, PageRequest(page, per_page))
    return {"items": [asdict(c) for c in result.items], "total": result.total,
            "page": result.page, "per_page": result.per_page, "pages": result.pages}


@router.get("/jobs/{job_id}/review", response_model=QueueOut)
def review(job_id: JobId, viewer: ViewerDep, engine: Db,
           limit: Annotated[int, Query(ge=1, le=500)] = 20,
           offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> dict[str, Any]:
    """Open pairs of the review queue, most impact first, with their explanations."""
    queue = views.review_queue(engine, viewer, job_id, limit, offset)
    return {"open": queue.open, "items": [asdict(p) for p in queue.items]}


@router.post("/jobs/{job_id}/decisions", response_model=DecisionOut, status_code=201)
def decide(job_id: JobId, body: DecisionIn, viewer: ViewerDep, engine: Db) -> DecisionOut:
    """Decide a pair of the job (audited; later jobs reuse it)."""
    decision_id = runs.decide_pair(engine, viewer, job_id, body.record_key_l, body.record_key_r,
                                   body.decision, body.note)
    return DecisionOut(id=decision_id, decision=body.decision)
