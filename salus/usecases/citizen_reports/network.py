"""Early-warning and safety networks (issue 13): the register of members and alert broadcasts.

A member is a person the observatory reaches when something happens in their community: name,
area (the community), channel (``sms``, ``whatsapp`` or ``email``) with the phone number or
address, the languages they read (the first is used), role (``focal_point``, ``member``,
``monitor``, ``responder``) and whether they are active. Members are personal data: the register
needs ``verify_reports`` (analysts, administrators, community monitors), an account bound to an
area sees and edits the members of its subtree only, and every change is in the audit log.

A broadcast (``publish_reports``: analysts and administrators) queues one message per active
member of the alert's area subtree in the outbox (:mod:`salus.usecases.citizen_reports.outbox`),
keyed ``alert:<id>:member:<id>`` so broadcasting again reaches only members added since; each
message is in the member's language, with the sender's note as written. The alert page lists
every member's message and its delivery status.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from salus.domain.accounts.roles import Permission, Viewer
from salus.domain.citizen_reports import (
    LANGUAGES,
    NETWORK_CHANNELS,
    NETWORK_ROLES,
    broadcast_text,
    contact_kind,
    normalise_phone,
)
from salus.storage import alerts as a
from salus.storage import repository
from salus.storage import schema as t
from salus.storage.citizen_reports.schema import network_member as nm
from salus.storage.citizen_reports.schema import outbound_message as m
from salus.usecases.citizen_reports.outbox import queue
from salus.usecases.errors import NotFound, ValidationFailed, require
from salus.usecases.scope import area_condition, area_id_of, area_in_scope, subtree

FIELDS = ("name", "area_code", "channel", "phone", "email", "languages", "role", "active")


@dataclass(frozen=True, slots=True)
class Member:
    id: int
    name: str
    area_code: str
    area_name: str
    channel: str
    phone: str | None
    email: str | None
    languages: list[str]
    role: str
    active: bool


@dataclass(frozen=True, slots=True)
class Delivery:
    """One member's message of a broadcast and where it stands."""

    member: str
    channel: str
    language: str
    status: str
    attempts: int
    sent_at: dt.datetime | None
    last_error: str | None


def can_manage(viewer: Viewer) -> bool:
    return viewer.can(Permission.VERIFY_REPORTS)


def can_broadcast(viewer: Viewer) -> bool:
    return viewer.can(Permission.PUBLISH_REPORTS)


def _error(field: str, code: str, message: str) -> dict[str, str]:
    return {"field": field, "code": code, "message": message}


def _languages(value: object) -> list[str] | None:
    items = value.replace(",", " ").split() if isinstance(value, str) else value
    if not isinstance(items, list | tuple) or not items:
        return None
    out = [str(x).strip().lower() for x in items]
    return out if all(x in LANGUAGES for x in out) and len(set(out)) == len(out) else None


def _text(data: Mapping[str, Any], key: str, limit: int) -> str | None:
    value = data.get(key)
    return value.strip()[:limit] or None if isinstance(value, str) else None


def check_member(conn: sa.Connection, viewer: Viewer,
                 data: Mapping[str, Any]) -> dict[str, Any]:
    """The member's columns, or ValidationFailed naming every bad field and its value."""
    errors = []
    name = _text(data, "name", 200)
    if not name:
        errors.append(_error("name", "value.missing", "the member's name is required"))
    code = _text(data, "area_code", 64) or ""
    area_id = area_id_of(conn, code) if code else None
    if area_id is None:
        errors.append(_error("area_code", "area.unknown", f"no area with code {code!r}"))
    elif not area_in_scope(conn, viewer, area_id):
        errors.append(_error("area_code", "area.scope",
                             f"area {code!r} is outside the area your account covers"))
    channel = _text(data, "channel", 16)
    if channel not in NETWORK_CHANNELS:
        errors.append(_error("channel", "code.unknown",
                             f"{channel!r} is not one of {', '.join(NETWORK_CHANNELS)}"))
    phone_text, email = _text(data, "phone", 40), _text(data, "email", 254)
    phone = normalise_phone(phone_text) if phone_text else None
    if phone_text and phone is None:
        errors.append(_error("phone", "value.invalid", f"{phone_text!r} is not a phone number"))
    if email and contact_kind(email) != "email":
        errors.append(_error("email", "value.invalid", f"{email!r} is not an e-mail address"))
    if channel in ("sms", "whatsapp") and not phone and not phone_text:
        errors.append(_error("phone", "value.missing", f"a {channel} member needs a number"))
    if channel == "email" and not email:
        errors.append(_error("email", "value.missing", "an email member needs an address"))
    languages = _languages(data.get("languages") or "en")
    if languages is None:
        errors.append(_error("languages", "code.unknown",
                             f"{data.get('languages')!r}: codes among {', '.join(LANGUAGES)}"))
    role = _text(data, "role", 32) or "member"
    if role not in NETWORK_ROLES:
        errors.append(_error("role", "code.unknown",
                             f"{role!r} is not one of {', '.join(NETWORK_ROLES)}"))
    if errors:
        raise ValidationFailed(errors)
    active = data.get("active", True)
    return {"name": name, "area_id": area_id, "channel": channel, "phone": phone,
            "email": email, "languages": languages, "role": role,
            "active": active if isinstance(active, bool) else str(active).lower() in
            ("1", "true", "on", "yes")}


def _require(viewer: Viewer) -> None:
    require(can_manage(viewer), "your role does not manage safety-network members")


def _select() -> sa.Select[Any]:
    return (sa.select(nm, t.area.c.code.label("area_code"), t.area.c.name.label("area_name"))
            .join(t.area, t.area.c.id == nm.c.area_id))


