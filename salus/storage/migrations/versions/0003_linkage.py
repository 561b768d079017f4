"""linkage: reconciliation jobs, their records and pairs, reviewers' decisions (issue 5)

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)
KEY = sa.String(400)


def upgrade() -> None:
    op.create_table(
        "linkage_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("finished_at", TZ, nullable=True),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("area_code", sa.String(64), nullable=True),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("model", sa.JSON(), nullable=True),
        sa.Column("figures", sa.JSON(), nullable=True),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("pairs", sa.Integer(), nullable=False),
        sa.Column("clusters", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linkage_job")),
    )
    op.create_table(
        "linkage_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("record_key", KEY, nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("cluster_key", KEY, nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("period", sa.String(20), nullable=False),
        sa.Column("area", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["linkage_job.id"], ondelete="CASCADE",
                                name=op.f("fk_linkage_record_job_id_linkage_job")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linkage_record")),
    )
    op.create_index("ix_linkage_record_job_cluster", "linkage_record", ["job_id", "cluster_key"])
    op.create_index("ix_linkage_record_job_record", "linkage_record", ["job_id", "record_key"])
    op.create_table(
        "linkage_pair",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("record_key_l", KEY, nullable=False),
        sa.Column("record_key_r", KEY, nullable=False),
        sa.Column("match_probability", sa.Float(), nullable=False),
        sa.Column("match_weight", sa.Float(), nullable=False),
        sa.Column("queue_rank", sa.Integer(), nullable=True),
        sa.Column("impact", sa.Float(), nullable=True),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["job_id"], ["linkage_job.id"], ondelete="CASCADE",
                                name=op.f("fk_linkage_pair_job_id_linkage_job")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linkage_pair")),
    )
    op.create_index("ix_linkage_pair_job_rank", "linkage_pair", ["job_id", "queue_rank"])
    op.create_table(
        "linkage_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_key_l", KEY, nullable=False),
        sa.Column("record_key_r", KEY, nullable=False),
        sa.Column("decision", sa.String(10), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("decided_at", TZ, nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["job_id"], ["linkage_job.id"], ondelete="SET NULL",
                                name=op.f("fk_linkage_decision_job_id_linkage_job")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linkage_decision")),
    )
    op.create_index("ix_linkage_decision_pair", "linkage_decision",
                    ["record_key_l", "record_key_r"])


def downgrade() -> None:
    op.drop_table("linkage_decision")
    op.drop_table("linkage_pair")
    op.drop_table("linkage_record")
    op.drop_table("linkage_job")
