"""Importing registry files: CSV and XLSX with the shipped mappings, atomic and idempotent, with
every bad row reported by row, column and value and nothing written."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa
from weapons_support import (
    D,
    add_areas,
    cast,
    table_counts,
    weapons_engine,  # noqa: F401 - fixtures
    weapons_store,  # noqa: F401
)

from salus.ingestion import weapons as reader
from salus.ingestion.errors import MappingError
from salus.usecases.errors import PermissionDenied
from salus.usecases.weapons import history as weapons_history
from salus.usecases.weapons.check import check_weapon
from salus.usecases.weapons.imports import import_registry

HEADER = ("Category,Manufacturer,Model,Calibre,Serial number,Country of manufacture,"
          "Year of manufacture,Area code,Owner kind,Given name,Family name,ID document type,"
          "ID document number,Licence number,Licence type,Licence issued on,"
          "Licence expires on,Registered on,Event,Event date")
ROWS = [
    "Pistol,Makarov,PM,9x18mm,AB 1234,RU,1985,R1-A,individual,Ivan,Petrov,passport,AN100,"
    "LIC-9,possession,01/02/2020,01/02/2030,05/02/2020,imported,01/06/1995",
    "rifle_carbine,CZ,527,.223,C-777,CZ,2012,R2-A,,,,,,,,,,,imported,01/01/2013",
    "Revolver,Smith & Wesson,686,.357,SW-5,US,2001,R1-B,company,,,,,,,,,,,",
]


@pytest.fixture
def engine(weapons_engine: sa.Engine) -> sa.Engine:  # noqa: F811
    add_areas(weapons_engine)
    return weapons_engine


@pytest.fixture
def officer(engine: sa.Engine):  # type: ignore[no-untyped-def]
    return cast({"R1": 0})["officer"]


def csv_file(tmp_path: Path, rows: list[str], header: str = HEADER) -> Path:
    path = tmp_path / "registry.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_a_registry_file_imports_weapons_owners_licences_and_registrations(
        engine: sa.Engine, officer, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    report = import_registry(engine, officer, csv_file(tmp_path, ROWS[:2]))
    assert report.committed and report.errors == []
    assert (report.weapons_added, report.owners_added, report.licences_added,
            report.registrations, report.events) == (2, 1, 1, 1, 2)
    [answer] = check_weapon(engine, officer, "A81234").weapons
    assert answer.holder is not None and answer.holder.owner_name == "Ivan Petrov"
    history = weapons_history.history(engine, officer, answer.weapon_uid)
    assert [(e.event_type, e.occurred_on) for e in history.events] == [
        ("imported", D(1995, 6, 1)), ("registered", D(2020, 2, 5))]


def test_importing_the_same_file_twice_changes_nothing(
        engine: sa.Engine, officer, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = csv_file(tmp_path, ROWS[:2])
    import_registry(engine, officer, path)
    before = table_counts(engine)
    again = import_registry(engine, officer, path)
    assert (again.weapons_added, again.weapons_existing, again.owners_added,
            again.registrations, again.events) == (0, 2, 0, 0, 0)
    after = table_counts(engine)
    assert after.pop("audit_event") == before.pop("audit_event") + 1  # the import itself
    assert after == before


def test_a_new_holder_in_a_later_file_is_recorded_as_a_transfer(
        engine: sa.Engine, officer, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import_registry(engine, officer, csv_file(tmp_path, ROWS[:1]))
    moved = ROWS[0].replace("Ivan,Petrov,passport,AN100,LIC-9", "Olga,Sim,passport,AN200,LIC-10"
                            ).replace("05/02/2020", "07/07/2022")
    report = import_registry(engine, officer, csv_file(tmp_path, [moved]))
    assert (report.transfers, report.owners_added, report.licences_added) == (1, 1, 1)
    [answer] = check_weapon(engine, officer, "AB1234").weapons
    assert answer.holder is not None and answer.holder.owner_name == "Olga Sim"


def test_bad_rows_are_all_reported_by_row_column_and_value_and_nothing_is_written(
        engine: sa.Engine, officer, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad = [
        ROWS[0].replace("01/02/2030", "01/01/2019"),          # licence expires before issue
        ROWS[1].replace("rifle_carbine", "catapult"),          # unknown category
        ROWS[1].replace("C-777", "C-778").replace("01/01/2013", "31/02/2013"),  # no such date
        ROWS[1].replace(",CZ,2012", ",ZQ,2012").replace("C-777", "C-779"),  # unknown country
    ]
    before = table_counts(engine)
    report = import_registry(engine, officer, csv_file(tmp_path, bad))
    assert not report.committed and report.weapons_added == 0
    found = {(e.row, e.column, e.value, e.code) for e in report.errors}
    assert found == {
        (2, "Licence expires on", "2019-01-01", "licence.expiry_before_issue"),
        (3, "Category", "catapult", "category.unknown"),
        (4, "Event date", "31/02/2013", "date.invalid"),
        (5, "Country of manufacture", "ZQ", "country.unknown"),
    }
    assert table_counts(engine) == before


def test_a_duplicate_serial_that_disagrees_with_the_record_is_an_error(
        engine: sa.Engine, officer, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    twin = ROWS[1].replace(",527,", ",550,").replace("imported,01/01/2013", ",")
    before = table_counts(engine)
    report = import_registry(engine, officer, csv_file(tmp_path, [ROWS[1], twin]))
    assert [(e.row, e.column, e.value, e.code) for e in report.errors] == [
        (3, "Model", "550", "import.differs")]
    assert table_counts(engine) == before


def test_an_entity_row_without_licence_columns_names_each_missing_value(
        engine: sa.Engine, officer, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    report = import_registry(engine, officer, csv_file(tmp_path, [ROWS[2]]))
    missing = sorted(e.column for e in report.errors if e.code == "value.missing")
    assert missing == ["Licence expires on", "Licence issued on", "Licence number",
                       "Licence type", "Registered on"]
    assert all(e.row == 2 for e in report.errors)


def test_an_xlsx_export_with_russian_headers_imports_with_its_mapping(
        engine: sa.Engine, officer, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Вид оружия", "Производитель", "Модель", "Калибр", "Серийный номер",
                  "Страна производства", "Год выпуска", "Код района", "Тип владельца", "Фамилия",
                  "Имя", "Тип документа", "Номер документа", "Номер разрешения",
                  "Вид разрешения", "Дата выдачи", "Действительно до", "Дата регистрации"])
    sheet.append(["Карабин", "Baikal", "MP-153", "12", "0712345", "RU", 2007, "R1-A",
                  "Физическое лицо", "Асанов", "Бакыт", "Паспорт", "ID-55", "R-1",
                  "Охотничье", "10.03.2021", "10.03.2026", "15.03.2021"])
    path = tmp_path / "reestr.xlsx"
    book.save(path)
    report = import_registry(engine, officer, path, "weapons-ru-registry")
    assert report.errors == [] and report.committed
    [answer] = check_weapon(engine, officer, "07I2345").weapons
    assert answer.holder is not None
    assert (answer.holder.owner_name, answer.holder.licence_type, answer.holder.since) == (
        "Бакыт Асанов", "hunting", D(2021, 3, 15))


def test_the_shipped_russian_mapping_imports_a_csv_export(
        engine: sa.Engine, officer, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "reestr.csv"
    path.write_text("Вид оружия;Производитель;Серийный номер;Год выпуска;Код района;Событие;"
                    "Дата события\nПистолет;Makarov;ЕК 5512;1979;R2-B;Ввоз;01.05.1999\n",
                    encoding="utf-8")
    report = import_registry(engine, officer, path, "weapons-ru-registry")
    assert report.committed and (report.weapons_added, report.events) == (1, 1)


def test_a_mapping_with_an_unknown_key_or_field_is_refused() -> None:
    with pytest.raises(MappingError, match="unknown key"):
        reader.parse({"kind": "weapons", "colums": {}})
    with pytest.raises(MappingError, match="'serial' is not a weapons field"):
        reader.parse({"kind": "weapons", "columns": {"serial": "Serial"}})
    with pytest.raises(MappingError, match="kind"):
        reader.parse({"kind": "incidents"})


def test_only_registry_roles_import_owners(engine: sa.Engine, tmp_path: Path) -> None:
    viewers = cast({"R1": 0})
    with pytest.raises(PermissionDenied):
        import_registry(engine, viewers["analyst"], csv_file(tmp_path, ROWS[:1]))


def test_a_row_without_a_natural_key_is_refused_so_re_imports_never_duplicate(
        engine: sa.Engine, officer, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "r.csv"
    path.write_text("Category,Model,Serial number,Serial obliterated\n"
                    "Pistol,PM,,no\nRifle,SKS,12?45,yes\n", encoding="utf-8")
    report = import_registry(engine, officer, path)
    assert [(e.row, e.column, e.code) for e in report.errors] == [
        (2, "record_id", "import.no_key"), (3, "record_id", "import.no_key")]
    path.write_text("Record id,Category,Model,Serial number,Serial obliterated\n"
                    "A-1,Pistol,PM,,no\nA-2,Rifle,SKS,12?45,yes\n", encoding="utf-8")
    assert import_registry(engine, officer, path).weapons_added == 2
    assert import_registry(engine, officer, path).weapons_existing == 2
