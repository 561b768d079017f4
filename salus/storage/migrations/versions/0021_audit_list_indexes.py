"""Keyset paging of the audit log (issue 11): its filters read through indexes.

The log is walked newest first by id with cursors; filtered by who (``actor``) or by record
(``entity``, ``entity_id``) a page is an index range in id order instead of a scan of the whole
log (which grows with every sign-in and every read of an owner).

Revision ID: 0021
Revises: 0020
"""

from __future__ import annotations

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_audit_event_actor", "audit_event", ["actor", "id"])
    op.create_index("ix_audit_event_entity", "audit_event", ["entity", "entity_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_audit_event_entity", table_name="audit_event")
    op.drop_index("ix_audit_event_actor", table_name="audit_event")
