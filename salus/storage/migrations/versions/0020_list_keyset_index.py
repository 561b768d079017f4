"""Keyset paging of the incident list (issue 11): an index in the list's default order.

The list walks ``(occurred_on DESC, id DESC)`` with cursors (``(occurred_on, id) < (:d, :id)``);
``area_id`` rides along so the area scope of a bound viewer is checked in the index (PostgreSQL
answers the page's ids by an index-only scan, SQLite by a covering index) instead of reading
each row.

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_incident_list_date", "incident", ["occurred_on", "id", "area_id"])


def downgrade() -> None:
    op.drop_index("ix_incident_list_date", table_name="incident")
