"""Tables of surveys (issue 14): surveys, form versions, waves, designs and respondents.

Defined on :data:`salus.storage.schema.metadata` (migration ``0012``).

* ``survey_form.definition`` is the whole form as JSON (questions, choice lists, labels in
  every language of the form: :meth:`salus.domain.surveys.forms.Form.to_json`).
* ``survey_respondent`` has one row per submission. What estimates group and weight by is in
  plain columns (area, sex, age band, disability, stratum, PSU, weight, FPC), so a design's
  frame is one ``SELECT`` of typed columns; the answers are one JSON object per row, of which a
  frame reads only the questions an estimate needs (``answers->>'q'`` on PostgreSQL,
  ``json_extract`` on SQLite). ``extra`` keeps the export's columns the form does not know;
  ``repeats`` the rows of its repeat groups.
* ``survey_design`` is R's ``svydesign`` arguments for one wave (see
  :mod:`salus.domain.surveys.design`), ``survey.indicator_map`` the mapping of the survey's
  questions to the numerator and denominator of each SDG 16 survey indicator.
"""

from __future__ import annotations

import sqlalchemy as sa

from salus.storage.schema import metadata

TZ = sa.DateTime(timezone=True)

survey = sa.Table(
    "survey",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(64), nullable=False, unique=True),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("area_id", sa.Integer, sa.ForeignKey("area.id"), nullable=True),
    sa.Column("indicator_map", sa.JSON, nullable=False),
    sa.Column("created_by", sa.String(100), nullable=False),
    sa.Column("created_at", TZ, nullable=False),
)

survey_form = sa.Table(
    "survey_form",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("survey_id", sa.Integer, sa.ForeignKey("survey.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("form_id", sa.String(200), nullable=False),
    sa.Column("version", sa.String(100), nullable=False),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("default_language", sa.String(100), nullable=False),
    sa.Column("languages", sa.JSON, nullable=False),
    sa.Column("definition", sa.JSON, nullable=False),
    sa.Column("file_name", sa.String(300), nullable=False),
    sa.Column("imported_by", sa.String(100), nullable=False),
    sa.Column("imported_at", TZ, nullable=False),
    sa.UniqueConstraint("survey_id", "version", name="uq_survey_form_version"),
)

survey_wave = sa.Table(
    "survey_wave",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("survey_id", sa.Integer, sa.ForeignKey("survey.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("label", sa.String(64), nullable=False),
    sa.Column("form_id", sa.Integer, sa.ForeignKey("survey_form.id"), nullable=False),
    sa.Column("period_start", sa.Date, nullable=True),
    sa.Column("period_end", sa.Date, nullable=True),
    sa.Column("respondents", sa.Integer, nullable=False),
    sa.Column("roles", sa.JSON, nullable=False),
    sa.Column("file_name", sa.String(300), nullable=True),
    sa.Column("imported_by", sa.String(100), nullable=True),
    sa.Column("imported_at", TZ, nullable=True),
    sa.UniqueConstraint("survey_id", "label", name="uq_survey_wave_label"),
)

survey_design = sa.Table(
    "survey_design",
    metadata,
    sa.Column("wave_id", sa.Integer, sa.ForeignKey("survey_wave.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("weights", sa.String(100), nullable=True),
    sa.Column("strata", sa.String(100), nullable=True),
    sa.Column("ids", sa.JSON, nullable=False),
    sa.Column("fpc", sa.JSON, nullable=False),
    sa.Column("nest", sa.Boolean, nullable=False),
    sa.Column("lonely_psu", sa.String(12), nullable=False),
    sa.Column("calibration", sa.JSON, nullable=False),
    sa.Column("calibration_method", sa.String(16), nullable=False),
    sa.Column("replicates", sa.JSON(none_as_null=True), nullable=True),
    sa.Column("updated_by", sa.String(100), nullable=False),
    sa.Column("updated_at", TZ, nullable=False),
)

survey_respondent = sa.Table(
    "survey_respondent",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("wave_id", sa.Integer, sa.ForeignKey("survey_wave.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("row_number", sa.Integer, nullable=False),
    sa.Column("key", sa.String(200), nullable=False),
    sa.Column("area_id", sa.Integer, sa.ForeignKey("area.id"), nullable=True),
    sa.Column("sex", sa.String(8), nullable=False),
    sa.Column("age", sa.Integer, nullable=True),
    sa.Column("age_band", sa.String(16), nullable=True),
    sa.Column("disability", sa.Boolean, nullable=True),
    sa.Column("stratum", sa.String(100), nullable=True),
    sa.Column("psu", sa.String(100), nullable=True),
    sa.Column("weight", sa.Float, nullable=True),
    sa.Column("fpc", sa.Float, nullable=True),
    sa.Column("answers", sa.JSON, nullable=False),
    sa.Column("extra", sa.JSON, nullable=False),
    sa.Column("repeats", sa.JSON, nullable=False),
    sa.UniqueConstraint("wave_id", "key", name="uq_survey_respondent_key"),
    sa.Index("ix_survey_respondent_area", "wave_id", "area_id"),
)

SURVEY_TABLES = (survey, survey_form, survey_wave, survey_design, survey_respondent)
