"""Pydantic models of the weapons-registry API (``/api/v1/weapons`` and friends).

Owner fields appear only in :class:`OwnerDetailOut` and :class:`CheckOut` (``WEAPON_OWNERS``);
weapon records, histories and exports carry none.

A response that is a use case's result as it stands is that result's dataclass made a pydantic
dataclass (``class WeaponOut(WeaponSummary)``): its fields come from the use case, the class
gives the OpenAPI name and description. Models that deliberately show less than the result, or
combine several, are written out, with the reason beside them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field
from pydantic.dataclasses import dataclass

from salus.usecases.weapons.check import CheckAnswer, CheckResult, HolderAnswer
from salus.usecases.weapons.history import EventView, HoldingView
from salus.usecases.weapons.lifecycle import Recorded
from salus.usecases.weapons.owners import ExpiringLicence, LicenceView, OwnerDetail, OwnerView
from salus.usecases.weapons.records import WeaponSummary

EventKind = Literal["manufactured", "imported", "reported_lost", "reported_stolen", "seized",
                    "found", "surrendered", "stored", "deactivated", "destroyed"]


@dataclass(frozen=True)
class WeaponOut(WeaponSummary):
    """A weapon as lists and pages show it (no owner data)."""


# Narrower than search.WeaponHit on purpose: the search keys and internal ids stay inside.
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
    total_kind: Literal["exact", "more_than", "estimate"] = "exact"
    page: int | None
    per_page: int
    pages: int
    next: str | None = Field(None, description="cursor of the next page (keyset paging)")
    prev: str | None = Field(None, description="cursor of the previous page")


# Narrower than records.MarkingView on purpose: its internal row id stays inside.
class MarkingOut(BaseModel):
    kind: str
    component: str | None
    text: str
    obliterated: bool


@dataclass(frozen=True)
class EventOut(EventView):
    """One recorded event; ``voided_by`` / ``amended_by`` name the corrections that apply to
    it, ``effective_*`` what it says once corrected."""


@dataclass(frozen=True)
class HoldingOut(HoldingView):
    """A registration to an owner; owner fields are null without ``WEAPON_OWNERS``."""


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
    source_attributes: dict[str, str] = Field(
        default_factory=dict, description="columns of the imported file no mapping field took")


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


@dataclass(frozen=True)
class RecordedOut(Recorded):
    """The new event's id and the weapon's status after it."""


@dataclass(frozen=True)
class LicenceOut(LicenceView):
    """A licence."""


@dataclass(frozen=True)
class OwnerOut(OwnerView):
    """An owner's personal data (``WEAPON_OWNERS``)."""


@dataclass(frozen=True)
class OwnerDetailOut(OwnerDetail):
    """An owner, their licences and the uids of their weapons."""

    owner: OwnerOut
    licences: list[LicenceOut]  # type: ignore[assignment]  # a LicenceOut is a LicenceView


@dataclass(frozen=True)
class ExpiringLicenceOut(ExpiringLicence):
    """An active licence near its expiry (the holder's name only for ``WEAPON_OWNERS``)."""


@dataclass(frozen=True)
class HolderOut(HolderAnswer):
    """Who holds a checked weapon, under which licence."""


@dataclass(frozen=True)
class CheckAnswerOut(CheckAnswer):
    """One weapon matching a registration check."""

    holder: HolderOut | None = None


@dataclass(frozen=True)
class CheckOut(CheckResult):
    """The answer to a registration check (every look-up audited)."""

    weapons: list[CheckAnswerOut]  # type: ignore[assignment]  # each one is a CheckAnswer


# Narrower than tracing.TraceView on purpose: internal ids, the free-text response and notes and
# the audit columns stay inside; the last legal holder is a plain mapping.
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
