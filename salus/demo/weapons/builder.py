"""The state of one generation of the demo registry, and the draws its parts share.

:class:`Builder` holds the data drawn so far and where each weapon stands; the parts —
owners and licences (:mod:`.generate`), fates (:mod:`.fates`), storage and destruction
(:mod:`.stock`) — all write through it, in the order :func:`.generate.generate_arms` calls them.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from salus.demo.config import DEFAULT_SEED, DEFAULT_YEARS
from salus.demo.weapons import catalog as cat
from salus.demo.weapons.model import AreaRef, ArmsData, Event, Site, Weapon
from salus.domain.weapons.serials import serial_key


@dataclass(frozen=True, slots=True)
class ArmsConfig:
    """How big the registry is and which years its events span."""

    seed: int = DEFAULT_SEED
    years: tuple[int, int] = DEFAULT_YEARS
    persons: int = 2600
    registry_years_before: int = 8
    """The registry holds records from this many years before the demo's first year."""
    found: int = 240
    anonymous_surrenders: int = 420
    seizure_incidents: int = 900
    """At most this many illegal-possession incidents get seized weapons."""
    scale: float = 1.0
    """Every count above (and the number of legal entities) times this: a smaller demo gets a
    smaller registry."""

    def scaled(self, n: int, least: int = 1) -> int:
        return max(least, round(n * self.scale))

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.years[0], 1, 1)

    @property
    def last_day(self) -> dt.date:
        return dt.date(self.years[1], 12, 31)

    @property
    def registry_start(self) -> dt.date:
        return dt.date(self.years[0] - self.registry_years_before, 1, 1)

    def stream(self, name: str) -> np.random.Generator:
        return np.random.default_rng([self.seed, zlib.crc32(f"arms:{name}".encode())])


@dataclass(slots=True)
class WeaponState:
    """Where a weapon stands while its history is drawn."""

    last: dt.date
    seq: int = 0
    status: str = "registered"
    owner: str | None = None
    licence: str | None = None
    site: str | None = None
    area: str | None = None
    origin: str = "registered"
    """``registered`` (civilian record) or ``illicit`` (never registered)."""


@dataclass(slots=True)
class Builder:
    """Mutable state of one generation: the data so far and each weapon's standing."""

    config: ArmsConfig
    areas: Sequence[AreaRef]
    data: ArmsData = field(default_factory=ArmsData)
    state: dict[str, WeaponState] = field(default_factory=dict)
    serials: dict[str, set[str]] = field(default_factory=dict)
    """Canonical serial keys taken per maker (misreadings fold together, so no two weapons
    of one maker differ only by a confusable character)."""

    @property
    def municipalities(self) -> list[str]:
        return [a.code for a in self.areas if a.level == 3]

    @property
    def regions(self) -> list[AreaRef]:
        return [a for a in self.areas if a.level == 1]

    def emit(self, weapon: str, kind: str, on: dt.date, **details: str | None) -> Event:
        """Append an event; refuses one dated before the last or after a destruction."""
        st = self.state[weapon]
        if st.status == "destroyed" or on < st.last:
            raise AssertionError(f"inconsistent demo history for {weapon}: {kind} on {on}")
        st.seq += 1
        st.last = on
        st.area = details.get("area") or st.area
        event = Event(weapon, st.seq, kind, on, **details)
        self.data.events.append(event)
        return event

    def serial(self, rng: np.random.Generator, model: cat.Model) -> str:
        taken = self.serials.setdefault(model.make, set())
        while True:
            value = fill_pattern(rng, model.serial)
            key = serial_key(value)
            if key not in taken:
                taken.add(key)
                return value


LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"


def fill_pattern(rng: np.random.Generator, pattern: str) -> str:
    """A serial number in the maker's pattern (``A`` letter, ``9`` digit, others literal)."""
    out = []
    for ch in pattern:
        if ch == "A":
            out.append(LETTERS[int(rng.integers(len(LETTERS)))])
        elif ch == "9":
            out.append(str(int(rng.integers(10))))
        else:
            out.append(ch)
    return "".join(out)


def day_between(rng: np.random.Generator, lo: dt.date, hi: dt.date) -> dt.date:
    """A uniform day in [lo, hi] (``lo`` when the span is empty)."""
    span = (hi - lo).days
    return lo if span <= 0 else lo + dt.timedelta(days=int(rng.integers(span + 1)))


def models_for(licence_type: str) -> tuple[cat.Model, ...]:
    if licence_type in ("hunting",):
        return tuple(m for m in cat.CIVILIAN_MODELS if m.category == "rifle_carbine")
    if licence_type in ("carry", "security_company"):
        return tuple(m for m in cat.CIVILIAN_MODELS if m.category == "revolver_pistol")
    return cat.CIVILIAN_MODELS


def new_weapon(b: Builder, rng: np.random.Generator, on: dt.date, model: cat.Model,
               obliterated: bool, markings: str | None = None) -> str:
    """An illicit (never registered) weapon first seen on ``on``."""
    key = f"W{len(b.data.weapons) + 1:06d}"
    serial = b.serial(rng, model)
    if obliterated:
        serial = obliterate(rng, serial)
    variants = cat.MAKE_VARIANTS[model.make]
    b.data.weapons.append(Weapon(
        key, model.category, model.make, variants[int(rng.integers(len(variants)))],
        model.model, model.calibre, serial, model.country,
        on.year - int(rng.integers(2, 40)), None, None, obliterated, markings))
    b.state[key] = WeaponState(last=on, status="illicit", origin="illicit")
    return key


def obliterate(rng: np.random.Generator, serial: str) -> str:
    """Grind away two to four characters (unreadable ones written ``?``)."""
    chars = list(serial)
    positions = [i for i, c in enumerate(chars) if c.isalnum()]
    k = min(len(positions), int(rng.integers(2, 5)))
    for i in rng.choice(positions, size=k, replace=False):
        chars[int(i)] = "?"
    return "".join(chars)


def sites_of(b: Builder, kind: str) -> list[Site]:
    return [s for s in b.data.sites if s.kind == kind]
