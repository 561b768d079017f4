"""The YAML indicators on Spark (local mode) over a Parquet export give the store's rows.

One Spark session serves the run (:func:`local_spark`, one core, one shuffle partition, no code
generation: the inputs are a few rows, where compiling each query costs more than running
it). Spark plans each query in about a second, so only a handful of requests run on it, chosen
to cover each path of the engine (persons and incidents, declared deaths and causes, a week
grain, the source filter, several countries read together); every shipped indicator with more
groupings and public answers runs on DuckDB over the same export
(``test_indicators_parquet.py``). Skipped where no Java runtime is installed (under CI a skip
is a failure: .ci/run installs openjdk-17).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from parquet_support import build
from support_db import BACKENDS, new_store

from salus.analytics.indicators.result import IndicatorResult
from salus.usecases.indicators.compute import compute_indicator
from salus.usecases.indicators.parquet import compute_on_parquet, export_parquet, local_spark

pytestmark = [
    pytest.mark.skipif(shutil.which("java") is None,
                       reason="Spark needs a Java runtime (no `java` on the PATH)"),
    pytest.mark.spark,
    pytest.mark.slow,
]

REQUESTS: list[tuple[str, dict[str, Any]]] = [
    ("sdg-16-1-1", {"period": "2023", "by": "area,sex"}),
    ("sdg-16-1-2", {"period": "2023"}),
    ("homicide-incidents", {"period": "2023-Q1", "by": "week", "filters": {"sex": "male"}}),
    ("sdg-16-1-1", {"period": "2022..2023", "by": "month,age_band",
                    "filters": {"source": "media", "area": "XC01"}}),
]


@pytest.fixture(scope="session")
def spark() -> Any:
    return local_spark(cores=1, memory="1g", partitions=1, small=True)


@pytest.fixture(scope="module")
def exports(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
            ) -> tuple[Path, Path]:
    """Two countries' exports (``XC…``, ``XD…``) of SQLite stores."""
    root = tmp_path_factory.mktemp("spark-exports")
    folders = []
    for prefix in ("XC", "XD"):
        engine = new_store(request, "sqlite")
        build(engine, prefix)
        folders.append(root / prefix)
        export_parquet(engine, folders[-1])
        engine.dispose()
    return folders[0], folders[1]


@pytest.fixture(scope="module", params=BACKENDS)
def observatory(request: pytest.FixtureRequest) -> Iterator[sa.Engine]:
    engine = new_store(request, request.param)
    build(engine)
    yield engine
    engine.dispose()


_on_spark: dict[int, IndicatorResult] = {}


def _spark_result(spark: Any, folder: Path, index: int) -> IndicatorResult:
    """Request ``index`` computed on Spark once for every store backend it is compared to."""
    if index not in _on_spark:
        indicator, request_ = REQUESTS[index]
        _on_spark[index] = compute_on_parquet(folder, indicator, engine="spark",
                                              session=spark, **request_)
    return _on_spark[index]


@pytest.mark.parametrize("index", range(len(REQUESTS)),
                         ids=[f"{name}-{r['period']}" for name, r in REQUESTS])
def test_an_indicator_on_spark_over_the_export_gives_the_stores_rows(
    spark: Any, exports: tuple[Path, Path], observatory: sa.Engine, index: int
) -> None:
    indicator, request_ = REQUESTS[index]
    on_spark = _spark_result(spark, exports[0], index)
    stored = compute_indicator(observatory, indicator, **request_)
    assert on_spark.metadata["backend"] == "pyspark"
    assert on_spark.records() == stored.records()
    assert {k: v for k, v in on_spark.metadata.items() if k != "backend"} == {
        k: v for k, v in stored.metadata.items() if k != "backend"}
    assert any(r[stored.measure] for r in stored.records())


def test_two_countries_on_spark_give_the_rows_of_duckdb(
    spark: Any, exports: tuple[Path, Path]
) -> None:
    request_: dict[str, Any] = {"period": "2023", "by": "area,sex", "level": 1}
    on_spark = compute_on_parquet(list(exports), "sdg-16-1-1", engine="spark", session=spark,
                                  **request_).records()
    on_duckdb = compute_on_parquet(list(exports), "sdg-16-1-1", **request_).records()
    assert on_spark == on_duckdb
    assert {r["area"] for r in on_spark} == {"XC01", "XC02", "XD01", "XD02"}
