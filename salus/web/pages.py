"""Dependencies for page routes: the signed-in viewer, with a permission when needed."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request

from salus.api import context as ctx
from salus.domain.accounts.roles import Permission, Viewer
from salus.usecases.errors import NotAuthenticated


def page_viewer(request: Request) -> Viewer:
    """The signed-in user (or the public in public mode); else redirect to the sign-in page."""
    viewer = ctx.optional_viewer(request)
    if viewer is None:
        raise NotAuthenticated("sign in first")
    return viewer


def needs(permission: Permission) -> Callable[[Request], Viewer]:
    """A dependency: the viewer, who must hold ``permission`` (403 page otherwise)."""

    def dependency(request: Request) -> Viewer:
        return ctx.require_permission(page_viewer(request), permission)

    return dependency
