"""Forensic and media records of the same deaths: the material of record linkage.

- The National Institute of Legal Medicine writes one record per body (``rates.forensic``,
  0.8): manner of death coded as ICCS 0101 or 0103, cause as a weapon category, a date of
  death that is sometimes a day or two after the attack, sometimes the municipality of the
  hospital, now and then an unidentified body with an estimated age.
- Four newspapers cover each fatal event with probability ``rates.media`` (0.4), and a second
  outlet follows up ``rates.media_follow_up`` of those: names often shortened, misspelt or
  transliterated otherwise, ages rounded or left out, dates taken from "yesterday". The
  Russian-language *Vestnik Verdanii* prints Cyrillic names in Cyrillic.

Both are extra source records of deaths the police series already counts (or missed): they are
stored as incidents of their own source type, so the primary series stays police-only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from salus.demo.config import DemoConfig
from salus.demo.geography import Country
from salus.demo.incidents import SourceBatch
from salus.demo.narratives import forensic_narrative, media_headline, weapon_kind
from salus.demo.records import (
    ErrorModel,
    Sequence,
    record_uid,
    recorded_area,
    recorded_date,
    recorded_victim,
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

FORENSIC_TYPE = "forensic"
FORENSIC_NAME = "National Institute of Legal Medicine"
FORENSIC_ERRORS = ErrorModel(
    unnamed=0.08,
    typo=0.05,
    swap=0.06,
    drop_surname=0.10,
    variants=(0.3, 0.7, 0.0),
    age_shift=0.08,
    estimate_unnamed_age=True,
    born=0.7,
    born_swap=0.03,
    sex_missing=0.01,
    wrong_area=0.06,
    date_shifts={1: 0.08, 2: 0.04, -1: 0.03},
)
MEDIA_TYPE = "media"
MEDIA_ERRORS = ErrorModel(
    unnamed=0.15,
    typo=0.10,
    swap=0.04,
    drop_surname=0.30,
    variants=(0.2, 0.2, 0.6),
    native=0.7,
    age_missing=0.30,
    age_shift=0.25,
    sex_missing=0.08,
    wrong_area=0.08,
    date_shifts={-1: 0.06, 1: 0.10, 2: 0.06, 3: 0.03},
)
MEDIA_LISTS_VICTIMS = 0.8
BODY_POINT = 0.6


@dataclass(frozen=True, slots=True)
class Outlet:
    name: str
    slug: str
    domain: str
    weight: float
    russian: bool = False


OUTLETS = (
    Outlet("La Voz de Verdania", "lvv", "lavozdeverdania.example", 0.4),
    Outlet("Verdania Today", "vt", "verdaniatoday.example", 0.25),
    Outlet("Diario del Sur", "dds", "diariodelsur.example", 0.25),
    Outlet("Vestnik Verdanii", "vv", "vestnik-verdanii.example", 0.1, russian=True),
)


def forensic_records(config: DemoConfig, country: Country, truth: list[TrueEvent]) -> SourceBatch:
    """One medico-legal record per body examined (``INML-2023-00123``)."""
    rng = config.stream(FORENSIC_TYPE)
    numbers = Sequence("INML", 5)
    period = (config.first_day, config.last_day)
    batch = SourceBatch()
    for event in truth:
        for victim in event.deaths:
            u = rng.random(3)
            if u[0] >= config.rates.forensic:
                continue
            area, wrong = recorded_area(rng, event, country, FORENSIC_ERRORS)
            day, shift = recorded_date(rng, event, FORENSIC_ERRORS, period)
            record_id = numbers.next(day.year)
            person, errors = recorded_victim(rng, victim, FORENSIC_ERRORS, relationship=False)
            kind = weapon_kind(event.weapon, firearm_codes())
            incident = Incident(
                occurred=OccurrenceDate(day, DatePrecision.DAY),
                area_code=area,
                iccs_code="0103" if event.offence.iccs == "0103" else "0101",
                source=SourceRecord(FORENSIC_TYPE, FORENSIC_NAME, record_id),
                reported_on=day + dt.timedelta(int(u[1] * 4)),
                point=_point(event) if u[2] < BODY_POINT else None,
                weapons=[Weapon(kind)],
                persons=[person],
                narrative=forensic_narrative(event, kind),
                sensitivity=Sensitivity.CONFIDENTIAL,
                uid=record_uid(config.seed, FORENSIC_TYPE, FORENSIC_NAME, record_id),
            )
            batch.add(incident, event, wrong, shift, [(victim.person_id, errors)])
    return batch


def _point(event: TrueEvent) -> Point:
    precision = LocationPrecision.EXACT if event.exact else LocationPrecision.SETTLEMENT
    return Point(event.point[0], event.point[1], precision)


def media_records(config: DemoConfig, country: Country, truth: list[TrueEvent]) -> SourceBatch:
    """Newspaper articles about fatal events (``lvv-20230512-0042``), follow-ups included."""
    rng = config.stream(MEDIA_TYPE)
    counters = {o.slug: 0 for o in OUTLETS}
    batch = SourceBatch()
    for event in truth:
        if not event.deaths:
            continue
        u = rng.random(2)
        if u[0] >= config.rates.media:
            continue
        first = _outlet(rng, event, None)
        outlets = [first]
        if u[1] < config.rates.media_follow_up:
            outlets.append(_outlet(rng, event, first))
        for outlet in outlets:
            counters[outlet.slug] += 1
            _article(rng, config, country, event, outlet, counters[outlet.slug], batch)
    return batch


def _outlet(rng: np.random.Generator, event: TrueEvent, besides: Outlet | None) -> Outlet:
    """Vestnik covers half the deaths of Cyrillic-named people; the others share the rest."""
    cyrillic = any(v.name is not None and v.name.script == "cyrillic" for v in event.deaths)
    pool = [o for o in OUTLETS if o is not besides]
    weights = np.array([o.weight * (5.0 if cyrillic and o.russian else 1.0) for o in pool])
    return pool[int(rng.choice(len(pool), p=weights / weights.sum()))]


def _article(
    rng: np.random.Generator,
    config: DemoConfig,
    country: Country,
    event: TrueEvent,
    outlet: Outlet,
    number: int,
    batch: SourceBatch,
) -> None:
    area, wrong = recorded_area(rng, event, country, MEDIA_ERRORS)
    day, shift = recorded_date(rng, event, MEDIA_ERRORS, (config.first_day, config.last_day))
    published = max(day, event.date + dt.timedelta(int(rng.choice(3, p=(0.5, 0.4, 0.1)))))
    record_id = f"{outlet.slug}-{published:%Y%m%d}-{number:04d}"
    listed = bool(rng.random() < MEDIA_LISTS_VICTIMS)
    persons, victims = _listed(rng, event, outlet) if listed else ([], [])
    place = country.place(area)
    kind = weapon_kind(event.weapon, firearm_codes())
    mentioned = rng.random() < 0.7
    incident = Incident(
        occurred=OccurrenceDate(day, DatePrecision.DAY),
        area_code=area,
        iccs_code="0103" if event.offence.iccs == "0103" else "0101",
        source=SourceRecord(
            MEDIA_TYPE,
            outlet.name,
            record_id,
            f"https://{outlet.domain}/{published:%Y/%m/%d}/{record_id}",
        ),
        reported_on=published,
        point=Point(*place.centre, LocationPrecision.SETTLEMENT) if mentioned else None,
        weapons=[Weapon(kind)] if kind != "unknown" else [],
        persons=persons,
        declared_killed=None if listed else len(event.deaths),
        narrative=_headline(event, place.names, kind, outlet),
        sensitivity=Sensitivity.RESTRICTED,
        uid=record_uid(config.seed, MEDIA_TYPE, outlet.name, record_id),
    )
    batch.add(incident, event, wrong, shift, victims)


def _listed(
    rng: np.random.Generator, event: TrueEvent, outlet: Outlet
) -> tuple[list[Person], list[tuple[str, list[str]]]]:
    """The dead as an article lists them, with the mistakes made."""
    persons, victims = [], []
    for victim in event.deaths:
        person, errors = recorded_victim(
            rng, victim, MEDIA_ERRORS, relationship=False, native=outlet.russian
        )
        persons.append(person)
        victims.append((victim.person_id, errors))
    return persons, victims


def _headline(event: TrueEvent, names: dict[str, str], kind: str, outlet: Outlet) -> str:
    if outlet.russian:
        return f"{names['ru']}: погибших — {len(event.deaths)}"
    return media_headline(event, names["en"], kind)
