"""Replicate-weight survey designs (issue 14): ``survey_design.replicates``.

A JSON object (R's ``svrepdesign`` / ``as.svrepdesign`` arguments: type, replicate weight
columns, scale, rscales, mse, Fay's rho, bootstrap count and seed), null for a Taylor design.

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("survey_design", sa.Column("replicates", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("survey_design") as batch:
        batch.drop_column("replicates")
