"""Stockpile pages (IATG 03.10): sites with what they hold, lots past or near their shelf life,
one site's inventory and counts, a count's discrepancy report. Tracing and SDG 16.4.2 are in
:mod:`salus.web.weapons.tracing`. ``WEAPONS`` reads.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from salus.api import context as ctx
from salus.api.deps import Days, RowId
from salus.domain.accounts.roles import Permission, Viewer
from salus.usecases.weapons import stock_counts, stockpiles
from salus.web.pages import needs
from salus.web.templating import render
from salus.web.weapons.labels import wlabel

router = APIRouter(include_in_schema=False)
Reader = Annotated[Viewer, Depends(needs(Permission.WEAPONS))]


@router.get("/weapons/stockpiles")
def sites(request: Request, viewer: Reader, within: Days = 90) -> Response:
    """Every site in scope, the lots past or within ``within`` days of their shelf life, and
    the latest counts with their discrepancies."""
    within = max(0, min(within, 3650))
    engine = ctx.engine(request)
    return render(request, "weapons/stockpiles.html",
                  sites=stockpiles.list_sites(engine, viewer),
                  lots=stockpiles.expiring_lots(engine, viewer, within_days=within),
                  counts=stock_counts.list_counts(engine, viewer)[:20], within=within,
                  wlabel=wlabel)


@router.get("/weapons/stockpiles/counts/{count_id}")
def count_page(request: Request, viewer: Reader, count_id: RowId) -> Response:
    report = stock_counts.count_report(ctx.engine(request), viewer, count_id)
    return render(request, "weapons/count.html", report=report, wlabel=wlabel)


@router.get("/weapons/stockpiles/{code}")
def site_page(request: Request, viewer: Reader, code: str) -> Response:
    engine = ctx.engine(request)
    inventory = stockpiles.inventory(engine, viewer, code)
    return render(request, "weapons/site.html", inv=inventory,
                  counts=stock_counts.list_counts(engine, viewer, code), wlabel=wlabel)
