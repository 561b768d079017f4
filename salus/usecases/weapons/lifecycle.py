"""The lifecycle of a weapon (issue 6 §3): registration to an owner, transfers, loss and theft
reports, seizure, finding, surrender, storage, deactivation, destruction, and corrections.

History is append-only (ITI §12; MOSAIC 05.30 §9): each function here *inserts* one
``weapon_event`` row after :func:`salus.domain.weapons.lifecycle.check_new_event` has accepted it,
stores the resulting status on ``weapon.status``, and keeps ``weapon_holding`` (who holds the
weapon under which licence) in step. A mistake is fixed with :func:`correct_event`, which adds a
``correction`` event; nothing is ever updated or deleted in the history.

Refused with ``ValidationFailed`` (nothing written): an event not allowed after the weapon's
status (a destroyed weapon is never seized, transferred or registered again), an event dated
before manufacture or before the previous event, a future date, a transfer from someone who is not
the current owner, registration under an expired, suspended, revoked or another owner's licence,
an unknown incident, campaign or destruction batch, a correction that references no event.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from salus.domain.accounts.roles import Viewer
from salus.domain.weapons.lifecycle import CLOSES_HOLDING, check_new_event
from salus.domain.weapons.registry import ArmsRuleError, EventType, IncidentRole, LifecycleEvent
from salus.domain.weapons.rules import usable_licence_errors
from salus.storage import repository as repo
from salus.storage import schema as t
from salus.storage.weapons import schema as w
from salus.usecases.weapons.common import (
    area_for,
    audit,
    can_edit,
    can_see_owners,
    check,
    fail,
    licence_row,
    lifecycle,
    new_id,
    owner_row,
    plain,
    scoped,
    today,
    weapon_row,
)

E = EventType
OWNER_EVENTS = frozenset({E.REGISTERED, E.TRANSFERRED})
"""Events with their own function (they need an owner and a licence)."""
HOLDING_EVENTS = OWNER_EVENTS | CLOSES_HOLDING
"""Events that open or close a holding: a correction may amend only their place and notes."""
AUTO_LINK = {E.SEIZED: IncidentRole.SEIZED_AT, E.FOUND: IncidentRole.FOUND_AT}
"""An event linked to an incident also links the weapon to it in this role."""


@dataclass(frozen=True, slots=True)
class EventInput:
    """A lifecycle event to record (not a registration, transfer or correction).

    ``campaign`` names the collection campaign of a surrender; ``destruction_certificate`` the
    destruction batch of a destruction; ``incident_uid`` links a seizure (or any event) to the
    incident or case it belongs to.
    """

    event_type: EventType
    occurred_on: dt.date
    area_code: str | None = None
    place: str | None = None
    case_reference: str | None = None
    incident_uid: str | None = None
    campaign: str | None = None
    destruction_certificate: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    agency: str | None = None
    """The agency that seized, collected or destroyed it; a surrender in a campaign or a
    destruction in a batch takes the campaign's or the batch's collecting agency by default."""


@dataclass(frozen=True, slots=True)
class Recorded:
    """What recording an event did: its id and the weapon's status after it."""

    event_id: int
    status: str | None


def record_event(engine: sa.Engine, viewer: Viewer, weapon_uid: str,
                 event: EventInput) -> Recorded:
    """Append one lifecycle event (manufactured, imported, reported_lost, reported_stolen,
    seized, found, surrendered, stored, deactivated, destroyed) to a weapon's history."""
    with engine.begin() as conn:
        return record_event_in(conn, viewer, weapon_uid, event)


def record_event_in(conn: sa.Connection, viewer: Viewer, weapon_uid: str,
                    event: EventInput) -> Recorded:
    can_edit(viewer)
    kind = EventType(event.event_type)
    if kind in OWNER_EVENTS or kind is E.CORRECTION:
        fail(ArmsRuleError("event.use_dedicated", "event_type", kind.value,
                           "registrations, transfers and corrections have their own action"))
    weapon = weapon_row(conn, viewer, weapon_uid, lock=True)
    values = _references(conn, viewer, event)
    status = _checked(conn, weapon, LifecycleEvent(kind, event.occurred_on,
                                                   incident_uid=event.incident_uid))
    holding = current_holding(conn, weapon["id"])
    event_id = _insert(conn, viewer, weapon, kind, event.occurred_on, status, values
                       | {"holding_id": None if holding is None else holding["id"]})
    if kind in CLOSES_HOLDING and holding is not None:
        conn.execute(w.weapon_holding.update().where(w.weapon_holding.c.id == holding["id"])
                     .values(to_date=event.occurred_on))
    if event.incident_uid and kind in AUTO_LINK:
        link_in(conn, viewer, weapon["id"], event.incident_uid, AUTO_LINK[kind])
    return Recorded(event_id, None if status is None else status.value)


