"""SQLAlchemy 2 tables of the operational store (SQLite by default, PostgreSQL in production).

Plain Core tables: the repositories map them to and from :mod:`salus.domain.incidents.model`, and
the
indicator engine reads them through ibis, so the same definitions run on every backend.
Geometry is GeoJSON text plus a bounding box (no spatial extension needed); the area tree is
kept both as ``parent_id`` and as a closure table (``area_ancestor``) so "everything under this
region" and "roll up to admin level 1" are single joins.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

OPEN_AGE = 999
"""``age_max`` of an open-ended band (``60+``): kept as a number so ranges compare in SQL."""

area = sa.Table(
    "area",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(64), nullable=False, unique=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("names", sa.JSON, nullable=False, default=dict),
    sa.Column("level", sa.Integer, nullable=False),
    sa.Column("parent_id", sa.Integer, sa.ForeignKey("area.id"), nullable=True, index=True),
    sa.Column("geometry", sa.Text, nullable=True),
    sa.Column("min_lon", sa.Float, nullable=True),
    sa.Column("min_lat", sa.Float, nullable=True),
    sa.Column("max_lon", sa.Float, nullable=True),
    sa.Column("max_lat", sa.Float, nullable=True),
    sa.Column("source_attributes", sa.JSON(none_as_null=True), nullable=True),
)

area_ancestor = sa.Table(
    "area_ancestor",
    metadata,
    sa.Column("area_id", sa.Integer, sa.ForeignKey("area.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("ancestor_id", sa.Integer, sa.ForeignKey("area.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("ancestor_level", sa.Integer, nullable=False),
    sa.Index("ix_area_ancestor_ancestor", "ancestor_id", "area_id"),
)

population = sa.Table(
    "population",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("area_id", sa.Integer, sa.ForeignKey("area.id", ondelete="CASCADE"), nullable=False),
    sa.Column("year", sa.Integer, nullable=False),
    sa.Column("sex", sa.String(8), nullable=False),
    sa.Column("age_min", sa.Integer, nullable=False, default=0),
    sa.Column("age_max", sa.Integer, nullable=False, default=OPEN_AGE),
    sa.Column("population", sa.BigInteger, nullable=False),
    sa.Column("import_batch_id", sa.Integer, sa.ForeignKey("import_batch.id"), nullable=True),
    sa.Column("source_attributes", sa.JSON(none_as_null=True), nullable=True),
    sa.UniqueConstraint("area_id", "year", "sex", "age_min", "age_max",
                        name="uq_population_cell"),
)

import_batch = sa.Table(
    "import_batch",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("file_name", sa.String(400), nullable=False),
    sa.Column("file_sha256", sa.String(64), nullable=False),
    sa.Column("mapping", sa.String(200), nullable=True),
    sa.Column("actor", sa.String(100), nullable=False, default="cli"),
    sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("rows_read", sa.Integer, nullable=False, default=0),
    sa.Column("inserted", sa.Integer, nullable=False, default=0),
    sa.Column("updated", sa.Integer, nullable=False, default=0),
    sa.Column("unchanged", sa.Integer, nullable=False, default=0),
    sa.Column("rejected", sa.Integer, nullable=False, default=0),
)

incident = sa.Table(
    "incident",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("uid", sa.String(36), nullable=False, unique=True),
    sa.Column("occurred_on", sa.Date, nullable=False),
    sa.Column("occurred_until", sa.Date, nullable=False),
    sa.Column("date_precision", sa.String(8), nullable=False),
    sa.Column("occurred_time", sa.Time, nullable=True),
    sa.Column("reported_on", sa.Date, nullable=True),
    sa.Column("area_id", sa.Integer, sa.ForeignKey("area.id"), nullable=False),
    sa.Column("longitude", sa.Float, nullable=True),
    sa.Column("latitude", sa.Float, nullable=True),
    sa.Column("location_precision", sa.String(12), nullable=True),
    sa.Column("iccs_code", sa.String(8), nullable=False),
    sa.Column("attempted", sa.Boolean, nullable=False, default=False),
    sa.Column("iccs_context", sa.String(40), nullable=True),
    sa.Column("misuse_context", sa.String(40), nullable=True),
    sa.Column("location_type", sa.String(40), nullable=True),
    sa.Column("weapon_category", sa.String(30), nullable=True),
    sa.Column("narrative", sa.Text, nullable=True),
    sa.Column("sensitivity", sa.String(16), nullable=False),
    sa.Column("declared_killed", sa.Integer, nullable=True),
    sa.Column("declared_injured", sa.Integer, nullable=True),
    sa.Column("killed_low", sa.Integer, nullable=True),
    sa.Column("killed_high", sa.Integer, nullable=True),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("import_batch_id", sa.Integer, sa.ForeignKey("import_batch.id"), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("source_attributes", sa.JSON(none_as_null=True), nullable=True),
    sa.Index("ix_incident_occurred_area", "occurred_on", "area_id"),
    sa.Index("ix_incident_area", "area_id"),
    sa.Index("ix_incident_iccs", "iccs_code"),
    sa.Index("ix_incident_list_date", "occurred_on", "id", "area_id"),   # keyset list (0020)
)

incident_source = sa.Table(
    "incident_source",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("incident_id", sa.Integer, sa.ForeignKey("incident.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("source_type", sa.String(20), nullable=False),
    sa.Column("source_name", sa.String(200), nullable=False),
    sa.Column("record_id", sa.String(200), nullable=False),
    sa.Column("url", sa.Text, nullable=True),
    sa.UniqueConstraint("source_type", "source_name", "record_id", name="uq_incident_source_key"),
)

person = sa.Table(
    "person",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("incident_id", sa.Integer, sa.ForeignKey("incident.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("role", sa.String(12), nullable=False),
    sa.Column("sex", sa.String(8), nullable=False),
    sa.Column("age_min", sa.Integer, nullable=True),
    sa.Column("age_max", sa.Integer, nullable=True),
    sa.Column("age_band", sa.String(32), nullable=True),
    sa.Column("outcome", sa.String(10), nullable=False),
    sa.Column("relationship", sa.String(20), nullable=True),
    sa.Column("conflict_status", sa.String(20), nullable=True),
    sa.Column("nationality", sa.String(3), nullable=True),
    sa.Column("given_name", sa.String(200), nullable=True),
    sa.Column("family_name", sa.String(200), nullable=True),
    sa.Column("date_of_birth", sa.Date, nullable=True),
    sa.Column("related_victim", sa.Integer, nullable=True),
    sa.Index("ix_person_incident_role", "incident_id", "role"),
)

incident_weapon = sa.Table(
    "incident_weapon",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("incident_id", sa.Integer, sa.ForeignKey("incident.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("category", sa.String(30), nullable=False),
    sa.Column("legal_status", sa.String(40), nullable=True),
    sa.Column("count", sa.Integer, nullable=False, default=1),
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("serial_number", sa.String(100), nullable=True),
    sa.Column("weapon_uid", sa.String(36), nullable=True, index=True),
)

audit_event = sa.Table(
    "audit_event",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor", sa.String(100), nullable=False),
    sa.Column("action", sa.String(40), nullable=False),
    sa.Column("entity", sa.String(40), nullable=False),
    sa.Column("entity_id", sa.String(64), nullable=True),
    sa.Column("before", sa.JSON, nullable=True),
    sa.Column("after", sa.JSON, nullable=True),
    sa.Index("ix_audit_event_actor", "actor", "id"),                        # keyset (0021)
    sa.Index("ix_audit_event_entity", "entity", "entity_id", "id"),
)


# ================================================================ accounts (web app, issue 3)
# Users, browser sessions, API tokens and login attempts. Secrets are never stored: sessions and
# tokens are kept as SHA-256 digests of random values, passwords as argon2id hashes.

app_user = sa.Table(
    "app_user",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(100), nullable=False, unique=True),
    sa.Column("display_name", sa.String(200), nullable=True),
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("area_id", sa.Integer, sa.ForeignKey("area.id"), nullable=True),
    sa.Column("language", sa.String(8), nullable=True),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("password_changed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("email", sa.String(200), nullable=True),  # alert notifications (0017)
)

user_session = sa.Table(
    "user_session",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("app_user.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
)

api_token = sa.Table(
    "api_token",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("prefix", sa.String(12), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("app_user.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
)

login_attempt = sa.Table(
    "login_attempt",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(100), nullable=False),
    sa.Column("client", sa.String(64), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("success", sa.Boolean, nullable=False),
    sa.Index("ix_login_attempt_username_at", "username", "at"),
    sa.Index("ix_login_attempt_client_at", "client", "at"),
)


# ================================================================ record linkage (issue 5)
# Reconciliation jobs across sources: each job's records with their cluster, the scored pairs
# worth keeping (links and the review band), and reviewers' decisions, which outlive jobs and
# are keyed by the records' natural keys ("source_type|source_name|record_id|person_index").
# Decisions are append-only: the newest one for a pair is in force.

linkage_job = sa.Table(
    "linkage_job",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("actor", sa.String(100), nullable=False),
    sa.Column("status", sa.String(12), nullable=False),
    sa.Column("sources", sa.JSON, nullable=False),
    sa.Column("period_start", sa.Date, nullable=False),
    sa.Column("period_end", sa.Date, nullable=False),
    sa.Column("area_code", sa.String(64), nullable=True),
    sa.Column("threshold", sa.Float, nullable=False),
    sa.Column("model", sa.JSON, nullable=True),
    sa.Column("figures", sa.JSON, nullable=True),
    sa.Column("records", sa.Integer, nullable=False, default=0),
    sa.Column("pairs", sa.Integer, nullable=False, default=0),
    sa.Column("clusters", sa.Integer, nullable=False, default=0),
)

linkage_record = sa.Table(
    "linkage_record",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("job_id", sa.Integer, sa.ForeignKey("linkage_job.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("record_key", sa.String(400), nullable=False),
    sa.Column("person_id", sa.Integer, nullable=True),
    sa.Column("source", sa.String(20), nullable=False),
    sa.Column("cluster_key", sa.String(400), nullable=False),
    sa.Column("confidence", sa.Float, nullable=False),
    sa.Column("period", sa.String(20), nullable=False),
    sa.Column("area", sa.String(64), nullable=False),
    sa.Index("ix_linkage_record_job_cluster", "job_id", "cluster_key"),
    sa.Index("ix_linkage_record_job_record", "job_id", "record_key"),
)

linkage_pair = sa.Table(
    "linkage_pair",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("job_id", sa.Integer, sa.ForeignKey("linkage_job.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("record_key_l", sa.String(400), nullable=False),
    sa.Column("record_key_r", sa.String(400), nullable=False),
    sa.Column("match_probability", sa.Float, nullable=False),
    sa.Column("match_weight", sa.Float, nullable=False),
    sa.Column("queue_rank", sa.Integer, nullable=True),
    sa.Column("impact", sa.Float, nullable=True),
    sa.Column("explanation", sa.Text, nullable=False),
    sa.Index("ix_linkage_pair_job_rank", "job_id", "queue_rank"),
)

linkage_decision = sa.Table(
    "linkage_decision",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("record_key_l", sa.String(400), nullable=False),
    sa.Column("record_key_r", sa.String(400), nullable=False),
    sa.Column("decision", sa.String(10), nullable=False),
    sa.Column("actor", sa.String(100), nullable=False),
    sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("job_id", sa.Integer, sa.ForeignKey("linkage_job.id", ondelete="SET NULL"),
              nullable=True),
    sa.Column("note", sa.Text, nullable=True),
    sa.Index("ix_linkage_decision_pair", "record_key_l", "record_key_r"),
)

# ---------------------------------------------------------------- observatory settings
# Settings that belong to the data rather than to one process, e.g. which source types make
# up the observatory's primary series (``primary_sources``), so every entry point agrees.

observatory_setting = sa.Table(
    "observatory_setting",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.JSON, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

# ---------------------------------------------------------------- data versions
# One counter per kind of data, bumped by the database's own triggers in the same transaction as
# any write to its tables (revision 0019, :mod:`salus.storage.versions`); caches key on them.

data_version = sa.Table(
    "data_version",
    metadata,
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("version", sa.BigInteger, nullable=False, server_default="0"),
)

data_version_pending = sa.Table(
    "data_version_pending",
    metadata,
    sa.Column("txid", sa.BigInteger, primary_key=True),
    sa.Column("name", sa.String(40), primary_key=True),
)
