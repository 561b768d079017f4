"""Complementary suppression across every table the public may read from one indicator cube.

A public reader can ask for an indicator by area at any level, for the whole country or one
area, and broken down by month, sex, age band, weapon or context; each answer is a table, and
the tables are linked: a region is the sum of its districts, a total the sum of its sexes, a
year the sum of its months, and so on in every cross (district x sex). Suppressing the small
counts of each table on its own leaves them recoverable by subtraction from another table
(parent total minus the published children). So every public answer is read from one
*cube*: the indicator for the same period and filters (the area filter aside) at every area
level and for the whole, alone and by each breakdown, with complementary suppression
(:func:`salus.analytics.disclosure.complementary_suppression`) decided once on the whole cube.
A cell then reads the same in every table that shows it.

The cube's cells are keyed by area (``""``: no area grouping, i.e. everything the filters
keep) and the categories of the row; :func:`build_cube` derives the additive relations from the
keys alone: an area's cell is the sum of its children's cells with the same categories, and a
cell with categories is a part of the cell without one of them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from salus.analytics.disclosure import Relation, Suppression, complementary_suppression
from salus.analytics.indicators.filters import TIME_GRAINS
from salus.analytics.indicators.result import IndicatorResult, IndicatorRow

WHOLE = ""
"""The area key of rows without an area grouping (everything the filters keep)."""

COUNTS = ("incidents", "victims")
"""The published counts; each is its own system of linked tables."""

COMPLETE = (*TIME_GRAINS, "sex", "age_band")
"""Breakdowns whose categories cover every event (sex and age band have "unknown"); the others
(weapon, context) leave out the events without one, an unpublished remainder."""

Categories = tuple[tuple[str, str], ...]
CellKey = tuple[str, Categories]


def cell_key(row: IndicatorRow, area: str = WHOLE) -> CellKey:
    """A row's cell: its area (``area`` when the table is not by area) and its categories."""
    cats = tuple(sorted((k, str(v)) for k, v in row.group.items()
                        if k not in ("area", "area_name")))
    return (str(row.group.get("area", area)), cats)


@dataclass(frozen=True, slots=True)
class Cube:
    """Cells, their counts, the relations between them and what public output hides."""

    keys: tuple[CellKey, ...]
    index: Mapping[CellKey, int]
    counts: Mapping[str, npt.NDArray[np.float64]]
    relations: tuple[Relation, ...]
    suppression: Mapping[str, Suppression]

    def matches(self, result: IndicatorResult, area: str = WHOLE) -> bool:
        """True when every row of ``result`` is a cell of the cube with the same counts."""
        for row in result.rows:
            i = self.index.get(cell_key(row, area))
            if i is None:
                return False
            for name in COUNTS:
                value = getattr(row, name)
                if value is not None and float(value) != self.counts[name][i]:
                    return False
        return True


    def matches_previous(self, result: IndicatorResult, area: str = WHOLE) -> bool:
        """True when ``result``'s ``previous`` counts (by time grain: all but the first steps,
        which are not checked) are this cube's counts of the measure."""
        if any(c in TIME_GRAINS for c in result.group_columns):
            return True
        for row in result.rows:
            i = self.index.get(cell_key(row, area))
            if i is None:
                return False
            if row.previous is not None and float(row.previous) != self.counts[
                    result.measure][i]:
                return False
        return True


def area_relations(keys: Iterable[CellKey], index: Mapping[CellKey, int],
                   parents: Mapping[str, str | None]) -> list[Relation]:
    """Parent area = sum of its children, for every set of categories present."""
    children: dict[CellKey, list[int]] = defaultdict(list)
    for key in keys:
        area, cats = key
        if area == WHOLE or area not in parents:
            continue
        parent = parents[area] or WHOLE
        if area == parent:
            continue
        children[(parent, cats)].append(index[key])
    return [Relation(index[total], tuple(parts)) for total, parts in children.items()
            if total in index]


def category_relations(keys: Iterable[CellKey], index: Mapping[CellKey, int]) -> list[Relation]:
    """A cell without category ``d`` = sum of the cells with each value of ``d``."""
    parts: dict[tuple[str, Categories, str], list[int]] = defaultdict(list)
    for key in keys:
        area, cats = key
        for j, (dim, _) in enumerate(cats):
            parts[(area, cats[:j] + cats[j + 1:], dim)].append(index[key])
    out = []
    for (area, margin, dim), members in parts.items():
        if (area, margin) in index:
            out.append(Relation(index[(area, margin)], tuple(members), dim in COMPLETE))
    return out


