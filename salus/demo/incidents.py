"""The police records: the observatory's primary incident series.

The national police record every non-fatal event (the demo has no dark figure of crime) and
each fatal event with probability ``rates.police`` (0.9), except in the district and months of
the reporting gap, where nothing reaches the observatory. Police records carry the ICCS context,
the firearm-misuse context, the location type, the weapon with its legal status, victims with
names where the offence is fatal or attempted homicide, and known suspects (never named). They
make a few mistakes too (see :data:`POLICE_ERRORS`), all listed in the manifest.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from salus.demo.config import DemoConfig
from salus.demo.events import Plan
from salus.demo.geography import Country
from salus.demo.manifest import PersonRow, RecordRow
from salus.demo.narratives import police_narrative, weapon_kind
from salus.demo.records import (
    ErrorModel,
    Sequence,
    record_uid,
    recorded_area,
    recorded_date,
    recorded_victim,
    suspect,
)
from salus.demo.truth import TrueEvent, firearm_codes
from salus.domain.incidents.model import (
    DatePrecision,
    Incident,
    LocationPrecision,
    OccurrenceDate,
    Person,
    Point,
    Sensitivity,
    SourceRecord,
    Weapon,
)

POLICE_TYPE = "police"
POLICE_NAME = "Verdania National Police"
POLICE_ERRORS = ErrorModel(
    unnamed=0.02,
    typo=0.04,
    swap=0.01,
    drop_surname=0.08,
    variants=(0.85, 0.15, 0.0),
    age_missing=0.06,
    age_shift=0.06,
    born=0.55,
    born_swap=0.03,
    sex_missing=0.01,
    wrong_area=0.02,
    date_shifts={1: 0.01, -1: 0.01},
)
TIME_KNOWN = 0.85
GBV_CONTEXTS = ("intimate_partner", "family_member")


@dataclass(slots=True)
class SourceBatch:
    """Records of one or more sources and their manifest rows."""

    incidents: list[Incident] = field(default_factory=list)
    records: list[RecordRow] = field(default_factory=list)
    persons: list[PersonRow] = field(default_factory=list)

    def add(
        self,
        incident: Incident,
        event: TrueEvent,
        wrong_area: bool,
        shift: int,
        victims: list[tuple[str, list[str]]],
    ) -> None:
        """Keep a record with its true event and the (person id, errors) of its victims."""
        s = incident.source
        self.incidents.append(incident)
        self.records.append(
            RecordRow(
                s.source_type,
                s.source_name,
                s.record_id,
                event.event_id,
                event.town,
                incident.area_code,
                int(wrong_area),
                event.date.isoformat(),
                incident.occurred.start.isoformat(),
                shift,
            )
        )
        for index, (person_id, errors) in enumerate(victims, start=1):
            self.persons.append(
                PersonRow(
                    s.source_type, s.source_name, s.record_id, index, person_id, ";".join(errors)
                )
            )

    def extend(self, other: SourceBatch) -> None:
        self.incidents += other.incidents
        self.records += other.records
        self.persons += other.persons


def in_gap(plan: Plan, event: TrueEvent) -> bool:
    """Whether the event falls in the reporting gap (its district and window)."""
    gap = plan.gap
    return event.town.startswith(gap.code) and gap.start <= event.date <= gap.end


def police_records(
    config: DemoConfig, country: Country, plan: Plan, truth: list[TrueEvent]
) -> SourceBatch:
    """One police record per recorded event, in time order (``VNP-2023-000123``)."""
    rng = config.stream(POLICE_TYPE)
    numbers = Sequence("VNP", 6)
    names = {p.code: p.names["en"] for p in country.places}
    period = (config.first_day, config.last_day)
    batch = SourceBatch()
    for event in truth:
        u = rng.random(3)
        if (event.deaths and u[0] >= config.rates.police) or in_gap(plan, event):
            continue
        area, wrong = recorded_area(rng, event, country, POLICE_ERRORS)
        day, shift = recorded_date(rng, event, POLICE_ERRORS, period)
        record_id = numbers.next(day.year)
        persons, victims = _persons(rng, event)
        timed = bool(u[1] < TIME_KNOWN)
        kind = weapon_kind(event.weapon, firearm_codes())
        incident = Incident(
            occurred=OccurrenceDate(day, DatePrecision.EXACT if timed else DatePrecision.DAY),
            area_code=area,
            iccs_code=event.offence.iccs,
            source=SourceRecord(POLICE_TYPE, POLICE_NAME, record_id),
            attempted=event.offence.attempted,
            occurred_time=event.time if timed else None,
            reported_on=day + dt.timedelta(_delay(rng, float(u[2]))),
            point=_point(event),
            iccs_context=event.context,
            misuse_context=event.misuse,
            location_type=event.location,
            weapons=_weapons(event),
            persons=persons,
            narrative=police_narrative(event, names[area], kind),
            sensitivity=_sensitivity(event),
            uid=record_uid(config.seed, POLICE_TYPE, POLICE_NAME, record_id),
        )
        batch.add(incident, event, wrong, shift, victims)
    return batch


def _persons(
    rng: np.random.Generator, event: TrueEvent
) -> tuple[list[Person], list[tuple[str, list[str]]]]:
    persons, victims = [], []
    for victim in event.victims:
        person, errors = recorded_victim(rng, victim, POLICE_ERRORS, relationship=True)
        persons.append(person)
        victims.append((victim.person_id, errors))
    persons += [suspect(sex, age) for sex, age in event.suspects]
    return persons, victims


def _delay(rng: np.random.Generator, u: float) -> int:
    """Days from the event to the police report."""
    if u < 0.75:
        return 0
    return 1 if u < 0.95 else int(rng.integers(2, 6))


def _point(event: TrueEvent) -> Point:
    precision = LocationPrecision.EXACT if event.exact else LocationPrecision.SETTLEMENT
    return Point(event.point[0], event.point[1], precision)


def _weapons(event: TrueEvent) -> list[Weapon]:
    if event.weapon is None:
        return []
    return [Weapon(event.weapon, event.legal_status, event.weapon_count)]


def _sensitivity(event: TrueEvent) -> Sensitivity:
    """GBV for sexual violence and non-fatal partner or family violence; else restricted."""
    if event.offence.iccs == "03011":
        return Sensitivity.GBV
    if event.context in GBV_CONTEXTS and not event.deaths:
        return Sensitivity.GBV
    return Sensitivity.RESTRICTED
