"""``/api/v1`` early warning: alerts (list with filters and paging, read, move through the
workflow, assign, escalate), hot spots, space-time clusters and the tension index.

Reading needs ``read_records`` (not the public); moving, assigning and escalating an alert need
an analyst or an administrator (:mod:`salus.usecases.alerts.workflow`), as on the alert's page;
assigning, escalating and resolving notify the people concerned
(:mod:`salus.usecases.alerts.notify`). Everything follows the caller's area
scope (:mod:`salus.usecases.scope`): an alert outside it is a 404, and hot spots, clusters and
the tension index are computed on the caller's subtree alone. Errors are problem+json.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from salus.api import context as ctx
from salus.api.deps import Db, Page, PerPage, RowId, api_viewer
from salus.api.schemas import ERRORS, PageOut
from salus.domain.accounts.roles import Permission, Viewer
from salus.usecases.alerts import clusters as cluster_views
from salus.usecases.alerts import hotspots as hotspot_views
from salus.usecases.alerts import periods, tension
from salus.usecases.alerts import workflow as alerts
from salus.usecases.paging import PageRequest


def _reader(viewer: Annotated[Viewer, Depends(api_viewer)]) -> Viewer:
    return ctx.require_permission(viewer, Permission.READ_RECORDS)


Reader = Annotated[Viewer, Depends(_reader)]
router = APIRouter(tags=["early warning"], responses=ERRORS)
SHOWN = ("id", "status", "rule_name", "area_code", "area_name", "period_start", "period_end",
         "observed", "expected", "upper_bound", "score", "method", "assignee", "response")
Level = Annotated[int, Query(ge=0, le=20, description="admin level of the areas")]
Days = Annotated[int, Query(ge=1, le=hotspot_views.MAX_DAYS, description="window length")]


class AlertOut(BaseModel):
    """An alert as listed: which rule fired where and when, the figures, where it stands."""

    id: int
    status: str = Field(description="new, acknowledged, response_planned, resolved, dismissed")
    rule_name: str
    area_code: str
    area_name: str
    period_start: dt.date
    period_end: dt.date
    observed: float
    expected: float | None = Field(description="the count the method expected")
    upper_bound: float | None = Field(description="the threshold the count crossed")
    score: float | None
    method: str
    assignee: str | None
    response: str | None = Field(description="the response taken")


class AlertEventOut(BaseModel):
    """One move in an alert's history (an escalation keeps the status: note ``escalated…``)."""

    at: dt.datetime
    actor: str
    from_status: str | None
    to_status: str
    note: str | None


class AlertDetail(AlertOut):
    notes: str | None = Field(description="the notes, each with its UTC time")
    events: list[AlertEventOut]


class TransitionIn(BaseModel):
    status: str = Field(..., max_length=20, examples=["acknowledged"])
    note: str | None = Field(None, max_length=4000)
    response: str | None = Field(None, max_length=4000, description="the response taken")
    assignee: str | None = Field(None, max_length=100)


class AssignIn(BaseModel):
    assignee: str = Field(..., max_length=100, description="a username or an e-mail address; "
                          "empty to take the alert back", examples=["ana"])


class EscalateIn(BaseModel):
    note: str | None = Field(None, max_length=4000, description="why it is escalated")


def _alert(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row.get(k) for k in SHOWN}


def _detail(engine: Any, viewer: Viewer, alert_id: int) -> dict[str, Any]:
    alert = alerts.get_alert(engine, alert_id, viewer)
    out = _alert({**alert, "rule_name": alert["rule"]["name"],
                  "area_code": alert["area"]["code"], "area_name": alert["area"]["name"]})
    out["notes"] = alert["notes"]
    out["events"] = [{k: e[k] for k in ("at", "actor", "from_status", "to_status", "note")}
                     for e in alert["events"]]
    return out


