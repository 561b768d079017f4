"""``salus import …``: exit codes, the error table, the CSV error report."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from import_support import GOOD_ROWS, HEADER, seed_areas, write_csv, write_mapping
from typer.testing import CliRunner

from salus.cli.app import app
from salus.storage.db import open_store

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = open_store(url)
    seed_areas(engine)
    engine.dispose()
    return url


def _cli(*args: str):
    return runner.invoke(app, ["import", *args], catch_exceptions=False)


def test_a_clean_import_exits_0_and_prints_the_counts(db, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    source = write_csv(tmp_path / "ok.csv", [HEADER, *GOOD_ROWS])
    result = _cli("incidents", str(source), "--mapping", str(write_mapping(tmp_path)),
                  "--db", db)
    assert result.exit_code == 0, result.output
    assert "3 inserted, 0 updated, 0 unchanged" in result.output
    assert not (tmp_path / "ok.csv.errors.csv").exists()


def test_errors_exit_1_write_nothing_and_go_to_the_default_report(db, tmp_path, monkeypatch):
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    rows = [GOOD_ROWS[0], ["B1", "99/99/2020", "XX-01", "", "", "1"]]
    source = write_csv(tmp_path / "bad.csv", [HEADER, *rows])
    result = _cli("incidents", str(source), "-m", str(write_mapping(tmp_path)), "--db", db)
    assert result.exit_code == 1
    assert "Nothing was written" in result.output and "date.invalid" in result.output
    with (work / "bad.csv.errors.csv").open(encoding="utf-8-sig") as handle:
        report = list(csv.DictReader(handle))
    assert [(r["row"], r["column"], r["value"], r["code"]) for r in report] == [
        ("3", "date", "99/99/2020", "date.invalid")]


def test_skip_invalid_exits_0_and_writes_the_report_where_asked(db, tmp_path):
    rows = [GOOD_ROWS[0], ["B1", "01/02/2020", "ZZ", "", "", "1"]]
    source = write_csv(tmp_path / "bad.csv", [HEADER, *rows])
    target = tmp_path / "out" / "errors.csv"
    target.parent.mkdir()
    result = _cli("incidents", str(source), "-m", str(write_mapping(tmp_path)), "--db", db,
                  "--skip-invalid", "--errors", str(target))
    assert result.exit_code == 0, result.output
    assert "1 inserted" in result.output and target.is_file()


def test_the_terminal_shows_50_errors_then_points_to_the_report(db, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rows = [[f"E{i}", "01/02/2020", "NOWHERE", "", "", "1"] for i in range(60)]
    source = write_csv(tmp_path / "many.csv", [HEADER, *rows])
    result = _cli("incidents", str(source), "-m", str(write_mapping(tmp_path)), "--db", db)
    assert result.exit_code == 1
    assert "… 10 more, see the error report" in result.output
    assert result.output.count("area.unknown") == 50


def test_a_date_format_and_an_encoding_can_be_given(db, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rows = [HEADER, ["Ñ", "2020-13-02", "XX-01", "", "", "1"]]
    source = write_csv(tmp_path / "d.csv", rows, encoding="cp1252")
    result = _cli("incidents", str(source), "-m", str(write_mapping(tmp_path)), "--db", db,
                  "--date-format", "%Y-%d-%m", "--encoding", "cp1252")
    assert result.exit_code == 0, result.output


def test_an_unknown_mapping_exits_2_and_lists_the_shipped_mappings(db, tmp_path):
    source = write_csv(tmp_path / "ok.csv", [HEADER, *GOOD_ROWS])
    result = _cli("incidents", str(source), "-m", "nope", "--db", db)
    assert result.exit_code == 2
    assert "colombia-police-homicides" in result.output + (result.stderr or "")


def test_a_shipped_mapping_is_found_by_name(db, tmp_path, shared_data):
    source = shared_data / "ucdp_ged_syria" / "ucdp_ged191_syria_slim.csv"
    result = _cli("areas", str(source), "--mapping", "ucdp-ged-areas", "--db", db)
    assert result.exit_code == 0, result.output
    assert "72 inserted" in result.output
