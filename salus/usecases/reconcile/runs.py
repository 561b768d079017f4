"""Reconciliation jobs started by a person (web app, REST API): start, run off the request, decide.

A job on real data takes tens of seconds, so the web and the API do not wait for it:
:func:`start_job` checks the request, keeps a ``linkage_job`` row with status ``running`` and
returns its id at once; :func:`finish_job` (run after the response, in a worker thread) links
the records with :func:`salus.usecases.reconcile.jobs.run_reconciliation` and moves what that job
kept (records, pairs, figures) onto the row the person is watching, so that the id they were
given stays the job's id. A failure marks the row ``failed`` and keeps the message in the
audit log (``reconcile_failed``), where the job page reads it.

Permissions: ``reconcile`` starts jobs and decides pairs; decisions go through
:func:`salus.usecases.reconcile.jobs.decide` (append-only, audited, reused by the next job).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from salus.analytics.reconcile.linkage import JobOptions
from salus.domain.accounts.roles import Permission, Viewer
from salus.storage import repository
from salus.storage import schema as t
from salus.usecases.errors import NotFound, UseCaseError, ValidationFailed, require
from salus.usecases.reconcile import jobs as uc
from salus.usecases.reconcile.records import Scope

log = logging.getLogger(__name__)

RUNNING, DONE, FAILED = "running", "done", "failed"
FAILED_ACTION = "reconcile_failed"
MOVED_ACTION = "reconcile_web"
_COPIED = ("finished_at", "status", "threshold", "model", "figures", "records", "pairs",
           "clusters")


def source_types(engine: sa.Engine) -> list[str]:
    """The source types present in the store (what a job may reconcile)."""
    with engine.connect() as conn:
        rows = conn.execute(sa.select(t.incident_source.c.source_type).distinct()
                            .order_by(t.incident_source.c.source_type)).scalars().all()
    return [str(r) for r in rows]


def check_scope(engine: sa.Engine, sources: Sequence[str], period: str,
                area: str | None = None) -> Scope:
    """The job's scope, or :class:`ValidationFailed` naming each bad field and value."""
    errors: list[dict[str, str]] = []
    chosen = tuple(dict.fromkeys(s.strip() for s in sources if s and s.strip()))
    known = set(source_types(engine))
    if not chosen:
        errors.append({"field": "sources", "code": "required", "message": "choose a source"})
    for s in chosen:
        if s not in known:
            errors.append({"field": "sources", "code": "unknown",
                           "message": f"no records of source type {s!r}"})
    start = end = dt.date.min
    try:
        start, end = uc.parse_period(period.strip())
    except UseCaseError as exc:
        errors.append({"field": "period", "code": "invalid", "message": exc.detail})
    except ValueError:  # a well-formed period that is no date, e.g. 2024-13
        errors.append({"field": "period", "code": "invalid",
                       "message": f"{period.strip()!r} is not a date or month"})
    code = (area or "").strip() or None
    if code is not None and not code.isprintable():
        errors.append({"field": "area", "code": "invalid", "message": f"no area {code!r}"})
    elif code is not None:
        with engine.connect() as conn:
            found = conn.execute(sa.select(t.area.c.id).where(t.area.c.code == code)).first()
        if found is None:
            errors.append({"field": "area", "code": "unknown", "message": f"no area {code!r}"})
    if errors:
        raise ValidationFailed(errors)
    return Scope(chosen, start, end, code)


def start_job(engine: sa.Engine, viewer: Viewer, scope: Scope,
              threshold: float = 0.5) -> int:
    """Keep a ``running`` job for ``scope`` and return its id (audited as ``reconcile_start``)."""
    require(viewer.can(Permission.RECONCILE), "your role may not run reconciliation jobs")
    with engine.begin() as conn:
        row = conn.execute(t.linkage_job.insert().values(
            created_at=repository.now(), finished_at=None, actor=viewer.username,
            status=RUNNING, sources=list(scope.sources), period_start=scope.start,
            period_end=scope.end, area_code=scope.area_code, threshold=threshold,
            model=None, figures=None, records=0, pairs=0, clusters=0))
        key = row.inserted_primary_key
        if key is None:
            raise RuntimeError("the database returned no primary key")
        job_id = int(key[0])
        repository.audit(conn, viewer.username, "reconcile_start", "linkage_job", str(job_id),
                         after={"sources": list(scope.sources), "period_start":
                                scope.start.isoformat(), "period_end": scope.end.isoformat(),
                                "area": scope.area_code})
    return job_id


