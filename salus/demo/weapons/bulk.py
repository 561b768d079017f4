"""Bulk writer of the demo registry: the same rows the registry's use cases write, checked by the
same pure rules, inserted with one ``executemany`` per table.

Writing ~10,000 weapons and ~27,000 events one use-case call at a time costs minutes (each call
re-reads the weapon's history to check the next event); the demo must build in seconds. So, as
:func:`salus.demo.build.build_demo` writes incidents through bulk repository calls rather than
the incident use cases, this module replays every history through
:func:`salus.domain.weapons.lifecycle.replay` (a broken rule raises :class:`ArmsRuleError`), checks
every owner, licence and weapon with :mod:`salus.domain.weapons.rules` and every registration
against the licence's state that day, derives statuses and holdings as
:mod:`salus.usecases.weapons.lifecycle` does, and inserts. One audit entry records the build.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from salus.demo.weapons.model import ArmsData, Event, Licence, Owner
from salus.demo.weapons.model import Weapon as DemoWeapon
from salus.domain.weapons import serials
from salus.domain.weapons.lifecycle import CLOSES_HOLDING, replay
from salus.domain.weapons.registry import (
    ArmsRuleError,
    EventType,
    IdDocumentType,
    LicenceAction,
    LicenceRecord,
    LicenceStatus,
    LicenceType,
    LifecycleEvent,
    MarkingKind,
    OwnerKind,
    OwnerRecord,
    WeaponRecord,
)
from salus.domain.weapons.rules import (
    licence_change,
    licence_errors,
    owner_errors,
    usable_licence_errors,
    weapon_errors,
)
from salus.storage import repository as repo
from salus.storage.weapons import schema as w

NAMESPACE = uuid.UUID("5a1c0de5-0000-4000-8000-000000000006")
AUTHORITY = "National Firearms Registry of Verdania"
ACTOR = "registry"
AGENCY = "National Police"
"""The agency that seizes, collects and destroys weapons in the demo (the report's agency)."""
AGENCY_EVENTS = frozenset({"seized", "found", "surrendered", "destroyed"})
E = EventType


def demo_uid(seed: int, key: str) -> str:
    """A stable public id for a demo record (same seed, same uid)."""
    return str(uuid.uuid5(NAMESPACE, f"{seed}:{key}"))


@dataclass(slots=True)
class Written:
    """Row ids of what was inserted, by the generator's keys."""

    owners: dict[str, int] = field(default_factory=dict)
    licences: dict[str, int] = field(default_factory=dict)
    weapons: dict[str, int] = field(default_factory=dict)
    weapon_uids: dict[str, str] = field(default_factory=dict)
    events: dict[tuple[str, int], int] = field(default_factory=dict)


def insert_rows(conn: sa.Connection, table: sa.Table, rows: Sequence[dict[str, Any]]
                ) -> list[int]:
    """Insert ``rows`` with one ``executemany`` and return their ids, in order.

    Ids come from the table's integer key, which both SQLite and PostgreSQL allocate in
    insertion order within one transaction: the new rows are those above the previous maximum.
    (``RETURNING`` with guaranteed order falls back to one statement per row on SQLite.)
    """
    if not rows:
        return []
    before = conn.scalar(sa.select(sa.func.max(table.c.id))) or 0
    conn.execute(table.insert(), list(rows))
    ids = [int(i) for i in conn.scalars(sa.select(table.c.id).where(table.c.id > before)
                                        .order_by(table.c.id))]
    if len(ids) != len(rows):
        raise RuntimeError(f"{table.name}: inserted {len(rows)} rows, found {len(ids)}")
    return ids


def write_registry(conn: sa.Connection, data: ArmsData, seed: int, today: dt.date,
                   campaigns: dict[str, int], batches: dict[str, int]) -> Written:
    """Check and insert owners, licences, weapons, holdings, events and incident links."""
    out = Written()
    areas = repo.area_ids(conn)
    _owners(conn, data.owners, seed, areas, today, out)
    owner_area = {o.key: o.area for o in data.owners}
    _licences(conn, data.licences, areas, owner_area, out)
    by_weapon: dict[str, list[Event]] = {}
    for e in data.events:
        by_weapon.setdefault(e.weapon, []).append(e)
    statuses = {wp.key: _status(wp, by_weapon.get(wp.key, [])) for wp in data.weapons}
    _weapons(conn, data.weapons, by_weapon, statuses, seed, areas, owner_area, today, out)
    licences = {lic.key: lic for lic in data.licences}
    holdings = _holdings(conn, data, by_weapon, licences, out)
    _events(conn, data, by_weapon, holdings, areas, campaigns, batches, out)
    repo.audit(conn, ACTOR, "demo.arms", "weapon", None, None,
               {"seed": seed, "owners": len(data.owners), "licences": len(data.licences),
                "weapons": len(data.weapons), "events": len(data.events)})
    return out


# ---------------------------------------------------------------- owners and licences

def owner_record(o: Owner) -> OwnerRecord:
    if o.kind == "entity":
        return OwnerRecord(OwnerKind.ENTITY, entity_name=o.name, registration_number=o.id_number,
                           area_code=o.area)
    return OwnerRecord(OwnerKind.PERSON, o.given_name, o.family_name,
                       id_document_type=IdDocumentType.NATIONAL_ID, id_document_number=o.id_number,
                       date_of_birth=o.born, area_code=o.area)


def _check(errors: list[ArmsRuleError], what: str) -> None:
    if errors:
        raise ArmsRuleError(errors[0].code, errors[0].field, errors[0].value,
                            f"demo {what}: {errors[0].message}")


def _owners(conn: sa.Connection, owners: list[Owner], seed: int, areas: dict[str, int],
            today: dt.date, out: Written) -> None:
    rows, stamp = [], repo.now()
    for o in owners:
        rec = owner_record(o)
        _check(owner_errors(rec, today), o.key)
        rows.append({"uid": demo_uid(seed, o.key), "kind": rec.kind.value,
                     "given_name": rec.given_name, "family_name": rec.family_name,
                     "entity_name": rec.entity_name,
                     "registration_number": rec.registration_number,
                     "id_document_type": None if rec.id_document_type is None
                     else rec.id_document_type.value,
                     "id_document_number": rec.id_document_number,
                     "date_of_birth": rec.date_of_birth, "address": None,
                     "area_id": areas[o.area], "created_by": ACTOR, "created_at": stamp})
    ids = insert_rows(conn, w.arms_owner, rows)
    out.owners = {o.key: i for o, i in zip(owners, ids, strict=True)}


def licence_history(lic: Licence) -> list[tuple[dt.date, LicenceAction, LicenceStatus | None,
                                                 LicenceStatus, dt.date, str | None]]:
    """``(on, action, from, to, expires_on, reason)`` of every change, checked by
    :func:`salus.domain.weapons.rules.licence_change`; the last entry is the licence's state."""
    status, expiry = LicenceStatus.ACTIVE, lic.expires_on
    out: list[Any] = [(lic.issued_on, LicenceAction.ISSUED, None, status, expiry, None)]
    for c in lic.changes:
        action = LicenceAction(c.action)
        before = status
        try:
            status, expiry = licence_change(status.value, expiry, action, c.on, c.expires_on)
        except ArmsRuleError as exc:
            raise ArmsRuleError(exc.code, exc.field, exc.value,
                                f"demo licence {lic.number}: {exc.message}") from None
        out.append((c.on, action, before, status, expiry, c.reason))
    return out


def _licences(conn: sa.Connection, licences: list[Licence], areas: dict[str, int],
              owner_area: dict[str, str], out: Written) -> None:
    rows, stamp, histories = [], repo.now(), []
    for lic in licences:
        _check(licence_errors(LicenceRecord(lic.number, LicenceType(lic.licence_type),
                                            lic.issued_on, lic.expires_on)), lic.number)
        history = licence_history(lic)
        histories.append(history)
        rows.append({"number": lic.number, "owner_id": out.owners[lic.owner],
                     "licence_type": lic.licence_type, "issued_on": lic.issued_on,
                     "expires_on": history[-1][4], "conditions": lic.conditions,
                     "issuing_authority": AUTHORITY, "status": history[-1][3].value,
                     "area_id": areas[owner_area[lic.owner]], "created_by": ACTOR,
                     "created_at": stamp})
    ids = insert_rows(conn, w.licence, rows)
    out.licences = {lic.key: i for lic, i in zip(licences, ids, strict=True)}
    events = [{"licence_id": i, "action": a.value, "occurred_on": on,
               "from_status": None if before is None else before.value, "to_status": to.value,
               "expires_on": exp if a in (LicenceAction.ISSUED, LicenceAction.RENEWED) else None,
               "reason": reason, "recorded_by": ACTOR, "recorded_at": stamp}
              for i, history in zip(ids, histories, strict=True)
              for on, a, before, to, exp, reason in history]
    if events:
        conn.execute(w.licence_event.insert(), events)


def licence_state_on(lic: Licence, day: dt.date) -> tuple[str, dt.date]:
    """(stored status, expiry) of a licence on ``day``, from its checked history."""
    status, expiry = LicenceStatus.ACTIVE.value, lic.expires_on
    for on, _a, _b, to, exp, _r in licence_history(lic):
        if on > day:
            break
        status, expiry = to.value, exp
    return status, expiry


# ---------------------------------------------------------------- weapons

def weapon_record(wp: DemoWeapon, area: str | None) -> WeaponRecord:
    return WeaponRecord(wp.category, wp.make_as_written, wp.model, wp.calibre, wp.serial,
                        wp.obliterated, wp.country, wp.year, None, wp.import_year, area,
                        wp.other_markings, f"demo:{wp.key}")


def _status(wp: DemoWeapon, events: list[Event]) -> str | None:
    history = [LifecycleEvent(E(e.kind), e.on, incident_uid=e.incident) for e in events]
    try:
        status = replay(history, wp.year)
    except ArmsRuleError as exc:
        raise ArmsRuleError(exc.code, exc.field, exc.value,
                            f"demo weapon {wp.key}: {exc.message}") from None
    return None if status is None else status.value


def _weapons(conn: sa.Connection, weapons: list[DemoWeapon], by_weapon: dict[str, list[Event]],
             statuses: dict[str, str | None], seed: int, areas: dict[str, int],
             owner_area: dict[str, str], today: dt.date, out: Written) -> None:
    rows, marks, stamp = [], [], repo.now()
    for wp in weapons:
        first = by_weapon[wp.key][0]
        area = (owner_area.get(first.owner or "") if first.kind in ("imported", "registered")
                else first.area)
        rec = weapon_record(wp, area)
        _check(weapon_errors(rec, today), wp.key)
        maker = serials.manufacturer_key(wp.make_as_written) or None
        key = None if wp.obliterated else (serials.serial_key(wp.serial) or None)
        uid = demo_uid(seed, wp.key)
        out.weapon_uids[wp.key] = uid
        rows.append({"uid": uid, "category": wp.category, "manufacturer": wp.make_as_written,
                     "manufacturer_key": maker, "model": wp.model, "calibre": wp.calibre,
                     "serial_number": wp.serial, "serial_key": key,
                     "serial_obliterated": wp.obliterated,
                     "country_of_manufacture": wp.country, "year_of_manufacture": wp.year,
                     "import_country": None, "import_year": wp.import_year,
                     "status": statuses[wp.key], "area_id": areas.get(area or ""),
                     "description": wp.other_markings, "source_record": f"demo:{wp.key}",
                     "created_by": ACTOR, "created_at": stamp, "updated_at": stamp})
        marks.append(wp)
    ids = insert_rows(conn, w.weapon, rows)
    out.weapons = {wp.key: i for wp, i in zip(weapons, ids, strict=True)}
    _markings(conn, marks, out, stamp)


def _markings(conn: sa.Connection, weapons: list[DemoWeapon], out: Written,
              stamp: dt.datetime) -> None:
    rows = []
    for wp in weapons:
        rows.append({"weapon_id": out.weapons[wp.key], "kind": MarkingKind.MANUFACTURE.value,
                     "component": "frame", "text": f"{wp.make_as_written} {wp.model} {wp.serial}",
                     "obliterated": wp.obliterated, "created_by": ACTOR, "created_at": stamp})
        if wp.import_year is not None:
            rows.append({"weapon_id": out.weapons[wp.key], "kind": MarkingKind.IMPORT.value,
                         "component": "frame", "text": f"VD {wp.import_year % 100:02d}",
                         "obliterated": False, "created_by": ACTOR, "created_at": stamp})
    conn.execute(w.weapon_marking.insert(), rows)


# ---------------------------------------------------------------- holdings and events

def _holdings(conn: sa.Connection, data: ArmsData, by_weapon: dict[str, list[Event]],
              licences: dict[str, Licence], out: Written) -> dict[tuple[str, int], int | None]:
    """Insert every holding; returns (weapon, seq) → the holding the event belongs to."""
    rows: list[dict[str, Any]] = []
    spans: list[tuple[str, int, int | None]] = []   # weapon, first seq, last seq (None: open)
    stamp = repo.now()
    for key, events in by_weapon.items():
        open_at: int | None = None
        for e in events:
            kind = E(e.kind)
            if kind in (E.REGISTERED, E.TRANSFERRED):
                holder = e.to_owner if kind is E.TRANSFERRED else e.owner
                lic = licences[str(e.licence)]
                status, expiry = licence_state_on(lic, e.on)
                _check(usable_licence_errors(status, lic.issued_on, expiry, out.owners[lic.owner],
                                             out.owners[str(holder)], e.on, lic.number),
                       f"{kind.value} of {key}")
                if open_at is not None:
                    rows[open_at]["to_date"] = e.on
                    spans[open_at] = (key, spans[open_at][1], e.seq - 1)
                rows.append({"weapon_id": out.weapons[key], "owner_id": out.owners[str(holder)],
                             "licence_id": out.licences[lic.key], "from_date": e.on,
                             "to_date": None, "created_by": ACTOR, "created_at": stamp})
                spans.append((key, e.seq, None))
                open_at = len(rows) - 1
            elif kind in CLOSES_HOLDING and open_at is not None:
                rows[open_at]["to_date"] = e.on
                spans[open_at] = (key, spans[open_at][1], e.seq)
                open_at = None
    ids = insert_rows(conn, w.weapon_holding, rows)
    belongs: dict[tuple[str, int], int | None] = {}
    for (key, start, end), hid in zip(spans, ids, strict=True):
        for e in by_weapon[key]:
            if e.seq >= start and (end is None or e.seq <= end):
                belongs[(key, e.seq)] = hid
    return belongs


def _events(conn: sa.Connection, data: ArmsData, by_weapon: dict[str, list[Event]],
            holdings: dict[tuple[str, int], int | None], areas: dict[str, int],
            campaigns: dict[str, int], batches: dict[str, int], out: Written) -> None:
    sites = {s.key: s.name for s in data.sites}
    licences = {lic.key: lic.number for lic in data.licences}
    rows, keys, links, stamp = [], [], [], repo.now()
    for key, events in by_weapon.items():
        for e in events:
            details: dict[str, Any] = {"notes": e.note} if e.note else {}
            if e.site:
                details["site"] = e.site
            if e.kind in ("registered", "transferred"):
                details["licence"] = licences[str(e.licence)]
            rows.append({"weapon_id": out.weapons[key], "event_type": e.kind,
                         "occurred_on": e.on, "area_id": areas.get(e.area or ""),
                         "place": sites.get(e.site or ""), "details": details,
                         "holding_id": holdings.get((key, e.seq)),
                         "incident_uid": e.incident, "case_reference": None,
                         "campaign_id": campaigns.get(e.campaign or ""),
                         "destruction_batch_id": batches.get(e.batch or ""),
                         "corrects_event_id": None, "recorded_by": ACTOR, "recorded_at": stamp,
                         "agency": AGENCY if e.kind in AGENCY_EVENTS else None})
            keys.append((key, e.seq))
            if e.incident and e.kind in ("seized", "found"):
                links.append({"weapon_id": out.weapons[key], "incident_uid": e.incident,
                              "role": "seized_at" if e.kind == "seized" else "found_at",
                              "created_by": ACTOR, "created_at": stamp})
    ids = insert_rows(conn, w.weapon_event, rows)
    out.events = dict(zip(keys, ids, strict=True))
    if links:
        conn.execute(w.weapon_incident.insert(), links)
