"""Tables of stockpile management and tracing (issue 6, sections 4–5).

Defined on :data:`salus.storage.schema.metadata` (migration ``0009``), after the registry tables
of ``0007`` (:mod:`salus.storage.weapons.schema`).

- ``storage_site``: stockpiles, evidence rooms, armouries… in an area, with a custodian.
- ``ammunition_lot`` (what the lot is) and ``ammunition_stock`` (how much of it each site holds;
  never negative — a CHECK constraint backs the use cases' own check).
- ``stock_movement`` + ``stock_movement_item``: the chain of custody. A movement releases items
  from a site (``from_site_id``; NULL: taken into custody) to a site (``to_site_id``; NULL: out of
  state custody, e.g. to destruction or back to an owner), released by one person and received
  by another, with dates. A weapon's current site is the destination of its latest movement
  (movements of one weapon are never back-dated, so "latest" is the highest id).
- ``stock_count`` + ``stock_count_line``: a signed physical count and every line of its
  comparison with the book inventory at the time of the count (the discrepancy report).
- ``trace_request``: one tracing request about one recovery (a ``seized``, ``found`` or
  ``surrendered`` event of ``weapon_event``).
"""

from __future__ import annotations

import sqlalchemy as sa

from salus.storage.schema import metadata
from salus.storage.weapons import schema as arms_schema  # noqa: F401 - the tables referenced below

TZ = sa.DateTime(timezone=True)


def _created() -> tuple[sa.Column[str], sa.Column[object]]:
    return (sa.Column("created_by", sa.String(100), nullable=False),
            sa.Column("created_at", TZ, nullable=False))


storage_site = sa.Table(
    "storage_site",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(50), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(24), nullable=False),
    sa.Column("area_id", sa.Integer, sa.ForeignKey("area.id"), nullable=False, index=True),
    sa.Column("custodian", sa.String(200), nullable=True),
    sa.Column("capacity", sa.Integer, nullable=True),
    sa.Column("security_level", sa.String(10), nullable=False),
    sa.Column("notes", sa.Text, nullable=True),
    *_created(),
)

ammunition_lot = sa.Table(
    "ammunition_lot",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("lot_number", sa.String(100), nullable=False),
    sa.Column("manufacturer", sa.String(200), nullable=False),
    sa.Column("calibre", sa.String(50), nullable=False),
    sa.Column("year_of_manufacture", sa.Integer, nullable=False),
    sa.Column("manufactured_on", sa.Date, nullable=True),
    sa.Column("shelf_life_years", sa.Integer, nullable=False),
    sa.Column("expires_on", sa.Date, nullable=False, index=True),
    sa.Column("hazard_division", sa.String(3), nullable=False),
    *_created(),
    sa.UniqueConstraint("manufacturer", "lot_number", name="uq_ammunition_lot_key"),
)

ammunition_stock = sa.Table(
    "ammunition_stock",
    metadata,
    sa.Column("lot_id", sa.Integer, sa.ForeignKey("ammunition_lot.id"), primary_key=True),
    sa.Column("site_id", sa.Integer, sa.ForeignKey("storage_site.id"), primary_key=True),
    sa.Column("quantity", sa.BigInteger, nullable=False),
    sa.CheckConstraint("quantity >= 0", name="quantity_not_negative"),
    sa.Index("ix_ammunition_stock_site", "site_id"),
)

stock_movement = sa.Table(
    "stock_movement",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("from_site_id", sa.Integer, sa.ForeignKey("storage_site.id"), nullable=True),
    sa.Column("to_site_id", sa.Integer, sa.ForeignKey("storage_site.id"), nullable=True),
    sa.Column("reason", sa.String(20), nullable=False),
    sa.Column("released_by", sa.String(200), nullable=False),
    sa.Column("received_by", sa.String(200), nullable=False),
    sa.Column("released_on", sa.Date, nullable=False),
    sa.Column("received_on", sa.Date, nullable=False),
    sa.Column("document_reference", sa.String(100), nullable=True),
    sa.Column("notes", sa.Text, nullable=True),
    *_created(),
)

stock_movement_item = sa.Table(
    "stock_movement_item",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("movement_id", sa.Integer, sa.ForeignKey("stock_movement.id"), nullable=False,
              index=True),
    sa.Column("weapon_id", sa.Integer, sa.ForeignKey("weapon.id"), nullable=True),
    sa.Column("lot_id", sa.Integer, sa.ForeignKey("ammunition_lot.id"), nullable=True),
    sa.Column("quantity", sa.BigInteger, nullable=False),
    sa.CheckConstraint("quantity > 0", name="quantity_positive"),
    sa.Index("ix_stock_movement_item_weapon", "weapon_id", "movement_id"),
    sa.Index("ix_stock_movement_item_lot", "lot_id"),
)

stock_count = sa.Table(
    "stock_count",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("site_id", sa.Integer, sa.ForeignKey("storage_site.id"), nullable=False,
              index=True),
    sa.Column("counted_on", sa.Date, nullable=False),
    sa.Column("counted_by", sa.String(200), nullable=False),
    sa.Column("signature", sa.String(200), nullable=False),
    sa.Column("missing_weapons", sa.Integer, nullable=False),
    sa.Column("unexpected_weapons", sa.Integer, nullable=False),
    sa.Column("lot_differences", sa.Integer, nullable=False),
    sa.Column("notes", sa.Text, nullable=True),
    *_created(),
)

stock_count_line = sa.Table(
    "stock_count_line",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("count_id", sa.Integer, sa.ForeignKey("stock_count.id"), nullable=False,
              index=True),
    sa.Column("weapon_id", sa.Integer, sa.ForeignKey("weapon.id"), nullable=True),
    sa.Column("lot_id", sa.Integer, sa.ForeignKey("ammunition_lot.id"), nullable=True),
    sa.Column("description", sa.String(300), nullable=True),
    sa.Column("book_quantity", sa.BigInteger, nullable=False),
    sa.Column("counted_quantity", sa.BigInteger, nullable=False),
    sa.Column("finding", sa.String(12), nullable=False),
)

trace_request = sa.Table(
    "trace_request",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("reference", sa.String(40), nullable=False, unique=True),
    sa.Column("weapon_id", sa.Integer, sa.ForeignKey("weapon.id"), nullable=False, index=True),
    sa.Column("recovery_event_id", sa.Integer, sa.ForeignKey("weapon_event.id"),
              nullable=False, index=True),
    sa.Column("requested_to", sa.String(20), nullable=False),
    sa.Column("recipient", sa.String(200), nullable=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("sent_on", sa.Date, nullable=True),
    sa.Column("response_on", sa.Date, nullable=True),
    sa.Column("response", sa.Text, nullable=True),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("point_of_diversion", sa.String(30), nullable=True),
    sa.Column("established_by", sa.String(30), nullable=True),
    sa.Column("last_legal_holder_id", sa.Integer, sa.ForeignKey("arms_owner.id"),
              nullable=True),
    sa.Column("notes", sa.Text, nullable=True),
    *_created(),
    sa.Column("updated_by", sa.String(100), nullable=False),
    sa.Column("updated_at", TZ, nullable=False),
)

STOCK_TABLES = (storage_site, ammunition_lot, ammunition_stock, stock_movement,
                stock_movement_item, stock_count, stock_count_line, trace_request)
"""In creation order (every table after the tables it references)."""
