"""Reconciliation jobs in the store (SQLite and PostgreSQL): decisions are kept, audited and
reused by the next job; tables export to CSV and XLSX."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa

from salus.demo.build import build_demo
from salus.storage import schema as t
from salus.usecases.errors import UseCaseError
from salus.usecases.reconcile.jobs import (
    NothingToReconcile,
    decide,
    export_table,
    job_table,
    latest_job_id,
    parse_period,
    run_reconciliation,
)
from salus.usecases.reconcile.records import Scope

SCOPE = Scope(("police", "forensic", "media"), dt.date(2024, 1, 1), dt.date(2024, 12, 31))


def _cluster_of(engine: sa.Engine, job_id: int, key: str) -> str:
    r = t.linkage_record
    with engine.connect() as conn:
        return str(conn.execute(sa.select(r.c.cluster_key).where(
            r.c.job_id == job_id, r.c.record_key == key)).scalar_one())


def _linked_pair(engine: sa.Engine, job_id: int) -> tuple[str, str]:
    """Two records the job put in one cluster of two."""
    r = t.linkage_record
    with engine.connect() as conn:
        pairs = conn.execute(
            sa.select(r.c.cluster_key).where(r.c.job_id == job_id)
            .group_by(r.c.cluster_key).having(sa.func.count() == 2).order_by(r.c.cluster_key)
        ).scalars().first()
        keys = conn.execute(sa.select(r.c.record_key).where(
            r.c.job_id == job_id, r.c.cluster_key == pairs).order_by(r.c.record_key)).scalars()
        left, right = list(keys)
    return left, right


def test_decisions_are_audited_and_reused_by_the_next_job(engine: sa.Engine) -> None:
    build_demo(engine, incidents=300, years=(2024, 2024))
    first = run_reconciliation(engine, SCOPE, actor="alice")
    left, right = _linked_pair(engine, first.job_id)
    assert _cluster_of(engine, first.job_id, left) == _cluster_of(engine, first.job_id, right)

    decide(engine, left, right, "no_match", actor="alice", job_id=first.job_id, note="two men")
    second = run_reconciliation(engine, SCOPE, actor="alice")
    assert second.job_id == latest_job_id(engine) > first.job_id
    assert _cluster_of(engine, second.job_id, left) != _cluster_of(engine, second.job_id, right)

    decide(engine, right, left, "match", actor="bob")  # the newest decision is in force
    third = run_reconciliation(engine, SCOPE, actor="bob")
    assert _cluster_of(engine, third.job_id, left) == _cluster_of(engine, third.job_id, right)

    with engine.connect() as conn:
        actions = [r.action for r in conn.execute(sa.select(t.audit_event.c.action).where(
            t.audit_event.c.entity.in_(["linkage_job", "linkage_decision"])))]
        decisions = conn.execute(sa.select(sa.func.count()).select_from(
            t.linkage_decision)).scalar_one()
    assert actions.count("decide") == 2 and actions.count("reconcile") == 3
    assert decisions == 2


def test_the_table_exports_to_csv_and_xlsx(engine: sa.Engine, tmp_path: Path) -> None:
    build_demo(engine, incidents=250, years=(2024, 2024))
    job = run_reconciliation(engine, SCOPE)
    stored = job_table(engine, job.job_id)
    assert list(stored.columns[:5]) == ["period", "area", "police", "forensic", "media"]
    assert stored["unique"].tolist() == job.table["unique"].tolist()
    csv_file = export_table(engine, job.job_id, tmp_path / "table.csv")
    assert pd.read_csv(csv_file)["unique"].tolist() == stored["unique"].tolist()
    xlsx = export_table(engine, job.job_id, tmp_path / "table.xlsx")
    sheet = openpyxl.load_workbook(xlsx)["reconciled"]
    assert sheet.max_row == len(stored) + 1
    with pytest.raises(UseCaseError):
        export_table(engine, job.job_id, tmp_path / "table.pdf")


def test_a_scope_without_records_is_refused(engine: sa.Engine) -> None:
    with pytest.raises(NothingToReconcile):
        run_reconciliation(engine, SCOPE)


def test_an_unknown_linkage_engine_is_refused_before_anything_is_stored(
        engine: sa.Engine) -> None:
    build_demo(engine, incidents=40, years=(2024, 2024))
    with pytest.raises(UseCaseError, match="unknown linkage engine 'hadoop'"):
        run_reconciliation(engine, SCOPE, linkage_engine="hadoop")
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.linkage_job)).scalar() == 0


def test_bad_decisions_are_refused(engine: sa.Engine) -> None:
    with pytest.raises(UseCaseError):
        decide(engine, "a", "b", "maybe", actor="alice")
    with pytest.raises(UseCaseError):
        decide(engine, "a", "a", "match", actor="alice")


@pytest.mark.parametrize(
    ("text", "start", "end"),
    [("2024", "2024-01-01", "2024-12-31"), ("2024-02", "2024-02-01", "2024-02-29"),
     ("2023-12-15..2024-01-15", "2023-12-15", "2024-01-15")],
)
def test_periods_are_read(text: str, start: str, end: str) -> None:
    assert parse_period(text) == (dt.date.fromisoformat(start), dt.date.fromisoformat(end))


def test_an_unreadable_period_is_refused() -> None:
    with pytest.raises(UseCaseError):
        parse_period("last year")
