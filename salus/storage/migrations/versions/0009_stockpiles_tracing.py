"""Stockpiles, ammunition lots, stock counts, movements, tracing requests (issue 6).

PLACEHOLDER — filled in by the owner of this revision; an empty revision is removed before release.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
