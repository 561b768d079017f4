"""Tables of community safety planning (issue 7, sections 1–2): assessments with their survey
figures, consultations and problems; plans with objectives, actions, indicators and progress.

Defined on :data:`salus.storage.schema.metadata` (migration ``0010``). Participants of a
consultation are a JSON list of ``{sex, age_group, constituency, count}`` cells; root causes a
JSON list of strings; the link of a plan indicator to a computed indicator a JSON object
``{indicator, filters, measure, months}`` (see ``docs/community-safety.md``).
"""

from __future__ import annotations

import sqlalchemy as sa

from salus.storage.schema import metadata

TZ = sa.DateTime(timezone=True)


def _fk(target: str, cascade: bool = True) -> sa.ForeignKey:
    return sa.ForeignKey(target, ondelete="CASCADE" if cascade else None)


community_assessment = sa.Table(
    "community_assessment",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("area_id", sa.Integer, sa.ForeignKey("area.id"), nullable=False, index=True),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("period_start", sa.Date, nullable=False),
    sa.Column("period_end", sa.Date, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("weights", sa.JSON, nullable=False),
    sa.Column("summary", sa.Text, nullable=True),
    sa.Column("created_by", sa.String(100), nullable=False),
    sa.Column("created_at", TZ, nullable=False),
    sa.Column("updated_at", TZ, nullable=False),
)

assessment_survey = sa.Table(
    "assessment_survey",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("assessment_id", sa.Integer, _fk("community_assessment.id"), nullable=False,
              index=True),
    sa.Column("question", sa.String(300), nullable=False),
    sa.Column("value", sa.Float, nullable=False),
    sa.Column("unit", sa.String(40), nullable=False),
    sa.Column("sample_size", sa.Integer, nullable=True),
    sa.Column("source", sa.String(300), nullable=False),
    sa.Column("collected_on", sa.Date, nullable=True),
)

assessment_consultation = sa.Table(
    "assessment_consultation",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("assessment_id", sa.Integer, _fk("community_assessment.id"), nullable=False,
              index=True),
    sa.Column("kind", sa.String(30), nullable=False),
    sa.Column("held_on", sa.Date, nullable=False),
    sa.Column("place", sa.String(200), nullable=False),
    sa.Column("facilitator", sa.String(200), nullable=True),
    sa.Column("participants", sa.JSON, nullable=False),
    sa.Column("notes", sa.Text, nullable=True),
)

assessment_problem = sa.Table(
    "assessment_problem",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("assessment_id", sa.Integer, _fk("community_assessment.id"), nullable=False,
              index=True),
    sa.Column("category", sa.String(40), nullable=False),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("root_causes", sa.JSON, nullable=False),
    sa.Column("location", sa.String(200), nullable=True),
    sa.Column("frequency", sa.Float, nullable=True),
    sa.Column("severity", sa.Float, nullable=True),
    sa.Column("concern", sa.Float, nullable=True),
    sa.Column("feasibility", sa.Float, nullable=True),
)

problem_source = sa.Table(
    "problem_source",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("problem_id", sa.Integer, _fk("assessment_problem.id"), nullable=False,
              index=True),
    sa.Column("consultation_id", sa.Integer, _fk("assessment_consultation.id"), nullable=True),
    sa.Column("constituency", sa.String(40), nullable=False),
)

safety_plan = sa.Table(
    "safety_plan",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("area_id", sa.Integer, sa.ForeignKey("area.id"), nullable=False, index=True),
    sa.Column("assessment_id", sa.Integer, sa.ForeignKey("community_assessment.id"),
              nullable=True),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("period_start", sa.Date, nullable=False),
    sa.Column("period_end", sa.Date, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("created_by", sa.String(100), nullable=False),
    sa.Column("created_at", TZ, nullable=False),
    sa.Column("updated_at", TZ, nullable=False),
)

plan_objective = sa.Table(
    "plan_objective",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("plan_id", sa.Integer, _fk("safety_plan.id"), nullable=False, index=True),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("problem_id", sa.Integer, sa.ForeignKey("assessment_problem.id"), nullable=True),
)

plan_action = sa.Table(
    "plan_action",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("plan_id", sa.Integer, _fk("safety_plan.id"), nullable=False, index=True),
    sa.Column("objective_id", sa.Integer, _fk("plan_objective.id"), nullable=False),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("responsible", sa.String(40), nullable=False),
    sa.Column("partners", sa.JSON, nullable=False),
    sa.Column("start_on", sa.Date, nullable=True),
    sa.Column("due_on", sa.Date, nullable=True),
    sa.Column("budget", sa.Numeric(14, 2), nullable=True),
    sa.Column("currency", sa.String(3), nullable=True),
    sa.Column("funding_source", sa.String(200), nullable=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("updated_at", TZ, nullable=False),
)

plan_indicator = sa.Table(
    "plan_indicator",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("plan_id", sa.Integer, _fk("safety_plan.id"), nullable=False, index=True),
    sa.Column("objective_id", sa.Integer, _fk("plan_objective.id"), nullable=True),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("unit", sa.String(60), nullable=False),
    sa.Column("direction", sa.String(10), nullable=False),
    sa.Column("baseline", sa.Float, nullable=False),
    sa.Column("baseline_on", sa.Date, nullable=False),
    sa.Column("target", sa.Float, nullable=False),
    sa.Column("target_on", sa.Date, nullable=False),
    sa.Column("link", sa.JSON, nullable=True),
)

plan_progress = sa.Table(
    "plan_progress",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("plan_id", sa.Integer, _fk("safety_plan.id"), nullable=False, index=True),
    sa.Column("action_id", sa.Integer, _fk("plan_action.id"), nullable=True),
    sa.Column("indicator_id", sa.Integer, _fk("plan_indicator.id"), nullable=True),
    sa.Column("reported_on", sa.Date, nullable=False),
    sa.Column("value", sa.Float, nullable=True),
    sa.Column("status", sa.String(20), nullable=True),
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("evidence", sa.String(500), nullable=True),
    sa.Column("reported_by", sa.String(100), nullable=False),
    sa.Column("created_at", TZ, nullable=False),
)
