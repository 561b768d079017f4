"""Tables of citizen reports (issue 7, section 3): reports as received, photos, workflow events
and the token buckets that rate-limit intake.

Defined on :data:`salus.storage.schema.metadata` (migration ``0011``).

* ``citizen_report.idempotency_key`` is unique: a retried submission (same form token,
  ``Idempotency-Key`` header or gateway message id) finds the first row instead of adding one.
* ``raw`` keeps the submission verbatim as received, whatever parsing made of it.
* ``contact``, ``client_ip`` are identifying (verifiers only); ``phone_hash`` and
  ``client_hash`` are keyed HMAC-SHA256 digests used for rate limits and repeat detection.
"""

from __future__ import annotations

import sqlalchemy as sa

from salus.storage.schema import metadata

TZ = sa.DateTime(timezone=True)

citizen_report = sa.Table(
    "citizen_report",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("reference", sa.String(16), nullable=False, unique=True),
    sa.Column("idempotency_key", sa.String(250), nullable=False, unique=True),
    sa.Column("channel", sa.String(8), nullable=False),
    sa.Column("received_at", TZ, nullable=False),
    sa.Column("raw", sa.Text, nullable=False),
    sa.Column("category", sa.String(32), nullable=False),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("area_id", sa.Integer, sa.ForeignKey("area.id"), nullable=True),
    sa.Column("longitude", sa.Float, nullable=True),
    sa.Column("latitude", sa.Float, nullable=True),
    sa.Column("occurred_on", sa.Date, nullable=True),
    sa.Column("anonymous", sa.Boolean, nullable=False, default=False),
    sa.Column("contact", sa.String(200), nullable=True),
    sa.Column("client_ip", sa.String(64), nullable=True),
    sa.Column("client_hash", sa.String(64), nullable=True),
    sa.Column("phone_hash", sa.String(64), nullable=True),
    sa.Column("text_hash", sa.String(64), nullable=False),
    sa.Column("spam_flags", sa.JSON, nullable=False),
    sa.Column("status", sa.String(12), nullable=False),
    sa.Column("duplicate_of", sa.Integer, sa.ForeignKey("citizen_report.id"), nullable=True),
    sa.Column("verifier", sa.String(100), nullable=True),
    sa.Column("verified_at", TZ, nullable=True),
    sa.Column("notes", sa.Text, nullable=True),
    sa.Column("incident_uid", sa.String(36), nullable=True),
    sa.Column("published", sa.Boolean, nullable=False, default=False),
    sa.Column("public_text", sa.Text, nullable=True),
    sa.Column("published_by", sa.String(100), nullable=True),
    sa.Column("published_at", TZ, nullable=True),
    sa.Column("language", sa.String(8), nullable=True),
    sa.Column("reply_consent", sa.Boolean, nullable=False, default=False,
              server_default=sa.false()),
    sa.Column("entered_by", sa.String(100), nullable=True),
    sa.Column("reported_via", sa.String(16), nullable=True),
    sa.Index("ix_citizen_report_status", "status", "received_at"),
    sa.Index("ix_citizen_report_area", "area_id"),
    sa.Index("ix_citizen_report_text", "text_hash"),
)

citizen_report_photo = sa.Table(
    "citizen_report_photo",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("report_id", sa.Integer, sa.ForeignKey("citizen_report.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("content_type", sa.String(32), nullable=False),
    sa.Column("size", sa.Integer, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("data", sa.LargeBinary, nullable=False),
)

citizen_report_event = sa.Table(
    "citizen_report_event",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("report_id", sa.Integer, sa.ForeignKey("citizen_report.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("at", TZ, nullable=False),
    sa.Column("actor", sa.String(100), nullable=False),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("from_status", sa.String(12), nullable=True),
    sa.Column("to_status", sa.String(12), nullable=True),
    sa.Column("note", sa.Text, nullable=True),
)

intake_bucket = sa.Table(
    "intake_bucket",
    metadata,
    sa.Column("key", sa.String(100), primary_key=True),
    sa.Column("tokens", sa.Float, nullable=False),
    sa.Column("stamp", sa.Float, nullable=False),
)
"""Token buckets (``client:<hash>``, ``phone:<hash>``); ``stamp`` in Unix seconds so the refill
is plain arithmetic in SQL on every backend."""


network_member = sa.Table(
    "network_member",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("area_id", sa.Integer, sa.ForeignKey("area.id"), nullable=False, index=True),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("phone", sa.String(32), nullable=True),
    sa.Column("email", sa.String(254), nullable=True),
    sa.Column("languages", sa.JSON, nullable=False),
    sa.Column("role", sa.String(32), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("created_by", sa.String(100), nullable=False),
    sa.Column("created_at", TZ, nullable=False),
    sa.Column("updated_at", TZ, nullable=False),
)
"""Members of early-warning and safety networks (issue 13): focal points by community."""

outbound_message = sa.Table(
    "outbound_message",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("dedupe_key", sa.String(120), nullable=False, unique=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("recipient", sa.String(254), nullable=False),
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("status", sa.String(12), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("next_attempt_at", TZ, nullable=False),
    sa.Column("claimed_at", TZ, nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("provider_id", sa.String(200), nullable=True),
    sa.Column("created_at", TZ, nullable=False),
    sa.Column("sent_at", TZ, nullable=True),
    sa.Column("report_id", sa.Integer, sa.ForeignKey("citizen_report.id", ondelete="CASCADE"),
              nullable=True, index=True),
    sa.Column("alert_id", sa.Integer, sa.ForeignKey("alert.id", ondelete="CASCADE"),
              nullable=True, index=True),
    sa.Column("member_id", sa.Integer,
              sa.ForeignKey("network_member.id", ondelete="CASCADE"), nullable=True),
    sa.Index("ix_outbound_message_due", "status", "next_attempt_at"),
)
"""The outbox (issue 13): replies to reporters and alert broadcasts to network members.
``dedupe_key`` is unique (``report:<id>:<event>``, ``alert:<id>:member:<id>``), so a message is
queued once however often the decision or the broadcast is repeated; ``status`` is
``pending`` → ``sending`` (claimed by a worker) → ``sent`` | ``pending`` again (retry after
``next_attempt_at``) | ``failed`` (attempts used up)."""
