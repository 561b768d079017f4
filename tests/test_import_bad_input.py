"""Every bad input gives a clear error (row, column, value, code) and leaves the store unchanged.

Runs on SQLite and PostgreSQL (the ``engine`` fixture) with a three-area test country.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from import_support import (
    GOOD_ROWS,
    HEADER,
    count,
    seed_areas,
    snapshot,
    write_csv,
    write_mapping,
)

from salus.ingestion.errors import MappingError
from salus.storage import repository as repo
from salus.storage import schema as t
from salus.usecases.imports.files import import_file


@pytest.fixture
def store(engine: sa.Engine) -> sa.Engine:
    seed_areas(engine)
    return engine


def _import(store: sa.Engine, tmp_path: Path, rows: list[list[str]], **kwargs: object):
    source = write_csv(tmp_path / "incidents.csv", [HEADER, *rows])
    return import_file(store, "incidents", source, write_mapping(tmp_path), **kwargs)


def test_a_clean_file_imports_every_row_with_its_victims(store, tmp_path):
    report = _import(store, tmp_path, GOOD_ROWS)
    assert report.written and not report.errors
    assert (report.inserted, report.victims) == (3, 4)
    assert count(store, t.person) == 4
    assert count(store, t.import_batch) == 1


def test_a_missing_required_column_names_the_column_and_the_mapping(store, tmp_path):
    before = snapshot(store)
    source = write_csv(tmp_path / "x.csv", [["id", "date", "weapon"], ["A1", "01/02/2020", "x"]])
    report = import_file(store, "incidents", source, write_mapping(tmp_path))
    (error,) = report.errors
    assert error.code == "column.missing"
    assert error.column == "area_code"
    assert "'area'" in error.value and "'municipio'" in error.value
    assert "test-incidents" in error.message
    assert snapshot(store) == before and report.failed


def test_a_bad_date_cites_row_column_and_value(store, tmp_path):
    before = snapshot(store)
    report = _import(store, tmp_path, [GOOD_ROWS[0], ["A2", "31/02/2020", "XX-01", "", "", "1"]])
    (error,) = report.errors
    assert (error.row, error.column, error.value, error.code) == (3, "date", "31/02/2020",
                                                                  "date.invalid")
    assert "--date-format" in error.message
    assert snapshot(store) == before


def test_an_explicit_date_format_overrides_the_mapping(store, tmp_path):
    rows = [["A1", "2020.02.01", "XX-01", "ARMA DE FUEGO", "MASCULINO", "1"]]
    assert _import(store, tmp_path, rows).errors[0].code == "date.invalid"
    report = _import(store, tmp_path, rows, date_format="%Y.%m.%d")
    assert report.written and report.inserted == 1


def test_an_unknown_code_is_reported_with_its_source_column(store, tmp_path):
    report = _import(store, tmp_path, [["A1", "01/02/2020", "XX-01", "TIRACHINAS", "X", "1"]])
    assert {(e.column, e.value, e.code) for e in report.errors} == {
        ("weapon", "TIRACHINAS", "code.unknown"), ("sex", "X", "code.unknown")}
    assert "value map for weapon" in report.errors[0].message + report.errors[1].message


def test_duplicate_rows_are_an_error_naming_both_rows(store, tmp_path):
    before = snapshot(store)
    report = _import(store, tmp_path, [GOOD_ROWS[0], GOOD_ROWS[1], GOOD_ROWS[0]])
    (error,) = report.errors
    assert error.code == "row.duplicate" and error.row == 4
    assert "rows 2 and 4" in error.message and error.value == "A1"
    assert snapshot(store) == before


def test_an_empty_file_is_an_error(store, tmp_path):
    (tmp_path / "empty.csv").write_text("", encoding="utf-8")
    report = import_file(store, "incidents", tmp_path / "empty.csv", write_mapping(tmp_path))
    assert [e.code for e in report.errors] == ["file.empty"] and report.failed


def test_a_header_without_rows_writes_nothing_and_is_not_an_error(store, tmp_path):
    report = _import(store, tmp_path, [])
    assert not report.errors and not report.written and report.rows_read == 0


def test_sheet_totals_and_footer_rows_are_skipped_and_counted(store, tmp_path):
    rows = [["TÍTULO DEL CUADRO"], [], HEADER, *GOOD_ROWS, [],
            ["TOTAL", "", "", "", "", "4"], ["FUENTE: Policía"], ["Elaborado: analista"],
            ["Cifras sujetas a variación"]]
    source = write_csv(tmp_path / "sheet.csv", rows)
    report = import_file(store, "incidents", source, write_mapping(tmp_path))
    assert report.written and report.inserted == 3 and report.header_row == 3
    assert report.rows_skipped == {"blank": 1, "footer": 3, "notes": 1}


def test_a_filled_row_after_the_footer_is_an_error(store, tmp_path):
    rows = [HEADER, GOOD_ROWS[0], ["TOTAL", "", "", "", "", "2"], GOOD_ROWS[1]]
    report = import_file(store, "incidents", write_csv(tmp_path / "s.csv", rows),
                         write_mapping(tmp_path))
    assert [(e.row, e.code) for e in report.errors] == [(4, "row.after_footer")]


def test_a_future_date_is_rejected(store, tmp_path):
    report = _import(store, tmp_path, [["A1", "01/01/2999", "XX-01", "", "", "1"]])
    (error,) = report.errors
    assert (error.row, error.column, error.value, error.code) == (2, "date", "01/01/2999",
                                                                  "date.future")


def test_an_unknown_area_is_an_error_with_row_column_and_value(store, tmp_path):
    report = _import(store, tmp_path, [["A1", "01/02/2020", "ZZ-99", "", "", "1"]])
    (error,) = report.errors
    assert (error.row, error.column, error.value, error.code) == (2, "area", "ZZ-99",
                                                                  "area.unknown")


def test_a_point_outside_its_area_is_a_warning_and_kept(store, tmp_path):
    mapping = write_mapping(tmp_path, _with_points())
    source = write_csv(tmp_path / "p.csv", [["id", "date", "area", "lon", "lat"],
                                            ["P1", "01/02/2020", "XX-01", "0.5", "0.5"],
                                            ["P2", "01/02/2020", "XX-01", "5", "5"]])
    report = import_file(store, "incidents", source, mapping)
    assert report.written and report.inserted == 2
    (warning,) = report.warnings
    assert (warning.row, warning.code) == (3, "point.outside_area")


def _with_points() -> str:
    from import_support import INCIDENT_MAPPING

    return INCIDENT_MAPPING.replace("  count: [count, cantidad]\n",
                                    "  longitude: lon\n  latitude: lat\n")


def test_skip_invalid_imports_the_valid_rows_and_reports_the_rest(store, tmp_path):
    rows = [GOOD_ROWS[0], ["B1", "01/02/2020", "ZZ-99", "", "", "1"], GOOD_ROWS[1],
            ["B2", "nope", "XX-01", "", "", "1"]]
    report = _import(store, tmp_path, rows, skip_invalid=True)
    assert report.written and not report.failed
    assert (report.inserted, report.rows_rejected) == (2, 2)
    assert [e.row for e in report.errors] == [3, 5]
    with store.connect() as conn:
        batch = conn.execute(sa.select(t.import_batch)).one()
    assert (batch.inserted, batch.rejected, batch.rows_read) == (2, 2, 4)


def test_reimporting_the_same_file_changes_nothing(store, tmp_path):
    first = _import(store, tmp_path, GOOD_ROWS)
    again = _import(store, tmp_path, GOOD_ROWS)
    assert (first.inserted, first.updated, first.unchanged) == (3, 0, 0)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    assert count(store, t.incident) == 3 and count(store, t.person) == 4


def test_a_corrected_row_is_updated_on_reimport(store, tmp_path):
    _import(store, tmp_path, GOOD_ROWS)
    fixed = [[*GOOD_ROWS[0][:5], "3"], *GOOD_ROWS[1:]]
    report = _import(store, tmp_path, fixed)
    assert (report.inserted, report.updated, report.unchanged) == (0, 1, 2)
    assert count(store, t.person) == 5


def test_an_import_killed_mid_write_leaves_the_store_as_before(store, tmp_path, monkeypatch):
    before = snapshot(store)
    real = repo.save_incidents
    calls = []

    def dies_after_first_chunk(*args, **kwargs):
        calls.append(1)
        if len(calls) > 1:
            raise ConnectionError("connection lost")
        return real(*args, **kwargs)

    monkeypatch.setattr(repo, "save_incidents", dies_after_first_chunk)
    monkeypatch.setattr("salus.usecases.imports.files.WRITE_CHUNK", 2)
    with pytest.raises(ConnectionError):
        _import(store, tmp_path, GOOD_ROWS)
    assert len(calls) == 2
    assert snapshot(store) == before


def test_a_database_constraint_violation_rolls_the_whole_import_back(store, tmp_path):
    before = snapshot(store)
    long_name = "x" * 300  # incident_source.source_name is VARCHAR(200)
    mapping = write_mapping(tmp_path, _with_points().replace("Test police", long_name))
    source = write_csv(tmp_path / "c.csv", [["id", "date", "area"], ["C1", "01/02/2020", "XX-01"],
                                            ["C2", "02/02/2020", "XX-01"]])
    if store.dialect.name == "sqlite":
        # SQLite does not enforce VARCHAR lengths: the row is stored as given.
        assert import_file(store, "incidents", source, mapping).inserted == 2
        return
    with pytest.raises(sa.exc.DataError, match="too long"):
        import_file(store, "incidents", source, mapping)
    assert snapshot(store) == before


def test_a_cp1252_file_is_read_with_its_accents(store, tmp_path):
    rows = [HEADER, ["Ñ1", "01/02/2020", "XX-01", "ARMA DE FUEGO", "MASCULINO", "1"]]
    source = write_csv(tmp_path / "latin.csv", rows, encoding="cp1252", delimiter=";")
    report = import_file(store, "incidents", source, write_mapping(tmp_path))
    assert report.written and report.inserted == 1
    with store.connect() as conn:
        assert conn.execute(sa.select(t.incident_source.c.record_id)).scalar_one() == "Ñ1"


def test_a_file_undecodable_in_the_given_encoding_is_a_clear_error(store, tmp_path):
    rows = [HEADER, ["Ñ1", "01/02/2020", "XX-01", "ARMA DE FUEGO", "MASCULINO", "1"]]
    source = write_csv(tmp_path / "latin.csv", rows, encoding="cp1252")
    report = import_file(store, "incidents", source, write_mapping(tmp_path), encoding="utf-8")
    (error,) = report.errors
    assert error.code == "file.encoding" and error.row == 2 and error.value == "d1"
    assert "not valid utf-8" in error.message and "--encoding" in error.message


def test_binary_data_is_not_taken_for_text(store, tmp_path):
    (tmp_path / "blob.csv").write_bytes(bytes(range(256)) * 8)
    report = import_file(store, "incidents", tmp_path / "blob.csv", write_mapping(tmp_path))
    assert [e.code for e in report.errors] == ["file.encoding"]


def test_a_mapping_for_another_kind_is_refused(store, tmp_path):
    with pytest.raises(MappingError, match="is for incidents, not areas"):
        import_file(store, "areas", tmp_path / "x.csv", write_mapping(tmp_path))


def test_an_unknown_mapping_name_lists_the_shipped_ones(store, tmp_path):
    with pytest.raises(MappingError, match="colombia-police-homicides"):
        import_file(store, "incidents", tmp_path / "x.csv", "no-such-mapping")


def test_an_import_records_its_batch_and_an_audit_event(store, tmp_path):
    report = _import(store, tmp_path, GOOD_ROWS, actor="ana")
    with store.connect() as conn:
        event = conn.execute(sa.select(t.audit_event)).one()
        batch = conn.execute(sa.select(t.import_batch)).one()
    assert (event.actor, event.action, event.entity_id) == ("ana", "import", str(batch.id))
    assert event.after["inserted"] == 3 and batch.mapping == "test-incidents"
    assert report.batch_id == batch.id
