"""What the web app and the REST API show of reconciliation jobs (read only).

Jobs with their status; a job's reconciled table (per period and area: count per source,
confirmed by two or more sources, consolidated unique count, multiple-systems estimate with
its interval and model — the figures :func:`salus.usecases.reconcile.jobs.run_reconciliation` kept);
clusters with their contributing records; the review queue with each pair side by side and the
terms of its Fellegi–Sunter match weight (Fellegi & Sunter 1969).

Reading needs ``read_records``. Identifying fields of persons (names, date of birth) follow
:meth:`Viewer.sees_identities` on each record's incident, as the incident pages do, and a read
that shows any is audited (``read_identities``). A viewer bound to an area sees the details of
records in its subtree only (the source and key of the others, no person fields).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from salus.domain.accounts.roles import Permission, Viewer
from salus.storage import repository
from salus.storage import schema as t
from salus.usecases.errors import NotFound, require
from salus.usecases.paging import Page, PageRequest
from salus.usecases.reconcile import jobs as uc
from salus.usecases.reconcile.runs import DONE, RUNNING, failure_message
from salus.usecases.scope import subtree

STALE_AFTER = dt.timedelta(hours=2)
"""A job still ``running`` after this long was interrupted (the server stopped under it)."""
_TERM = re.compile(r"^(?P<comparison>[^:]+): (?P<level>.*) (?P<weight>[+-](?:\d+(?:\.\d+)?|inf))$")
_LONE = re.compile(r"^(?P<name>prior|total) (?P<weight>[+-](?:\d+(?:\.\d+)?|inf))$")


@dataclass(frozen=True)
class JobView:
    """One job as listed: scope, who started it and when, status and counts."""

    id: int
    created_at: dt.datetime
    finished_at: dt.datetime | None
    actor: str
    status: str
    sources: list[str]
    period_start: dt.date
    period_end: dt.date
    area_code: str | None
    records: int
    clusters: int
    pairs: int
    error: str | None = None

    @property
    def period(self) -> str:
        return f"{self.period_start.isoformat()}..{self.period_end.isoformat()}"


@dataclass(frozen=True)
class TableView:
    """A job's reconciled table: one row per stratum then the total (area ``all``)."""

    job: JobView
    sources: list[str]
    rows: list[dict[str, Any]]
    model: str

    def chart(self) -> dict[str, Any]:
        """Per-source, consolidated and estimated counts per stratum, for a bar chart."""
        strata = [r for r in self.rows if r["area"] != "all"] or self.rows
        return {
            "labels": [f"{r['area_name']} {r['period']}".strip() for r in strata],
            "sources": {s: [r.get(s) for r in strata] for s in self.sources},
            "unique": [r["unique"] for r in strata],
            "estimate": [None if r["estimate"] is None else round(r["estimate"], 1)
                         for r in strata],
        }


@dataclass(frozen=True)
class RecordView:
    """One contributing record; person fields are None where the viewer may not see them."""

    key: str
    source: str
    source_name: str
    record_id: str
    visible: bool = False
    occurred_on: dt.date | None = None
    area_code: str | None = None
    area_name: str | None = None
    sex: str | None = None
    age: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    date_of_birth: dt.date | None = None
    names_hidden: bool = False
    incident_uid: str | None = None


@dataclass(frozen=True)
class ClusterView:
    """One real-world victim as the job sees it: its records and the job's confidence."""

    key: str
    confidence: float
    sources: list[str]
    period: str
    area: str
    records: list[RecordView] = field(default_factory=list)


@dataclass(frozen=True)
class WeightTerm:
    """One comparison's part of a pair's match weight, e.g. ``name: same name +10.6``."""

    comparison: str
    level: str
    weight: float | None


@dataclass(frozen=True)
class PairView:
    """A pair of the review queue, side by side, with its explanation."""

    rank: int
    key_l: str
    key_r: str
    probability: float
    impact: float
    terms: list[WeightTerm]
    prior: float | None
    total: float | None
    left: RecordView
    right: RecordView


@dataclass(frozen=True)
class QueueView:
    """The open pairs of a job's queue (decided ones left out), most impact first."""

    job: JobView
    open: int
    items: list[PairView]


def _can_read(viewer: Viewer) -> None:
    require(viewer.can(Permission.READ_RECORDS), "your role does not read records")


def _job(row: Any, error: str | None = None) -> JobView:
    status = str(row.status)
    created = row.created_at
    if status == RUNNING and _age(created) > STALE_AFTER:
        status = "interrupted"
    return JobView(int(row.id), created, row.finished_at, row.actor, status, list(row.sources),
                   row.period_start, row.period_end, row.area_code, int(row.records or 0),
                   int(row.clusters or 0), int(row.pairs or 0), error)


