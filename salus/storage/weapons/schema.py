"""Tables of the small-arms registry (issue 6, sections 1–3 and 7): weapons and their markings,
attachments, owners, licences and their events, holdings, the append-only lifecycle, collection
campaigns, destruction batches and links to incidents.

Defined on :data:`salus.storage.schema.metadata` (migration ``0007``). Records follow the
International Tracing Instrument and ISACS/MOSAIC 05.30 (see ``docs/weapons.md``).

- ``weapon.serial_key`` / ``weapon.manufacturer_key`` are the canonical forms of
  :mod:`salus.domain.weapons.serials`; ``serial_key`` is NULL when the serial is obliterated or
  absent,
  so the unique constraint on the pair only bites on readable serials ("duplicate serial within a
  manufacturer"; NULLs are distinct on SQLite and PostgreSQL alike).
- ``weapon_event`` and ``licence_event`` are append-only: rows are inserted, never updated or
  deleted; a correction is a new ``weapon_event`` whose ``corrects_event_id`` names the event.
- Links to incidents use ``incident.uid`` (``incident_uid``), which survives the delete-and-insert
  by which an incident import replaces a changed incident; an integer FK would either block that
  replacement or silently drop the link.
- Countries are ISO 3166-1 alpha-3 codes (``XKX`` for Kosovo, as the UN and EU use it).
"""

from __future__ import annotations

import sqlalchemy as sa

from salus.storage.schema import metadata

TZ = sa.DateTime(timezone=True)
MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024
"""Largest photo or document stored with a weapon (bytes are kept in the database)."""


def _created() -> tuple[sa.Column[str], sa.Column[object]]:
    return (sa.Column("created_by", sa.String(100), nullable=False),
            sa.Column("created_at", TZ, nullable=False))


weapon = sa.Table(
    "weapon",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("uid", sa.String(36), nullable=False, unique=True),
    sa.Column("category", sa.String(30), nullable=False),
    sa.Column("manufacturer", sa.String(200), nullable=True),
    sa.Column("manufacturer_key", sa.String(200), nullable=True, index=True),
    sa.Column("model", sa.String(200), nullable=True),
    sa.Column("calibre", sa.String(50), nullable=True),
    sa.Column("serial_number", sa.String(100), nullable=True),
    sa.Column("serial_key", sa.String(100), nullable=True, index=True),
    sa.Column("serial_obliterated", sa.Boolean, nullable=False, default=False),
    sa.Column("country_of_manufacture", sa.String(3), nullable=True),
    sa.Column("year_of_manufacture", sa.Integer, nullable=True),
    sa.Column("import_country", sa.String(3), nullable=True),
    sa.Column("import_year", sa.Integer, nullable=True),
    sa.Column("status", sa.String(20), nullable=True),
    sa.Column("area_id", sa.Integer, sa.ForeignKey("area.id"), nullable=True, index=True),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("source_record", sa.String(200), nullable=True, unique=True),
    *_created(),
    sa.Column("updated_at", TZ, nullable=False),
    sa.Column("source_attributes", sa.JSON(none_as_null=True), nullable=True),
    sa.UniqueConstraint("manufacturer_key", "serial_key", name="uq_weapon_manufacturer_serial"),
    sa.Index("ix_weapon_status", "status"),
)

