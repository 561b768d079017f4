"""Incident pages: list (filters, search, sort, pages, exports), detail with history, form."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from salus.api import context as ctx
from salus.api.csrf import verify_csrf
from salus.api.panels import clear as clear_panels
from salus.domain import taxonomy
from salus.domain.accounts.roles import Permission, Viewer
from salus.usecases.errors import Conflict, ValidationFailed
from salus.usecases.incidents import detail as incidents
from salus.usecases.incidents import write as incident_write
from salus.usecases.incidents.query import list_incidents
from salus.usecases.paging import PageRequest
from salus.web import forms
from salus.web.pages import needs
from salus.web.templating import render

router = APIRouter(include_in_schema=False)
Reader = Annotated[Viewer, Depends(needs(Permission.READ_RECORDS))]
Creator = Annotated[Viewer, Depends(needs(Permission.CREATE_RECORDS))]
Editor = Annotated[Viewer, Depends(needs(Permission.EDIT_RECORDS))]
LISTS = ("iccs", "iccs_context", "misuse_context", "weapon", "sensitivity", "sex", "outcome",
         "person_role", "location_type", "source_type", "date_precision", "relationship",
         "location_precision")
EXTRA_PERSON_ROWS = 2


def code_lists() -> dict[str, list[Any]]:
    return {name: list(taxonomy.load(name)) for name in LISTS}


@router.get("/incidents")
def incident_list(request: Request, viewer: Reader, page: int = 1,
                  per_page: int = 50) -> Response:
    f = forms.incident_filter(request.query_params)
    result = list_incidents(ctx.engine(request), viewer, f, PageRequest(page, per_page))
    export_query = urlencode([(k, v) for k, v in request.query_params.multi_items()
                              if k not in ("page", "per_page")])
    return render(request, "incidents.html", page_obj=result, f=f, lists=code_lists(),
                  export_query=export_query)


def _form(request: Request, values: dict[str, Any], errors: list[dict[str, Any]],
          uid: str | None, status: int = 200, warnings: list[Any] | None = None) -> Response:
    persons = list(values.get("persons") or []) + [{}] * EXTRA_PERSON_ROWS
    return render(request, "incident_form.html", status_code=status, values=values,
                  persons=persons, errors=forms.errors_by_field(errors), all_errors=errors,
                  uid=uid, lists=code_lists(), warnings=warnings or [])


@router.get("/incidents/new")
def new_form(request: Request, viewer: Creator) -> Response:
    values = {"date_precision": "day", "sensitivity": "restricted",
              "area_code": viewer.area_code or ""}
    return _form(request, values, [], None)


@router.post("/incidents/new", dependencies=[Depends(verify_csrf)])
async def create(request: Request, viewer: Creator) -> Response:
    data = forms.incident_data(await request.form())
    try:
        uid, warnings = incident_write.create_incident(ctx.engine(request), viewer, data)
    except (ValidationFailed, Conflict) as exc:
        errors = exc.errors if isinstance(exc, ValidationFailed) else [
            {"field": "record_id", "code": "conflict", "message": exc.detail}]
        return _form(request, data, errors, None, status=422)
    clear_panels()
    return RedirectResponse(f"/incidents/{uid}?saved=1" + ("&warnings=1" if warnings else ""),
                            status_code=303)


@router.get("/incidents/{uid}")
def detail(request: Request, viewer: Reader, uid: str) -> Response:
    engine = ctx.engine(request)
    record = incidents.get_incident(engine, viewer, uid)
    history = incidents.history(engine, viewer, uid)
    return render(request, "incident.html", record=record, history=history,
                  saved=request.query_params.get("saved") == "1")


@router.get("/incidents/{uid}/edit")
def edit_form(request: Request, viewer: Editor, uid: str) -> Response:
    record = incidents.get_incident(ctx.engine(request), viewer, uid)
    return _form(request, incident_write.form_values(record), [], uid)


@router.post("/incidents/{uid}/edit", dependencies=[Depends(verify_csrf)])
async def edit(request: Request, viewer: Editor, uid: str) -> Response:
    data = forms.incident_data(await request.form())
    try:
        incident_write.update_incident(ctx.engine(request), viewer, uid, data)
    except (ValidationFailed, Conflict) as exc:
        errors = exc.errors if isinstance(exc, ValidationFailed) else [
            {"field": "record_id", "code": "conflict", "message": exc.detail}]
        return _form(request, data, errors, uid, status=422)
    clear_panels()
    return RedirectResponse(f"/incidents/{uid}?saved=1", status_code=303)
