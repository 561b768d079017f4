"""Citizen reports answer back (issue 13): reporters' language and consent, the operator
channel, early-warning network members and the outbox of replies and broadcasts.

``citizen_report`` gains ``language``, ``reply_consent``, ``entered_by`` and ``reported_via``
(plain ``ADD COLUMN``: no batch rebuild of a table that photos and events reference);
``network_member`` and ``outbound_message`` are new (``outbound_message.dedupe_key`` unique: a
message is queued once).

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
COLUMNS = ("language", "reply_consent", "entered_by", "reported_via")


def upgrade() -> None:
    op.add_column("citizen_report", sa.Column("language", sa.String(8), nullable=True))
    op.add_column("citizen_report", sa.Column("reply_consent", sa.Boolean(), nullable=False,
                                              server_default=sa.false()))
    op.add_column("citizen_report", sa.Column("entered_by", sa.String(100), nullable=True))
    op.add_column("citizen_report", sa.Column("reported_via", sa.String(16), nullable=True))
    _members()
    _outbox()


def _members() -> None:
    op.create_table(
        "network_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("phone", sa.String(32), nullable=True),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("languages", sa.JSON(), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(["area_id"], ["area.id"],
                                name=op.f("fk_network_member_area_id_area")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_network_member")),
    )
    op.create_index("ix_network_member_area_id", "network_member", ["area_id"])


def _outbox() -> None:
    op.create_table(
        "outbound_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dedupe_key", sa.String(120), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("recipient", sa.String(254), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TZ, nullable=False),
        sa.Column("claimed_at", TZ, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("provider_id", sa.String(200), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("sent_at", TZ, nullable=True),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.Column("alert_id", sa.Integer(), nullable=True),
        sa.Column("member_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["report_id"], ["citizen_report.id"], ondelete="CASCADE",
                                name=op.f("fk_outbound_message_report_id_citizen_report")),
        sa.ForeignKeyConstraint(["alert_id"], ["alert.id"], ondelete="CASCADE",
                                name=op.f("fk_outbound_message_alert_id_alert")),
        sa.ForeignKeyConstraint(["member_id"], ["network_member.id"], ondelete="CASCADE",
                                name=op.f("fk_outbound_message_member_id_network_member")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbound_message")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_outbound_message_dedupe_key")),
    )
    op.create_index("ix_outbound_message_due", "outbound_message",
                    ["status", "next_attempt_at"])
    op.create_index("ix_outbound_message_report_id", "outbound_message", ["report_id"])
    op.create_index("ix_outbound_message_alert_id", "outbound_message", ["alert_id"])


def downgrade() -> None:
    op.drop_table("outbound_message")
    op.drop_table("network_member")
    for column in reversed(COLUMNS):
        op.drop_column("citizen_report", column)
