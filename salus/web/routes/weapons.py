"""Pages of the small-arms registry (issue 6), under ``/weapons``.

The pages live in :mod:`salus.web.weapons_registry` (list, search, check, weapon),
:mod:`salus.web.weapons_events` (record an event), :mod:`salus.web.weapons_people` (owners,
licences), :mod:`salus.web.weapons_stock` (stockpiles) and :mod:`salus.web.weapons_tracing`
(tracing, SDG 16.4.2). Fixed paths are included before ``/weapons/{uid}`` so that they are not
read as a weapon id.
"""

from __future__ import annotations

from fastapi import APIRouter

from salus.web import (
    weapons_events,
    weapons_people,
    weapons_registry,
    weapons_stock,
    weapons_tracing,
)

router = APIRouter(include_in_schema=False)
for part in (weapons_registry.router, weapons_people.router, weapons_stock.router,
             weapons_tracing.router, weapons_events.router, weapons_registry.detail_router):
    router.include_router(part)
