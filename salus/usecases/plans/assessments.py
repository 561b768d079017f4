"""Community safety assessments: survey figures, consultations, problems and their ranking.

One function per user action. An assessment belongs to one community (an area of the admin
tree); problems raised in consultations are scored 1–5 on frequency, severity, community
concern and feasibility and ranked by the weighted mean (method and tie-break in
:mod:`salus.domain.plans`). Perception-survey results are entered as figures with their
source (no survey module computes them yet). Reading: ``dashboard`` + area scope; writing:
``edit_plans``; every write is audited.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from salus.domain import plans as sp
from salus.domain.accounts.roles import Viewer
from salus.storage import plans as p
from salus.storage import schema as t
from salus.usecases.errors import NotFound, ValidationFailed
from salus.usecases.plans.common import (
    area_by_id,
    area_ref,
    as_date,
    audit,
    can_read,
    check_read,
    check_write,
    checked,
    new_id,
    now,
    optional_text,
    required_text,
    rule_errors,
)
from salus.usecases.scope import area_condition, subtree


@dataclass(frozen=True, slots=True)
class AssessmentSpec:
    area: str
    title: str
    period_start: dt.date
    period_end: dt.date
    status: str = "in_progress"
    weights: Mapping[str, float] = field(default_factory=dict)
    summary: str | None = None


@dataclass(frozen=True, slots=True)
class SurveySpec:
    question: str
    value: float
    unit: str
    source: str
    sample_size: int | None = None
    collected_on: dt.date | None = None


@dataclass(frozen=True, slots=True)
class ConsultationSpec:
    kind: str
    held_on: dt.date
    place: str
    participants: Sequence[Mapping[str, Any]]
    facilitator: str | None = None
    notes: str | None = None


@dataclass(frozen=True, slots=True)
class ProblemSpec:
    category: str
    title: str
    raised_by: Sequence[Mapping[str, Any]] = ()
    """``{constituency, consultation_id?}`` for each group that raised it."""
    root_causes: Sequence[str] = ()
    description: str | None = None
    location: str | None = None
    scores: Mapping[str, float | None] = field(default_factory=dict)


# ---------------------------------------------------------------- writing


def create_assessment(engine: sa.Engine, viewer: Viewer, spec: AssessmentSpec) -> int:
    """Open an assessment of one community; returns its id."""
    title = required_text(spec.title, "title")
    with rule_errors():
        sp.check_period(spec.period_start, spec.period_end, "period_end")
        weights = sp.check_weights(spec.weights)
        if spec.status not in sp.ASSESSMENT_STATUSES:
            raise sp.PlanRuleError("status", f"{spec.status!r} is not one of "
                                             f"{', '.join(sp.ASSESSMENT_STATUSES)}")
    with engine.begin() as conn:
        area = area_ref(conn, spec.area)
        check_write(conn, viewer, area.id)
        values = {"area_id": area.id, "title": title, "period_start": spec.period_start,
                  "period_end": spec.period_end, "status": spec.status, "weights": weights,
                  "summary": optional_text(spec.summary, "summary", 5000),
                  "created_by": viewer.username, "created_at": now(), "updated_at": now()}
        assessment_id = new_id(conn.execute(p.community_assessment.insert().values(values)))
        audit(conn, viewer, "create", "community_assessment", assessment_id, None, values)
    return assessment_id


def _assessment_row(conn: sa.Connection, assessment_id: int) -> Any:
    row = conn.execute(sa.select(p.community_assessment)
                       .where(p.community_assessment.c.id == assessment_id)).first()
    if row is None:
        raise NotFound(f"no assessment {assessment_id}")
    return row


def _for_write(conn: sa.Connection, viewer: Viewer, assessment_id: int) -> Any:
    row = _assessment_row(conn, assessment_id)
    check_write(conn, viewer, row.area_id)
    return row


def set_weights(engine: sa.Engine, viewer: Viewer, assessment_id: int,
                weights: Mapping[str, float]) -> dict[str, float]:
    """Change the criterion weights of the prioritisation matrix."""
    checked_weights = checked(lambda: sp.check_weights(weights))
    with engine.begin() as conn:
        row = _for_write(conn, viewer, assessment_id)
        conn.execute(p.community_assessment.update()
                     .where(p.community_assessment.c.id == assessment_id)
                     .values(weights=checked_weights, updated_at=now()))
        audit(conn, viewer, "set_weights", "community_assessment", assessment_id,
              {"weights": row.weights}, {"weights": checked_weights})
    return checked_weights


def add_survey_result(engine: sa.Engine, viewer: Viewer, assessment_id: int,
                      spec: SurveySpec) -> int:
    """Record one perception-survey figure (e.g. share feeling safe after dark, SDG 16.1.4)."""
    values = {"assessment_id": assessment_id,
              "question": required_text(spec.question, "question"),
              "value": float(spec.value), "unit": required_text(spec.unit, "unit", 40),
              "source": required_text(spec.source, "source"),
              "sample_size": spec.sample_size, "collected_on": spec.collected_on}
    if spec.sample_size is not None and spec.sample_size < 1:
        raise ValidationFailed([{"field": "sample_size", "code": "invalid",
                                 "message": f"{spec.sample_size} is not a positive size"}])
    if spec.unit == "%" and not 0 <= spec.value <= 100:
        raise ValidationFailed([{"field": "value", "code": "invalid",
                                 "message": f"{spec.value:g} % is outside 0 to 100"}])
    with engine.begin() as conn:
        _for_write(conn, viewer, assessment_id)
        survey_id = new_id(conn.execute(p.assessment_survey.insert().values(values)))
        audit(conn, viewer, "create", "assessment_survey", survey_id, None, values)
    return survey_id


def add_consultation(engine: sa.Engine, viewer: Viewer, assessment_id: int,
                     spec: ConsultationSpec) -> int:
    """Record a meeting or focus group with its participants by sex, age and constituency."""
    with rule_errors():
        sp.check_code("consultation_kind", spec.kind, "kind")
        cells = sp.participants(spec.participants)
    if cells.total == 0:
        raise ValidationFailed([{"field": "participants", "code": "required",
                                 "message": "a consultation needs at least one participant"}])
    values = {"assessment_id": assessment_id, "kind": spec.kind, "held_on": spec.held_on,
              "place": required_text(spec.place, "place", 200),
              "facilitator": optional_text(spec.facilitator, "facilitator", 200),
              "participants": [{"sex": s, "age_group": a, "constituency": c, "count": n}
                               for s, a, c, n in cells.cells],
              "notes": optional_text(spec.notes, "notes", 5000)}
    with engine.begin() as conn:
        _for_write(conn, viewer, assessment_id)
        consultation_id = new_id(conn.execute(p.assessment_consultation.insert().values(values)))
        audit(conn, viewer, "create", "assessment_consultation", consultation_id, None, values)
    return consultation_id


def _scores(scores: Mapping[str, float | None]) -> dict[str, float | None]:
    unknown = set(scores) - set(sp.CRITERIA)
    if unknown:
        raise sp.PlanRuleError(f"scores.{sorted(unknown)[0]}",
                               f"unknown criterion (known: {', '.join(sp.CRITERIA)})")
    return {name: sp.check_score(scores.get(name), f"scores.{name}") for name in sp.CRITERIA}


def _sources(conn: sa.Connection, assessment_id: int,
             raised_by: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for i, source in enumerate(raised_by):
        group = sp.check_code("constituency", str(source.get("constituency", "")),
                              f"raised_by[{i}].constituency")
        consultation = source.get("consultation_id")
        if consultation is not None:
            found = conn.execute(sa.select(p.assessment_consultation.c.id).where(
                p.assessment_consultation.c.id == consultation,
                p.assessment_consultation.c.assessment_id == assessment_id)).first()
            if found is None:
                raise sp.PlanRuleError(f"raised_by[{i}].consultation_id",
                                       f"no consultation {consultation} in this assessment")
        out.append({"constituency": group, "consultation_id": consultation})
    return out


def add_problem(engine: sa.Engine, viewer: Viewer, assessment_id: int, spec: ProblemSpec) -> int:
    """Record a problem raised, its root causes, where, and who raised it."""
    causes = [c.strip() for c in spec.root_causes if c and c.strip()]
    values: dict[str, Any] = {
        "assessment_id": assessment_id, "title": required_text(spec.title, "title"),
        "description": optional_text(spec.description, "description", 5000),
        "location": optional_text(spec.location, "location", 200), "root_causes": causes}
    with engine.begin() as conn:
        _for_write(conn, viewer, assessment_id)
        with rule_errors():
            values["category"] = sp.check_code("problem_category", spec.category, "category")
            values.update(_scores(spec.scores))
            sources = _sources(conn, assessment_id, spec.raised_by)
        problem_id = new_id(conn.execute(p.assessment_problem.insert().values(values)))
        for source in sources:
            conn.execute(p.problem_source.insert().values(problem_id=problem_id, **source))
        audit(conn, viewer, "create", "assessment_problem", problem_id, None,
              {**values, "raised_by": sources})
    return problem_id


def score_problem(engine: sa.Engine, viewer: Viewer, problem_id: int,
                  scores: Mapping[str, float | None]) -> None:
    """Set a problem's criterion scores (a missing criterion keeps its score)."""
    with engine.begin() as conn:
        row = conn.execute(sa.select(p.assessment_problem)
                           .where(p.assessment_problem.c.id == problem_id)).first()
        if row is None:
            raise NotFound(f"no problem {problem_id}")
        _for_write(conn, viewer, row.assessment_id)
        current = {n: getattr(row, n) for n in sp.CRITERIA}
        new = checked(lambda: _scores({**current, **scores}))
        conn.execute(p.assessment_problem.update()
                     .where(p.assessment_problem.c.id == problem_id).values(**new))
        audit(conn, viewer, "score", "assessment_problem", problem_id, current, new)