weapon_marking = sa.Table(
    "weapon_marking",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("weapon_id", sa.Integer, sa.ForeignKey("weapon.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("kind", sa.String(24), nullable=False),
    sa.Column("component", sa.String(20), nullable=True),
    sa.Column("text", sa.String(400), nullable=False),
    sa.Column("obliterated", sa.Boolean, nullable=False, default=False),
    *_created(),
)

weapon_attachment = sa.Table(
    "weapon_attachment",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("weapon_id", sa.Integer, sa.ForeignKey("weapon.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("file_name", sa.String(255), nullable=False),
    sa.Column("media_type", sa.String(100), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("content", sa.LargeBinary, nullable=False),
    sa.Column("description", sa.Text, nullable=True),
    *_created(),
    sa.UniqueConstraint("weapon_id", "sha256", name="uq_weapon_attachment_content"),
)

arms_owner = sa.Table(
    "arms_owner",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("uid", sa.String(36), nullable=False, unique=True),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("given_name", sa.String(200), nullable=True),
    sa.Column("family_name", sa.String(200), nullable=True),
    sa.Column("entity_name", sa.String(300), nullable=True),
    sa.Column("registration_number", sa.String(100), nullable=True, unique=True),
    sa.Column("id_document_type", sa.String(20), nullable=True),
    sa.Column("id_document_number", sa.String(100), nullable=True),
    sa.Column("date_of_birth", sa.Date, nullable=True),
    sa.Column("address", sa.Text, nullable=True),
    sa.Column("area_id", sa.Integer, sa.ForeignKey("area.id"), nullable=True, index=True),
    *_created(),
    sa.UniqueConstraint("id_document_type", "id_document_number", name="uq_arms_owner_document"),
)

licence = sa.Table(
    "licence",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("number", sa.String(100), nullable=False, unique=True),
    sa.Column("owner_id", sa.Integer, sa.ForeignKey("arms_owner.id"), nullable=False,
              index=True),
    sa.Column("licence_type", sa.String(20), nullable=False),
    sa.Column("issued_on", sa.Date, nullable=False),
    sa.Column("expires_on", sa.Date, nullable=False),
    sa.Column("conditions", sa.Text, nullable=True),
    sa.Column("issuing_authority", sa.String(200), nullable=True),
    sa.Column("status", sa.String(12), nullable=False),
    sa.Column("area_id", sa.Integer, sa.ForeignKey("area.id"), nullable=True, index=True),
    *_created(),
    sa.Index("ix_licence_expires_on", "expires_on"),
)

licence_event = sa.Table(
    "licence_event",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("licence_id", sa.Integer, sa.ForeignKey("licence.id"), nullable=False,
              index=True),
    sa.Column("action", sa.String(12), nullable=False),
    sa.Column("occurred_on", sa.Date, nullable=False),
    sa.Column("from_status", sa.String(12), nullable=True),
    sa.Column("to_status", sa.String(12), nullable=False),
    sa.Column("expires_on", sa.Date, nullable=True),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("recorded_by", sa.String(100), nullable=False),
    sa.Column("recorded_at", TZ, nullable=False),
)

weapon_holding = sa.Table(
    "weapon_holding",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("weapon_id", sa.Integer, sa.ForeignKey("weapon.id"), nullable=False, index=True),
    sa.Column("owner_id", sa.Integer, sa.ForeignKey("arms_owner.id"), nullable=False,
              index=True),
    sa.Column("licence_id", sa.Integer, sa.ForeignKey("licence.id"), nullable=False,
              index=True),
    sa.Column("from_date", sa.Date, nullable=False),
    sa.Column("to_date", sa.Date, nullable=True),
    *_created(),
)

collection_campaign = sa.Table(
    "collection_campaign",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    sa.Column("area_id", sa.Integer, sa.ForeignKey("area.id"), nullable=True),
    sa.Column("starts_on", sa.Date, nullable=False),
    sa.Column("ends_on", sa.Date, nullable=False),
    sa.Column("locations", sa.JSON, nullable=False),
    sa.Column("description", sa.Text, nullable=True),
    *_created(),
    # issue 13 (migration 0014): MOSAIC 05.40 kind and the agency that collects
    sa.Column("kind", sa.String(30), nullable=False, server_default="voluntary_surrender"),
    sa.Column("collecting_agency", sa.String(200), nullable=True),
)

destruction_batch = sa.Table(
    "destruction_batch",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("certificate_number", sa.String(100), nullable=False, unique=True),
    sa.Column("method", sa.String(20), nullable=False),
    sa.Column("destroyed_on", sa.Date, nullable=False),
    sa.Column("place", sa.String(300), nullable=False),
    sa.Column("area_id", sa.Integer, sa.ForeignKey("area.id"), nullable=True),
    sa.Column("witnesses", sa.JSON, nullable=False),
    sa.Column("notes", sa.Text, nullable=True),
    *_created(),
    # issue 13 (migration 0014): MOSAIC 05.50 verification and the collecting agency
    sa.Column("verifying_body", sa.String(300), nullable=True),
    sa.Column("collecting_agency", sa.String(200), nullable=True),
)

destruction_item = sa.Table(
    "destruction_item",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("batch_id", sa.Integer, sa.ForeignKey("destruction_batch.id"), nullable=False,
              index=True),
    sa.Column("kind", sa.String(12), nullable=False),
    sa.Column("part_kind", sa.String(20), nullable=True),
    sa.Column("calibre", sa.String(50), nullable=True),
    sa.Column("quantity", sa.BigInteger, nullable=False),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("source_attributes", sa.JSON(none_as_null=True), nullable=True),
    *_created(),
)

weapon_event = sa.Table(
    "weapon_event",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("weapon_id", sa.Integer, sa.ForeignKey("weapon.id"), nullable=False),
    sa.Column("event_type", sa.String(20), nullable=False),
    sa.Column("occurred_on", sa.Date, nullable=False),
    sa.Column("area_id", sa.Integer, sa.ForeignKey("area.id"), nullable=True),
    sa.Column("place", sa.String(300), nullable=True),
    sa.Column("details", sa.JSON, nullable=False),
    sa.Column("holding_id", sa.Integer, sa.ForeignKey("weapon_holding.id"), nullable=True,
              index=True),
    sa.Column("incident_uid", sa.String(36), nullable=True, index=True),
    sa.Column("case_reference", sa.String(100), nullable=True),
    sa.Column("campaign_id", sa.Integer, sa.ForeignKey("collection_campaign.id"),
              nullable=True, index=True),
    sa.Column("destruction_batch_id", sa.Integer, sa.ForeignKey("destruction_batch.id"),
              nullable=True, index=True),
    sa.Column("corrects_event_id", sa.Integer, sa.ForeignKey("weapon_event.id"), nullable=True,
              index=True),
    sa.Column("recorded_by", sa.String(100), nullable=False),
    sa.Column("recorded_at", TZ, nullable=False),
    # the agency that seized, collected or destroyed the weapon (migration 0014)
    sa.Column("agency", sa.String(200), nullable=True),
    sa.Index("ix_weapon_event_weapon", "weapon_id", "id"),
    sa.Index("ix_weapon_event_type_date", "event_type", "occurred_on"),
)

weapon_incident = sa.Table(
    "weapon_incident",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("weapon_id", sa.Integer, sa.ForeignKey("weapon.id"), nullable=False, index=True),
    sa.Column("incident_uid", sa.String(36), nullable=False, index=True),
    sa.Column("role", sa.String(12), nullable=False),
    *_created(),
    sa.UniqueConstraint("weapon_id", "incident_uid", "role", name="uq_weapon_incident_link"),
)

REGISTRY_TABLES = (weapon, weapon_marking, weapon_attachment, arms_owner, licence,
                   licence_event, weapon_holding, collection_campaign, destruction_batch,
                   destruction_item, weapon_event, weapon_incident)
"""In creation order (every table after the tables it references)."""
