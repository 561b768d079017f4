"""Areas (the admin tree, with polygons for maps) and population (denominators).

Areas and population are reference data, readable by every role that sees the dashboard; the
GeoJSON is simplified to a fixed number of decimals so that maps load fast over weak links.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from salus.domain.accounts.roles import Permission, Viewer
from salus.storage import schema as t
from salus.usecases.errors import NotFound, require
from salus.usecases.paging import Page, PageRequest

DECIMALS = 4


@dataclass(frozen=True, slots=True)
class AreaInfo:
    code: str
    name: str
    names: dict[str, str]
    level: int
    parent_code: str | None
    has_geometry: bool
    source_attributes: dict[str, str] = field(default_factory=dict)
    """The imported file's columns no mapping field took (to roles that read records)."""


def _select() -> sa.Select[Any]:
    a, parent = t.area, t.area.alias("parent")
    return (sa.select(a.c.code, a.c.name, a.c.names, a.c.level,
                      parent.c.code.label("parent_code"),
                      a.c.geometry.is_not(None).label("has_geometry"), a.c.source_attributes)
            .select_from(a.outerjoin(parent, parent.c.id == a.c.parent_id)))


def _attributes(viewer: Viewer, stored: dict[str, str] | None) -> dict[str, str]:
    """Source attributes are shown to roles that read records (public pages never get them)."""
    return dict(stored or {}) if viewer.can(Permission.READ_RECORDS) else {}


def _info(r: Any, viewer: Viewer) -> AreaInfo:
    return AreaInfo(r.code, r.name, dict(r.names or {}), r.level, r.parent_code,
                    bool(r.has_geometry), _attributes(viewer, r.source_attributes))


def list_areas(engine: sa.Engine, viewer: Viewer, level: int | None = None,
               parent: str | None = None) -> list[AreaInfo]:
    require(viewer.can(Permission.DASHBOARD))
    q = _select()
    if level is not None:
        q = q.where(t.area.c.level == level)
    if parent:
        parent_id = sa.select(t.area.c.id).where(t.area.c.code == parent).scalar_subquery()
        q = q.where(t.area.c.parent_id == parent_id)
    with engine.connect() as conn:
        return [_info(r, viewer)
                for r in conn.execute(q.order_by(t.area.c.level, t.area.c.code))]


def get_area(engine: sa.Engine, viewer: Viewer, code: str) -> AreaInfo:
    require(viewer.can(Permission.DASHBOARD))
    with engine.connect() as conn:
        row = conn.execute(_select().where(t.area.c.code == code)).first()
    if row is None:
        raise NotFound(f"no area {code}")
    return _info(row, viewer)


def levels(engine: sa.Engine) -> list[int]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(t.area.c.level).distinct()
                                 .order_by(t.area.c.level)).scalars())


def _round(coords: Any) -> Any:
    if isinstance(coords, float | int):
        return round(float(coords), DECIMALS)
    return [_round(c) for c in coords]


def area_geojson(engine: sa.Engine, viewer: Viewer, level: int,
                 parent: str | None = None) -> dict[str, Any]:
    """Polygons of one admin level (optionally under one area) as a FeatureCollection."""
    require(viewer.can(Permission.DASHBOARD))
    a = t.area
    q = sa.select(a.c.code, a.c.name, a.c.names, a.c.geometry).where(
        a.c.level == level, a.c.geometry.is_not(None))
    if parent:
        parent_id = sa.select(a.c.id).where(a.c.code == parent).scalar_subquery()
        q = q.where(a.c.id.in_(sa.select(t.area_ancestor.c.area_id)
                               .where(t.area_ancestor.c.ancestor_id == parent_id)))
    features = []
    with engine.connect() as conn:
        for code, name, names, geometry in conn.execute(q.order_by(a.c.code)):
            g = json.loads(geometry)
            g["coordinates"] = _round(g["coordinates"])
            features.append({"type": "Feature", "id": code, "geometry": g,
                             "properties": {"code": code, "name": name, "names": names or {}}})
    return {"type": "FeatureCollection", "features": features}


def list_population(engine: sa.Engine, viewer: Viewer, area: str | None = None,
                    year: int | None = None, paging: PageRequest | None = None
                    ) -> Page[dict[str, Any]]:
    require(viewer.can(Permission.DASHBOARD))
    paging = paging or PageRequest()
    p = t.population
    where = []
    if area:
        where.append(t.area.c.code == area)
    if year:
        where.append(p.c.year == year)
    base = (sa.select(t.area.c.code.label("area"), t.area.c.name.label("area_name"), p.c.year,
                      p.c.sex, p.c.age_min, p.c.age_max, p.c.population,
                      p.c.source_attributes)
            .join(t.area, t.area.c.id == p.c.area_id).where(*where))
    count = sa.select(sa.func.count()).select_from(
        p.join(t.area, t.area.c.id == p.c.area_id)).where(*where)
    with engine.connect() as conn:
        total = conn.execute(count).scalar_one()
        rows = conn.execute(base.order_by(t.area.c.code, p.c.year, p.c.sex, p.c.age_min)
                            .limit(paging.per_page).offset(paging.offset)).all()
    items = [dict(r._mapping) | ({"age_max": None} if r.age_max == t.OPEN_AGE else {})
             | {"source_attributes": _attributes(viewer, r.source_attributes)} for r in rows]
    return Page(items, total, paging.page, paging.per_page)


def population_totals(engine: sa.Engine, viewer: Viewer, level: int) -> list[dict[str, Any]]:
    """Total population (all sexes and ages) per area of one level and year."""
    require(viewer.can(Permission.DASHBOARD))
    p = t.population
    q = (sa.select(t.area.c.code, t.area.c.name, p.c.year, sa.func.sum(p.c.population))
         .join(t.area, t.area.c.id == p.c.area_id)
         .where(t.area.c.level == level, p.c.sex == "total", p.c.age_min == 0,
                p.c.age_max == t.OPEN_AGE)
         .group_by(t.area.c.code, t.area.c.name, p.c.year)
         .order_by(t.area.c.code, p.c.year))
    with engine.connect() as conn:
        return [{"area": c, "area_name": n, "year": y, "population": int(v or 0)}
                for c, n, y, v in conn.execute(q)]
