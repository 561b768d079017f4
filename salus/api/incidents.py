"""``/api/v1/incidents`` and ``/api/v1/persons``: list, filter, search, export, read, write."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import asdict
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from salus.api.deps import Cursor, Db, NumberedPage, PerPage, ViewerDep
from salus.api.schemas import (
    ERRORS,
    AuditEventOut,
    CursorPageOut,
    IncidentIn,
    IncidentOut,
    IncidentSummary,
    Saved,
)
from salus.usecases.incidents import detail as incidents
from salus.usecases.incidents import export as incident_export
from salus.usecases.incidents import persons
from salus.usecases.incidents import write as incident_write
from salus.usecases.incidents.query import IncidentFilter, seek_incidents
from salus.usecases.paging import CursorPage, SeekRequest

router = APIRouter(tags=["incidents"], responses=ERRORS)
Sort = Literal["date", "-date", "area", "-area", "offence", "-offence", "victims", "-victims",
               "updated", "-updated"]


def incident_filter(date_from: dt.date | None = None, date_to: dt.date | None = None,
                    area: str | None = Query(None, max_length=64),
                    iccs: str | None = Query(None, max_length=8,
                                         description="ICCS or police-action code prefix"),
                    iccs_context: str | None = Query(None, max_length=40),
                    misuse_context: str | None = Query(None, max_length=40),
                    weapon: str | None = Query(None, max_length=30),
                    sensitivity: str | None = Query(None, max_length=16),
                    q: str | None = Query(None, max_length=200,
                                          description="search the narratives"),
                    sort: Sort = "-date",
                    place_type: str | None = Query(None, max_length=40,
                                                   description="location_type code"),
                    record_type: Literal["crime", "police_action", "misdemeanour"] | None = None,
                    ) -> IncidentFilter:
    return IncidentFilter(date_from, date_to, area, iccs, iccs_context, misuse_context, weapon,
                          sensitivity, q, sort, place_type=place_type, record_type=record_type)


Filter = Annotated[IncidentFilter, Depends(incident_filter)]


@router.get("/incidents", response_model=CursorPageOut[IncidentSummary])
def list_(request: Request, viewer: ViewerDep, engine: Db, f: Filter,
          page: NumberedPage = None,
          per_page: PerPage = 50,
          cursor: Cursor = None,
          ) -> dict[str, object]:
    """Incidents in the caller's area scope (no person identities; GBV narratives masked), by
    keyset pages: follow ``next_url`` / ``prev_url``. ``page`` still works for the first
    10,000 rows (400 beyond); a bad cursor is a 400 naming it. The total is exact up to
    10,000, then an estimate (PostgreSQL) or a lower bound (SQLite)."""
    result = seek_incidents(engine, viewer, f, SeekRequest(per_page, cursor, page))
    return _cursor_body(request, result, [asdict(r) for r in result.items])


def _cursor_body(request: Request, result: CursorPage[Any], items: list[Any]
                 ) -> dict[str, object]:
    """A :class:`~salus.api.schemas.CursorPageOut` body, the next/prev URLs keeping the
    request's other parameters."""
    def url(token: str | None) -> str | None:
        if token is None:
            return None
        params = [(k, v) for k, v in request.query_params.multi_items()
                  if k not in ("cursor", "page")]
        return f"{request.url.path}?{urlencode([*params, ('cursor', token)])}"

    return {"items": items, "total": result.total.count,
            "total_kind": result.total.kind, "page": result.page,
            "per_page": result.per_page, "pages": result.pages, "next": result.next,
            "prev": result.prev, "next_url": url(result.next), "prev_url": url(result.prev)}


@router.get("/incidents/export", response_class=StreamingResponse,
            responses={200: {"content": {"text/csv": {}, "application/geo+json": {}}}})
def export(viewer: ViewerDep, engine: Db, f: Filter,
           format: Literal["csv", "geojson", "hxl"] = "csv") -> StreamingResponse:
    """Every matching incident as CSV, GeoJSON or HXL-tagged CSV."""
    chunks = incident_export.export_incidents(engine, viewer, f, format)
    first = next(chunks)
    name = f"incidents.{'geojson' if format == 'geojson' else 'csv'}"

    def stream() -> Iterator[str]:
        yield first
        yield from chunks

    return StreamingResponse(stream(), media_type=incident_export.FORMATS[format],
                             headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.post("/incidents", response_model=Saved, status_code=201)
def create(body: IncidentIn, viewer: ViewerDep, engine: Db) -> Saved:
    """Validate and store an incident (422 problem with every field error)."""
    data = body.model_dump(mode="json")
    uid, warnings = incident_write.create_incident(engine, viewer, data)
    return Saved(uid=uid, warnings=warnings)


@router.get("/incidents/{uid}", response_model=IncidentOut)
def detail(uid: str, viewer: ViewerDep, engine: Db) -> dict[str, object]:
    """One incident; identifying fields only for roles granted them (the read is audited)."""
    return asdict(incidents.get_incident(engine, viewer, uid))


@router.put("/incidents/{uid}", response_model=Saved)
def update(uid: str, body: IncidentIn, viewer: ViewerDep, engine: Db) -> Saved:
    warnings = incident_write.update_incident(engine, viewer, uid, body.model_dump(mode="json"))
    return Saved(uid=uid, warnings=warnings)


@router.get("/incidents/{uid}/history", response_model=list[AuditEventOut])
def record_history(uid: str, viewer: ViewerDep, engine: Db) -> list[dict[str, object]]:
    """Every change to the record (before/after), masked like the record."""
    return [asdict(e) for e in incidents.history(engine, viewer, uid)]


@router.get("/persons", response_model=CursorPageOut[dict[str, object]])
def list_persons(request: Request, viewer: ViewerDep, engine: Db,
                 role: str | None = Query(None, max_length=12),
                 sex: str | None = Query(None, max_length=8),
                 outcome: str | None = Query(None, max_length=10),
                 incident: str | None = Query(None, max_length=36),
                 area: str | None = Query(None, max_length=64),
                 page: NumberedPage = None,
                 per_page: PerPage = 50,
                 cursor: Cursor = None,
                 ) -> dict[str, object]:
    """Victims, perpetrators and witnesses in the caller's scope, identities masked per role,
    by keyset pages (``next_url`` / ``prev_url``; ``page`` reaches the first 10,000) with a
    capped total (``total_kind``)."""
    f = persons.PersonFilter(role, sex, outcome, incident, area)
    result = persons.seek_persons(engine, viewer, f, SeekRequest(per_page, cursor, page))
    return _cursor_body(request, result, result.items)
