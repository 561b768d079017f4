"""The ``/api/v1`` routers, the full set or the public one."""

from __future__ import annotations

from importlib import import_module

from fastapi import APIRouter

FEATURE_MODULES = ("weapons", "plans", "citizen_reports", "reconcile")
"""Feature modules of :mod:`salus.api`: each has ``router`` and may have ``public_router``."""


def routers(public: bool) -> list[APIRouter]:
    from salus.api import accounts, imports, incidents, reference

    found = _feature_routers()
    if public:
        return [reference.public_router, *(r for name, r in found if name == "public_router")]
    return [accounts.router, incidents.router, reference.router, imports.router,
            *(r for _name, r in found)]


def _feature_routers() -> list[tuple[str, APIRouter]]:
    out: list[tuple[str, APIRouter]] = []
    for name in FEATURE_MODULES:
        try:
            module = import_module(f"salus.api.{name}")
        except ModuleNotFoundError as exc:  # feature still being built
            if exc.name != f"salus.api.{name}":
                raise
            continue
        for attr in ("router", "public_router"):
            if hasattr(module, attr):
                out.append((attr, getattr(module, attr)))
    return out
