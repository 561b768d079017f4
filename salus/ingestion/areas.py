"""Mapped area rows → :class:`Area` objects (flat rows, or a hierarchy of names per row).

Flat: one row is one area (code, name, parent code, level, ``name_fr``…, GeoJSON or WKT
geometry); an area without a parent hangs under the mapping's declared ``root`` (e.g. the
country node ``CO``), which the import creates when it is not in the store yet.
Hierarchical (``levels``): each row names a path such as country → governorate → district and
yields one area per non-empty name, coded by :func:`~salus.ingestion.binding.path_code`
(slugs joined by ``/``); identical areas repeated over rows collapse into one.

Checks: code ≤ 64 characters, name present, parent in the store or the file, parent level
below the child's, geometry readable (a polygon that is not valid is a warning, kept).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from salus.domain.incidents.model import Area
from salus.domain.taxonomy import LANGUAGES
from salus.ingestion.binding import Bound, common_attributes, find_column, path_code
from salus.ingestion.errors import WARNING, RowError, failure
from salus.ingestion.text import cell_text, normalise

MAX_CODE = 64
MAX_NAME = 200


@dataclass(slots=True)
class AreaCollector:
    """Collects areas row by row; :meth:`finish` checks parents once the whole file is read."""

    bound: Bound
    stored_levels: dict[str, int]
    collapse: bool
    level_columns: list[tuple[str, int]] = field(default_factory=list)
    areas: dict[str, tuple[int, Area]] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    rejected_rows: set[int] = field(default_factory=set)

    @classmethod
    def create(cls, bound: Bound, columns: list[str], tags: dict[str, str],
               stored_levels: dict[str, int]) -> AreaCollector:
        index = {normalise(c): c for c in reversed(columns) if c}
        levels = []
        for level in bound.mapping.levels:
            key = find_column(level.column, index, tags)
            if key is None:
                raise failure("column.missing", f"mapping {bound.mapping.name} needs the level "
                              f"column {level.column!r}, absent from the header",
                              column=level.column, value=level.column)
            levels.append((key, level.level))
        collapse = bool(levels) or bound.mapping.duplicates == "collapse_identical"
        return cls(bound, stored_levels, collapse, levels)

    def add(self, number: int, values: dict[str, Any], row: dict[str, Any],
            attributes: dict[str, str] | None = None) -> list[RowError]:
        """Add the area(s) of one row; returns its problems (duplicates, bad codes…).

        ``attributes`` (the row's unmapped cells) go with the row's own area: the deepest one
        of a ``levels`` path, whose parents are shared by other rows.
        """
        areas = self._from_levels(row) if self.level_columns else [self._flat(values)]
        if attributes and areas:
            areas[-1].source_attributes = attributes
        problems: list[RowError] = []
        for area in areas:
            problems += self._check(number, area, values)
        if any(p.is_error for p in problems):
            return problems
        for area in areas:
            problems += self._keep(number, area)
        return problems

    def _flat(self, values: dict[str, Any]) -> Area:
        root = self.bound.mapping.root
        parent = values.get("parent_code")
        if parent is None and root is not None and values.get("code") != root["code"]:
            parent = root["code"]
        names = {lang: values[f"name_{lang}"] for lang in LANGUAGES if f"name_{lang}" in values}
        return Area(code=values.get("code", ""), name=values.get("name", ""),
                    level=values.get("level", -1), parent_code=parent, names=names,
                    geometry=values.get("geometry") or values.get("wkt"))

    def _from_levels(self, row: dict[str, Any]) -> list[Area]:
        spec = self.bound.mapping.code_path
        root = self.bound.mapping.root
        parent = root["code"] if root else None
        texts: list[str | None] = []
        out = []
        for key, level in self.level_columns:
            text = cell_text(row.get(key))
            if text is None:
                break
            texts.append(text)
            code = path_code(texts, spec.prefix, spec.separator) or ""
            out.append(Area(code=code, name=text, level=level, parent_code=parent))
            parent = code
        return out

    def _check(self, number: int, area: Area, values: dict[str, Any]) -> list[RowError]:
        out = []
        column = self.bound.column_of
        if not area.code:
            out.append(RowError(number, column("code"), "", "value.missing", "the code is empty"))
        elif len(area.code) > MAX_CODE:
            out.append(RowError(number, column("code"), area.code, "code.too_long",
                                f"an area code has at most {MAX_CODE} characters"))
        if not area.name or len(area.name) > MAX_NAME:
            out.append(RowError(number, column("name"), area.name or "", "value.missing"
                                if not area.name else "value.invalid",
                                f"an area needs a name of 1 to {MAX_NAME} characters"))
        if area.level < 0:
            out.append(RowError(number, column("level"), str(values.get("level", "")),
                                "value.invalid", "an area level is a whole number ≥ 0"))
        if area.geometry is not None:
            out += _geometry_warnings(number, column("geometry" if "geometry" in values
                                                     else "wkt"), area)
        return out

    def _keep(self, number: int, area: Area) -> list[RowError]:
        seen = self.areas.get(area.code)
        if seen is None:
            self.areas[area.code] = (number, area)
            return []
        if self.collapse and _alike(seen[1], area):
            seen[1].source_attributes = common_attributes(seen[1].source_attributes,
                                                          area.source_attributes)
            return []
        return [RowError(number, self.bound.column_of("code"), area.code, "row.duplicate",
                         f"area {area.code} is already defined in row {seen[0]}"
                         + ("" if not self.collapse else " with different values"))]

    def finish(self) -> tuple[list[Area], list[int], list[RowError]]:
        """The areas (root first), their rows, and the parent/level errors."""
        root = self.bound.mapping.root
        areas = {code: pair for code, pair in self.areas.items()}
        if root is not None and root["code"] not in areas:
            areas = {root["code"]: (0, Area(root["code"], root["name"], root["level"],
                                            None, root["names"]))} | areas
        errors = []
        for code, (number, area) in list(areas.items()):
            problem = self._parent_problem(area, areas)
            if problem is not None:
                errors.append(RowError(number, self.bound.column_of("parent_code"),
                                       area.parent_code or "", *problem))
                del areas[code]
        # drop children whose parent was just dropped (their error is the parent's)
        while orphans := [c for c, (_, a) in areas.items() if a.parent_code
                          and a.parent_code not in areas and a.parent_code not in
                          self.stored_levels]:
            for code in orphans:
                number, area = areas.pop(code)
                errors.append(RowError(number, self.bound.column_of("parent_code"),
                                       area.parent_code or "", "area.parent_unknown",
                                       f"the parent {area.parent_code} of {code} was rejected"))
        return ([a for _, a in areas.values()], [n for n, _ in areas.values()], errors)

    def _parent_problem(self, area: Area,
                        areas: dict[str, tuple[int, Area]]) -> tuple[str, str] | None:
        parent = area.parent_code
        if parent is None:
            return None
        if parent in areas:
            parent_level = areas[parent][1].level
        elif parent in self.stored_levels:
            parent_level = self.stored_levels[parent]
        else:
            return ("area.parent_unknown", f"the parent {parent} of {area.code} is neither in "
                    "the store nor in the file; import the parent level first")
        if parent_level >= area.level:
            return ("area.level_invalid", f"{area.code} has level {area.level}, not below "
                    f"its parent {parent} (level {parent_level})")
        return None


def _alike(a: Area, b: Area) -> bool:
    """Equal but for the source attributes (rows that collapse into one area)."""
    return (a.code, a.name, a.level, a.parent_code, a.names, a.geometry) == (
        b.code, b.name, b.level, b.parent_code, b.names, b.geometry)


def _geometry_warnings(number: int, column: str, area: Area) -> list[RowError]:
    """An unreadable geometry is an error; a readable but invalid polygon a warning."""
    import json

    import shapely
    from shapely.errors import ShapelyError
    from shapely.validation import explain_validity

    try:
        geom = shapely.from_geojson(json.dumps(area.geometry))
    except (ShapelyError, ValueError) as exc:
        return [RowError(number, column, area.code, "geometry.invalid",
                         f"the geometry of {area.code} cannot be read: {exc}")]
    if geom is None or geom.is_empty:
        return [RowError(number, column, area.code, "geometry.invalid",
                         f"the geometry of {area.code} is empty")]
    if geom.is_valid:
        return []
    return [RowError(number, column, area.code, "geometry.invalid_topology",
                     f"the geometry of {area.code} is not valid ({explain_validity(geom)}); "
                     "kept as given", WARNING)]
