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
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from salus import i18n
from salus.api import context as ctx
from salus.api.csrf import verify_csrf
from salus.domain.accounts.roles import Permission, Viewer
from salus.domain.weapons import tracing as tr
from salus.domain.weapons.registry import Component, IdDocumentType, MarkingKind, weapon_categories
from salus.i18n import N_
from salus.usecases.errors import PermissionDenied
from salus.usecases.paging import MAX_PER_PAGE, PageRequest
from salus.usecases.weapons import history as weapons_history
from salus.usecases.weapons import lifecycle as weapons_lifecycle
from salus.usecases.weapons import owners as weapons_owners
from salus.usecases.weapons import records as weapons
from salus.usecases.weapons import tracing
from salus.web.forms import Field, Finding, FormReader, render_form, submit
from salus.web.pages import needs
from salus.web.weapons import forms_input as fi
from salus.web.weapons.labels import choices, wlabel

router = APIRouter(include_in_schema=False)
Editor = Annotated[Viewer, Depends(needs(Permission.EDIT_WEAPONS))]
Values = dict[str, Any]
Errors = Sequence[Finding]



def owners_editor(request: Request, viewer: Editor) -> Viewer:
    """``EDIT_WEAPONS`` and ``WEAPON_OWNERS`` (403 otherwise)."""
    return ctx.require_permission(viewer, Permission.WEAPON_OWNERS)


OwnerEditor = Annotated[Viewer, Depends(owners_editor)]
Options = list[tuple[str, str]]


def _codes(values: Any) -> Options:
    return [(str(v), str(v)) for v in values]


def _page(request: Request, title: str, action: str, fields: list[Field], values: Values,
          errors: Errors, back: tuple[str, str], intro: str | None = None) -> Response:
    return render_form(request, title, action, fields, values, errors, back=back[0],
                       back_label=back[1], subject=intro, nav="weapons/_nav.html")


async def _read(request: Request, names: Sequence[str]) -> FormReader:
    return FormReader(await request.form(), names, max_length=fi.MAX_TEXT)


def _owner_options(request: Request, viewer: Viewer) -> Options:
    page = weapons_owners.list_owners(ctx.engine(request), viewer,
                                      paging=PageRequest(1, MAX_PER_PAGE))
    return [(o.uid, f"{o.name} · {o.id_document_number or o.registration_number or ''}")
            for o in page.items]


def _today() -> str:
    return dt.date.today().isoformat()


# ------------------------------------------------------------------ owner

T_OWNER = N_("Add an owner")
OWNERS = ("/weapons/owners", N_("Owners"))


def _owner_fields() -> list[Field]:
    return [
        Field("kind", N_("Person or legal entity"), "select", choices("owner_kind")),
        Field("given_name", N_("Given name")), Field("family_name", N_("Family name")),
        Field("entity_name", N_("Entity name")),
        Field("registration_number", N_("Registration number")),
        Field("id_document_type", N_("Identity document"), "select",
              _codes(d.value for d in IdDocumentType), blank=True),
        Field("id_document_number", N_("Document number")),
        Field("date_of_birth", N_("Date of birth"), "date"),
        Field("address", N_("Address"), "textarea"), Field("area_code", N_("Area code"))]


def _owner_page(request: Request, values: Values, errors: Errors = ()) -> Response:
    return _page(request, T_OWNER, "/weapons/forms/owner", _owner_fields(), values, errors,
                 OWNERS)


@router.get("/weapons/forms/owner")
def new_owner(request: Request, viewer: OwnerEditor) -> Response:
    return _owner_page(request, {"kind": "person"})


@router.post("/weapons/forms/owner", dependencies=[Depends(verify_csrf)])
async def add_owner(request: Request, viewer: OwnerEditor) -> Response:
    r = await _read(request, fi.OWNER_FIELDS)

    def write() -> str:
        uid = weapons_owners.add_owner(ctx.engine(request), viewer, fi.owner_input(r))
        return f"/weapons/owners/{uid}?saved=1"

    return submit(write, lambda errors: _owner_page(request, r.values, errors))


# ------------------------------------------------------------------ licence

T_LICENCE = N_("Issue a licence")


def _licence_page(request: Request, viewer: Viewer, values: Values,
                  errors: Errors = ()) -> Response:
    fields = [
        Field("owner", N_("Owner"), "select", _owner_options(request, viewer)),
        Field("number", N_("Licence number")),
        Field("licence_type", N_("Type"), "select", choices("licence_type")),
        Field("issued_on", N_("Issued"), "date"), Field("expires_on", N_("Expires"), "date"),
        Field("conditions", N_("Conditions"), "textarea"),
        Field("issuing_authority", N_("Issuing authority")),
        Field("area_code", N_("Area code"))]
    return _page(request, T_LICENCE, "/weapons/forms/licence", fields, values, errors,
                 ("/weapons/licences", N_("Licences")))


