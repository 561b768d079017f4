"""The domain model: dates with precision, natural keys, content hashes, taxonomies."""

from __future__ import annotations

import datetime as dt

from salus.domain import taxonomy
from salus.domain.incidents.model import (
    AgeRange,
    DatePrecision,
    Incident,
    OccurrenceDate,
    Person,
    Role,
    SourceRecord,
)


def _incident(**overrides: object) -> Incident:
    base: dict[str, object] = {
        "occurred": OccurrenceDate.of(dt.date(2023, 5, 17), "day"),
        "area_code": "X1",
        "iccs_code": "0101",
        "source": SourceRecord("police", "National Police", "R-1"),
    }
    base.update(overrides)
    return Incident(**base)  # type: ignore[arg-type]


def test_a_month_precision_date_covers_the_whole_month() -> None:
    d = OccurrenceDate.of(dt.date(2024, 2, 17), DatePrecision.MONTH)
    assert (d.start, d.end) == (dt.date(2024, 2, 1), dt.date(2024, 2, 29))


def test_a_week_precision_date_starts_on_the_monday_of_its_iso_week() -> None:
    d = OccurrenceDate.of(dt.date(2026, 11, 26), "week")
    assert (d.start, d.end) == (dt.date(2026, 11, 23), dt.date(2026, 11, 29))


def test_a_year_precision_date_covers_the_year() -> None:
    d = OccurrenceDate.of(dt.date(2021, 7, 4), "year")
    assert (d.start, d.end) == (dt.date(2021, 1, 1), dt.date(2021, 12, 31))


def test_the_natural_key_is_source_type_name_and_record_id() -> None:
    assert _incident().natural_key() == ("police", "National Police", "R-1")


def test_the_content_hash_ignores_the_record_id_but_not_the_content() -> None:
    a = _incident()
    b = _incident(source=SourceRecord("police", "National Police", "R-2"))
    c = _incident(narrative="changed")
    assert a.content_hash() == b.content_hash()
    assert a.content_hash() != c.content_hash()


def test_victims_are_the_persons_with_the_victim_role() -> None:
    inc = _incident(persons=[Person(role=Role.VICTIM), Person(role=Role.PERPETRATOR)])
    assert len(inc.victims()) == 1


def test_a_person_with_a_name_is_identifying() -> None:
    assert Person(given_name="Ana").identifying
    assert not Person(age=AgeRange.exact(30)).identifying


def test_iccs_codes_form_a_tree_with_levels() -> None:
    iccs = taxonomy.load("iccs")
    assert iccs.level("01") == 1
    assert iccs.level("0101") == 2
    assert iccs.level("020111") == 4
    assert {"0101", "0102"} <= iccs.descendants("01")


def test_every_taxonomy_has_labels_in_the_six_un_languages() -> None:
    for list_id in taxonomy.available():
        for code in taxonomy.load(list_id):
            assert set(taxonomy.LANGUAGES) <= set(code.labels), (list_id, code.code)


def test_age_bands_of_a_scheme_come_in_ascending_order() -> None:
    bands = taxonomy.age_bands("sdg")
    assert [taxonomy.age_band_range(b.code)[0] for b in bands] == [0, 15, 30, 45, 60]
    assert taxonomy.age_band_range(bands[-1].code)[1] is None
