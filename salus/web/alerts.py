"""Early-warning pages: the alerts inbox, one alert with its series, tension reports and index.

Reading needs ``read_records`` (not the public); moving alerts needs an analyst or admin
(enforced by :mod:`salus.usecases.alerts.workflow`); tension reports come from community monitors,
analysts and admins (:mod:`salus.usecases.alerts.tension`). Every page follows the viewer's area
scope: alerts, hot spots, clusters and the tension index of the viewer's subtree only.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from salus.api import context as ctx
from salus.api.csrf import verify_csrf
from salus.api.deps import RowId
from salus.domain.accounts.roles import Permission, Viewer
from salus.storage.alerts import TENSION_THEMES
from salus.usecases.alerts import clusters, periods, tension
from salus.usecases.alerts import hotspots as hotspot_views
from salus.usecases.alerts import views as alert_views
from salus.usecases.alerts import workflow as alerts
from salus.usecases.citizen_reports import network
from salus.usecases.errors import UseCaseError, ValidationFailed
from salus.web.pages import needs
from salus.web.templating import render

router = APIRouter(include_in_schema=False)
Reader = Annotated[Viewer, Depends(needs(Permission.READ_RECORDS))]
Level = Annotated[int, Query(ge=0, le=20)]
Days = Annotated[int, Query(ge=1, le=hotspot_views.MAX_DAYS)]
Replicates = Annotated[int, Query(ge=0, le=9999)]


@router.get("/alerts")
def inbox(request: Request, viewer: Reader, status: str = "open") -> Response:
    rows = alerts.list_alerts(ctx.engine(request), viewer, status if status != "all" else None)
    return render(request, "alerts/inbox.html", alerts=rows, status=status,
                  statuses=["open", "all", *alerts.STATUSES],
                  can_manage=alerts.can_manage(viewer))


@router.get("/hotspots")
def hotspot_map(request: Request, viewer: Reader, level: Level = 1, days: Days = 365,
                end: dt.date | None = None) -> Response:
    latest = None if end else periods.latest_incident(ctx.engine(request), viewer)
    first, last = hotspot_views.window(days, end or latest or dt.date.today())
    values = hotspot_views.hotspots(ctx.engine(request), viewer, level, first, last)
    return render(request, "alerts/hotspots.html", values=values, level=level, days=days,
                  first=first, last=last, end=end, anchored=latest is not None)


@router.get("/clusters")
def cluster_map(request: Request, viewer: Reader, level: Level = 1, days: Days = 365,
                offence: str = "", replicates: Replicates = clusters.REPLICATES) -> Response:
    offence = "".join(ch for ch in offence if ch.isalnum())[:10]
    replicates = 999 if replicates >= 999 else clusters.REPLICATES
    view = clusters.clusters(ctx.engine(request), viewer, level, days, offence or None,
                             replicates)
    return render(request, "alerts/clusters.html", view=view, level=level, days=days,
                  offence=offence, replicates=replicates)


def _alert_page(request: Request, viewer: Viewer, alert_id: RowId, status: int = 200,
                error: UseCaseError | None = None) -> Response:
    engine = ctx.engine(request)
    alert = alerts.get_alert(engine, alert_id, viewer)
    return render(request, "alerts/alert.html", status_code=status, alert=alert, error=error,
                  moves=sorted(alerts.TRANSITIONS[alert["status"]]),
                  series=alert_views.series(engine, alert),
                  can_manage=alerts.can_manage(viewer),
                  can_broadcast=network.can_broadcast(viewer),
                  deliveries=network.deliveries(engine, viewer, alert_id)
                  if network.can_manage(viewer) else [])


@router.get("/alerts/{alert_id}")
def alert_page(request: Request, viewer: Reader, alert_id: RowId) -> Response:
    return _alert_page(request, viewer, alert_id)


@router.post("/alerts/{alert_id}/transition", dependencies=[Depends(verify_csrf)])
def move(request: Request, viewer: Reader, alert_id: RowId, status: Annotated[str, Form()],
         note: Annotated[str, Form()] = "", response: Annotated[str, Form()] = "",
         assignee: Annotated[str, Form()] = "") -> Response:
    try:
        alerts.transition(ctx.engine(request), alert_id, status, viewer, note.strip() or None,
                          response=response.strip() or None,
                          assignee=assignee.strip() or None)
    except ValidationFailed as exc:
        return _alert_page(request, viewer, alert_id, 422, exc)
    return RedirectResponse(f"/alerts/{alert_id}", status_code=303)


@router.post("/alerts/{alert_id}/broadcast", dependencies=[Depends(verify_csrf)])
def broadcast(request: Request, viewer: Reader, alert_id: RowId,
              note: Annotated[str, Form()] = "") -> Response:
    """Queue the alert's message to the safety-network members of its area (issue 13)."""
    network.broadcast(ctx.engine(request), viewer, alert_id, note)
    return RedirectResponse(f"/alerts/{alert_id}#broadcast", status_code=303)


@router.post("/alerts/{alert_id}/escalate", dependencies=[Depends(verify_csrf)])
def escalate(request: Request, viewer: Reader, alert_id: RowId,
             note: Annotated[str, Form(max_length=4000)] = "") -> Response:
    """Escalate an open alert to its area's administrators, who are told (issue 13)."""
    alerts.escalate(ctx.engine(request), alert_id, viewer, note.strip() or None)
    return RedirectResponse(f"/alerts/{alert_id}", status_code=303)


@router.post("/alerts/{alert_id}/assign", dependencies=[Depends(verify_csrf)])
def assign(request: Request, viewer: Reader, alert_id: RowId,
           assignee: Annotated[str, Form()] = "") -> Response:
    alerts.assign(ctx.engine(request), alert_id, assignee.strip(), viewer)
    return RedirectResponse(f"/alerts/{alert_id}", status_code=303)


def _tension_page(request: Request, viewer: Viewer, status: int = 200,
                  **extra: object) -> Response:
    context: dict[str, object] = {
        "points": list(reversed(tension.index(ctx.engine(request), viewer))),
        "themes": TENSION_THEMES,
        "can_report": viewer.role in tension.REPORTERS, "error": None, "saved": None,
        "today": dt.date.today().replace(day=1).isoformat()}
    context.update(extra)
    return render(request, "alerts/tension.html", status_code=status, **context)


@router.get("/tension")
def tension_page(request: Request, viewer: Reader) -> Response:
    return _tension_page(request, viewer)


@router.post("/tension", dependencies=[Depends(verify_csrf)])
async def submit_report(request: Request, viewer: Reader) -> Response:
    form = await request.form()
    try:
        scores = {k: int(str(form.get(k, "0"))) for k in TENSION_THEMES}
        period = dt.date.fromisoformat(str(form.get("period", "")))
        tension.submit(ctx.engine(request), viewer, str(form.get("area", "")).strip(), period,
                       scores, str(form.get("narrative", "")).strip() or None)
    except ValueError:
        error = ValidationFailed([{"field": "period", "code": "invalid", "message": "a date"}])
        return _tension_page(request, viewer, 422, error=error)
    except ValidationFailed as exc:
        return _tension_page(request, viewer, 422, error=exc)
    return _tension_page(request, viewer, saved=str(form.get("area")))
