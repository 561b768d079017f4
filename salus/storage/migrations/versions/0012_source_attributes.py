"""Unmapped source columns kept with imported records (issue 13): ``source_attributes``.

A JSON object {original column name: original cell text} on ``incident``, ``area``,
``population`` and ``weapon``: the columns of an imported file that no mapping field took, so
that nothing a user submitted is lost. Plain ``ADD COLUMN`` (no batch rebuild): SQLite keeps
the ``weapon`` FTS triggers of 0008.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

TABLES = ("incident", "area", "population", "weapon")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("source_attributes", sa.JSON(), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        op.drop_column(table, "source_attributes")