def _age(created: dt.datetime) -> dt.timedelta:
    now = repository.now()
    if created.tzinfo is None:
        created = created.replace(tzinfo=now.tzinfo)
    return now - created


_JOB_COLUMNS = ("id", "created_at", "finished_at", "actor", "status", "sources", "period_start",
                "period_end", "area_code", "records", "clusters", "pairs")


def list_jobs(engine: sa.Engine, viewer: Viewer, limit: int = 100) -> list[JobView]:
    """The newest jobs first."""
    _can_read(viewer)
    j = t.linkage_job
    with engine.connect() as conn:
        rows = conn.execute(sa.select(*(j.c[c] for c in _JOB_COLUMNS))
                            .order_by(j.c.id.desc()).limit(max(1, min(limit, 1000)))).all()
        return [_job(r, failure_message(conn, int(r.id)) if r.status == "failed" else None)
                for r in rows]


def get_job(engine: sa.Engine, viewer: Viewer, job_id: int) -> JobView:
    _can_read(viewer)
    with engine.connect() as conn:
        return _get_job(conn, job_id)


def _get_job(conn: sa.Connection, job_id: int) -> JobView:
    j = t.linkage_job
    row = conn.execute(sa.select(*(j.c[c] for c in _JOB_COLUMNS)).where(j.c.id == job_id)).first()
    if row is None:
        raise NotFound(f"no reconciliation job {job_id}")
    return _job(row, failure_message(conn, job_id) if row.status == "failed" else None)


def _finished(engine: sa.Engine, viewer: Viewer, job_id: int) -> JobView:
    job = get_job(engine, viewer, job_id)
    if job.status != DONE:
        raise NotFound(f"reconciliation job {job_id} is {job.status}, it has no results")
    return job


def table(engine: sa.Engine, viewer: Viewer, job_id: int) -> TableView:
    """The reconciled table kept with the job, with area names."""
    job = _finished(engine, viewer, job_id)
    frame = uc.job_table(engine, job_id)
    names = _area_names(engine, frame["area"].astype(str).tolist() if len(frame) else [])
    rows = []
    for raw in frame.to_dict(orient="records"):
        row = {str(k): _plain(v) for k, v in raw.items()}
        row["area_name"] = names.get(str(row["area"]), "")
        rows.append(row)
    model = str(rows[-1].get("model") or "") if rows else ""
    return TableView(job, list(job.sources), rows, model)


def _plain(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return _plain(value.item())
    return value


def _area_names(engine: sa.Engine, codes: Iterable[str]) -> dict[str, str]:
    wanted = sorted(set(codes) - {"all"})
    if not wanted:
        return {}
    with engine.connect() as conn:
        rows = conn.execute(sa.select(t.area.c.code, t.area.c.name)
                            .where(t.area.c.code.in_(wanted))).all()
    return {str(c): str(n) for c, n in rows}


def clusters(engine: sa.Engine, viewer: Viewer, job_id: int, sources: int | None = None,
             page: PageRequest | None = None) -> Page[ClusterView]:
    """The job's clusters, least confident first; ``sources``: only those recorded by exactly
    that many distinct sources."""
    _finished(engine, viewer, job_id)
    page = page or PageRequest()
    r = t.linkage_record
    grouped = (sa.select(r.c.cluster_key, sa.func.min(r.c.confidence).label("confidence"),
                         sa.func.count(sa.distinct(r.c.source)).label("n_sources"),
                         sa.func.min(r.c.period).label("period"),
                         sa.func.min(r.c.area).label("area"))
               .where(r.c.job_id == job_id).group_by(r.c.cluster_key).subquery())
    query = sa.select(grouped)
    if sources:
        query = query.where(grouped.c.n_sources == sources)
    with engine.begin() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(query.subquery())).scalar_one()
        heads = conn.execute(query.order_by(grouped.c.confidence, grouped.c.cluster_key)
                             .limit(page.per_page).offset(page.offset)).all()
        members = conn.execute(sa.select(r.c.cluster_key, r.c.record_key).where(
            r.c.job_id == job_id, r.c.cluster_key.in_([h.cluster_key for h in heads]))
            .order_by(r.c.cluster_key, r.c.source, r.c.record_key)).all()
        details = _records(conn, viewer, job_id, [m.record_key for m in members])
    by_cluster: dict[str, list[RecordView]] = {}
    for m in members:
        by_cluster.setdefault(m.cluster_key, []).append(details[m.record_key])
    items = [ClusterView(h.cluster_key, float(h.confidence),
                         sorted({v.source for v in by_cluster.get(h.cluster_key, [])}),
                         str(h.period), str(h.area), by_cluster.get(h.cluster_key, []))
             for h in heads]
    return Page(items, int(total), page.page, page.per_page)


