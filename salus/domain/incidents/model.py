"""Entities and value objects of the incident observatory.

Pure Python: no I/O, no framework imports. The vocabulary follows UNODC ICCS v1.0 (offences,
situational context, victim–perpetrator relationship), the SEESAC armed-violence monitoring
contexts of firearm misuse, the UN small-arms categories and the event-data conventions of
UCDP GED / ACLED (date and location precision). Code lists live in ``taxonomies/*.yaml``.
"""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class DatePrecision(StrEnum):
    """How precisely a source knows when something happened (UCDP GED ``date_prec`` idea)."""

    EXACT = "exact"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    YEAR = "year"


class LocationPrecision(StrEnum):
    """How precisely a point is known (UCDP GED ``where_prec`` / ACLED ``geo_precision``)."""

    EXACT = "exact"
    SETTLEMENT = "settlement"
    ADMIN2 = "admin2"
    ADMIN1 = "admin1"
    COUNTRY = "country"
    UNKNOWN = "unknown"


class Role(StrEnum):
    VICTIM = "victim"
    PERPETRATOR = "perpetrator"
    WITNESS = "witness"


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


class Outcome(StrEnum):
    KILLED = "killed"
    INJURED = "injured"
    UNHARMED = "unharmed"
    UNKNOWN = "unknown"


class Sensitivity(StrEnum):
    """Who may see a record's identifying fields; ``gbv`` protects survivor identities (GBVIMS)."""

    PUBLIC = "public"
    RESTRICTED = "restricted"
    CONFIDENTIAL = "confidential"
    GBV = "gbv"


MAX_HUMAN_AGE = 120


@dataclass(frozen=True, slots=True)
class OccurrenceDate:
    """The local date of occurrence with its precision.

    ``start`` is the first day of the period the source knows (the day itself, the Monday of an
    ISO week, the first of the month, 1 January); ``end`` the last day of that period.
    """

    start: dt.date
    precision: DatePrecision = DatePrecision.DAY

    @property
    def end(self) -> dt.date:
        if self.precision in (DatePrecision.EXACT, DatePrecision.DAY):
            return self.start
        if self.precision is DatePrecision.WEEK:
            return self.start + dt.timedelta(days=6)
        if self.precision is DatePrecision.MONTH:
            last = calendar.monthrange(self.start.year, self.start.month)[1]
            return self.start.replace(day=last)
        return self.start.replace(month=12, day=31)

    @classmethod
    def of(cls, day: dt.date, precision: DatePrecision | str) -> OccurrenceDate:
        """Normalise ``day`` to the first day of its period at ``precision``."""
        p = DatePrecision(precision)
        if p is DatePrecision.WEEK:
            day = day - dt.timedelta(days=day.weekday())
        elif p is DatePrecision.MONTH:
            day = day.replace(day=1)
        elif p is DatePrecision.YEAR:
            day = day.replace(month=1, day=1)
        return cls(day, p)


@dataclass(frozen=True, slots=True)
class Point:
    """A WGS84 point with the precision the source gives it."""

    longitude: float
    latitude: float
    precision: LocationPrecision = LocationPrecision.EXACT


@dataclass(frozen=True, slots=True)
class AgeRange:
    """An age in completed years, exact (``low == high``) or a band; ``high`` None = open."""

    low: int | None = None
    high: int | None = None

    @property
    def known(self) -> bool:
        return self.low is not None

    @classmethod
    def exact(cls, age: int) -> AgeRange:
        return cls(age, age)


@dataclass(slots=True)
class Person:
    """A person involved in an incident (ICCS victim / perpetrator disaggregations)."""

    role: Role = Role.VICTIM
    sex: Sex = Sex.UNKNOWN
    age: AgeRange = field(default_factory=AgeRange)
    age_band: str | None = None
    outcome: Outcome = Outcome.UNKNOWN
    relationship: str | None = None
    """The victim–perpetrator relationship (``relationship`` list). On a perpetrator's row: what
    the perpetrator is to the victim (``related_victim``, or every victim); on a victim's row:
    what the perpetrator is to this victim (the ICCS victim disaggregation)."""
    conflict_status: str | None = None
    nationality: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    date_of_birth: dt.date | None = None
    related_victim: int | None = None
    """On a perpetrator's row: the victim (1 = the first victim listed) its relationship
    refers to; None = every victim of the incident."""

    @property
    def identifying(self) -> bool:
        """True when the record carries fields that can identify the person."""
        return bool(self.given_name or self.family_name or self.date_of_birth)


