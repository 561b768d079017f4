"""Small-arms registry: weapons, markings, attachments, owners, licences, holdings, lifecycle
events, collection campaigns, destruction batches, weapon–incident links (issue 6).

Tables of :mod:`salus.storage.arms_schema`; ``weapon.serial_key`` and ``weapon.manufacturer_key``
are indexed here; search-specific indexes belong to revision 0008.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)

TABLES = (
    "arms_owner",
    "collection_campaign",
    "destruction_batch",
    "weapon",
    "licence",
    "weapon_attachment",
    "weapon_incident",
    "weapon_marking",
    "licence_event",
    "weapon_holding",
    "weapon_event",
)
"""In creation order; dropped in reverse."""


def upgrade() -> None:
    _arms_owner()
    _collection_campaign()
    _destruction_batch()
    _weapon()
    _licence()
    _weapon_attachment()
    _weapon_incident()
    _weapon_marking()
    _licence_event()
    _weapon_holding()
    _weapon_event()


def _arms_owner() -> None:
    op.create_table(
        "arms_owner",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("given_name", sa.String(length=200), nullable=True),
        sa.Column("family_name", sa.String(length=200), nullable=True),
        sa.Column("entity_name", sa.String(length=300), nullable=True),
        sa.Column("registration_number", sa.String(length=100), nullable=True),
        sa.Column("id_document_type", sa.String(length=20), nullable=True),
        sa.Column("id_document_number", sa.String(length=100), nullable=True),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(["area_id"], ["area.id"], name=op.f("fk_arms_owner_area_id_area")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_arms_owner")),
        sa.UniqueConstraint(
            "id_document_type", "id_document_number", name="uq_arms_owner_document"
        ),
        sa.UniqueConstraint("registration_number", name=op.f("uq_arms_owner_registration_number")),
        sa.UniqueConstraint("uid", name=op.f("uq_arms_owner_uid")),
    )
    op.create_index(op.f("ix_arms_owner_area_id"), "arms_owner", ["area_id"])


def _collection_campaign() -> None:
    op.create_table(
        "collection_campaign",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("locations", sa.JSON(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"], ["area.id"], name=op.f("fk_collection_campaign_area_id_area")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collection_campaign")),
        sa.UniqueConstraint("name", name=op.f("uq_collection_campaign_name")),
    )


def _destruction_batch() -> None:
    op.create_table(
        "destruction_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("certificate_number", sa.String(length=100), nullable=False),
        sa.Column("method", sa.String(length=20), nullable=False),
        sa.Column("destroyed_on", sa.Date(), nullable=False),
        sa.Column("place", sa.String(length=300), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("witnesses", sa.JSON(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"], ["area.id"], name=op.f("fk_destruction_batch_area_id_area")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_destruction_batch")),
        sa.UniqueConstraint(
            "certificate_number", name=op.f("uq_destruction_batch_certificate_number")
        ),
    )


def _weapon() -> None:
    op.create_table(
        "weapon",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("category", sa.String(length=30), nullable=False),
        sa.Column("manufacturer", sa.String(length=200), nullable=True),
        sa.Column("manufacturer_key", sa.String(length=200), nullable=True),
        sa.Column("model", sa.String(length=200), nullable=True),
        sa.Column("calibre", sa.String(length=50), nullable=True),
        sa.Column("serial_number", sa.String(length=100), nullable=True),
        sa.Column("serial_key", sa.String(length=100), nullable=True),
        sa.Column("serial_obliterated", sa.Boolean(), nullable=False),
        sa.Column("country_of_manufacture", sa.String(length=3), nullable=True),
        sa.Column("year_of_manufacture", sa.Integer(), nullable=True),
        sa.Column("import_country", sa.String(length=3), nullable=True),
        sa.Column("import_year", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=True),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("source_record", sa.String(length=200), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(["area_id"], ["area.id"], name=op.f("fk_weapon_area_id_area")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_weapon")),
        sa.UniqueConstraint("manufacturer_key", "serial_key", name="uq_weapon_manufacturer_serial"),
        sa.UniqueConstraint("source_record", name=op.f("uq_weapon_source_record")),
        sa.UniqueConstraint("uid", name=op.f("uq_weapon_uid")),
    )
    op.create_index(op.f("ix_weapon_area_id"), "weapon", ["area_id"])
    op.create_index(op.f("ix_weapon_manufacturer_key"), "weapon", ["manufacturer_key"])
    op.create_index(op.f("ix_weapon_serial_key"), "weapon", ["serial_key"])
    op.create_index("ix_weapon_status", "weapon", ["status"])


def _licence() -> None:
    op.create_table(
        "licence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=100), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("licence_type", sa.String(length=20), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("conditions", sa.Text(), nullable=True),
        sa.Column("issuing_authority", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(["area_id"], ["area.id"], name=op.f("fk_licence_area_id_area")),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["arms_owner.id"], name=op.f("fk_licence_owner_id_arms_owner")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_licence")),
        sa.UniqueConstraint("number", name=op.f("uq_licence_number")),
    )
    op.create_index(op.f("ix_licence_area_id"), "licence", ["area_id"])
    op.create_index("ix_licence_expires_on", "licence", ["expires_on"])
    op.create_index(op.f("ix_licence_owner_id"), "licence", ["owner_id"])


def _weapon_attachment() -> None:
    op.create_table(
        "weapon_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("weapon_id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["weapon_id"],
            ["weapon.id"],
            name=op.f("fk_weapon_attachment_weapon_id_weapon"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_weapon_attachment")),
        sa.UniqueConstraint("weapon_id", "sha256", name="uq_weapon_attachment_content"),
    )
    op.create_index(op.f("ix_weapon_attachment_weapon_id"), "weapon_attachment", ["weapon_id"])


def _weapon_incident() -> None:
    op.create_table(
        "weapon_incident",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("weapon_id", sa.Integer(), nullable=False),
        sa.Column("incident_uid", sa.String(length=36), nullable=False),
        sa.Column("role", sa.String(length=12), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["weapon_id"], ["weapon.id"], name=op.f("fk_weapon_incident_weapon_id_weapon")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_weapon_incident")),
        sa.UniqueConstraint("weapon_id", "incident_uid", "role", name="uq_weapon_incident_link"),
    )
    op.create_index(op.f("ix_weapon_incident_incident_uid"), "weapon_incident", ["incident_uid"])
    op.create_index(op.f("ix_weapon_incident_weapon_id"), "weapon_incident", ["weapon_id"])


def _weapon_marking() -> None:
    op.create_table(
        "weapon_marking",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("weapon_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("component", sa.String(length=20), nullable=True),
        sa.Column("text", sa.String(length=400), nullable=False),
        sa.Column("obliterated", sa.Boolean(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["weapon_id"],
            ["weapon.id"],
            name=op.f("fk_weapon_marking_weapon_id_weapon"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_weapon_marking")),
    )
    op.create_index(op.f("ix_weapon_marking_weapon_id"), "weapon_marking", ["weapon_id"])


def _licence_event() -> None:
    op.create_table(
        "licence_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("licence_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=12), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("from_status", sa.String(length=12), nullable=True),
        sa.Column("to_status", sa.String(length=12), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["licence_id"], ["licence.id"], name=op.f("fk_licence_event_licence_id_licence")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_licence_event")),
    )
    op.create_index(op.f("ix_licence_event_licence_id"), "licence_event", ["licence_id"])


def _weapon_holding() -> None:
    op.create_table(
        "weapon_holding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("weapon_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("licence_id", sa.Integer(), nullable=False),
        sa.Column("from_date", sa.Date(), nullable=False),
        sa.Column("to_date", sa.Date(), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["licence_id"], ["licence.id"], name=op.f("fk_weapon_holding_licence_id_licence")
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["arms_owner.id"], name=op.f("fk_weapon_holding_owner_id_arms_owner")
        ),
        sa.ForeignKeyConstraint(
            ["weapon_id"], ["weapon.id"], name=op.f("fk_weapon_holding_weapon_id_weapon")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_weapon_holding")),
    )
    op.create_index(op.f("ix_weapon_holding_licence_id"), "weapon_holding", ["licence_id"])
    op.create_index(op.f("ix_weapon_holding_owner_id"), "weapon_holding", ["owner_id"])
    op.create_index(op.f("ix_weapon_holding_weapon_id"), "weapon_holding", ["weapon_id"])


def _weapon_event() -> None:
    op.create_table(
        "weapon_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("weapon_id", sa.Integer(), nullable=False),
        sa.Column("event_type", sa.String(length=20), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("place", sa.String(length=300), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("holding_id", sa.Integer(), nullable=True),
        sa.Column("incident_uid", sa.String(length=36), nullable=True),
        sa.Column("case_reference", sa.String(length=100), nullable=True),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("destruction_batch_id", sa.Integer(), nullable=True),
        sa.Column("corrects_event_id", sa.Integer(), nullable=True),
        sa.Column("recorded_by", sa.String(length=100), nullable=False),
        sa.Column("recorded_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(
            ["area_id"], ["area.id"], name=op.f("fk_weapon_event_area_id_area")
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["collection_campaign.id"],
            name=op.f("fk_weapon_event_campaign_id_collection_campaign"),
        ),
        sa.ForeignKeyConstraint(
            ["corrects_event_id"],
            ["weapon_event.id"],
            name=op.f("fk_weapon_event_corrects_event_id_weapon_event"),
        ),
        sa.ForeignKeyConstraint(
            ["destruction_batch_id"],
            ["destruction_batch.id"],
            name=op.f("fk_weapon_event_destruction_batch_id_destruction_batch"),
        ),
        sa.ForeignKeyConstraint(
            ["holding_id"],
            ["weapon_holding.id"],
            name=op.f("fk_weapon_event_holding_id_weapon_holding"),
        ),
        sa.ForeignKeyConstraint(
            ["weapon_id"], ["weapon.id"], name=op.f("fk_weapon_event_weapon_id_weapon")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_weapon_event")),
    )
    op.create_index(op.f("ix_weapon_event_campaign_id"), "weapon_event", ["campaign_id"])
    op.create_index(
        op.f("ix_weapon_event_corrects_event_id"), "weapon_event", ["corrects_event_id"]
    )
    op.create_index(op.f("ix_weapon_event_holding_id"), "weapon_event", ["holding_id"])
    op.create_index(
        op.f("ix_weapon_event_destruction_batch_id"), "weapon_event", ["destruction_batch_id"]
    )
    op.create_index(op.f("ix_weapon_event_incident_uid"), "weapon_event", ["incident_uid"])
    op.create_index("ix_weapon_event_type_date", "weapon_event", ["event_type", "occurred_on"])
    op.create_index("ix_weapon_event_weapon", "weapon_event", ["weapon_id", "id"])


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_table(table)
