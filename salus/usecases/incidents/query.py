"""Reading incidents: filters, full-text search of narratives, sort, pagination, masking.

Every read goes through :func:`conditions`, which applies the viewer's area scope; identifying
fields are masked by :mod:`salus.usecases.incident_view` according to the viewer's grants.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from salus.domain.accounts.roles import Permission, Viewer
from salus.domain.incidents.offences import POLICE_PREFIXES, RECORD_TYPES, record_type
from salus.storage import schema as t
from salus.usecases.errors import require
from salus.usecases.paging import (
    Cursor,
    CursorPage,
    KeyValue,
    Page,
    PageRequest,
    SeekRequest,
    Total,
    count_capped,
    decode_cursor,
    encode_cursor,
    planner_rows,
)
from salus.usecases.scope import area_condition, subtree

SORTS = {
    "date": t.incident.c.occurred_on, "area": t.area.c.code, "offence": t.incident.c.iccs_code,
    "victims": sa.literal_column("victims"), "updated": t.incident.c.updated_at,
}


@dataclass(frozen=True, slots=True)
class IncidentFilter:
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    area: str | None = None
    iccs: str | None = None
    iccs_context: str | None = None
    misuse_context: str | None = None
    weapon: str | None = None
    sensitivity: str | None = None
    q: str | None = None
    sort: str = "-date"
    place_type: str | None = None
    """A ``location_type`` code (school, dwelling, detention…)."""
    record_type: str | None = None
    """``crime`` (ICCS codes), ``police_action`` (PA…) or ``misdemeanour`` (MI…)."""


@dataclass(frozen=True, slots=True)
class IncidentRow:
    uid: str
    occurred_on: dt.date
    date_precision: str
    area_code: str
    area_name: str
    iccs_code: str
    attempted: bool
    iccs_context: str | None
    misuse_context: str | None
    weapon_category: str | None
    sensitivity: str
    victims: int
    killed: int
    narrative: str | None
    longitude: float | None
    latitude: float | None
    location_type: str | None
    record_type: str
    """``crime``, ``police_action`` or ``misdemeanour`` (from the offence code)."""


def victim_counts(only: list[int] | None = None) -> sa.Subquery:
    p = t.person
    q = (sa.select(p.c.incident_id, sa.func.count().label("victims"),
                   sa.func.sum(sa.case((p.c.outcome == "killed", 1), else_=0)).label("killed"))
         .where(p.c.role == "victim").group_by(p.c.incident_id))
    if only is not None:
        q = q.where(p.c.incident_id.in_(only))
    return q.subquery("vc")


def conditions(viewer: Viewer, f: IncidentFilter, dialect: str,
               area_column: sa.ColumnElement[int] | None = None,
               ) -> list[sa.ColumnElement[bool]]:
    """The filters and the viewer's area scope (:func:`~salus.usecases.scope.area_condition`).

    ``area_column``: the incident's area id as an expression the planner will not read an
    index on (``area_id + 0``), for the list's newest-first page on SQLite, which otherwise
    reads every incident of a region by the area index and sorts them, instead of walking the
    date index and stopping after one page."""
    i = t.incident
    area = i.c.area_id if area_column is None else area_column
    out = area_condition(area, viewer)
    if f.date_from:
        out.append(i.c.occurred_until >= f.date_from)
    if f.date_to:
        out.append(i.c.occurred_on <= f.date_to)
    if f.area:
        area_id = sa.select(t.area.c.id).where(t.area.c.code == f.area).scalar_subquery()
        out.append(area.in_(sa.select(t.area_ancestor.c.area_id)
                            .where(t.area_ancestor.c.ancestor_id == area_id)))
    if f.iccs:
        out.append(i.c.iccs_code.startswith(f.iccs, autoescape=True))
    for column, value in ((i.c.iccs_context, f.iccs_context), (i.c.misuse_context,
                          f.misuse_context), (i.c.weapon_category, f.weapon),
                          (i.c.sensitivity, f.sensitivity), (i.c.location_type, f.place_type)):
        if value:
            out.append(column == value)
    if f.record_type:
        out.append(record_type_condition(f.record_type))
    if f.q:
        out.append(_search(f.q, viewer, dialect))
    return out


def record_type_condition(kind: str) -> sa.ColumnElement[bool]:
    """Incidents whose offence code is of record type ``kind`` (see
    :mod:`salus.domain.incidents.offences`: police codes start PA or MI, ICCS codes with a
    digit)."""
    code = t.incident.c.iccs_code
    if kind == "police_action":
        return code.startswith("PA")
    if kind == "misdemeanour":
        return code.startswith("MI")
    if kind == "crime":
        return sa.and_(*[sa.not_(code.startswith(p)) for p in POLICE_PREFIXES])
    return sa.false()


def _search(text: str, viewer: Viewer, dialect: str) -> sa.ColumnElement[bool]:
    """Narrative search: PostgreSQL full text (simple dictionary); elsewhere every word, LIKE.

    GBV narratives are searched only for viewers allowed to read them, so a search cannot
    reveal what they say.
    """
    i = t.incident
    match: sa.ColumnElement[bool]
    if dialect == "postgresql":
        config: sa.ColumnElement[Any] = sa.literal_column("'simple'::regconfig")
        document = sa.func.to_tsvector(config, sa.func.coalesce(
            i.c.narrative, sa.literal_column("''::text")))      # = the index (migration 0004)
        match = document.op("@@")(sa.func.plainto_tsquery(config, text))
    else:
        words = [w for w in text.lower().split() if w][:8]
        match = sa.and_(*[sa.func.lower(i.c.narrative).contains(w, autoescape=True)
                          for w in words])
    if not viewer.sees_narrative("gbv"):
        match = sa.and_(match, i.c.sensitivity != "gbv")
    return match


def _base(viewer: Viewer, f: IncidentFilter, dialect: str,
          only: list[int] | None = None) -> sa.Select[Any]:
    i, vc = t.incident, victim_counts(only)
    victims = sa.func.coalesce(vc.c.victims, 0)
    killed = sa.func.coalesce(vc.c.killed, i.c.declared_killed, 0)
    return (sa.select(i.c.uid, i.c.occurred_on, i.c.date_precision, t.area.c.code.label(
                      "area_code"), t.area.c.name.label("area_name"), i.c.iccs_code,
                      i.c.attempted, i.c.iccs_context, i.c.misuse_context, i.c.weapon_category,
                      i.c.sensitivity, victims.label("victims"), killed.label("killed"),
                      i.c.narrative, i.c.longitude, i.c.latitude, i.c.location_type)
            .select_from(i.join(t.area, t.area.c.id == i.c.area_id)
                         .outerjoin(vc, vc.c.incident_id == i.c.id))
            .where(*conditions(viewer, f, dialect),
                   *([i.c.id.in_(only)] if only is not None else [])))


def _order(sort: str) -> list[sa.ColumnElement[Any]]:
    """The list's order: the sort column, then the id in the same direction (a unique key, so
    cursors are exact; ``(occurred_on, id)`` is indexed for the default newest-first order)."""
    key = sort.lstrip("-")
    column = SORTS.get(key, SORTS["date"])
    if sort.startswith("-"):
        return [column.desc(), t.incident.c.id.desc()]
    return [column.asc(), t.incident.c.id.asc()]


def _parse_key(sort: str) -> Callable[[Any], KeyValue]:
    """Reads a cursor's sort value back (ISO dates and times are kept as text in the cursor,
    checked here)."""
    key = sort.lstrip("-")

    def parse(value: Any) -> KeyValue:
        if key == "victims":
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(value)
            return value
        if not isinstance(value, str) or len(value) > 64:
            raise ValueError(value)
        if key == "date":
            dt.date.fromisoformat(value)
        elif key == "updated":
            dt.datetime.fromisoformat(value)
        return value

    return parse


def _key_value(sort: str, value: Any) -> KeyValue:
    """A row's sort value as a cursor holds it."""
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value if value is None or isinstance(value, str) else int(value)


