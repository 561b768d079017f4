"""Collection campaigns and destruction events as the programmes report them (issue 13).

* ``collection_campaign.kind`` (ISACS/MOSAIC 05.40: voluntary surrender, amnesty,
  weapons-for-development, buy-back) and ``collecting_agency``;
* ``destruction_batch.verifying_body`` and ``collecting_agency`` (MOSAIC 05.50 destruction
  records: who verified and certified the destruction);
* ``destruction_item``: parts by kind and ammunition by calibre destroyed in a batch, by
  quantity (a destruction holds weapons, parts and ammunition);
* ``weapon_event.agency``: the agency that seized, collected or destroyed the weapon, for the
  collection and destruction report.

Plain ``ADD COLUMN`` (no batch rebuild): SQLite keeps the ``weapon`` FTS triggers of 0008.

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("collection_campaign", sa.Column(
        "kind", sa.String(30), nullable=False, server_default="voluntary_surrender"))
    op.add_column("collection_campaign",
                  sa.Column("collecting_agency", sa.String(200), nullable=True))
    op.add_column("destruction_batch",
                  sa.Column("verifying_body", sa.String(300), nullable=True))
    op.add_column("destruction_batch",
                  sa.Column("collecting_agency", sa.String(200), nullable=True))
    op.add_column("weapon_event", sa.Column("agency", sa.String(200), nullable=True))
    op.create_table(
        "destruction_item",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("batch_id", sa.Integer, sa.ForeignKey("destruction_batch.id"),
                  nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
        sa.Column("part_kind", sa.String(20), nullable=True),
        sa.Column("calibre", sa.String(50), nullable=True),
        sa.Column("quantity", sa.BigInteger, nullable=False),
        sa.Column("description", sa.Text, nullable=True),
        sa.Column("source_attributes", sa.JSON(), nullable=True),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_destruction_item_batch_id", "destruction_item", ["batch_id"])


def downgrade() -> None:
    op.drop_index("ix_destruction_item_batch_id", table_name="destruction_item")
    op.drop_table("destruction_item")
    op.drop_column("weapon_event", "agency")
    op.drop_column("destruction_batch", "collecting_agency")
    op.drop_column("destruction_batch", "verifying_body")
    op.drop_column("collection_campaign", "collecting_agency")
    op.drop_column("collection_campaign", "kind")
