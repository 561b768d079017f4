"""Citizen reports, their photos and workflow events, intake rate-limit buckets (issue 7).

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    _reports()
    op.create_table(
        "citizen_report_photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(32), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["citizen_report.id"], ondelete="CASCADE",
                                name=op.f("fk_citizen_report_photo_report_id_citizen_report")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citizen_report_photo")),
    )
    op.create_index("ix_citizen_report_photo_report_id", "citizen_report_photo", ["report_id"])
    op.create_table(
        "citizen_report_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("from_status", sa.String(12), nullable=True),
        sa.Column("to_status", sa.String(12), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["report_id"], ["citizen_report.id"], ondelete="CASCADE",
                                name=op.f("fk_citizen_report_event_report_id_citizen_report")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citizen_report_event")),
    )
    op.create_index("ix_citizen_report_event_report_id", "citizen_report_event", ["report_id"])
    op.create_table(
        "intake_bucket",
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("tokens", sa.Float(), nullable=False),
        sa.Column("stamp", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_intake_bucket")),
    )


def _reports() -> None:
    op.create_table(
        "citizen_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(16), nullable=False),
        sa.Column("idempotency_key", sa.String(250), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("received_at", TZ, nullable=False),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("occurred_on", sa.Date(), nullable=True),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("contact", sa.String(200), nullable=True),
        sa.Column("client_ip", sa.String(64), nullable=True),
        sa.Column("client_hash", sa.String(64), nullable=True),
        sa.Column("phone_hash", sa.String(64), nullable=True),
        sa.Column("text_hash", sa.String(64), nullable=False),
        sa.Column("spam_flags", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("duplicate_of", sa.Integer(), nullable=True),
        sa.Column("verifier", sa.String(100), nullable=True),
        sa.Column("verified_at", TZ, nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("incident_uid", sa.String(36), nullable=True),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.Column("public_text", sa.Text(), nullable=True),
        sa.Column("published_by", sa.String(100), nullable=True),
        sa.Column("published_at", TZ, nullable=True),
        sa.ForeignKeyConstraint(["area_id"], ["area.id"],
                                name=op.f("fk_citizen_report_area_id_area")),
        sa.ForeignKeyConstraint(["duplicate_of"], ["citizen_report.id"],
                                name=op.f("fk_citizen_report_duplicate_of_citizen_report")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citizen_report")),
        sa.UniqueConstraint("reference", name=op.f("uq_citizen_report_reference")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_citizen_report_idempotency_key")),
    )
    op.create_index("ix_citizen_report_status", "citizen_report", ["status", "received_at"])
    op.create_index("ix_citizen_report_area", "citizen_report", ["area_id"])
    op.create_index("ix_citizen_report_text", "citizen_report", ["text_hash"])


def downgrade() -> None:
    for table in ("intake_bucket", "citizen_report_event", "citizen_report_photo",
                  "citizen_report"):
        op.drop_table(table)