@router.get("/weapons/forms/licence")
def new_licence(request: Request, viewer: OwnerEditor, owner: str = "") -> Response:
    values = {"owner": owner[:100], "issued_on": _today(), "licence_type": "possession"}
    return _licence_page(request, viewer, values)


@router.post("/weapons/forms/licence", dependencies=[Depends(verify_csrf)])
async def issue_licence(request: Request, viewer: OwnerEditor) -> Response:
    r = await _read(request, fi.LICENCE_FIELDS)

    def write() -> str:
        owner, lic = fi.licence_input(r)
        number = weapons_owners.issue_licence(ctx.engine(request), viewer, owner, lic)
        return f"/weapons/licences/{number}?saved=1"

    return submit(write, lambda errors: _licence_page(request, viewer, r.values, errors))


# ------------------------------------------------------------------ licence changes

T_CHANGE = N_("Renew, suspend, reinstate or revoke a licence")
ACTIONS = {"renewed": N_("Renew"), "suspended": N_("Suspend"), "reinstated": N_("Reinstate"),
           "revoked": N_("Revoke")}


def _change_fields() -> list[Field]:
    return [
        Field("action", N_("Change"), "select", [(a, ACTIONS[a]) for a in fi.CHANGES],
              translate=True),
        Field("on", N_("Date"), "date"),
        Field("expires_on", N_("New expiry date (renewals)"), "date"),
        Field("reason", N_("Reason"), "textarea")]


def _change_page(request: Request, viewer: Viewer, number: str, values: Values,
                 errors: Errors = ()) -> Response:
    lic, _events = weapons_owners.get_licence(ctx.engine(request), viewer, number)
    return _page(request, T_CHANGE, f"/weapons/forms/licences/{number}", _change_fields(),
                 values, errors, (f"/weapons/licences/{number}", lic.number),
                 intro=wlabel("licence_status", lic.status))


@router.get("/weapons/forms/licences/{number}")
def change_form(request: Request, viewer: Editor, number: str) -> Response:
    return _change_page(request, viewer, number, {"on": _today(), "action": "renewed"})


@router.post("/weapons/forms/licences/{number}", dependencies=[Depends(verify_csrf)])
async def change(request: Request, viewer: Editor, number: str) -> Response:
    r = await _read(request, fi.CHANGE_FIELDS)

    def write() -> str:
        action, on, expires, reason = fi.change_input(r)
        weapons_owners.change_licence(ctx.engine(request), viewer, number, action, on,
                                      expires_on=expires, reason=reason)
        return f"/weapons/licences/{number}?saved=1"

    return submit(write, lambda errors: _change_page(request, viewer, number, r.values, errors))


# ------------------------------------------------------------------ weapon

T_WEAPON = N_("Record a weapon")


def _weapon_fields(owners: Options | None) -> list[Field]:
    kinds = [(k.value, k.value) for k in MarkingKind]
    parts = [(c.value, c.value) for c in Component]
    out = [
        Field("category", N_("Category"), "select",
              [(c, i18n.label("weapon", c)) for c in sorted(weapon_categories())]),
        Field("manufacturer", N_("Manufacturer")),
        Field("model", N_("Model")), Field("calibre", N_("Calibre")),
        Field("serial_number", N_("Serial number")),
        Field("serial_obliterated", N_("Serial obliterated"), "checkbox"),
        Field("country_of_manufacture", N_("Country of manufacture")),
        Field("year_of_manufacture", N_("Year of manufacture"), "integer"),
        Field("import_country", N_("Import country")),
        Field("import_year", N_("Import year"), "integer"),
        Field("area_code", N_("Area code")),
        Field("description", N_("Description"), "textarea")]
    for i in range(fi.MARKING_ROWS):
        out += [Field(f"marking-{i}-text", N_("Marking text")),
                Field(f"marking-{i}-kind", N_("Marking applied at"), "select", kinds),
                Field(f"marking-{i}-component", N_("Component"), "select", parts, blank=True),
                Field(f"marking-{i}-obliterated", N_("Obliterated"), "checkbox")]
    if owners is not None:
        out += [Field("owner", N_("Register to owner"), "select", owners, blank=True),
                Field("licence", N_("Under licence number")),
                Field("registered_on", N_("Registered on"), "date")]
    return out


def _weapon_page(request: Request, viewer: Viewer, values: Values,
                 errors: Errors = ()) -> Response:
    owners = (_owner_options(request, viewer) if viewer.can(Permission.WEAPON_OWNERS)
              else None)
    return _page(request, T_WEAPON, "/weapons/forms/weapon", _weapon_fields(owners), values,
                 errors, ("/weapons", N_("Registry")))


@router.get("/weapons/forms/weapon")
def new_weapon(request: Request, viewer: Editor) -> Response:
    return _weapon_page(request, viewer, {"registered_on": _today(),
                                          "category": "revolver_pistol"})


