"""``/api/v1/reconciliation``: start jobs, read their table, clusters and review queue, decide.

A started job runs after the response (202 with its id and status ``running``); poll
``GET /reconciliation/jobs/{id}`` until ``status`` is ``done`` or ``failed``. Reading needs
``read_records``, starting and deciding ``reconcile``; names follow the caller's identity
permissions (:mod:`salus.usecases.reconcile.views`). Errors are problem+json (RFC 9457).
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, BackgroundTasks, Query
from pydantic import BaseModel, Field
from pydantic.dataclasses import dataclass

from salus.api.deps import Db, Page, PerPage, RowId, ViewerDep
from salus.api.schemas import ERRORS, PageOut
from salus.usecases.paging import PageRequest
from salus.usecases.reconcile import runs, views

router = APIRouter(prefix="/reconciliation", tags=["reconciliation"], responses=ERRORS)


class JobIn(BaseModel):
    sources: list[str] = Field(..., min_length=1, max_length=20,
                               examples=[["police", "forensic", "media"]])
    period: str = Field(..., max_length=40, examples=["2024", "2024-03",
                                                      "2024-01-01..2024-06-30"])
    area: str | None = Field(None, max_length=64, description="that area and those below")


# Responses are the use cases' results made pydantic dataclasses (fields from
# salus.usecases.reconcile.views; the classes give OpenAPI names and descriptions).


@dataclass(frozen=True)
class JobOut(views.JobView):
    """A job: its scope, who started it and when, its status and counts."""

    status: Annotated[str, Field(description="running, done, failed or interrupted")]


@dataclass(frozen=True)
class TableOut(views.TableView):
    """A job's reconciled table: one row per stratum, then the total (area ``all``)."""

    job: JobOut
    rows: Annotated[list[dict[str, Any]], Field(description=(
        "period, area, area_name, one count per source, confirmed, unique, estimate, lower, "
        "upper, model"))]
    model: Annotated[str, Field(description="log-linear model of the total (all strata)")]


@dataclass(frozen=True)
class RecordOut(views.RecordView):
    """One contributing record; person fields are null where the caller may not see them."""


@dataclass(frozen=True)
class ClusterOut(views.ClusterView):
    """One real-world victim as the job sees it: its records and the job's confidence."""

    records: list[RecordOut]  # type: ignore[assignment]  # a RecordOut is a RecordView


@dataclass(frozen=True)
class TermOut(views.WeightTerm):
    """One comparison's part of a pair's match weight."""


@dataclass(frozen=True)
class PairOut(views.PairView):
    """A pair of the review queue, side by side, with its explanation."""

    terms: list[TermOut]  # type: ignore[assignment]  # a TermOut is a WeightTerm
    left: RecordOut
    right: RecordOut


# Not views.QueueView as it stands: the job it belongs to is left out (the caller named it).
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
def job(job_id: RowId, viewer: ViewerDep, engine: Db) -> dict[str, Any]:
    return asdict(views.get_job(engine, viewer, job_id))


@router.get("/jobs/{job_id}/table", response_model=TableOut)
def table(job_id: RowId, viewer: ViewerDep, engine: Db) -> dict[str, Any]:
    """The reconciled table (404 until the job is done)."""
    view = views.table(engine, viewer, job_id)
    return {"job": asdict(view.job), "sources": view.sources, "model": view.model,
            "rows": view.rows}


@router.get("/jobs/{job_id}/clusters", response_model=PageOut[ClusterOut])
def clusters(job_id: RowId, viewer: ViewerDep, engine: Db,
             sources: Annotated[int | None, Query(ge=1, le=20, description=(
                 "only clusters recorded by exactly this many sources"))] = None,
             page: Page = 1,
             per_page: PerPage = 50) -> dict[str, Any]:
    """Clusters with their records, least confident first."""
    result = views.clusters(engine, viewer, job_id, sources, PageRequest(page, per_page))
    return {"items": [asdict(c) for c in result.items], "total": result.total,
            "page": result.page, "per_page": result.per_page, "pages": result.pages}


@router.get("/jobs/{job_id}/review", response_model=QueueOut)
def review(job_id: RowId, viewer: ViewerDep, engine: Db,
           limit: Annotated[int, Query(ge=1, le=500)] = 20,
           offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> dict[str, Any]:
    """Open pairs of the review queue, most impact first, with their explanations."""
    queue = views.review_queue(engine, viewer, job_id, limit, offset)
    return {"open": queue.open, "items": [asdict(p) for p in queue.items]}


@router.post("/jobs/{job_id}/decisions", response_model=DecisionOut, status_code=201)
def decide(job_id: RowId, body: DecisionIn, viewer: ViewerDep, engine: Db) -> DecisionOut:
    """Decide a pair of the job (audited; later jobs reuse it)."""
    decision_id = runs.decide_pair(engine, viewer, job_id, body.record_key_l, body.record_key_r,
                                   body.decision, body.note)
    return DecisionOut(id=decision_id, decision=body.decision)