def _references(conn: sa.Connection, viewer: Viewer, event: EventInput) -> dict[str, Any]:
    """Column values of an event's references, each checked (area, incident, campaign,
    destruction batch)."""
    kind = EventType(event.event_type)
    values: dict[str, Any] = {
        "area_id": area_for(conn, viewer, event.area_code) if event.area_code else None,
        "place": event.place, "case_reference": event.case_reference,
        "incident_uid": _incident(conn, event.incident_uid), "details": dict(event.details),
        "campaign_id": None, "destruction_batch_id": None,
        "agency": (event.agency or "").strip() or None}
    if event.campaign:
        campaign = _campaign(conn, viewer, kind, event)
        values["campaign_id"] = int(campaign.id)
        values["agency"] = values["agency"] or campaign.collecting_agency
    if kind is E.DESTROYED or event.destruction_certificate:
        batch = _batch(conn, viewer, kind, event)
        values["destruction_batch_id"] = int(batch.id)
        values["agency"] = values["agency"] or batch.collecting_agency
    return values


def _incident(conn: sa.Connection, uid: str | None) -> str | None:
    if not uid:
        return None
    if conn.scalar(sa.select(t.incident.c.id).where(t.incident.c.uid == uid)) is None:
        fail(ArmsRuleError("incident.unknown", "incident_uid", uid, "no incident with this id"))
    return uid


def _campaign(conn: sa.Connection, viewer: Viewer, kind: EventType,
              event: EventInput) -> sa.Row[Any]:
    """The campaign named by the event, within the viewer's area scope."""
    c = w.collection_campaign
    row = conn.execute(sa.select(c).where(c.c.name == event.campaign,
                                          *scoped(c.c.area_id, viewer))).first()
    if row is None:
        fail(ArmsRuleError("campaign.unknown", "campaign", event.campaign,
                           "no collection campaign with this name"))
    if kind is not E.SURRENDERED:
        fail(ArmsRuleError("campaign.not_surrender", "campaign", event.campaign,
                           "only a surrender belongs to a collection campaign"))
    if not row.starts_on <= event.occurred_on <= row.ends_on:
        fail(ArmsRuleError("campaign.outside_dates", "occurred_on", event.occurred_on,
                           f"the campaign runs from {row.starts_on} to {row.ends_on}"))
    return row


def _batch(conn: sa.Connection, viewer: Viewer, kind: EventType,
           event: EventInput) -> sa.Row[Any]:
    """The destruction batch named by the event, within the viewer's area scope."""
    b = w.destruction_batch
    if kind is not E.DESTROYED:
        fail(ArmsRuleError("batch.not_destruction", "destruction_certificate",
                           event.destruction_certificate, "only a destruction has a batch"))
    if not event.destruction_certificate:
        fail(ArmsRuleError("required", "destruction_certificate", None,
                           "a destruction is recorded in a destruction batch (its certificate)"))
    row = conn.execute(sa.select(b).where(
        b.c.certificate_number == event.destruction_certificate,
        *scoped(b.c.area_id, viewer))).first()
    if row is None:
        fail(ArmsRuleError("batch.unknown", "destruction_certificate",
                           event.destruction_certificate, "no destruction batch with this "
                           "certificate number"))
    if row.destroyed_on != event.occurred_on:
        fail(ArmsRuleError("batch.date", "occurred_on", event.occurred_on,
                           f"the batch was destroyed on {row.destroyed_on}"))
    return row


def _checked(conn: sa.Connection, weapon: sa.RowMapping, new: LifecycleEvent) -> Any:
    try:
        return check_new_event(lifecycle(conn, weapon["id"]), new,
                               year_of_manufacture=weapon["year_of_manufacture"], today=today())
    except ArmsRuleError as exc:
        fail(exc)