# ---------------------------------------------------------------- reading


@dataclass(frozen=True, slots=True)
class ProblemView:
    id: int
    category: str
    title: str
    description: str | None
    location: str | None
    root_causes: list[str]
    raised_by: list[str]
    consultations: int
    scores: dict[str, float | None]
    concern_derived: bool
    rank: int
    priority: float
    complete: bool


@dataclass(frozen=True, slots=True)
class AssessmentView:
    id: int
    area_code: str
    area_name: str
    title: str
    period_start: dt.date
    period_end: dt.date
    status: str
    weights: dict[str, float]
    summary: str | None
    surveys: list[dict[str, Any]]
    consultations: list[dict[str, Any]]
    problems: list[ProblemView]
    participants_by_sex: dict[str, int]
    participants_by_constituency: dict[str, int]


def get_assessment(engine: sa.Engine, viewer: Viewer, assessment_id: int) -> AssessmentView:
    """An assessment with its ranked problems (public viewers: no facilitators or notes)."""
    with engine.connect() as conn:
        row = _assessment_row(conn, assessment_id)
        check_read(conn, viewer, row.area_id)
        area = area_by_id(conn, row.area_id)
        surveys = [dict(r) for r in conn.execute(
            sa.select(p.assessment_survey).where(p.assessment_survey.c.assessment_id
                                                 == assessment_id)
            .order_by(p.assessment_survey.c.id)).mappings()]
        consultations = _consultations(conn, assessment_id, viewer.public)
        problems = _problems(conn, assessment_id, consultations, row.weights)
    totals = sp.Participants(tuple(
        (c["sex"], c["age_group"], c["constituency"], c["count"])
        for k in consultations for c in k["participants"]))
    return AssessmentView(
        row.id, area.code, area.name, row.title, as_date(row.period_start) or dt.date.min,
        as_date(row.period_end) or dt.date.min, row.status, dict(row.weights),
        row.summary, surveys, consultations, problems, totals.by(0), totals.by(2))


