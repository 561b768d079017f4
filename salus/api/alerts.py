"""``/api/v1`` early warning: alerts (read, move through the workflow), hot spots, space-time
clusters and the tension index.

Reading needs ``read_records`` (not the public); moving an alert needs an analyst or an
administrator (:mod:`salus.usecases.alerts.workflow`). Everything follows the caller's area
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
from salus.api.deps import Db, RowId, api_viewer
from salus.api.schemas import ERRORS
from salus.domain.accounts.roles import Permission, Viewer
from salus.usecases.alerts import clusters as cluster_views
from salus.usecases.alerts import hotspots as hotspot_views
from salus.usecases.alerts import periods, tension
from salus.usecases.alerts import workflow as alerts


def _reader(viewer: Annotated[Viewer, Depends(api_viewer)]) -> Viewer:
    return ctx.require_permission(viewer, Permission.READ_RECORDS)


Reader = Annotated[Viewer, Depends(_reader)]
router = APIRouter(tags=["early warning"], responses=ERRORS)
SHOWN = ("id", "status", "rule_name", "area_code", "area_name", "period_start", "period_end",
         "observed", "expected", "upper_bound", "score", "method", "assignee", "response")
Level = Annotated[int, Query(ge=0, le=20, description="admin level of the areas")]
Days = Annotated[int, Query(ge=1, le=hotspot_views.MAX_DAYS, description="window length")]


class TransitionIn(BaseModel):
    status: str = Field(..., max_length=20, examples=["acknowledged"])
    note: str | None = Field(None, max_length=4000)
    response: str | None = Field(None, max_length=4000, description="the response taken")
    assignee: str | None = Field(None, max_length=100)


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


@router.get("/alerts")
def list_alerts(viewer: Reader, engine: Db,
                status: Annotated[str | None, Query(max_length=20, description=(
                    "open, new, acknowledged, response_planned, resolved or dismissed; "
                    "all when left out"))] = None,
                limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[dict[str, Any]]:
    """Alerts of the caller's area scope, newest period first."""
    return [_alert(r) for r in alerts.list_alerts(engine, viewer, status, limit)]


@router.get("/alerts/{alert_id}")
def get_alert(alert_id: RowId, viewer: Reader, engine: Db) -> dict[str, Any]:
    """One alert with its history (404 outside the caller's area scope)."""
    return _detail(engine, viewer, alert_id)


@router.post("/alerts/{alert_id}/transition")
def transition(alert_id: RowId, body: TransitionIn, viewer: Reader,
               engine: Db) -> dict[str, Any]:
    """Move an alert (acknowledged, response_planned, resolved, dismissed); 409 when the
    workflow does not allow the move, 404 outside the caller's area scope."""
    alerts.transition(engine, alert_id, body.status, viewer, body.note,
                      response=body.response, assignee=body.assignee)
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
