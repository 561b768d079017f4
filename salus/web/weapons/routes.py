"""Pages of the small-arms registry (issue 6), under ``/weapons``.

The pages live in :mod:`salus.web.weapons.registry` (list, search, check, weapon),
:mod:`salus.web.weapons.events` (record an event), :mod:`salus.web.weapons.people` (owners,
licences), :mod:`salus.web.weapons.stock` (stockpiles) and :mod:`salus.web.weapons.tracing`
(tracing, SDG 16.4.2) and :mod:`salus.web.weapons.collection` (collection campaigns,
destruction events, the collected-and-destroyed report). Fixed paths are included before
``/weapons/{uid}`` so that they are not read as a weapon id.
"""

from __future__ import annotations

from fastapi import APIRouter

from salus.web.weapons import collection as weapons_collection
from salus.web.weapons import events as weapons_events
from salus.web.weapons import people as weapons_people
from salus.web.weapons import registry as weapons_registry
from salus.web.weapons import stock as weapons_stock
from salus.web.weapons import tracing as weapons_tracing

router = APIRouter(include_in_schema=False)
for part in (weapons_registry.router, weapons_people.router, weapons_stock.router,
             weapons_tracing.router, weapons_events.router, weapons_collection.router,
             weapons_collection.public_router, weapons_registry.detail_router):
    router.include_router(part)
