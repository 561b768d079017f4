"""Weapon pages: the list with filters and the tolerant serial search, one weapon's page
(markings, status, lifecycle timeline, incidents, holders) and the "is this weapon registered
and to whom" check.

``WEAPONS`` reads; holders' names reach ``WEAPON_OWNERS`` viewers only, and the use cases audit
every such read (:mod:`salus.usecases.weapons.history`, :mod:`salus.usecases.weapons.check`).
Recording lifecycle events is in :mod:`salus.web.weapons.events`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from salus.api import context as ctx
from salus.api.deps import Cursor, NumberedPage
from salus.domain.accounts.roles import Permission, Viewer
from salus.domain.weapons.registry import weapon_categories
from salus.usecases.errors import ValidationFailed
from salus.usecases.paging import SeekRequest
from salus.usecases.weapons import check as weapons_check
from salus.usecases.weapons import history as weapons_history
from salus.usecases.weapons import links as weapons_links
from salus.usecases.weapons import records as weapons
from salus.usecases.weapons import search as weapon_search
from salus.web.pages import needs
from salus.web.templating import render
from salus.web.weapons.labels import choices, wlabel

router = APIRouter(include_in_schema=False)
detail_router = APIRouter(include_in_schema=False)
Reader = Annotated[Viewer, Depends(needs(Permission.WEAPONS))]
OwnerReader = Annotated[Viewer, Depends(needs(Permission.WEAPON_OWNERS))]
FILTERS = ("q", "category", "status", "manufacturer", "area")


def _text(value: str | None, limit: int = 100) -> str:
    return (value or "").strip()[:limit]


def weapon_filter(request: Request) -> tuple[weapons.WeaponFilter, dict[str, str]]:
    """The list's filters from the query string, and the same values for the form."""
    values = {k: _text(request.query_params.get(k)) for k in FILTERS}
    f = weapons.WeaponFilter(category=values["category"] or None,
                             status=values["status"] or None,
                             manufacturer=values["manufacturer"] or None,
                             area_code=values["area"] or None)
    return f, values


def lists() -> dict[str, Any]:
    return {"categories": sorted(weapon_categories()), "statuses": choices("status")}


@router.get("/weapons")
def weapon_list(request: Request, viewer: Reader, page: NumberedPage = None,
                cursor: Cursor = None,
                ) -> Response:
    """Every weapon in scope (filters, pages), or the serial search's ranked hits."""
    f, values = weapon_filter(request)
    engine = ctx.engine(request)
    found, error, result = None, None, None
    if values["q"]:
        try:
            found = weapon_search.search_weapons(engine, viewer, values["q"],
                                                 values["manufacturer"] or None, limit=100)
        except ValidationFailed as exc:
            error = exc
    else:
        result = weapons.seek_weapons(engine, viewer, f, SeekRequest(50, cursor, page))
    return render(request, "weapons/list.html", status_code=422 if error else 200,
                  page_obj=result, found=found, error=error, values=values, wlabel=wlabel,
                  **lists())


@router.get("/weapons/check")
def check_page(request: Request, viewer: OwnerReader, serial: str = "",
               manufacturer: str = "", reason: str = "") -> Response:
    """Is this weapon registered, and to whom? Every look-up is audited by the use case."""
    serial, manufacturer, reason = _text(serial), _text(manufacturer), _text(reason, 300)
    result = None
    if serial:
        result = weapons_check.check_weapon(ctx.engine(request), viewer, serial,
                                            manufacturer=manufacturer or None,
                                            reason=reason or None)
    return render(request, "weapons/check.html", serial=serial, manufacturer=manufacturer,
                  reason=reason, result=result, wlabel=wlabel)


@detail_router.get("/weapons/{uid}")
def weapon_page(request: Request, viewer: Reader, uid: str) -> Response:
    """Markings, status, the lifecycle as recorded, linked incidents and holders."""
    engine = ctx.engine(request)
    detail = weapons.get_weapon(engine, viewer, uid)
    story = weapons_history.history(engine, viewer, uid)
    incidents = weapons_links.weapon_incidents(engine, viewer, uid)
    return render(request, "weapons/weapon.html", detail=detail, w=detail.weapon, story=story,
                  incidents=incidents, saved=request.query_params.get("saved") == "1",
                  wlabel=wlabel)
