"""Which areas the rows of an indicator refer to.

The area tree is small (thousands of rows at most), so it is read whole; events never are.
Grouped by area, the rows are the areas at level N (the finest level by default) inside the
area filter, if any. Not grouped, the single row refers to the filter area, or to the top of
the tree (every area at the smallest level, normally the one country).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from salus.analytics.indicators.filters import DefinitionError, Grouping
from salus.analytics.indicators.query import Source


@dataclass(frozen=True, slots=True)
class Scope:
    """Areas of the rows: ``groups`` (ids at ``level``) and their ``labels`` (code, name)."""

    by_area: bool
    level: int
    groups: tuple[int, ...]
    area_id: int | None = None
    restricted: bool = False
    labels: Mapping[int, tuple[str, str]] = field(default_factory=dict)


def load_areas(db: Source) -> pd.DataFrame:
    """Every area: id, code, name, level, parent_id."""
    t = db.table("area")
    return db.execute(t.select("id", "code", "name", "level", "parent_id").order_by("code"))


def resolve_scope(areas: pd.DataFrame, grouping: Grouping, area_code: str | None) -> Scope:
    """Groups for ``grouping`` within the subtree of ``area_code`` (whole tree if None)."""
    labels = {int(r.id): (str(r.code), str(r.name)) for r in areas.itertuples()}
    root = _area_id(areas, area_code)
    members = areas if root is None else areas[areas.id.isin(_subtree(areas, root))]
    if "area" not in grouping.keys:
        if root is not None:
            level = int(areas.loc[areas.id == root, "level"].iloc[0])
            return Scope(False, level, (root,), root, True, labels)
        level = int(areas.level.min()) if len(areas) else 0
        top = tuple(int(i) for i in areas.loc[areas.level == level, "id"])
        return Scope(False, level, top, None, False, labels)
    finest = int(members.level.max()) if len(members) else 0
    level = finest if grouping.level is None else grouping.level
    if root is not None and level < int(areas.loc[areas.id == root, "level"].iloc[0]):
        raise DefinitionError(
            f"--level {level} is above the area {area_code!r}; choose a level at or below it"
        )
    groups = tuple(int(i) for i in members.loc[members.level == level, "id"])
    if not groups and len(areas):
        levels = ", ".join(str(v) for v in sorted(set(members.level)))
        raise DefinitionError(f"--level {level}: no areas at that level (levels: {levels})")
    return Scope(True, level, groups, root, root is not None, labels)


def _area_id(areas: pd.DataFrame, code: str | None) -> int | None:
    if code is None:
        return None
    hit = areas.loc[areas.code == code, "id"]
    if hit.empty:
        raise DefinitionError(f"filter area: unknown area code {code!r}")
    return int(hit.iloc[0])


def _subtree(areas: pd.DataFrame, root: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for area_id, parent in zip(areas.id, areas.parent_id, strict=True):
        if pd.notna(parent):
            children.setdefault(int(parent), []).append(int(area_id))
    found, stack = {root}, [root]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return found
