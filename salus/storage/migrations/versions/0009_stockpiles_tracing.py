"""Stockpiles, ammunition lots, stock counts, movements, tracing requests (issue 6).

Tables of :mod:`salus.storage.arms_stock_schema`: storage sites, ammunition lots and their stock
per site, movements with their items (chain of custody), signed stock counts with their
discrepancy lines, tracing requests.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def _created() -> tuple[sa.Column, sa.Column]:  # type: ignore[type-arg]
    return (sa.Column("created_by", sa.String(100), nullable=False),
            sa.Column("created_at", TZ, nullable=False))


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"],
                                   name=op.f(f"fk_{table}_{column}_{target}"))


def _index(table: str, *columns: str, name: str | None = None) -> None:
    with op.batch_alter_table(table) as batch:
        batch.create_index(name or op.f(f"ix_{table}_{columns[0]}"), list(columns))


def upgrade() -> None:
    _sites_and_lots()
    _movements()
    _counts()
    _trace_requests()


def _sites_and_lots() -> None:
    op.create_table(
        "storage_site",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(50), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(24), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("custodian", sa.String(200), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("security_level", sa.String(10), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        *_created(),
        _fk("storage_site", "area_id", "area"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_storage_site")),
        sa.UniqueConstraint("code", name=op.f("uq_storage_site_code")),
    )
    _index("storage_site", "area_id")
    op.create_table(
        "ammunition_lot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lot_number", sa.String(100), nullable=False),
        sa.Column("manufacturer", sa.String(200), nullable=False),
        sa.Column("calibre", sa.String(50), nullable=False),
        sa.Column("year_of_manufacture", sa.Integer(), nullable=False),
        sa.Column("manufactured_on", sa.Date(), nullable=True),
        sa.Column("shelf_life_years", sa.Integer(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("hazard_division", sa.String(3), nullable=False),
        *_created(),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ammunition_lot")),
        sa.UniqueConstraint("manufacturer", "lot_number", name="uq_ammunition_lot_key"),
    )
    _index("ammunition_lot", "expires_on")
    op.create_table(
        "ammunition_stock",
        sa.Column("lot_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("quantity >= 0",
                           name=op.f("ck_ammunition_stock_quantity_not_negative")),
        _fk("ammunition_stock", "lot_id", "ammunition_lot"),
        _fk("ammunition_stock", "site_id", "storage_site"),
        sa.PrimaryKeyConstraint("lot_id", "site_id", name=op.f("pk_ammunition_stock")),
    )
    _index("ammunition_stock", "site_id", name="ix_ammunition_stock_site")


def _movements() -> None:
    op.create_table(
        "stock_movement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("from_site_id", sa.Integer(), nullable=True),
        sa.Column("to_site_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(20), nullable=False),
        sa.Column("released_by", sa.String(200), nullable=False),
        sa.Column("received_by", sa.String(200), nullable=False),
        sa.Column("released_on", sa.Date(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("document_reference", sa.String(100), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        *_created(),
        _fk("stock_movement", "from_site_id", "storage_site"),
        _fk("stock_movement", "to_site_id", "storage_site"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_movement")),
    )
    op.create_table(
        "stock_movement_item",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("movement_id", sa.Integer(), nullable=False),
        sa.Column("weapon_id", sa.Integer(), nullable=True),
        sa.Column("lot_id", sa.Integer(), nullable=True),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_stock_movement_item_quantity_positive")),
        _fk("stock_movement_item", "movement_id", "stock_movement"),
        _fk("stock_movement_item", "weapon_id", "weapon"),
        _fk("stock_movement_item", "lot_id", "ammunition_lot"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_movement_item")),
    )
    _index("stock_movement_item", "movement_id")
    _index("stock_movement_item", "weapon_id", "movement_id",
           name="ix_stock_movement_item_weapon")
    _index("stock_movement_item", "lot_id", name="ix_stock_movement_item_lot")


def _counts() -> None:
    op.create_table(
        "stock_count",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("counted_on", sa.Date(), nullable=False),
        sa.Column("counted_by", sa.String(200), nullable=False),
        sa.Column("signature", sa.String(200), nullable=False),
        sa.Column("missing_weapons", sa.Integer(), nullable=False),
        sa.Column("unexpected_weapons", sa.Integer(), nullable=False),
        sa.Column("lot_differences", sa.Integer(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        *_created(),
        _fk("stock_count", "site_id", "storage_site"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_count")),
    )
    _index("stock_count", "site_id")
    op.create_table(
        "stock_count_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("count_id", sa.Integer(), nullable=False),
        sa.Column("weapon_id", sa.Integer(), nullable=True),
        sa.Column("lot_id", sa.Integer(), nullable=True),
        sa.Column("description", sa.String(300), nullable=True),
        sa.Column("book_quantity", sa.BigInteger(), nullable=False),
        sa.Column("counted_quantity", sa.BigInteger(), nullable=False),
        sa.Column("finding", sa.String(12), nullable=False),
        _fk("stock_count_line", "count_id", "stock_count"),
        _fk("stock_count_line", "weapon_id", "weapon"),
        _fk("stock_count_line", "lot_id", "ammunition_lot"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_count_line")),
    )
    _index("stock_count_line", "count_id")


def _trace_requests() -> None:
    op.create_table(
        "trace_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(40), nullable=False),
        sa.Column("weapon_id", sa.Integer(), nullable=False),
        sa.Column("recovery_event_id", sa.Integer(), nullable=False),
        sa.Column("requested_to", sa.String(20), nullable=False),
        sa.Column("recipient", sa.String(200), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("sent_on", sa.Date(), nullable=True),
        sa.Column("response_on", sa.Date(), nullable=True),
        sa.Column("response", sa.Text(), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("point_of_diversion", sa.String(30), nullable=True),
        sa.Column("established_by", sa.String(30), nullable=True),
        sa.Column("last_legal_holder_id", sa.Integer(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        *_created(),
        sa.Column("updated_by", sa.String(100), nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        _fk("trace_request", "weapon_id", "weapon"),
        _fk("trace_request", "recovery_event_id", "weapon_event"),
        _fk("trace_request", "last_legal_holder_id", "arms_owner"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trace_request")),
        sa.UniqueConstraint("reference", name=op.f("uq_trace_request_reference")),
    )
    _index("trace_request", "weapon_id")
    _index("trace_request", "recovery_event_id")


def downgrade() -> None:
    for table in ("trace_request", "stock_count_line", "stock_count", "stock_movement_item",
                  "stock_movement", "ammunition_stock", "ammunition_lot", "storage_site"):
        op.drop_table(table)
