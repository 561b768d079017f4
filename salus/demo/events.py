"""When and where the true events happen, and the features planted for analysts to find.

The expected number of events of offence *k* in municipality *m* on day *t* is

    population[m, year(t)] × setting[m] ** urban_power[k] × district[m] × noise[m]
        × season(t) × weekday(t) × feast(t) × trend(t) × lockdown(t) × hotspot[m, t]

and exactly ``config.incidents`` events are drawn from it (a multinomial over offence, place
and day). ``district`` is 2.5 in the high-violence districts; ``hotspot`` ramps from 1 to a
multiplier of 3–4.5 in the emerging hotspots over the last 300 to 180 days. The reporting gap is
a window of ``config.gap_days`` days in which one district's police records are missing (the
events still happen and still reach forensic and media sources).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from salus.demo.config import DemoConfig, draw
from salus.demo.geography import Country
from salus.demo.population import Population
from salus.demo.profiles import CELEBRATORY_SHARE, NIGHT_HOURS, OFFENCES, SETTING_FACTOR

WEEKDAY = (0.88, 0.85, 0.86, 0.9, 1.05, 1.25, 1.21)
FEAST_DAYS = ((12, 24), (12, 25), (12, 31), (1, 1))
HIGH_VIOLENCE = 2.5
LOCKDOWN = (dt.date(2020, 3, 20), dt.date(2020, 5, 31), 0.75)


@dataclass(frozen=True, slots=True)
class Hotspot:
    """An emerging hotspot: the rate ramps up from ``ramp_start`` and is full from ``full_from``."""

    code: str
    name: str
    ramp_start: dt.date
    full_from: dt.date
    multiplier: float


@dataclass(frozen=True, slots=True)
class ReportingGap:
    """A district whose police sent no records from ``start`` to ``end`` (both inclusive)."""

    code: str
    name: str
    start: dt.date
    end: dt.date


@dataclass(frozen=True, slots=True)
class Plan:
    """The planted features, as the manifest reports them."""

    high_violence: tuple[str, ...]
    hotspots: tuple[Hotspot, ...]
    gap: ReportingGap


@dataclass(slots=True)
class Events:
    """The true events, sorted by time: day offset, minute of day, municipality, offence."""

    day: np.ndarray
    minute: np.ndarray
    town: np.ndarray
    offence: np.ndarray

    def __len__(self) -> int:
        return len(self.day)


def plan_features(config: DemoConfig, country: Country, population: Population) -> Plan:
    """Choose the high-violence districts, the emerging hotspots and the reporting gap."""
    rng = config.stream("plan")
    districts = country.level(2)
    people = population.municipal_totals()[:, 0]
    district_people = np.array([people[_members(country, d.code)].sum() for d in districts])
    hot = rng.choice(
        len(districts),
        config.high_violence_districts,
        replace=False,
        p=district_people / district_people.sum(),
    )
    high = tuple(sorted(districts[int(i)].code for i in hot))
    hotspots = _hotspots(config, country, people, high, rng)
    taken = set(high) | {h.code[:6] for h in hotspots}
    return Plan(high, hotspots, _gap(config, country, district_people, taken, rng))


def _members(country: Country, code: str) -> list[int]:
    return [i for i, m in enumerate(country.municipalities) if m.code.startswith(code)]


def _hotspots(
    config: DemoConfig,
    country: Country,
    people: np.ndarray,
    high: tuple[str, ...],
    rng: np.random.Generator,
) -> tuple[Hotspot, ...]:
    towns = country.municipalities
    big = people >= np.quantile(people, 0.6)
    pool = [
        i for i, m in enumerate(towns) if big[i] and m.setting != "rural" and m.code[:6] not in high
    ]
    chosen: list[int] = []
    for i in rng.permutation(pool):
        if all(towns[j].code[:6] != towns[int(i)].code[:6] for j in chosen):
            chosen.append(int(i))
        if len(chosen) == config.hotspots:
            break
    ramp, full = config.last_day - dt.timedelta(300), config.last_day - dt.timedelta(180)
    return tuple(
        Hotspot(
            towns[i].code, towns[i].names["en"], ramp, full, round(float(rng.uniform(3.0, 4.5)), 2)
        )
        for i in sorted(chosen)
    )


def _gap(
    config: DemoConfig,
    country: Country,
    district_people: np.ndarray,
    taken: set[str],
    rng: np.random.Generator,
) -> ReportingGap:
    districts = country.level(2)
    ranked = [
        int(i)
        for i in np.argsort(-district_people, kind="stable")
        if districts[int(i)].code not in taken
    ]
    district = districts[ranked[int(rng.integers(3, 12))]]
    earliest = max(config.first_day, config.last_day - dt.timedelta(660))
    latest = max(earliest, config.last_day - dt.timedelta(200 + config.gap_days))
    starts = _month_starts(earliest, latest) or [earliest]
    start = starts[int(rng.integers(len(starts)))]
    end = start + dt.timedelta(config.gap_days - 1)
    return ReportingGap(district.code, district.names["en"], start, end)


def _month_starts(first: dt.date, last: dt.date) -> list[dt.date]:
    out, day = [], first.replace(day=1)
    while day <= last:
        if day >= first:
            out.append(day)
        day = (day + dt.timedelta(32)).replace(day=1)
    return out


def draw_events(config: DemoConfig, country: Country, population: Population, plan: Plan) -> Events:
    """Exactly ``config.incidents`` events, sorted by day, minute, place and offence."""
    rng = config.stream("events")
    days = _day_weights(config)
    year_of_day = np.array(
        [
            (config.first_day + dt.timedelta(int(d))).year - config.years[0]
            for d in range(config.days)
        ]
    )
    people = population.municipal_totals()[:, year_of_day]
    place = _place_factor(config, country, plan)
    boost = _hotspot_factor(config, country, plan)
    counts = rng.multinomial(config.incidents, [o.share for o in OFFENCES])
    parts = []
    setting = np.array([SETTING_FACTOR[m.setting] for m in country.municipalities])
    for k, (spec, n) in enumerate(zip(OFFENCES, counts, strict=True)):
        weights = people * (place * setting**spec.urban_power)[:, None] * days[None, :]
        if spec.hotspot:
            weights = weights * boost
        cells = rng.choice(weights.size, size=int(n), p=(weights / weights.sum()).ravel())
        town, day = np.divmod(cells, config.days)
        parts.append((day, town, np.full(int(n), k)))
    day, town, offence = (np.concatenate(p) for p in zip(*parts, strict=True))
    minute = draw(rng, NIGHT_HOURS, len(day)) * 60 + rng.integers(0, 60, len(day))
    _celebrations(config, rng, day, minute, offence)
    order = np.lexsort((offence, town, minute, day))
    return Events(day[order], minute[order], town[order], offence[order])


def _day_weights(config: DemoConfig) -> np.ndarray:
    dates = [config.first_day + dt.timedelta(int(d)) for d in range(config.days)]
    doy = np.array([d.timetuple().tm_yday for d in dates], dtype=float)
    season = 1 + 0.14 * np.cos(2 * np.pi * (doy - 196) / 365.25)
    weekday = np.array([WEEKDAY[d.weekday()] for d in dates])
    feast = np.array([1.6 if (d.month, d.day) in FEAST_DAYS else 1.0 for d in dates])
    trend = np.exp(-0.03 * np.arange(config.days) / 365.25)
    lockdown = np.array([LOCKDOWN[2] if LOCKDOWN[0] <= d <= LOCKDOWN[1] else 1.0 for d in dates])
    weights: np.ndarray = season * weekday * feast * trend * lockdown
    return weights


def _place_factor(config: DemoConfig, country: Country, plan: Plan) -> np.ndarray:
    rng = config.stream("place-factor")
    districts = country.level(2)
    district = {d.code: float(rng.lognormal(0, 0.25)) for d in districts}
    district |= {code: HIGH_VIOLENCE for code in plan.high_violence}
    towns = country.municipalities
    return np.array([district[m.code[:6]] for m in towns]) * rng.lognormal(0, 0.3, len(towns))


def _hotspot_factor(config: DemoConfig, country: Country, plan: Plan) -> np.ndarray:
    factor = np.ones((len(country.municipalities), config.days))
    index = {m.code: i for i, m in enumerate(country.municipalities)}
    for h in plan.hotspots:
        start = (h.ramp_start - config.first_day).days
        full = (h.full_from - config.first_day).days
        t = np.arange(config.days)
        ramp = np.clip((t - start) / max(1, full - start), 0, 1)
        factor[index[h.code]] = 1 + (h.multiplier - 1) * ramp
    return factor


def _celebrations(
    config: DemoConfig,
    rng: np.random.Generator,
    day: np.ndarray,
    minute: np.ndarray,
    offence: np.ndarray,
) -> None:
    """Move the celebratory share of non-intentional firearm deaths to feast nights."""
    accidental = np.flatnonzero(offence == [o.iccs for o in OFFENCES].index("0103"))
    chosen = accidental[rng.random(len(accidental)) < CELEBRATORY_SHARE]
    feasts = [
        d
        for d in range(config.days)
        if ((t := config.first_day + dt.timedelta(d)).month, t.day) in FEAST_DAYS
    ]
    day[chosen] = np.asarray(feasts)[rng.integers(0, len(feasts), len(chosen))]
    minute[chosen] = (23 * 60 + rng.integers(0, 120, len(chosen))) % 1440


def is_celebration(config: DemoConfig, day: int, offence: int) -> bool:
    """Whether a 0103 event is a celebratory shooting (it happened on a feast day)."""
    date = config.first_day + dt.timedelta(day)
    return OFFENCES[offence].iccs == "0103" and (date.month, date.day) in FEAST_DAYS
