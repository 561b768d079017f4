"""Helpers for the community-safety tests: a seeded observatory with one assessment and plan.

Uses the small observatory of :mod:`web_support` (country C → regions R1, R2 → districts
R1-A … R2-B; incidents 2023–2024) and builds, through the use cases, an assessment of R1-A
with two consultations and three problems, and a plan with objectives, actions and indicators
(one linked to the homicide count of the district).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from web_support import add_cast, seed

from salus.domain.accounts.roles import SYSTEM_VIEWER, Viewer
from salus.usecases.plans import assessments as ua
from salus.usecases.plans import editing as up

TODAY = dt.date(2024, 12, 31)
ANA = Viewer.for_role("ana", "analyst")
MONTY_R1 = Viewer.for_role("monty", "community_monitor", area_id=None, area_code="R1")
PUBLIC = Viewer.for_role("public", "public")


@dataclass(frozen=True, slots=True)
class Built:
    assessment_id: int
    consultations: tuple[int, int]
    problems: tuple[int, int, int]
    plan_id: int
    objective_id: int
    actions: tuple[int, int]
    linked_indicator: int
    manual_indicator: int


def participants(women: int, youth: int, police: int) -> list[dict[str, object]]:
    return [{"sex": "female", "age_group": "18-35", "constituency": "women", "count": women},
            {"sex": "male", "age_group": "18-35", "constituency": "youth", "count": youth},
            {"sex": "male", "age_group": "36-59", "constituency": "police", "count": police}]


def build(engine: sa.Engine, viewer: Viewer = SYSTEM_VIEWER) -> Built:
    assessment = ua.create_assessment(engine, viewer, ua.AssessmentSpec(
        "R1-A", "Safety assessment of District R1-A", dt.date(2024, 1, 1), dt.date(2024, 6, 30)))
    c1 = ua.add_consultation(engine, viewer, assessment, ua.ConsultationSpec(
        "meeting", dt.date(2024, 2, 10), "Town hall", participants(12, 8, 3),
        facilitator="Facilitator Secret-Name"))
    c2 = ua.add_consultation(engine, viewer, assessment, ua.ConsultationSpec(
        "focus_group", dt.date(2024, 3, 5), "Youth centre",
        [{"sex": "female", "age_group": "18-35", "constituency": "youth", "count": 9}]))
    ua.add_survey_result(engine, viewer, assessment, ua.SurveySpec(
        "Feel safe walking alone after dark", 48.0, "%", "Household survey 2024", 400))
    p1 = ua.add_problem(engine, viewer, assessment, ua.ProblemSpec(
        "domestic_violence", "Domestic violence with firearms at home",
        raised_by=[{"constituency": "women", "consultation_id": c1},
                   {"constituency": "police", "consultation_id": c1}],
        root_causes=["Unregistered firearms at home", "Alcohol abuse"],
        scores={"frequency": 4, "severity": 5, "feasibility": 3}))
    p2 = ua.add_problem(engine, viewer, assessment, ua.ProblemSpec(
        "street_lighting", "Dark streets near the market",
        raised_by=[{"constituency": "youth", "consultation_id": c2},
                   {"constituency": "women", "consultation_id": c1}],
        root_causes=["No maintenance budget"],
        scores={"frequency": 5, "severity": 3, "feasibility": 5}))
    p3 = ua.add_problem(engine, viewer, assessment, ua.ProblemSpec(
        "youth_gangs", "Youth gangs at the bus station",
        raised_by=[{"constituency": "police", "consultation_id": c1}],
        root_causes=["Unemployment"], scores={"frequency": 2, "severity": 4, "feasibility": 2}))
    plan = up.create_plan(engine, viewer, up.PlanSpec(
        "R1-A", "Community safety plan R1-A 2024–2025", dt.date(2024, 7, 1),
        dt.date(2025, 12, 31), assessment_id=assessment))
    objective = up.add_objective(engine, viewer, plan, "Fewer homicides at home", p1)
    a1 = up.add_action(engine, viewer, plan, up.ActionSpec(
        objective, "Weapons amnesty campaign", "police", ["municipality", "cso"],
        dt.date(2024, 7, 1), dt.date(2024, 10, 31), "12000", "EUR", "UNDP SALW project"))
    a2 = up.add_action(engine, viewer, plan, up.ActionSpec(
        objective, "Street lights on market road", "municipality", [],
        dt.date(2024, 8, 1), dt.date(2025, 6, 30), 30000, "EUR", "Municipal budget"))
    linked = up.add_indicator(engine, viewer, plan, up.IndicatorSpec(
        "Homicide victims in the district (12 months)", "victims", "decrease", 3,
        dt.date(2024, 6, 30), 1, dt.date(2025, 12, 31), objective,
        link={"indicator": "sdg-16-1-1", "measure": "count", "months": 12}))
    manual = up.add_indicator(engine, viewer, plan, up.IndicatorSpec(
        "Share feeling safe after dark", "%", "increase", 48, dt.date(2024, 6, 30), 70,
        dt.date(2025, 12, 31), objective))
    return Built(assessment, (c1, c2), (p1, p2, p3), plan, objective, (a1, a2), linked, manual)


def observatory(engine: sa.Engine, per_district: int = 6, cast: bool = True) -> Built:
    seed(engine, per_district=per_district)
    if cast:
        add_cast(engine, scoped_area="R1")
    return build(engine)
