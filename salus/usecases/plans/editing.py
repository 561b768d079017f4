"""Community safety plans: objectives, actions, indicators and progress updates (writing).

A plan belongs to one community (an area) and may follow an assessment. Actions have a
responsible actor (code list ``responsible_actor``), partners, dates, a budget with currency
and funding source, and a status; indicators have a baseline, a target in a stated direction
and a target date, and may be LINKED to a computed indicator of the observatory
(``{indicator, filters, measure, months}``) whose current value is computed on demand (see
:mod:`salus.usecases.plans.views`). Progress updates carry a note and evidence (text or a link).
Writing needs ``edit_plans`` inside the viewer's area; every write is audited; bad input is
refused with the field named and nothing changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa

from salus.analytics.indicators.definitions import load_definitions
from salus.domain import plans as sp
from salus.domain.accounts.roles import Viewer
from salus.storage import plans as p
from salus.usecases.errors import NotFound, ValidationFailed
from salus.usecases.indicators.dashboard import definitions_folder
from salus.usecases.plans.common import (
    area_ref,
    audit,
    check_write,
    new_id,
    now,
    optional_text,
    required_text,
    rule_errors,
)

LINK_KEYS = ("indicator", "filters", "measure", "months")
MEASURES = ("count", "rate")


@dataclass(frozen=True, slots=True)
class PlanSpec:
    area: str
    title: str
    period_start: dt.date
    period_end: dt.date
    assessment_id: int | None = None
    status: str = "adopted"


@dataclass(frozen=True, slots=True)
class ActionSpec:
    objective_id: int
    title: str
    responsible: str
    partners: Sequence[str] = ()
    start_on: dt.date | None = None
    due_on: dt.date | None = None
    budget: float | str | None = None
    currency: str | None = None
    funding_source: str | None = None
    status: str = "planned"


@dataclass(frozen=True, slots=True)
class IndicatorSpec:
    name: str
    unit: str
    direction: str
    baseline: float
    baseline_on: dt.date
    target: float
    target_on: dt.date
    objective_id: int | None = None
    link: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class ProgressSpec:
    reported_on: dt.date
    action_id: int | None = None
    indicator_id: int | None = None
    status: str | None = None
    value: float | None = None
    note: str | None = None
    evidence: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


def create_plan(engine: sa.Engine, viewer: Viewer, spec: PlanSpec) -> int:
    """Create a plan for a community; returns its id."""
    title = required_text(spec.title, "title")
    with rule_errors():
        sp.check_period(spec.period_start, spec.period_end, "period_end")
        if spec.status not in sp.PLAN_STATUSES:
            raise sp.PlanRuleError("status", f"{spec.status!r} is not one of "
                                             f"{', '.join(sp.PLAN_STATUSES)}")
    with engine.begin() as conn:
        area = area_ref(conn, spec.area)
        check_write(conn, viewer, area.id)
        if spec.assessment_id is not None:
            _check_assessment(conn, spec.assessment_id, area.id)
        values = {"area_id": area.id, "assessment_id": spec.assessment_id, "title": title,
                  "period_start": spec.period_start, "period_end": spec.period_end,
                  "status": spec.status, "created_by": viewer.username,
                  "created_at": now(), "updated_at": now()}
        plan_id = new_id(conn.execute(p.safety_plan.insert().values(values)))
        audit(conn, viewer, "create", "safety_plan", plan_id, None, values)
    return plan_id


def _check_assessment(conn: sa.Connection, assessment_id: int, area_id: int) -> None:
    found = conn.execute(sa.select(p.community_assessment.c.area_id)
                         .where(p.community_assessment.c.id == assessment_id)).first()
    if found is None or found.area_id != area_id:
        raise ValidationFailed([{"field": "assessment_id", "code": "invalid",
                                 "message": f"no assessment {assessment_id} of this community"}])


def plan_row(conn: sa.Connection, plan_id: int) -> Any:
    row = conn.execute(sa.select(p.safety_plan).where(p.safety_plan.c.id == plan_id)).first()
    if row is None:
        raise NotFound(f"no plan {plan_id}")
    return row


def _writable(conn: sa.Connection, viewer: Viewer, plan_id: int) -> Any:
    row = plan_row(conn, plan_id)
    check_write(conn, viewer, row.area_id)
    return row


def _child(conn: sa.Connection, table: sa.Table, child_id: int | None, plan_id: int,
           name: str) -> None:
    if child_id is None:
        return
    found = conn.execute(sa.select(table.c.id).where(table.c.id == child_id,
                                                     table.c.plan_id == plan_id)).first()
    if found is None:
        raise ValidationFailed([{"field": name, "code": "invalid",
                                 "message": f"no {name.removesuffix('_id')} {child_id} "
                                            f"in plan {plan_id}"}])


def add_objective(engine: sa.Engine, viewer: Viewer, plan_id: int, title: str,
                  problem_id: int | None = None) -> int:
    """Add an objective (optionally answering a problem of the plan's assessment)."""
    values = {"plan_id": plan_id, "title": required_text(title, "title"),
              "problem_id": problem_id}
    with engine.begin() as conn:
        plan = _writable(conn, viewer, plan_id)
        if problem_id is not None:
            found = conn.execute(sa.select(p.assessment_problem.c.id).where(
                p.assessment_problem.c.id == problem_id,
                p.assessment_problem.c.assessment_id == plan.assessment_id)).first()
            if found is None:
                raise ValidationFailed([{"field": "problem_id", "code": "invalid",
                                         "message": f"no problem {problem_id} in the plan's "
                                                    "assessment"}])
        objective_id = new_id(conn.execute(p.plan_objective.insert().values(values)))
        audit(conn, viewer, "create", "plan_objective", objective_id, None, values)
    return objective_id


def _money(spec: ActionSpec) -> tuple[Decimal | None, str | None]:
    if spec.budget is None or spec.budget == "":
        return None, None
    try:
        budget = Decimal(str(spec.budget))
    except InvalidOperation:
        raise sp.PlanRuleError("budget", f"{spec.budget!r} is not an amount") from None
    if not budget.is_finite() or budget < 0:
        raise sp.PlanRuleError("budget", f"{spec.budget!r} is not an amount >= 0")
    currency = (spec.currency or "").strip().upper()
    if len(currency) != 3 or not currency.isalpha():
        raise sp.PlanRuleError("currency", f"{spec.currency!r} is not an ISO 4217 code "
                                           "(three letters)")
    return budget.quantize(Decimal("0.01")), currency


def _action_values(spec: ActionSpec) -> dict[str, Any]:
    with rule_errors():
        sp.check_code("responsible_actor", spec.responsible, "responsible")
        for i, partner in enumerate(spec.partners):
            sp.check_code("responsible_actor", partner, f"partners[{i}]")
        sp.check_code("action_status", spec.status, "status")
        sp.check_period(spec.start_on, spec.due_on, "due_on")
        budget, currency = _money(spec)
    return {"objective_id": spec.objective_id, "title": required_text(spec.title, "title"),
            "responsible": spec.responsible, "partners": list(spec.partners),
            "start_on": spec.start_on, "due_on": spec.due_on, "budget": budget,
            "currency": currency,
            "funding_source": optional_text(spec.funding_source, "funding_source", 200),
            "status": spec.status, "updated_at": now()}


def add_action(engine: sa.Engine, viewer: Viewer, plan_id: int, spec: ActionSpec) -> int:
    """Add an action under one of the plan's objectives."""
    values = {"plan_id": plan_id, **_action_values(spec)}
    with engine.begin() as conn:
        _writable(conn, viewer, plan_id)
        _child(conn, p.plan_objective, spec.objective_id, plan_id, "objective_id")
        action_id = new_id(conn.execute(p.plan_action.insert().values(values)))
        audit(conn, viewer, "create", "plan_action", action_id, None, values)
    return action_id


def check_link(link: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A link to a computed indicator: a known definition, valid filters, a measure."""
    if not link:
        return None
    unknown = set(link) - set(LINK_KEYS)
    if unknown:
        raise sp.PlanRuleError(f"link.{sorted(unknown)[0]}",
                               f"unknown key (known: {', '.join(LINK_KEYS)})")
    known = load_definitions([definitions_folder()])
    indicator = str(link.get("indicator", ""))
    if indicator not in known:
        raise sp.PlanRuleError("link.indicator", f"unknown indicator {indicator!r} "
                                                 f"(known: {', '.join(sorted(known))})")
    filters = dict(link.get("filters") or {})
    if "area" in filters:
        raise sp.PlanRuleError("link.filters.area", "the plan's community is the area")
    from salus.analytics.indicators.filters import DefinitionError, parse_filters

    try:
        parse_filters(filters, "link")
    except DefinitionError as exc:
        raise sp.PlanRuleError("link.filters", str(exc)) from None
    measure = str(link.get("measure", "count"))
    if measure not in MEASURES:
        raise sp.PlanRuleError("link.measure", f"{measure!r} is not one of {', '.join(MEASURES)}")
    months = link.get("months", 12)
    if isinstance(months, bool) or not isinstance(months, int) or not 1 <= months <= 60:
        raise sp.PlanRuleError("link.months", f"{months!r} is not a whole number of months 1–60")
    return {"indicator": indicator, "filters": filters, "measure": measure, "months": months}


def add_indicator(engine: sa.Engine, viewer: Viewer, plan_id: int, spec: IndicatorSpec) -> int:
    """Add an indicator with baseline and target (optionally linked to a computed one)."""
    with rule_errors():
        sp.check_target(float(spec.baseline), float(spec.target), spec.direction)
        sp.check_period(spec.baseline_on, spec.target_on, "target_on")
        link = check_link(spec.link)
    values = {"plan_id": plan_id, "objective_id": spec.objective_id,
              "name": required_text(spec.name, "name"),
              "unit": required_text(spec.unit, "unit", 60),
              "direction": spec.direction, "baseline": float(spec.baseline),
              "baseline_on": spec.baseline_on, "target": float(spec.target),
              "target_on": spec.target_on, "link": link}
    with engine.begin() as conn:
        _writable(conn, viewer, plan_id)
        _child(conn, p.plan_objective, spec.objective_id, plan_id, "objective_id")
        indicator_id = new_id(conn.execute(p.plan_indicator.insert().values(values)))
        audit(conn, viewer, "create", "plan_indicator", indicator_id, None, values)
    return indicator_id


def record_progress(engine: sa.Engine, viewer: Viewer, plan_id: int, spec: ProgressSpec) -> int:
    """A progress update: an action's new status, or a manual indicator's new value."""
    if (spec.action_id is None) == (spec.indicator_id is None):
        raise ValidationFailed([{"field": "action_id", "code": "invalid",
                                 "message": "name either an action or an indicator"}])
    with rule_errors():
        if spec.action_id is not None and spec.status is not None:
            sp.check_code("action_status", spec.status, "status")
        if spec.indicator_id is not None and spec.value is None:
            raise sp.PlanRuleError("value", "an indicator update needs a value")
        if spec.action_id is not None and spec.status is None and not spec.note:
            raise sp.PlanRuleError("status", "an action update needs a status or a note")
    values = {"plan_id": plan_id, "action_id": spec.action_id,
              "indicator_id": spec.indicator_id, "reported_on": spec.reported_on,
              "value": spec.value, "status": spec.status,
              "note": optional_text(spec.note, "note", 5000),
              "evidence": optional_text(spec.evidence, "evidence", 500),
              "reported_by": viewer.username, "created_at": now()}
    with engine.begin() as conn:
        _writable(conn, viewer, plan_id)
        _child(conn, p.plan_action, spec.action_id, plan_id, "action_id")
        _child(conn, p.plan_indicator, spec.indicator_id, plan_id, "indicator_id")
        if spec.indicator_id is not None:
            _manual_only(conn, spec.indicator_id)
        progress_id = new_id(conn.execute(p.plan_progress.insert().values(values)))
        if spec.action_id is not None and spec.status is not None:
            _set_status(conn, viewer, spec.action_id, spec.status)
        audit(conn, viewer, "create", "plan_progress", progress_id, None, values)
    return progress_id


def _manual_only(conn: sa.Connection, indicator_id: int) -> None:
    link = conn.execute(sa.select(p.plan_indicator.c.link)
                        .where(p.plan_indicator.c.id == indicator_id)).scalar()
    if link:
        raise ValidationFailed([{"field": "indicator_id", "code": "computed",
                                 "message": f"indicator {indicator_id} is computed from the "
                                            "observatory; its value cannot be entered"}])


def _set_status(conn: sa.Connection, viewer: Viewer, action_id: int, status: str) -> None:
    before = conn.execute(sa.select(p.plan_action.c.status)
                          .where(p.plan_action.c.id == action_id)).scalar()
    conn.execute(p.plan_action.update().where(p.plan_action.c.id == action_id)
                 .values(status=status, updated_at=now()))
    audit(conn, viewer, "status", "plan_action", action_id, {"status": before},
          {"status": status})
