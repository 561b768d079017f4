"""Who is calling: a bearer token, the browser session (CSRF header on writes) or the public."""

from __future__ import annotations

import hmac

import sqlalchemy as sa
from fastapi import Request

from salus.api import context as ctx
from salus.api.csrf import HEADER, SAFE_METHODS
from salus.domain.accounts.roles import PUBLIC_VIEWER, Viewer
from salus.usecases.errors import NotAuthenticated, PermissionDenied


def api_viewer(request: Request) -> Viewer:
    """The caller of an API endpoint; 401 problem when nobody is signed in."""
    st = ctx.state(request)
    if st.public:
        return PUBLIC_VIEWER
    viewer = ctx.bearer_viewer(request)
    if viewer is not None:
        return viewer
    session = ctx.current_session(request)
    if session is None:
        raise NotAuthenticated("send a bearer token or sign in")
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(HEADER, "")
        if not hmac.compare_digest(sent, session.csrf_token):
            raise PermissionDenied("cookie-authenticated writes need the X-CSRF-Token header")
    return session.viewer


def db(request: Request) -> sa.Engine:
    return ctx.engine(request)
