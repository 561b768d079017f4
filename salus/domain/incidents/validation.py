"""Validation rules for incidents, with machine-readable codes.

Each rule returns :class:`Finding` objects: an error blocks the record, a warning is reported and
kept. Codes are stable strings (``date.future``, ``age.impossible``…) documented in
``docs/validation.md`` so that imports, the API and the web form all speak the same language.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from salus.domain import taxonomy
from salus.domain.incidents.model import MAX_HUMAN_AGE, Incident, Role
from salus.domain.incidents.offences import known_offence


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    field: str
    value: Any
    message: str
    severity: Severity = Severity.ERROR


CODE_FIELDS: tuple[tuple[str, str], ...] = (
    ("iccs_code", "iccs"),
    ("iccs_context", "iccs_context"),
    ("misuse_context", "misuse_context"),
    ("location_type", "location_type"),
)

PointInArea = Callable[[float, float, str], bool | None]
"""Answers whether (lon, lat) lies in the area with that code; None when it has no geometry."""


def validate_incident(
    incident: Incident,
    *,
    today: dt.date | None = None,
    known_areas: set[str] | None = None,
    point_in_area: PointInArea | None = None,
) -> list[Finding]:
    """Run every rule on one incident; ``today`` defaults to the current UTC date."""
    today = today or dt.datetime.now(dt.UTC).date()
    findings: list[Finding] = []
    findings += _dates(incident, today)
    findings += _codes(incident)
    findings += _area(incident, known_areas, point_in_area)
    findings += _persons(incident)
    findings += _weapons(incident)
    findings += _counts(incident)
    return findings


def errors(findings: Iterable[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity is Severity.ERROR]


def _dates(incident: Incident, today: dt.date) -> list[Finding]:
    out = []
    if incident.occurred.start > today:
        out.append(Finding("date.future", "occurred_on", incident.occurred.start.isoformat(),
                           "the date of occurrence is in the future"))
    if incident.reported_on is not None:
        if incident.reported_on > today:
            out.append(Finding("date.future", "reported_on", incident.reported_on.isoformat(),
                               "the report date is in the future"))
        if incident.reported_on < incident.occurred.start:
            out.append(Finding("date.reported_before_occurred", "reported_on",
                               incident.reported_on.isoformat(),
                               "the report date is before the date of occurrence"))
    return out


def _codes(incident: Incident) -> list[Finding]:
    out = []
    for attr, tax_id in CODE_FIELDS:
        value = getattr(incident, attr)
        if attr == "iccs_code" and value is not None and known_offence(value):
            continue  # an ICCS crime or a police action / misdemeanour (offences.py)
        if value is not None and value not in taxonomy.load(tax_id):
            out.append(Finding("code.unknown", attr, value,
                               f"not a code of the {tax_id} list"
                               + (" nor of the police_action list" if attr == "iccs_code"
                                  else "")))
    if incident.source.source_type not in taxonomy.load("source_type"):
        out.append(Finding("code.unknown", "source_type", incident.source.source_type,
                           "not a code of the source_type list"))
    if not incident.source.record_id:
        out.append(Finding("value.missing", "record_id", "", "the source record id is empty"))
    return out


def _area(incident: Incident, known: set[str] | None, inside: PointInArea | None) -> list[Finding]:
    if known is not None and incident.area_code not in known:
        return [Finding("area.unknown", "area_code", incident.area_code, "no area has this code")]
    out = []
    pt = incident.point
    if pt is not None:
        if not (-180 <= pt.longitude <= 180 and -90 <= pt.latitude <= 90):
            return [Finding("point.invalid", "point", f"{pt.longitude},{pt.latitude}",
                            "longitude must be in [-180, 180] and latitude in [-90, 90]")]
        if inside is not None and inside(pt.longitude, pt.latitude, incident.area_code) is False:
            out.append(Finding("point.outside_area", "point", f"{pt.longitude},{pt.latitude}",
                               f"the point lies outside area {incident.area_code}",
                               Severity.WARNING))
    return out


def _persons(incident: Incident) -> list[Finding]:
    out: list[Finding] = []
    victims = sum(1 for p in incident.persons if p.role is Role.VICTIM)
    for i, person in enumerate(incident.persons, start=1):
        where = f"persons[{i}]"
        related = person.related_victim
        if related is not None and not 1 <= related <= victims:
            out.append(Finding("person.related_victim", f"{where}.related_victim", related,
                               f"there is no victim {related}: the incident lists {victims}"))
        low, high = person.age.low, person.age.high
        if low is not None and (low < 0 or low > MAX_HUMAN_AGE):
            out.append(Finding("age.impossible", f"{where}.age", low,
                               f"an age must lie between 0 and {MAX_HUMAN_AGE}"))
        if low is not None and high is not None and high < low:
            out.append(Finding("age.impossible", f"{where}.age", f"{low}-{high}",
                               "the upper age is below the lower age"))
        if person.age_band is not None and person.age_band not in taxonomy.load("age_band"):
            out.append(Finding("code.unknown", f"{where}.age_band", person.age_band,
                               "not a code of the age_band list"))
        relationship = person.relationship
        if relationship is not None and relationship not in taxonomy.load("relationship"):
            out.append(Finding("code.unknown", f"{where}.relationship", person.relationship,
                               "not a code of the relationship list"))
        if person.date_of_birth and person.date_of_birth > incident.occurred.end:
            out.append(Finding("date.birth_after_incident", f"{where}.date_of_birth",
                               person.date_of_birth.isoformat(),
                               "the date of birth is after the incident"))
    return out


def _weapons(incident: Incident) -> list[Finding]:
    out = []
    weapons, statuses = taxonomy.load("weapon"), taxonomy.load("firearm_legal_status")
    for i, weapon in enumerate(incident.weapons, start=1):
        if weapon.category not in weapons:
            out.append(Finding("code.unknown", f"weapons[{i}].category", weapon.category,
                               "not a code of the weapon list"))
        if weapon.legal_status is not None and weapon.legal_status not in statuses:
            out.append(Finding("code.unknown", f"weapons[{i}].legal_status", weapon.legal_status,
                               "not a code of the firearm_legal_status list"))
        if weapon.count < 1:
            out.append(Finding("count.invalid", f"weapons[{i}].count", weapon.count,
                               "a weapon count must be at least 1"))
    return out


def _counts(incident: Incident) -> list[Finding]:
    out = []
    for attr in ("declared_killed", "declared_injured", "killed_low", "killed_high"):
        value = getattr(incident, attr)
        if value is not None and value < 0:
            out.append(Finding("count.invalid", attr, value, "a count cannot be negative"))
    listed = [p for p in incident.persons if p.role is Role.VICTIM]
    killed = sum(1 for p in listed if p.outcome == "killed")
    if listed and incident.declared_killed is not None and killed > incident.declared_killed:
        out.append(Finding("victims.inconsistent", "declared_killed", incident.declared_killed,
                           f"{killed} persons are listed as killed, more than the declared count",
                           Severity.WARNING))
    low, high = incident.killed_low, incident.killed_high
    if low is not None and high is not None and low > high:
        out.append(Finding("victims.inconsistent", "killed_low", low,
                           f"the low estimate exceeds the high ({high})", Severity.WARNING))
    best = incident.declared_killed
    if best is not None and low is not None and high is not None and not low <= best <= high:
        out.append(Finding("victims.inconsistent", "declared_killed", best,
                           "the best estimate lies outside the low–high range", Severity.WARNING))
    if incident.iccs_code.startswith("0101") and not incident.attempted and listed and killed == 0:
        out.append(Finding("victims.inconsistent", "persons", len(listed),
                           "a completed homicide lists victims but none killed", Severity.WARNING))
    return out
