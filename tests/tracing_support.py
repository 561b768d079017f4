"""Weapons with real registry histories for the tracing tests, built through the registry's own
use cases (owners, licences, registrations, loss reports, seizures, destruction, corrections),
so every history obeys the lifecycle rules."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from arms_stock_support import OFFICER

from salus.domain.weapons.registry import (
    DestructionMethod,
    EventType,
    IdDocumentType,
    LicenceRecord,
    LicenceType,
    OwnerKind,
    OwnerRecord,
    WeaponRecord,
)
from salus.usecases.weapons import campaigns as weapons_campaigns
from salus.usecases.weapons import common as weapons_common
from salus.usecases.weapons import lifecycle as weapons_lifecycle
from salus.usecases.weapons import owners as weapons_owners
from salus.usecases.weapons import records as weapons

D = dt.date.fromisoformat


def weapon(engine: sa.Engine, serial: str | None, area: str = "R1-A") -> str:
    """A pistol known to the registry, with no history yet; returns its uid."""
    return weapons.record_weapon(engine, OFFICER, WeaponRecord(
        category="revolver_pistol", manufacturer="Zastava", model="M70", calibre="7.65mm",
        serial_number=serial, serial_obliterated=serial is None, year_of_manufacture=2005,
        area_code=area))


def weapon_id(engine: sa.Engine, uid: str) -> int:
    with engine.connect() as conn:
        return int(weapons_common.weapon_row(conn, OFFICER, uid)["id"])


def owner(engine: sa.Engine, name: str, document: str, since: str = "2015-01-01") -> str:
    """A person with a possession licence (number ``LIC-<document>``); returns the owner uid."""
    uid = weapons_owners.add_owner(engine, OFFICER, OwnerRecord(
        kind=OwnerKind.PERSON, given_name=name, family_name="Holder",
        id_document_type=IdDocumentType.NATIONAL_ID, id_document_number=document))
    weapons_owners.issue_licence(engine, OFFICER, uid, LicenceRecord(
        number=f"LIC-{document}", licence_type=LicenceType.POSSESSION, issued_on=D(since),
        expires_on=D("2030-01-01")))
    return uid


def register(engine: sa.Engine, uid: str, owner_uid: str, document: str, on: str) -> None:
    weapons_lifecycle.register_to_owner(engine, OFFICER, uid, owner_uid, f"LIC-{document}",
                                        D(on), area_code="R1-A")


def event(engine: sa.Engine, uid: str, kind: str, on: str, area: str | None = "R1-A",
          **extra: str) -> int:
    """Record a lifecycle event; returns its id."""
    return weapons_lifecycle.record_event(engine, OFFICER, uid, weapons_lifecycle.EventInput(
        EventType(kind), D(on), area_code=area, **extra)).event_id  # type: ignore[arg-type]


def destroy(engine: sa.Engine, uid: str, on: str, certificate: str) -> None:
    weapons_campaigns.add_destruction_batch(engine, OFFICER, weapons_campaigns.BatchInput(
        certificate, DestructionMethod.CUTTING, D(on), "Central depot", ("Witness A",)))
    event(engine, uid, "destroyed", on, destruction_certificate=certificate)


def correct(engine: sa.Engine, uid: str, event_id: int, **changes: object) -> None:
    weapons_lifecycle.correct_event(engine, OFFICER, uid, event_id, dict(changes),
                                    reason="data entry error")
