"""Reconciliation pages: jobs, a job's reconciled table, its clusters and its review queue.

Reading needs ``read_records``; starting a job and deciding pairs need ``reconcile`` (checked
again by :mod:`salus.usecases.reconcile.runs`). A job runs after the response (FastAPI
background task, in a worker thread); its page polls its status with HTMX every few seconds
and, without JavaScript, offers a refresh link. Names in clusters and pairs follow
:meth:`Viewer.sees_identities` (:mod:`salus.usecases.reconcile.views`).
"""

from __future__ import annotations

import tempfile
from pathlib import Path as FilePath
from typing import Annotated, Literal

import sqlalchemy as sa
from fastapi import APIRouter, BackgroundTasks, Depends, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from salus.analytics.reconcile.linkage.periods import MARGIN_DAYS
from salus.api import context as ctx
from salus.api.csrf import verify_csrf
from salus.api.deps import Page
from salus.domain.accounts.roles import Permission, Viewer
from salus.i18n import N_
from salus.usecases.errors import ValidationFailed
from salus.usecases.indicators.compute import compute_indicator
from salus.usecases.indicators.dashboard import definitions_folder
from salus.usecases.paging import PageRequest
from salus.usecases.reconcile import jobs as uc
from salus.usecases.reconcile import runs, views
from salus.web.pages import needs
from salus.web.templating import render

