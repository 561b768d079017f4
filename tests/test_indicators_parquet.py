"""The Parquet export of a store, and indicators computed over it on DuckDB (issue 11).

Every shipped indicator, with groupings, filters and public answers, gives the same rows on the
store (SQLite, PostgreSQL) and on DuckDB reading the store's export; the export is streamed in
chunks, records the store's counters and revision, and several exports (one per country) read
together give each country's rows. Spark over the same export: ``test_indicators_spark.py``.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa
from parquet_support import build, requests
from support_db import BACKENDS, new_store
from typer.testing import CliRunner

from salus.cli.app import app
from salus.storage import schema
from salus.usecases.indicators.compute import compute_indicator
from salus.usecases.indicators.parquet import (
    EXPORT_COLUMNS,
    MANIFEST,
    ParquetExportError,
    compute_on_parquet,
    export_parquet,
    open_parquet,
)


@pytest.fixture(scope="module", params=BACKENDS)
def observatory(request: pytest.FixtureRequest) -> Iterator[sa.Engine]:
    engine = new_store(request, request.param)
    build(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def exported(observatory: sa.Engine, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("export") / "xc"
    export_parquet(observatory, folder, chunk_rows=4)
    return folder


@pytest.mark.parametrize(("indicator", "request_"), requests())
def test_an_indicator_over_the_export_on_duckdb_gives_the_stores_rows(
    observatory: sa.Engine, exported: Path, indicator: str, request_: dict[str, Any]
) -> None:
    stored = compute_indicator(observatory, indicator, **request_)
    copied = compute_on_parquet(exported, indicator, engine="duckdb", **request_)
    assert copied.metadata["backend"] == "duckdb"
    assert copied.records() == stored.records()
    assert copied.group_columns == stored.group_columns
    assert {k: v for k, v in copied.metadata.items() if k != "backend"} == {
        k: v for k, v in stored.metadata.items() if k != "backend"}


def test_the_shipped_indicators_count_something_in_the_test_store(
    observatory: sa.Engine,
) -> None:
    for indicator, request_ in requests():
        if "by" not in request_:
            result = compute_indicator(observatory, indicator, **request_)
            measure = result.measure
            assert sum(r[measure] or 0 for r in result.records()) > 0, indicator


def test_an_export_holds_every_row_the_engine_reads_and_a_manifest(
    observatory: sa.Engine, exported: Path
) -> None:
    manifest = json.loads((exported / MANIFEST).read_text(encoding="utf-8"))
    with observatory.connect() as conn:
        for name, columns in EXPORT_COLUMNS.items():
            table = schema.metadata.tables[name]
            stored = conn.execute(sa.select(*[table.c[c] for c in columns])).all()
            written = pq.read_table(exported / f"{name}.parquet")
            assert written.column_names == list(columns)
            assert manifest["rows"][name] == written.num_rows == len(stored), name
            if name == "observatory_setting":
                assert [json.loads(v) for v in written.column("value").to_pylist()] == [
                    row.value for row in stored]
            else:
                assert sorted(map(tuple, (r.values() for r in written.to_pylist()))) == sorted(
                    tuple(row) for row in stored), name
        counters = conn.execute(sa.select(schema.data_version)).all()
    assert manifest["data_version"] == {str(n): int(v) for n, v in counters}
    assert manifest["schema_revision"]
    assert manifest["format"] == 1
    assert manifest["exported_at"].startswith("20")
    assert pq.ParquetFile(exported / "person.parquet").num_row_groups > 1  # streamed


def _country(request: pytest.FixtureRequest, backend: str, prefix: str, folder: Path) -> Path:
    engine = new_store(request, backend)
    try:
        build(engine, prefix)
        export_parquet(engine, folder)
    finally:
        engine.dispose()
    return folder


@pytest.fixture(scope="module")
def countries(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
              ) -> tuple[Path, Path]:
    """Two countries' exports (``XC…`` and ``XD…``), from stores of their own (SQLite)."""
    root = tmp_path_factory.mktemp("countries")
    return (_country(request, "sqlite", "XC", root / "xc"),
            _country(request, "sqlite", "XD", root / "xd"))


