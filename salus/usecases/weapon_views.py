"""Read-only views of one weapon for the web pages and the API: its lifecycle as recorded
(append-only, corrections shown as their own entries), its links to incidents and its current
holder.

Permissions as in :mod:`salus.usecases.weapons_common`: ``WEAPONS`` reads the history; the
holder's name and identity document are shown only to ``WEAPON_OWNERS`` viewers, and that read
is written to the audit log (``weapon_owner.read``) by
:func:`salus.usecases.weapons_owners.audit_owner_read`. Other viewers see that the weapon is
held, under which licence type, and nothing about the person.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from salus.auth.roles import Permission, Viewer
from salus.storage import arms_schema as w
from salus.storage import schema as t
from salus.usecases.weapons_common import can_read, weapon_row
from salus.usecases.weapons_owners import audit_owner_read


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One recorded lifecycle event (as stored; a correction names the event it amends)."""

    id: int
    event_type: str
    occurred_on: dt.date
    area_code: str | None
    area_name: str | None
    place: str | None
    incident_uid: str | None
    case_reference: str | None
    campaign: str | None
    destruction_certificate: str | None
    corrects: int | None
    details: dict[str, Any]
    recorded_by: str
    recorded_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Holder:
    """Who holds the weapon now (registered holding without an end date)."""

    since: dt.date
    licence_number: str | None
    licence_type: str | None
    owner_uid: str | None = None
    owner_name: str | None = None
    owner_kind: str | None = None
    id_document: str | None = None


@dataclass(frozen=True, slots=True)
class LinkedIncident:
    uid: str
    role: str
    occurred_on: dt.date | None
    iccs_code: str | None
    area_code: str | None


@dataclass(slots=True)
class WeaponStory:
    """Timeline, incidents and holder of one weapon."""

    timeline: list[TimelineEntry] = field(default_factory=list)
    incidents: list[LinkedIncident] = field(default_factory=list)
    holder: Holder | None = None
    owner_shown: bool = False


def weapon_story(engine: sa.Engine, viewer: Viewer, uid: str) -> WeaponStory:
    """The lifecycle timeline, linked incidents and current holder of weapon ``uid``."""
    can_read(viewer)
    with engine.begin() as conn:
        weapon = weapon_row(conn, viewer, uid)
        story = WeaponStory(_timeline(conn, weapon["id"]), _incidents(conn, weapon["id"]))
        story.holder = _holder(conn, viewer, weapon["id"], uid)
        story.owner_shown = story.holder is not None and story.holder.owner_name is not None
    return story


def _timeline(conn: sa.Connection, weapon_id: int) -> list[TimelineEntry]:
    e, c, b = w.weapon_event, w.collection_campaign, w.destruction_batch
    q = (sa.select(e, t.area.c.code.label("area_code"), t.area.c.name.label("area_name"),
                   c.c.name.label("campaign"), b.c.certificate_number.label("certificate"))
         .select_from(e.outerjoin(t.area, t.area.c.id == e.c.area_id)
                      .outerjoin(c, c.c.id == e.c.campaign_id)
                      .outerjoin(b, b.c.id == e.c.destruction_batch_id))
         .where(e.c.weapon_id == weapon_id).order_by(e.c.id))
    return [TimelineEntry(r.id, r.event_type, r.occurred_on, r.area_code, r.area_name, r.place,
                          r.incident_uid, r.case_reference, r.campaign, r.certificate,
                          r.corrects_event_id, dict(r.details or {}), r.recorded_by,
                          r.recorded_at) for r in conn.execute(q)]


def _incidents(conn: sa.Connection, weapon_id: int) -> list[LinkedIncident]:
    """Incidents linked explicitly and those named by lifecycle events (seized at…)."""
    links = conn.execute(sa.select(w.weapon_incident.c.incident_uid, w.weapon_incident.c.role)
                         .where(w.weapon_incident.c.weapon_id == weapon_id)).all()
    named = conn.execute(sa.select(w.weapon_event.c.incident_uid, w.weapon_event.c.event_type)
                         .where(w.weapon_event.c.weapon_id == weapon_id,
                                w.weapon_event.c.incident_uid.is_not(None))).all()
    roles: dict[str, str] = {}
    for uid, role in [*links, *named]:
        roles.setdefault(str(uid), str(role))
    if not roles:
        return []
    i = t.incident
    rows = {r.uid: r for r in conn.execute(
        sa.select(i.c.uid, i.c.occurred_on, i.c.iccs_code, t.area.c.code)
        .join(t.area, t.area.c.id == i.c.area_id).where(i.c.uid.in_(sorted(roles))))}
    out = []
    for uid in sorted(roles):
        r = rows.get(uid)
        out.append(LinkedIncident(uid, roles[uid], r.occurred_on if r else None,
                                  r.iccs_code if r else None, r.code if r else None))
    return out


def _holder(conn: sa.Connection, viewer: Viewer, weapon_id: int, uid: str) -> Holder | None:
    h, lic, o = w.weapon_holding, w.licence, w.arms_owner
    row = conn.execute(
        sa.select(h.c.from_date, lic.c.number, lic.c.licence_type, o.c.uid, o.c.kind,
                  o.c.given_name, o.c.family_name, o.c.entity_name, o.c.id_document_type,
                  o.c.id_document_number, o.c.registration_number)
        .join(lic, lic.c.id == h.c.licence_id).join(o, o.c.id == h.c.owner_id)
        .where(h.c.weapon_id == weapon_id, h.c.to_date.is_(None))
        .order_by(h.c.id.desc()).limit(1)).first()
    if row is None:
        return None
    if not viewer.can(Permission.WEAPON_OWNERS):
        return Holder(row.from_date, None, row.licence_type)
    audit_owner_read(conn, viewer, [row.uid], "weapon_page", {"weapon": uid})
    name = (row.entity_name if row.entity_name
            else " ".join(p for p in (row.given_name, row.family_name) if p))
    document = (row.registration_number if row.kind == "entity"
                else f"{row.id_document_type or ''} {row.id_document_number or ''}".strip())
    return Holder(row.from_date, row.number, row.licence_type, row.uid, name or "", row.kind,
                  document or None)
