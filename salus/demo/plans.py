"""Demo community safety assessments and plans (issue 7) for two districts of Verdania.

The two districts (admin level 2) with the most recorded incidents in the demo's last year get
an assessment of its first half-year (three consultations, a perception-survey figure, four
problems with root causes and scores) and a plan running from July of that year to the end of
the next, with actions (some done, some late), budgets in EUR and indicators LINKED to the
district's homicide victims and domestic-violence firearm deaths over 12 months (baseline: the
computed value at the end of the assessment; target: 30 % fewer), so the plan's progress moves
with the data. Everything goes through the use cases (validated, audited as ``demo``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from salus.domain.accounts.roles import Viewer
from salus.storage import plans as p
from salus.storage import schema as t
from salus.usecases.plans import assessments as ua
from salus.usecases.plans import editing as up
from salus.usecases.plans.views import linked_value

DEMO_ACTOR = Viewer.for_role("demo", "admin")
D = dt.date


def busiest_districts(engine: sa.Engine, year: int, n: int = 2) -> list[str]:
    """Codes of the ``n`` level-2 areas with the most incidents in ``year`` (ties by code)."""
    inc, anc, area = t.incident, t.area_ancestor, t.area
    q = (sa.select(area.c.code, sa.func.count().label("n"))
         .select_from(inc.join(anc, anc.c.area_id == inc.c.area_id)
                      .join(area, area.c.id == anc.c.ancestor_id))
         .where(anc.c.ancestor_level == 2, inc.c.occurred_on >= D(year, 1, 1),
                inc.c.occurred_on <= D(year, 12, 31))
         .group_by(area.c.code).order_by(sa.desc("n"), area.c.code).limit(n))
    with engine.connect() as conn:
        return [str(r.code) for r in conn.execute(q)]


def _people(women: int, youth: int, others: dict[str, int]) -> list[dict[str, Any]]:
    cells = [("female", "18-35", "women", women // 2),
             ("female", "36-59", "women", women - women // 2),
             ("male", "18-35", "youth", youth // 2),
             ("female", "18-35", "youth", youth - youth // 2)]
    rows: list[dict[str, Any]] = [{"sex": s, "age_group": a, "constituency": c, "count": n}
                                  for s, a, c, n in cells]
    rows += [{"sex": "male", "age_group": "36-59", "constituency": k, "count": v}
             for k, v in others.items()]
    return rows


def _assessment(engine: sa.Engine, district: str, year: int) -> tuple[int, list[int]]:
    a = ua.create_assessment(engine, DEMO_ACTOR, ua.AssessmentSpec(
        district, f"Community safety assessment {district} {year}", D(year, 1, 15),
        D(year, 6, 30), status="completed",
        summary="Joint assessment by the municipal safety council, police and civil society."))
    town = ua.add_consultation(engine, DEMO_ACTOR, a, ua.ConsultationSpec(
        "meeting", D(year, 2, 12), "Municipal hall", _people(14, 9, {
            "police": 4, "authorities": 3, "community_leaders": 5, "cso": 4}),
        facilitator="Demo facilitator (municipal safety council)"))
    women = ua.add_consultation(engine, DEMO_ACTOR, a, ua.ConsultationSpec(
        "focus_group", D(year, 3, 4), "Women's centre", _people(11, 0, {})))
    youth = ua.add_consultation(engine, DEMO_ACTOR, a, ua.ConsultationSpec(
        "focus_group", D(year, 3, 18), "Secondary school", _people(0, 16, {"minorities": 3})))
    ua.add_survey_result(engine, DEMO_ACTOR, a, ua.SurveySpec(
        "Feel safe walking alone in their area after dark (SDG 16.1.4)", 46.0, "%",
        f"Municipal perception survey {year} (demo figure)", 612, D(year, 4, 30)))
    problems = [
        ("domestic_violence", "Shootings and threats with firearms at home",
         [("women", women), ("police", town), ("cso", town)],
         ["Unregistered firearms kept at home", "Alcohol abuse", "Few shelters and services"],
         {"frequency": 4, "severity": 5, "feasibility": 3}),
        ("street_lighting", "Dark streets between the market and the bus station",
         [("women", women), ("youth", youth), ("community_leaders", town)],
         ["No maintenance budget for street lights"], {"frequency": 5, "severity": 3,
                                                       "feasibility": 5}),
        ("youth_gangs", "Youth groups carrying knives near schools",
         [("youth", youth), ("police", town)],
         ["Unemployment", "School drop-out", "Alcohol abuse"],
         {"frequency": 3, "severity": 4, "feasibility": 3}),
        ("celebratory_shooting", "Celebratory shooting at weddings",
         [("community_leaders", town), ("minorities", youth)],
         ["Tradition", "Unregistered firearms kept at home"],
         {"frequency": 2, "severity": 4, "feasibility": 4}),
    ]
    ids = [ua.add_problem(engine, DEMO_ACTOR, a, ua.ProblemSpec(
        cat, title, [{"constituency": g, "consultation_id": c} for g, c in raised], causes,
        scores=scores)) for cat, title, raised, causes, scores in problems]
    return a, ids


def _plan(engine: sa.Engine, district: str, year: int, assessment: int,
          problems: list[int]) -> int:
    plan = up.create_plan(engine, DEMO_ACTOR, up.PlanSpec(
        district, f"Community safety plan {district} {year}–{year + 1}", D(year, 7, 1),
        D(year + 1, 12, 31), assessment_id=assessment))
    homes = up.add_objective(engine, DEMO_ACTOR, plan, "Fewer firearms in homes and fewer "
                             "shootings in families", problems[0])
    streets = up.add_objective(engine, DEMO_ACTOR, plan, "Safe streets after dark", problems[1])
    actions = [
        (homes, "Voluntary weapons surrender campaign", "police", ["municipality", "cso"],
         D(year, 9, 1), D(year, 11, 30), 15000, "UNDP small-arms control project", "done"),
        (homes, "Referral path for survivors with social services", "social_services",
         ["women_group", "health_services"], D(year, 9, 1), D(year + 1, 3, 31), 8000,
         "Municipal budget", "in_progress"),
        (streets, "Repair and add 120 street lights", "municipality", ["private_sector"],
         D(year, 10, 1), D(year + 1, 4, 30), 42000, "Municipal budget", "delayed"),
        (streets, "Youth safety walks with community police", "youth_group",
         ["police", "school"], D(year, 10, 1), D(year + 1, 9, 30), 3000, "CSO small grant",
         "in_progress"),
    ]
    for objective, title, who, partners, start, due, budget, fund, status in actions:
        up.add_action(engine, DEMO_ACTOR, plan, up.ActionSpec(
            objective, title, who, partners, start, due, budget, "EUR", fund, status))
    links = [
        ("Homicide victims in the district over 12 months", "victims",
         {"indicator": "sdg-16-1-1", "measure": "count", "months": 12}),
        ("Firearm deaths in domestic violence over 12 months", "deaths",
         {"indicator": "firearm-deaths-by-context", "measure": "count", "months": 12,
          "filters": {"misuse_context": "domestic_violence"}}),
    ]
    for name, unit, link in links:
        baseline, _hidden = linked_value(engine, link, district, D(year, 6, 30))
        if not baseline or baseline < 2:      # nothing to reduce: no target can be set
            continue
        up.add_indicator(engine, DEMO_ACTOR, plan, up.IndicatorSpec(
            name, unit, "decrease", baseline, D(year, 6, 30), float(int(baseline * 0.7)),
            D(year + 1, 12, 31), homes, link=link))
    manual = up.add_indicator(engine, DEMO_ACTOR, plan, up.IndicatorSpec(
        "Residents who feel safe after dark", "%", "increase", 46, D(year, 6, 30), 60,
        D(year + 1, 12, 31), streets))
    up.record_progress(engine, DEMO_ACTOR, plan, up.ProgressSpec(
        D(year, 12, 15), indicator_id=manual, value=49.0,
        note="Short survey after the first lights were installed", evidence="Survey note"))
    return plan


def seed_plans(engine: sa.Engine, years: tuple[int, int]) -> list[int]:
    """Assessments and plans for the demo's two busiest districts; returns the plan ids."""
    year = years[1]
    plans = []
    for district in busiest_districts(engine, year):
        assessment, problems = _assessment(engine, district, year)
        plans.append(_plan(engine, district, year, assessment, problems))
    return plans


def clear_plans(conn: sa.Connection) -> None:
    """Delete the demo's assessments and plans, children first (any backend, any pragma)."""
    plans = sa.select(p.safety_plan.c.id).where(
        p.safety_plan.c.created_by == DEMO_ACTOR.username)
    for table in (p.plan_progress, p.plan_indicator, p.plan_action, p.plan_objective):
        conn.execute(table.delete().where(table.c.plan_id.in_(plans)))
    conn.execute(p.safety_plan.delete().where(p.safety_plan.c.id.in_(plans)))
    found = sa.select(p.community_assessment.c.id).where(
        p.community_assessment.c.created_by == DEMO_ACTOR.username)
    problems = sa.select(p.assessment_problem.c.id).where(
        p.assessment_problem.c.assessment_id.in_(found))
    conn.execute(p.problem_source.delete().where(p.problem_source.c.problem_id.in_(problems)))
    for table in (p.assessment_problem, p.assessment_consultation, p.assessment_survey):
        conn.execute(table.delete().where(table.c.assessment_id.in_(found)))
    conn.execute(p.community_assessment.delete().where(p.community_assessment.c.id.in_(found)))