router = APIRouter(include_in_schema=False)
Reader = Annotated[Viewer, Depends(needs(Permission.READ_RECORDS))]
Reconciler = Annotated[Viewer, Depends(needs(Permission.RECONCILE))]
JobId = Annotated[int, Path(ge=1, le=2**31 - 1)]
MEDIA = {"csv": "text/csv; charset=utf-8",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
STATUS_NAMES = {"running": N_("running"), "done": N_("done"), "failed": N_("failed"),
                "interrupted": N_("interrupted")}
COMPARISON_NAMES = {"name": N_("names"), "sex": N_("sex"), "age": N_("age"), "date": N_("dates"),
                    "place": N_("place"), "weapon": N_("weapon"), "cause": N_("cause"),
                    "source": N_("sources")}
DECISION_NAMES = {"match": N_("Match"), "no_match": N_("Not a match"), "unsure": N_("Unsure")}


def _jobs_page(request: Request, viewer: Viewer, status: int = 200,
               error: ValidationFailed | None = None, form: dict[str, object] | None = None
               ) -> Response:
    engine = ctx.engine(request)
    return render(request, "reconcile/jobs.html", status_code=status,
                  jobs=views.list_jobs(engine, viewer), source_types=runs.source_types(engine),
                  can_run=viewer.can(Permission.RECONCILE), error=error,
                  form=form or {"sources": [], "period": "", "area": ""},
                  status_names=STATUS_NAMES)


@router.get("/reconciliation")
def jobs(request: Request, viewer: Reader) -> Response:
    return _jobs_page(request, viewer)


@router.post("/reconciliation", dependencies=[Depends(verify_csrf)])
async def start(request: Request, viewer: Reconciler, tasks: BackgroundTasks) -> Response:
    form = await request.form()
    sources = [str(s) for s in form.getlist("sources")]
    period, area = str(form.get("period", "")), str(form.get("area", ""))
    engine = ctx.engine(request)
    try:
        scope = runs.check_scope(engine, sources, period, area)
    except ValidationFailed as exc:
        return _jobs_page(request, viewer, 422, exc,
                          {"sources": sources, "period": period, "area": area})
    job_id = runs.start_job(engine, viewer, scope)
    tasks.add_task(runs.finish_job, engine, job_id, scope, viewer.username)
    return RedirectResponse(f"/reconciliation/{job_id}", status_code=303)


def homicide_indicator(engine: sa.Engine, job: views.JobView) -> tuple[int | None, list[str]]:
    """SDG 16.1.1's count of victims for the job's period and area, and the source types it
    counts (the primary series), so that the page can say why it differs from a source's
    column (:mod:`salus.usecases.indicators.compute`)."""
    result = compute_indicator(engine, "sdg-16-1-1", by=[],
                               period=f"{job.period_start}..{job.period_end}",
                               filters={"area": job.area_code} if job.area_code else {},
                               definitions=[definitions_folder()])
    applied = result.metadata.get("filters", {}).get("applied", {})
    sources = [code for group in applied.get("source", []) for code in group]
    count = result.rows[0].victims if result.rows else 0
    return count, sources


@router.get("/reconciliation/{job_id}")
def job_page(request: Request, viewer: Reader, job_id: JobId) -> Response:
    engine = ctx.engine(request)
    job = views.get_job(engine, viewer, job_id)
    table = views.table(engine, viewer, job_id) if job.status == runs.DONE else None
    sdg, primary = homicide_indicator(engine, job) if table else (None, [])
    return render(request, "reconcile/job.html", job=job, table=table,
                  chart=table.chart() if table else None, status_names=STATUS_NAMES,
                  sdg_16_1_1=sdg, primary_sources=primary, margin_days=MARGIN_DAYS)


@router.get("/reconciliation/{job_id}/status")
def job_status(request: Request, viewer: Reader, job_id: JobId) -> Response:
    """The status line a running job's page polls; reloads the page once the job is over."""
    job = views.get_job(ctx.engine(request), viewer, job_id)
    response = render(request, "reconcile/_status.html", job=job, status_names=STATUS_NAMES)
    if job.status != runs.RUNNING:
        response.headers["HX-Refresh"] = "true"
    return response


@router.get("/reconciliation/{job_id}/export.{fmt}")
def export(request: Request, viewer: Reader, job_id: JobId, fmt: Literal["csv", "xlsx"]
           ) -> Response:
    engine = ctx.engine(request)
    views.table(engine, viewer, job_id)  # permission, and a finished job
    with tempfile.TemporaryDirectory(prefix="salus-reconcile-") as folder:
        path = uc.export_table(engine, job_id, FilePath(folder) / f"reconciled-{job_id}.{fmt}")
        content = path.read_bytes()
    return Response(content, media_type=MEDIA[fmt], headers={
        "Content-Disposition": f'attachment; filename="reconciled-{job_id}.{fmt}"'})


@router.get("/reconciliation/{job_id}/clusters")
def cluster_list(request: Request, viewer: Reader, job_id: JobId,
                 sources: Annotated[int, Query(ge=0, le=20)] = 0,
                 page: Page = 1,
                 per_page: Annotated[int, Query(ge=1, le=200)] = 25) -> Response:
    engine = ctx.engine(request)
    job = views.get_job(engine, viewer, job_id)
    result = views.clusters(engine, viewer, job_id, sources or None, PageRequest(page, per_page))
    return render(request, "reconcile/clusters.html", job=job, page_obj=result,
                  sources=sources, choices=range(1, len(job.sources) + 1))


def _review(request: Request, viewer: Viewer, job_id: int, offset: int,
            template: str = "reconcile/review.html", status: int = 200,
            error: str | None = None, decided: str | None = None) -> Response:
    queue = views.review_queue(ctx.engine(request), viewer, job_id, 1, offset)
    return render(request, template, status_code=status, job=queue.job, queue=queue,
                  pair=queue.items[0] if queue.items else None, offset=offset, error=error,
                  decided=decided, can_decide=viewer.can(Permission.RECONCILE),
                  comparison_names=COMPARISON_NAMES, decision_names=DECISION_NAMES)


@router.get("/reconciliation/{job_id}/review")
def review(request: Request, viewer: Reader, job_id: JobId,
           offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> Response:
    return _review(request, viewer, job_id, offset)


@router.post("/reconciliation/{job_id}/review", dependencies=[Depends(verify_csrf)])
def decide(request: Request, viewer: Reconciler, job_id: JobId,
           key_l: Annotated[str, Form(max_length=400)],
           key_r: Annotated[str, Form(max_length=400)],
           decision: Annotated[str, Form(max_length=10)],
           note: Annotated[str, Form(max_length=2000)] = "",
           offset: Annotated[int, Form(ge=0, le=1_000_000)] = 0) -> Response:
    """Store the decision, then show the next pair (an ``unsure`` pair stays in the queue,
    so the next one is one further on)."""
    htmx = request.headers.get("hx-request") == "true"
    template = "reconcile/_pair.html" if htmx else "reconcile/review.html"
    try:
        runs.decide_pair(ctx.engine(request), viewer, job_id, key_l, key_r, decision,
                         note.strip() or None)
    except ValidationFailed as exc:
        return _review(request, viewer, job_id, offset, template, 422, exc.errors[0]["message"])
    following = offset + 1 if decision == "unsure" else offset
    if htmx:
        return _review(request, viewer, job_id, following, template, decided=decision)
    return RedirectResponse(f"/reconciliation/{job_id}/review?offset={following}",
                            status_code=303)
