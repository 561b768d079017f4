"""Small-arms registry: weapons, markings, owners, licences, lifecycle events (issue 6).

PLACEHOLDER — filled in by the owner of this revision; an empty revision is removed before release.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
