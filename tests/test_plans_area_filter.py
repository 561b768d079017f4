"""Plan and assessment lists filtered by an area keep the records of its subtree (the area
itself and every area below it, :func:`salus.usecases.scope.subtree`) and no others; an
unknown area code is refused naming the field. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from plans_support import TODAY, observatory

from salus.domain.accounts.roles import SYSTEM_VIEWER
from salus.usecases.errors import ValidationFailed
from salus.usecases.plans import assessments as ua
from salus.usecases.plans import editing as up
from salus.usecases.plans import views as plan_views


def test_the_plan_and_assessment_lists_keep_the_subtree_of_the_area_asked_for(
        engine: sa.Engine) -> None:
    observatory(engine, per_district=1, cast=False)  # an assessment and a plan of R1-A
    ua.create_assessment(engine, SYSTEM_VIEWER, ua.AssessmentSpec(
        "R2-B", "Safety assessment of District R2-B", dt.date(2024, 1, 1),
        dt.date(2024, 6, 30)))
    up.create_plan(engine, SYSTEM_VIEWER, up.PlanSpec(
        "R2", "Regional plan R2", dt.date(2024, 7, 1), dt.date(2025, 12, 31)))
    plans = {code: [s.area_code for s in plan_views.list_plans(
        engine, SYSTEM_VIEWER, code or None, today=TODAY)] for code in ("", "C", "R1", "R2",
                                                                        "R2-B", "R1-A")}
    assert plans == {"": ["R2", "R1-A"], "C": ["R2", "R1-A"], "R1": ["R1-A"], "R2": ["R2"],
                     "R2-B": [], "R1-A": ["R1-A"]}  # same end: the newer plan first
    found = {code: [s.area_code for s in ua.list_assessments(engine, SYSTEM_VIEWER, code)]
             for code in ("R1", "R2", "R2-B", "R1-A")}
    assert found == {"R1": ["R1-A"], "R2": ["R2-B"], "R2-B": ["R2-B"], "R1-A": ["R1-A"]}
    with pytest.raises(ValidationFailed) as unknown:
        ua.list_assessments(engine, SYSTEM_VIEWER, "R9")
    assert unknown.value.errors[0]["field"] == "area"