def review_queue(engine: sa.Engine, viewer: Viewer, job_id: int, limit: int = 1,
                 offset: int = 0) -> QueueView:
    """Open pairs of the job's queue from ``offset``, most impact first, side by side."""
    job = _finished(engine, viewer, job_id)
    frame = uc.review_items(engine, job_id, limit=10**9)
    chosen = frame.iloc[offset:offset + max(1, limit)] if len(frame) else frame
    with engine.begin() as conn:
        keys = [*chosen.get("record_key_l", []), *chosen.get("record_key_r", [])]
        details = _records(conn, viewer, job_id, keys)
    items = []
    for row in chosen.to_dict(orient="records"):
        terms, prior, total = explain_terms(str(row["explanation"]))
        items.append(PairView(int(row["queue_rank"]), str(row["record_key_l"]),
                              str(row["record_key_r"]), float(row["match_probability"]),
                              float(row["impact"]), terms, prior, total,
                              details[row["record_key_l"]], details[row["record_key_r"]]))
    return QueueView(job, len(frame), items)


def explain_terms(text: str) -> tuple[list[WeightTerm], float | None, float | None]:
    """Split a stored explanation (``name: same name +10.6; …; prior -11.2; total -0.3``)."""
    terms: list[WeightTerm] = []
    prior = total = None
    for part in (p.strip() for p in text.split(";") if p.strip()):
        lone = _LONE.match(part)
        if lone:
            value = float(lone["weight"])
            if lone["name"] == "prior":
                prior = value
            else:
                total = value
            continue
        term = _TERM.match(part)
        if term:
            terms.append(WeightTerm(term["comparison"].strip(), term["level"],
                                    float(term["weight"])))
        else:
            terms.append(WeightTerm(part, "", None))
    return terms, prior, total


def split_key(key: str) -> tuple[str, str, str]:
    """``type|name|record|index`` → source type, source name, record id (with the index)."""
    parts = key.split("|")
    if len(parts) < 4:
        return parts[0], "", "|".join(parts[1:])
    return parts[0], "|".join(parts[1:-2]), f"{parts[-2]} #{parts[-1]}"


def _records(conn: sa.Connection, viewer: Viewer, job_id: int,
             keys: Sequence[str]) -> dict[str, RecordView]:
    """Details of the job's records ``keys``, masked for ``viewer``; audits identity reads."""
    r, p, i, a = t.linkage_record, t.person, t.incident, t.area
    rows = conn.execute(
        sa.select(r.c.record_key, p.c.sex, p.c.age_min, p.c.age_max, p.c.age_band,
                  p.c.given_name, p.c.family_name, p.c.date_of_birth, i.c.uid,
                  i.c.occurred_on, i.c.sensitivity, i.c.area_id, a.c.code, a.c.name)
        .select_from(r.outerjoin(p, p.c.id == r.c.person_id)
                     .outerjoin(i, i.c.id == p.c.incident_id).outerjoin(a, a.c.id == i.c.area_id))
        .where(r.c.job_id == job_id, r.c.record_key.in_(sorted(set(keys))))
    ).all()
    scope = _scope_ids(conn, viewer)
    out: dict[str, RecordView] = {}
    shown = 0
    for row in rows:
        view = _record(row, viewer, scope)
        shown += bool(view.given_name or view.family_name or view.date_of_birth)
        out[row.record_key] = view
    for key in keys:
        out.setdefault(key, RecordView(key, *split_key(key)))
    if shown:
        repository.audit(conn, viewer.username, "read_identities", "linkage_job", str(job_id),
                         after={"records": shown})
    return out


def _scope_ids(conn: sa.Connection, viewer: Viewer) -> set[int] | None:
    if viewer.area_id is None:
        return None
    ids: list[Any] = list(conn.execute(subtree(viewer.area_id)).scalars())
    return {int(x) for x in ids}


def _record(row: Any, viewer: Viewer, scope: set[int] | None) -> RecordView:
    source, name, record = split_key(row.record_key)
    if row.uid is None or (scope is not None and row.area_id not in scope):
        return RecordView(row.record_key, source, name, record)
    show = viewer.sees_identities(str(row.sensitivity))
    has_names = bool(row.given_name or row.family_name or row.date_of_birth)
    return RecordView(
        row.record_key, source, name, record, True, row.occurred_on, row.code, row.name,
        row.sex, _age_text(row.age_min, row.age_max, row.age_band),
        row.given_name if show else None, row.family_name if show else None,
        row.date_of_birth if show else None, has_names and not show, row.uid)


def _age_text(low: int | None, high: int | None, band: str | None) -> str | None:
    if high == t.OPEN_AGE:
        high = None
    if low is None:
        return band or None
    if high is None or high == low:
        return str(low) if high == low else f"{low}+"
    return f"{low}–{high}"
