"""Pages of ``salus serve --public``: the published dashboard and indicators only."""

from __future__ import annotations

from fastapi import APIRouter

from salus.web.indicators import dashboard, reference

router = APIRouter(include_in_schema=False)
router.include_router(dashboard.router)
router.add_api_route("/indicators", reference.indicator_page, methods=["GET"])
