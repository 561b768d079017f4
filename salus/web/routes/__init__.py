"""Page routers. ``ROUTERS`` for the full app, ``PUBLIC_ROUTERS`` for ``salus serve --public``.

Feature modules (``FEATURE_MODULES``) expose ``router`` (signed-in pages) and may expose
``public_router`` (pages anyone may open: served by the full app and by the public one).
"""

from __future__ import annotations

from importlib import import_module

from fastapi import APIRouter

from salus.web.routes import (
    admin,
    auth,
    dashboard,
    imports,
    incidents,
    pages_public,
    reference,
)

FEATURE_MODULES = ("weapons", "plan_forms", "plans", "citizen_reports", "reconcile", "weapon_forms")


def _feature_routers(attr: str) -> list[APIRouter]:
    out: list[APIRouter] = []
    for name in FEATURE_MODULES:
        try:
            module = import_module(f"salus.web.routes.{name}")
        except ModuleNotFoundError as exc:  # feature still being built
            if exc.name != f"salus.web.routes.{name}":
                raise
            continue
        if hasattr(module, attr):
            out.append(getattr(module, attr))
    return out


ROUTERS = [auth.router, admin.router, dashboard.router, incidents.router, imports.router,
           reference.router, *_feature_routers("router"), *_feature_routers("public_router")]
PUBLIC_ROUTERS = [pages_public.router, *_feature_routers("public_router")]