def _bind(sort: str, value: KeyValue) -> Any:
    key = sort.lstrip("-")
    if key == "date" and isinstance(value, str):
        return dt.date.fromisoformat(value)
    if key == "updated" and isinstance(value, str):
        return dt.datetime.fromisoformat(value)
    return value


def _seek(sort: str, cursor: Cursor, column: sa.ColumnElement[Any]) -> sa.ColumnElement[bool]:
    """Rows strictly after the cursor's key in the list's order (before it for ``back``): a
    row-value comparison ``(column, id) < (value, id)``, which both PostgreSQL and SQLite
    answer with an index range."""
    after = sort.startswith("-") != cursor.back          # descending forward = "less than"
    mine = sa.tuple_(column, t.incident.c.id)
    theirs = sa.tuple_(sa.literal(_bind(sort, cursor.key[0]), type_=column.type),
                       sa.literal(cursor.key[1], type_=sa.Integer))
    return mine < theirs if after else mine > theirs


def _reverse(sort: str) -> str:
    return sort[1:] if sort.startswith("-") else "-" + sort


def _victims_expr() -> tuple[sa.Subquery, sa.ColumnElement[Any]]:
    vc = victim_counts()
    return vc, sa.func.coalesce(vc.c.victims, 0)


def _row(r: Any, viewer: Viewer) -> IncidentRow:
    values = {k: v for k, v in r._mapping.items() if not k.startswith("_")}
    if not viewer.sees_narrative(values["sensitivity"]):
        values["narrative"] = None
    values["attempted"] = bool(values["attempted"])
    values["killed"] = int(values["killed"] or 0)
    values["record_type"] = record_type(values["iccs_code"])
    return IncidentRow(**values)