def build_cube(results: Iterable[IndicatorResult], parents: Mapping[str, str | None],
               threshold: int, audit: str = "propagate", top: str = WHOLE) -> Cube:
    """The cube of ``results`` (each unsuppressed, one per area level and grouping), with
    complementary suppression of each count.

    ``parents`` maps each area code to its parent's code (None at the top of the tree); rows
    without an area grouping are the cells of area ``top``. Rows already seen (the same cell
    from two results) are kept once.
    """
    keys: list[CellKey] = []
    index: dict[CellKey, int] = {}
    values: dict[str, list[float]] = {name: [] for name in COUNTS}
    for result in results:
        for row in result.rows:
            key = cell_key(row, top)
            if key in index:
                continue
            index[key] = len(keys)
            keys.append(key)
            for name in COUNTS:
                value = getattr(row, name)
                values[name].append(0.0 if value is None else float(value))
    relations = tuple(area_relations(keys, index, parents) + category_relations(keys, index))
    counts = {name: np.asarray(v, dtype=np.float64) for name, v in values.items()}
    suppression = {name: complementary_suppression(counts[name], relations, threshold,
                                                   audit=audit) for name in COUNTS}
    return Cube(tuple(keys), index, counts, relations, suppression)


def apply_cube(result: IndicatorResult, cube: Cube, area: str = WHOLE,
               previous: Cube | None = None) -> IndicatorResult:
    """``result`` (already primary-suppressed) with the cube's complements withheld.

    A withheld count reads ``c`` (a complement, or a small count whose ``<k`` would give it
    away); when it is the measure, the rate, its limits, the count's limits and the change are
    withheld too (as for a small count). ``previous`` is the cube of the previous period: a
    row's ``previous`` count is a cell of it (or, by time grain, the step before in this table),
    so it reads as that cell does there.
    """
    grain = next((c for c in result.group_columns if c in TIME_GRAINS), None)
    rows = [_withhold(row, cube, area, result.measure) for row in result.rows]
    rows = _previous_counts(rows, grain, cube, previous, area, result.measure)
    return replace(result, rows=tuple(rows))


def _hidden(cube: Cube, name: str, key: CellKey) -> tuple[bool, bool]:
    """(hidden, reads ``c``) of one count of one cell ((False, False) outside the cube)."""
    i = cube.index.get(key)
    if i is None:
        return False, False
    s = cube.suppression[name]
    hidden = bool(s.primary[i] or s.secondary[i])
    return hidden, hidden and not bool(s.small_label[i])


def _withhold(row: IndicatorRow, cube: Cube, area: str, measure: str) -> IndicatorRow:
    key = cell_key(row, area)
    withheld = tuple(name for name in COUNTS if _hidden(cube, name, key)[1])
    if not withheld:
        return row
    changes: dict[str, object] = {name: None for name in withheld}
    changes["withheld"] = withheld
    if measure in withheld:
        changes.update(rate=None, ci_low=None, ci_high=None, count_ci_low=None,
                       count_ci_high=None, change=None, change_pct=None, suppressed=True)
    return replace(row, **changes)  # type: ignore[arg-type]


def _previous_counts(rows: list[IndicatorRow], grain: str | None, cube: Cube,
                     previous: Cube | None, area: str, measure: str) -> list[IndicatorRow]:
    """Withhold ``previous`` (and the change) where the cell it copies reads ``c``; a hidden
    cell that reads ``<k`` is small, and its ``previous`` was withheld with it."""
    last: dict[CellKey, CellKey] = {}
    ends = _last_steps(previous, grain) if previous is not None and grain else {}
    out = []
    for row in rows:
        key = cell_key(row, area)
        source: Cube | None
        before: CellKey | None
        if grain is None:
            source, before = previous, key
        else:
            series = (key[0], tuple(c for c in key[1] if c[0] != grain))
            source = cube if series in last else previous
            before = last[series] if series in last else ends.get(series)
            last[series] = key
        if source is not None and before is not None and _hidden(source, measure, before)[1]:
            row = replace(row, previous=None, change=None, change_pct=None,
                          withheld=(*row.withheld, "previous"))
        out.append(row)
    return out


def _last_steps(cube: Cube, grain: str) -> dict[CellKey, CellKey]:
    """For each series of a cube by ``grain`` (area and other categories), its last step."""
    ends: dict[CellKey, CellKey] = {}
    for key in cube.keys:
        area, cats = key
        step = next((v for d, v in cats if d == grain), None)
        if step is None:
            continue
        series = (area, tuple(c for c in cats if c[0] != grain))
        seen = ends.get(series)
        if seen is None or dict(seen[1])[grain] < step:
            ends[series] = key
    return ends
