"""Small arms and light weapons: the vocabulary of the civilian registry (issue 6).

Records follow the International Tracing Instrument (ITI, 2005, §§7–12) and ISACS/MOSAIC 05.30
*Marking and recordkeeping*: a weapon is identified by its unique marking at manufacture
(manufacturer, country of manufacture, serial number, year, model, calibre), its import marking
(country and year), further markings on transfer to civilian use, confiscation and deactivation,
and component markings (frame, slide, barrel, receiver…). Its category is one of the UN small-arms
and light-weapons categories (``taxonomies/weapon.yaml``, A/52/298).

Owners are persons or legal entities with an identity document; licences authorise possession,
carry, hunting, sport shooting, collecting or dealing; a *holding* registers one weapon to one
owner under one licence. Every weapon has an append-only lifecycle (:class:`EventType`); its
current :class:`WeaponStatus` is derived from that history by :mod:`salus.domain.weapons.lifecycle`.

Pure Python: no I/O, no framework imports.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from typing import Any

from salus.domain import taxonomy


class ArmsRuleError(ValueError):
    """A registry rule was broken: names the field, the value and a stable ``code``."""

    def __init__(self, code: str, field_name: str, value: Any, message: str) -> None:
        super().__init__(f"{field_name}={value!r}: {message}")
        self.code = code
        self.field = field_name
        self.value = value
        self.message = message

    def as_dict(self) -> dict[str, Any]:
        """``{field, code, message, value}`` as the use cases' ``ValidationFailed`` lists it."""
        return {"field": self.field, "code": self.code, "message": str(self),
                "value": _plain(self.value)}


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


class EventType(StrEnum):
    """Lifecycle events (ITI §12: status history; MOSAIC 05.30 §9 record-keeping)."""

    MANUFACTURED = "manufactured"
    IMPORTED = "imported"
    REGISTERED = "registered"
    TRANSFERRED = "transferred"
    REPORTED_LOST = "reported_lost"
    REPORTED_STOLEN = "reported_stolen"
    SEIZED = "seized"
    FOUND = "found"
    SURRENDERED = "surrendered"
    STORED = "stored"
    DEACTIVATED = "deactivated"
    DESTROYED = "destroyed"
    CORRECTION = "correction"
    """Amends or voids an earlier event (``corrects``); history itself is never changed."""


class WeaponStatus(StrEnum):
    """Where a weapon stands after its history (kept on ``weapon.status`` for queries)."""

    UNREGISTERED = "unregistered"
    """Known to the registry (manufactured, imported, in a dealer's stock) but held by no one."""
    REGISTERED = "registered"
    LOST = "lost"
    STOLEN = "stolen"
    SEIZED = "seized"
    FOUND = "found"
    SURRENDERED = "surrendered"
    STORED = "stored"
    DEACTIVATED = "deactivated"
    DESTROYED = "destroyed"


IN_STATE_CUSTODY = frozenset({WeaponStatus.SEIZED, WeaponStatus.FOUND,
                              WeaponStatus.SURRENDERED, WeaponStatus.STORED})
"""Statuses of a weapon held by the authorities (seized, found, surrendered, in a store)."""

DIVERTED = frozenset({WeaponStatus.LOST, WeaponStatus.STOLEN})
"""Statuses of a weapon that left legal control (ITI: diversion)."""


class MarkingKind(StrEnum):
    """When a marking was applied (ITI §§8–9; MOSAIC 05.30 §5)."""

    MANUFACTURE = "manufacture"
    IMPORT = "import"
    TRANSFER_TO_CIVILIAN = "transfer_to_civilian"
    CONFISCATION = "confiscation"
    DEACTIVATION = "deactivation"
    COMPONENT = "component"


class Component(StrEnum):
    """Essential components that carry markings (ITI §8(c); Firearms Protocol art. 8)."""

    FRAME = "frame"
    RECEIVER = "receiver"
    SLIDE = "slide"
    BARREL = "barrel"
    BOLT = "bolt"
    CYLINDER = "cylinder"
    OTHER = "other"


class OwnerKind(StrEnum):
    PERSON = "person"
    ENTITY = "entity"


class IdDocumentType(StrEnum):
    NATIONAL_ID = "national_id"
    PASSPORT = "passport"
    RESIDENCE_PERMIT = "residence_permit"
    DRIVING_LICENCE = "driving_licence"
    OTHER = "other"


class LicenceType(StrEnum):
    """What a licence authorises (national firearms acts; EU Directive 2021/555 categories)."""

    POSSESSION = "possession"
    CARRY = "carry"
    HUNTING = "hunting"
    SPORT = "sport"
    COLLECTOR = "collector"
    SECURITY_COMPANY = "security_company"
    DEALER = "dealer"


class LicenceStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    REVOKED = "revoked"
    EXPIRED = "expired"
    """Never stored: an active licence past its expiry date reads as expired."""


class LicenceAction(StrEnum):
    """Changes to a licence, each one a ``licence_event`` row (append-only)."""

    ISSUED = "issued"
    RENEWED = "renewed"
    SUSPENDED = "suspended"
    REINSTATED = "reinstated"
    REVOKED = "revoked"


class IncidentRole(StrEnum):
    """How a registry weapon is linked to an incident."""

    USED = "used"
    SEIZED_AT = "seized_at"
    FOUND_AT = "found_at"


class DestructionMethod(StrEnum):
    """Destruction methods of ISACS/MOSAIC 05.50 (SALW destruction)."""

    CUTTING = "cutting"
    CRUSHING = "crushing"
    SHREDDING = "shredding"
    SMELTING = "smelting"
    BURNING = "burning"
    DETONATION = "detonation"
    OTHER = "other"


CATEGORY_ROOTS = ("firearm", "light_weapon")
"""Registry weapons belong to these branches of ``weapon.yaml`` (not knives, explosives…)."""


@cache
def weapon_categories() -> frozenset[str]:
    """Codes a registry weapon may have: the UN small-arms and light-weapons categories (drawn
    once: the taxonomy file is loaded once too, and a bulk import asks for every row)."""
    tax = taxonomy.load("weapon")
    found: set[str] = set()
    for root in CATEGORY_ROOTS:
        found |= tax.descendants(root)
    return frozenset(found)


@dataclass(frozen=True, slots=True)
class Marking:
    """One marking on a weapon, as read (MOSAIC 05.30 §5)."""

    kind: MarkingKind
    text: str
    component: Component | None = None
    obliterated: bool = False


@dataclass(frozen=True, slots=True)
class WeaponRecord:
    """What is known of a weapon when it is first recorded (ITI §7 unique marking).

    ``serial_number`` is kept as marked; ``serial_obliterated`` says it was removed or altered
    (then any readable fragment may be kept in ``serial_number`` but it is not a key).
    Countries are ISO 3166 codes (alpha-2 or alpha-3 accepted, alpha-3 stored).
    """

    category: str
    manufacturer: str | None
    model: str | None = None
    calibre: str | None = None
    serial_number: str | None = None
    serial_obliterated: bool = False
    country_of_manufacture: str | None = None
    year_of_manufacture: int | None = None
    import_country: str | None = None
    import_year: int | None = None
    area_code: str | None = None
    description: str | None = None
    source_record: str | None = None
    markings: tuple[Marking, ...] = ()
    source_attributes: dict[str, str] = field(default_factory=dict, hash=False)
    """Columns of an imported file that no mapping field took: {column name: cell text}."""


@dataclass(frozen=True, slots=True)
class OwnerRecord:
    """A person or legal entity who may hold weapons (personal data: ``WEAPON_OWNERS`` only)."""

    kind: OwnerKind
    given_name: str | None = None
    family_name: str | None = None
    entity_name: str | None = None
    registration_number: str | None = None
    id_document_type: IdDocumentType | None = None
    id_document_number: str | None = None
    date_of_birth: dt.date | None = None
    address: str | None = None
    area_code: str | None = None

    def display_name(self) -> str:
        if self.kind is OwnerKind.ENTITY:
            return self.entity_name or ""
        return " ".join(p for p in (self.given_name, self.family_name) if p)


@dataclass(frozen=True, slots=True)
class LicenceRecord:
    """A licence as issued: the owner is given by the use case (``owner_uid``)."""

    number: str
    licence_type: LicenceType
    issued_on: dt.date
    expires_on: dt.date
    conditions: str | None = None
    issuing_authority: str | None = None
    area_code: str | None = None


@dataclass(frozen=True, slots=True)
class LifecycleEvent:
    """One event of a weapon's history as the pure rules see it.

    ``id`` is the stored row id (None for an event not yet written); ``corrects`` the id of the
    event a correction amends; a correction's ``details`` hold the amended fields
    (``occurred_on``, ``place``…) or ``{"void": true}`` to retract the event.
    """

    event_type: EventType
    occurred_on: dt.date
    id: int | None = None
    corrects: int | None = None
    incident_uid: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


def licence_status(stored: str, expires_on: dt.date, on: dt.date) -> LicenceStatus:
    """The status of a licence on a day: an active licence past ``expires_on`` is expired."""
    status = LicenceStatus(stored)
    if status is LicenceStatus.ACTIVE and expires_on < on:
        return LicenceStatus.EXPIRED
    return status