def finish_job(engine: sa.Engine, job_id: int, scope: Scope, actor: str,
               threshold: float = 0.5) -> None:
    """Run the job kept by :func:`start_job`; never raises (a failure is stored instead)."""
    try:
        summary = uc.run_reconciliation(engine, scope, actor, JobOptions(threshold=threshold))
        _adopt(engine, job_id, summary.job_id, actor)
    except UseCaseError as exc:
        _fail(engine, job_id, actor, exc.detail)
    except Exception as exc:  # a background job must leave a status, not a traceback
        log.exception("reconciliation job %s failed", job_id)
        _fail(engine, job_id, actor, f"{type(exc).__name__}: {exc}")


def _adopt(engine: sa.Engine, job_id: int, computed: int, actor: str) -> None:
    """Move what job ``computed`` kept onto job ``job_id`` and drop the row of ``computed``."""
    job = t.linkage_job
    with engine.begin() as conn:
        row = conn.execute(sa.select(*(job.c[c] for c in _COPIED))
                           .where(job.c.id == computed)).mappings().one()
        for column in _job_references():
            conn.execute(column.table.update().where(column == computed)
                         .values({column.name: job_id}))
        conn.execute(job.update().where(job.c.id == job_id).values(**dict(row)))
        conn.execute(job.delete().where(job.c.id == computed))
        repository.audit(conn, actor, MOVED_ACTION, "linkage_job", str(job_id),
                         after={"computed_as": computed, "records": row["records"]})


def _job_references() -> list[sa.Column[Any]]:
    """Every column of the schema that refers to ``linkage_job.id`` (records, pairs,
    decisions, and whatever later revisions add), so that adopting a job moves all of it."""
    return [fk.parent for table in t.metadata.sorted_tables for fk in table.foreign_keys
            if fk.column is t.linkage_job.c.id]


def _fail(engine: sa.Engine, job_id: int, actor: str, message: str) -> None:
    with engine.begin() as conn:
        conn.execute(t.linkage_job.update().where(t.linkage_job.c.id == job_id)
                     .values(status=FAILED, finished_at=repository.now()))
        repository.audit(conn, actor, FAILED_ACTION, "linkage_job", str(job_id),
                         after={"error": message[:2000]})


def failure_message(conn: sa.Connection, job_id: int) -> str | None:
    """Why a job failed (kept in the audit log by :func:`finish_job`), or None."""
    a = t.audit_event
    after: Any = conn.execute(
        sa.select(a.c.after).where(a.c.action == FAILED_ACTION, a.c.entity == "linkage_job",
                                   a.c.entity_id == str(job_id)).order_by(a.c.id.desc())
    ).scalars().first()
    return str(after.get("error")) if isinstance(after, dict) else None


def decide_pair(engine: sa.Engine, viewer: Viewer, job_id: int, key_l: str, key_r: str,
                decision: str, note: str | None = None) -> int:
    """A reviewer's decision on one of the job's pairs (audited; the next job reuses it)."""
    require(viewer.can(Permission.RECONCILE), "your role may not decide review pairs")
    if decision not in uc.DECISIONS:
        raise ValidationFailed([{"field": "decision", "code": "invalid",
                                 "message": f"{decision!r} is not one of "
                                            f"{', '.join(uc.DECISIONS)}"}])
    left, right = sorted((key_l, key_r))
    if not (left.isprintable() and right.isprintable()):
        raise NotFound(f"job {job_id} has no pair {left!r} / {right!r}")
    p = t.linkage_pair
    with engine.connect() as conn:
        found = conn.execute(sa.select(p.c.id).where(
            p.c.job_id == job_id, sa.or_(
                sa.and_(p.c.record_key_l == left, p.c.record_key_r == right),
                sa.and_(p.c.record_key_l == right, p.c.record_key_r == left)))).first()
    if found is None:
        raise NotFound(f"job {job_id} has no pair {left} / {right}")
    return uc.decide(engine, left, right, decision, viewer.username, job_id, note or None)
