"""Reconciliation across institutions: run a job, review uncertain pairs, decide, export.

``run_reconciliation`` reads the victims of the chosen sources, period and area, and those of
the days just beyond the period's edges (:mod:`.reconcile_records`), links them
(:func:`salus.analytics.reconcile.linkage.run_job`: within-source duplicates and cross-source
matches in
one pass, earlier reviewer decisions applied as fixed links and labels), and keeps the job:
every record's cluster and confidence, the pairs worth keeping (links and the review band) with
their explanations and queue rank, and the reconciled table — all for the clusters attributed
to the job's period (earliest record inside it, see
:mod:`salus.analytics.reconcile.linkage.periods`).
``decide`` appends a reviewer's decision (audited); the next job reuses it.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa

from salus.analytics.reconcile.linkage import JobOptions, JobResult, LevelTable, run_job
from salus.analytics.reconcile.linkage.engine import ENGINES
from salus.analytics.reconcile.linkage.spark import java_available
from salus.domain.spreadsheet import safe_cell
from salus.storage import repository
from salus.storage import schema as t
from salus.usecases.errors import NotFound, UseCaseError
from salus.usecases.reconcile.records import Scope, default_level, load_records

DECISIONS = ("match", "no_match", "unsure")
_CHUNK = 5000


class NothingToReconcile(UseCaseError):  # noqa: N818 - reads as an outcome, like NotFound
    title = "No records to reconcile"


@dataclass(frozen=True)
class JobSummary:
    """What a job found: its id, the reconciled table and the size of the review queue."""

    job_id: int
    records: int
    clusters: int
    queue: int
    table: pd.DataFrame


def parse_period(text: str) -> tuple[dt.date, dt.date]:
    """``2024``, ``2024-03`` or ``2024-01-01..2024-06-30`` → first and last day."""
    if re.fullmatch(r"\d{4}", text):
        year = int(text)
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    if re.fullmatch(r"\d{4}-\d{2}", text):
        first = dt.date.fromisoformat(text + "-01")
        following = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        return first, following - dt.timedelta(days=1)
    if ".." in text:
        start, end = (dt.date.fromisoformat(p) for p in text.split("..", 1))
        if start > end:
            raise UseCaseError(f"period {text!r} ends before it starts")
        return start, end
    raise UseCaseError(f"cannot read period {text!r}: use 2024, 2024-03 or 2024-01-01..2024-06-30")


def run_reconciliation(
    engine: sa.Engine, scope: Scope, actor: str = "cli", options: JobOptions | None = None,
    linkage_engine: str | None = None,
) -> JobSummary:
    """Link the scope's records, keep the job in the store and return its figures.

    ``linkage_engine`` (``duckdb`` or ``spark``) overrides ``options.training.engine``.
    """
    options = _with_engine(options or JobOptions(), linkage_engine)
    with engine.connect() as conn:
        level = scope.level if scope.level is not None else default_level(conn, scope.area_code)
        records = load_records(conn, scope, level)
        decisions = current_decisions(conn)
    if records.empty or records["period"].isna().all():
        raise NothingToReconcile("no victim records match these sources, period and area")
    result = run_job(records, scope.sources, decisions, options)
    with engine.begin() as conn:
        job_id = _save_job(conn, scope, actor, options, result)
        _save_records(conn, job_id, records, result)
        queued = _save_pairs(conn, job_id, result, options)
        repository.audit(conn, actor, "reconcile", "linkage_job", str(job_id),
                         after={"records": len(result.clusters),
                                "sources": list(scope.sources)})
    return JobSummary(job_id, len(result.clusters), int(result.clusters["cluster_id"].nunique()),
                      queued, result.table.to_frame())


def _with_engine(options: JobOptions, linkage_engine: str | None) -> JobOptions:
    """The options with the linkage engine chosen, refused early when it cannot run here."""
    if linkage_engine is not None:
        options = replace(options, training=replace(options.training, engine=linkage_engine))
    chosen = options.training.engine
    if chosen not in ENGINES:
        raise UseCaseError(f"unknown linkage engine {chosen!r}: use one of {', '.join(ENGINES)}")
    if chosen == "spark" and not java_available():
        raise UseCaseError("the spark engine needs a Java runtime: no `java` on the PATH")
    return options


def _save_job(conn: sa.Connection, scope: Scope, actor: str, options: JobOptions,
              result: JobResult) -> int:
    figures = _json_rows(result.table.to_frame())
    row = conn.execute(t.linkage_job.insert().values(
        created_at=repository.now(), finished_at=repository.now(), actor=actor, status="done",
        sources=list(scope.sources), period_start=scope.start, period_end=scope.end,
        area_code=scope.area_code, threshold=options.threshold, model=result.model,
        figures=figures, records=len(result.clusters), pairs=len(result.run.pairs),
        clusters=int(result.clusters["cluster_id"].nunique()),
    ))
    return _new_id(row)


def _save_records(conn: sa.Connection, job_id: int, records: pd.DataFrame,
                  result: JobResult) -> None:
    person = dict(zip(records["record_id"], records["person_id"], strict=True))
    rows = [
        {"job_id": job_id, "record_key": r.record_id, "person_id": int(person[r.record_id]),
         "source": r.source, "cluster_key": r.cluster_id, "confidence": float(r.confidence),
         "period": r.period, "area": r.area}
        for r in result.clusters.itertuples(index=False)
    ]
    _insert(conn, t.linkage_record, rows)


def _save_pairs(conn: sa.Connection, job_id: int, result: JobResult,
                options: JobOptions) -> int:
    levels = LevelTable(result.model)
    rank = {(a, b): (i + 1, imp) for i, (a, b, imp) in enumerate(zip(
        result.queue["record_id_l"], result.queue["record_id_r"], result.queue["impact"],
        strict=True))}
    pairs = result.run.pairs
    ids = set(result.clusters["record_id"])  # records of clusters beyond the period left out
    kept = pairs[(pairs["match_probability"] >= options.band[0])
                 & pairs["record_id_l"].isin(ids) & pairs["record_id_r"].isin(ids)]
    rows = []
    for pair in kept.to_dict(orient="records"):
        position, impact = rank.get((pair["record_id_l"], pair["record_id_r"]), (None, None))
        rows.append({
            "job_id": job_id, "record_key_l": pair["record_id_l"],
            "record_key_r": pair["record_id_r"],
            "match_probability": float(pair["match_probability"]),
            "match_weight": float(pair["match_weight"]), "queue_rank": position,
            "impact": impact, "explanation": levels.explain(pair).text(),
        })
    _insert(conn, t.linkage_pair, rows)
    return len(rank)


def _new_id(result: sa.CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    if key is None:
        raise RuntimeError("the database returned no primary key")
    return int(key[0])


def _insert(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), _CHUNK):
        conn.execute(table.insert(), rows[start:start + _CHUNK])


def _json_rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    rows = frame.to_dict(orient="records")
    return [{k: (None if isinstance(v, float) and not math.isfinite(v) else v)
             for k, v in row.items()} for row in rows]


def current_decisions(conn: sa.Connection) -> pd.DataFrame:
    """The decision in force for each decided pair (the newest), ``unsure`` left out."""
    d = t.linkage_decision
    rows = conn.execute(sa.select(d.c.record_key_l, d.c.record_key_r, d.c.decision)
                        .order_by(d.c.decided_at, d.c.id)).all()
    latest = {(r.record_key_l, r.record_key_r): r.decision for r in rows}
    kept = [(a, b, v == "match") for (a, b), v in latest.items() if v != "unsure"]
    return pd.DataFrame(kept, columns=["record_id_l", "record_id_r", "is_match"])


def decide(engine: sa.Engine, key_l: str, key_r: str, decision: str, actor: str,
           job_id: int | None = None, note: str | None = None) -> int:
    """Record a reviewer's decision on a pair (append-only; the newest one is in force)."""
    if decision not in DECISIONS:
        raise UseCaseError(f"decision must be one of {', '.join(DECISIONS)}")
    if key_l == key_r:
        raise UseCaseError("a record cannot be paired with itself")
    left, right = sorted((key_l, key_r))
    with engine.begin() as conn:
        row = conn.execute(t.linkage_decision.insert().values(
            record_key_l=left, record_key_r=right, decision=decision, actor=actor,
            decided_at=repository.now(), job_id=job_id, note=note))
        decision_id = _new_id(row)
        repository.audit(conn, actor, "decide", "linkage_decision", str(decision_id),
                         after={"pair": [left, right], "decision": decision, "note": note})
    return decision_id


