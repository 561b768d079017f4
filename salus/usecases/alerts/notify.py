"""Alert notifications by e-mail (SMTP) and webhook (JSON POST), with bounded retries.

An alert notifies when it fires (the rule's recipients and webhook) and when its state changes
(issue 13): ``assigned`` tells the assignee, ``escalated`` the administrators whose area scope
holds the alert's area, ``resolved`` the rule's creator, the assignee and the rule's recipients
(its watchers) and webhook. People are named by username (their account's ``email``) or by an
e-mail address; someone with no address is not told (nothing to send to).
One ``notification`` row per (alert, event, channel, target) — the unique key makes a second
run, a second process or a second identical move unable to queue a duplicate — and a row once
``sent`` is never sent again.
Delivery tries up to ``max_attempts`` times with exponential backoff (``backoff_s``, doubled
each time) and records the attempt count and the last error; attempts count across runs, so a
row that used them all up stays ``failed`` (with ``last_error``) and is never retried.
Settings come from ``SALUS_SMTP_*`` / ``SALUS_NOTIFY_*`` variables (:mod:`salus.config`).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import smtplib
import time
import urllib.request
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any

import sqlalchemy as sa

from salus.config import NotifySettings as NotifySettings  # re-exported: callers pass one
from salus.config import SmtpSettings as SmtpSettings
from salus.storage import alerts as a
from salus.storage import schema as t

Sender = Callable[[str, dict[str, Any]], None]
EVENTS = ("fired", "assigned", "escalated", "resolved")
"""What a notification tells: the alert fired, or its state changed."""
ESCALATION_ROLE = "admin"
"""Who an escalated alert goes to: the administrators of its area (or of the whole country)."""
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def queue(conn: sa.Connection, alert_id: int, rule: Any) -> int:
    """Queue one notification per recipient and webhook of ``rule``; return how many are new."""
    return queue_event(conn, alert_id, "fired", _rule_targets(rule))


def _rule_targets(rule: Any) -> list[tuple[str, str]]:
    targets = [("email", str(r)) for r in (rule.recipients or [])]
    if rule.webhook_url:
        targets.append(("webhook", str(rule.webhook_url)))
    return targets


def queue_event(conn: sa.Connection, alert_id: int, event: str,
                targets: list[tuple[str, str]]) -> int:
    """Queue ``event`` for each ``(channel, target)`` not told of it yet; return how many."""
    if event not in EVENTS:
        raise ValueError(f"unknown notification event {event!r}")
    n = a.notification
    existing = {(r.channel, r.target) for r in conn.execute(
        sa.select(n.c.channel, n.c.target).where(n.c.alert_id == alert_id, n.c.event == event))}
    new = list(dict.fromkeys(tg for tg in targets if tg not in existing))
    now = dt.datetime.now(dt.UTC)
    for channel, target in new:
        conn.execute(n.insert().values(
            alert_id=alert_id, event=event, channel=channel, target=target, status="pending",
            attempts=0, created_at=now))
    return len(new)


def addresses(conn: sa.Connection, people: list[str | None]) -> list[str]:
    """E-mail addresses of ``people``: an active user's ``email`` by username, or the text
    itself when it is an e-mail address; in order, without repeats."""
    names = [p.strip() for p in people if p and p.strip()]
    u = t.app_user
    known = {str(r.username): str(r.email) for r in conn.execute(
        sa.select(u.c.username, u.c.email).where(
            u.c.username.in_(names), u.c.active.is_(True), u.c.email.is_not(None)))}
    found = [known.get(name) or (name if EMAIL.match(name) else None) for name in names]
    return list(dict.fromkeys(f for f in found if f))


def escalation_addresses(conn: sa.Connection, area_id: int) -> list[str]:
    """Addresses of the active administrators whose scope holds ``area_id`` (unbound, or bound
    to the area or one of its ancestors)."""
    u = t.app_user
    above = sa.select(t.area_ancestor.c.ancestor_id).where(t.area_ancestor.c.area_id == area_id)
    rows = conn.execute(sa.select(u.c.email).where(
        u.c.role == ESCALATION_ROLE, u.c.active.is_(True), u.c.email.is_not(None),
        sa.or_(u.c.area_id.is_(None), u.c.area_id.in_(above))).order_by(u.c.username))
    return list(dict.fromkeys(str(r.email) for r in rows))


def queue_state_change(conn: sa.Connection, alert_id: int, event: str) -> int:
    """Queue ``event`` (assigned, escalated, resolved) to the people concerned (module doc)."""
    row = conn.execute(sa.select(a.alert.c.area_id, a.alert.c.assignee, a.alert_rule)
                       .join(a.alert_rule, a.alert_rule.c.id == a.alert.c.rule_id)
                       .where(a.alert.c.id == alert_id)).one()
    if event == "assigned":
        targets = [("email", m) for m in addresses(conn, [row.assignee])]
    elif event == "escalated":
        targets = [("email", m) for m in escalation_addresses(conn, row.area_id)]
    elif event == "resolved":
        people = addresses(conn, [row.created_by, row.assignee, *(row.recipients or [])])
        targets = [("email", m) for m in people]
        targets += [tg for tg in _rule_targets(row) if tg[0] == "webhook"]
    else:
        raise ValueError(f"not a state change: {event!r}")
    return queue_event(conn, alert_id, event, targets)


def payload(conn: sa.Connection, alert_id: int, event: str = "fired") -> dict[str, Any]:
    """What a notification says: the event, the alert, its area, rule and why it fired."""
    row = conn.execute(
        sa.select(a.alert, t.area.c.code.label("area_code"), t.area.c.name.label("area_name"),
                  a.alert_rule.c.name.label("rule_name"))
        .join(t.area, t.area.c.id == a.alert.c.area_id)
        .join(a.alert_rule, a.alert_rule.c.id == a.alert.c.rule_id)
        .where(a.alert.c.id == alert_id)).mappings().one()
    keys = ("id", "rule_name", "area_code", "area_name", "observed", "expected", "upper_bound",
            "score", "method", "parameters", "status", "assignee", "response")
    out = {k: row[k] for k in keys}
    out["event"] = event
    out.update(period_start=row["period_start"].isoformat(),
               period_end=row["period_end"].isoformat())
    return out


def send_email(target: str, body: dict[str, Any], smtp: SmtpSettings | None = None) -> None:
    smtp = smtp or SmtpSettings()
    msg = EmailMessage()
    what = "" if body.get("event", "fired") == "fired" else f" {body['event']}"
    msg["Subject"] = (f"[Salus] alert {body['id']}{what}: {body['rule_name']} in "
                      f"{body['area_name']} ({body['period_start']})")
    msg["From"], msg["To"] = smtp.sender, target
    msg.set_content(_email_text(body))
    with smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout_s) as client:
        if smtp.starttls:
            client.starttls()
        if smtp.user:
            client.login(smtp.user, smtp.password or "")
        client.send_message(msg)


def _email_text(body: dict[str, Any]) -> str:
    bound = body["upper_bound"]
    change = ""
    if body.get("event", "fired") != "fired":
        change = (f"Alert {body['event']}: status {body['status']}, assignee "
                  f"{body.get('assignee') or '-'}, response {body.get('response') or '-'}\n")
    return change + (f"Rule: {body['rule_name']}\nArea: {body['area_name']} ({body['area_code']})\n"
            f"Period: {body['period_start']} .. {body['period_end']}\n"
            f"Observed {body['observed']:g}, expected {body['expected']}, "
            f"threshold {bound}, score {body['score']}\n"
            f"Method: {body['method']} {json.dumps(body['parameters'], sort_keys=True)}\n")


def send_webhook(target: str, body: dict[str, Any], timeout_s: float = 10.0) -> None:
    event = body.get("event", "fired")
    name = "salus.alert" if event == "fired" else f"salus.alert.{event}"
    data = json.dumps({"event": name, "alert": body}, default=str).encode()
    request = urllib.request.Request(target, data=data, method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout_s) as response:
        if not 200 <= response.status < 300:
            raise OSError(f"webhook answered HTTP {response.status}")


def default_senders(settings: NotifySettings) -> dict[str, Sender]:
    return {"email": send_email,
            "webhook": lambda target, body: send_webhook(target, body, settings.timeout_s)}


def deliver_pending(engine: sa.Engine, settings: NotifySettings | None = None,
                    senders: dict[str, Sender] | None = None) -> dict[str, int]:
    """Send every pending (or failed, attempts left) notification; return counts by outcome."""
    settings = settings or NotifySettings()
    senders = senders or default_senders(settings)
    n = a.notification
    with engine.connect() as conn:
        rows = conn.execute(sa.select(n).where(n.c.status.in_(("pending", "failed")),
                                               n.c.attempts < settings.max_attempts)
                            .order_by(n.c.id)).all()
    outcome = {"sent": 0, "failed": 0}
    for row in rows:
        ok = _deliver_one(engine, row, settings, senders[row.channel])
        outcome["sent" if ok else "failed"] += 1
    return outcome


def _deliver_one(engine: sa.Engine, row: Any, settings: NotifySettings, send: Sender) -> bool:
    with engine.connect() as conn:
        body = payload(conn, row.alert_id, row.event)
    attempts, delay, error = row.attempts, settings.backoff_s, None
    while attempts < settings.max_attempts:
        attempts += 1
        try:
            send(row.target, body)
            error = None
            break
        except Exception as exc:  # noqa: BLE001 - any failure is recorded and retried
            error = f"{exc.__class__.__name__}: {exc}"
            _record(engine, row.id, attempts, "failed", error)
            if attempts < settings.max_attempts:
                time.sleep(delay)
                delay *= 2
    if error is None:
        _record(engine, row.id, attempts, "sent", None)
    return error is None


def _record(engine: sa.Engine, notification_id: int, attempts: int, status: str,
            error: str | None) -> None:
    values: dict[str, Any] = {"attempts": attempts, "status": status}
    if status == "sent":  # last_error keeps the failure that a retry overcame
        values["sent_at"] = dt.datetime.now(dt.UTC)
    else:
        values["last_error"] = error
    with engine.begin() as conn:
        conn.execute(a.notification.update().where(a.notification.c.id == notification_id)
                     .values(**values))
