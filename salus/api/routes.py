"""The ``/api/v1`` routers, the full set or the public one."""

from __future__ import annotations

from fastapi import APIRouter


def routers(public: bool) -> list[APIRouter]:
    from salus.api import accounts, imports, incidents, reference

    if public:
        return [reference.public_router]
    return [accounts.router, incidents.router, reference.router, imports.router]
