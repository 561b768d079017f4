"""Helpers shared by the weapons-registry use cases: permissions, look-ups, errors.

Permissions (``salus.domain.accounts.roles``): ``WEAPONS`` reads weapon records and their lifecycle,
``EDIT_WEAPONS`` writes them, ``WEAPON_OWNERS`` sees owners' personal data and runs the
"registered and to whom" check. A viewer bound to an area sees weapons, owners and licences of
that subtree only (records without an area are visible to unbound viewers only).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, NoReturn

import sqlalchemy as sa

from salus.domain.accounts.roles import Permission, Viewer
from salus.domain.weapons.registry import ArmsRuleError, EventType, LifecycleEvent
from salus.storage import repository as repo
from salus.storage import schema as t
from salus.storage.weapons import schema as w
from salus.usecases.errors import NotFound, ValidationFailed, require
from salus.usecases.scope import area_id_of, area_in_scope, subtree


def can_read(viewer: Viewer) -> None:
    require(viewer.can(Permission.WEAPONS), "your role does not read the weapons registry")


def can_edit(viewer: Viewer) -> None:
    require(viewer.can(Permission.EDIT_WEAPONS), "your role does not edit the weapons registry")


def can_see_owners(viewer: Viewer) -> None:
    require(viewer.can(Permission.WEAPON_OWNERS),
            "only registry roles see weapon owners' personal data")


def fail(errors: ArmsRuleError | Sequence[ArmsRuleError]) -> NoReturn:
    """Raise :class:`ValidationFailed` listing every broken rule (field, code, value)."""
    items = [errors] if isinstance(errors, ArmsRuleError) else list(errors)
    raise ValidationFailed([e.as_dict() for e in items], "; ".join(str(e) for e in items))


def check(errors: Iterable[ArmsRuleError]) -> None:
    found = list(errors)
    if found:
        fail(found)


def new_id(result: sa.CursorResult[Any]) -> int:
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def scoped(column: sa.ColumnElement[Any], viewer: Viewer) -> list[sa.ColumnElement[bool]]:
    """``column`` (an area id) within the viewer's subtree; nothing for an unbound viewer."""
    if viewer.area_id is None:
        return []
    return [column.in_(subtree(viewer.area_id))]


def area_for(conn: sa.Connection, viewer: Viewer, code: str | None,
             field_name: str = "area_code") -> int | None:
    """The id of area ``code`` (None for no code); unknown or out-of-scope areas are refused."""
    if not code:
        if viewer.area_id is not None:
            return viewer.area_id
        return None
    area_id = area_id_of(conn, code)
    if area_id is None:
        fail(ArmsRuleError("area.unknown", field_name, code, "no area with this code"))
    if not area_in_scope(conn, viewer, area_id):
        fail(ArmsRuleError("area.out_of_scope", field_name, code,
                           "this area is outside the area you work in"))
    return area_id


def weapon_row(conn: sa.Connection, viewer: Viewer, uid: str, *,
               lock: bool = False) -> sa.RowMapping:
    """The weapon with public id ``uid`` within the viewer's scope (locked for update on
    PostgreSQL when ``lock``, so concurrent events on one weapon are serialised)."""
    q = sa.select(w.weapon).where(w.weapon.c.uid == uid, *scoped(w.weapon.c.area_id, viewer))
    if lock:
        q = q.with_for_update()
    row = conn.execute(q).mappings().first()
    if row is None:
        raise NotFound(f"no weapon {uid!r}")
    return row


def owner_row(conn: sa.Connection, viewer: Viewer, uid: str, field_name: str = "owner"
              ) -> sa.RowMapping:
    o = w.arms_owner
    row = conn.execute(sa.select(o).where(o.c.uid == uid, *scoped(o.c.area_id, viewer))
                       ).mappings().first()
    if row is None:
        fail(ArmsRuleError("owner.unknown", field_name, uid, "no such owner in the registry"))
    return row


def licence_row(conn: sa.Connection, number: str, field_name: str = "licence") -> sa.RowMapping:
    row = conn.execute(sa.select(w.licence).where(w.licence.c.number == number)
                       ).mappings().first()
    if row is None:
        fail(ArmsRuleError("licence.unknown", field_name, number, "no licence with this number"))
    return row


def lifecycle(conn: sa.Connection, weapon_id: int) -> list[LifecycleEvent]:
    """The recorded history of one weapon, in recorded order, as the pure rules see it."""
    e = w.weapon_event
    rows = conn.execute(sa.select(e.c.id, e.c.event_type, e.c.occurred_on, e.c.details,
                                  e.c.corrects_event_id, e.c.incident_uid)
                        .where(e.c.weapon_id == weapon_id).order_by(e.c.id)).all()
    return [LifecycleEvent(EventType(r.event_type), r.occurred_on, id=r.id,
                           corrects=r.corrects_event_id, incident_uid=r.incident_uid,
                           details=dict(r.details or {})) for r in rows]


def plain(value: Any) -> Any:
    """JSON-ready value for the audit log."""
    return value.isoformat() if isinstance(value, dt.date) else value


def account_viewer(engine: sa.Engine, username: str) -> Viewer:
    """The viewer of an active account of this store (its role and area), for the CLI: commands
    act as a named person so permissions apply and the audit log names them."""
    u = t.app_user
    with engine.connect() as conn:
        row = conn.execute(sa.select(u, t.area.c.code.label("area_code"))
                           .select_from(u.outerjoin(t.area, t.area.c.id == u.c.area_id))
                           .where(u.c.username == username)).first()
    if row is None or not row.active:
        raise NotFound(f"no active account {username!r} in this store")
    return Viewer.for_role(row.username, row.role, user_id=row.id, area_id=row.area_id,
                           area_code=row.area_code, language=row.language)


audit = repo.audit
