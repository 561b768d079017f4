"""XLSForms read with pyxform and KoBo/ODK submissions read against them (no database)."""

from __future__ import annotations

import pytest
from surveys_support import DISTRICTS, ROLES, kobo_csv, kobo_xlsx, sample, xlsform

from salus.domain.surveys.forms import Form, pick_label
from salus.domain.surveys.indicators import IndicatorError, load_indicators, parse_mapping
from salus.ingestion.surveys.submissions import read_submissions
from salus.ingestion.surveys.tables import read_sheets
from salus.ingestion.surveys.xlsform import FormReadError, read_xlsform

AREAS = {code.lower(): code for code in DISTRICTS} | {f"district {c}".lower(): c
                                                      for c in DISTRICTS}


def _form() -> Form:
    return read_xlsform(xlsform(), "safety.xlsx")


def test_an_xlsform_keeps_its_questions_groups_repeats_and_labels_in_both_languages() -> None:
    form = _form()
    assert (form.form_id, form.version, form.title) == (
        "safety_2024", "2024.1", "Community safety perception survey")
    assert form.languages == ("English (en)", "Français (fr)")
    walk = form.question("safe_walk")
    assert walk is not None and walk.path == "safety/safe_walk" and walk.type == "select_one"
    assert pick_label(walk.labels, "fr").startswith("Vous sentez-vous en sécurité")
    victim = form.question("victim")
    assert victim is not None and victim.type == "select_multiple"
    assert form.choice_label("violence", "sexual", "fr") == "Violence sexuelle"
    assert form.choice_label("sex", "1", "en") == "Female"
    member = form.question("member_age")
    assert member is not None and member.repeat == "hh" and form.repeats == ("hh",)
    assert Form.from_json(form.to_json()) == form


def test_a_workbook_that_is_not_an_xlsform_is_refused_with_pyxforms_reason() -> None:
    bad = xlsform(extra_rows=[("select_one nolist", "broken", "Broken", "Cassé", "", "")])
    with pytest.raises(FormReadError, match="nolist"):
        read_xlsform(bad, "bad.xlsx")
    with pytest.raises(FormReadError, match=r"x\.xlsx: .*(not an XLSForm|supported type)"):
        read_xlsform(b"not a workbook at all", "x.xlsx")


def test_a_kobo_csv_export_is_read_with_split_select_multiple_columns_and_roles() -> None:
    s = sample(per_psu=3)
    read = read_submissions(_form(), read_sheets(kobo_csv(s), "export.csv"), AREAS, ROLES)
    assert read.errors == [] and len(read.respondents) == len(s.main) == 36
    first, row = read.respondents[0], s.main[0]
    assert first.key == row["_uuid"] and first.area_code == row["district"]
    assert first.sex == "female" if row["sex"] == "1" else "male"
    assert first.stratum == "urban" and first.psu == "u0" and first.weight == row["weight"]
    assert first.age == row["age"] and first.age_band is not None
    assert first.answers["victim"] == row["victim"]
    assert first.answers["safe_walk"] == row["safe_walk"]
    assert {"_id", "_submission_time", "start"} <= set(read.unknown_columns)
    assert first.extra["_submission_time"] == "2024-05-02T10:00:00"


def test_split_columns_alone_give_the_select_multiple_answer() -> None:
    s = sample(per_psu=2)
    text = kobo_csv(s, delimiter=",").decode()
    lines = [line.split(",") for line in text.splitlines()]
    drop = lines[0].index("safety/victim")
    kept = "\n".join(",".join(c for i, c in enumerate(line) if i != drop) for line in lines)
    read = read_submissions(_form(), read_sheets(kept.encode(), "odk.csv"), AREAS, ROLES)
    assert read.errors == []
    assert [r.answers["victim"] for r in read.respondents] == [r["victim"] for r in s.main]


def test_an_xlsx_export_links_its_repeat_sheet_rows_to_their_submissions() -> None:
    s = sample(per_psu=2)
    read = read_submissions(_form(), read_sheets(kobo_xlsx(s), "export.xlsx"), AREAS, ROLES)
    assert read.errors == [] and read.repeat_rows == len(s.members)
    parent = s.members[0]["_parent_index"]
    mine = [m["member_age"] for m in s.members if m["_parent_index"] == parent]
    assert [m["member_age"] for m in read.respondents[parent - 1].repeats["hh"]] == mine


def test_each_bad_value_is_an_error_naming_its_row_column_and_value() -> None:
    s = sample(per_psu=2)
    s.main[0]["safe_walk"] = "quite_safe"
    s.main[1]["district"] = "Atlantis"
    s.main[2]["age"] = "forty"
    s.main[3]["weight"] = ""
    read = read_submissions(_form(), read_sheets(kobo_csv(s), "export.csv"), AREAS, ROLES)
    found = {(e.row, e.column, e.value, e.code) for e in read.errors}
    assert found == {(2, "safety/safe_walk", "quite_safe", "code.unknown"),
                     (3, "district", "Atlantis", "area.unknown"),
                     (4, "age", "forty", "number.invalid"),
                     (5, "weight", "", "value.missing")}


def test_areas_are_matched_by_name_as_well_as_by_code() -> None:
    s = sample(per_psu=1)
    s.main[0]["district"] = "district r2-b"
    read = read_submissions(_form(), read_sheets(kobo_csv(s), "export.csv"), AREAS, ROLES)
    assert read.errors == [] and read.respondents[0].area_code == "R2-B"


def test_a_file_whose_columns_are_not_the_forms_questions_is_refused() -> None:
    from salus.ingestion.errors import FileImportError

    with pytest.raises(FileImportError, match="no column is a question"):
        read_submissions(_form(), read_sheets(b"a;b\n1;2\n", "other.csv"), AREAS)


def test_the_six_sdg_16_survey_indicators_cite_their_official_metadata() -> None:
    found = load_indicators()
    assert sorted(i.sdg for i in found.values()) == [
        "16.1.3", "16.1.4", "16.3.1", "16.6.2", "16.7.2", "16.b.1"]
    for indicator in found.values():
        assert "unstats.un.org/sdgs/metadata" in indicator.metadata["reference"]
        assert indicator.by == ("sex", "age_band", "disability", "area")
    assert found["sdg-16-b-1"].metadata["also"] == "10.3.1"


def test_an_indicator_mapping_without_values_is_refused_naming_the_part() -> None:
    with pytest.raises(IndicatorError, match=r"numerator\[0\].values"):
        parse_mapping({"numerator": {"question": "safe_walk"}})
    mapping = parse_mapping({"numerator": {"question": "reported", "values": "yes"},
                             "denominator": [{"question": "victim",
                                              "values": ["physical", "sexual"]}]})
    assert mapping.questions() == ["reported", "victim"]