@router.post("/weapons/forms/weapon", dependencies=[Depends(verify_csrf)])
async def record_weapon(request: Request, viewer: Editor) -> Response:
    r = await _read(request, fi.WEAPON_FIELDS + fi.MARKING_FIELDS)

    def write() -> str:
        record, holder = fi.weapon_input(r)
        if holder is not None and not viewer.can(Permission.WEAPON_OWNERS):
            raise PermissionDenied("registering to an owner needs weapon_owners")
        with ctx.engine(request).begin() as conn:  # the weapon and its registration, or neither
            uid = weapons.record_weapon_in(conn, viewer, record)
            if holder is not None:
                owner, licence, on = holder
                weapons_lifecycle.register_to_owner_in(conn, viewer, uid, owner, licence, on)
        return f"/weapons/{uid}?saved=1"

    return submit(write, lambda errors: _weapon_page(request, viewer, r.values, errors))


# ------------------------------------------------------------------ transfer

T_TRANSFER = N_("Transfer a weapon")


def _transfer_page(request: Request, viewer: Viewer, uid: str, values: Values,
                   errors: Errors = ()) -> Response:
    detail = weapons.get_weapon(ctx.engine(request), viewer, uid)
    owners = _owner_options(request, viewer)
    fields = [Field("from_owner", N_("From owner"), "select", owners, blank=True),
              Field("to_owner", N_("To owner"), "select", owners, blank=True),
              Field("licence", N_("Licence number of the new owner")),
              Field("on", N_("Date"), "date"), Field("place", N_("Place"))]
    w = detail.weapon
    return _page(request, T_TRANSFER, f"/weapons/forms/{uid}/transfer", fields, values, errors,
                 (f"/weapons/{uid}", N_("Back to the weapon")),
                 intro=f"{w.manufacturer or ''} {w.model or ''} · {w.serial_number or '—'}")


@router.get("/weapons/forms/{uid}/transfer")
def transfer_form(request: Request, viewer: OwnerEditor, uid: str) -> Response:
    story = weapons_history.history(ctx.engine(request), viewer, uid)
    current = next((h.owner_uid for h in story.holdings if h.to_date is None), None)
    return _transfer_page(request, viewer, uid, {"from_owner": current or "", "on": _today()})


@router.post("/weapons/forms/{uid}/transfer", dependencies=[Depends(verify_csrf)])
async def transfer(request: Request, viewer: OwnerEditor, uid: str) -> Response:
    r = await _read(request, fi.TRANSFER_FIELDS)

    def write() -> str:
        giver, taker, licence, on, place = fi.transfer_input(r)
        weapons_lifecycle.transfer_weapon(ctx.engine(request), viewer, uid, giver, taker,
                                          licence, on, place=place)
        return f"/weapons/{uid}?saved=1"

    return submit(write, lambda errors: _transfer_page(request, viewer, uid, r.values, errors))


# ------------------------------------------------------------------ tracing

T_TRACE = N_("Update a tracing request")


def _trace_fields() -> list[Field]:
    return [
        Field("recipient", N_("Recipient")),
        Field("status", N_("Status"), "select", choices("trace_status")),
        Field("sent_on", N_("Sent on"), "date"),
        Field("response_on", N_("Response on"), "date"),
        Field("response", N_("Response"), "textarea"),
        Field("outcome", N_("Outcome"), "select", choices("outcome")),
        Field("point_of_diversion", N_("Point of diversion"), "select", choices("diversion"),
              blank=True),
        Field("established_by", N_("Established by"), "select", choices("established_by"),
              blank=True),
        Field("notes", N_("Notes"), "textarea")]


def _trace_page(request: Request, viewer: Viewer, reference: str, values: Values,
                errors: Errors = ()) -> Response:
    view = tracing.get_request(ctx.engine(request), viewer, reference)
    return _page(request, T_TRACE, f"/weapons/forms/tracing/{reference}", _trace_fields(),
                 values, errors, ("/weapons/tracing", N_("Tracing")),
                 intro=f"{view.reference} · {view.serial_number or '—'}")


@router.get("/weapons/forms/tracing/{reference}")
def trace_form(request: Request, viewer: Editor, reference: str) -> Response:
    view = tracing.get_request(ctx.engine(request), viewer, reference)
    values = {k: "" if getattr(view, k) is None else str(getattr(view, k))
              for k in fi.TRACE_FIELDS}
    return _trace_page(request, viewer, reference, values)


@router.post("/weapons/forms/tracing/{reference}", dependencies=[Depends(verify_csrf)])
async def update_trace(request: Request, viewer: Editor, reference: str) -> Response:
    r = await _read(request, fi.TRACE_FIELDS)

    def write() -> str:
        changes = fi.trace_input(r, tr.STATUSES, tr.OUTCOMES, tr.POINTS_OF_DIVERSION,
                                 tr.ESTABLISHED_BY)
        tracing.update_request(ctx.engine(request), viewer, reference, changes)
        return "/weapons/tracing?saved=1"

    return submit(write, lambda errors: _trace_page(request, viewer, reference, r.values,
                                                    errors))
