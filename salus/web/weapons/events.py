"""Recording a lifecycle event of a weapon (seized, found, surrendered, stored, destroyed…).

``EDIT_WEAPONS`` only. The use case (:func:`salus.usecases.weapons.lifecycle.record_event`)
checks the event against the weapon's history; a refusal comes back as messages beside the
fields, and nothing is written.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from salus.api import context as ctx
from salus.api.csrf import verify_csrf
from salus.domain.accounts.roles import Permission, Viewer
from salus.domain.weapons.registry import EventType
from salus.usecases.errors import ValidationFailed
from salus.usecases.weapons import history as weapons_history
from salus.usecases.weapons import lifecycle as weapons_lifecycle
from salus.usecases.weapons import records as weapons
from salus.web.forms import errors_by_field
from salus.web.pages import needs
from salus.web.templating import render
from salus.web.weapons.labels import wlabel

router = APIRouter(include_in_schema=False)
Editor = Annotated[Viewer, Depends(needs(Permission.EDIT_WEAPONS))]
KINDS = tuple(k.value for k in EventType
              if k not in (EventType.REGISTERED, EventType.TRANSFERRED, EventType.CORRECTION))
"""Events this form records (registrations and transfers need an owner and a licence)."""
FIELDS = ("event_type", "occurred_on", "area_code", "place", "case_reference", "incident_uid",
          "campaign", "destruction_certificate", "notes")


def _n(message: str) -> str:
    return message


BAD_DATE = _n("Give the date as YYYY-MM-DD.")
BAD_KIND = _n("Choose one of the listed events.")


def event_input(form: FormData) -> tuple[dict[str, str], weapons_lifecycle.EventInput]:
    """The form's values and the use case's input; ValidationFailed for unreadable fields."""
    values = {k: str(form.get(k) or "").strip()[:300] for k in FIELDS}
    errors: list[dict[str, Any]] = []
    if values["event_type"] not in KINDS:
        errors.append({"field": "event_type", "code": "invalid", "message": BAD_KIND})
    try:
        occurred = dt.date.fromisoformat(values["occurred_on"])
    except ValueError:
        errors.append({"field": "occurred_on", "code": "invalid", "message": BAD_DATE})
    if errors:
        raise ValidationFailed(errors)
    details = {"notes": values["notes"]} if values["notes"] else {}
    return values, weapons_lifecycle.EventInput(
        EventType(values["event_type"]), occurred, values["area_code"] or None,
        values["place"] or None, values["case_reference"] or None,
        values["incident_uid"] or None, values["campaign"] or None,
        values["destruction_certificate"] or None, details)


def _form(request: Request, viewer: Viewer, uid: str, values: dict[str, str],
          errors: list[dict[str, Any]], status: int = 200) -> Response:
    engine = ctx.engine(request)
    detail = weapons.get_weapon(engine, viewer, uid)
    story = weapons_history.history(engine, viewer, uid)
    return render(request, "weapons/event_form.html", status_code=status, w=detail.weapon,
                  status=story.status, values=values, errors=errors_by_field(errors),
                  all_errors=errors, kinds=KINDS, wlabel=wlabel)


@router.get("/weapons/{uid}/events/new")
def new_event(request: Request, viewer: Editor, uid: str) -> Response:
    values = dict.fromkeys(FIELDS, "") | {"occurred_on": dt.date.today().isoformat()}
    return _form(request, viewer, uid, values, [])


@router.post("/weapons/{uid}/events/new", dependencies=[Depends(verify_csrf)])
async def record(request: Request, viewer: Editor, uid: str) -> Response:
    form = await request.form()
    values = {k: str(form.get(k) or "").strip()[:300] for k in FIELDS}
    try:
        values, event = event_input(form)
        weapons_lifecycle.record_event(ctx.engine(request), viewer, uid, event)
    except ValidationFailed as exc:
        return _form(request, viewer, uid, values, exc.errors, 422)
    return RedirectResponse(f"/weapons/{uid}?saved=1", status_code=303)
