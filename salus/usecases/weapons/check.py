""""Is this weapon registered, and to whom?" — the check for authorised officers (issue 6 §2).

Only viewers with ``WEAPON_OWNERS`` may run it, and every look-up is written to the audit log as
``weapon.check`` whatever it finds: *who* (the actor), *when* (the time stamp), *what was asked*
(serial or uid, manufacturer, the stated reason) and *what was returned* (weapon uids, statuses,
owner uids and licence numbers). The serial is compared by its canonical key
(:func:`salus.domain.weapons.serials.serial_key`), so ``0``/``O`` misreadings still find the
weapon; the
tolerant search with wildcards is ``weapon_search``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from salus.domain.accounts.roles import Viewer
from salus.domain.weapons import serials
from salus.domain.weapons.registry import ArmsRuleError, licence_status
from salus.storage.weapons import schema as w
from salus.usecases.weapons.common import (
    audit,
    can_see_owners,
    fail,
    scoped,
    today,
)

CHECK_ACTION = "weapon.check"


@dataclass(frozen=True, slots=True)
class HolderAnswer:
    """The registered holder of a weapon and the licence it is held under."""

    owner_uid: str
    owner_name: str
    owner_kind: str
    id_document: str | None
    licence_number: str
    licence_type: str
    licence_status: str
    """Status today: ``active``, ``suspended``, ``revoked`` or ``expired``."""
    since: dt.date


@dataclass(frozen=True, slots=True)
class CheckAnswer:
    """One weapon found: its status, whether it is registered now, and to whom."""

    weapon_uid: str
    manufacturer: str | None
    model: str | None
    serial_number: str | None
    status: str | None
    registered: bool
    holder: HolderAnswer | None = None


@dataclass(frozen=True, slots=True)
class CheckResult:
    query: str
    manufacturer: str | None
    weapons: list[CheckAnswer] = field(default_factory=list)

    @property
    def found(self) -> bool:
        return bool(self.weapons)


def check_weapon(engine: sa.Engine, viewer: Viewer, query: str, *,
                 manufacturer: str | None = None, reason: str | None = None) -> CheckResult:
    """Look a weapon up by uid or serial number (optionally narrowed by manufacturer) and say
    whether it is registered and to whom. Audited, found or not."""
    can_see_owners(viewer)
    if not query.strip():
        fail(ArmsRuleError("required", "query", query, "give a serial number or weapon id"))
    with engine.begin() as conn:
        rows = conn.execute(_weapons(query, manufacturer, viewer)).all()
        answers = [_answer(conn, r) for r in rows]
        result = CheckResult(query, manufacturer, answers)
        audit(conn, viewer.username, CHECK_ACTION, "weapon",
                   answers[0].weapon_uid if len(answers) == 1 else None,
                   {"query": query, "manufacturer": manufacturer, "reason": reason},
                   {"returned": [_returned(a) for a in answers]})
    return result


def _weapons(query: str, manufacturer: str | None, viewer: Viewer) -> sa.Select[Any]:
    c = w.weapon.c
    key = serials.serial_key(query)
    cond = c.uid == query.strip()
    if key:
        cond = sa.or_(cond, c.serial_key == key)
    where = [cond, *scoped(c.area_id, viewer)]
    if manufacturer and manufacturer.strip():
        where.append(c.manufacturer_key == serials.manufacturer_key(manufacturer))
    return (sa.select(c.id, c.uid, c.manufacturer, c.model, c.serial_number, c.status)
            .where(*where).order_by(c.id).limit(50))


def _holding_query(weapon_id: int, open_only: bool = True) -> sa.Select[Any]:
    h, o, lic = w.weapon_holding, w.arms_owner, w.licence
    where = [h.c.weapon_id == weapon_id]
    if open_only:
        where.append(h.c.to_date.is_(None))
    return (sa.select(h.c.from_date, o.c.uid, o.c.kind, o.c.given_name, o.c.family_name,
                      o.c.entity_name, o.c.id_document_type, o.c.id_document_number,
                      o.c.registration_number, lic.c.number, lic.c.licence_type, lic.c.status,
                      lic.c.expires_on)
            .join(o, o.c.id == h.c.owner_id).join(lic, lic.c.id == h.c.licence_id)
            .where(*where).order_by(h.c.from_date.desc(), h.c.id.desc()))


def _answer(conn: sa.Connection, r: Any) -> CheckAnswer:
    held = conn.execute(_holding_query(r.id)).first()
    holder = None if held is None else _holder(held)
    registered = holder is not None and r.status == "registered"
    return CheckAnswer(r.uid, r.manufacturer, r.model, r.serial_number, r.status, registered,
                       holder)


def _holder(h: Any) -> HolderAnswer:
    if h.kind == "entity":
        name, doc = str(h.entity_name or ""), h.registration_number
    else:
        name = " ".join(p for p in (h.given_name, h.family_name) if p)
        doc = f"{h.id_document_type}:{h.id_document_number}" if h.id_document_number else None
    return HolderAnswer(h.uid, name, h.kind, doc, h.number, h.licence_type,
                        licence_status(h.status, h.expires_on, today()).value, h.from_date)


def _returned(a: CheckAnswer) -> dict[str, Any]:
    out: dict[str, Any] = {"weapon": a.weapon_uid, "status": a.status,
                           "registered": a.registered}
    if a.holder is not None:
        out |= {"owner": a.holder.owner_uid, "licence": a.holder.licence_number,
                "licence_status": a.holder.licence_status}
    return out


def last_legal_holder(engine: sa.Engine, viewer: Viewer, weapon_uid: str,
                      reason: str | None = None) -> HolderAnswer | None:
    """The last owner the weapon was registered to (open or closed holding), as national
    records answer a tracing request (ITI §§14–17); None if it was never registered. Audited
    as a ``weapon.check`` like every other look-up of holders."""
    can_see_owners(viewer)
    with engine.begin() as conn:
        row = conn.execute(sa.select(w.weapon.c.id).where(
            w.weapon.c.uid == weapon_uid, *scoped(w.weapon.c.area_id, viewer))).first()
        if row is None:
            fail(ArmsRuleError("weapon.unknown", "weapon", weapon_uid, "no such weapon"))
        held = conn.execute(_holding_query(row.id, open_only=False)).first()
        holder = None if held is None else _holder(held)
        audit(conn, viewer.username, CHECK_ACTION, "weapon", weapon_uid,
                   {"query": weapon_uid, "reason": reason, "context": "last_legal_holder"},
                   {"returned": [] if holder is None else
                    [{"owner": holder.owner_uid, "licence": holder.licence_number}]})
    return holder
