"""Reading a weapon's lifecycle: its recorded events (corrections included and shown for what
they are), the effective status, and its holdings.

Owners appear in a history only for ``WEAPON_OWNERS`` viewers, and showing them is audited as
``weapon_owner.read``; other viewers see that a holding exists, not who holds it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from salus.domain.accounts.roles import Permission, Viewer
from salus.domain.weapons.lifecycle import effective_history
from salus.storage import schema as t
from salus.storage.weapons import schema as w
from salus.usecases.weapons.common import can_read, lifecycle, weapon_row
from salus.usecases.weapons.owners import audit_owner_read


@dataclass(frozen=True, slots=True)
class EventView:
    """One recorded event. ``voided_by`` / ``amended_by`` name the corrections that apply to it;
    ``effective`` is what the event says once corrected (None when voided)."""

    id: int
    event_type: str
    occurred_on: dt.date
    area_code: str | None
    place: str | None
    case_reference: str | None
    incident_uid: str | None
    campaign: str | None
    destruction_certificate: str | None
    corrects_event_id: int | None
    details: dict[str, Any]
    recorded_by: str
    recorded_at: dt.datetime
    voided_by: int | None = None
    amended_by: tuple[int, ...] = ()
    effective_type: str | None = None
    effective_on: dt.date | None = None


@dataclass(frozen=True, slots=True)
class HoldingView:
    """A registration of the weapon to an owner; owner fields are None unless the viewer has
    ``WEAPON_OWNERS``."""

    from_date: dt.date
    to_date: dt.date | None
    licence_number: str | None
    owner_uid: str | None
    owner_name: str | None


@dataclass(frozen=True, slots=True)
class WeaponHistory:
    weapon_uid: str
    status: str | None
    events: list[EventView] = field(default_factory=list)
    holdings: list[HoldingView] = field(default_factory=list)


def history(engine: sa.Engine, viewer: Viewer, weapon_uid: str) -> WeaponHistory:
    """The whole lifecycle of one weapon, oldest first (``WEAPONS``)."""
    can_read(viewer)
    with engine.begin() as conn:
        weapon = weapon_row(conn, viewer, weapon_uid)
        events = _events(conn, weapon["id"])
        effective = {e.id: e for e in effective_history(lifecycle(conn, weapon["id"]))}
        holdings = _holdings(conn, viewer, weapon["id"])
    return WeaponHistory(weapon_uid, weapon["status"], _annotate(events, effective), holdings)


def _events(conn: sa.Connection, weapon_id: int) -> list[Any]:
    e, c, b = w.weapon_event, w.collection_campaign, w.destruction_batch
    q = (sa.select(e, t.area.c.code.label("area_code"), c.c.name.label("campaign"),
                   b.c.certificate_number.label("destruction_certificate"))
         .select_from(e.outerjoin(t.area, t.area.c.id == e.c.area_id)
                      .outerjoin(c, c.c.id == e.c.campaign_id)
                      .outerjoin(b, b.c.id == e.c.destruction_batch_id))
         .where(e.c.weapon_id == weapon_id).order_by(e.c.id))
    return list(conn.execute(q).all())


def _annotate(rows: list[Any], effective: dict[int | None, Any]) -> list[EventView]:
    voided = {r.corrects_event_id: r.id for r in rows
              if r.corrects_event_id is not None and (r.details or {}).get("void")}
    amended: dict[int, list[int]] = {}
    for r in rows:
        if r.corrects_event_id is not None and not (r.details or {}).get("void"):
            amended.setdefault(r.corrects_event_id, []).append(r.id)
    out = []
    for r in rows:
        now = effective.get(r.id)
        out.append(EventView(
            r.id, r.event_type, r.occurred_on, r.area_code, r.place, r.case_reference,
            r.incident_uid, r.campaign, r.destruction_certificate, r.corrects_event_id,
            dict(r.details or {}), r.recorded_by, r.recorded_at, voided.get(r.id),
            tuple(amended.get(r.id, ())), None if now is None else now.event_type.value,
            None if now is None else now.occurred_on))
    return out


def _holdings(conn: sa.Connection, viewer: Viewer, weapon_id: int) -> list[HoldingView]:
    h, o, lic = w.weapon_holding, w.arms_owner, w.licence
    rows = conn.execute(
        sa.select(h.c.from_date, h.c.to_date, lic.c.number, o.c.uid, o.c.kind, o.c.given_name,
                  o.c.family_name, o.c.entity_name)
        .join(o, o.c.id == h.c.owner_id).join(lic, lic.c.id == h.c.licence_id)
        .where(h.c.weapon_id == weapon_id).order_by(h.c.from_date, h.c.id)).all()
    if not viewer.can(Permission.WEAPON_OWNERS):
        return [HoldingView(r.from_date, r.to_date, None, None, None) for r in rows]
    audit_owner_read(conn, viewer, sorted({r.uid for r in rows}), "weapon_history")
    return [HoldingView(r.from_date, r.to_date, r.number, r.uid, _name(r)) for r in rows]


def _name(r: Any) -> str:
    if r.kind == "entity":
        return str(r.entity_name or "")
    return " ".join(p for p in (r.given_name, r.family_name) if p)
