"""Page routers. ``ROUTERS`` for the full app, ``PUBLIC_ROUTERS`` for ``salus serve --public``."""

from __future__ import annotations

from salus.web.routes import (
    admin,
    auth,
    dashboard,
    imports,
    incidents,
    pages_public,
    reference,
)

ROUTERS = [auth.router, admin.router, dashboard.router, incidents.router, imports.router,
           reference.router]
PUBLIC_ROUTERS = [pages_public.router]
