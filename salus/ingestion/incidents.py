"""Mapped incident rows → :class:`Incident` objects, checked by the domain's validation rules.

One source row is one incident. Its victims come from ``count`` (an aggregated row expanded into
that many alike victims, as in the Colombian police tables), from ``victims`` groups (one count
column per group with fixed attributes, e.g. HXL ``#affected+killed+f``), or from person columns
(one victim). The date's precision widens to the smallest period (day, ISO week, month, year)
holding both ``occurred_on`` and ``occurred_until`` (UCDP ``date_start``/``date_end``).
Validation findings are turned into :class:`RowError`s that cite the source column.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from salus.domain import taxonomy
from salus.domain.incidents.model import (
    AgeRange,
    DatePrecision,
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
from salus.domain.incidents.validation import Finding, PointInArea, Severity, validate_incident
from salus.ingestion.binding import Bound, find_column
from salus.ingestion.convert import CellError, converter
from salus.ingestion.errors import ERROR, WARNING, RowError, failure
from salus.ingestion.fields import PERSON_FIELDS
from salus.ingestion.text import cell_text, normalise

MAX_COUNT = 100_000
PRECISION_ORDER = list(DatePrecision)
FIELD_ALIASES = {"category": "weapon", "legal_status": "weapon_legal_status",
                 "occurred_on": "occurred_on", "point": "longitude", "persons": "count"}


@dataclass(frozen=True, slots=True)
class VictimGroup:
    column: str
    get: Callable[[dict[str, Any]], Any]
    fixed: dict[str, Any]


@dataclass(slots=True)
class IncidentFactory:
    """Builds and validates incidents for one bound mapping."""

    bound: Bound
    known_areas: set[str]
    point_in_area: PointInArea | None
    today: dt.date
    groups: list[VictimGroup] = field(default_factory=list)

    @classmethod
    def create(cls, bound: Bound, columns: list[str], tags: dict[str, str],
               known_areas: set[str], point_in_area: PointInArea | None,
               today: dt.date) -> IncidentFactory:
        factory = cls(bound, known_areas, point_in_area, today)
        factory.groups = _victim_groups(bound, columns, tags)
        return factory

    def build(self, number: int, values: dict[str, Any], row: dict[str, Any],
              record_id: str) -> tuple[Incident | None, list[RowError]]:
        """The incident of one row, or None with the row's errors (warnings are kept)."""
        problems: list[RowError] = []
        occurred = self._occurred(number, values, problems)
        persons = self._persons(number, values, row, problems)
        point = self._point(number, values, problems)
        if occurred is None or any(p.is_error for p in problems):
            return None, problems
        incident = Incident(
            occurred=occurred, area_code=values["area_code"], iccs_code=values["iccs_code"],
            source=SourceRecord(values["source_type"], values["source_name"], record_id,
                                values.get("url")),
            attempted=bool(values.get("attempted", False)),
            occurred_time=values.get("occurred_time"), reported_on=values.get("reported_on"),
            point=point, iccs_context=values.get("iccs_context"),
            misuse_context=values.get("misuse_context"),
            location_type=values.get("location_type"), weapons=_weapons(values),
            persons=persons, narrative=values.get("narrative"),
            sensitivity=_enum(Sensitivity, values.get("sensitivity", "restricted")),
            declared_killed=values.get("declared_killed"),
            declared_injured=values.get("declared_injured"),
            killed_low=values.get("killed_low"), killed_high=values.get("killed_high"))
        problems += self._validate(number, incident, row)
        if any(p.is_error for p in problems):
            return None, problems
        return incident, problems

    def _occurred(self, number: int, values: dict[str, Any],
                  problems: list[RowError]) -> OccurrenceDate | None:
        start, until = values.get("occurred_on"), values.get("occurred_until")
        precision = _enum(DatePrecision, values.get("date_precision", "day"))
        if start is None:
            problems.append(self._error(number, "occurred_on", "", "value.missing",
                                        "the date of occurrence is empty"))
            return None
        if until is not None:
            if until < start:
                problems.append(self._error(number, "occurred_until", until.isoformat(),
                                            "date.range", "the end date is before the start "
                                            f"date {start.isoformat()}"))
                return None
            covering = covering_precision(start, until)
            if covering is None:
                covering = DatePrecision.YEAR
                problems.append(self._error(
                    number, "occurred_until", until.isoformat(), "date.range",
                    f"the range {start.isoformat()}–{until.isoformat()} spans calendar years; "
                    "kept as the year of the start date", WARNING))
            precision = max(precision, covering, key=PRECISION_ORDER.index)
        if precision is DatePrecision.DAY or precision is DatePrecision.EXACT:
            return OccurrenceDate(start, precision)  # what ``of`` returns, without its checks
        return OccurrenceDate.of(start, precision)

    def _persons(self, number: int, values: dict[str, Any], row: dict[str, Any],
                 problems: list[RowError]) -> list[Person]:
        if self.groups:
            persons = []
            for group in self.groups:
                n = self._group_count(number, group, row, problems)
                persons += _persons_alike(values | group.fixed, n)
            return persons
        if "count" in self.bound.columns:
            count = values.get("count")
            if count is None or not 1 <= count <= MAX_COUNT:
                problems.append(self._error(number, "count", self.bound.raw_text("count", row),
                                            "count.invalid", "the victim count must be a whole "
                                            f"number from 1 to {MAX_COUNT}"))
                return []
            return _persons_alike(values, count)
        if not values.keys().isdisjoint(PERSON_FIELDS):
            return _persons_alike(values, 1)
        return []

    def _group_count(self, number: int, group: VictimGroup, row: dict[str, Any],
                     problems: list[RowError]) -> int:
        raw = group.get(row)
        if cell_text(raw) is None:
            return 0
        try:
            n = converter("count", PERSON_FIELDS["age"], self.bound.mapping)(raw)
        except CellError as p:
            problems.append(RowError(number, group.column, cell_text(raw) or "", p.code,
                                     f"victim count: {p.message}"))
            return 0
        if not 0 <= n <= MAX_COUNT:
            problems.append(RowError(number, group.column, str(n), "count.invalid",
                                     f"a victim count must lie between 0 and {MAX_COUNT}"))
            return 0
        return int(n)

    def _point(self, number: int, values: dict[str, Any],
               problems: list[RowError]) -> Point | None:
        lon, lat = values.get("longitude"), values.get("latitude")
        geometry = values.get("wkt") or values.get("geometry")
        if lon is None and lat is None and geometry is None:
            _enum(LocationPrecision, values.get("location_precision", "exact"))  # still checked
            return None
        precision = LocationPrecision(values.get("location_precision", "exact"))
        if lon is None and lat is None and geometry is not None:
            if geometry.get("type") != "Point":
                problems.append(self._error(number, "wkt" if "wkt" in values else "geometry",
                                            str(geometry.get("type")), "geometry.invalid",
                                            "an incident's location must be a Point"))
                return None
            lon, lat = geometry["coordinates"][:2]
        if lon is None and lat is None:
            return None
        if lon is None or lat is None:
            missing = "longitude" if lon is None else "latitude"
            problems.append(self._error(number, missing, "", "value.missing",
                                        f"{missing} is empty while the other coordinate is set"))
            return None
        return Point(float(lon), float(lat), precision)

    def _validate(self, number: int, incident: Incident, row: dict[str, Any]) -> list[RowError]:
        findings = validate_incident(incident, today=self.today, known_areas=self.known_areas,
                                     point_in_area=self.point_in_area)
        out, seen = [], set()
        for finding in findings:
            name = finding_field(finding)
            key = (finding.code, name, str(finding.value))
            if key in seen:
                continue
            seen.add(key)
            out.append(self._from_finding(number, finding, name, row))
        return out

    def _from_finding(self, number: int, finding: Finding, name: str,
                      row: dict[str, Any]) -> RowError:
        raw = self.bound.raw_text(name, row)
        value = raw or str(finding.value)
        message = finding.message
        if finding.code == "area.unknown":
            message = f"no area has code {finding.value!r}; import the areas first"
        elif raw and raw != str(finding.value):
            message = f"{message} ({finding.value})"
        severity = ERROR if finding.severity is Severity.ERROR else WARNING
        return RowError(number, self.bound.column_of(name), value, finding.code, message,
                        severity)

    def _error(self, number: int, name: str, value: str, code: str, message: str,
               severity: str = ERROR) -> RowError:
        return RowError(number, self.bound.column_of(name), value, code, message, severity)


