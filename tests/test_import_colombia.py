"""The real Colombian data imports with the shipped mappings: areas, population, 14 years.

One SQLite store per module: DANE departments (GeoJSON) and municipalities, both population
files, then the police homicide files. Victim totals are checked against an independent reading
of each spreadsheet (the sum of CANTIDAD over the rows that carry a date), so every row is
accounted for. PostgreSQL imports the areas and one year. The 14-year import is marked slow:
about 35 s of CPU, but over 60 s of wall-clock time on the shared 2-core development machine.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from import_support import count

from salus.storage import schema as t
from salus.storage.db import open_store
from salus.usecases.imports.files import ImportReport, import_file

YEARS = range(2011, 2025)
POLICE = "colombia-police-homicides"


def police_file(data: Path, year: int) -> Path:
    suffix = "xlsx" if year <= 2019 else "xls"
    return data / "colombia" / "raw" / f"homicidios_{year}.{suffix}"


def sheet_rows(path: Path) -> list[list[Any]]:
    """All cells of the first sheet, read directly (xls dates as datetimes)."""
    if path.suffix == ".xlsx":
        import openpyxl

        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        rows = [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
        book.close()
        return rows
    import xlrd

    sheet = xlrd.open_workbook(str(path)).sheet_by_index(0)
    return [[xlrd.xldate.xldate_as_datetime(v, 0) if k == 3 else v
             for k, v in zip(sheet.row_types(i), sheet.row_values(i), strict=True)]
            for i in range(sheet.nrows)]


def expected(path: Path) -> tuple[int, int]:
    """(data rows, sum of CANTIDAD) over the rows whose FECHA HECHO is a date."""
    rows = sheet_rows(path)
    header = next(i for i, r in enumerate(rows) if "MUNICIPIO" in [str(c).strip() for c in r])
    names = [str(c).strip() for c in rows[header]]
    date_col, count_col = names.index("FECHA HECHO"), names.index("CANTIDAD")
    data = [r for r in rows[header + 1:] if isinstance(r[date_col], dt.datetime)]
    return len(data), sum(int(r[count_col]) for r in data)


def load_areas_and_population(engine: sa.Engine, data: Path, *,
                              population: bool = True) -> list[ImportReport]:
    col = data / "colombia"
    steps = [("areas", col / "boundaries/colombia_departamentos.geojson",
              "colombia-dane-departments"),
             ("areas", col / "population/poblacion_2018_2023.xlsx", "colombia-dane-municipalities"),
             ("population", col / "population/poblacion_2003_2017.xls", "colombia-dane-population"),
             ("population", col / "population/poblacion_2018_2023.xlsx",
              "colombia-dane-population")]
    steps = steps if population else steps[:2]
    return [import_file(engine, kind, path, mapping) for kind, path, mapping in steps]


@pytest.fixture(scope="module")
def data_dir() -> Path:
    from support_db import DATA_DIR

    if not (DATA_DIR / "colombia").is_dir():
        pytest.skip(f"shared data not found at {DATA_DIR}")
    return DATA_DIR


@pytest.fixture(scope="module")
def observatory(tmp_path_factory: pytest.TempPathFactory, data_dir: Path):
    engine = open_store(f"sqlite:///{tmp_path_factory.mktemp('co') / 'salus.db'}")
    reports = load_areas_and_population(engine, data_dir)
    yield engine, reports
    engine.dispose()


@pytest.fixture(scope="module")
def first_and_last(observatory, data_dir: Path) -> dict[int, ImportReport]:
    engine, _ = observatory
    return {year: import_file(engine, "incidents", police_file(data_dir, year), POLICE)
            for year in (2011, 2024)}


@pytest.fixture(scope="module")
def all_years(observatory, first_and_last, data_dir: Path) -> tuple[dict[int, ImportReport], float]:
    engine, _ = observatory
    started = time.perf_counter()
    reports = dict(first_and_last)
    for year in YEARS:
        if year not in reports:
            reports[year] = import_file(engine, "incidents", police_file(data_dir, year), POLICE)
    return reports, time.perf_counter() - started


def test_departments_municipalities_and_population_load_without_errors(observatory):
    engine, reports = observatory
    assert all(r.written and not r.errors for r in reports)
    departments, municipalities, old_pop, new_pop = reports
    assert departments.inserted == 34  # CO + 33 departments
    assert municipalities.inserted == 1122
    assert old_pop.inserted == 1122 * 15 and new_pop.inserted == new_pop.rows_read
    with engine.connect() as conn:
        levels = dict(conn.execute(sa.text(
            "select level, count(*) from area group by level")).all())
        orphans = conn.execute(sa.text(
            "select count(*) from area c join area p on p.id = c.parent_id "
            "where p.level <> c.level - 1")).scalar_one()
    assert levels == {0: 1, 1: 33, 2: 1122} and orphans == 0


@pytest.mark.parametrize("year", [2011, 2024])
def test_a_police_year_imports_fully_with_every_victim_accounted_for(first_and_last, data_dir,
                                                                     year):
    report = first_and_last[year]
    rows, victims = expected(police_file(data_dir, year))
    assert report.written and not report.errors, report.errors[:3]
    assert (report.rows_read, report.inserted, report.victims) == (rows, rows, victims)
    assert report.rows_rejected == 0 and report.rows_skipped["footer"] >= 5


def test_the_2011_victims_carry_sex_age_band_and_weapon(observatory, first_and_last):
    engine, _ = observatory
    batch = first_and_last[2011].batch_id
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "select p.sex, p.age_band, i.weapon_category, count(*) from person p "
            "join incident i on i.id = p.incident_id where i.import_batch_id = :b "
            "group by 1, 2, 3"), {"b": batch}).all()
    sexes = {r[0] for r in rows}
    bands = {r[1] for r in rows}
    assert sexes <= {"male", "female", "unknown"} and {"male", "female"} <= sexes
    assert bands == {"colombia_law_1098:0-12", "colombia_law_1098:13-17",
                     "colombia_law_1098:18+"}
    by_weapon = {}
    for _, _, weapon, n in rows:
        by_weapon[weapon] = by_weapon.get(weapon, 0) + n
    assert max(by_weapon, key=by_weapon.get) == "firearm"


def test_reimporting_a_police_year_leaves_every_record_unchanged(observatory, first_and_last,
                                                                 data_dir):
    engine, _ = observatory
    again = import_file(engine, "incidents", police_file(data_dir, 2024), POLICE)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0,
                                                                first_and_last[2024].inserted)


@pytest.mark.slow
def test_all_fourteen_years_import_into_one_consistent_observatory(observatory, all_years,
                                                                   data_dir):
    engine, _ = observatory
    reports, seconds = all_years
    total_victims = 0
    for year, report in sorted(reports.items()):
        rows, victims = expected(police_file(data_dir, year))
        assert not report.errors, (year, report.errors[:3])
        assert (report.rows_read, report.victims) == (rows, victims), year
        total_victims += victims
    assert count(engine, t.person) == total_victims
    with engine.connect() as conn:
        years = conn.execute(sa.text(
            "select count(distinct substr(cast(occurred_on as text), 1, 4)) "
            "from incident")).scalar_one()
    assert years == 14
    print(f"14 years, {total_victims} victims imported in {seconds:.1f} s")


@pytest.mark.slow
def test_every_police_label_of_every_year_is_mapped(all_years):
    reports, _ = all_years
    codes = {e.code for r in reports.values() for e in r.errors + r.warnings}
    assert "code.unknown" not in codes and not codes


def test_postgresql_imports_the_areas_and_a_police_year(request, data_dir):
    from support_db import new_store

    engine = new_store(request, "postgresql")
    try:
        reports = load_areas_and_population(engine, data_dir, population=False)
        assert all(r.written and not r.errors for r in reports)
        report = import_file(engine, "incidents", police_file(data_dir, 2016), POLICE)
        rows, victims = expected(police_file(data_dir, 2016))
        assert report.written and (report.inserted, report.victims) == (rows, victims)
        assert count(engine, t.person) == victims
    finally:
        engine.dispose()
