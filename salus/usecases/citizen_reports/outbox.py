"""The outbox (issue 13): replies to reporters and alert broadcasts, queued once, sent with
retries.

Queueing happens in the transaction of the decision that causes it (a verifier's decision, a
broadcast), keyed by ``dedupe_key`` under a unique constraint, so a report verified twice,
a broadcast pressed twice or two racing requests queue one message. A reply is queued only when
the reporter gave a phone number **and** agreed to be contacted (``reply_consent``), in the
reporter's language.

:func:`send_outbox` (``salus reports send-outbox``, run from cron or a systemd timer) claims
each due message with a conditional ``UPDATE`` (``pending`` → ``sending``; only one worker's
update matches), hands it to the provider, and records ``sent`` or, on failure, schedules the
next try after ``backoff_s · 2^(attempts-1)`` seconds (exponential backoff, as the alert
notifications do) until ``max_attempts`` are used up (``failed``, with the last error). A
message stuck in ``sending`` for longer than :data:`LEASE` (a worker died) is due again.
A sent message is never sent again, so running the worker twice sends nothing twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from salus.config import SmsSettings
from salus.domain.citizen_reports import UPDATE_EVENTS, normalise_phone, update_text
from salus.storage import repository
from salus.storage.citizen_reports import outbox as store
from salus.storage.citizen_reports.schema import outbound_message as m
from salus.usecases.citizen_reports.provider import DeliveryError, Payload, Provider

LEASE = dt.timedelta(minutes=10)
"""How long a claimed message may stay ``sending`` before another worker may take it."""


def queue(conn: sa.Connection, *, key: str, kind: str, channel: str, recipient: str,
          language: str, body: str, report_id: int | None = None,
          alert_id: int | None = None, member_id: int | None = None) -> bool:
    """Queue one message in the caller's transaction; False when ``key`` was already queued."""
    now = repository.now()
    return store.insert_once(conn, {
        "dedupe_key": key, "kind": kind, "channel": channel, "recipient": recipient,
        "language": language, "body": body, "status": "pending", "attempts": 0,
        "next_attempt_at": now, "created_at": now, "report_id": report_id,
        "alert_id": alert_id, "member_id": member_id})


def reply_number(row: dict[str, Any]) -> str | None:
    """The number a reporter may be answered on: only with consent and a phone contact."""
    if not row.get("reply_consent") or not row.get("contact"):
        return None
    return normalise_phone(str(row["contact"]))


def queue_report_update(conn: sa.Connection, row: dict[str, Any], event: str) -> bool:
    """Queue the reporter's message about ``event`` (once per report and event)."""
    number = reply_number(row)
    if event not in UPDATE_EVENTS or number is None:
        return False
    language = str(row.get("language") or "en")
    return queue(conn, key=f"report:{row['id']}:{event}", kind="report_update", channel="sms",
                 recipient=number, language=language,
                 body=update_text(language, event, str(row["reference"])),
                 report_id=int(row["id"]))


@dataclass(frozen=True, slots=True)
class OutboxRun:
    """What one run of the worker did."""

    sent: int
    retrying: int
    failed: int


def _due(conn: sa.Connection, now: dt.datetime, limit: int) -> list[Any]:
    return list(conn.execute(
        sa.select(m).where(sa.or_(
            sa.and_(m.c.status == "pending", m.c.next_attempt_at <= now),
            sa.and_(m.c.status == "sending", m.c.claimed_at <= now - LEASE)))
        .order_by(m.c.next_attempt_at, m.c.id).limit(limit)))


def _claim(engine: sa.Engine, row: Any, now: dt.datetime) -> bool:
    with engine.begin() as conn:
        result = conn.execute(m.update().where(
            m.c.id == row.id, m.c.status == row.status, m.c.attempts == row.attempts)
            .values(status="sending", claimed_at=now))
    return result.rowcount == 1


def send_outbox(engine: sa.Engine, provider: Provider, settings: SmsSettings | None = None,
                now: dt.datetime | None = None, limit: int = 500) -> OutboxRun:
    """Send every due message once (see the module's docstring); ``now`` for tests."""
    settings = settings or SmsSettings()
    now = now or repository.now()
    with engine.connect() as conn:
        rows = _due(conn, now, limit)
    outcome = {"sent": 0, "pending": 0, "failed": 0}
    for row in rows:
        if not _claim(engine, row, now):
            continue   # another worker took it
        outcome[_send_one(engine, provider, settings, row, now)] += 1
    return OutboxRun(outcome["sent"], outcome["pending"], outcome["failed"])


def _send_one(engine: sa.Engine, provider: Provider, settings: SmsSettings, row: Any,
              now: dt.datetime) -> str:
    attempts = int(row.attempts) + 1
    payload = Payload(row.dedupe_key, row.recipient, row.channel, row.language, row.body,
                      row.kind)
    values: dict[str, Any]
    try:
        provider_id = provider.send(payload)
    except DeliveryError as exc:
        status = "failed" if attempts >= settings.max_attempts else "pending"
        delay = dt.timedelta(seconds=settings.backoff_s * 2 ** (attempts - 1))
        values = {"status": status, "attempts": attempts, "last_error": str(exc)[:2000],
                  "next_attempt_at": now + delay, "claimed_at": None}
    else:
        status = "sent"
        values = {"status": status, "attempts": attempts, "sent_at": repository.now(),
                  "provider_id": provider_id, "claimed_at": None}
    with engine.begin() as conn:
        conn.execute(m.update().where(m.c.id == row.id, m.c.status == "sending")
                     .values(**values))
    return status


def messages(engine: sa.Engine, *, report_id: int | None = None,
             alert_id: int | None = None) -> list[dict[str, Any]]:
    """The outbox rows of a report or an alert (for their pages), oldest first."""
    where = [m.c.report_id == report_id] if report_id is not None else [m.c.alert_id == alert_id]
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(
            sa.select(m).where(*where).order_by(m.c.id)).mappings()]
