"""Incident pages: list (filters, search, sort, pages, exports), detail with history, form."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.datastructures import FormData, QueryParams

from salus import i18n
from salus.api import context as ctx
from salus.api.csrf import verify_csrf
from salus.api.deps import Cursor, NumberedPage, PerPage
from salus.domain import taxonomy
from salus.domain.accounts.roles import Permission, Viewer
from salus.domain.incidents.offences import offence_codes
from salus.i18n import N_
from salus.usecases.area_picker import area_shapes, search_areas
from salus.usecases.errors import Conflict, ValidationFailed
from salus.usecases.incidents import detail as incidents
from salus.usecases.incidents import write as incident_write
from salus.usecases.incidents.input import PERSON_FIELDS
from salus.usecases.incidents.query import (
    SORTS,
    IncidentFilter,
    record_type_totals,
    seek_incidents,
)
from salus.usecases.paging import SeekRequest
from salus.web.forms import Field, place_errors
from salus.web.pages import needs
from salus.web.templating import render

router = APIRouter(include_in_schema=False)
Reader = Annotated[Viewer, Depends(needs(Permission.READ_RECORDS))]
Creator = Annotated[Viewer, Depends(needs(Permission.CREATE_RECORDS))]
Editor = Annotated[Viewer, Depends(needs(Permission.EDIT_RECORDS))]
LISTS = ("iccs", "iccs_context", "misuse_context", "weapon", "sensitivity", "sex", "outcome",
         "person_role", "location_type", "source_type", "date_precision", "relationship",
         "location_precision", "firearm_legal_status")
EXTRA_PERSON_ROWS = 2
MAX_PERSON_ROWS = 500


PERSON_KEY = re.compile(r"^persons-(\d{1,3})-(\w+)$")
INCIDENT_FIELDS = ("occurred_on", "date_precision", "area_code", "iccs_code", "attempted",
                   "iccs_context", "misuse_context", "location_type", "weapon",
                   "weapon_legal_status", "weapon_serial", "narrative",
                   "sensitivity", "declared_killed", "declared_injured", "reported_on",
                   "longitude", "latitude", "location_precision", "source_type",
                   "source_name", "record_id")
PERSON_DEFAULTS = {"role": "victim", "sex": "unknown", "outcome": "unknown"}


def code_lists() -> dict[str, list[Any]]:
    """Each code list by id, plus ``offence``: ICCS crimes then police actions and
    misdemeanours (``salus.domain.incidents.offences``)."""
    return {**{name: list(taxonomy.load(name)) for name in LISTS}, "offence": offence_codes()}


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def incident_filter(params: QueryParams) -> IncidentFilter:
    """The list's filters from a query string (invalid dates are ignored)."""
    def text(key: str) -> str | None:
        value = (params.get(key) or "").strip()
        return value[:200] or None

    sort = params.get("sort") or "-date"
    if sort.lstrip("-") not in SORTS:
        sort = "-date"
    return IncidentFilter(_date(params.get("date_from")), _date(params.get("date_to")),
                          text("area"), text("iccs"), text("iccs_context"),
                          text("misuse_context"), text("weapon"), text("sensitivity"),
                          text("q"), sort, place_type=text("place_type"),
                          record_type=text("record_type"))


def incident_data(form: FormData) -> dict[str, Any]:
    """Flat incident fields plus ``persons`` (rows ``persons-N-field``, any number, in the
    order of N; blank rows and rows ticked ``persons-N-remove`` dropped).

    The incident use case reads and checks the raw values itself (it also serves imports and
    the API), so this form does not go through :class:`salus.web.forms.Reader`."""
    data: dict[str, Any] = {k: form.get(k) for k in INCIDENT_FIELDS if form.get(k) is not None}
    data["attempted"] = "on" if form.get("attempted") else ""
    rows: dict[int, dict[str, Any]] = {}
    removed: set[int] = set()
    for key, value in form.multi_items():
        match = PERSON_KEY.match(key)
        if match and match.group(2) == "remove":
            removed.add(int(match.group(1)))
        elif match and match.group(2) in PERSON_FIELDS and isinstance(value, str):
            rows.setdefault(int(match.group(1)), {})[match.group(2)] = value.strip()
    data["persons"] = [rows[n] for n in sorted(rows)
                       if n not in removed and _filled(rows[n])][:MAX_PERSON_ROWS]
    return data


