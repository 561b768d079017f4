"""The ground truth of each event: context, weapon, place, victims and suspects.

Everything a source may later get wrong is decided here, once: the true date and minute, the
true municipality and point, each victim's sex, age, date of birth and name. Draws are made per
offence × context group with vectorised NumPy calls, then gathered into one
:class:`TrueEvent` per event, in time order, with stable ids (``E0000001``, ``P0000001``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache

import numpy as np
import shapely

from salus.demo.config import DemoConfig, bucket, draw
from salus.demo.events import Events, is_celebration
from salus.demo.geography import DIGITS, Country
from salus.demo.names import SCRIPTS, PersonName, draw_name
from salus.demo.profiles import (
    FIREARM_TYPES,
    GANG_FIREARM_TYPES,
    OFFENCES,
    ROBBERY_INJURED,
    SECURITY_FORCE_SHARE,
    YOUNG_MALE,
    Context,
    Offence,
)
from salus.domain import taxonomy

NAMED_OFFENCES = ("0101", "0102", "0103")
SCRIPT_SHARES = (0.88, 0.06, 0.06)
EXACT_POINT_SHARE = 0.7
SPREAD = {"urban": 0.22, "intermediate": 0.3, "rural": 0.4}
DOMESTIC_LEGAL = {"legal": 0.35, "illegal": 0.3, "unknown": 0.35}


@dataclass(slots=True)
class TrueVictim:
    person_id: str
    sex: str
    age: int
    born: dt.date
    outcome: str
    relationship: str | None
    name: PersonName | None = None


@dataclass(slots=True)
class TrueEvent:
    event_id: str
    date: dt.date
    time: dt.time
    town: str
    offence: Offence
    context: str | None
    misuse: str | None
    weapon: str | None
    legal_status: str | None
    weapon_count: int
    location: str
    point: tuple[float, float]
    exact: bool
    victims: list[TrueVictim] = field(default_factory=list)
    suspects: list[tuple[str, int]] = field(default_factory=list)

    @property
    def deaths(self) -> list[TrueVictim]:
        return [v for v in self.victims if v.outcome == "killed"]


@dataclass(slots=True)
class _Draft:
    """Per-event attributes while groups are being drawn (one entry per event)."""

    context: list[str | None]
    misuse: list[str | None]
    weapon: list[str | None]
    legal: list[str | None]
    count: list[int]
    location: list[str]
    victims: list[list[tuple[str, int, str, str | None]]]
    suspects: list[list[tuple[str, int]]]


def describe_events(config: DemoConfig, country: Country, events: Events) -> list[TrueEvent]:
    """One :class:`TrueEvent` per drawn event, with ids, names and points."""
    rng = config.stream("details")
    n = len(events)
    draft = _Draft(
        [None] * n,
        [None] * n,
        [None] * n,
        [None] * n,
        [1] * n,
        ["unknown"] * n,
        [[] for _ in range(n)],
        [[] for _ in range(n)],
    )
    for k, offence in enumerate(OFFENCES):
        rows = np.flatnonzero(events.offence == k)
        keys = list(offence.contexts)
        which = draw(rng, [offence.contexts[c][0] for c in keys], len(rows))
        for j, key in enumerate(keys):
            _fill(rng, offence, key, offence.contexts[key][1], rows[which == j], draft)
    xy, exact = _points(config, country, events)
    return _assemble(config, country, events, draft, xy, exact)


def _fill(
    rng: np.random.Generator,
    offence: Offence,
    key: str | None,
    ctx: Context,
    rows: np.ndarray,
    draft: _Draft,
) -> None:
    """Draw context, weapon, place, victims and suspects for one offence × context group."""
    n = len(rows)
    weapons = _weapons(rng, ctx, key, n)
    legal = _legal(rng, offence, ctx, weapons)
    locations = _codes(rng, ctx.locations, n)
    police = (rng.random(n) < SECURITY_FORCE_SHARE) & (key == "unknown")
    extra = np.where(rng.random(n) < 0.15, rng.integers(1, 4, n), 0)
    for i, row in enumerate(rows):
        firearm = _is_firearm(weapons[i])
        draft.context[row] = key
        draft.weapon[row], draft.legal[row] = weapons[i], legal[i]
        draft.location[row] = locations[i]
        draft.count[row] = 1 + int(extra[i]) if offence.iccs == "090111" else 1
        if firearm:
            security = bool(police[i]) and offence.iccs in ("0101", "0102")
            draft.misuse[row] = "security_force_action" if security else ctx.misuse
    _victims(rng, offence, ctx, rows, draft)
    _suspects(rng, ctx, rows, draft)


def _codes(rng: np.random.Generator, weights: dict[str, float], n: int) -> list[str]:
    keys = list(weights)
    return [keys[int(i)] for i in draw(rng, [weights[k] for k in keys], n)]


def _is_firearm(code: str | None) -> bool:
    return code is not None and code in firearm_codes()


@cache
def firearm_codes() -> frozenset[str]:
    return frozenset(taxonomy.load("weapon").descendants("firearm"))


def _weapons(rng: np.random.Generator, ctx: Context, key: str | None, n: int) -> list[str | None]:
    if not ctx.weapons:
        return [None] * n
    kinds = _codes(rng, ctx.weapons, n)
    types = _codes(rng, GANG_FIREARM_TYPES if key == "organized_crime_gangs" else FIREARM_TYPES, n)
    return [types[i] if kind == "firearm" else kind for i, kind in enumerate(kinds)]


def _legal(
    rng: np.random.Generator, offence: Offence, ctx: Context, weapons: list[str | None]
) -> list[str | None]:
    table = DOMESTIC_LEGAL if ctx.misuse == "domestic_violence" else offence.legal_status
    statuses = _codes(rng, table, len(weapons))
    return [s if _is_firearm(w) else None for w, s in zip(weapons, statuses, strict=True)]


def _victims(
    rng: np.random.Generator, offence: Offence, ctx: Context, rows: np.ndarray, draft: _Draft
) -> None:
    if not ctx.victims:
        return
    per_event = draw(rng, ctx.victims, len(rows)) + 1
    total = int(per_event.sum())
    female = rng.random(total) < ctx.female
    ages = np.where(
        female, _ages(rng, ctx.female_ages or ctx.ages, total), _ages(rng, ctx.ages, total)
    )
    relations = _codes(rng, ctx.relationships, total) if ctx.relationships else [None] * total
    outcome_draw = rng.random(total)
    v = 0
    for row, count in zip(rows, per_event, strict=True):
        for position in range(int(count)):
            outcome = _outcome(offence, position, float(outcome_draw[v]))
            relation = "authority" if draft.misuse[row] == "security_force_action" else relations[v]
            draft.victims[row].append(
                ("female" if female[v] else "male", int(ages[v]), outcome, relation)
            )
            v += 1


def _outcome(offence: Offence, position: int, u: float) -> str:
    if offence.iccs == "0401":
        return "injured" if u < ROBBERY_INJURED else "unharmed"
    if offence.outcome == "killed" and position > 0 and u > 0.7:
        return "injured"
    return offence.outcome


def _ages(rng: np.random.Generator, bands: tuple[float, ...], n: int) -> np.ndarray:
    """Whole ages: a band drawn with ``bands`` weights, then uniform within it (60+ tails off)."""
    lows = np.array([0, 15, 30, 45, 60])
    band = draw(rng, bands, n)
    width = np.array([15, 15, 15, 15, 1])[band]
    tail = np.where(band == 4, np.minimum(rng.exponential(9, n), 38).astype(int), 0)
    ages: np.ndarray = lows[band] + (rng.random(n) * width).astype(int) + tail
    return ages


def _suspects(rng: np.random.Generator, ctx: Context, rows: np.ndarray, draft: _Draft) -> None:
    known = rng.random(len(rows)) < ctx.perpetrator
    male = rng.random(len(rows)) < 0.93
    ages = np.maximum(_ages(rng, YOUNG_MALE, len(rows)), 16)
    for i, row in enumerate(rows):
        if not known[i]:
            continue
        victim_female = bool(draft.victims[row]) and draft.victims[row][0][0] == "female"
        domestic = ctx.misuse == "domestic_violence" and victim_female
        sex = "male" if domestic or male[i] else "female"
        draft.suspects[row].append((sex, int(ages[i])))


def _points(config: DemoConfig, country: Country, events: Events) -> tuple[np.ndarray, np.ndarray]:
    """A point per event: near the town centre inside the municipality (exact), or the centre."""
    rng = config.stream("points")
    xy = np.zeros((len(events), 2))
    exact = rng.random(len(events)) < EXACT_POINT_SHARE
    for t, town in enumerate(country.municipalities):
        rows = np.flatnonzero(events.town == t)
        xy[rows] = town.centre
        wanted = rows[exact[rows]]
        sigma = SPREAD[town.setting] * town.shape.area**0.5
        got: list[np.ndarray] = []
        while sum(len(g) for g in got) < len(wanted):
            cand = np.round(rng.normal(town.centre, sigma, (2 * len(wanted) + 8, 2)), DIGITS)
            got.append(cand[shapely.contains_xy(town.shape, cand[:, 0], cand[:, 1])])
        if len(wanted):
            xy[wanted] = np.concatenate(got)[: len(wanted)]
    return xy, exact


def _assemble(
    config: DemoConfig,
    country: Country,
    events: Events,
    draft: _Draft,
    xy: np.ndarray,
    exact: np.ndarray,
) -> list[TrueEvent]:
    rng = config.stream("people")
    towns = [m.code for m in country.municipalities]
    out: list[TrueEvent] = []
    person = 0
    for i in range(len(events)):
        event = _event(config, towns, events, draft, i, (float(xy[i, 0]), float(xy[i, 1])))
        event.exact = bool(exact[i])
        named = event.offence.iccs in NAMED_OFFENCES
        for sex, age, outcome, relation in draft.victims[i]:
            person += 1
            event.victims.append(
                _person(rng, person, event.date, sex, age, outcome, relation, named)
            )
        out.append(event)
    return out


def _event(
    config: DemoConfig,
    towns: list[str],
    events: Events,
    draft: _Draft,
    i: int,
    point: tuple[float, float],
) -> TrueEvent:
    """Event ``i`` without its victims (its point taken as exact until said otherwise)."""
    day, minute, code = int(events.day[i]), int(events.minute[i]), int(events.offence[i])
    misuse = "celebratory_shooting" if is_celebration(config, day, code) else draft.misuse[i]
    return TrueEvent(
        f"E{i + 1:07d}",
        config.first_day + dt.timedelta(day),
        dt.time(minute // 60, minute % 60),
        towns[int(events.town[i])],
        OFFENCES[code],
        draft.context[i],
        misuse,
        draft.weapon[i],
        draft.legal[i],
        draft.count[i],
        draft.location[i],
        point,
        True,
        suspects=draft.suspects[i],
    )


def _person(
    rng: np.random.Generator,
    number: int,
    date: dt.date,
    sex: str,
    age: int,
    outcome: str,
    relation: str | None,
    named: bool,
) -> TrueVictim:
    anniversary = _years_before(date, age)
    born = anniversary - dt.timedelta(int(rng.integers(0, 365)))
    name = None
    if named:
        script = SCRIPTS[bucket(SCRIPT_SHARES, float(rng.random()))]
        name = draw_name(rng, sex == "female", script)
    return TrueVictim(f"P{number:07d}", sex, age, born, outcome, relation, name)


def _years_before(date: dt.date, years: int) -> dt.date:
    try:
        return date.replace(year=date.year - years)
    except ValueError:  # 29 February
        return date.replace(year=date.year - years, day=28)
