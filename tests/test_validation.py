"""Validation rules return machine-readable findings naming field and value."""

from __future__ import annotations

import datetime as dt

from salus.domain.geometry import AreaLocator
from salus.domain.incidents.model import (
    AgeRange,
    Incident,
    OccurrenceDate,
    Outcome,
    Person,
    Point,
    SourceRecord,
    Weapon,
)
from salus.domain.incidents.validation import Severity, errors, validate_incident

TODAY = dt.date(2026, 11, 23)
SQUARE = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}


def _incident(**overrides: object) -> Incident:
    base: dict[str, object] = {
        "occurred": OccurrenceDate.of(dt.date(2025, 3, 2), "day"),
        "area_code": "A",
        "iccs_code": "0101",
        "source": SourceRecord("police", "National Police", "R-1"),
        "persons": [Person(outcome=Outcome.KILLED, age=AgeRange.exact(31))],
        "weapons": [Weapon("firearm")],
    }
    base.update(overrides)
    return Incident(**base)  # type: ignore[arg-type]


def _codes(inc: Incident, **kw: object) -> list[str]:
    return [f.code for f in validate_incident(inc, today=TODAY, **kw)]  # type: ignore[arg-type]


def test_a_well_formed_incident_has_no_findings() -> None:
    assert validate_incident(_incident(), today=TODAY, known_areas={"A"}) == []


def test_a_future_date_is_an_error_naming_the_field_and_value() -> None:
    [f] = validate_incident(_incident(occurred=OccurrenceDate.of(dt.date(2027, 1, 1), "day")),
                            today=TODAY)
    assert (f.code, f.field, f.value, f.severity) == (
        "date.future", "occurred_on", "2027-01-01", Severity.ERROR)


def test_an_age_of_150_is_impossible() -> None:
    inc = _incident(persons=[Person(age=AgeRange.exact(150))])
    assert "age.impossible" in _codes(inc)


def test_a_negative_age_is_impossible() -> None:
    assert "age.impossible" in _codes(_incident(persons=[Person(age=AgeRange(-1, -1))]))


def test_an_unknown_iccs_code_is_reported() -> None:
    [f] = validate_incident(_incident(iccs_code="9999"), today=TODAY)
    assert (f.code, f.field, f.value) == ("code.unknown", "iccs_code", "9999")


def test_an_unknown_weapon_category_is_reported() -> None:
    assert "code.unknown" in _codes(_incident(weapons=[Weapon("laser")]))


def test_an_unknown_area_is_reported() -> None:
    assert _codes(_incident(area_code="Z"), known_areas={"A"}) == ["area.unknown"]


def test_a_point_outside_its_area_is_only_a_warning() -> None:
    locator = AreaLocator({"A": SQUARE})
    inc = _incident(point=Point(5.0, 5.0))
    [f] = validate_incident(inc, today=TODAY, point_in_area=locator.contains)
    assert (f.code, f.severity) == ("point.outside_area", Severity.WARNING)
    assert errors([f]) == []


def test_a_point_inside_its_area_passes() -> None:
    locator = AreaLocator({"A": SQUARE})
    assert _codes(_incident(point=Point(0.5, 0.5)), point_in_area=locator.contains) == []


def test_more_listed_dead_than_declared_is_inconsistent() -> None:
    inc = _incident(declared_killed=0)
    assert "victims.inconsistent" in _codes(inc)


def test_a_best_estimate_outside_its_range_is_inconsistent() -> None:
    inc = _incident(persons=[], declared_killed=10, killed_low=1, killed_high=5)
    assert "victims.inconsistent" in _codes(inc)


def test_a_report_before_the_occurrence_is_flagged() -> None:
    inc = _incident(reported_on=dt.date(2025, 1, 1))
    assert "date.reported_before_occurred" in _codes(inc)
