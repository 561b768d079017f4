"""Mappings, readers and hashing without a database: the pieces the import is made of."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from import_support import INCIDENT_MAPPING, write_csv, write_mapping

from salus.domain.incidents.model import (
    AgeRange,
    DatePrecision,
    Incident,
    LocationPrecision,
    OccurrenceDate,
    Outcome,
    Person,
    Point,
    Sensitivity,
    Sex,
    SourceRecord,
    Weapon,
)
from salus.ingestion import load_mapping, parse_mapping, read_table, shipped_mappings
from salus.ingestion.binding import bind, hxl_match, path_code
from salus.ingestion.convert import DateSpec, parse_date, parse_int
from salus.ingestion.errors import CODES, FileImportError, MappingError
from salus.ingestion.hashing import content_hash
from salus.ingestion.incidents import covering_precision
from salus.ingestion.readers import decode


def test_every_shipped_mapping_loads():
    names = shipped_mappings()
    assert {"colombia-police-homicides", "colombia-dane-departments",
            "colombia-dane-municipalities", "colombia-dane-population", "ucdp-ged",
            "ucdp-ged-areas"} <= set(names)
    for name in names:
        assert load_mapping(name).name == name


def test_an_unknown_key_in_a_mapping_is_an_error_naming_it():
    with pytest.raises(MappingError, match=r"unknown key.*colums"):
        parse_mapping({"kind": "incidents", "colums": {}})
    with pytest.raises(MappingError, match=r"columns: unknown key.*area"):
        parse_mapping({"kind": "incidents", "columns": {"area": "x"}})
    with pytest.raises(MappingError, match="unknown transform"):
        parse_mapping({"kind": "areas", "transforms": {"code": [{"zeropad": 2}]}})


def test_column_names_match_ignoring_case_accents_and_spaces(tmp_path):
    mapping = load_mapping(write_mapping(tmp_path, INCIDENT_MAPPING.replace(
        "[area, municipio]", "[CÓDIGO  DANE]")))
    source = write_csv(tmp_path / "x.csv", [["ID", "date", " codigo dane "], ["1", "x", "y"]])
    table = read_table(source, mapping.read)
    bound = bind(mapping, table, table.stats.header_row)
    assert bound.columns["area_code"] == "codigo dane"


def test_hxl_tag_patterns_match_columns_with_more_attributes():
    tags = {"Killed": "#affected+killed+f+adult", "Place": "#adm1+code"}
    assert hxl_match("#affected+killed+f", tags) == "Killed"
    assert hxl_match("#affected +F", tags) == "Killed"
    assert hxl_match("#affected+killed+m", tags) is None


def test_dane_codes_are_padded_and_cut_to_the_municipality():
    mapping = load_mapping("colombia-police-homicides")
    from salus.ingestion.convert import converter
    from salus.ingestion.fields import INCIDENT_FIELDS

    to_area = converter("area_code", INCIDENT_FIELDS["area_code"], mapping)
    assert to_area(5001000) == "05001"
    assert to_area("05001000") == "05001"
    assert to_area(91001008.0) == "91001"


def test_path_codes_are_slugs_of_the_leading_names():
    assert path_code(["Syria", "Deir ez Zor Governorate", "Abu Kamal district"], "", "/") == \
        "syria/deir-ez-zor-governorate/abu-kamal-district"
    assert path_code(["Syria", None, "x"], "", "/") == "syria"
    assert path_code(["Côte d'Ivoire"], "UCDP", ".") == "UCDP.cote-d-ivoire"


def test_dates_follow_formats_then_iso_then_excel_serials():
    spec = DateSpec(formats=("%d/%m/%Y",))
    assert parse_date("03/04/2020", spec) == dt.date(2020, 4, 3)
    assert parse_date("2020-04-03", spec) == dt.date(2020, 4, 3)
    assert parse_date(43904, spec) == dt.date(2020, 3, 14)
    assert parse_date("03/04/2020", DateSpec(dayfirst=False)) == dt.date(2020, 3, 4)
    assert parse_date("2019", DateSpec(formats=("%Y",))) == dt.date(2019, 1, 1)


def test_whole_numbers_accept_thousands_separators_but_not_fractions():
    assert [parse_int(v) for v in ("1,234,567", "1.234", "12.0", 7.0, "-3")] == [
        1234567, 1234, 12, 7, -3]
    from salus.ingestion.convert import CellError

    for bad in ("1.5", "12,34", "abc", True):
        with pytest.raises(CellError):
            parse_int(bad)


def test_the_precision_widens_to_the_period_holding_both_dates():
    d = dt.date
    assert covering_precision(d(2020, 1, 6), d(2020, 1, 6)) is DatePrecision.DAY
    assert covering_precision(d(2020, 1, 6), d(2020, 1, 12)) is DatePrecision.WEEK
    assert covering_precision(d(2020, 1, 12), d(2020, 1, 13)) is DatePrecision.MONTH
    assert covering_precision(d(2020, 1, 31), d(2020, 2, 1)) is DatePrecision.WEEK
    assert covering_precision(d(2020, 1, 31), d(2020, 2, 3)) is DatePrecision.YEAR
    assert covering_precision(d(2019, 12, 31), d(2020, 1, 1)) is DatePrecision.WEEK
    assert covering_precision(d(2019, 12, 20), d(2020, 1, 10)) is None


def test_decoding_prefers_utf8_then_western_text_then_the_detector():
    assert decode("\ufeffa;ñ".encode()) == ("a;ñ", "utf-8")
    assert decode("MUNICIPIO;BOGOTÁ\n".encode("cp1252"))[0] == "MUNICIPIO;BOGOTÁ\n"
    russian = "имя;город\nИван;Москва\nПётр;Санкт-Петербург\n"
    assert decode(russian.encode("cp1251")) == (russian, "cp1251")
    with pytest.raises(FileImportError):
        decode(b"\x00\x01\x02" * 100)


def test_the_record_id_is_the_documented_hash_of_the_source_texts(tmp_path):
    mapping = load_mapping(write_mapping(tmp_path, INCIDENT_MAPPING.replace(
        "  record_id: [id, ID]\n", "")))
    source = write_csv(tmp_path / "x.csv", [["date", "area", "weapon", "count"],
                                            ["01/02/2020", "XX-01", "ARMA DE FUEGO", "2"]])
    table = read_table(source, mapping.read)
    bound = bind(mapping, table, 1)
    _, row = next(table.rows)
    expected = json.dumps({"occurred_on": "01/02/2020", "area_code": "XX-01",
                           "weapon": "ARMA DE FUEGO"}, sort_keys=True, ensure_ascii=False,
                          separators=(",", ":"))
    assert bound.record_hash(row) == hashlib.sha256(expected.encode()).hexdigest()


def test_every_error_code_used_by_the_pipeline_is_documented():
    import pathlib
    import re

    folder = pathlib.Path(__file__).resolve().parents[1] / "salus" / "ingestion"
    used = set()
    for path in folder.glob("*.py"):
        used |= set(re.findall(r'"([a-z]+\.[a-z_]+)"', path.read_text(encoding="utf-8")))
    used = {c for c in used if c.split(".")[0] in {p.split(".")[0] for p in CODES}}
    assert used <= set(CODES), used - set(CODES)
    docs = (folder.parents[1] / "docs" / "import.md").read_text(encoding="utf-8")
    assert all(f"`{code}`" in docs for code in CODES)


texts = st.one_of(st.none(), st.text(max_size=8))
persons = st.builds(Person, sex=st.sampled_from(Sex), outcome=st.sampled_from(Outcome),
                    age=st.builds(AgeRange, st.one_of(st.none(), st.integers(0, 99)),
                                  st.one_of(st.none(), st.integers(0, 99))),
                    age_band=texts, given_name=texts,
                    date_of_birth=st.one_of(st.none(), st.dates()))
incidents = st.builds(
    Incident,
    occurred=st.builds(OccurrenceDate, st.dates(), st.sampled_from(DatePrecision)),
    area_code=st.text(max_size=6), iccs_code=st.sampled_from(["0101", "0107"]),
    source=st.builds(SourceRecord, st.text(max_size=5), st.text(max_size=5),
                     st.text(max_size=5), texts),
    occurred_time=st.one_of(st.none(), st.times()),
    point=st.one_of(st.none(), st.builds(Point, st.floats(-180, 180), st.floats(-90, 90),
                                         st.sampled_from(LocationPrecision))),
    weapons=st.lists(st.builds(Weapon, st.text(max_size=5)), max_size=2),
    persons=st.lists(persons, max_size=3), narrative=texts,
    sensitivity=st.sampled_from(Sensitivity),
    declared_killed=st.one_of(st.none(), st.integers(0, 10**6)), uid=texts)


@settings(max_examples=200, deadline=None)
@given(incidents)
def test_the_fast_content_hash_equals_the_models(incident):
    assert content_hash(incident) == incident.content_hash()
