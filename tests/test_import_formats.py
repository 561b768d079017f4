"""Each input format imports into the store: HXL, JSON, GeoJSON, XLSX, XLS, WKT, wide tables."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa
from import_support import (
    INCIDENT_MAPPING,
    count,
    seed_areas,
    write_csv,
    write_mapping,
    write_xlsx,
)

from salus.storage import schema as t
from salus.usecases.imports.files import import_file


@pytest.fixture
def store(engine: sa.Engine) -> sa.Engine:
    seed_areas(engine)
    return engine


HXL_MAPPING = """
name: hxl-test
kind: incidents
columns:
  record_id: "#event+id"
  occurred_on: "#date+occurred"
  area_code: "#adm1+code"
victims:
  - {count: "#affected+killed+f", sex: female, outcome: killed}
  - {count: "#affected+killed+m", sex: male, outcome: killed}
defaults: {iccs_code: "0101", source_type: civil_society, source_name: HXL monitor}
"""


def test_an_hxl_file_is_mapped_by_hashtags_whatever_its_header_text(store, tmp_path):
    rows = [["Event", "Date", "Province", "Women killed", "Men killed"],
            ["#event +id", "#date +occurred", "#adm1 +code", "#affected +f +killed",
             "#affected +m +killed"],
            ["E1", "2021-03-04", "XX-01", "1", "2"],
            ["E2", "2021-03-05", "XX-02", "0", "1"]]
    source = write_csv(tmp_path / "events.csv", rows)
    report = import_file(store, "incidents", source, write_mapping(tmp_path, HXL_MAPPING))
    assert report.written and report.inserted == 2 and report.victims == 4
    with store.connect() as conn:
        sexes = sorted(conn.execute(sa.select(t.person.c.sex)).scalars())
    assert sexes == ["female", "male", "male", "male"]


def test_a_json_array_and_a_data_envelope_both_import(store, tmp_path):
    items = [{"id": "J1", "date": "01/02/2020", "area": "XX-01", "weapon": "ARMA BLANCA",
              "count": 1},
             {"id": "J2", "date": "02/02/2020", "area": "XX-02", "count": 2}]
    (tmp_path / "a.json").write_text(json.dumps(items), encoding="utf-8")
    (tmp_path / "b.json").write_text(json.dumps({"data": items}), encoding="utf-8")
    mapping = write_mapping(tmp_path)
    first = import_file(store, "incidents", tmp_path / "a.json", mapping)
    second = import_file(store, "incidents", tmp_path / "b.json", mapping)
    assert (first.inserted, first.victims) == (2, 3)
    assert (second.inserted, second.unchanged) == (0, 2)


def test_a_json_error_cites_the_array_position(store, tmp_path):
    items = [{"id": "J1", "date": "01/02/2020", "area": "XX-01", "count": 1},
             {"id": "J2", "date": "someday", "area": "XX-01", "count": 1}]
    (tmp_path / "a.json").write_text(json.dumps(items), encoding="utf-8")
    report = import_file(store, "incidents", tmp_path / "a.json", write_mapping(tmp_path))
    assert [(e.row, e.column, e.value) for e in report.errors] == [(2, "date", "someday")]


AREAS_GEOJSON_MAPPING = """
name: geo-areas
kind: areas
columns: {code: code, name: name, name_fr: nom, parent_code: parent, geometry: geometry}
defaults: {level: 2}
"""


def test_geojson_features_become_areas_with_their_polygons(store, tmp_path):
    features = [{"type": "Feature", "properties": {"code": "XX-01-A", "name": "Alpha",
                                                    "nom": "Alpha FR", "parent": "XX-01"},
                 "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [0.5, 0], [0.5, 0.5],
                                                                  [0, 0.5], [0, 0]]]}}]
    (tmp_path / "a.geojson").write_text(json.dumps({"type": "FeatureCollection",
                                                    "features": features}), encoding="utf-8")
    report = import_file(store, "areas", tmp_path / "a.geojson",
                         write_mapping(tmp_path, AREAS_GEOJSON_MAPPING))
    assert report.written and report.inserted == 1
    with store.connect() as conn:
        row = conn.execute(sa.select(t.area).where(t.area.c.code == "XX-01-A")).one()
    assert (row.level, row.names, row.max_lon) == (2, {"fr": "Alpha FR"}, 0.5)


def test_an_area_whose_parent_is_unknown_is_an_error(store, tmp_path):
    source = write_csv(tmp_path / "a.csv", [["code", "name", "parent"], ["Q1", "Q", "NOPE"]])
    mapping = AREAS_GEOJSON_MAPPING.replace(", geometry: geometry", "")
    report = import_file(store, "areas", source, write_mapping(tmp_path, mapping))
    assert [(e.row, e.column, e.value, e.code) for e in report.errors] == [
        (2, "parent", "NOPE", "area.parent_unknown")]


def test_areas_with_wkt_geometry_and_a_declared_root(engine, tmp_path):
    mapping = """
