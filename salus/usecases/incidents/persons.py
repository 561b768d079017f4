"""Persons involved in incidents (victims, perpetrators, witnesses), masked per viewer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from salus.domain.accounts.roles import Permission, Viewer
from salus.storage import repository
from salus.storage import schema as t
from salus.usecases.errors import require
from salus.usecases.incidents.input import IDENTIFYING
from salus.usecases.paging import (
    CursorPage,
    Page,
    PageRequest,
    SeekRequest,
    count_capped,
    seek_by_id,
)
from salus.usecases.scope import area_condition


@dataclass(frozen=True, slots=True)
class PersonFilter:
    role: str | None = None
    sex: str | None = None
    outcome: str | None = None
    incident: str | None = None
    area: str | None = None


def _where(viewer: Viewer, f: PersonFilter) -> list[sa.ColumnElement[bool]]:
    p, i = t.person, t.incident
    out = area_condition(i.c.area_id, viewer)
    for column, value in ((p.c.role, f.role), (p.c.sex, f.sex), (p.c.outcome, f.outcome),
                          (i.c.uid, f.incident)):
        if value:
            out.append(column == value)
    if f.area:
        area_id = sa.select(t.area.c.id).where(t.area.c.code == f.area).scalar_subquery()
        out.append(i.c.area_id.in_(sa.select(t.area_ancestor.c.area_id)
                                   .where(t.area_ancestor.c.ancestor_id == area_id)))
    return out


def _row(r: Any, viewer: Viewer) -> dict[str, Any]:
    out = dict(r._mapping)
    if out.get("age_max") == t.OPEN_AGE:
        out["age_max"] = None
    if not viewer.sees_identities(out.pop("sensitivity")):
        for key in IDENTIFYING:
            out.pop(key, None)
    return out


def list_persons(engine: sa.Engine, viewer: Viewer, f: PersonFilter,
                 paging: PageRequest | None = None) -> Page[dict[str, Any]]:
    """Persons in the viewer's scope; a page that shows identities is audited."""
    require(viewer.can(Permission.READ_RECORDS), "your role does not read records")
    paging = paging or PageRequest()
    p, i = t.person, t.incident
    cols = [c for c in p.c if c.name not in ("id", "incident_id")]
    base = (sa.select(i.c.uid.label("incident"), i.c.sensitivity, *cols)
            .join(i, i.c.id == p.c.incident_id).where(*_where(viewer, f)))
    count = sa.select(sa.func.count()).select_from(p.join(i, i.c.id == p.c.incident_id)).where(
        *_where(viewer, f))
    with engine.begin() as conn:
        total = conn.execute(count).scalar_one()
        rows = conn.execute(base.order_by(p.c.id).limit(paging.per_page)
                            .offset(paging.offset)).all()
        items = [_row(r, viewer) for r in rows]
        shown = sorted({x["incident"] for x in items if any(x.get(k) for k in IDENTIFYING)})
        if shown:
            repository.audit(conn, viewer.username, "read_identities", "person", None,
                             None, {"incidents": shown})
    return Page(items, total, paging.page, paging.per_page)


def seek_persons(engine: sa.Engine, viewer: Viewer, f: PersonFilter,
                 request: SeekRequest | None = None) -> CursorPage[dict[str, Any]]:
    """:func:`list_persons` by keyset pages (issue 11: a national store holds a million
    victims): by person id, cursors to the next and previous pages
    (:func:`~salus.usecases.paging.seek_by_id`), the total exact up to
    :data:`~salus.usecases.paging.COUNT_CAP` then estimated or "more than"; a page that shows
    identities is audited as :func:`list_persons` does."""
    require(viewer.can(Permission.READ_RECORDS), "your role does not read records")
    request = request or SeekRequest()
    p, i = t.person, t.incident
    cols = [c for c in p.c if c.name not in ("id", "incident_id")]
    base = (sa.select(p.c.id, i.c.uid.label("incident"), i.c.sensitivity, *cols)
            .join(i, i.c.id == p.c.incident_id).where(*_where(viewer, f)))
    counted = sa.select(p.c.id).join(i, i.c.id == p.c.incident_id).where(*_where(viewer, f))
    with engine.begin() as conn:
        total = count_capped(conn, counted)
        rows, next_, prev = seek_by_id(conn, base, p.c.id, request, "persons",
                                       descending=False)
        items = [_row(r, viewer) for r in rows]
        for item in items:
            item.pop("id", None)
        shown = sorted({x["incident"] for x in items if any(x.get(k) for k in IDENTIFYING)})
        if shown:
            repository.audit(conn, viewer.username, "read_identities", "person", None,
                             None, {"incidents": shown})
    return CursorPage(items, total, request.per_page, next_, prev,
                      None if request.cursor else (request.page or 1))