def finding_field(finding: Finding) -> str:
    """The mapping field behind a validation finding (``persons[2].age_band`` → ``age_band``)."""
    name = re.sub(r"^(persons|weapons)\[\d+\]\.", "", finding.field)
    return FIELD_ALIASES.get(name, name)


def covering_precision(start: dt.date, until: dt.date) -> DatePrecision | None:
    """The finest of day / ISO week / month / year whose period holds both dates."""
    if start == until:
        return DatePrecision.DAY
    if start - dt.timedelta(days=start.weekday()) == until - dt.timedelta(days=until.weekday()):
        return DatePrecision.WEEK
    if (start.year, start.month) == (until.year, until.month):
        return DatePrecision.MONTH
    if start.year == until.year:
        return DatePrecision.YEAR
    return None


def _persons_alike(values: dict[str, Any], n: int) -> list[Person]:
    """``n`` victims with the same attributes (separate objects: persons are mutable)."""
    if n <= 0:
        return []
    kwargs = _person_kwargs(values)
    return [Person(**kwargs) for _ in range(n)]


def _person_kwargs(values: dict[str, Any]) -> dict[str, Any]:
    band = values.get("age_band")
    age = values.get("age")
    if age is not None:
        age_range = AgeRange.exact(age)
    elif "age_min" in values or "age_max" in values:
        age_range = AgeRange(values.get("age_min"), values.get("age_max"))
    elif band is not None and band in taxonomy.load("age_band"):
        age_range = _band_range(band)
    else:
        age_range = AgeRange()
    return {"role": _ROLES[values.get("role", "victim")],
            "sex": _SEXES[values.get("sex", "unknown")], "age": age_range, "age_band": band,
            "outcome": _OUTCOMES[values.get("outcome", "unknown")],
            "relationship": values.get("relationship"),
            "related_victim": values.get("related_victim"),
            "conflict_status": values.get("conflict_status"),
            "nationality": values.get("nationality"), "given_name": values.get("given_name"),
            "family_name": values.get("family_name"),
            "date_of_birth": values.get("date_of_birth")}


