"""Incident persons and weapons for femicide and registry tracing (issue 13).

``person.related_victim``: on a perpetrator's row, the victim (1 = the first listed) its
``relationship`` refers to, null for every victim — what the UNODC–UN Women statistical
framework on gender-related killings of women and girls (2022) needs to tell an intimate-partner
killing of one victim among several. ``incident_weapon.serial_number`` (as read) and
``incident_weapon.weapon_uid`` (the registry weapon it was matched to by the tolerant serial
search). Plain ``ADD COLUMN`` (no batch rebuild), nullable, so existing rows are unchanged.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("person", sa.Column("related_victim", sa.Integer(), nullable=True))
    op.add_column("incident_weapon", sa.Column("serial_number", sa.String(100), nullable=True))
    op.add_column("incident_weapon", sa.Column("weapon_uid", sa.String(36), nullable=True))
    op.create_index("ix_incident_weapon_weapon_uid", "incident_weapon", ["weapon_uid"])


def downgrade() -> None:
    op.drop_index("ix_incident_weapon_weapon_uid", table_name="incident_weapon")
    with op.batch_alter_table("incident_weapon") as batch:
        batch.drop_column("weapon_uid")
        batch.drop_column("serial_number")
    with op.batch_alter_table("person") as batch:
        batch.drop_column("related_victim")