@pytest.mark.parametrize(("indicator", "request_"), [
    ("sdg-16-1-1", {"period": "2023", "by": "area,sex", "level": 1}),
    ("sdg-16-1-2", {"period": "2022..2023", "by": "area,year"}),
    ("homicide-incidents", {"period": "2023", "by": "area,weapon", "level": 0}),
])
def test_two_countries_exports_read_together_give_each_countrys_rows(
    countries: tuple[Path, Path], indicator: str, request_: dict[str, Any]
) -> None:
    xc, xd = countries
    both = compute_on_parquet([xc, xd], indicator, **request_).records()
    alone = [*compute_on_parquet(xc, indicator, **request_).records(),
             *compute_on_parquet(xd, indicator, **request_).records()]
    assert both == sorted(alone, key=lambda r: r["area"])  # areas are listed by code
    assert {r["area"][:2] for r in both} == {"XC", "XD"}


def test_two_countries_read_together_add_up_without_an_area_grouping(
    countries: tuple[Path, Path]
) -> None:
    xc, xd = countries
    by_sex: dict[str, Any] = {"period": "2023", "by": "sex"}
    both = compute_on_parquet([xc, xd], "sdg-16-1-1", **by_sex).records()
    one = compute_on_parquet(xc, "sdg-16-1-1", **by_sex).records()
    assert [r["victims"] for r in both] == [2 * r["victims"] for r in one]
    assert one[0]["victims"] > 0
    whole: dict[str, Any] = {"period": "2023", "by": []}
    both = compute_on_parquet([xc, xd], "sdg-16-1-1", **whole).records()
    one = compute_on_parquet(xc, "sdg-16-1-1", **whole).records()
    assert both[0]["population"] == 2 * one[0]["population"] > 0


def test_exports_with_the_same_area_codes_are_refused_together(
    countries: tuple[Path, Path], tmp_path: Path
) -> None:
    xc, _ = countries
    with pytest.raises(ParquetExportError, match="area code 'XC' is in both"):
        open_parquet([xc, xc])


def test_a_folder_without_an_export_an_unknown_engine_and_a_file_as_out_are_refused(
    countries: tuple[Path, Path], tmp_path: Path
) -> None:
    with pytest.raises(ParquetExportError, match="holds no Parquet export"):
        open_parquet(tmp_path)
    with pytest.raises(ParquetExportError, match="engine 'sqlite': choose from duckdb, spark"):
        open_parquet(countries[0], "sqlite")
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(ParquetExportError, match="is a file, not a folder"):
        export_parquet("sqlite:///unused.db", tmp_path / "file")
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / MANIFEST).write_text('{"format": 99}', encoding="utf-8")
    with pytest.raises(ParquetExportError, match="export format 99, this version reads format 1"):
        open_parquet(tmp_path / "old")
    with pytest.raises(ParquetExportError, match="has no table 'area': not a Salus store"):
        export_parquet(f"sqlite:///{tmp_path / 'empty.db'}", tmp_path / "none")
    assert not (tmp_path / "none").exists()


def test_an_export_with_a_damaged_or_narrowed_file_is_refused(
    countries: tuple[Path, Path], tmp_path: Path
) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(countries[0], copy)
    table = pq.read_table(copy / "person.parquet").drop_columns(["sex"])
    pq.write_table(table, copy / "person.parquet")
    with pytest.raises(ParquetExportError, match=r"person\.parquet': column 'sex' is missing"):
        open_parquet(copy)
    (copy / "incident.parquet").write_bytes(b"not parquet")
    with pytest.raises(ParquetExportError, match=r"incident\.parquet': not a readable Parquet"):
        open_parquet(copy)


def test_the_cli_exports_a_store_and_computes_an_indicator_over_the_export(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    engine = new_store(request, "sqlite")
    build(engine)
    url = engine.url.render_as_string(hide_password=False)
    engine.dispose()
    runner = CliRunner()
    out = tmp_path / "export"
    done = runner.invoke(app, ["export", "parquet", "--db", url, "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert "person" in done.output and (out / MANIFEST).is_file()
    args = ["indicators", "sdg-16-1-1", "--period", "2023", "--by", "area,sex",
            "--format", "csv"]
    on_store = runner.invoke(app, [*args, "--db", url])
    on_parquet = runner.invoke(app, [*args, "--engine", "duckdb", "--parquet", str(out)])
    assert on_store.exit_code == 0 and on_parquet.exit_code == 0, on_parquet.output
    assert on_parquet.output == on_store.output
    assert on_store.output.count("\n") == 1 + 3 * 3  # header, 3 municipalities × 3 sexes
    refused = runner.invoke(app, [*args, "--engine", "spark"])
    assert refused.exit_code == 2
    assert "--engine spark needs --parquet" in refused.output
