"""Pydantic models of the weapons-registry API (``/api/v1/weapons`` and friends).

Owner fields appear only in :class:`OwnerDetailOut` and :class:`CheckOut` (``WEAPON_OWNERS``);
weapon records, histories and exports carry none.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

EventKind = Literal["manufactured", "imported", "reported_lost", "reported_stolen", "seized",
                    "found", "surrendered", "stored", "deactivated", "destroyed"]


class WeaponOut(BaseModel):
    uid: str
    category: str
    manufacturer: str | None
    model: str | None
    calibre: str | None
    serial_number: str | None
    serial_obliterated: bool
    country_of_manufacture: str | None
    year_of_manufacture: int | None
    import_country: str | None
    import_year: int | None
    status: str | None
    area_code: str | None
    area_name: str | None
    description: str | None = None


class WeaponHitOut(BaseModel):
    uid: str
    match: str
    serial_number: str | None
    manufacturer: str | None
    model: str | None
    calibre: str | None
    category: str
    status: str | None


class WeaponPageOut(BaseModel):
    """A page of the list, or the ranked hits of a serial search (``query`` set)."""

    items: list[WeaponOut] = Field(default_factory=list)
    hits: list[WeaponHitOut] = Field(default_factory=list)
    query: str | None = None
    truncated: bool = False
    total: int
    page: int
    per_page: int
    pages: int


class MarkingOut(BaseModel):
    kind: str
    component: str | None
    text: str
    obliterated: bool


class EventOut(BaseModel):
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


class HoldingOut(BaseModel):
    """A registration to an owner; owner fields are null without ``WEAPON_OWNERS``."""

    from_date: dt.date
    to_date: dt.date | None
    licence_number: str | None
    owner_uid: str | None
    owner_name: str | None


class IncidentLinkOut(BaseModel):
    incident_uid: str
    role: str
    occurred_on: dt.date | None
    area_code: str | None


class WeaponDetailOut(BaseModel):
    weapon: WeaponOut
    markings: list[MarkingOut]
    status: str | None
    events: list[EventOut]
    holdings: list[HoldingOut]
    incidents: list[IncidentLinkOut]


class EventIn(BaseModel):
    """A lifecycle event (registrations and transfers have their own actions)."""

    event_type: EventKind
    occurred_on: dt.date
    area_code: str | None = Field(None, max_length=64)
    place: str | None = Field(None, max_length=300)
    case_reference: str | None = Field(None, max_length=100)
    incident_uid: str | None = Field(None, max_length=36)
    campaign: str | None = Field(None, max_length=200)
    destruction_certificate: str | None = Field(None, max_length=100)
    notes: str | None = Field(None, max_length=2000)


class RecordedOut(BaseModel):
    event_id: int
    status: str | None


class LicenceOut(BaseModel):
    number: str
    licence_type: str
    issued_on: dt.date
    expires_on: dt.date
    status: str
    conditions: str | None
    issuing_authority: str | None
    owner_uid: str
    area_code: str | None


class OwnerOut(BaseModel):
    uid: str
    kind: str
    name: str
    given_name: str | None
    family_name: str | None
    entity_name: str | None
    registration_number: str | None
    id_document_type: str | None
    id_document_number: str | None
    date_of_birth: dt.date | None
    address: str | None
    area_code: str | None


class OwnerDetailOut(BaseModel):
    owner: OwnerOut
    licences: list[LicenceOut]
    weapons: list[str]


class ExpiringLicenceOut(BaseModel):
    number: str
    licence_type: str
    expires_on: dt.date
    days_left: int
    owner_uid: str
    owner_name: str | None
    area_code: str | None
    weapons: int


class HolderOut(BaseModel):
    owner_uid: str
    owner_name: str
    owner_kind: str
    id_document: str | None
    licence_number: str
    licence_type: str
    licence_status: str
    since: dt.date


class CheckAnswerOut(BaseModel):
    weapon_uid: str
    manufacturer: str | None
    model: str | None
    serial_number: str | None
    status: str | None
    registered: bool
    holder: HolderOut | None = None


class CheckOut(BaseModel):
    query: str
    manufacturer: str | None
    weapons: list[CheckAnswerOut]


class TraceOut(BaseModel):
    """A tracing request; the last legal holder's name only for ``WEAPON_OWNERS``."""

    reference: str
    weapon_uid: str
    serial_number: str | None
    recovery: str
    recovered_on: dt.date
    requested_to: str
    recipient: str | None
    status: str
    sent_on: dt.date | None
    response_on: dt.date | None
    outcome: str
    point_of_diversion: str | None
    established_by: str | None
    holder_known: bool
    last_legal_holder: dict[str, str] | None


class ProportionOut(BaseModel):
    numerator: int
    denominator: int
    value: float | None


class SdgOut(BaseModel):
    """SDG 16.4.2 for one period and area, by recovery kind and tracing outcome."""

    indicator: str = "16.4.2"
    period: str
    start: dt.date
    end: dt.date
    area_code: str | None
    total: ProportionOut
    by_kind: dict[str, ProportionOut]
    by_outcome: dict[str, int]
    cells: list[dict[str, Any]]