name: wkt-areas
kind: areas
columns: {code: code, name: name, wkt: wkt}
defaults: {level: 1}
root: {code: YY, name: Otherland}
"""
    source = write_csv(tmp_path / "a.csv", [["code", "name", "wkt"],
                                            ["YY-1", "One", "POLYGON ((0 0, 2 0, 2 2, 0 2, 0 0))"],
                                            ["YY-2", "Two", ""]])
    report = import_file(engine, "areas", source, write_mapping(tmp_path, mapping))
    assert report.inserted == 3
    again = import_file(engine, "areas", source, write_mapping(tmp_path, mapping))
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)
    with engine.connect() as conn:
        parents = dict(conn.execute(sa.text(
            "select a.code, p.code from area a left join area p on p.id = a.parent_id")).all())
    assert parents == {"YY": None, "YY-1": "YY", "YY-2": "YY"}


def test_an_xlsx_sheet_with_title_rows_dates_and_a_total_imports(store, tmp_path):
    rows = [["MINISTERIO"], ["Cuadro 1"], [], ["ID", "FECHA", "MUNICIPIO", "ARMA", "CANTIDAD"],
            ["X1", dt.datetime(2020, 2, 1), "XX-01", "ARMA DE FUEGO", 2],
            ["X2", dt.datetime(2020, 2, 2), "XX-02", "CONTUNDENTE", 1],
            ["TOTAL", None, None, None, 3], ["Fuente: prueba"]]
    source = write_xlsx(tmp_path / "cuadro.xlsx", rows)
    report = import_file(store, "incidents", source, write_mapping(tmp_path))
    assert report.written and report.header_row == 4
    assert (report.inserted, report.victims) == (2, 3)
    assert report.rows_skipped == {"blank": 0, "footer": 2, "notes": 0}


def test_an_xlsx_error_cites_the_spreadsheet_row(store, tmp_path):
    rows = [["Title"], [], ["ID", "FECHA", "MUNICIPIO", "CANTIDAD"],
            ["X1", dt.datetime(2020, 2, 1), "XX-01", 1],
            ["X2", dt.datetime(2020, 2, 1), "XX-01", "two"]]
    report = import_file(store, "incidents", write_xlsx(tmp_path / "c.xlsx", rows),
                         write_mapping(tmp_path))
    assert [(e.row, e.column, e.value, e.code) for e in report.errors] == [
        (5, "CANTIDAD", "two", "number.invalid")]


def test_a_wide_population_table_is_unpivoted_by_year(store, tmp_path):
    mapping = """
