"""Community safety assessments, problems, plans, actions, indicators, progress (issue 7).

Tables: community_assessment, assessment_survey, assessment_consultation, assessment_problem,
problem_source, safety_plan, plan_objective, plan_action, plan_indicator, plan_progress (see
``salus/storage/plans_schema.py``).

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
TABLES = ("community_assessment", "assessment_survey", "assessment_consultation",
          "assessment_problem", "problem_source", "safety_plan", "plan_objective",
          "plan_action", "plan_indicator", "plan_progress")


def _fk(table: str, column: str, target: str, cascade: bool = True) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"],
                                   ondelete="CASCADE" if cascade else None,
                                   name=op.f(f"fk_{table}_{column}_{target}"))


def _pk(table: str) -> sa.PrimaryKeyConstraint:
    return sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}"))


def upgrade() -> None:
    _assessments()
    _plans()
    for table in TABLES[1:]:
        parent = "plan_id" if table.startswith("plan_") else (
            "problem_id" if table == "problem_source" else "assessment_id")
        if table == "safety_plan":
            parent = "area_id"
        op.create_index(f"ix_{table}_{parent}", table, [parent])
    op.create_index("ix_community_assessment_area_id", "community_assessment", ["area_id"])


def _assessments() -> None:
    op.create_table(
        "community_assessment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("weights", sa.JSON(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        _fk("community_assessment", "area_id", "area", cascade=False),
        _pk("community_assessment"),
    )
    op.create_table(
        "assessment_survey",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("question", sa.String(300), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(40), nullable=False),
        sa.Column("sample_size", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(300), nullable=False),
        sa.Column("collected_on", sa.Date(), nullable=True),
        _fk("assessment_survey", "assessment_id", "community_assessment"),
        _pk("assessment_survey"),
    )
    op.create_table(
        "assessment_consultation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("place", sa.String(200), nullable=False),
        sa.Column("facilitator", sa.String(200), nullable=True),
        sa.Column("participants", sa.JSON(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        _fk("assessment_consultation", "assessment_id", "community_assessment"),
        _pk("assessment_consultation"),
    )
    op.create_table(
        "assessment_problem",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(40), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("root_causes", sa.JSON(), nullable=False),
        sa.Column("location", sa.String(200), nullable=True),
        *(sa.Column(c, sa.Float(), nullable=True)
          for c in ("frequency", "severity", "concern", "feasibility")),
        _fk("assessment_problem", "assessment_id", "community_assessment"),
        _pk("assessment_problem"),
    )
    op.create_table(
        "problem_source",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("problem_id", sa.Integer(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=True),
        sa.Column("constituency", sa.String(40), nullable=False),
        _fk("problem_source", "problem_id", "assessment_problem"),
        _fk("problem_source", "consultation_id", "assessment_consultation"),
        _pk("problem_source"),
    )


def _plans() -> None:
    op.create_table(
        "safety_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        _fk("safety_plan", "area_id", "area", cascade=False),
        _fk("safety_plan", "assessment_id", "community_assessment", cascade=False),
        _pk("safety_plan"),
    )
    op.create_table(
        "plan_objective",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("problem_id", sa.Integer(), nullable=True),
        _fk("plan_objective", "plan_id", "safety_plan"),
        _fk("plan_objective", "problem_id", "assessment_problem", cascade=False),
        _pk("plan_objective"),
    )
    op.create_table(
        "plan_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("objective_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("responsible", sa.String(40), nullable=False),
        sa.Column("partners", sa.JSON(), nullable=False),
        sa.Column("start_on", sa.Date(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("budget", sa.Numeric(14, 2), nullable=True),
        sa.Column("currency", sa.String(3), nullable=True),
        sa.Column("funding_source", sa.String(200), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        _fk("plan_action", "plan_id", "safety_plan"),
        _fk("plan_action", "objective_id", "plan_objective"),
        _pk("plan_action"),
    )
    op.create_table(
        "plan_indicator",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("objective_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("unit", sa.String(60), nullable=False),
        sa.Column("direction", sa.String(10), nullable=False),
        sa.Column("baseline", sa.Float(), nullable=False),
        sa.Column("baseline_on", sa.Date(), nullable=False),
        sa.Column("target", sa.Float(), nullable=False),
        sa.Column("target_on", sa.Date(), nullable=False),
        sa.Column("link", sa.JSON(), nullable=True),
        _fk("plan_indicator", "plan_id", "safety_plan"),
        _fk("plan_indicator", "objective_id", "plan_objective"),
        _pk("plan_indicator"),
    )
    op.create_table(
        "plan_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=True),
        sa.Column("indicator_id", sa.Integer(), nullable=True),
        sa.Column("reported_on", sa.Date(), nullable=False),
        sa.Column("value", sa.Float(), nullable=True),
        sa.Column("status", sa.String(20), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("evidence", sa.String(500), nullable=True),
        sa.Column("reported_by", sa.String(100), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        _fk("plan_progress", "plan_id", "safety_plan"),
        _fk("plan_progress", "action_id", "plan_action"),
        _fk("plan_progress", "indicator_id", "plan_indicator"),
        _pk("plan_progress"),
    )


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
