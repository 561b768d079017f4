"""full-text index on incident narratives (PostgreSQL only; SQLite searches with LIKE)

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

# Must match salus.usecases.incident_query._search exactly, or the planner ignores the index.
EXPRESSION = "to_tsvector('simple'::regconfig, COALESCE(narrative, ''::text))"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE INDEX ix_incident_narrative_fts ON incident USING gin ({EXPRESSION})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_incident_narrative_fts")