def _enum(kind: Any, value: Any) -> Any:
    """``kind(value)`` through a lookup table of the members' values (same result, same
    ``ValueError`` for a value that is not one)."""
    member = _MEMBERS[kind].get(value) if value.__class__ is str else None
    return member if member is not None else kind(value)


_MEMBERS: dict[Any, dict[str, Any]] = {k: {m.value: m for m in k} for k in
                                       (DatePrecision, LocationPrecision, Sensitivity)}
_ROLES = {r.value: r for r in Role}
_SEXES = {s.value: s for s in Sex}
_OUTCOMES = {o.value: o for o in Outcome}


@cache
def _band_range(band: str) -> AgeRange:
    return AgeRange(*taxonomy.age_band_range(band))


def _weapons(values: dict[str, Any]) -> list[Weapon]:
    category = values.get("weapon")
    if category is None:
        return []
    return [Weapon(category=category, legal_status=values.get("weapon_legal_status"),
                   description=values.get("weapon_description"),
                   serial_number=values.get("weapon_serial"))]


def _cell_getter(key: str) -> Callable[[dict[str, Any]], Any]:
    return lambda row: row.get(key)


def _victim_groups(bound: Bound, columns: list[str], tags: dict[str, str]) -> list[VictimGroup]:
    index = {normalise(c): c for c in reversed(columns) if c}
    groups = []
    for i, group in enumerate(bound.mapping.victims, start=1):
        key = find_column(str(group["count"]), index, tags)
        if key is None:
            raise failure("column.missing", f"mapping {bound.mapping.name}: victims[{i}] "
                          f"needs the count column {group['count']!r}, absent from the header",
                          column=f"victims[{i}].count", value=str(group["count"]))
        fixed = {}
        for name, raw in group.items():
            if name != "count":
                try:
                    fixed[name] = converter(name, PERSON_FIELDS[name], bound.mapping)(raw)
                except CellError as p:
                    raise failure("mapping.invalid", f"mapping {bound.mapping.name}: "
                                  f"victims[{i}].{name}: {p.message}") from None
        groups.append(VictimGroup(key, _cell_getter(key), fixed))
    return groups