def _filled(row: dict[str, Any]) -> bool:
    """A person row the user touched (blank rows of the form are left out)."""
    return any(v and v != PERSON_DEFAULTS.get(k) for k, v in row.items())


def _field_of(error: str) -> str:
    """The form field a finding names (``persons[2].age`` → ``persons-1-age``)."""
    match = re.match(r"persons\[(\d+)\]\.(\w+)", error)
    if match:
        return f"persons-{int(match.group(1)) - 1}-{match.group(2)}"
    if error == "point":
        return "longitude"
    if error.startswith("weapons["):
        return {"legal_status": "weapon_legal_status",
                "serial_number": "weapon_serial"}.get(error.rsplit(".", 1)[-1], "weapon")
    return error


def _options(items: list[Any], lang: str, with_code: bool = False) -> list[tuple[str, str]]:
    return [(c.code, f"{c.code} {c.label(lang)}" if with_code else c.label(lang))
            for c in items]


def _fields(lists: dict[str, list[Any]]) -> dict[str, Field]:
    """The incident's own fields, drawn by the shared field macro (persons rows are not)."""
    lang = i18n.current_language.get()

    def select(name: str, label: str, blank: bool = True, list_id: str | None = None) -> Field:
        return Field(name, label, "select", _options(lists[list_id or name], lang,
                                                     name == "iccs_code"), blank=blank)

    fields = [
        Field("occurred_on", N_("Date of occurrence"), "date"),
        select("date_precision", N_("Date precision"), blank=False),
        Field("reported_on", N_("Reported on"), "date"),
        Field("area_code", N_("Area (code or name)"),
              attrs={"size": "14", "autocomplete": "off"}),
        Field("latitude", N_("Latitude"), attrs={"size": "9"}),
        Field("longitude", N_("Longitude"), attrs={"size": "9"}),
        select("location_type", N_("Place")),
        select("iccs_code", N_("Offence (ICCS) or police action"), list_id="offence"),
        Field("attempted", N_("Attempted"), "checkbox"),
        select("iccs_context", N_("Context")),
        select("misuse_context", N_("Firearm misuse context")),
        select("weapon", N_("Weapon")),
        select("weapon_legal_status", N_("Legal status of the weapon"),
               list_id="firearm_legal_status"),
        Field("weapon_serial", N_("Serial number (links the registry weapon)"),
              attrs={"size": "14"}),
        Field("declared_killed", N_("Declared killed"), "integer", attrs={"size": "5"}),
        Field("declared_injured", N_("Declared injured"), "integer", attrs={"size": "5"}),
        select("sensitivity", N_("Sensitivity"), blank=False),
        Field("narrative", N_("Narrative"), "textarea"),
        select("source_type", N_("Source type"), blank=False),
        Field("source_name", N_("Source name")),
        Field("record_id", N_("Source record id"))]
    return {f.name: f for f in fields}


@router.get("/incidents")
def incident_list(request: Request, viewer: Reader, page: NumberedPage = None,
                  per_page: PerPage = 50,
                  cursor: Cursor = None,
                  ) -> Response:
    """The incident list by keyset pages (``cursor``; numbered ``page`` links still work for
    the first :data:`~salus.usecases.paging.MAX_OFFSET` rows), with a capped total."""
    f = incident_filter(request.query_params)
    engine = ctx.engine(request)
    result = seek_incidents(engine, viewer, f, SeekRequest(per_page, cursor, page))
    export_query = urlencode([(k, v) for k, v in request.query_params.multi_items()
                              if k not in ("page", "per_page", "cursor")])
    by_type = record_type_totals(engine, viewer, f, result.total)
    return render(request, "incidents.html", page_obj=result, f=f, lists=code_lists(),
                  export_query=export_query, by_type=by_type)


