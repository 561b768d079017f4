"""Data-version counters (issue 11): ``data_version`` and the triggers that bump it.

Every cache of a figure (indicator results, dashboard panels, public pages, hot spots and
clusters) keys on the counters of the data it reads instead of being cleared by hand: a write
anywhere (import, form, correction, deletion, verified citizen report, a maintenance SQL
statement) bumps the counter in the same transaction, so a reader that sees the new rows also
sees the new counter, and a rolled-back or killed write bumps nothing.

The database does the bumping, so no write path can forget it:

- SQLite: row triggers ``AFTER INSERT/UPDATE/DELETE`` add one to the counter (SQLite has a
  single writer, and a row trigger costs about a microsecond a row);
- PostgreSQL: statement triggers (they also fire for ``COPY`` and ``TRUNCATE``) mark the
  transaction as having changed the counter's tables in ``data_version_pending``, and a deferred
  constraint trigger on that table bumps the counter once at ``COMMIT``, so the counter's row
  lock is held for the commit only and a long import does not block the other writers.

The tables each counter covers are frozen here (a later table joins a counter in its own
revision); :mod:`salus.storage.versions` reads them.

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

COUNTERS: dict[str, tuple[str, ...]] = {
    "incidents": ("incident", "person", "incident_source", "incident_weapon"),
    "areas": ("area", "area_ancestor", "population"),
    "weapons": (
        "weapon", "weapon_event", "weapon_holding", "weapon_marking", "weapon_attachment",
        "weapon_incident", "arms_owner", "licence", "licence_event", "trace_request",
        "collection_campaign", "destruction_batch", "destruction_item", "storage_site",
        "stock_count", "stock_count_line", "stock_movement", "stock_movement_item",
        "ammunition_lot", "ammunition_stock",
    ),
    "surveys": ("survey", "survey_wave", "survey_form", "survey_design", "survey_respondent"),
    "citizen_reports": ("citizen_report", "citizen_report_event"),
    "tension": ("tension_report",),
    "reconcile": ("linkage_job", "linkage_record", "linkage_pair", "linkage_decision"),
}
OPERATIONS = ("INSERT", "UPDATE", "DELETE")

PG_MARK = """
CREATE FUNCTION salus_mark_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO data_version_pending (txid, name) VALUES (txid_current(), TG_ARGV[0])
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$
"""
PG_BUMP = """
CREATE FUNCTION salus_bump_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE data_version SET version = version + 1 WHERE name = NEW.name;
    DELETE FROM data_version_pending WHERE txid = NEW.txid AND name = NEW.name;
    RETURN NULL;
END $$
"""


def _trigger(counter: str, table: str, operation: str | None = None) -> str:
    suffix = f"_{operation.lower()}" if operation else ""
    return f"dv_{counter}_{table}{suffix}"


def upgrade() -> None:
    op.create_table(
        "data_version",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("version", sa.BigInteger(), nullable=False, server_default="0"),
    )
    op.bulk_insert(sa.table("data_version", sa.column("name", sa.String()),
                            sa.column("version", sa.BigInteger())),
                   [{"name": name, "version": 0} for name in COUNTERS])
    op.create_table(
        "data_version_pending",
        sa.Column("txid", sa.BigInteger(), primary_key=True),
        sa.Column("name", sa.String(40), primary_key=True),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_MARK)
        op.execute(PG_BUMP)
        op.execute("CREATE CONSTRAINT TRIGGER data_version_bump AFTER INSERT ON "
                   "data_version_pending DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
                   "EXECUTE FUNCTION salus_bump_version()")
        for counter, tables in COUNTERS.items():
            for table in tables:
                op.execute(f"CREATE TRIGGER {_trigger(counter, table)} AFTER INSERT OR UPDATE "
                           f"OR DELETE OR TRUNCATE ON {table} FOR EACH STATEMENT "
                           f"EXECUTE FUNCTION salus_mark_changed('{counter}')")
        return
    for counter, tables in COUNTERS.items():
        for table in tables:
            for operation in OPERATIONS:
                op.execute(f"CREATE TRIGGER {_trigger(counter, table, operation)} AFTER "
                           f"{operation} ON {table} BEGIN UPDATE data_version SET version = "
                           f"version + 1 WHERE name = '{counter}'; END")


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for counter, tables in COUNTERS.items():
        for table in tables:
            if postgresql:
                op.execute(f"DROP TRIGGER IF EXISTS {_trigger(counter, table)} ON {table}")
                continue
            for operation in OPERATIONS:
                op.execute(f"DROP TRIGGER IF EXISTS {_trigger(counter, table, operation)}")
    if postgresql:
        op.execute("DROP TRIGGER IF EXISTS data_version_bump ON data_version_pending")
        op.execute("DROP FUNCTION IF EXISTS salus_bump_version()")
        op.execute("DROP FUNCTION IF EXISTS salus_mark_changed()")
    op.drop_table("data_version_pending")
    op.drop_table("data_version")
