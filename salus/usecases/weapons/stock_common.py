"""Helpers shared by the stockpile and tracing use cases: permissions, look-ups, audit values.

Reading stockpiles and tracing needs ``WEAPONS``; writing needs ``EDIT_WEAPONS``; a viewer bound
to an area sees and edits only sites (and recoveries) in its subtree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any, NoReturn

import sqlalchemy as sa

from salus.domain.accounts.roles import Permission, Viewer
from salus.domain.weapons.stockpiles import Problem, StockError
from salus.storage import schema as t
from salus.storage.weapons import schema as arms
from salus.storage.weapons import stock_schema as st
from salus.usecases import scope
from salus.usecases.errors import NotFound, PermissionDenied, ValidationFailed


def require_read(viewer: Viewer) -> None:
    if not viewer.can(Permission.WEAPONS):
        raise PermissionDenied("reading stockpiles and tracing needs the weapons permission")


def require_write(viewer: Viewer) -> None:
    if not viewer.can(Permission.EDIT_WEAPONS):
        raise PermissionDenied("changing stockpiles and tracing needs the edit_weapons "
                               "permission")


def fail(field: str, code: str, message: str, value: Any = None) -> NoReturn:
    """Raise :class:`ValidationFailed` with one error."""
    error: dict[str, Any] = {"field": field, "code": code, "message": message}
    if value is not None:
        error["value"] = jsonable(value)
    raise ValidationFailed([error], message)


def fail_problems(problems: Iterable[Problem]) -> None:
    """Raise :class:`ValidationFailed` listing every problem (nothing when there is none)."""
    errors = [p.as_dict() for p in problems]
    if errors:
        raise ValidationFailed(errors, "; ".join(e["message"] for e in errors))


def from_stock_error(exc: StockError) -> ValidationFailed:
    return ValidationFailed([{"field": exc.field, "code": "stock", "message": exc.message,
                              "value": jsonable(exc.value)}], exc.message)


def jsonable(value: Any) -> Any:
    """A value the JSON audit log can store (dates as ISO text, tuples as lists)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    return value


def new_id(result: sa.CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def today_utc() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def site_row(conn: sa.Connection, viewer: Viewer, code: str) -> sa.RowMapping:
    """The site with this code, in the viewer's area scope (else NotFound)."""
    s = st.storage_site
    row = conn.execute(sa.select(s).where(s.c.code == code)).mappings().first()
    if row is None or not scope.area_in_scope(conn, viewer, row["area_id"]):
        raise NotFound(f"no storage site {code!r}")
    return row


def weapon_rows(conn: sa.Connection, refs: Iterable[int | str],
                viewer: Viewer | None = None) -> list[sa.RowMapping]:
    """Weapons by id or uid, in the order given, within the viewer's area scope (as the registry
    scopes them); ValidationFailed names every unknown one."""
    w = arms.weapon
    refs = list(refs)
    scoped = scope.area_condition(w.c.area_id, viewer) if viewer is not None else []
    ids = [r for r in refs if isinstance(r, int) or str(r).isdigit()]
    uids = [str(r) for r in refs if r not in ids]
    found: dict[str, sa.RowMapping] = {}
    cols = (w.c.id, w.c.uid, w.c.status, w.c.serial_number, w.c.manufacturer, w.c.model,
            w.c.category, w.c.calibre, w.c.area_id)
    if ids:
        for row in conn.execute(sa.select(*cols).where(
                w.c.id.in_([int(i) for i in ids]), *scoped)).mappings():
            found[str(row["id"])] = row
    if uids:
        for row in conn.execute(sa.select(*cols).where(w.c.uid.in_(uids), *scoped)).mappings():
            found[row["uid"]] = row
    missing = [str(r) for r in refs if str(r) not in found]
    if missing:
        fail("weapons", "unknown", f"no weapon {', '.join(missing)} in the registry", missing)
    return [found[str(r)] for r in refs]


def weapon_label(row: Any) -> str:
    """How a weapon is named in messages: its serial (or uid) and id."""
    serial = row.get("serial_number") or row.get("uid")
    return f"{serial} (#{row['id']})"


def area_id_for(conn: sa.Connection, viewer: Viewer, code: str | None) -> int | None:
    """The area with this code, checked against the viewer's scope (None: no area given)."""
    if code is None:
        return None
    area_id = scope.area_id_of(conn, code)
    if area_id is None:
        fail("area", "unknown", f"no area with code {code!r}", code)
    if not scope.area_in_scope(conn, viewer, area_id):
        raise PermissionDenied(f"area {code} is outside your area")
    return area_id


def area_code_of(conn: sa.Connection, area_id: int | None) -> str | None:
    if area_id is None:
        return None
    return conn.scalar(sa.select(t.area.c.code).where(t.area.c.id == area_id))
