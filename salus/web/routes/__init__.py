"""Page routers. ``ROUTERS`` for the full app, ``PUBLIC_ROUTERS`` for ``salus serve --public``.

Feature modules expose ``router`` (signed-in pages) and may expose ``public_router`` (pages
anyone may open: served by the full app and by the public one). Order matters where paths
overlap: the form modules come before the pages whose ``/{id}`` routes would catch ``/new``.
"""

from __future__ import annotations

from salus.web.routes import (
    admin,
    auth,
    citizen_reports,
    dashboard,
    imports,
    incidents,
    pages_public,
    plan_forms,
    plans,
    reconcile,
    reference,
    weapon_forms,
    weapons,
)

ROUTERS = [auth.router, admin.router, dashboard.router, incidents.router, imports.router,
           reference.router, weapons.router, plan_forms.router, plans.router,
           citizen_reports.router, reconcile.router, weapon_forms.router,
           plans.public_router, citizen_reports.public_router]
PUBLIC_ROUTERS = [pages_public.router, plans.public_router, citizen_reports.public_router]
