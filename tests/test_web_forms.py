"""The shared form reader of the web app (salus.web.forms): typed values, errors per field."""

from __future__ import annotations

import datetime as dt

import pytest
from starlette.datastructures import FormData

from salus import i18n
from salus.usecases.errors import ValidationFailed
from salus.web.forms import FormReader, place_errors


def test_it_reads_typed_values_and_keeps_the_text_for_redisplay() -> None:
    form = FormData([("on", " 2024-03-01 "), ("budget", "15,5"), ("year", "1999"),
                     ("kind", "b"), ("partners", "x"), ("partners", "y"), ("csrf_token", "t")])
    r = FormReader(form, lists={"partners"})
    assert r.date("on") == dt.date(2024, 3, 1) and r.number("budget") == 15.5
    assert r.integer("year") == 1999 and r.choice("kind", ["a", "b"]) == "b"
    assert r.items("partners") == ["x", "y"] and r.optional("missing") is None
    assert r.values["on"] == "2024-03-01" and "csrf_token" not in r.values
    r.done()


def test_it_collects_every_unreadable_field_and_raises_them_together() -> None:
    r = FormReader(FormData([("on", "03/01/2024"), ("year", "soon"), ("kind", "z")]))
    r.date("on")
    r.integer("year")
    r.choice("kind", ["a"])
    r.required("title")
    with pytest.raises(ValidationFailed) as refused:
        r.done()
    assert {e["field"]: e["code"] for e in refused.value.errors} == {
        "on": "invalid", "year": "invalid", "kind": "invalid", "title": "required"}
    assert refused.value.errors[0]["value"] == "03/01/2024"


def test_its_messages_follow_the_page_language() -> None:
    token = i18n.current_language.set("fr")
    try:
        r = FormReader(FormData([("year", "soon")]))
        r.integer("year")
    finally:
        i18n.current_language.reset(token)
    assert r.errors[0]["message"] == "Indiquez un nombre entier."


def test_errors_go_beside_the_field_they_name_or_above_the_form() -> None:
    errors = [{"field": "partners[1]"}, {"field": "link.filters"}, {"field": "holder"},
              {"field": "title"}]
    beside, general = place_errors(errors, {"partners", "link_filters", "title"},
                                   lambda name: name.replace("link.", "link_"))
    assert sorted(beside) == ["link_filters", "partners", "title"]
    assert general == [{"field": "holder"}]
