"""Pages of ``salus serve --public``: the published dashboard, indicators and the weapons
collected-and-destroyed report only."""

from __future__ import annotations

from fastapi import APIRouter

from salus.web.indicators import dashboard, reference
from salus.web.weapons import collection as weapons_collection

router = APIRouter(include_in_schema=False)
router.include_router(dashboard.router)
router.add_api_route("/indicators", reference.indicator_page, methods=["GET"])
# weapons collected and destroyed, as published (issue 13): small counts suppressed
router.include_router(weapons_collection.public_router)
router.add_api_route("/weapons/collection-report", weapons_collection.public_report_page,
                     methods=["GET"])
