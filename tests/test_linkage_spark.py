"""The same linkage job on Splink's Spark backend (local mode) as on DuckDB.

Skipped where no Java runtime is installed (Spark runs in a JVM). One Spark session serves the
whole module (driver memory 1 GB, one shuffle partition, one core): Spark's start-up and query
planning cost seconds per query, so the input is small — a few hundred demo records — and EM
passes stop after 3 iterations on both engines (the engines are compared with each other).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from salus.analytics.reconcile.linkage import JobOptions, JobResult, TrainingOptions, run_job
from salus.demo.build import build_demo
from salus.storage.db import open_store
from salus.usecases.reconcile.records import Scope, load_records

pytestmark = [
    pytest.mark.skipif(shutil.which("java") is None,
                       reason="the Spark engine needs a Java runtime (no `java` on the PATH)"),
    pytest.mark.slow,
]

SOURCES = ("police", "forensic", "media")


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """Victim records of the demo's first two months of 2024 (three sources)."""
    path = Path(tmp_path_factory.mktemp("spark")) / "salus.db"
    engine: sa.Engine = open_store(f"sqlite:///{path}")
    build_demo(engine, incidents=2000, years=(2024, 2024))
    scope = Scope(SOURCES, pd.Timestamp("2024-01-01").date(), pd.Timestamp("2024-02-29").date())
    with engine.connect() as conn:
        frame = load_records(conn, scope, 1)
    engine.dispose()
    return frame


def _job(records: pd.DataFrame, engine: str) -> JobResult:
    training = TrainingOptions(engine=engine, threads=1, spark_partitions=1, max_iterations=3)
    return run_job(records, SOURCES, options=JobOptions(training=training))


@pytest.fixture(scope="module")
def both(records: pd.DataFrame) -> Iterator[tuple[JobResult, JobResult]]:
    yield _job(records, "duckdb"), _job(records, "spark")


def _links(result: JobResult) -> set[tuple[str, str]]:
    pairs = result.run.pairs
    strong = pairs[pairs["match_probability"] >= 0.5]
    return set(zip(strong["record_id_l"], strong["record_id_r"], strict=True))


def _m_probabilities(result: JobResult) -> dict[tuple[str, str], float]:
    out = {}
    for comparison in result.model["comparisons"]:
        for level in comparison["comparison_levels"]:
            if "m_probability" in level:
                key = (comparison["output_column_name"], level["label_for_charts"])
                out[key] = float(level["m_probability"])
    return out


def test_spark_and_duckdb_find_the_same_links(both: tuple[JobResult, JobResult]) -> None:
    duck, spark = both
    assert len(spark.run.pairs) > 100
    same = _links(duck) & _links(spark)
    differ = _links(duck) ^ _links(spark)
    assert len(differ) <= 0.01 * len(same), sorted(differ)


def test_spark_and_duckdb_give_the_same_clusters_and_table(
        both: tuple[JobResult, JobResult]) -> None:
    duck, spark = both
    left = duck.clusters.set_index("record_id")["cluster_id"].sort_index()
    right = spark.clusters.set_index("record_id")["cluster_id"].sort_index()
    agree = (left == right.reindex(left.index)).mean()
    assert agree >= 0.99
    totals = [r.table.to_frame().iloc[-1] for r in both]
    assert abs(totals[0]["unique"] - totals[1]["unique"]) <= 0.01 * totals[0]["unique"]


def test_spark_and_duckdb_estimate_close_m_probabilities(
        both: tuple[JobResult, JobResult]) -> None:
    duck, spark = (_m_probabilities(r) for r in both)
    assert duck.keys() == spark.keys()
    for key, value in duck.items():
        assert spark[key] == pytest.approx(value, abs=0.05), key
