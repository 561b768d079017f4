"""Owners and licences pages: owners (``WEAPON_OWNERS``, every read audited by the use case),
one owner with licences and weapons, the expiring-licence reminder list and one licence with
its history of changes (``WEAPONS``; holders' names only for ``WEAPON_OWNERS``).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from salus.api import context as ctx
from salus.api.deps import Cursor, Days, NumberedPage
from salus.domain.accounts.roles import Permission, Viewer
from salus.usecases.paging import SeekRequest
from salus.usecases.weapons import owners as weapons_owners
from salus.web.pages import needs
from salus.web.templating import render
from salus.web.weapons.labels import wlabel

router = APIRouter(include_in_schema=False)
Reader = Annotated[Viewer, Depends(needs(Permission.WEAPONS))]
OwnerReader = Annotated[Viewer, Depends(needs(Permission.WEAPON_OWNERS))]
WINDOWS = (30, 60, 90, 180, 365)


@router.get("/weapons/owners")
def owner_list(request: Request, viewer: OwnerReader, name: str = "",
               page: NumberedPage = None,
               cursor: Cursor = None,
               ) -> Response:
    """Owners in scope by keyset pages (``cursor``) with a capped total; audited."""
    name = name.strip()[:100]
    result = weapons_owners.seek_owners(ctx.engine(request), viewer, name or None,
                                        SeekRequest(50, cursor, page))
    return render(request, "weapons/owners.html", page_obj=result, name=name, wlabel=wlabel)


@router.get("/weapons/owners/{uid}")
def owner_page(request: Request, viewer: OwnerReader, uid: str) -> Response:
    detail = weapons_owners.get_owner(ctx.engine(request), viewer, uid)
    return render(request, "weapons/owner.html", detail=detail, o=detail.owner, wlabel=wlabel)


@router.get("/weapons/licences")
def expiring(request: Request, viewer: Reader, days: Days = 60, area: str = "") -> Response:
    """Active licences expiring within ``days`` (the renewal reminder list)."""
    days = days if days in WINDOWS else 60
    area = area.strip()[:64]
    rows = weapons_owners.expiring_licences(ctx.engine(request), viewer, days, area or None)
    return render(request, "weapons/licences.html", rows=rows, days=days, area=area,
                  windows=WINDOWS, wlabel=wlabel)


@router.get("/weapons/licences/{number}")
def licence_page(request: Request, viewer: Reader, number: str) -> Response:
    view, events = weapons_owners.get_licence(ctx.engine(request), viewer, number)
    return render(request, "weapons/licence.html", lic=view, events=events, wlabel=wlabel)
