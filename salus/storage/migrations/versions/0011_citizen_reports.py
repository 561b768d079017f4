"""Citizen reports, intake receipts and verification (issue 7).

PLACEHOLDER — filled in by the owner of this revision; an empty revision is removed before release.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
