"""Area scope: a viewer bound to an area sees and edits only records in its subtree."""

from __future__ import annotations

import sqlalchemy as sa

from salus.domain.accounts.roles import Viewer
from salus.storage import schema as t


def subtree(area_id: int) -> sa.Select[tuple[int]]:
    """Ids of the area and every area below it (closure table)."""
    return sa.select(t.area_ancestor.c.area_id).where(t.area_ancestor.c.ancestor_id == area_id)


def area_condition(column: sa.ColumnElement[int], viewer: Viewer) -> list[sa.ColumnElement[bool]]:
    """``column`` (an area id) restricted to the viewer's subtree; nothing when unbound."""
    if viewer.area_id is None:
        return []
    return [column.in_(subtree(viewer.area_id))]


def area_in_scope(conn: sa.Connection, viewer: Viewer, area_id: int) -> bool:
    if viewer.area_id is None:
        return True
    q = sa.select(sa.literal(1)).where(t.area_ancestor.c.area_id == area_id,
                                       t.area_ancestor.c.ancestor_id == viewer.area_id)
    return conn.execute(q).first() is not None


def area_id_of(conn: sa.Connection, code: str) -> int | None:
    found = conn.execute(sa.select(t.area.c.id).where(t.area.c.code == code)).scalar()
    return None if found is None else int(found)
