"""Population of every area by year, sex and SDG age band (the denominators of rates).

Municipal populations follow the density at their centre times their surface, scaled so the
country holds ``config.population`` people in the first year. Urban municipalities grow faster
and are older; rural ones are younger. Each municipality gets whole-number cells by sex × band;
every larger area is the exact sum of its municipalities, and the store also receives the margins
(each sex over all ages, each band over both sexes, the grand total) so that a rate can pick its
denominator cell directly: nothing is ever to be summed across margin rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from salus.demo.config import DemoConfig
from salus.demo.geography import Country
from salus.domain import taxonomy
from salus.domain.incidents.model import PopulationCount

SEXES = ("female", "male")
BAND_SCHEME = "sdg"
# share of each SDG band (0-14, 15-29, 30-44, 45-59, 60+) in the first year
AGE_SHARES = {
    "urban": (0.21, 0.27, 0.25, 0.16, 0.11),
    "intermediate": (0.25, 0.27, 0.22, 0.15, 0.11),
    "rural": (0.30, 0.26, 0.19, 0.14, 0.11),
}
FEMALE_SHARE = (0.488, 0.494, 0.506, 0.517, 0.556)
GROWTH = {"urban": 0.016, "intermediate": 0.011, "rural": 0.004}
AGEING = 0.0025
"""Yearly move of population share from the youngest to the oldest band."""


@dataclass(slots=True)
class Population:
    """``cells[m, y, s, b]``: people in municipality m, year y, sex s, band b."""

    codes: list[str]
    years: list[int]
    cells: np.ndarray
    bands: list[tuple[str, int, int | None]]

    def municipal_totals(self) -> np.ndarray:
        """People per municipality and year, ``[m, y]``."""
        totals: np.ndarray = self.cells.sum(axis=(2, 3))
        return totals

    def country_total(self, year: int) -> int:
        return int(self.cells[:, self.years.index(year)].sum())


def build_population(config: DemoConfig, country: Country) -> Population:
    """Draw the municipal populations from ``config.stream("population")``."""
    rng = config.stream("population")
    towns = country.municipalities
    raw = np.array([m.density * m.shape.area for m in towns]) * rng.lognormal(0, 0.25, len(towns))
    first = raw / raw.sum() * config.population
    years = list(range(config.years[0], config.years[1] + 1))
    bands = [(c.code, *taxonomy.age_band_range(c.code)) for c in taxonomy.age_bands(BAND_SCHEME)]
    cells = np.zeros((len(towns), len(years), len(SEXES), len(bands)), dtype=np.int64)
    for i, town in enumerate(towns):
        growth = GROWTH[town.setting] + rng.normal(0, 0.003)
        for j in range(len(years)):
            total = first[i] * (1 + growth) ** j
            cells[i, j] = _cells(total, _age_shares(town.setting, j))
    return Population([m.code for m in towns], years, cells, bands)


def _age_shares(setting: str, years_on: int) -> np.ndarray:
    shares = np.array(AGE_SHARES[setting], dtype=float)
    shares[0] -= AGEING * years_on
    shares[-1] += AGEING * years_on
    return shares


def _cells(total: float, shares: np.ndarray) -> np.ndarray:
    female = np.asarray(FEMALE_SHARE)
    by_sex = np.vstack([shares * female, shares * (1 - female)])
    return np.rint(total * by_sex).astype(np.int64)


def population_rows(country: Country, population: Population) -> list[PopulationCount]:
    """Cells and margins for every area (country, regions, districts, municipalities)."""
    index = {code: i for i, code in enumerate(population.codes)}
    rows: list[PopulationCount] = []
    for place in country.places:
        members = [index[m.code] for m in country.municipalities if m.code.startswith(place.code)]
        block = population.cells[members].sum(axis=0)
        for j, year in enumerate(population.years):
            rows += _area_year_rows(place.code, year, block[j], population.bands)
    return rows


def _area_year_rows(
    code: str, year: int, cells: np.ndarray, bands: list[tuple[str, int, int | None]]
) -> list[PopulationCount]:
    rows = [PopulationCount(code, year, int(cells.sum()))]
    for s, sex in enumerate(SEXES):
        rows.append(PopulationCount(code, year, int(cells[s].sum()), sex))
    for b, (_, low, high) in enumerate(bands):
        rows.append(PopulationCount(code, year, int(cells[:, b].sum()), "total", low, high))
        for s, sex in enumerate(SEXES):
            rows.append(PopulationCount(code, year, int(cells[s, b]), sex, low, high))
    return rows