def _consultations(conn: sa.Connection, assessment_id: int, public: bool) -> list[dict[str, Any]]:
    c = p.assessment_consultation
    out = []
    for r in conn.execute(sa.select(c).where(c.c.assessment_id == assessment_id)
                          .order_by(c.c.held_on, c.c.id)).mappings():
        item = dict(r)
        item["held_on"] = as_date(item["held_on"])
        item["total"] = sum(int(x["count"]) for x in item["participants"])
        if public:
            item["facilitator"] = None
            item["notes"] = None
        out.append(item)
    return out


def _problems(conn: sa.Connection, assessment_id: int, consultations: list[dict[str, Any]],
              weights: Mapping[str, float]) -> list[ProblemView]:
    consulted = {c["constituency"] for k in consultations for c in k["participants"]
                 if c["count"] > 0}
    ps, src = p.assessment_problem, p.problem_source
    rows = conn.execute(sa.select(ps).where(ps.c.assessment_id == assessment_id)).all()
    sources: dict[int, list[Any]] = {}
    for s in conn.execute(sa.select(src).join(ps, ps.c.id == src.c.problem_id)
                          .where(ps.c.assessment_id == assessment_id)):
        sources.setdefault(s.problem_id, []).append(s)
    scored, extra = [], {}
    for r in rows:
        groups = sorted({s.constituency for s in sources.get(r.id, [])})
        concern = r.concern
        derived = concern is None and bool(groups)
        if derived:
            concern = sp.derived_concern(len(groups), len(consulted | set(groups)))
        scores = {"frequency": r.frequency, "severity": r.severity, "concern": concern,
                  "feasibility": r.feasibility}
        scored.append(sp.Scored(r.id, **scores))
        held = {s.consultation_id for s in sources.get(r.id, []) if s.consultation_id}
        extra[r.id] = (r, groups, len(held), scores, derived)
    ranking = sp.prioritise(scored, weights)
    out = []
    for ranked in ranking:
        r, groups, count, scores, derived = extra[ranked.problem_id]
        out.append(ProblemView(r.id, r.category, r.title, r.description, r.location,
                               list(r.root_causes or []), groups, count, scores, derived,
                               ranked.rank, ranked.priority, ranked.complete))
    return out


