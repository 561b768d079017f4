"""What the reconciliation pages read: explanations split into terms, record keys, job status."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from salus.domain.accounts.roles import Viewer
from salus.storage import repository
from salus.storage import schema as t
from salus.usecases.errors import NotFound, PermissionDenied, ValidationFailed
from salus.usecases.reconcile import runs, views
from salus.usecases.reconcile.records import Scope

ANA = Viewer.for_role("ana", "analyst")
DORA = Viewer.for_role("dora", "data_entry")


def test_an_explanation_splits_into_terms_that_add_up() -> None:
    text = ("name: same name +10.6; age: ages within 5 years -5.2; date: dates 1 day apart "
            "+4.8; place: neighbouring areas +0.8; prior -11.2; total -0.2")
    terms, prior, total = views.explain_terms(text)
    assert [(x.comparison, x.level) for x in terms] == [
        ("name", "same name"), ("age", "ages within 5 years"), ("date", "dates 1 day apart"),
        ("place", "neighbouring areas")]
    assert prior == -11.2 and total == -0.2
    assert sum(x.weight or 0 for x in terms) + prior == pytest.approx(total, abs=0.05)
    odd, _, _ = views.explain_terms("something unforeseen; total +1.0")
    assert odd[0].comparison == "something unforeseen" and odd[0].weight is None


def test_record_keys_split_into_source_name_and_record() -> None:
    assert views.split_key("police|Verdania National Police|VNP-2024-000044|2") == (
        "police", "Verdania National Police", "VNP-2024-000044 #2")


def test_a_job_left_running_too_long_reads_as_interrupted(engine: sa.Engine) -> None:
    scope = Scope(("police",), dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    job_id = runs.start_job(engine, ANA, scope)
    assert views.get_job(engine, DORA, job_id).status == "running"
    with engine.begin() as conn:
        conn.execute(t.linkage_job.update().where(t.linkage_job.c.id == job_id).values(
            created_at=repository.now() - dt.timedelta(hours=3)))
    assert views.get_job(engine, DORA, job_id).status == "interrupted"
    with pytest.raises(NotFound):
        views.table(engine, DORA, job_id)


def test_only_reconcilers_start_jobs_and_scopes_are_checked(engine: sa.Engine) -> None:
    scope = Scope(("police",), dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    with pytest.raises(PermissionDenied):
        runs.start_job(engine, DORA, scope)
    with pytest.raises(ValidationFailed) as caught:
        runs.check_scope(engine, [], "2024-13", "X")
    assert [e["field"] for e in caught.value.errors] == ["sources", "period", "area"]
    with pytest.raises(PermissionDenied):
        views.list_jobs(engine, Viewer.for_role("pub", "public"))
