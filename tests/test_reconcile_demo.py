"""Reconciliation of the demo's police, forensic and media records against its answer key.

The demo generator plants the errors institutions make (typos, transliterations, native script,
missing ages, shifted dates, neighbouring areas, swapped name order, dropped second surnames,
duplicate media reports) and its manifest names the true person behind every record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from salus.analytics.reconcile.linkage import cluster_quality
from salus.demo.build import build_demo
from salus.storage import schema as t
from salus.storage.db import open_store
from salus.usecases.reconcile.jobs import JobSummary, review_items, run_reconciliation
from salus.usecases.reconcile.records import Scope

SOURCES = ("police", "forensic", "media")


@pytest.fixture(scope="module")
def demo_job(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[sa.Engine, JobSummary,
                                                                          dict[str, str]]]:
    path = Path(tmp_path_factory.mktemp("demo")) / "salus.db"
    engine = open_store(f"sqlite:///{path}")
    summary = build_demo(engine, incidents=2000, years=(2024, 2024))
    truth = {
        f"{p.source_type}|{p.source_name}|{p.record_id}|{p.person_index}": p.person_id
        for p in summary.manifest.persons
    }
    scope = Scope(SOURCES, dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    yield engine, run_reconciliation(engine, scope), truth
    engine.dispose()


def _stored_clusters(engine: sa.Engine, job_id: int) -> pd.DataFrame:
    r = t.linkage_record
    with engine.connect() as conn:
        rows = conn.execute(sa.select(r.c.record_key, r.c.cluster_key, r.c.source)
                            .where(r.c.job_id == job_id)).all()
    return pd.DataFrame(rows, columns=["record_key", "cluster_key", "source"])


def test_linkage_of_the_demo_reaches_f1_of_0_985(demo_job: tuple[sa.Engine, JobSummary,
                                                                  dict[str, str]]) -> None:
    engine, job, truth = demo_job
    clusters = _stored_clusters(engine, job.job_id)
    people = clusters["record_key"].map(truth)
    assert people.notna().all(), "every linked record is a victim the manifest knows"
    quality = cluster_quality(clusters["cluster_key"], people)
    assert quality.f1 >= 0.985, quality  # 0.99 at 2,000 incidents; bench: 0.984 at 10,000
    assert quality.precision >= 0.98 and quality.recall >= 0.98


def test_the_reconciled_total_is_consistent(demo_job: tuple[sa.Engine, JobSummary,
                                                            dict[str, str]]) -> None:
    engine, job, truth = demo_job
    table = job.table
    total = table[table["area"] == "all"].iloc[0]
    clusters = _stored_clusters(engine, job.job_id)
    assert total["unique"] == clusters["cluster_key"].nunique() == job.clusters
    true_people = clusters["record_key"].map(truth).nunique()
    assert abs(total["unique"] - true_people) / true_people < 0.03
    for source in SOURCES:
        assert total[source] <= (clusters["source"] == source).sum()
    assert total["confirmed"] <= total["unique"] <= total["estimate"]
    assert total["lower"] <= total["estimate"] <= total["upper"]
    strata = table[table["area"] != "all"]
    assert strata["unique"].sum() == total["unique"]


def test_the_review_queue_is_ordered_and_explained(demo_job: tuple[sa.Engine, JobSummary,
                                                                   dict[str, str]]) -> None:
    engine, job, _ = demo_job
    queue = review_items(engine, job.job_id, limit=50)
    assert len(queue) > 0
    assert queue["impact"].is_monotonic_decreasing
    assert queue["match_probability"].between(0.1, 0.95).all()
    assert queue["explanation"].str.contains("prior").all()


def test_each_stored_explanation_adds_up_to_the_match_weight(
    demo_job: tuple[sa.Engine, JobSummary, dict[str, str]],
) -> None:
    engine, job, _ = demo_job
    p = t.linkage_pair
    with engine.connect() as conn:
        rows = conn.execute(sa.select(p.c.match_weight, p.c.explanation)
                            .where(p.c.job_id == job.job_id).limit(200)).all()
    assert rows
    for weight, text in rows:
        total = float(text.rsplit("total ", 1)[1])
        assert total == pytest.approx(weight, abs=0.051)
        assert "name:" in text or "place:" in text