@dataclass(frozen=True, slots=True)
class AssessmentSummary:
    id: int
    area_code: str
    area_name: str
    title: str
    period_start: dt.date
    period_end: dt.date
    status: str
    problems: int


def list_assessments(engine: sa.Engine, viewer: Viewer,
                     area: str | None = None) -> list[AssessmentSummary]:
    """Assessments in the viewer's scope (and under ``area`` when given), newest first."""
    can_read(viewer)
    ca, ps = p.community_assessment, p.assessment_problem
    count = (sa.select(sa.func.count()).where(ps.c.assessment_id == ca.c.id)
             .scalar_subquery())
    q = (sa.select(ca.c.id, t.area.c.code, t.area.c.name, ca.c.title, ca.c.period_start,
                   ca.c.period_end, ca.c.status, count.label("problems"))
         .join(t.area, t.area.c.id == ca.c.area_id)
         .where(*area_condition(ca.c.area_id, viewer))
         .order_by(ca.c.period_end.desc(), ca.c.id.desc()))
    with engine.connect() as conn:
        if area:
            root = area_ref(conn, area)
            q = q.where(ca.c.area_id.in_(subtree(root.id)))
        rows = conn.execute(q).all()
    return [AssessmentSummary(r.id, r.code, r.name, r.title, as_date(r.period_start) or dt.date.min,
                              as_date(r.period_end) or dt.date.min, r.status, int(r.problems))
            for r in rows]
