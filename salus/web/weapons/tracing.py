"""Tracing requests (list, new request form) and the SDG 16.4.2 report page with its CSV.

``WEAPONS`` reads; ``EDIT_WEAPONS`` records requests (:mod:`salus.usecases.weapons.tracing` checks
them: national records first, outcome and point of diversion consistent, dates after the
recovery). 16.4.2 is computed by :mod:`salus.usecases.weapons.sdg_16_4_2`.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from salus.api import context as ctx
from salus.api.csrf import verify_csrf
from salus.domain.accounts.roles import Permission, Viewer
from salus.domain.weapons import tracing as tr
from salus.i18n import N_
from salus.usecases.errors import ValidationFailed
from salus.usecases.weapons import sdg_16_4_2, tracing
from salus.web.forms import Field, Finding, FormReader, place_errors
from salus.web.pages import needs
from salus.web.templating import render
from salus.web.weapons.labels import wlabel

router = APIRouter(include_in_schema=False)
Reader = Annotated[Viewer, Depends(needs(Permission.WEAPONS))]
Editor = Annotated[Viewer, Depends(needs(Permission.EDIT_WEAPONS))]
SHOWN = 300
FIELDS = ("weapon", "requested_to", "recipient", "status", "sent_on", "notes")


def _fields() -> list[Field]:
    """The new request form (on the list page)."""
    return [Field("weapon", N_("Weapon id")),
            Field("requested_to", N_("Requested to"), "select",
                  [(r, wlabel("requested_to", r)) for r in tr.REQUESTED_TO]),
            Field("recipient", N_("Recipient")),
            Field("status", N_("Status"), "select",
                  [(s, wlabel("trace_status", s)) for s in ("draft", "sent")]),
            Field("sent_on", N_("Sent"), "date"),
            Field("notes", N_("Notes"), attrs={"size": "30"})]


def _page(request: Request, viewer: Viewer, status: str = "", outcome: str = "",
          values: dict[str, Any] | None = None, errors: list[Finding] | None = None) -> Response:
    rows = tracing.list_requests(ctx.engine(request), viewer, status=status or None,
                                 outcome=outcome or None)
    values = values or {"status": "sent", "requested_to": "national_records",
                        "sent_on": dt.date.today().isoformat()}
    fields = _fields()
    beside, general = place_errors(errors or [], {f.name for f in fields})
    return render(request, "weapons/tracing.html", status_code=422 if errors else 200,
                  rows=rows[-SHOWN:][::-1], total=len(rows), status=status, outcome=outcome,
                  fields=fields, values=values, errors=beside, general=general,
                  refused=bool(errors), statuses=tr.STATUSES, outcomes=tr.OUTCOMES,
                  wlabel=wlabel)


@router.get("/weapons/tracing")
def tracing_page(request: Request, viewer: Reader, status: str = "",
                 outcome: str = "") -> Response:
    status = status if status in tr.STATUSES else ""
    outcome = outcome if outcome in tr.OUTCOMES else ""
    return _page(request, viewer, status, outcome)


@router.post("/weapons/tracing", dependencies=[Depends(verify_csrf)])
async def new_request(request: Request, viewer: Editor) -> Response:
    r = FormReader(await request.form(), FIELDS, max_length=300)
    try:
        sent = r.date("sent_on", required=False)
        r.done()
        view = tracing.create_request(ctx.engine(request), viewer, tracing.TraceInput(
            r.text("weapon"), r.text("requested_to"), recipient=r.optional("recipient"),
            status=r.text("status") or "draft", sent_on=sent, notes=r.optional("notes")))
    except ValidationFailed as exc:
        return _page(request, viewer, values=r.values, errors=exc.errors)
    return RedirectResponse(f"/weapons/tracing?saved={view.reference}", status_code=303)


@router.get("/weapons/sdg-16-4-2")
def sdg_page(request: Request, viewer: Reader, period: str = "", area: str = "",
             format: str = "html") -> Response:
    """16.4.2 for a period and area, by seized/found/surrendered and tracing outcome."""
    period = period.strip()[:30]
    latest = None if period else sdg_16_4_2.default_period(ctx.engine(request), viewer)
    period = period or latest or str(dt.date.today().year - 1)
    area = area.strip()[:64]
    try:
        report = sdg_16_4_2.report_16_4_2(ctx.engine(request), viewer, period, area or None)
    except ValidationFailed as exc:
        return render(request, "weapons/sdg.html", status_code=422, report=None, error=exc,
                      period=period, area=area, wlabel=wlabel)
    if format == "csv":
        return _csv(report.csv(), f"sdg-16-4-2-{report.period}.csv")
    return render(request, "weapons/sdg.html", report=report, error=None, period=period,
                  area=area, wlabel=wlabel, anchored=latest is not None)


def _csv(text: str, name: str) -> Response:
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