def _page_keys(conn: sa.Connection, viewer: Viewer, f: IncidentFilter, limit: int,
               offset: int, cursor: Cursor | None, dialect: str,
               few: bool = False) -> list[tuple[int, Any]]:
    """``(id, sort value)`` of the page's rows, in the list's order (reversed when walking back),
    picked on the incident table alone (joined to the areas for the area order, to the victim
    counts for the victims order).

    ``few``: the filters match at most :data:`~salus.usecases.paging.COUNT_CAP` incidents (the
    total was counted exactly), so the matches are gathered first by the filters' own indexes
    (a ``MATERIALIZED`` common table expression) and sorted, instead of walking the date index
    until a page is found, which reads most of it for a small area."""
    i = t.incident
    key = f.sort.lstrip("-")
    sort = _reverse(f.sort) if cursor is not None and cursor.back else f.sort
    source: sa.FromClause = i
    column: sa.ColumnElement[Any]
    if key == "victims":
        vc, column = _victims_expr()
        source = i.outerjoin(vc, vc.c.incident_id == i.c.id)
    elif key == "area":
        source, column = i.join(t.area, t.area.c.id == i.c.area_id), t.area.c.code
    else:
        column = SORTS[key]
    walk_dates = key == "date" and dialect == "sqlite" and not few     # see conditions()
    where = conditions(viewer, f, dialect, (i.c.area_id + 0) if walk_dates else None)
    if cursor is not None:
        where.append(_seek(f.sort, cursor, column))
    q = sa.select(i.c.id, column.label("_key")).select_from(source).where(*where)
    id_col: sa.ColumnElement[Any] = i.c.id
    key_col: sa.ColumnElement[Any] = column
    if few:
        matches = q.cte("matches").prefix_with("MATERIALIZED")
        q = sa.select(matches.c.id, matches.c._key)
        id_col, key_col = matches.c.id, matches.c._key
    down = sort.startswith("-")
    q = q.order_by(key_col.desc() if down else key_col.asc(),
                   id_col.desc() if down else id_col.asc()).limit(limit)
    if cursor is None and offset:
        q = q.offset(offset)
    return [(int(r[0]), r[1]) for r in conn.execute(q)]


def _page_rows(conn: sa.Connection, viewer: Viewer, f: IncidentFilter, ids: list[int],
               dialect: str) -> list[Any]:
    """The rows of ``ids`` with their victim counts, in the list's order.

    Aggregating every person to sort one page costs seconds at scale, so the victim counts
    are joined only for the page (except when sorting by victims, which needs them all)."""
    if not ids:
        return []
    q = _base(viewer, IncidentFilter(sort=f.sort), dialect, only=ids).order_by(*_order(f.sort))
    return list(conn.execute(q))


def total_incidents(conn: sa.Connection, viewer: Viewer, f: IncidentFilter) -> Total:
    """How many incidents match (exact up to :data:`~salus.usecases.paging.COUNT_CAP`, then an
    estimate or "more than"; :func:`~salus.usecases.paging.count_capped`)."""
    q = sa.select(t.incident.c.id).where(*conditions(viewer, f, conn.dialect.name))
    return count_capped(conn, q)


def list_incidents(engine: sa.Engine, viewer: Viewer, f: IncidentFilter,
                   paging: PageRequest | None = None) -> Page[IncidentRow]:
    """One numbered page of the incidents the viewer may see, newest first by default, with
    the exact total (small lists and tests; the long list pages with :func:`seek_incidents`)."""
    require(viewer.can(Permission.READ_RECORDS), "your role does not read records")
    paging = paging or PageRequest()
    dialect = engine.dialect.name
    count = sa.select(sa.func.count()).select_from(t.incident).where(
        *conditions(viewer, f, dialect))
    with engine.connect() as conn:
        total = conn.execute(count).scalar_one()
        keys = _page_keys(conn, viewer, f, paging.per_page, paging.offset, None, dialect)
        rows = _page_rows(conn, viewer, f, [k for k, _ in keys], dialect)
    return Page([_row(r, viewer) for r in rows], total, paging.page, paging.per_page)


