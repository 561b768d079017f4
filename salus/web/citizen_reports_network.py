"""Early-warning and safety networks on the web (issue 13): the register of members.

``/network`` lists the members the viewer may see (an account bound to an area: its subtree)
with a form to add one; ``/network/{id}`` edits one (or removes it). Needs ``verify_reports``;
every write is CSRF-protected and audited. Broadcasting an alert to its area's members is on the
alert page (:mod:`salus.web.alerts`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from salus.api import context as ctx
from salus.api.csrf import verify_csrf
from salus.api.deps import RowId
from salus.domain.accounts.roles import Viewer
from salus.domain.citizen_reports import NETWORK_CHANNELS, NETWORK_ROLES
from salus.i18n import LANGUAGES, N_
from salus.usecases.citizen_reports import network
from salus.usecases.errors import PermissionDenied, ValidationFailed
from salus.web.forms import Field
from salus.web.pages import page_viewer
from salus.web.templating import render

router = APIRouter(include_in_schema=False)

ROLE_LABELS = {"focal_point": N_("Focal point"), "member": N_("Member"),
               "monitor": N_("Monitor"), "responder": N_("Responder")}
CHANNEL_LABELS = {"sms": N_("SMS"), "whatsapp": N_("WhatsApp"), "email": N_("E-mail")}


def _manager(request: Request) -> Viewer:
    viewer = page_viewer(request)
    if not network.can_manage(viewer):
        raise PermissionDenied("your role does not manage safety-network members")
    return viewer


Manager = Annotated[Viewer, Depends(_manager)]


def _fields() -> dict[str, Field]:
    fields = [
        Field("name", N_("Name"), attrs={"maxlength": "200", "required": "required"}),
        Field("area_code", N_("Area code (community)"), attrs={"maxlength": "64"}),
        Field("role", N_("Role"), "select", [(r, ROLE_LABELS[r]) for r in NETWORK_ROLES],
              translate=True),
        Field("channel", N_("Channel"), "select",
              [(c, CHANNEL_LABELS[c]) for c in NETWORK_CHANNELS], translate=True),
        Field("phone", N_("Phone number"), attrs={"maxlength": "40"}),
        Field("email", N_("E-mail"), attrs={"maxlength": "254"}),
        Field("languages", N_("Languages"), "checks", list(LANGUAGES.items())),
        Field("active", N_("Active"), "checkbox")]
    return {f.name: f for f in fields}


async def _posted(request: Request) -> dict[str, Any]:
    form = await request.form(max_files=0, max_fields=40, max_part_size=16 * 1024)
    data: dict[str, Any] = {k: v for k in ("name", "area_code", "role", "channel", "phone",
                                           "email") if isinstance(v := form.get(k), str)}
    data["languages"] = [v for v in form.getlist("languages") if isinstance(v, str)]
    data["active"] = form.get("active") == "1"
    return data


def _errors(exc: ValidationFailed) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for e in exc.errors:
        out.setdefault(str(e["field"]), []).append(e)
    return out


def _list_page(request: Request, viewer: Viewer, status: int = 200,
               values: dict[str, Any] | None = None,
               errors: dict[str, list[dict[str, Any]]] | None = None) -> Response:
    members = network.list_members(ctx.engine(request), viewer)
    return render(request, "citizen_reports/network.html", status_code=status, members=members,
                  fields=_fields(), values=values or {"active": True, "languages": ["en"]},
                  errors=errors or {}, roles=ROLE_LABELS, channels=CHANNEL_LABELS)


@router.get("/network")
def members_page(request: Request, viewer: Manager) -> Response:
    return _list_page(request, viewer)


@router.post("/network", dependencies=[Depends(verify_csrf)])
async def add(request: Request, viewer: Manager) -> Response:
    data = await _posted(request)
    try:
        await run_in_threadpool(network.add_member, ctx.engine(request), viewer, data)
    except ValidationFailed as exc:
        return _list_page(request, viewer, 422, data, _errors(exc))
    return RedirectResponse("/network", status_code=303)


def _member_page(request: Request, viewer: Viewer, member_id: int, status: int = 200,
                 values: dict[str, Any] | None = None,
                 errors: dict[str, list[dict[str, Any]]] | None = None) -> Response:
    member = network.get_member(ctx.engine(request), viewer, member_id)
    return render(request, "citizen_reports/network_member.html", status_code=status,
                  member=member, fields=_fields(), values=values or {
                      "name": member.name, "area_code": member.area_code,
                      "role": member.role, "channel": member.channel,
                      "phone": member.phone, "email": member.email,
                      "languages": member.languages, "active": member.active},
                  errors=errors or {})


@router.get("/network/{member_id}")
def member_page(request: Request, viewer: Manager, member_id: RowId) -> Response:
    return _member_page(request, viewer, member_id)


@router.post("/network/{member_id}", dependencies=[Depends(verify_csrf)])
async def edit(request: Request, viewer: Manager, member_id: RowId) -> Response:
    data = await _posted(request)
    try:
        await run_in_threadpool(network.update_member, ctx.engine(request), viewer, member_id,
                                data)
    except ValidationFailed as exc:
        return _member_page(request, viewer, member_id, 422, data, _errors(exc))
    return RedirectResponse("/network", status_code=303)


@router.post("/network/{member_id}/delete", dependencies=[Depends(verify_csrf)])
def remove(request: Request, viewer: Manager, member_id: RowId) -> Response:
    network.delete_member(ctx.engine(request), viewer, member_id)
    return RedirectResponse("/network", status_code=303)