name: wide-pop
kind: population
source: {unpivot: {columns: '^\\d{4}$', name: year, value: people}}
columns: {area_code: code, year: year, population: people, age_band: band}
"""
    rows = [["code", "band", "2019", "2020"], ["XX-01", "sdg:15-29", "1,200", "1,250"],
            ["XX-02", "sdg:15-29", "900", ""]]
    source = write_csv(tmp_path / "pop.csv", rows)
    report = import_file(store, "population", source, write_mapping(tmp_path, mapping))
    assert report.written and report.inserted == 3
    with store.connect() as conn:
        cells = conn.execute(sa.select(t.population.c.year, t.population.c.population,
                                       t.population.c.age_min, t.population.c.age_max)
                             .order_by(t.population.c.population)).all()
    assert [tuple(c) for c in cells] == [(2019, 900, 15, 29), (2019, 1200, 15, 29),
                                        (2020, 1250, 15, 29)]
    again = import_file(store, "population", source, write_mapping(tmp_path, mapping))
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 3)


def test_population_of_an_unknown_area_is_an_error(store, tmp_path):
    mapping = "kind: population\ncolumns: {area_code: code, year: year, population: n}\n"
    source = write_csv(tmp_path / "p.csv", [["code", "year", "n"], ["QQ", "2020", "10"]])
    report = import_file(store, "population", source, write_mapping(tmp_path, mapping))
    assert [(e.row, e.column, e.value, e.code) for e in report.errors] == [
        (2, "code", "QQ", "area.unknown")]
    assert count(store, t.population) == 0


def test_a_real_xls_file_reads_dates_from_excel_serials(shared_data):
    from salus.ingestion import load_mapping, read_table

    mapping = load_mapping("colombia-police-homicides")
    table = read_table(shared_data / "colombia/raw/homicidios_2020.xls", mapping.read)
    number, row = next(iter(table.rows))
    assert (table.format, table.stats.header_row, number) == ("xls", 10, 11)
    assert row["FECHA HECHO"] == dt.datetime(2020, 3, 14)
    assert row["CODIGO DANE"] == "91001000"


def test_the_incident_mapping_reads_semicolon_csv_with_spanish_headers(store, tmp_path):
    rows = [["ID", "Fecha", "Municipio", "Arma", "Sexo", "Cantidad"],
            ["S1", "01/02/2020", "XX-01", "arma de fuego", "masculino", "1"]]
    source = write_csv(tmp_path / "s.csv", rows, delimiter=";")
    mapping = write_mapping(tmp_path, INCIDENT_MAPPING)
    report = import_file(store, "incidents", source, mapping)
    assert report.written and report.inserted == 1


def test_a_missing_sheet_is_an_error_naming_the_sheets_there_are(store, tmp_path):
    source = write_xlsx(tmp_path / "book.xlsx", [["ID", "FECHA", "MUNICIPIO"]])
    mapping = INCIDENT_MAPPING.replace("kind: incidents\n",
                                       "kind: incidents\nsource: {sheet: Resumen}\n")
    report = import_file(store, "incidents", source, write_mapping(tmp_path, mapping))
    (error,) = report.errors
    assert (error.code, error.value) == ("file.format", "Resumen") and "Sheet" in error.message


def test_times_dates_and_timestamps_read_back_as_written(store, tmp_path):
    mapping = INCIDENT_MAPPING.replace("  count: [count, cantidad]\n", "  occurred_time: hora\n")
    source = write_csv(tmp_path / "t.csv", [["id", "date", "area", "hora"],
                                            ["T1", "01/02/2020", "XX-01", "23:15"]])
    report = import_file(store, "incidents", source, write_mapping(tmp_path, mapping))
    assert report.inserted == 1
    with store.connect() as conn:
        row = conn.execute(sa.select(t.incident)).one()
    assert (row.occurred_on, row.occurred_until) == (dt.date(2020, 2, 1), dt.date(2020, 2, 1))
    assert row.occurred_time == dt.time(23, 15)
    assert isinstance(row.created_at, dt.datetime)
    assert abs(row.created_at.replace(tzinfo=None) - dt.datetime.now(dt.UTC).replace(tzinfo=None)) \
        < dt.timedelta(minutes=10)
