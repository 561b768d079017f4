"""The whole flow on SQLite and PostgreSQL: assessment → priorities → plan → progress → a
linked indicator that moves when incidents are recorded; flags; roll-up; bad input."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from plans_support import TODAY, observatory

from salus.domain.accounts.roles import SYSTEM_VIEWER
from salus.storage import plans as p
from salus.storage import schema as t
from salus.usecases.errors import ValidationFailed
from salus.usecases.incidents.write import create_incident
from salus.usecases.plans import assessments
from salus.usecases.plans import editing as up
from salus.usecases.plans import rollup as assessment_rollup
from salus.usecases.plans import views as plan_views

ADMIN = SYSTEM_VIEWER


def _homicide(day: dt.date, n: int) -> dict[str, object]:
    return {"occurred_on": day.isoformat(), "area_code": "R1-A", "iccs_code": "0101",
            "source_type": "police", "source_name": "test", "record_id": f"new-{n}",
            "persons": [{"role": "victim", "sex": "male", "age": "30", "outcome": "killed"}]}


def test_the_whole_flow_from_assessment_to_an_indicator_that_moves(engine: sa.Engine) -> None:
    built = observatory(engine, cast=False)
    view = assessments.get_assessment(engine, ADMIN, built.assessment_id)
    # street lighting: high frequency and feasibility; raised by 2 of the 3 groups consulted
    assert view.problems[0].title == "Dark streets near the market"
    assert view.problems[0].scores["concern"] == pytest.approx(1 + 4 * 2 / 3, abs=0.01)
    assert view.problems[0].concern_derived and view.participants_by_sex["female"] == 21
    assessments.set_weights(engine, ADMIN, built.assessment_id, {"severity": 3})
    reranked = assessments.get_assessment(engine, ADMIN, built.assessment_id)
    assert reranked.problems[0].title.startswith("Domestic violence")

    plan = plan_views.get_plan(engine, ADMIN, built.plan_id, TODAY)
    linked = next(i for i in plan.indicators if i.id == built.linked_indicator)
    # the seeded incidents stop in June 2024, before the baseline date (2024-06-30)
    assert linked.current is None and linked.before_baseline
    for n in range(3):
        create_incident(engine, ADMIN, _homicide(TODAY - dt.timedelta(days=10 + n), n))
    after = next(i for i in plan_views.get_plan(engine, ADMIN, built.plan_id, TODAY).indicators
                 if i.id == built.linked_indicator)
    # 3 victims from 2024-07-01 to 2024-12-21 (174 days), scaled to 12 months (366 days)
    assert after.counted_from == dt.date(2024, 7, 1) and after.as_of == dt.date(2024, 12, 21)
    assert after.current == round(3 * 366 / 174, 1)
    assert after.off_track and after.progress.reason == "moving_away"


def test_a_linked_indicator_counts_progress_only_from_its_baseline_date(
        engine: sa.Engine) -> None:
    from web_support import client, sign_in

    built = observatory(engine)
    for n in range(4):      # after the seeded incidents, before the baseline (2024-06-30)
        create_incident(engine, ADMIN, _homicide(dt.date(2024, 6, 10 + n), n))
    linked = next(i for i in plan_views.get_plan(engine, ADMIN, built.plan_id, TODAY).indicators
                  if i.id == built.linked_indicator)
    assert linked.current is None and linked.progress.achieved is None
    ana = client(engine)
    sign_in(ana, "ana")
    row = _indicator_row(ana.get(f"/plans/{built.plan_id}").text, built.linked_indicator)
    assert "no data since the baseline" in row
    for n in range(2):
        create_incident(engine, ADMIN, _homicide(TODAY, 10 + n))
    linked = next(i for i in plan_views.get_plan(engine, ADMIN, built.plan_id, TODAY).indicators
                  if i.id == built.linked_indicator)
    # 2 victims in 2024-07-01..2024-12-31 (184 days) scaled to the 366 days of the 12 months;
    # the 3 seeded victims and the 4 of June, before the baseline, are not counted
    assert linked.counted_from == dt.date(2024, 7, 1)
    assert linked.current == round(2 * 366 / 184, 1)
    row = _indicator_row(ana.get(f"/plans/{built.plan_id}").text, built.linked_indicator)
    assert f"<td>{linked.current:g} (" in row and "counted from" in row
    exported = ana.get(f"/plans/{built.plan_id}/export.html?lang=fr").text
    assert "compté à partir du" in exported          # the plan's document says so too


def _indicator_row(html: str, indicator_id: int) -> str:
    import re

    found = re.search(rf'<tr id="indicator-{indicator_id}">.*?</tr>', html, re.S)
    assert found, "the indicator is not on the page"
    return found.group(0)


def test_progress_updates_move_actions_and_manual_indicators(engine: sa.Engine) -> None:
    built = observatory(engine, cast=False)
    plan = plan_views.get_plan(engine, ADMIN, built.plan_id, TODAY)
    assert [a.id for a in plan.overdue] == [built.actions[0]]       # due 2024-10-31, planned
    up.record_progress(engine, ADMIN, built.plan_id, up.ProgressSpec(
        TODAY, action_id=built.actions[0], status="done", note="Amnesty held",
        evidence="https://example.org/amnesty-report"))
    up.record_progress(engine, ADMIN, built.plan_id, up.ProgressSpec(
        TODAY, indicator_id=built.manual_indicator, value=47, note="Survey wave 2"))
    plan = plan_views.get_plan(engine, ADMIN, built.plan_id, TODAY)
    assert plan.overdue == [] and plan.by_status == {"done": 1, "planned": 1}
    manual = next(i for i in plan.indicators if i.id == built.manual_indicator)
    assert manual.current == 47 and manual.off_track                # 48 → 47: wrong way
    assert any(u["evidence"] for u in plan.updates)
    with engine.connect() as conn:
        actions = set(conn.scalars(sa.select(t.audit_event.c.action).where(
            t.audit_event.c.entity.in_(("plan_progress", "plan_action")))).all())
    assert actions == {"create", "status"}
    with pytest.raises(ValidationFailed) as err:
        up.record_progress(engine, ADMIN, built.plan_id, up.ProgressSpec(
            TODAY, indicator_id=built.linked_indicator, value=2))
    assert err.value.errors[0]["code"] == "computed"


def test_the_roll_up_counts_problems_and_causes_across_the_region(engine: sa.Engine) -> None:
    observatory(engine, cast=False)
    other = assessments.create_assessment(engine, ADMIN, assessments.AssessmentSpec(
        "R1-B", "Assessment of R1-B", dt.date(2024, 1, 1), dt.date(2024, 3, 31)))
    assessments.add_problem(engine, ADMIN, other, assessments.ProblemSpec(
        "domestic_violence", "Violence at home", root_causes=["alcohol  abuse", "Poverty"]))
    south = assessments.create_assessment(engine, ADMIN, assessments.AssessmentSpec(
        "R2-A", "Assessment of R2-A", dt.date(2024, 1, 1), dt.date(2024, 3, 31)))
    assessments.add_problem(engine, ADMIN, south, assessments.ProblemSpec("drugs", "Drugs"))
    north = assessment_rollup.rollup(engine, ADMIN, "R1")
    assert north.assessments == 2
    top = north.categories[0]
    assert (top.category, top.assessments, top.communities) == ("domestic_violence", 2, 2)
    assert top.root_causes[0] == ("Alcohol abuse", 2)
    assert "drugs" not in {c.category for c in north.categories}
    national = assessment_rollup.rollup(engine, ADMIN)
    assert national.assessments == 3 and "drugs" in {c.category for c in national.categories}


def _count(engine: sa.Engine, table: sa.Table) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


BAD_ACTIONS = [
    (dict(start_on=dt.date(2025, 1, 1), due_on=dt.date(2024, 1, 1)), "due_on"),
    (dict(responsible="wizard"), "responsible"),
    (dict(partners=["police", "aliens"]), "partners[1]"),
    (dict(budget="12k", currency="EUR"), "budget"),
    (dict(budget="100", currency="euro"), "currency"),
    (dict(status="finished"), "status"),
    (dict(objective_id=9999), "objective_id"),
]
BAD_INDICATORS = [
    (dict(target=3), "target"),
    (dict(target=9), "target"),
    (dict(target_on=dt.date(2020, 1, 1)), "target_on"),
    (dict(link={"indicator": "no-such"}), "link.indicator"),
    (dict(link={"indicator": "sdg-16-1-1", "filters": {"ofence": "01"}}), "link.filters"),
    (dict(link={"indicator": "sdg-16-1-1", "measure": "mood"}), "link.measure"),
]


def test_a_bad_action_or_indicator_is_refused_naming_the_field_and_nothing_is_stored(
        engine: sa.Engine) -> None:
    built = observatory(engine, cast=False)
    before = [_count(engine, table) for table in (p.plan_action, p.plan_indicator,
                                                  t.audit_event)]
    base: dict[str, object] = dict(objective_id=built.objective_id, title="x",
                                   responsible="police")
    for spec, field in BAD_ACTIONS:
        with pytest.raises(ValidationFailed) as err:
            up.add_action(engine, ADMIN, built.plan_id, up.ActionSpec(**{**base, **spec}))
        assert err.value.errors[0]["field"] == field, spec
    base = dict(name="n", unit="u", direction="decrease", baseline=3,
                baseline_on=dt.date(2024, 1, 1), target=1, target_on=dt.date(2025, 1, 1))
    for change, field in BAD_INDICATORS:
        with pytest.raises(ValidationFailed) as err:
            up.add_indicator(engine, ADMIN, built.plan_id,
                             up.IndicatorSpec(**{**base, **change}))
        assert err.value.errors[0]["field"] == field, change
    after = [_count(engine, table) for table in (p.plan_action, p.plan_indicator,
                                                 t.audit_event)]
    assert after == before


def test_bad_assessment_input_is_refused_and_nothing_is_stored(engine: sa.Engine) -> None:
    built = observatory(engine, cast=False)
    counts = _count(engine, p.community_assessment), _count(engine, p.assessment_problem)
    with pytest.raises(ValidationFailed) as err:
        assessments.create_assessment(engine, ADMIN, assessments.AssessmentSpec(
            "R1-A", "x", dt.date(2024, 1, 1), dt.date(2024, 2, 1),
            weights={"frequency": 0, "severity": 0, "concern": 0, "feasibility": 0}))
    assert err.value.errors[0]["field"] == "weights"
    with pytest.raises(ValidationFailed) as err:
        assessments.create_assessment(engine, ADMIN, assessments.AssessmentSpec(
            "NOPE", "x", dt.date(2024, 1, 1), dt.date(2024, 2, 1)))
    assert err.value.errors[0]["field"] == "area"
    with pytest.raises(ValidationFailed) as err:
        assessments.add_problem(engine, ADMIN, built.assessment_id, assessments.ProblemSpec(
            "theft", "x", raised_by=[{"constituency": "women", "consultation_id": 999}]))
    assert err.value.errors[0]["field"] == "raised_by[0].consultation_id"
    with pytest.raises(ValidationFailed) as err:
        assessments.add_problem(engine, ADMIN, built.assessment_id, assessments.ProblemSpec(
            "aliens", "x"))
    assert err.value.errors[0]["field"] == "category"
    with pytest.raises(ValidationFailed) as err:
        assessments.score_problem(engine, ADMIN, built.problems[0], {"severity": 9})
    assert err.value.errors[0]["field"] == "scores.severity"
    assert (_count(engine, p.community_assessment), _count(engine, p.assessment_problem)) == counts
