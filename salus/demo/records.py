"""How a source turns a true event into its own record, errors included.

An :class:`ErrorModel` holds the probabilities of each kind of mistake a source makes: a name
left out, misspelt, its parts swapped, its second surname dropped, transliterated in another
way or written in its native script; an age left out, off by one or two years or estimated as a
range; a birth date with day and month swapped; sex left out; a neighbouring municipality coded
instead of the true one; a date off by a few days. Every mistake made is returned by name so
the manifest can list it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from functools import cache

import numpy as np

from salus.demo.config import bucket
from salus.demo.geography import Country
from salus.demo.names import PersonName, typo
from salus.demo.truth import TrueEvent, TrueVictim
from salus.domain import taxonomy
from salus.domain.incidents.model import AgeRange, Outcome, Person, Role, Sex

DEMO_NAMESPACE = uuid.UUID("5a1b5d3e-0c4f-4d5e-9a7b-7e6d0e5f1a20")


@dataclass(frozen=True, slots=True)
class ErrorModel:
    """Probabilities of each mistake one kind of source makes."""

    unnamed: float = 0.0
    typo: float = 0.0
    swap: float = 0.0
    drop_surname: float = 0.0
    variants: tuple[float, float, float] = (1.0, 0.0, 0.0)
    """Weights of the police-, forensic- and media-style transliteration of non-Latin names."""
    native: float = 0.0
    age_missing: float = 0.0
    age_shift: float = 0.0
    estimate_unnamed_age: bool = False
    born: float = 0.0
    born_swap: float = 0.0
    sex_missing: float = 0.0
    wrong_area: float = 0.0
    date_shifts: dict[int, float] = field(default_factory=dict)


def record_uid(seed: int, source_type: str, source_name: str, record_id: str) -> str:
    """A stable UUID for a record: the same seed and natural key give the same uid."""
    return str(uuid.uuid5(DEMO_NAMESPACE, f"{seed}|{source_type}|{source_name}|{record_id}"))


def recorded_victim(
    rng: np.random.Generator,
    victim: TrueVictim,
    model: ErrorModel,
    *,
    relationship: bool,
    native: bool = False,
) -> tuple[Person, list[str]]:
    """The victim as the source writes them, and the names of the mistakes made."""
    u = rng.random(6)
    errors: list[str] = []
    given = family = None
    if victim.name is not None:
        given, family = _name(rng, victim.name, model, native, errors)
    unidentified = victim.name is not None and given is None
    age = _age(rng, victim.age, model, unidentified, float(u[0]), float(u[1]), errors)
    born = None
    if victim.name is not None and not unidentified and u[2] < model.born:
        born = _swapped(victim.born, errors) if u[3] < model.born_swap else victim.born
    sex = Sex(victim.sex)
    if u[4] < model.sex_missing:
        sex = Sex.UNKNOWN
        errors.append("sex_missing")
    person = Person(
        role=Role.VICTIM,
        sex=sex,
        age=age,
        age_band=age_band(age),
        outcome=Outcome(victim.outcome),
        relationship=victim.relationship if relationship else None,
        given_name=given,
        family_name=family,
        date_of_birth=born,
    )
    return person, errors


def _name(
    rng: np.random.Generator, name: PersonName, model: ErrorModel, native: bool, errors: list[str]
) -> tuple[str | None, str | None]:
    u = rng.random(5)
    if u[0] < model.unnamed:
        errors.append("unnamed")
        return None, None
    variant = 1 + bucket(model.variants, float(u[1]))
    if native and name.script == "cyrillic" and u[1] < model.native:
        variant = 0  # the others get the outlet's own transliteration (u[1] >= native)
    given, family = name.given[variant], name.family[variant]
    if variant == 0:
        errors.append("native_script")
    elif (given, family) != (name.given[1], name.family[1]):
        errors.append("transliteration")
    if name.script == "latin" and " " in family and u[2] < model.drop_surname:
        family = family.split(" ")[0]
        errors.append("surname_dropped")
    if u[3] < model.typo:
        if rng.random() < 0.5:
            given = typo(given, rng)
        else:
            family = typo(family, rng)
        errors.append("name_typo")
    if u[4] < model.swap:
        given, family = family, given
        errors.append("name_swapped")
    return given, family


def _age(
    rng: np.random.Generator,
    age: int,
    model: ErrorModel,
    unidentified: bool,
    u_missing: float,
    u_shift: float,
    errors: list[str],
) -> AgeRange:
    if unidentified and model.estimate_unnamed_age:
        errors.append("age_estimated")
        low = max(0, age - int(rng.integers(2, 6)))
        return AgeRange(low, low + 10)
    if u_missing < model.age_missing:
        errors.append("age_missing")
        return AgeRange()
    if u_shift < model.age_shift:
        errors.append("age_shift")
        shift = int(rng.choice((-2, -1, 1, 2)))
        return AgeRange.exact(max(0, age + shift))
    return AgeRange.exact(age)


def _swapped(born: dt.date, errors: list[str]) -> dt.date:
    if born.day <= 12 and born.day != born.month:
        errors.append("birth_date_swapped")
        return born.replace(month=born.day, day=born.month)
    return born


def age_band(age: AgeRange) -> str | None:
    """The SDG age band of an exact age (None for a range or an unknown age)."""
    if age.low is None or age.low != age.high:
        return None
    for code, low, high in _sdg_bands():
        if age.low >= low and (high is None or age.low <= high):
            return code
    return None


@cache
def _sdg_bands() -> tuple[tuple[str, int, int | None], ...]:
    return tuple((c.code, *taxonomy.age_band_range(c.code)) for c in taxonomy.age_bands("sdg"))


def suspect(sex: str, age: int) -> Person:
    """A known suspect as the police record them (no name: presumption of innocence)."""
    exact = AgeRange.exact(age)
    return Person(Role.PERPETRATOR, Sex(sex), exact, age_band(exact), Outcome.UNKNOWN)


def recorded_area(
    rng: np.random.Generator, event: TrueEvent, country: Country, model: ErrorModel
) -> tuple[str, bool]:
    """The municipality the source codes: the true one, or now and then a neighbour."""
    u = rng.random()
    near = country.neighbours.get(event.town, ())
    if u < model.wrong_area and near:
        return near[int(rng.integers(len(near)))], True
    return event.town, False


def recorded_date(
    rng: np.random.Generator, event: TrueEvent, model: ErrorModel, period: tuple[dt.date, dt.date]
) -> tuple[dt.date, int]:
    """The date the source gives and its shift from the truth in days (0 most of the time).

    A shift that would leave the demo's ``period`` is not made.
    """
    u, edge, shift = rng.random(), 0.0, 0
    for days, p in model.date_shifts.items():
        edge += p
        if u < edge:
            shift = days
            break
    day = event.date + dt.timedelta(shift)
    if not period[0] <= day <= period[1]:
        return event.date, 0
    return day, shift


class Sequence:
    """Per-year running numbers for record ids (``PREFIX-2023-000123``)."""

    def __init__(self, prefix: str, width: int) -> None:
        self._prefix, self._width = prefix, width
        self._next: dict[int, int] = {}

    def next(self, year: int) -> str:
        n = self._next.get(year, 0) + 1
        self._next[year] = n
        return f"{self._prefix}-{year}-{n:0{self._width}d}"