@router.get("/alerts", response_model=PageOut[AlertOut])
def list_alerts(viewer: Reader, engine: Db,
                status: Annotated[str | None, Query(max_length=20, description=(
                    "open, new, acknowledged, response_planned, resolved or dismissed; "
                    "all when left out"))] = None,
                rule: Annotated[str | None, Query(max_length=200,
                                                  description="the rule's name")] = None,
                area: Annotated[str | None, Query(max_length=64, description=(
                    "an area code: alerts in it and in the areas below it"))] = None,
                since: Annotated[dt.date | None, Query(
                    description="periods starting on or after")] = None,
                until: Annotated[dt.date | None, Query(
                    description="periods starting on or before")] = None,
                page: Page = 1, per_page: PerPage = 50) -> dict[str, Any]:
    """Alerts of the caller's area scope, newest period first, a page at a time (422 for an
    unknown status)."""
    f = alerts.AlertFilter(status or None, rule or None, area or None, since, until)
    found = alerts.page_alerts(engine, viewer, f, PageRequest(page, per_page))
    return {"items": [_alert(r) for r in found.items], "total": found.total,
            "page": found.page, "per_page": found.per_page, "pages": found.pages}


@router.get("/alerts/{alert_id}", response_model=AlertDetail)
def get_alert(alert_id: RowId, viewer: Reader, engine: Db) -> dict[str, Any]:
    """One alert with its notes and history (404 outside the caller's area scope)."""
    return _detail(engine, viewer, alert_id)


@router.post("/alerts/{alert_id}/transition", response_model=AlertDetail)
def transition(alert_id: RowId, body: TransitionIn, viewer: Reader,
               engine: Db) -> dict[str, Any]:
    """Move an alert (acknowledged, response_planned, resolved, dismissed); 409 when the
    workflow does not allow the move, 404 outside the caller's area scope, 403 for a role
    that does not manage alerts. A new assignee is told; resolving tells the rule's creator,
    the assignee and the rule's recipients."""
    alerts.transition(engine, alert_id, body.status, viewer, body.note,
                      response=body.response, assignee=body.assignee)
    return _detail(engine, viewer, alert_id)


@router.post("/alerts/{alert_id}/assign", response_model=AlertDetail)
def assign(alert_id: RowId, body: AssignIn, viewer: Reader, engine: Db) -> dict[str, Any]:
    """Give an alert to someone (status unchanged); they are told once."""
    alerts.assign(engine, alert_id, body.assignee.strip(), viewer)
    return _detail(engine, viewer, alert_id)


@router.post("/alerts/{alert_id}/escalate", response_model=AlertDetail)
def escalate(alert_id: RowId, body: EscalateIn, viewer: Reader, engine: Db) -> dict[str, Any]:
    """Escalate an open alert to the administrators of its area (409 once closed)."""
    alerts.escalate(engine, alert_id, viewer, (body.note or "").strip() or None)
    return _detail(engine, viewer, alert_id)


@router.get("/hotspots")
def hotspots(viewer: Reader, engine: Db, level: Level = 1, days: Days = 365,
             end: dt.date | None = None) -> dict[str, Any]:
    """Getis-Ord Gi* per area of ``level`` over ``days`` days ending on ``end`` (default: the
    latest incident in the viewer's scope, ``anchored`` true): ``values`` maps an area code to
    its count, z, p, q and class (hot, cold, none)."""
    latest = None if end else periods.latest_incident(engine, viewer)
    first, last = hotspot_views.window(days, end or latest or dt.date.today())
    return {"level": level, "first": first, "last": last, "anchored": latest is not None,
            "values": hotspot_views.hotspots(engine, viewer, level, first, last)}


@router.get("/clusters")
def clusters(viewer: Reader, engine: Db, level: Level = 1, days: Days = 365,
             offence: Annotated[str | None, Query(max_length=10, pattern="^[0-9A-Za-z]*$",
                                                  description="ICCS code prefix")] = None,
             replicates: Annotated[int, Query(ge=0, le=999)] = cluster_views.REPLICATES,
             ) -> dict[str, Any]:
    """Kulldorff's prospective space-time permutation scan over the last ``days`` days."""
    view = cluster_views.clusters(engine, viewer, level, days, offence or None, replicates)
    return asdict(view)


@router.get("/tension")
def tension_index(viewer: Reader, engine: Db,
                  area: Annotated[str | None, Query(max_length=64,
                                                    description="one locality")] = None,
                  ) -> list[dict[str, Any]]:
    """The tension index per locality and period, with trend, usual mean and bound."""
    return [{**asdict(p), "alarm": p.alarm} for p in tension.index(engine, viewer, area)]