def latest_job_id(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        job_id = conn.execute(sa.select(sa.func.max(t.linkage_job.c.id))).scalar()
    if job_id is None:
        raise NotFound("no reconciliation job yet: run `salus reconcile` first")
    return int(job_id)


def review_items(engine: sa.Engine, job_id: int, limit: int = 20) -> pd.DataFrame:
    """The job's review queue, most impact first, without pairs decided since it ran."""
    p = t.linkage_pair
    query = (sa.select(p.c.queue_rank, p.c.record_key_l, p.c.record_key_r,
                       p.c.match_probability, p.c.impact, p.c.explanation)
             .where(p.c.job_id == job_id, p.c.queue_rank.is_not(None))
             .order_by(p.c.queue_rank))
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(query).mappings().all())
        decided = current_decisions(conn)
    if frame.empty:
        return frame
    done = set(zip(decided["record_id_l"], decided["record_id_r"], strict=True))
    open_pairs = [(a, b) not in done for a, b in zip(frame["record_key_l"],
                                                     frame["record_key_r"], strict=True)]
    return frame[open_pairs].head(limit).reset_index(drop=True)


def job_table(engine: sa.Engine, job_id: int) -> pd.DataFrame:
    """The reconciled table kept with a job."""
    with engine.connect() as conn:
        figures = conn.execute(sa.select(t.linkage_job.c.figures)
                               .where(t.linkage_job.c.id == job_id)).scalar()
    if figures is None:
        raise NotFound(f"no reconciliation job {job_id}")
    return pd.DataFrame.from_records(figures)


def export_table(engine: sa.Engine, job_id: int, path: Path) -> Path:
    """Write the job's reconciled table as CSV or XLSX (by the file's suffix)."""
    frame = job_table(engine, job_id).map(safe_cell)
    if path.suffix.lower() == ".xlsx":
        frame.to_excel(path, index=False, sheet_name="reconciled")
    elif path.suffix.lower() == ".csv":
        frame.to_csv(path, index=False)
    else:
        raise UseCaseError("export to a .csv or .xlsx file")
    return path
