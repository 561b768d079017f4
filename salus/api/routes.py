"""The ``/api/v1`` routers, the full set or the public one."""

from __future__ import annotations

from fastapi import APIRouter


def routers(public: bool) -> list[APIRouter]:
    from salus.api import (
        accounts,
        alerts,
        citizen_reports,
        imports,
        incidents,
        plans,
        reconcile,
        reference,
        surveys,
    )
    from salus.api.weapons import collection as weapons_collection
    from salus.api.weapons import routes as weapons

    if public:
        return [reference.public_router, plans.public_router, citizen_reports.public_router,
                surveys.public_router, weapons_collection.public_router]
    # weapons_collection before weapons: its /weapons/campaigns... would read as /weapons/{uid}
    return [accounts.router, incidents.router, reference.router, imports.router,
            weapons_collection.router, weapons_collection.public_router, weapons.router,
            plans.router, plans.public_router, citizen_reports.public_router,
            citizen_reports.router, reconcile.router, alerts.router, surveys.router,
            surveys.public_router]
