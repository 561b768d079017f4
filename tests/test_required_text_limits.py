"""The plans' and the surveys' text fields share one rule
(:func:`salus.usecases.errors.required_text`) with each feature's own limit: 300 characters in
plans, 200 in surveys; blank text is ``required``, longer text ``too_long``, both naming the
field."""

from __future__ import annotations

import pytest

from salus.usecases.errors import ValidationFailed
from salus.usecases.plans import common as plans
from salus.usecases.surveys import common as surveys


@pytest.mark.parametrize(("check", "limit"), [(plans.required_text, 300),
                                              (surveys.required_text, 200)])
def test_a_feature_s_text_is_trimmed_and_held_to_its_own_limit(check, limit) -> None:  # type: ignore[no-untyped-def]
    assert check("  " + "x" * limit + " ", "title") == "x" * limit
    with pytest.raises(ValidationFailed) as long:
        check("x" * (limit + 1), "title")
    assert long.value.errors == [{"field": "title", "code": "too_long",
                                  "message": f"title is longer than {limit} characters"}]
    with pytest.raises(ValidationFailed) as blank:
        check("   ", "name")
    assert blank.value.errors[0] | {"message": ""} == {"field": "name", "code": "required",
                                                       "message": ""}


def test_an_optional_plan_text_is_none_when_blank_and_checked_when_given() -> None:
    assert plans.optional_text("  ", "note") is None
    assert plans.optional_text(" a note ", "note") == "a note"
    with pytest.raises(ValidationFailed):
        plans.optional_text("x" * 301, "note")
