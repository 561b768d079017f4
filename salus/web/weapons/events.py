"""Recording a lifecycle event of a weapon (seized, found, surrendered, stored, destroyed…).

``EDIT_WEAPONS`` only. The use case (:func:`salus.usecases.weapons.lifecycle.record_event`)
checks the event against the weapon's history; a refusal comes back as messages beside the
fields, and nothing is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from salus import i18n
from salus.api import context as ctx
from salus.api.csrf import verify_csrf
from salus.domain.accounts.roles import Permission, Viewer
from salus.domain.weapons.registry import EventType
from salus.i18n import N_
from salus.usecases.weapons import history as weapons_history
from salus.usecases.weapons import lifecycle as weapons_lifecycle
from salus.usecases.weapons import records as weapons
from salus.web.forms import Field, Finding, FormReader, Values, render_form, submit
from salus.web.pages import needs
from salus.web.weapons.labels import wlabel

router = APIRouter(include_in_schema=False)
Editor = Annotated[Viewer, Depends(needs(Permission.EDIT_WEAPONS))]
KINDS = tuple(k.value for k in EventType
              if k not in (EventType.REGISTERED, EventType.TRANSFERRED, EventType.CORRECTION))
"""Events this form records (registrations and transfers need an owner and a licence)."""
FIELDS = ("event_type", "occurred_on", "area_code", "place", "case_reference", "incident_uid",
          "campaign", "destruction_certificate", "notes")
MAX_TEXT = 300



def event_input(r: FormReader) -> weapons_lifecycle.EventInput:
    """The use case's input; ValidationFailed for unreadable fields."""
    kind = r.choice("event_type", KINDS)
    occurred = r.date("occurred_on")
    r.done()
    assert kind is not None and occurred is not None
    notes = r.optional("notes")
    return weapons_lifecycle.EventInput(
        EventType(kind), occurred, r.optional("area_code"), r.optional("place"),
        r.optional("case_reference"), r.optional("incident_uid"), r.optional("campaign"),
        r.optional("destruction_certificate"), {"notes": notes} if notes else {})


def _fields() -> list[Field]:
    return [Field("event_type", N_("Event"), "select", [(k, wlabel("event", k)) for k in KINDS]),
            Field("occurred_on", N_("Date"), "date"),
            Field("area_code", N_("Area code"), attrs={"size": "10"}),
            Field("place", N_("Place")), Field("incident_uid", N_("Incident id")),
            Field("case_reference", N_("Case reference")),
            Field("campaign", N_("Collection campaign")),
            Field("destruction_certificate", N_("Destruction certificate")),
            Field("notes", N_("Notes"), "textarea")]


def _form(request: Request, viewer: Viewer, uid: str, values: Values,
          errors: Sequence[Finding] = ()) -> Response:
    engine = ctx.engine(request)
    w = weapons.get_weapon(engine, viewer, uid).weapon
    status = weapons_history.history(engine, viewer, uid).status
    now = wlabel("status", status) if status else i18n.gettext("No history yet")
    subject = (f"{w.manufacturer or ''} {w.model or ''} · {w.serial_number or '—'} · "
               f"{i18n.gettext('Status now')}: {now}")
    return render_form(request, N_("Record an event"), f"/weapons/{uid}/events/new", _fields(),
                       values, errors, back=f"/weapons/{uid}",
                       back_label=N_("Back to the weapon"), subject=subject,
                       submit_label=N_("Record"), nav="weapons/_nav.html")


@router.get("/weapons/{uid}/events/new")
def new_event(request: Request, viewer: Editor, uid: str) -> Response:
    return _form(request, viewer, uid, {"occurred_on": dt.date.today().isoformat()})


@router.post("/weapons/{uid}/events/new", dependencies=[Depends(verify_csrf)])
async def record(request: Request, viewer: Editor, uid: str) -> Response:
    r = FormReader(await request.form(), FIELDS, max_length=MAX_TEXT)

    def write() -> str:
        weapons_lifecycle.record_event(ctx.engine(request), viewer, uid, event_input(r))
        return f"/weapons/{uid}?saved=1"

    return submit(write, lambda errors: _form(request, viewer, uid, r.values, errors))
