"""Parameters of the demo country and the random streams that draw it.

Each part of the generator (geography, population, events, each source) draws from its own
stream, derived from the seed and the part's name, so that changing the number of incidents does
not move a single border, and adding a source does not change the incidents.
"""

from __future__ import annotations

import datetime as dt
import zlib
from dataclasses import dataclass

import numpy as np

DEFAULT_SEED = 20240601
DEFAULT_INCIDENTS = 50_000
DEFAULT_YEARS = (2020, 2024)


@dataclass(frozen=True, slots=True)
class SourceRates:
    """Probability that a true death appears in each source (capture probabilities)."""

    police: float = 0.9
    forensic: float = 0.8
    media: float = 0.4
    media_follow_up: float = 0.1
    """Share of covered events that a second outlet also reports (a within-source duplicate)."""


@dataclass(frozen=True, slots=True)
class DemoConfig:
    """What to generate: the seed, the number of true events and the years they span."""

    seed: int = DEFAULT_SEED
    incidents: int = DEFAULT_INCIDENTS
    years: tuple[int, int] = DEFAULT_YEARS
    regions: int = 6
    districts: int = 40
    municipalities: int = 250
    population: int = 11_400_000
    """Population of the first year."""
    hotspots: int = 3
    high_violence_districts: int = 3
    gap_days: int = 61
    rates: SourceRates = SourceRates()

    def __post_init__(self) -> None:
        if self.incidents < 1:
            raise ValueError("the demo needs at least one incident")
        if self.years[0] > self.years[1]:
            raise ValueError(f"first year {self.years[0]} is after last year {self.years[1]}")

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.years[0], 1, 1)

    @property
    def last_day(self) -> dt.date:
        return dt.date(self.years[1], 12, 31)

    @property
    def days(self) -> int:
        return (self.last_day - self.first_day).days + 1

    def stream(self, name: str) -> np.random.Generator:
        """The random stream of one part of the generator (seed + part name)."""
        return np.random.default_rng([self.seed, zlib.crc32(name.encode("utf-8"))])


def draw(
    rng: np.random.Generator, weights: tuple[float, ...] | list[float], size: int
) -> np.ndarray:
    """``size`` indices drawn with the given (unnormalised) weights."""
    p = np.asarray(weights, dtype=float)
    return rng.choice(len(p), size=size, p=p / p.sum())


def bucket(weights: tuple[float, ...], u: float) -> int:
    """Index of the bucket of ``u`` (in [0, 1)) when [0, 1) is cut in proportion to weights."""
    edge, total = 0.0, sum(weights)
    for i, w in enumerate(weights):
        edge += w / total
        if u < edge:
            return i
    return len(weights) - 1
