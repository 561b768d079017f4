"""Mapped population rows → :class:`PopulationCount` cells (the denominators of rates).

A cell is (area, year, sex, age range): sex ``total`` when the source has none, ages from
``age_min``/``age_max`` or an ``age_band`` code (taxonomy ``age_band``), 0 to open-ended when
neither is given. Checks: the area exists in the store (``area.unknown``), a plausible year,
a non-negative population, a coherent age range, one row per cell (``row.duplicate``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any

from salus.domain import taxonomy
from salus.domain.incidents.model import MAX_HUMAN_AGE, PopulationCount
from salus.ingestion.binding import Bound, common_attributes
from salus.ingestion.errors import RowError

FIRST_YEAR = 1800
YEARS_AHEAD = 50

Key = tuple[str, int, str, int | None, int | None]


@dataclass(slots=True)
class PopulationCollector:
    bound: Bound
    known_areas: set[str]
    today: dt.date
    cells: dict[Key, tuple[int, PopulationCount]] = field(default_factory=dict)

    def add(self, number: int, values: dict[str, Any], row: dict[str, Any],
            attributes: dict[str, str] | None = None) -> list[RowError]:
        """Check one row and keep its cell (with the row's unmapped cells); returns the row's
        problems."""
        problems = self._check(number, values, row)
        if problems:
            return problems
        low, high = _ages(values)
        cell = PopulationCount(area_code=values["area_code"], year=values["year"],
                               population=values["population"], sex=values.get("sex", "total"),
                               age_min=low, age_max=high, source_attributes=attributes or {})
        key = (cell.area_code, cell.year, cell.sex, cell.age_min, cell.age_max)
        seen = self.cells.get(key)
        if seen is None:
            self.cells[key] = (number, cell)
            return []
        if self.bound.mapping.duplicates == "collapse_identical" and \
                replace(seen[1], source_attributes={}) == replace(cell, source_attributes={}):
            common = common_attributes(seen[1].source_attributes, cell.source_attributes)
            self.cells[key] = (seen[0], replace(seen[1], source_attributes=common))
            return []
        return [RowError(number, self.bound.column_of("area_code"),
                         self.bound.raw_text("area_code", row), "row.duplicate",
                         f"the cell {cell.area_code} {cell.year} {cell.sex} is already in "
                         f"row {seen[0]}")]

    def _check(self, number: int, values: dict[str, Any], row: dict[str, Any]) -> list[RowError]:
        out = []
        col, raw = self.bound.column_of, self.bound.raw_text
        for name in ("area_code", "year", "population"):
            if values.get(name) is None:
                out.append(RowError(number, col(name), "", "value.missing", f"{name} is empty"))
        if out:
            return out
        if values["area_code"] not in self.known_areas:
            out.append(RowError(number, col("area_code"), raw("area_code", row), "area.unknown",
                                f"no area has code {values['area_code']!r}; import the areas "
                                "first"))
        if not FIRST_YEAR <= values["year"] <= self.today.year + YEARS_AHEAD:
            out.append(RowError(number, col("year"), raw("year", row), "year.invalid",
                                f"a year from {FIRST_YEAR} to {self.today.year + YEARS_AHEAD}"))
        if values["population"] < 0:
            out.append(RowError(number, col("population"), raw("population", row),
                                "count.invalid", "a population cannot be negative"))
        low, high = _ages(values)
        if (low is not None and not 0 <= low <= MAX_HUMAN_AGE) or (
                high is not None and low is not None and high < low):
            out.append(RowError(number, col("age_min"), f"{low}-{high}", "age.impossible",
                                f"ages lie in 0–{MAX_HUMAN_AGE}, the upper not below the lower"))
        return out

    def finish(self) -> tuple[list[PopulationCount], list[int]]:
        return ([c for _, c in self.cells.values()], [n for n, _ in self.cells.values()])


def _ages(values: dict[str, Any]) -> tuple[int | None, int | None]:
    if "age_min" in values or "age_max" in values:
        return values.get("age_min"), values.get("age_max")
    band = values.get("age_band")
    if band is not None:
        return taxonomy.age_band_range(band)
    return None, None
