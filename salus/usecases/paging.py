"""Pagination shared by list use cases: numbered pages (:class:`PageRequest`, an exact total)
and, for the long lists, keyset pages (:class:`SeekRequest`, cursors, :class:`Total`)."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

import sqlalchemy as sa

from salus.usecases.errors import UseCaseError

T = TypeVar("T")
MAX_PER_PAGE = 500
MAX_PAGE = 1_000_000


@dataclass(frozen=True, slots=True)
class PageRequest:
    page: int = 1
    per_page: int = 50

    def __post_init__(self) -> None:
        object.__setattr__(self, "page", min(MAX_PAGE, max(1, int(self.page))))
        object.__setattr__(self, "per_page", min(MAX_PER_PAGE, max(1, int(self.per_page))))

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


# ------------------------------------------------------------ keyset paging (issue 11)
# Long lists (a national store holds millions of incidents) are walked with cursors: a page is
# "the rows after (or before) this key" in an order ending with the unique id, read through an
# index, so page 20,000 costs what page 1 costs. Totals are counted only up to a cap; beyond it
# PostgreSQL gives the planner's estimate and SQLite says "more than N".

COUNT_CAP = 10_000
"""Totals are exact up to this many rows; beyond, an estimate or "more than"."""
MAX_OFFSET = 10_000
"""Numbered pages (``?page=``, kept for older clients) reach at most this many rows deep."""
CURSOR_MAX_LENGTH = 400
MAX_ROW_ID = 2**31 - 1
TotalKind = Literal["exact", "more_than", "estimate"]
KeyValue = str | int | None


@dataclass(frozen=True, slots=True)
class Total:
    """How many rows match: ``exact``; ``more_than`` (at least ``count + 1``: SQLite beyond the
    cap); or ``estimate`` (PostgreSQL's planner estimate, beyond the cap)."""

    count: int
    kind: TotalKind = "exact"

    @property
    def exact(self) -> bool:
        return self.kind == "exact"


@dataclass(frozen=True, slots=True)
class SeekRequest:
    """A page of a keyset list: after/before ``cursor``, or numbered ``page`` (offset, capped
    at :data:`MAX_OFFSET` rows), or the first page."""

    per_page: int = 50
    cursor: str | None = None
    page: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "per_page", min(MAX_PER_PAGE, max(1, int(self.per_page))))
        if self.page is not None:
            page = int(self.page)
            if page < 1 or (page - 1) * self.per_page > MAX_OFFSET:
                raise UseCaseError(
                    f"page: {page} is out of reach of numbered pages (they reach the first "
                    f"{MAX_OFFSET:,} rows); follow the 'next' links (cursor) instead")
            object.__setattr__(self, "page", page)

    @property
    def offset(self) -> int:
        return ((self.page or 1) - 1) * self.per_page


@dataclass(frozen=True, slots=True)
class Cursor:
    """A decoded cursor: the page after (``back`` false) or before ``key`` in ``sort``."""

    sort: str
    back: bool
    key: tuple[KeyValue, int]


