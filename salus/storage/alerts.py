"""Tables of early warning (issue 4, sections 4–5): alert rules, alerts, their events and
notifications, and social-tension reports.

Defined on :data:`salus.storage.schema.metadata` (migration ``0005``). Natural keys keep every
run idempotent: one alert per (rule, area, period start), one notification per (alert, event,
channel, target) (migration ``0017``), one tension report per (locality, period, monitor).
"""

from __future__ import annotations

import sqlalchemy as sa

from salus.storage.schema import metadata

TZ = sa.DateTime(timezone=True)
TENSION_THEMES = ("intergroup_relations", "displacement_refugees", "land_water", "governance",
                  "economy", "crime", "security_forces")
"""Themes a monitor scores from 1 (calm) to 5 (very tense)."""

alert_rule = sa.Table(
    "alert_rule",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    sa.Column("filter", sa.JSON, nullable=False),
    sa.Column("area_level", sa.Integer, nullable=False),
    sa.Column("period_unit", sa.String(8), nullable=False),
    sa.Column("method", sa.String(24), nullable=False),
    sa.Column("parameters", sa.JSON, nullable=False),
    sa.Column("lookback", sa.Integer, nullable=False, default=1),
    sa.Column("recipients", sa.JSON, nullable=False),
    sa.Column("webhook_url", sa.Text, nullable=True),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("created_by", sa.String(100), nullable=False),
    sa.Column("created_at", TZ, nullable=False),
)

alert = sa.Table(
    "alert",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("rule_id", sa.Integer, sa.ForeignKey("alert_rule.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("area_id", sa.Integer, sa.ForeignKey("area.id"), nullable=False),
    sa.Column("period_start", sa.Date, nullable=False),
    sa.Column("period_end", sa.Date, nullable=False),
    sa.Column("observed", sa.Float, nullable=False),
    sa.Column("expected", sa.Float, nullable=True),
    sa.Column("upper_bound", sa.Float, nullable=True),
    sa.Column("score", sa.Float, nullable=True),
    sa.Column("method", sa.String(24), nullable=False),
    sa.Column("parameters", sa.JSON, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("assignee", sa.String(100), nullable=True),
    sa.Column("notes", sa.Text, nullable=True),
    sa.Column("response", sa.Text, nullable=True),
    sa.Column("created_at", TZ, nullable=False),
    sa.Column("updated_at", TZ, nullable=False),
    sa.UniqueConstraint("rule_id", "area_id", "period_start", name="uq_alert_rule_area_period"),
    sa.Index("ix_alert_status", "status"),
)

alert_event = sa.Table(
    "alert_event",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("alert_id", sa.Integer, sa.ForeignKey("alert.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("at", TZ, nullable=False),
    sa.Column("actor", sa.String(100), nullable=False),
    sa.Column("from_status", sa.String(20), nullable=True),
    sa.Column("to_status", sa.String(20), nullable=False),
    sa.Column("note", sa.Text, nullable=True),
)

notification = sa.Table(
    "notification",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("alert_id", sa.Integer, sa.ForeignKey("alert.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("channel", sa.String(10), nullable=False),
    sa.Column("target", sa.String(500), nullable=False),
    sa.Column("event", sa.String(12), nullable=False, server_default="fired"),
    sa.Column("status", sa.String(10), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("created_at", TZ, nullable=False),
    sa.Column("sent_at", TZ, nullable=True),
    sa.UniqueConstraint("alert_id", "event", "channel", "target", name="uq_notification_key"),
)

tension_report = sa.Table(
    "tension_report",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("area_id", sa.Integer, sa.ForeignKey("area.id"), nullable=False),
    sa.Column("period", sa.Date, nullable=False),
    sa.Column("monitor", sa.String(100), nullable=False),
    *(sa.Column(theme, sa.SmallInteger, nullable=False) for theme in TENSION_THEMES),
    sa.Column("narrative", sa.Text, nullable=True),
    sa.Column("created_at", TZ, nullable=False),
    sa.UniqueConstraint("area_id", "period", "monitor", name="uq_tension_report_key"),
)
