"""Finding an area by its name, for forms that ask for an area (the incident form's picker).

``search_areas`` answers the picker as the user types: areas in the viewer's scope whose name
(in the stored name or in any language of ``names``) or code contains the text, case folded;
names that equal the text come first, then names that start with it, then the rest, each by
level and name. ``areas_named`` is the form's fallback without JavaScript: a typed name that
names exactly one area stands for its code. ``area_shapes`` draws the picker's map: the finest
areas in the viewer's scope that have a polygon (GeoJSON, RFC 7946), a click on one picks it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from salus.domain.accounts.roles import Permission, Viewer
from salus.storage import schema as t
from salus.usecases.areas import DECIMALS
from salus.usecases.errors import require
from salus.usecases.scope import area_condition

MAX_MATCHES = 50
MIN_TEXT = 2


@dataclass(frozen=True, slots=True)
class AreaMatch:
    """One area found: its code, name, level and the name of the area above it."""

    code: str
    name: str
    level: int
    parent_name: str | None


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())


def _candidates(conn: sa.Connection, viewer: Viewer, text: str) -> list[Any]:
    a, parent = t.area, t.area.alias("parent")
    like = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    q = (sa.select(a.c.code, a.c.name, a.c.names, a.c.level, parent.c.name.label("parent_name"))
         .select_from(a.outerjoin(parent, parent.c.id == a.c.parent_id))
         .where(sa.or_(*(sa.func.lower(c).like(like, escape="\\")
                         for c in (a.c.name, a.c.code, sa.cast(a.c.names, sa.Text)))),
                *area_condition(a.c.id, viewer)))
    return list(conn.execute(q))


def _rank(row: Any, text: str) -> tuple[int, int, str] | None:
    names = [_fold(row.name), *(_fold(str(v)) for v in (row.names or {}).values())]
    if text in names or text == _fold(row.code):
        first = 0
    elif any(n.startswith(text) for n in names):
        first = 1
    elif any(text in n for n in names) or text in _fold(row.code):
        first = 2
    else:  # the JSON text matched on a key or an escaped character only
        return None
    return (first, row.level, row.name)


def search_areas(engine: sa.Engine, viewer: Viewer, text: str,
                 limit: int = 20) -> list[AreaMatch]:
    """Areas whose name or code contains ``text`` (at least two characters), best first."""
    require(viewer.can(Permission.DASHBOARD) or viewer.can(Permission.CREATE_RECORDS),
            "your role does not read areas")
    folded = _fold(text)
    if len(folded) < MIN_TEXT:
        return []
    with engine.connect() as conn:
        rows = _candidates(conn, viewer, folded)
    ranked = sorted(((key, r) for r in rows if (key := _rank(r, folded)) is not None),
                    key=lambda pair: pair[0])
    return [AreaMatch(r.code, r.name, r.level, r.parent_name)
            for _, r in ranked[:max(1, min(limit, MAX_MATCHES))]]


def areas_named(conn: sa.Connection, viewer: Viewer, name: str) -> list[AreaMatch]:
    """The areas in scope whose name (any language) is ``name``, case and spaces folded."""
    folded = _fold(name)
    if len(folded) < MIN_TEXT:
        return []
    return [AreaMatch(r.code, r.name, r.level, r.parent_name)
            for r in _candidates(conn, viewer, folded)
            if (key := _rank(r, folded)) is not None and key[0] == 0 and
            _fold(r.code) != folded]


def _rounded(coords: Any) -> Any:
    if isinstance(coords, float | int):
        return round(float(coords), DECIMALS)
    return [_rounded(c) for c in coords]


def area_shapes(engine: sa.Engine, viewer: Viewer) -> dict[str, Any]:
    """The picker's map: every area in the viewer's scope that has a polygon and no area below
    it with one (the finest areas drawn, so that shapes do not overlap), as a GeoJSON
    FeatureCollection (RFC 7946) of ``{code, name, names}``, coordinates rounded as the other
    maps' (``salus.usecases.areas.DECIMALS``)."""
    require(viewer.can(Permission.DASHBOARD) or viewer.can(Permission.CREATE_RECORDS),
            "your role does not read areas")
    a, child = t.area, t.area.alias("child")
    drawn_below = (sa.select(sa.literal(1)).where(child.c.parent_id == a.c.id,
                                                  child.c.geometry.is_not(None)).exists())
    q = (sa.select(a.c.code, a.c.name, a.c.names, a.c.geometry)
         .where(a.c.geometry.is_not(None), ~drawn_below, *area_condition(a.c.id, viewer))
         .order_by(a.c.code))
    features = []
    with engine.connect() as conn:
        for code, name, names, geometry in conn.execute(q):
            shape = json.loads(geometry)
            shape["coordinates"] = _rounded(shape["coordinates"])
            features.append({"type": "Feature", "id": code, "geometry": shape,
                             "properties": {"code": code, "name": name, "names": names or {}}})
    return {"type": "FeatureCollection", "features": features}
