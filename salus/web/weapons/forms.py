"""Write forms of the small-arms registry, under ``/weapons/forms/`` (issue 6): add an owner,
issue a licence, renew / suspend / reinstate / revoke it, record a weapon with its markings (and
register it to an owner under a licence), transfer a weapon, update a tracing request.

Every form calls the existing use cases (:mod:`salus.usecases.weapons.records`, ``weapons_owners``,
``weapons_lifecycle``, ``tracing``), which enforce the registry's rules (ITI §§7–10, ISACS/MOSAIC
05.30) and write the audit log. ``EDIT_WEAPONS`` is needed to write; owners' personal data
(forms that show or choose owners) needs ``WEAPON_OWNERS`` as well. A refusal comes back as
messages beside the fields with the submitted values kept, and nothing is written. The paths
have three segments so the registry's ``/weapons/{uid}``, ``/weapons/owners/{uid}`` and
``/weapons/licences/{number}`` pages, included before, never read them.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from salus import i18n
from salus.api import context as ctx
from salus.api.csrf import verify_csrf
from salus.domain.accounts.roles import Permission, Viewer
from salus.domain.weapons import tracing as tr
from salus.domain.weapons.registry import Component, IdDocumentType, MarkingKind, weapon_categories
from salus.usecases.errors import PermissionDenied, ValidationFailed
from salus.usecases.paging import MAX_PER_PAGE, PageRequest
from salus.usecases.weapons import history as weapons_history
from salus.usecases.weapons import lifecycle as weapons_lifecycle
from salus.usecases.weapons import owners as weapons_owners
from salus.usecases.weapons import records as weapons
from salus.usecases.weapons import tracing
from salus.web.forms import errors_by_field
from salus.web.pages import needs
from salus.web.templating import render
from salus.web.weapons import forms_input as fi
from salus.web.weapons.labels import choices, wlabel

router = APIRouter(include_in_schema=False)
Editor = Annotated[Viewer, Depends(needs(Permission.EDIT_WEAPONS))]


def _n(message: str) -> str:
    return message


def owners_editor(request: Request, viewer: Editor) -> Viewer:
    """``EDIT_WEAPONS`` and ``WEAPON_OWNERS`` (403 otherwise)."""
    return ctx.require_permission(viewer, Permission.WEAPON_OWNERS)


OwnerEditor = Annotated[Viewer, Depends(owners_editor)]
Options = list[tuple[str, str]]


def _codes(values: Any) -> Options:
    return [(str(v), str(v)) for v in values]


def _field(name: str, label: str, kind: str = "text", options: Options | None = None,
           blank: bool = False, translate: bool = False) -> dict[str, Any]:
    return {"name": name, "label": label, "kind": kind, "options": options or [],
            "blank": blank, "translate": translate}


def _page(request: Request, title: str, action: str, fields: list[dict[str, Any]],
          values: dict[str, str], errors: list[dict[str, Any]], back: tuple[str, str],
          status: int = 200, intro: str = "") -> Response:
    known = {f["name"] for f in fields}
    return render(request, "weapons/write_form.html", status_code=status, title=title,
                  action=action, fields=fields, values=values,
                  errors=errors_by_field(errors), all_errors=errors,
                  other_errors=[e for e in errors if e.get("field") not in known],
                  back=back, intro=intro)


def _owner_options(request: Request, viewer: Viewer) -> Options:
    page = weapons_owners.list_owners(ctx.engine(request), viewer,
                                      paging=PageRequest(1, MAX_PER_PAGE))
    return [(o.uid, f"{o.name} · {o.id_document_number or o.registration_number or ''}")
            for o in page.items]


def _today() -> str:
    return dt.date.today().isoformat()


# ------------------------------------------------------------------ owner

T_OWNER = _n("Add an owner")


def _owner_fields() -> list[dict[str, Any]]:
    return [
        _field("kind", _n("Person or legal entity"), "select", choices("owner_kind")),
        _field("given_name", _n("Given name")), _field("family_name", _n("Family name")),
        _field("entity_name", _n("Entity name")),
        _field("registration_number", _n("Registration number")),
        _field("id_document_type", _n("Identity document"), "select",
               _codes(d.value for d in IdDocumentType), blank=True),
        _field("id_document_number", _n("Document number")),
        _field("date_of_birth", _n("Date of birth"), "date"),
        _field("address", _n("Address"), "textarea"), _field("area_code", _n("Area code"))]


@router.get("/weapons/forms/owner")
def new_owner(request: Request, viewer: OwnerEditor) -> Response:
    values = dict.fromkeys(fi.OWNER_FIELDS, "") | {"kind": "person"}
    return _page(request, T_OWNER, "/weapons/forms/owner", _owner_fields(), values, [],
                 ("/weapons/owners", _n("Owners")))


@router.post("/weapons/forms/owner", dependencies=[Depends(verify_csrf)])
async def add_owner(request: Request, viewer: OwnerEditor) -> Response:
    form = await request.form()
    values = fi.Reader(form, fi.OWNER_FIELDS).values
    try:
        values, owner = fi.owner_input(form)
        uid = weapons_owners.add_owner(ctx.engine(request), viewer, owner)
    except ValidationFailed as exc:
        return _page(request, T_OWNER, "/weapons/forms/owner", _owner_fields(), values,
                     exc.errors, ("/weapons/owners", _n("Owners")), 422)
    return RedirectResponse(f"/weapons/owners/{uid}?saved=1", status_code=303)


# ------------------------------------------------------------------ licence

T_LICENCE = _n("Issue a licence")


def _licence_fields(owners: Options) -> list[dict[str, Any]]:
    return [
        _field("owner", _n("Owner"), "select", owners),
        _field("number", _n("Licence number")),
        _field("licence_type", _n("Type"), "select", choices("licence_type")),
        _field("issued_on", _n("Issued"), "date"), _field("expires_on", _n("Expires"), "date"),
        _field("conditions", _n("Conditions"), "textarea"),
        _field("issuing_authority", _n("Issuing authority")),
        _field("area_code", _n("Area code"))]


@router.get("/weapons/forms/licence")
def new_licence(request: Request, viewer: OwnerEditor, owner: str = "") -> Response:
    values = dict.fromkeys(fi.LICENCE_FIELDS, "") | {
        "owner": owner[:100], "issued_on": _today(), "licence_type": "possession"}
    return _page(request, T_LICENCE, "/weapons/forms/licence",
                 _licence_fields(_owner_options(request, viewer)), values, [],
                 ("/weapons/licences", _n("Licences")))


@router.post("/weapons/forms/licence", dependencies=[Depends(verify_csrf)])
async def issue_licence(request: Request, viewer: OwnerEditor) -> Response:
    form = await request.form()
    values = fi.Reader(form, fi.LICENCE_FIELDS).values
    try:
        values, owner, lic = fi.licence_input(form)
        number = weapons_owners.issue_licence(ctx.engine(request), viewer, owner, lic)
    except ValidationFailed as exc:
        return _page(request, T_LICENCE, "/weapons/forms/licence",
                     _licence_fields(_owner_options(request, viewer)), values, exc.errors,
                     ("/weapons/licences", _n("Licences")), 422)
    return RedirectResponse(f"/weapons/licences/{number}?saved=1", status_code=303)


# ------------------------------------------------------------------ licence changes

T_CHANGE = _n("Renew, suspend, reinstate or revoke a licence")
ACTIONS = {"renewed": _n("Renew"), "suspended": _n("Suspend"), "reinstated": _n("Reinstate"),
           "revoked": _n("Revoke")}


def _change_fields() -> list[dict[str, Any]]:
    return [
        _field("action", _n("Change"), "select",
               [(a, ACTIONS[a]) for a in fi.CHANGES], translate=True),
        _field("on", _n("Date"), "date"),
        _field("expires_on", _n("New expiry date (renewals)"), "date"),
        _field("reason", _n("Reason"), "textarea")]


def _change_page(request: Request, viewer: Viewer, number: str, values: dict[str, str],
                 errors: list[dict[str, Any]], status: int = 200) -> Response:
    lic, _events = weapons_owners.get_licence(ctx.engine(request), viewer, number)
    return _page(request, T_CHANGE, f"/weapons/forms/licences/{number}", _change_fields(),
                 values, errors, (f"/weapons/licences/{number}", lic.number), status,
                 intro=f"{lic.number} · {wlabel('licence_status', lic.status)}")


@router.get("/weapons/forms/licences/{number}")
def change_form(request: Request, viewer: Editor, number: str) -> Response:
    values = dict.fromkeys(fi.CHANGE_FIELDS, "") | {"on": _today(), "action": "renewed"}
    return _change_page(request, viewer, number, values, [])


@router.post("/weapons/forms/licences/{number}", dependencies=[Depends(verify_csrf)])
async def change(request: Request, viewer: Editor, number: str) -> Response:
    form = await request.form()
    values = fi.Reader(form, fi.CHANGE_FIELDS).values
    try:
        values, action, on, expires, reason = fi.change_input(form)
        weapons_owners.change_licence(ctx.engine(request), viewer, number, action, on,
                                      expires_on=expires, reason=reason)
    except ValidationFailed as exc:
        return _change_page(request, viewer, number, values, exc.errors, 422)
    return RedirectResponse(f"/weapons/licences/{number}?saved=1", status_code=303)


# ------------------------------------------------------------------ weapon

T_WEAPON = _n("Record a weapon")


def _weapon_fields(owners: Options | None) -> list[dict[str, Any]]:
    kinds = [(k.value, k.value) for k in MarkingKind]
    parts = [(c.value, c.value) for c in Component]
    out = [
        _field("category", _n("Category"), "select",
               [(c, i18n.label("weapon", c)) for c in sorted(weapon_categories())]),
        _field("manufacturer", _n("Manufacturer")),
        _field("model", _n("Model")), _field("calibre", _n("Calibre")),
        _field("serial_number", _n("Serial number")),
        _field("serial_obliterated", _n("Serial obliterated"), "checkbox"),
        _field("country_of_manufacture", _n("Country of manufacture")),
        _field("year_of_manufacture", _n("Year of manufacture"), "number"),
        _field("import_country", _n("Import country")),
        _field("import_year", _n("Import year"), "number"),
        _field("area_code", _n("Area code")),
        _field("description", _n("Description"), "textarea")]
    for i in range(fi.MARKING_ROWS):
        out += [_field(f"marking-{i}-text", _n("Marking text")),
                _field(f"marking-{i}-kind", _n("Marking applied at"), "select", kinds),
                _field(f"marking-{i}-component", _n("Component"), "select", parts, blank=True),
                _field(f"marking-{i}-obliterated", _n("Obliterated"), "checkbox")]
    if owners is not None:
        out += [_field("owner", _n("Register to owner"), "select", owners, blank=True),
                _field("licence", _n("Under licence number")),
                _field("registered_on", _n("Registered on"), "date")]
    return out


def _weapon_page(request: Request, viewer: Viewer, values: dict[str, str],
                 errors: list[dict[str, Any]], status: int = 200) -> Response:
    owners = (_owner_options(request, viewer) if viewer.can(Permission.WEAPON_OWNERS)
              else None)
    return _page(request, T_WEAPON, "/weapons/forms/weapon", _weapon_fields(owners), values,
                 errors, ("/weapons", _n("Registry")), status)


@router.get("/weapons/forms/weapon")
def new_weapon(request: Request, viewer: Editor) -> Response:
    values = dict.fromkeys(fi.WEAPON_FIELDS + fi.MARKING_FIELDS, "") | {
        "registered_on": _today(), "category": "revolver_pistol"}
    return _weapon_page(request, viewer, values, [])


@router.post("/weapons/forms/weapon", dependencies=[Depends(verify_csrf)])
async def record_weapon(request: Request, viewer: Editor) -> Response:
    form = await request.form()
    values = fi.Reader(form, fi.WEAPON_FIELDS + fi.MARKING_FIELDS).values
    try:
        values, record, holder = fi.weapon_input(form)
        if holder is not None and not viewer.can(Permission.WEAPON_OWNERS):
            raise PermissionDenied("registering to an owner needs weapon_owners")
        with ctx.engine(request).begin() as conn:  # the weapon and its registration, or neither
            uid = weapons.record_weapon_in(conn, viewer, record)
            if holder is not None:
                owner, licence, on = holder
                weapons_lifecycle.register_to_owner_in(conn, viewer, uid, owner, licence, on)
    except ValidationFailed as exc:
        return _weapon_page(request, viewer, values, exc.errors, 422)
    return RedirectResponse(f"/weapons/{uid}?saved=1", status_code=303)


# ------------------------------------------------------------------ transfer

T_TRANSFER = _n("Transfer a weapon")


def _transfer_page(request: Request, viewer: Viewer, uid: str, values: dict[str, str],
                   errors: list[dict[str, Any]], status: int = 200) -> Response:
    detail = weapons.get_weapon(ctx.engine(request), viewer, uid)
    owners = _owner_options(request, viewer)
    fields = [_field("from_owner", _n("From owner"), "select", owners, blank=True),
              _field("to_owner", _n("To owner"), "select", owners, blank=True),
              _field("licence", _n("Licence number of the new owner")),
              _field("on", _n("Date"), "date"), _field("place", _n("Place"))]
    w = detail.weapon
    return _page(request, T_TRANSFER, f"/weapons/forms/{uid}/transfer", fields, values, errors,
                 (f"/weapons/{uid}", _n("Back to the weapon")), status,
                 intro=f"{w.manufacturer or ''} {w.model or ''} · {w.serial_number or '—'}")


@router.get("/weapons/forms/{uid}/transfer")
def transfer_form(request: Request, viewer: OwnerEditor, uid: str) -> Response:
    story = weapons_history.history(ctx.engine(request), viewer, uid)
    current = next((h.owner_uid for h in story.holdings if h.to_date is None), None)
    values = dict.fromkeys(fi.TRANSFER_FIELDS, "") | {"from_owner": current or "",
                                                      "on": _today()}
    return _transfer_page(request, viewer, uid, values, [])


@router.post("/weapons/forms/{uid}/transfer", dependencies=[Depends(verify_csrf)])
async def transfer(request: Request, viewer: OwnerEditor, uid: str) -> Response:
    form = await request.form()
    values = fi.Reader(form, fi.TRANSFER_FIELDS).values
    try:
        values, giver, taker, licence, on, place = fi.transfer_input(form)
        weapons_lifecycle.transfer_weapon(ctx.engine(request), viewer, uid, giver, taker,
                                          licence, on, place=place)
    except ValidationFailed as exc:
        return _transfer_page(request, viewer, uid, values, exc.errors, 422)
    return RedirectResponse(f"/weapons/{uid}?saved=1", status_code=303)


# ------------------------------------------------------------------ tracing

T_TRACE = _n("Update a tracing request")


def _trace_fields() -> list[dict[str, Any]]:
    return [
        _field("recipient", _n("Recipient")),
        _field("status", _n("Status"), "select", choices("trace_status")),
        _field("sent_on", _n("Sent on"), "date"),
        _field("response_on", _n("Response on"), "date"),
        _field("response", _n("Response"), "textarea"),
        _field("outcome", _n("Outcome"), "select", choices("outcome")),
        _field("point_of_diversion", _n("Point of diversion"), "select", choices("diversion"),
               blank=True),
        _field("established_by", _n("Established by"), "select", choices("established_by"),
               blank=True),
        _field("notes", _n("Notes"), "textarea")]


def _trace_page(request: Request, viewer: Viewer, reference: str, values: dict[str, str],
                errors: list[dict[str, Any]], status: int = 200) -> Response:
    view = tracing.get_request(ctx.engine(request), viewer, reference)
    return _page(request, T_TRACE, f"/weapons/forms/tracing/{reference}", _trace_fields(),
                 values, errors, ("/weapons/tracing", _n("Tracing")), status,
                 intro=f"{view.reference} · {view.serial_number or '—'}")


@router.get("/weapons/forms/tracing/{reference}")
def trace_form(request: Request, viewer: Editor, reference: str) -> Response:
    view = tracing.get_request(ctx.engine(request), viewer, reference)
    values = {k: "" if getattr(view, k) is None else str(getattr(view, k))
              for k in fi.TRACE_FIELDS}
    return _trace_page(request, viewer, reference, values, [])


@router.post("/weapons/forms/tracing/{reference}", dependencies=[Depends(verify_csrf)])
async def update_trace(request: Request, viewer: Editor, reference: str) -> Response:
    form = await request.form()
    values = fi.Reader(form, fi.TRACE_FIELDS).values
    try:
        values, changes = fi.trace_input(form, tr.STATUSES, tr.OUTCOMES,
                                         tr.POINTS_OF_DIVERSION, tr.ESTABLISHED_BY)
        tracing.update_request(ctx.engine(request), viewer, reference, changes)
    except ValidationFailed as exc:
        return _trace_page(request, viewer, reference, values, exc.errors, 422)
    return RedirectResponse("/weapons/tracing?saved=1", status_code=303)