def seek_incidents(engine: sa.Engine, viewer: Viewer, f: IncidentFilter,
                   request: SeekRequest | None = None) -> CursorPage[IncidentRow]:
    """One page of the incidents the viewer may see by keyset (seek) paging: the rows after
    (or before) the request's cursor in the order ``(sort column, id)``, or a numbered page
    no deeper than :data:`~salus.usecases.paging.MAX_OFFSET` rows; with cursors to the next
    and previous pages and a capped total (:func:`total_incidents`).

    A bad cursor is refused (400) naming the parameter and its value."""
    require(viewer.can(Permission.READ_RECORDS), "your role does not read records")
    request = request or SeekRequest()
    cursor = (decode_cursor(request.cursor, f.sort, _parse_key(f.sort))
              if request.cursor else None)
    dialect = engine.dialect.name
    size = request.per_page
    with engine.connect() as conn:
        total = total_incidents(conn, viewer, f)
        keys = _page_keys(conn, viewer, f, size + 1, 0 if cursor else request.offset, cursor,
                          dialect, few=total.exact)
        more = len(keys) > size
        keys = keys[:size]
        if cursor is not None and cursor.back:
            keys.reverse()
        rows = _page_rows(conn, viewer, f, [k for k, _ in keys], dialect)
    if cursor is None:
        has_next, has_prev = more, request.offset > 0
    elif cursor.back:
        has_next, has_prev = True, more
    else:
        has_next, has_prev = more, True
    first, last = (keys[0], keys[-1]) if keys else (None, None)
    return CursorPage(
        [_row(r, viewer) for r in rows], total, size,
        next=encode_cursor(f.sort, False, _key_value(f.sort, last[1]), last[0])
        if has_next and last else None,
        prev=encode_cursor(f.sort, True, _key_value(f.sort, first[1]), first[0])
        if has_prev and first else None,
        page=None if cursor else (request.page or 1))


def record_type_counts(engine: sa.Engine, viewer: Viewer,
                       f: IncidentFilter) -> dict[str, int]:
    """How many of the matching incidents are crimes, police actions and misdemeanours
    (every record type, zeros included, in the order of ``RECORD_TYPES``)."""
    require(viewer.can(Permission.READ_RECORDS), "your role does not read records")
    dialect = engine.dialect.name
    counts = {kind: sa.func.count().filter(record_type_condition(kind)).label(kind)
              for kind in RECORD_TYPES}
    q = sa.select(*counts.values()).select_from(t.incident).where(
        *conditions(viewer, f, dialect))
    with engine.connect() as conn:
        row = conn.execute(q).one()
    return {kind: int(row._mapping[kind] or 0) for kind in RECORD_TYPES}


def record_type_totals(engine: sa.Engine, viewer: Viewer, f: IncidentFilter,
                       total: Total) -> dict[str, Total]:
    """The record-type counts of the list's header at any size: exact when the list's ``total``
    is (:func:`record_type_counts`); beyond the cap PostgreSQL's planner estimate of each type
    (as :func:`~salus.usecases.paging.count_capped`), and nothing on SQLite, which has no
    estimate (counting a million rows per page view is what made the list slow)."""
    if total.exact:
        return {k: Total(n) for k, n in record_type_counts(engine, viewer, f).items()}
    if engine.dialect.name != "postgresql":
        return {}
    require(viewer.can(Permission.READ_RECORDS), "your role does not read records")
    out: dict[str, Total] = {}
    with engine.connect() as conn:
        for kind in RECORD_TYPES:
            q = sa.select(t.incident.c.id).where(*conditions(viewer, f, "postgresql"),
                                                 record_type_condition(kind))
            estimate = planner_rows(conn, q)
            if estimate is None:
                return {}
            out[kind] = Total(estimate, "estimate")
    return out


def iter_incidents(engine: sa.Engine, viewer: Viewer, f: IncidentFilter,
                   limit: int = 1_000_000) -> Iterator[IncidentRow]:
    """Every matching incident (for exports), streamed in the list's order.

    The permission is checked at the call, not at the first row, so a refusal happens before
    a response starts.
    """
    require(viewer.can(Permission.READ_RECORDS), "your role does not read records")
    q = _base(viewer, f, engine.dialect.name).order_by(*_order(f.sort)).limit(limit)
    return _stream(engine, q, viewer)


def _stream(engine: sa.Engine, q: sa.Select[Any], viewer: Viewer) -> Iterator[IncidentRow]:
    with engine.connect() as conn:
        for r in conn.execution_options(yield_per=2000).execute(q):
            yield _row(r, viewer)


__all__ = ["IncidentFilter", "IncidentRow", "iter_incidents", "list_incidents", "seek_incidents",
           "subtree", "total_incidents"]
