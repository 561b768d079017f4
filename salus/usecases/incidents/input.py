"""Turn submitted fields (web form or API body) into a domain incident, or field errors.

Parsing errors (``value.invalid``: not a date, not a number) and the domain validation rules
(:mod:`salus.domain.incidents.validation`) come back in one list of ``{field, code, message,
severity}``
so the form shows every message beside its field.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from salus.domain.incidents.model import (
    AgeRange,
    Incident,
    LocationPrecision,
    OccurrenceDate,
    Outcome,
    Person,
    Point,
    Role,
    Sensitivity,
    Sex,
    SourceRecord,
    Weapon,
)
from salus.domain.incidents.validation import validate_incident

PERSON_FIELDS = ("role", "sex", "age", "age_band", "outcome", "relationship", "related_victim",
                 "given_name", "family_name", "date_of_birth")
WEAPON_FIELDS = ("category", "legal_status", "serial_number", "count", "description")
FLAT_WEAPON = {"weapon": "category", "weapon_legal_status": "legal_status",
               "weapon_serial": "serial_number"}
"""The form's one weapon as flat fields → the fields of a ``weapons`` row (API, import)."""
IDENTIFYING = ("given_name", "family_name", "date_of_birth")


class _Errors(list[dict[str, Any]]):
    def add(self, field: str, code: str, message: str) -> None:
        self.append({"field": field, "code": code, "message": message, "severity": "error"})


def _text(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _date(data: Mapping[str, Any], key: str, errors: _Errors) -> dt.date | None:
    value = data.get(key)
    if isinstance(value, dt.date):
        return value
    text = _text(data, key)
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        errors.add(key, "value.invalid", "not a date (YYYY-MM-DD)")
        return None


def _number(data: Mapping[str, Any], key: str, errors: _Errors, kind: type = int) -> Any:
    text = _text(data, key)
    if text is None:
        return None
    try:
        return kind(text)
    except ValueError:
        errors.add(key, "value.invalid", "not a number")
        return None


def _choice(enum: Any, value: str | None, default: Any, field: str, errors: _Errors) -> Any:
    if value is None:
        return default
    try:
        return enum(value)
    except ValueError:
        errors.add(field, "code.unknown", f"not one of: {', '.join(e.value for e in enum)}")
        return default


def parse_person(data: Mapping[str, Any], where: str, errors: _Errors) -> Person:
    sub = _Errors()
    age = _number(data, "age", sub)
    person = Person(
        role=_choice(Role, _text(data, "role"), Role.VICTIM, "role", sub),
        sex=_choice(Sex, _text(data, "sex"), Sex.UNKNOWN, "sex", sub),
        age=AgeRange.exact(age) if age is not None else AgeRange(),
        age_band=_text(data, "age_band"),
        outcome=_choice(Outcome, _text(data, "outcome"), Outcome.UNKNOWN, "outcome", sub),
        relationship=_text(data, "relationship"),
        related_victim=_number(data, "related_victim", sub),
        given_name=_text(data, "given_name"), family_name=_text(data, "family_name"),
        date_of_birth=_date(data, "date_of_birth", sub))
    for e in sub:
        errors.add(f"{where}.{e['field']}", e["code"], e["message"])
    return person


def weapon_rows(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The submitted weapons: the ``weapons`` list, or the form's flat ``weapon*`` fields."""
    rows = data.get("weapons")
    if rows:
        return [dict(r) for r in rows]
    flat = {target: data.get(key) for key, target in FLAT_WEAPON.items()}
    return [flat] if any(_text(flat, k) for k in flat) else []


def _weapon(data: Mapping[str, Any], where: str, errors: _Errors) -> Weapon:
    sub = _Errors()
    count = _number(data, "count", sub)
    weapon = Weapon(category=_text(data, "category") or "unknown",
                    legal_status=_text(data, "legal_status"),
                    count=1 if count is None else count,
                    description=_text(data, "description"),
                    serial_number=_text(data, "serial_number"),
                    registry_uid=_text(data, "registry_uid"))
    for e in sub:
        errors.add(f"{where}.{e['field']}", e["code"], e["message"])
    return weapon


def _point(data: Mapping[str, Any], errors: _Errors) -> Point | None:
    lon = _number(data, "longitude", errors, float)
    lat = _number(data, "latitude", errors, float)
    if lon is None or lat is None:
        return None
    precision = _choice(LocationPrecision, _text(data, "location_precision"),
                        LocationPrecision.EXACT, "location_precision", errors)
    return Point(lon, lat, precision)


def _occurred(data: Mapping[str, Any], errors: _Errors) -> OccurrenceDate | None:
    day = _date(data, "occurred_on", errors)
    if day is None:
        if not any(e["field"] == "occurred_on" for e in errors):
            errors.add("occurred_on", "value.missing", "the date of occurrence is required")
        return None
    precision = _text(data, "date_precision") or "day"
    try:
        return OccurrenceDate.of(day, precision)
    except ValueError:
        errors.add("date_precision", "code.unknown", "not a known date precision")
        return OccurrenceDate.of(day, "day")


def _required(data: Mapping[str, Any], errors: _Errors) -> None:
    for key in ("area_code", "iccs_code", "source_type", "source_name"):
        if _text(data, key) is None:
            errors.add(key, "value.missing", "this field is required")


def build_incident(data: Mapping[str, Any], *, uid: str | None = None,
                   known_areas: set[str] | None = None) -> tuple[Incident | None,
                                                                 list[dict[str, Any]]]:
    """The incident described by ``data`` and every finding (errors and warnings)."""
    errors = _Errors()
    _required(data, errors)
    occurred = _occurred(data, errors)
    persons = [parse_person(p, f"persons[{n}]", errors)
               for n, p in enumerate(data.get("persons") or [], start=1)]
    weapons = [_weapon(w, f"weapons[{n}]", errors)
               for n, w in enumerate(weapon_rows(data), start=1)]
    incident = Incident(
        occurred=occurred or OccurrenceDate(dt.date.today()),
        area_code=_text(data, "area_code") or "", iccs_code=_text(data, "iccs_code") or "",
        source=SourceRecord(_text(data, "source_type") or "other",
                            _text(data, "source_name") or "", _text(data, "record_id") or ""),
        attempted=str(data.get("attempted", "")).lower() in ("1", "true", "on", "yes"),
        reported_on=_date(data, "reported_on", errors), point=_point(data, errors),
        iccs_context=_text(data, "iccs_context"), misuse_context=_text(data, "misuse_context"),
        location_type=_text(data, "location_type"),
        weapons=weapons, persons=persons,
        narrative=_text(data, "narrative"),
        sensitivity=_choice(Sensitivity, _text(data, "sensitivity"), Sensitivity.RESTRICTED,
                            "sensitivity", errors),
        declared_killed=_number(data, "declared_killed", errors),
        declared_injured=_number(data, "declared_injured", errors), uid=uid)
    return _validated(incident, errors, known_areas)


def _validated(incident: Incident, errors: _Errors,
               known_areas: set[str] | None) -> tuple[Incident | None, list[dict[str, Any]]]:
    findings = list(errors)
    if not incident.source.record_id:
        incident.source.record_id = incident.uid or "pending"
    taken = {e["field"] for e in errors}
    for f in validate_incident(incident, known_areas=known_areas):
        if f.field in taken:
            continue
        findings.append({"field": f.field, "code": f.code, "message": f.message,
                         "severity": f.severity.value})
    blocking = [f for f in findings if f["severity"] == "error"]
    return (None if blocking else incident), findings
