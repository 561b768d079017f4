"""Serial-number search keys and indexes for weapons (issue 6).

PLACEHOLDER — filled in by the owner of this revision; an empty revision is removed before release.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
