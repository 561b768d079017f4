"""Serial-number search indexes for weapons (issue 6, search; see ``docs/weapon-search.md``).

``weapon.serial_key`` / ``weapon.manufacturer_key`` and their B-trees come with 0007 (an index on
``serial_key`` and the unique (``manufacturer_key``, ``serial_key``) pair). This revision adds
what wildcard patterns need:

- SQLite: an FTS5 table ``weapon_serial_fts`` with the ``trigram`` tokenizer (SQLite ≥ 3.34),
  an external-content index of ``weapon.serial_key`` kept in step by three triggers, answering
  ``GLOB`` patterns with a run of three known characters from the index. (A later *batch*
  migration that rebuilds ``weapon`` drops these triggers: it must create them again.)
- PostgreSQL: ``pg_trgm`` and a GIN trigram index on ``serial_key`` for ``LIKE`` patterns, and
  ``varchar_pattern_ops`` B-trees on (``serial_key``) and (``manufacturer_key``, ``serial_key``),
  covering ``id``, so that ``LIKE 'AB__12'`` uses the prefix range under any database collation
  and tests the rest on index entries alone (index-only scan). Where ``pg_trgm``
  cannot be created the GIN index is left out (patterns without a known prefix then scan).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlite3

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

FTS = "weapon_serial_fts"
SQLITE_TRIGGERS = {
    "weapon_serial_fts_insert": f"""
        CREATE TRIGGER weapon_serial_fts_insert AFTER INSERT ON weapon BEGIN
          INSERT INTO {FTS}(rowid, serial_key) VALUES (new.id, new.serial_key);
        END""",
    "weapon_serial_fts_delete": f"""
        CREATE TRIGGER weapon_serial_fts_delete AFTER DELETE ON weapon BEGIN
          INSERT INTO {FTS}({FTS}, rowid, serial_key) VALUES ('delete', old.id, old.serial_key);
        END""",
    "weapon_serial_fts_update": f"""
        CREATE TRIGGER weapon_serial_fts_update AFTER UPDATE OF serial_key ON weapon BEGIN
          INSERT INTO {FTS}({FTS}, rowid, serial_key) VALUES ('delete', old.id, old.serial_key);
          INSERT INTO {FTS}(rowid, serial_key) VALUES (new.id, new.serial_key);
        END""",
}
PG_INDEXES = {  # INCLUDE (id): a pattern is filtered in an index-only scan, no heap fetches
    "ix_weapon_serial_key_pattern":
        "CREATE INDEX ix_weapon_serial_key_pattern ON weapon (serial_key varchar_pattern_ops) "
        "INCLUDE (id)",
    "ix_weapon_manufacturer_serial_pattern":
        "CREATE INDEX ix_weapon_manufacturer_serial_pattern "
        "ON weapon (manufacturer_key, serial_key varchar_pattern_ops) INCLUDE (id)",
}
PG_TRIGRAM = ("CREATE INDEX ix_weapon_serial_key_trgm ON weapon "
              "USING gin (serial_key gin_trgm_ops)")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        _sqlite_upgrade()
    elif bind.dialect.name == "postgresql":
        _postgresql_upgrade(bind)


def _sqlite_upgrade() -> None:
    if sqlite3.sqlite_version_info < (3, 34):
        return  # no trigram tokenizer: patterns scan (docs/weapon-search.md)
    op.execute(f"CREATE VIRTUAL TABLE {FTS} USING fts5(serial_key, content='weapon', "
               "content_rowid='id', tokenize='trigram case_sensitive 1', detail=none)")
    op.execute(f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')")
    for ddl in SQLITE_TRIGGERS.values():
        op.execute(ddl)


def _postgresql_upgrade(bind: sa.Connection) -> None:
    for ddl in PG_INDEXES.values():
        op.execute(ddl)
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except sa.exc.DBAPIError:
        return  # not installable here: prefixes still use the pattern B-trees
    op.execute(PG_TRIGRAM)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute(f"DROP TABLE IF EXISTS {FTS}")
    elif bind.dialect.name == "postgresql":
        for name in (*PG_INDEXES, "ix_weapon_serial_key_trgm"):
            op.execute(f"DROP INDEX IF EXISTS {name}")
