"""What the community-safety use cases share: permissions with area scope, errors, audit.

Reading assessments, plans and community pages needs ``dashboard`` and, for a viewer bound to
an area, a community inside that subtree; writing needs ``edit_plans`` (same scope rule). Every
write appends to the audit log in the same transaction as the change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import sqlalchemy as sa

from salus.domain.accounts.roles import Permission, Viewer
from salus.domain.plans import PlanRuleError
from salus.storage import repository as repo
from salus.storage import schema as t
from salus.usecases import errors
from salus.usecases.errors import NotFound, PermissionDenied, ValidationFailed, require
from salus.usecases.scope import area_in_scope

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class AreaRef:
    id: int
    code: str
    name: str
    level: int


def area_ref(conn: sa.Connection, code: str, field: str = "area") -> AreaRef:
    """The area with ``code``; a validation error naming ``field`` when there is none."""
    a = t.area
    row = conn.execute(sa.select(a.c.id, a.c.code, a.c.name, a.c.level)
                       .where(a.c.code == code)).first()
    if row is None:
        raise ValidationFailed([{"field": field, "code": "unknown",
                                 "message": f"no area with code {code!r}"}])
    return AreaRef(int(row.id), str(row.code), str(row.name), int(row.level))


def area_by_id(conn: sa.Connection, area_id: int) -> AreaRef:
    a = t.area
    row = conn.execute(sa.select(a.c.id, a.c.code, a.c.name, a.c.level)
                       .where(a.c.id == area_id)).one()
    return AreaRef(int(row.id), str(row.code), str(row.name), int(row.level))


def can_read(viewer: Viewer) -> None:
    require(viewer.can(Permission.DASHBOARD), "your role does not see community safety plans")


def check_read(conn: sa.Connection, viewer: Viewer, area_id: int) -> None:
    """Readable: ``dashboard`` and the area inside the viewer's scope (else 404, no leak)."""
    can_read(viewer)
    if not area_in_scope(conn, viewer, area_id):
        raise NotFound("no such community in your area")


def check_write(conn: sa.Connection, viewer: Viewer, area_id: int) -> None:
    """Writable: ``edit_plans`` and the area inside the viewer's scope."""
    require(viewer.can(Permission.EDIT_PLANS), "your role does not edit community safety plans")
    if not area_in_scope(conn, viewer, area_id):
        raise PermissionDenied("this community is outside your area")


@contextmanager
def rule_errors() -> Iterator[None]:
    """Turn a domain rule error into a validation error naming its field."""
    try:
        yield
    except PlanRuleError as exc:
        raise ValidationFailed([{"field": exc.field, "code": "invalid",
                                 "message": exc.message}], str(exc)) from None


def checked(call: Callable[[], T]) -> T:
    with rule_errors():
        return call()


TEXT_LIMIT = 300
"""Longest text field of the plans forms, in characters."""


def required_text(value: str | None, field: str, limit: int = TEXT_LIMIT) -> str:
    """:func:`salus.usecases.errors.required_text` with the plans' limit."""
    return errors.required_text(value, field, limit)


def optional_text(value: str | None, field: str, limit: int = TEXT_LIMIT) -> str | None:
    return required_text(value, field, limit) if value and value.strip() else None


def new_id(result: sa.CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def audit(conn: sa.Connection, viewer: Viewer, action: str, entity: str, entity_id: int,
          before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
    repo.audit(conn, viewer.username, action, entity, str(entity_id), _plain(before),
               _plain(after))


def _plain(values: dict[str, Any] | None) -> dict[str, Any] | None:
    """JSON-safe copy for the audit log (dates as ISO text, decimals as floats)."""
    if values is None:
        return None
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, dt.date | dt.datetime):
            out[key] = value.isoformat()
        elif hasattr(value, "as_integer_ratio") and not isinstance(value, int | float):
            out[key] = float(value)
        else:
            out[key] = value
    return out


def as_date(value: Any) -> dt.date | None:
    """A date column's value on every backend (SQLite may hand back text)."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def now() -> dt.datetime:
    return repo.now()
