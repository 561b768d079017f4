"""Reading the append-only audit log (administrators only; nothing here writes or deletes)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from salus.domain.accounts.roles import Permission, Viewer
from salus.storage import schema as t
from salus.usecases.errors import require
from salus.usecases.paging import (
    CursorPage,
    Page,
    PageRequest,
    SeekRequest,
    count_capped,
    seek_by_id,
)


@dataclass(frozen=True, slots=True)
class AuditEvent:
    id: int
    at: dt.datetime
    actor: str
    action: str
    entity: str
    entity_id: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class AuditFilter:
    actor: str | None = None
    action: str | None = None
    entity: str | None = None
    entity_id: str | None = None


def _where(f: AuditFilter) -> list[sa.ColumnElement[bool]]:
    a = t.audit_event
    conditions = []
    for column, value in ((a.c.actor, f.actor), (a.c.action, f.action),
                          (a.c.entity, f.entity), (a.c.entity_id, f.entity_id)):
        if value:
            conditions.append(column == value)
    return conditions


def list_events(engine: sa.Engine, viewer: Viewer, f: AuditFilter,
                paging: PageRequest | None = None) -> Page[AuditEvent]:
    """Newest first; administrators only."""
    paging = paging or PageRequest()
    require(viewer.can(Permission.AUDIT), "only administrators read the audit log")
    a = t.audit_event
    where = _where(f)
    with engine.connect() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(a).where(*where)).scalar_one()
        rows = conn.execute(sa.select(a).where(*where).order_by(a.c.id.desc())
                            .limit(paging.per_page).offset(paging.offset)).all()
    return Page([AuditEvent(**r._mapping) for r in rows], total, paging.page, paging.per_page)


def record_history(engine: sa.Engine, entity: str, entity_id: str) -> list[AuditEvent]:
    """Every event about one record, oldest first (the caller checks the viewer may see it)."""
    a = t.audit_event
    with engine.connect() as conn:
        rows = conn.execute(sa.select(a).where(a.c.entity == entity, a.c.entity_id == entity_id)
                            .order_by(a.c.id)).all()
    return [AuditEvent(**r._mapping) for r in rows]


def seek_events(engine: sa.Engine, viewer: Viewer, f: AuditFilter,
                request: SeekRequest | None = None) -> CursorPage[AuditEvent]:
    """:func:`list_events` by keyset pages (issue 11: the log grows with every read of an
    owner and every sign-in): newest first by id, cursors to the next and previous pages
    (:func:`~salus.usecases.paging.seek_by_id`), the total exact up to
    :data:`~salus.usecases.paging.COUNT_CAP`, then estimated or "more than"
    (:func:`~salus.usecases.paging.count_capped`). The filters are read through the indexes
    ``(actor, id)`` and ``(entity, entity_id, id)`` (migration 0021)."""
    require(viewer.can(Permission.AUDIT), "only administrators read the audit log")
    request = request or SeekRequest(100)
    a = t.audit_event
    where = _where(f)
    with engine.connect() as conn:
        total = count_capped(conn, sa.select(a.c.id).where(*where))
        rows, next_, prev = seek_by_id(conn, sa.select(a).where(*where), a.c.id, request,
                                       "audit")
    return CursorPage([AuditEvent(**r._mapping) for r in rows], total, request.per_page,
                      next_, prev, None if request.cursor else (request.page or 1))