def _insert(conn: sa.Connection, viewer: Viewer, weapon: sa.RowMapping, kind: EventType,
            on: dt.date, status: Any, values: dict[str, Any]) -> int:
    event_id = new_id(conn.execute(w.weapon_event.insert(), dict(
        weapon_id=weapon["id"], event_type=kind.value, occurred_on=on,
        recorded_by=viewer.username, recorded_at=repo.now(), **values)))
    conn.execute(w.weapon.update().where(w.weapon.c.id == weapon["id"]).values(
        status=None if status is None else status.value, updated_at=repo.now()))
    audit(conn, viewer.username, f"weapon.{kind.value}", "weapon", weapon["uid"],
               {"status": weapon["status"]},
               {"status": None if status is None else status.value, "event_id": event_id,
                "occurred_on": plain(on)})
    return event_id


def current_holding(conn: sa.Connection, weapon_id: int) -> sa.RowMapping | None:
    """The open holding of a weapon (its registered owner now), if any."""
    h = w.weapon_holding
    return conn.execute(sa.select(h).where(h.c.weapon_id == weapon_id, h.c.to_date.is_(None))
                        .order_by(h.c.id.desc())).mappings().first()


def register_to_owner(engine: sa.Engine, viewer: Viewer, weapon_uid: str, owner_uid: str,
                      licence_number: str, on: dt.date, *, place: str | None = None,
                      area_code: str | None = None) -> Recorded:
    """Register a weapon to an owner under one of the owner's licences (a ``registered``
    event and an open holding). Needs ``EDIT_WEAPONS`` and ``WEAPON_OWNERS``."""
    with engine.begin() as conn:
        return register_to_owner_in(conn, viewer, weapon_uid, owner_uid, licence_number, on,
                                    place=place, area_code=area_code)


def register_to_owner_in(conn: sa.Connection, viewer: Viewer, weapon_uid: str, owner_uid: str,
                         licence_number: str, on: dt.date, *, place: str | None = None,
                         area_code: str | None = None) -> Recorded:
    can_edit(viewer)
    can_see_owners(viewer)
    weapon = weapon_row(conn, viewer, weapon_uid, lock=True)
    owner = owner_row(conn, viewer, owner_uid)
    licence = _usable_licence(conn, licence_number, owner, on)
    status = _checked(conn, weapon, LifecycleEvent(E.REGISTERED, on))
    holding_id = _open_holding(conn, viewer, weapon["id"], owner["id"], licence["id"], on)
    event_id = _insert(conn, viewer, weapon, E.REGISTERED, on, status, {
        "holding_id": holding_id, "place": place, "details": {"licence": licence_number},
        "area_id": area_for(conn, viewer, area_code) if area_code else None})
    return Recorded(event_id, status.value)


def _usable_licence(conn: sa.Connection, number: str, owner: sa.RowMapping,
                    on: dt.date) -> sa.RowMapping:
    lic = licence_row(conn, number)
    check(usable_licence_errors(lic["status"], lic["issued_on"], lic["expires_on"],
                                lic["owner_id"], owner["id"], on, number))
    return lic


def _open_holding(conn: sa.Connection, viewer: Viewer, weapon_id: int, owner_id: int,
                  licence_id: int, on: dt.date) -> int:
    return new_id(conn.execute(w.weapon_holding.insert(), dict(
        weapon_id=weapon_id, owner_id=owner_id, licence_id=licence_id, from_date=on,
        to_date=None, created_by=viewer.username, created_at=repo.now())))


def transfer_weapon(engine: sa.Engine, viewer: Viewer, weapon_uid: str, from_owner_uid: str,
                    to_owner_uid: str, licence_number: str, on: dt.date, *,
                    place: str | None = None) -> Recorded:
    """Transfer a registered weapon from its current owner to another owner, under a licence
    of the new owner. Refused when ``from_owner_uid`` is not the current owner
    (``transfer.not_owner``) or the licence cannot cover the new owner."""
    with engine.begin() as conn:
        return transfer_weapon_in(conn, viewer, weapon_uid, from_owner_uid, to_owner_uid,
                                  licence_number, on, place=place)


