"""Public-safe views of citizen reports: what a community page may show (issue 7, §3–4).

:func:`recent_reports` returns verified reports of an area's subtree (``public=True``: verified
*and* published) with nothing that identifies a reporter: no contact, phone, IP, reference or
free text (the description only once a publisher has released it), the place coarsened to the
admin-2 ancestor of the reported area and the point rounded to 0.1° (about 11 km) — the
"blur locations" rule of DESIGN.md and UCDP GED's admin-2 precision.

Submitting and reviewing live in :mod:`salus.usecases.citizen_reports.intake` and
:mod:`salus.usecases.citizen_reports.review`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from salus.domain.accounts.roles import Permission, Viewer
from salus.domain.citizen_reports import CATEGORIES, coarse_point
from salus.storage import schema as t
from salus.storage.citizen_reports.schema import citizen_report as cr
from salus.usecases.errors import NotFound, require
from salus.usecases.scope import area_condition, area_id_of, subtree

COARSE_LEVEL = 2
"""Public places are shown at most at this area level (admin-2)."""


@dataclass(frozen=True, slots=True)
class PublicReport:
    """One verified citizen report as a community page may show it."""

    category: str
    category_label: str
    """English label; pages translate it (catalog ``reports.po``)."""
    occurred_on: dt.date
    area_code: str | None
    area_name: str | None
    longitude: float | None
    latitude: float | None
    description: str | None
    """The text a publisher released (the description, or their edited version); None
    until the report is published."""
    published: bool


def recent_reports(engine: sa.Engine, viewer: Viewer, area_code: str, limit: int = 10,
                   public: bool = False) -> list[PublicReport]:
    """The newest verified reports in ``area_code``'s subtree, public-safe.

    ``public=True`` (public pages, any viewer): only published reports. Otherwise the viewer
    needs ``read_records`` or ``verify_reports`` and sees only their own area's subtree.
    """
    if not public:
        require(viewer.can(Permission.READ_RECORDS) or viewer.can(Permission.VERIFY_REPORTS),
                "your role does not read citizen reports")
    limit = max(1, min(int(limit), 100))
    with engine.connect() as conn:
        area_id = area_id_of(conn, area_code)
        if area_id is None:
            raise NotFound(f"no area with code {area_code!r}")
        where = [cr.c.status == "verified", cr.c.area_id.in_(subtree(area_id))]
        if public:
            where.append(cr.c.published.is_(True))
        else:
            where += area_condition(cr.c.area_id, viewer)
        rows = conn.execute(
            sa.select(cr.c.category, cr.c.occurred_on, cr.c.received_at, cr.c.area_id,
                      cr.c.longitude, cr.c.latitude, cr.c.public_text, cr.c.published)
            .where(*where).order_by(cr.c.received_at.desc(), cr.c.id.desc())
            .limit(limit)).all()
        places = coarse_areas(conn, {r.area_id for r in rows})
    return [_public(r._mapping, places) for r in rows]


def coarse_areas(conn: sa.Connection, area_ids: set[int]) -> dict[int, tuple[str, str]]:
    """For each area id: (code, name) of its deepest ancestor at level ≤ ``COARSE_LEVEL``."""
    if not area_ids:
        return {}
    anc, area = t.area_ancestor, t.area
    rows = conn.execute(
        sa.select(anc.c.area_id, anc.c.ancestor_level, area.c.code, area.c.name)
        .join(area, area.c.id == anc.c.ancestor_id)
        .where(anc.c.area_id.in_(area_ids), anc.c.ancestor_level <= COARSE_LEVEL)).all()
    best: dict[int, tuple[int, str, str]] = {}
    for area_id, level, code, name in rows:
        if area_id not in best or level > best[area_id][0]:
            best[area_id] = (level, code, name)
    return {k: (v[1], v[2]) for k, v in best.items()}


def _public(m: sa.RowMapping, places: dict[int, tuple[str, str]]) -> PublicReport:
    place = places.get(m["area_id"]) if m["area_id"] is not None else None
    point = coarse_point(m["longitude"], m["latitude"])
    received = m["received_at"]
    occurred = m["occurred_on"] or (received.date() if isinstance(received, dt.datetime)
                                    else dt.date.fromisoformat(str(received)[:10]))
    category = str(m["category"])
    label = CATEGORIES[category].label if category in CATEGORIES else category
    return PublicReport(
        category=category, category_label=label, occurred_on=occurred,
        area_code=place[0] if place else None, area_name=place[1] if place else None,
        longitude=point[0] if point else None, latitude=point[1] if point else None,
        description=str(m["public_text"]) if m["published"] and m["public_text"] else None,
        published=bool(m["published"]))