@dataclass(slots=True)
class Weapon:
    """A weapon involved: UN small-arms category or other means, and a firearm's legal status."""

    category: str = "unknown"
    legal_status: str | None = None
    count: int = 1
    description: str | None = None
    serial_number: str | None = None
    """The serial number as read on the weapon (any punctuation)."""
    registry_uid: str | None = None
    """The registry weapon this one is (``weapon.uid``), found by its serial number."""


@dataclass(slots=True)
class SourceRecord:
    """Where the information comes from: an institution's record and its own identifier."""

    source_type: str
    source_name: str
    record_id: str
    url: str | None = None


@dataclass(slots=True)
class Incident:
    """An armed-violence or crime incident coded to ICCS.

    ``declared_killed`` / ``declared_injured`` hold the counts a source states (e.g. UCDP's best
    estimate) when it does not list persons; ``killed_low`` and ``killed_high`` its range.
    """

    occurred: OccurrenceDate
    area_code: str
    iccs_code: str
    source: SourceRecord
    attempted: bool = False
    occurred_time: dt.time | None = None
    reported_on: dt.date | None = None
    point: Point | None = None
    iccs_context: str | None = None
    misuse_context: str | None = None
    location_type: str | None = None
    weapons: list[Weapon] = field(default_factory=list)
    persons: list[Person] = field(default_factory=list)
    narrative: str | None = None
    sensitivity: Sensitivity = Sensitivity.RESTRICTED
    declared_killed: int | None = None
    declared_injured: int | None = None
    killed_low: int | None = None
    killed_high: int | None = None
    uid: str | None = None
    source_attributes: dict[str, str] = field(default_factory=dict)
    """The source file's columns no mapping field took: {column name: cell text} (kept so
    that nothing a user submitted is lost; empty for records entered by hand)."""

    def victims(self) -> list[Person]:
        return [p for p in self.persons if p.role is Role.VICTIM]

    def natural_key(self) -> tuple[str, str, str]:
        """Source type + source name + the source's record id (idempotent imports)."""
        return (self.source.source_type, self.source.source_name, self.source.record_id)

    def content_hash(self) -> str:
        """SHA-256 of the canonical JSON of every field but the record id and uid.

        Used to tell an unchanged re-import from a corrected one, and as the record id of
        sources that have none (documented in docs/import.md).
        """
        data = asdict(self)
        data["source"].pop("record_id")
        data["source"].pop("url")
        data.pop("uid")
        if not data["source_attributes"]:
            data.pop("source_attributes")  # digests of records without them stay as they were
        for item, name in _LATER_FIELDS:  # fields added later: unset, they leave digests alone
            for row in data[item]:
                if row[name] is None:
                    del row[name]
        blob = json.dumps(data, sort_keys=True, default=_json_default, ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


_LATER_FIELDS = (("persons", "related_victim"), ("weapons", "serial_number"),
                 ("weapons", "registry_uid"))


@dataclass(slots=True)
class Area:
    """A node of the administrative-area tree (any depth); ``level`` 0 is the country."""

    code: str
    name: str
    level: int
    parent_code: str | None = None
    names: dict[str, str] = field(default_factory=dict)
    geometry: dict[str, Any] | None = None
    source_attributes: dict[str, str] = field(default_factory=dict)
    """Unmapped columns of the source file's row: {column name: cell text}."""


@dataclass(frozen=True, slots=True)
class PopulationCount:
    """Population of an area in a year for one sex (or ``total``) and age range."""

    area_code: str
    year: int
    population: int
    sex: str = "total"
    age_min: int | None = None
    age_max: int | None = None
    source_attributes: dict[str, str] = field(default_factory=dict, hash=False)
    """Unmapped columns of the source file's row: {column name: cell text}."""


def _json_default(value: object) -> object:
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    raise TypeError(f"cannot serialise {value!r}")
