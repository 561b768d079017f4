"""The web forms' reader turns submitted text into dates, whole and decimal numbers: an empty
field is None (a ``required`` finding where it must be given), unreadable text a finding on
that field with the value as typed; every type by the same rule."""

from __future__ import annotations

import datetime as dt

from salus.web.forms import BAD_DATE, BAD_NUMBER, BAD_WHOLE, REQUIRED, FormReader


def test_a_form_reads_dates_whole_and_decimal_numbers_and_names_what_it_cannot_read() -> None:
    form = FormReader({"on": "2024-03-01", "count": " 12 ", "share": "48,5", "bad_on": "1/3/24",
                       "bad_count": "12.5", "bad_share": "half", "empty": ""})
    assert form.date("on") == dt.date(2024, 3, 1)
    assert form.integer("count") == 12 and form.number("share") == 48.5
    assert form.errors == []
    assert form.date("bad_on") is None and form.integer("bad_count") is None
    assert form.number("bad_share") is None
    assert [(e["field"], e["code"], e["message"], e["value"]) for e in form.errors] == [
        ("bad_on", "invalid", BAD_DATE, "1/3/24"), ("bad_count", "invalid", BAD_WHOLE, "12.5"),
        ("bad_share", "invalid", BAD_NUMBER, "half")]


def test_an_empty_field_is_none_and_required_only_where_the_type_says_so() -> None:
    form = FormReader({"empty": ""})
    assert form.integer("empty") is None and form.errors == []  # whole numbers: optional
    assert form.date("empty", required=False) is None and form.errors == []
    assert form.date("empty") is None and form.number("empty") is None
    assert form.integer("empty", required=True) is None
    assert [(e["field"], e["code"], e["message"]) for e in form.errors] == [
        ("empty", "required", REQUIRED)] * 3