def _form(request: Request, viewer: Viewer, values: dict[str, Any],
          errors: list[dict[str, Any]], uid: str | None, status: int = 200,
          warnings: list[Any] | None = None) -> Response:
    persons = list(values.get("persons") or []) + [{}] * EXTRA_PERSON_ROWS
    lists = code_lists()
    fields = _fields(lists)
    person_fields: tuple[str, ...] = ("age", "related_victim", "relationship")
    if viewer.can(Permission.IDENTITIES):
        person_fields += ("date_of_birth",)
    shown = {*fields, "persons"} | {f"persons-{n}-{k}" for n in range(len(persons))
                                    for k in person_fields}
    beside, general = place_errors(errors, shown, _field_of)
    return render(request, "incident_form.html", status_code=status, values=values,
                  persons=persons, fields=fields, errors=beside, general=general,
                  refused=bool(errors), uid=uid, lists=lists, warnings=warnings or [])


@router.get("/incidents/areas")
def area_matches(request: Request, viewer: Creator, q: str = "") -> Response:
    """The area picker's matches for ``q`` (name or code), as JSON [{code, name, level,
    parent_name}], in the viewer's area scope."""
    found = search_areas(ctx.engine(request), viewer, q[:100])
    return JSONResponse([{"code": a.code, "name": a.name, "level": a.level,
                          "parent_name": a.parent_name} for a in found])


@router.get("/incidents/areas.geojson")
def area_map(request: Request, viewer: Creator) -> Response:
    """The picker's map: the finest areas with a polygon in the viewer's scope (GeoJSON)."""
    return JSONResponse(area_shapes(ctx.engine(request), viewer),
                        media_type="application/geo+json")


def _more_rows(data: dict[str, Any], form: FormData) -> dict[str, Any] | None:
    """The "Add another person" button (works without JavaScript): the form again, one more
    row; None for a plain save."""
    if form.get("add_person") is None:
        return None
    return data | {"persons": [*(data.get("persons") or []), {}]}


@router.get("/incidents/new")
def new_form(request: Request, viewer: Creator) -> Response:
    values = {"date_precision": "day", "sensitivity": "restricted",
              "area_code": viewer.area_code or ""}
    return _form(request, viewer, values, [], None)


@router.post("/incidents/new", dependencies=[Depends(verify_csrf)])
async def create(request: Request, viewer: Creator) -> Response:
    form = await request.form()
    data = incident_data(form)
    if (more := _more_rows(data, form)) is not None:
        return _form(request, viewer, more, [], None)
    try:
        uid, warnings = incident_write.create_incident(ctx.engine(request), viewer, data)
    except (ValidationFailed, Conflict) as exc:
        errors = exc.errors if isinstance(exc, ValidationFailed) else [
            {"field": "record_id", "code": "conflict", "message": exc.detail}]
        return _form(request, viewer, data, errors, None, status=422)
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
    return _form(request, viewer, incident_write.form_values(record), [], uid)


@router.post("/incidents/{uid}/edit", dependencies=[Depends(verify_csrf)])
async def edit(request: Request, viewer: Editor, uid: str) -> Response:
    form = await request.form()
    data = incident_data(form)
    if (more := _more_rows(data, form)) is not None:
        return _form(request, viewer, more, [], uid)
    try:
        incident_write.update_incident(ctx.engine(request), viewer, uid, data)
    except (ValidationFailed, Conflict) as exc:
        errors = exc.errors if isinstance(exc, ValidationFailed) else [
            {"field": "record_id", "code": "conflict", "message": exc.detail}]
        return _form(request, viewer, data, errors, uid, status=422)
    return RedirectResponse(f"/incidents/{uid}?saved=1", status_code=303)