def transfer_weapon_in(conn: sa.Connection, viewer: Viewer, weapon_uid: str,
                       from_owner_uid: str, to_owner_uid: str, licence_number: str,
                       on: dt.date, *, place: str | None = None) -> Recorded:
    can_edit(viewer)
    can_see_owners(viewer)
    weapon = weapon_row(conn, viewer, weapon_uid, lock=True)
    status = _checked(conn, weapon, LifecycleEvent(E.TRANSFERRED, on))
    giver = owner_row(conn, viewer, from_owner_uid, "from_owner")
    holding = current_holding(conn, weapon["id"])
    if holding is None or holding["owner_id"] != giver["id"]:
        fail(ArmsRuleError("transfer.not_owner", "from_owner", from_owner_uid,
                           "is not the registered owner of this weapon"))
    taker = owner_row(conn, viewer, to_owner_uid, "to_owner")
    if taker["id"] == giver["id"]:
        fail(ArmsRuleError("transfer.same_owner", "to_owner", to_owner_uid,
                           "a weapon is transferred to another owner"))
    licence = _usable_licence(conn, licence_number, taker, on)
    conn.execute(w.weapon_holding.update().where(w.weapon_holding.c.id == holding["id"])
                 .values(to_date=on))
    holding_id = _open_holding(conn, viewer, weapon["id"], taker["id"], licence["id"], on)
    event_id = _insert(conn, viewer, weapon, E.TRANSFERRED, on, status, {
        "holding_id": holding_id, "place": place,
        "details": {"licence": licence_number, "from_holding": holding["id"]}})
    return Recorded(event_id, status.value)


def correct_event(engine: sa.Engine, viewer: Viewer, weapon_uid: str, event_id: int,
                  changes: dict[str, Any], reason: str) -> Recorded:
    """Append a ``correction`` of event ``event_id``: ``changes`` amends ``occurred_on``,
    ``event_type``, ``place``, ``area_code``, ``case_reference`` or ``notes``, or is
    ``{"void": True}``. The corrected history must still be a valid lifecycle. Events that
    opened or closed a holding (registrations, transfers, and seizures, finds, surrenders or
    destructions of a registered weapon) may have only their place, case reference or notes
    amended — record a new event instead."""
    with engine.begin() as conn:
        return correct_event_in(conn, viewer, weapon_uid, event_id, changes, reason)


def correct_event_in(conn: sa.Connection, viewer: Viewer, weapon_uid: str, event_id: int,
                     changes: dict[str, Any], reason: str) -> Recorded:
    can_edit(viewer)
    if not reason.strip():
        fail(ArmsRuleError("required", "reason", reason, "a correction states its reason"))
    weapon = weapon_row(conn, viewer, weapon_uid, lock=True)
    target = conn.execute(sa.select(w.weapon_event).where(
        w.weapon_event.c.id == event_id, w.weapon_event.c.weapon_id == weapon["id"])).first()
    if target is not None and target.holding_id is not None and (
            set(changes) & {"void", "occurred_on", "event_type"}) and \
            EventType(target.event_type) in HOLDING_EVENTS:
        fail(ArmsRuleError("correction.holding", "corrects", event_id,
                           f"a {target.event_type} event that opened or closed a holding "
                           "cannot be voided, re-dated or retyped; record a new event"))
    details = {k: plain(v) for k, v in changes.items()} | {"reason": reason}
    status = _checked(conn, weapon, LifecycleEvent(E.CORRECTION, today(), corrects=event_id,
                                                   details=details))
    new = _insert(conn, viewer, weapon, E.CORRECTION, today(), status, {
        "corrects_event_id": event_id, "details": details})
    return Recorded(new, None if status is None else status.value)


def link_in(conn: sa.Connection, viewer: Viewer, weapon_id: int, incident_uid: str,
            role: IncidentRole) -> bool:
    """Link a weapon to an incident in a role (idempotent); True when a link was added."""
    wi = w.weapon_incident
    exists = conn.scalar(sa.select(wi.c.id).where(
        wi.c.weapon_id == weapon_id, wi.c.incident_uid == incident_uid,
        wi.c.role == IncidentRole(role).value))
    if exists is not None:
        return False
    conn.execute(wi.insert(), dict(weapon_id=weapon_id, incident_uid=incident_uid,
                                    role=IncidentRole(role).value, created_by=viewer.username,
                                    created_at=repo.now()))
    return True
