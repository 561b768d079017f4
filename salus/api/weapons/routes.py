"""``/api/v1`` endpoints of the small-arms registry (issue 6): weapons (list, tolerant serial
search, one weapon with its history), lifecycle events, the audited registration check, owners
(``WEAPON_OWNERS``, audited), expiring licences, the export with owners pseudonymised, and
tracing requests and SDG 16.4.2.

Thin: each endpoint calls one use case; permissions, validation and auditing are theirs, and
their errors become RFC 9457 problems (:mod:`salus.api.errors`).
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from salus.api.deps import Cursor, Db, NumberedPage, PerPage, ViewerDep
from salus.api.schemas import ERRORS
from salus.api.weapons.schemas import (
    CheckOut,
    EventIn,
    ExpiringLicenceOut,
    OwnerDetailOut,
    RecordedOut,
    SdgOut,
    TraceOut,
    WeaponDetailOut,
    WeaponPageOut,
)
from salus.domain.accounts.roles import Permission
from salus.domain.weapons.registry import EventType
from salus.usecases.errors import PermissionDenied
from salus.usecases.paging import SeekRequest
from salus.usecases.weapons import check as weapons_check
from salus.usecases.weapons import export as weapons_export
from salus.usecases.weapons import history as weapons_history
from salus.usecases.weapons import lifecycle as weapons_lifecycle
from salus.usecases.weapons import links as weapons_links
from salus.usecases.weapons import owners as weapons_owners
from salus.usecases.weapons import records as weapons
from salus.usecases.weapons import sdg_16_4_2, tracing
from salus.usecases.weapons import search as weapon_search

router = APIRouter(tags=["weapons"], responses=ERRORS)


@router.get("/weapons", response_model=WeaponPageOut)
def list_weapons(viewer: ViewerDep, engine: Db, q: str | None = Query(None, max_length=100),
                 manufacturer: str | None = Query(None, max_length=100),
                 category: str | None = Query(None, max_length=30),
                 status: str | None = Query(None, max_length=20),
                 area: str | None = Query(None, max_length=64),
                 page: NumberedPage = None,
                 per_page: PerPage = 50,
                 cursor: Cursor = None,
                 ) -> dict[str, Any]:
    """Weapons in the caller's scope, newest first by keyset pages (``next`` / ``prev``
    cursors; ``page`` reaches the first 10,000; the total is exact up to 10,000, then an
    estimate or a lower bound, see ``total_kind``); with ``q``, the serial search
    (misreadings, ``?`` and ``*`` wildcards, one-edit neighbours), best matches first.
    Never any owner data."""
    if q and q.strip():
        found = weapon_search.search_weapons(engine, viewer, q, manufacturer, limit=per_page)
        hits = [dataclasses.asdict(h) for h in found.hits]
        return {"hits": hits, "query": found.query, "truncated": found.truncated,
                "total": len(hits), "page": 1, "per_page": per_page, "pages": 1}
    f = weapons.WeaponFilter(category, status, manufacturer, None, area)
    result = weapons.seek_weapons(engine, viewer, f, SeekRequest(per_page, cursor, page))
    return {"items": [dataclasses.asdict(w) for w in result.items],
            "total": result.total.count, "total_kind": result.total.kind,
            "page": result.page, "per_page": result.per_page, "pages": result.pages,
            "next": result.next, "prev": result.prev}


@router.get("/weapons/export", response_class=Response,
            responses={200: {"content": {"text/csv": {}}}})
def export(viewer: ViewerDep, engine: Db, area: str | None = Query(None, max_length=64)
           ) -> Response:
    """Every weapon in scope as CSV, owners replaced by keyed pseudonyms (HMAC-SHA256)."""
    text = weapons_export.export_csv(engine, viewer, area)
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": 'attachment; filename="weapons.csv"'})


@router.get("/weapons/check", response_model=CheckOut)
def check(viewer: ViewerDep, engine: Db, serial: str = Query(..., max_length=100),
          manufacturer: str | None = Query(None, max_length=100),
          reason: str | None = Query(None, max_length=300)) -> dict[str, Any]:
    """Is this weapon registered, and to whom? (``WEAPON_OWNERS``; every look-up audited)."""
    result = weapons_check.check_weapon(engine, viewer, serial, manufacturer=manufacturer,
                                        reason=reason)
    return dataclasses.asdict(result)


@router.get("/weapons/{uid}", response_model=WeaponDetailOut)
def weapon(uid: str, viewer: ViewerDep, engine: Db) -> dict[str, Any]:
    """One weapon: markings, status, every recorded event, holdings and linked incidents."""
    detail = weapons.get_weapon(engine, viewer, uid)
    story = weapons_history.history(engine, viewer, uid)
    return {"weapon": dataclasses.asdict(detail.weapon),
            "markings": [dataclasses.asdict(m) for m in detail.markings],
            "status": story.status, "events": [dataclasses.asdict(e) for e in story.events],
            "holdings": [dataclasses.asdict(h) for h in story.holdings],
            "incidents": weapons_links.weapon_incidents(engine, viewer, uid),
            "source_attributes": detail.source_attributes}


@router.post("/weapons/{uid}/events", response_model=RecordedOut, status_code=201)
def record_event(uid: str, body: EventIn, viewer: ViewerDep, engine: Db) -> dict[str, Any]:
    """Append a lifecycle event; 422 with every broken rule, and nothing written."""
    event = weapons_lifecycle.EventInput(
        EventType(body.event_type), body.occurred_on, body.area_code, body.place,
        body.case_reference, body.incident_uid, body.campaign, body.destruction_certificate,
        {"notes": body.notes} if body.notes else {})
    return dataclasses.asdict(weapons_lifecycle.record_event(engine, viewer, uid, event))


@router.get("/weapon-owners/{uid}", response_model=OwnerDetailOut)
def owner(uid: str, viewer: ViewerDep, engine: Db) -> dict[str, Any]:
    """An owner's personal data, licences and weapons (``WEAPON_OWNERS``; the read is
    audited)."""
    return dataclasses.asdict(weapons_owners.get_owner(engine, viewer, uid))


@router.get("/licences/expiring", response_model=list[ExpiringLicenceOut])
def expiring(viewer: ViewerDep, engine: Db,
             days: Annotated[int, Query(ge=0, le=3650)] = 60,
             area: str | None = Query(None, max_length=64)) -> list[dict[str, Any]]:
    """Active licences expiring within ``days``, soonest first (holders' names only for
    ``WEAPON_OWNERS``, that read audited)."""
    rows = weapons_owners.expiring_licences(engine, viewer, days, area)
    return [dataclasses.asdict(r) for r in rows]


@router.get("/tracing", response_model=list[TraceOut])
def trace_requests(viewer: ViewerDep, engine: Db, weapon: str | None = Query(None, max_length=36),
                   status: str | None = Query(None, max_length=20),
                   outcome: str | None = Query(None, max_length=16)) -> list[dict[str, Any]]:
    """Tracing requests, oldest first (holders' names for ``WEAPON_OWNERS``, audited)."""
    views = tracing.list_requests(engine, viewer, weapon=weapon, status=status, outcome=outcome)
    return [dataclasses.asdict(v) for v in views]


@router.get("/sdg-16-4-2", response_model=SdgOut,
            responses={200: {"content": {"text/csv": {}}}})
def sdg(viewer: ViewerDep, engine: Db, period: str = Query(..., max_length=30),
        area: str | None = Query(None, max_length=64), format: str = Query("json",
                                                                          pattern="^(json|csv)$")
        ) -> Any:
    """SDG 16.4.2 for ``period`` (``2024``, ``2024-Q1``, ``2023..2024``) and an area, by
    seized/found/surrendered and tracing outcome; ``format=csv`` gives the long table."""
    if not viewer.can(Permission.WEAPONS):
        raise PermissionDenied("16.4.2 of the registry needs the weapons permission")
    report = sdg_16_4_2.report_16_4_2(engine, viewer, period, area)
    if format == "csv":
        return Response(report.csv(), media_type="text/csv; charset=utf-8")
    r = report.result

    def share(p: Any) -> dict[str, Any]:
        return {"numerator": p.numerator, "denominator": p.denominator, "value": p.value}

    return {"period": report.period, "start": report.start, "end": report.end,
            "area_code": report.area_code, "total": share(r.total),
            "by_kind": {k: share(p) for k, p in r.by_kind.items()},
            "by_outcome": r.by_outcome,
            "cells": [{"recovery": k, "outcome": o, "arms": n} for (k, o), n in r.cells.items()]}
