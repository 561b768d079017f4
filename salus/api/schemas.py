"""Pydantic models of API requests and responses (the OpenAPI schema comes from these).

A response that is a use case's result as it stands is that result's dataclass made a pydantic
dataclass (``class IncidentSummary(IncidentRow)``): the fields come from the use case, the class
gives the OpenAPI name and description. Models that deliberately differ from the result are
written out, with the reason beside them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, Field
from pydantic.dataclasses import dataclass

from salus.usecases.accounts.audit import AuditEvent
from salus.usecases.incidents.query import IncidentRow

T = TypeVar("T")


class Problem(BaseModel):
    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[dict[str, Any]] | None = None


class PageOut(BaseModel, Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int
    pages: int


class CursorPageOut(BaseModel, Generic[T]):
    """A keyset page (issue 11): follow ``next_url`` / ``prev_url`` (or pass ``next`` / ``prev``
    as ``cursor``). ``total`` is exact when ``total_kind`` is ``exact``; ``estimate`` is
    PostgreSQL's planner estimate, ``more_than`` a lower bound (``total`` + 1 or more).
    ``page`` is the number of a numbered request (``page=``, the first 10,000 rows), else
    null; ``pages`` is reckoned from ``total``."""

    items: list[T]
    total: int
    total_kind: Literal["exact", "more_than", "estimate"]
    page: int | None
    per_page: int
    pages: int
    next: str | None = Field(None, description="cursor of the next page")
    prev: str | None = Field(None, description="cursor of the previous page")
    next_url: str | None = None
    prev_url: str | None = None


class Me(BaseModel):
    username: str
    role: str
    area: str | None
    language: str | None
    permissions: list[str]


class TokenIn(BaseModel):
    name: str = Field("api", max_length=100)


class TokenOut(BaseModel):
    token: str
    name: str


class UserIn(BaseModel):
    username: str = Field(..., max_length=100)
    password: str = Field(..., min_length=10, max_length=200)
    role: str
    area: str | None = None
    language: str | None = None
    display_name: str | None = None
    email: str | None = Field(None, max_length=200, description=(
        "where alert notifications for the user go (optional; one @, a dot in the domain)"))


class UserPatch(BaseModel):
    """Fields to change; those left out keep their value (``area`` or ``email`` as ``""``
    clears it)."""

    role: str | None = None
    area: str | None = None
    language: str | None = None
    active: bool | None = None
    email: str | None = Field(None, max_length=200)


# Not users.UserInfo as it stands: ``area_code`` is published as ``area`` (as in UserIn and
# Me), and the internal id and display name stay inside.
class UserOut(BaseModel):
    username: str
    role: str
    area: str | None
    language: str | None
    active: bool
    created_at: dt.datetime
    email: str | None = None


class PasswordIn(BaseModel):
    password: str | None = Field(None, min_length=10, max_length=200, description=(
        "the new password (zxcvbn strength 3 or more); left out: a random one is generated"))


class PasswordOut(BaseModel):
    username: str
    password: str | None = Field(None, description="the generated password (null when chosen)")


ERRORS: dict[int | str, dict[str, Any]] = {
    s: {"model": Problem, "content": {"application/problem+json": {}}}
    for s in (401, 403, 404, 422)
}


class PersonIn(BaseModel):
    role: str = "victim"
    sex: str = "unknown"
    age: int | None = Field(None, ge=0, le=150)
    age_band: str | None = None
    outcome: str = "unknown"
    relationship: str | None = Field(
        None, description="victim–perpetrator relationship (code list 'relationship'): on a "
        "perpetrator, what the perpetrator is to the victim `related_victim` (or to every "
        "victim); on a victim, what the perpetrator is to this victim")
    related_victim: int | None = Field(
        None, ge=1, le=500, description="on a perpetrator: the victim (1 = the first victim "
        "listed) the relationship refers to; null = every victim")
    given_name: str | None = Field(None, max_length=200)
    family_name: str | None = Field(None, max_length=200)
    date_of_birth: dt.date | None = None


class WeaponIn(BaseModel):
    """A weapon involved; a serial number links it to the registry (tolerant serial search)."""

    category: str = "unknown"
    legal_status: str | None = Field(None, description="code list 'firearm_legal_status'")
    serial_number: str | None = Field(
        None, max_length=100, description="as read on the weapon; matched to the registry "
        "weapon with this serial (case, spaces, punctuation and confusables folded)")
    count: int = Field(1, ge=1, le=100000)
    description: str | None = Field(None, max_length=2000)


class IncidentIn(BaseModel):
    """An incident to create or the new state of one to edit (codes: ``salus codes LIST``)."""

    occurred_on: dt.date
    date_precision: str = "day"
    area_code: str = Field(..., max_length=64)
    iccs_code: str = Field(..., max_length=8)
    attempted: bool = False
    iccs_context: str | None = None
    misuse_context: str | None = None
    location_type: str | None = None
    weapon: str | None = Field(None, description="the one weapon's category (or `weapons`)")
    weapon_legal_status: str | None = None
    weapon_serial: str | None = Field(None, max_length=100)
    weapons: list[WeaponIn] = Field(default_factory=list, max_length=100)
    narrative: str | None = Field(None, max_length=20000)
    sensitivity: str = "restricted"
    declared_killed: int | None = Field(None, ge=0, le=100000)
    declared_injured: int | None = Field(None, ge=0, le=100000)
    reported_on: dt.date | None = None
    longitude: float | None = Field(None, ge=-180, le=180)
    latitude: float | None = Field(None, ge=-90, le=90)
    location_precision: str | None = None
    source_type: str | None = None
    source_name: str | None = Field(None, max_length=200)
    record_id: str | None = Field(None, max_length=200)
    persons: list[PersonIn] = Field(default_factory=list, max_length=500)


@dataclass(frozen=True)
class IncidentSummary(IncidentRow):
    """An incident as the list shows it (no person identities; GBV narratives masked)."""


# Not detail.IncidentDetail as it stands: its ``warnings`` (the record's validation notes)
# are not part of a read; writes report theirs in :class:`Saved`.
class IncidentOut(BaseModel):
    uid: str
    fields: dict[str, Any]
    persons: list[dict[str, Any]]
    weapons: list[dict[str, Any]]
    source: dict[str, Any]
    identities_hidden: bool
    classification: dict[str, Any] = Field(
        default_factory=dict, description="derived: femicide (UNODC–UN Women 2022 framework) "
        "and domestic violence, with one reason per victim")


class Saved(BaseModel):
    uid: str
    warnings: list[dict[str, Any]]


@dataclass(frozen=True)
class AuditEventOut(AuditEvent):
    """One change to a record: who, when, and the record before and after (masked like it)."""