def _member(r: Any) -> Member:
    return Member(r.id, r.name, r.area_code, r.area_name, r.channel, r.phone, r.email,
                  list(r.languages or []), r.role, bool(r.active))


def list_members(engine: sa.Engine, viewer: Viewer, area_code: str | None = None,
                 active_only: bool = False) -> list[Member]:
    """The members the viewer may see (area subtree), by area then name."""
    _require(viewer)
    with engine.connect() as conn:
        where: list[Any] = list(area_condition(nm.c.area_id, viewer))
        if area_code:
            area_id = area_id_of(conn, area_code)
            where.append(nm.c.area_id.in_(subtree(area_id)) if area_id else sa.false())
        if active_only:
            where.append(nm.c.active.is_(True))
        rows = conn.execute(_select().where(*where).order_by(t.area.c.code, nm.c.name)).all()
    return [_member(r) for r in rows]


def get_member(engine: sa.Engine, viewer: Viewer, member_id: int) -> Member:
    _require(viewer)
    with engine.connect() as conn:
        row = conn.execute(_select().where(nm.c.id == member_id,
                                           *area_condition(nm.c.area_id, viewer))).first()
    if row is None:
        raise NotFound("no such network member")
    return _member(row)


def add_member(engine: sa.Engine, viewer: Viewer, data: Mapping[str, Any]) -> int:
    """Register a member; returns its id."""
    _require(viewer)
    with engine.begin() as conn:
        values = check_member(conn, viewer, data)
        now = repository.now()
        member_id = int(conn.execute(nm.insert().values(
            **values, created_by=viewer.username, created_at=now, updated_at=now))
            .inserted_primary_key[0])  # type: ignore[index]
        repository.audit(conn, viewer.username, "create", "network_member", str(member_id),
                         None, _logged(values))
    return member_id


def update_member(engine: sa.Engine, viewer: Viewer, member_id: int,
                  data: Mapping[str, Any]) -> None:
    """Change a member (every field given again, as the form sends them)."""
    before = get_member(engine, viewer, member_id)
    with engine.begin() as conn:
        values = check_member(conn, viewer, data)
        conn.execute(nm.update().where(nm.c.id == member_id)
                     .values(**values, updated_at=repository.now()))
        repository.audit(conn, viewer.username, "update", "network_member", str(member_id),
                         {"area_code": before.area_code, "channel": before.channel,
                          "active": before.active}, _logged(values))


def delete_member(engine: sa.Engine, viewer: Viewer, member_id: int) -> None:
    """Remove a member and their queued messages (their delivery history goes with them)."""
    get_member(engine, viewer, member_id)
    with engine.begin() as conn:
        conn.execute(m.delete().where(m.c.member_id == member_id))
        conn.execute(nm.delete().where(nm.c.id == member_id))
        repository.audit(conn, viewer.username, "delete", "network_member", str(member_id),
                         None, None)


def _logged(values: Mapping[str, Any]) -> dict[str, Any]:
    """What the audit log keeps of a change: no number or address."""
    return {k: v for k, v in values.items() if k not in ("phone", "email")}


def _alert(conn: sa.Connection, viewer: Viewer, alert_id: int) -> Any:
    row = conn.execute(sa.select(a.alert, t.area.c.name.label("area_name"))
                       .join(t.area, t.area.c.id == a.alert.c.area_id)
                       .where(a.alert.c.id == alert_id)).first()
    if row is None or not area_in_scope(conn, viewer, row.area_id):
        raise NotFound("no such alert")
    return row


def broadcast(engine: sa.Engine, viewer: Viewer, alert_id: int, note: str | None = None) -> int:
    """Queue the alert's message to every active member of its area's subtree; returns how
    many messages are new (members already reached are not messaged again)."""
    require(can_broadcast(viewer), "your role does not broadcast alerts to networks")
    note = (note or "").strip()[:400] or None
    with engine.begin() as conn:
        alert = _alert(conn, viewer, alert_id)
        members = conn.execute(sa.select(nm).where(
            nm.c.area_id.in_(subtree(alert.area_id)), nm.c.active.is_(True))
            .order_by(nm.c.id)).all()
        new = sum(_queue_member(conn, alert, member, note) for member in members)
        repository.audit(conn, viewer.username, "broadcast", "alert", str(alert_id), None,
                         {"members": len(members), "queued": new, "note": note})
    return new


def _queue_member(conn: sa.Connection, alert: Any, member: Any, note: str | None) -> bool:
    language = (member.languages or ["en"])[0]
    body = broadcast_text(language, area=alert.area_name, start=alert.period_start.isoformat(),
                          end=alert.period_end.isoformat(), observed=alert.observed,
                          expected=alert.expected, note=note)
    recipient = member.email if member.channel == "email" else member.phone
    return queue(conn, key=f"alert:{alert.id}:member:{member.id}", kind="broadcast",
                 channel=member.channel, recipient=recipient, language=language, body=body,
                 alert_id=alert.id, member_id=member.id)


def deliveries(engine: sa.Engine, viewer: Viewer, alert_id: int) -> list[Delivery]:
    """Each member's message of the alert's broadcasts with its delivery status (members are
    personal data: ``verify_reports``)."""
    _require(viewer)
    with engine.connect() as conn:
        _alert(conn, viewer, alert_id)
        rows = conn.execute(
            sa.select(m, nm.c.name.label("member_name"))
            .join(nm, nm.c.id == m.c.member_id)
            .where(m.c.alert_id == alert_id, *area_condition(nm.c.area_id, viewer))
            .order_by(nm.c.name, m.c.id)).all()
    return [Delivery(r.member_name, r.channel, r.language, r.status, int(r.attempts),
                     r.sent_at, r.last_error) for r in rows]
