"""Surveys: survey, survey_form, survey_wave, survey_design, survey_respondent (issue 14).

See ``salus/storage/surveys/schema.py``.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def _fk(table: str, column: str, target: str, cascade: bool = True) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"],
                                   ondelete="CASCADE" if cascade else None,
                                   name=op.f(f"fk_{table}_{column}_{target}"))


def upgrade() -> None:
    op.create_table(
        "survey",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("indicator_map", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        _fk("survey", "area_id", "area", cascade=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey")),
        sa.UniqueConstraint("code", name=op.f("uq_survey_code")),
    )
    op.create_table(
        "survey_form",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("form_id", sa.String(200), nullable=False),
        sa.Column("version", sa.String(100), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("default_language", sa.String(100), nullable=False),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("file_name", sa.String(300), nullable=False),
        sa.Column("imported_by", sa.String(100), nullable=False),
        sa.Column("imported_at", TZ, nullable=False),
        _fk("survey_form", "survey_id", "survey"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_form")),
        sa.UniqueConstraint("survey_id", "version", name="uq_survey_form_version"),
    )
    _waves()
    _respondents()


def _waves() -> None:
    op.create_table(
        "survey_wave",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(64), nullable=False),
        sa.Column("form_id", sa.Integer(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=True),
        sa.Column("period_end", sa.Date(), nullable=True),
        sa.Column("respondents", sa.Integer(), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("file_name", sa.String(300), nullable=True),
        sa.Column("imported_by", sa.String(100), nullable=True),
        sa.Column("imported_at", TZ, nullable=True),
        _fk("survey_wave", "survey_id", "survey"),
        _fk("survey_wave", "form_id", "survey_form", cascade=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_wave")),
        sa.UniqueConstraint("survey_id", "label", name="uq_survey_wave_label"),
    )
    op.create_table(
        "survey_design",
        sa.Column("wave_id", sa.Integer(), nullable=False),
        sa.Column("weights", sa.String(100), nullable=True),
        sa.Column("strata", sa.String(100), nullable=True),
        sa.Column("ids", sa.JSON(), nullable=False),
        sa.Column("fpc", sa.JSON(), nullable=False),
        sa.Column("nest", sa.Boolean(), nullable=False),
        sa.Column("lonely_psu", sa.String(12), nullable=False),
        sa.Column("calibration", sa.JSON(), nullable=False),
        sa.Column("calibration_method", sa.String(16), nullable=False),
        sa.Column("updated_by", sa.String(100), nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        _fk("survey_design", "wave_id", "survey_wave"),
        sa.PrimaryKeyConstraint("wave_id", name=op.f("pk_survey_design")),
    )


def _respondents() -> None:
    op.create_table(
        "survey_respondent",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("wave_id", sa.Integer(), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("sex", sa.String(8), nullable=False),
        sa.Column("age", sa.Integer(), nullable=True),
        sa.Column("age_band", sa.String(16), nullable=True),
        sa.Column("disability", sa.Boolean(), nullable=True),
        sa.Column("stratum", sa.String(100), nullable=True),
        sa.Column("psu", sa.String(100), nullable=True),
        sa.Column("weight", sa.Float(), nullable=True),
        sa.Column("fpc", sa.Float(), nullable=True),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("repeats", sa.JSON(), nullable=False),
        _fk("survey_respondent", "wave_id", "survey_wave"),
        _fk("survey_respondent", "area_id", "area", cascade=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_respondent")),
        sa.UniqueConstraint("wave_id", "key", name="uq_survey_respondent_key"),
    )
    op.create_index("ix_survey_respondent_area", "survey_respondent", ["wave_id", "area_id"])


def downgrade() -> None:
    for table in ("survey_respondent", "survey_design", "survey_wave", "survey_form", "survey"):
        op.drop_table(table)