@dataclass(frozen=True, slots=True)
class CursorPage(Generic[T]):
    """One page of a keyset list: its items, the total (:class:`Total`), cursors to the next
    and previous pages (None at either end) and, for a numbered request, its page number."""

    items: list[T]
    total: Total
    per_page: int
    next: str | None
    prev: str | None
    page: int | None = None

    @property
    def pages(self) -> int:
        """Pages of the total (of its lower bound or estimate when not exact)."""
        return max(1, -(-self.total.count // self.per_page))


def encode_cursor(sort: str, back: bool, value: KeyValue, row_id: int) -> str:
    """An opaque cursor: URL-safe base64 of ``[1, sort, "n"|"p", value, id]`` (JSON)."""
    raw = json.dumps([1, sort, "p" if back else "n", value, row_id], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(token: str, sort: str, parse: Callable[[Any], KeyValue],
                  param: str = "cursor") -> Cursor:
    """The cursor ``token`` of a list sorted by ``sort``, checked: well-formed base64 JSON of
    this version, the same sort, a key ``parse`` accepts and an integer id; else a 400 naming
    the parameter and the value."""
    shown = token if len(token) <= 80 else token[:77] + "..."

    def bad(why: str) -> UseCaseError:
        return UseCaseError(f"{param}: {shown!r} is not a valid cursor ({why}); "
                            "start again from the first page")

    if len(token) > CURSOR_MAX_LENGTH:
        raise bad("too long")
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise bad("not a cursor this list made") from None
    if (not isinstance(data, list) or len(data) != 5 or data[0] != 1
            or data[2] not in ("n", "p")):
        raise bad("not a cursor this list made")
    if data[1] != sort:
        raise bad(f"made for the order {data[1]!r}, not {sort!r}")
    row_id = data[4]
    if isinstance(row_id, bool) or not isinstance(row_id, int) or not 0 <= row_id <= MAX_ROW_ID:
        raise bad("its row id is not a whole number")
    try:
        value = parse(data[3])
    except (TypeError, ValueError):
        raise bad(f"its key {data[3]!r} does not fit the order {sort!r}") from None
    return Cursor(sort, data[2] == "p", (value, row_id))


def count_capped(conn: sa.Connection, q: sa.Select[Any], cap: int | None = None) -> Total:
    """How many rows ``q`` returns, counted up to ``cap`` (a LIMIT, so a national table is not
    read whole); beyond it PostgreSQL's planner estimate (``EXPLAIN (FORMAT JSON)``, the
    statistics ``ANALYZE`` keeps: ``pg_class.reltuples`` for the whole table, the column
    histograms for filters) when it is above the count, else (SQLite, or a planner guess
    below what was counted) "more than ``cap``". ``cap``: :data:`COUNT_CAP` at the time of
    the call by default."""
    cap = COUNT_CAP if cap is None else cap
    capped = sa.select(sa.func.count()).select_from(q.limit(cap + 1).subquery())
    n = int(conn.execute(capped).scalar_one())
    if n <= cap:
        return Total(n)
    if conn.dialect.name == "postgresql":
        estimate = planner_rows(conn, q)
        if estimate is not None and estimate > cap:       # below the count: no better guess
            return Total(estimate, "estimate")
    return Total(cap, "more_than")


def planner_rows(conn: sa.Connection, q: sa.Select[Any]) -> int | None:
    """PostgreSQL's estimate of the rows ``q`` returns (the top plan node's ``Plan Rows``)."""
    compiled = q.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    plan = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + compiled.string,
                                compiled.params).scalar_one()
    if isinstance(plan, str):
        plan = json.loads(plan)
    try:
        return int(plan[0]["Plan"]["Plan Rows"])
    except (LookupError, TypeError, ValueError):
        return None


def _no_value(value: Any) -> KeyValue:
    if value is not None:
        raise ValueError(value)
    return None


def _time_value(value: Any) -> KeyValue:
    if not isinstance(value, str) or len(value) > 40:
        raise ValueError(value)
    dt.datetime.fromisoformat(value)
    return value


def seek_by_id(conn: sa.Connection, q: sa.Select[Any], id_column: sa.ColumnElement[int],
               request: SeekRequest, name: str, descending: bool = True,
               ) -> tuple[list[Any], str | None, str | None]:
    """One keyset page of a list ordered by its id alone (weapons, the audit log…): the rows
    of ``q`` (its filters and scope, no order) after or before the request's cursor, or a
    numbered page (at most :data:`MAX_OFFSET` rows deep); with the next and previous
    cursors. ``name`` ties the cursors to this list and order (a cursor of another list is
    refused, 400); ``id_column`` must be among ``q``'s columns as ``id``."""
    return seek_by_key(conn, q, None, id_column, request, name, descending)


def seek_by_key(conn: sa.Connection, q: sa.Select[Any], key: sa.ColumnElement[Any] | None,
                id_column: sa.ColumnElement[int], request: SeekRequest, name: str,
                descending: bool = True) -> tuple[list[Any], str | None, str | None]:
    """:func:`seek_by_id` for a list ordered by ``(key, id)`` (a timestamp column, such as the
    citizen reports' ``received_at``; selected as ``_key``), both in the same direction: the
    seek is the row-value comparison ``(key, id) < (:key, :id)``."""
    order = name + (":-" if descending else ":") + ("id" if key is None else "key,id")
    parse = _no_value if key is None else _time_value
    cursor = decode_cursor(request.cursor, order, parse) if request.cursor else None
    back = cursor is not None and cursor.back
    walk_down = descending != back
    columns = [id_column] if key is None else [key, id_column]
    page = q.add_columns(key.label("_key")) if key is not None else q
    page = page.order_by(*[c.desc() if walk_down else c.asc() for c in columns]).limit(
        request.per_page + 1)
    if cursor is not None:
        if key is None:
            mine: sa.ColumnElement[Any] = id_column
            theirs: Any = cursor.key[1]
        else:
            mine = sa.tuple_(key, id_column)
            theirs = sa.tuple_(sa.literal(dt.datetime.fromisoformat(str(cursor.key[0])),
                                          type_=key.type),
                               sa.literal(cursor.key[1], type_=sa.Integer))
        page = page.where(mine < theirs if walk_down else mine > theirs)
    elif request.offset:
        page = page.offset(request.offset)
    rows = list(conn.execute(page))
    more = len(rows) > request.per_page
    rows = rows[:request.per_page]
    if back:
        rows.reverse()
    if cursor is None:
        has_next, has_prev = more, request.offset > 0
    else:
        has_next, has_prev = (True, more) if back else (more, True)

    def token(row: Any, backwards: bool) -> str:
        m = row._mapping
        value = None if key is None else m["_key"].isoformat()
        return encode_cursor(order, backwards, value, int(m["id"]))

    next_ = token(rows[-1], False) if has_next and rows else None
    prev = token(rows[0], True) if has_prev and rows else None
    return rows, next_, prev
