"""One indicator expression, three engines: SQLite, PostgreSQL and DuckDB give the same rows.

The store's tables are copied into an in-memory DuckDB through ibis and every request is
computed on both; rows and the request metadata must be identical (only the backend name
differs). PySpark runs the same expressions (docs/indicators.md) but is not installed here.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import ibis
import pytest
import sqlalchemy as sa
from support_db import BACKENDS
from test_indicators_support import observatory_store

from salus.analytics.indicators.query import COLUMNS
from salus.usecases.indicators.compute import compute_indicator, connect


@pytest.fixture(scope="module", params=BACKENDS)
def observatory(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[sa.Engine]:
    yield from observatory_store(request, tmp_path_factory)


REQUESTS: list[tuple[str, dict[str, Any]]] = [
    ("sdg-16-1-1", {"period": "2023", "by": "area,sex"}),
    ("sdg-16-1-1", {"period": "2023", "by": "area", "level": 1, "public": True}),
    ("sdg-16-1-1", {"period": "2023-Q1", "by": "week"}),
    ("sdg-16-1-1", {"period": "2022..2023", "by": "quarter,sex"}),
    (
        "sdg-16-1-1",
        {"period": "2023", "by": "sex,age_band:five_year", "filters": {"area": "XC0101"}},
    ),
    ("firearm-deaths-by-context", {"period": "2023"}),
    ("homicide-incidents", {"period": "2023-01-01..2023-06-30", "by": "area,weapon"}),
]


@pytest.fixture(scope="module")
def duck(observatory: sa.Engine) -> Iterator[ibis.BaseBackend]:
    """The observatory's tables copied into an in-memory DuckDB."""
    con = ibis.duckdb.connect()
    with connect(observatory) as source:
        for name, columns in COLUMNS.items():
            con.create_table(name, source.table(name).select(*columns).to_pyarrow())
    yield con
    con.disconnect()


@pytest.mark.parametrize(("indicator", "request_"), REQUESTS)
def test_duckdb_gives_the_same_rows_as_the_store(
    observatory: sa.Engine,
    duck: ibis.BaseBackend,
    indicator: str,
    request_: dict[str, Any],
) -> None:
    stored = compute_indicator(observatory, indicator, **request_)
    copied = compute_indicator(duck, indicator, **request_)
    assert copied.metadata["backend"] == "duckdb"
    assert stored.metadata["backend"] == observatory.dialect.name.replace("postgresql", "postgres")
    assert copied.records() == stored.records()
    assert _without_backend(copied.metadata) == _without_backend(stored.metadata)
    assert len(stored.rows) > 0


def _without_backend(metadata: Any) -> dict[str, Any]:
    return {k: v for k, v in metadata.items() if k != "backend"}
