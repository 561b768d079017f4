"""CSRF protection: a per-session token (or, before login, a double-submit cookie).

Every unsafe request made with the session cookie must carry the token in the form field
``csrf_token`` or the ``X-CSRF-Token`` header (HTMX sends it from ``hx-headers``). Bearer-token
API calls carry no cookie and need none.
"""

from __future__ import annotations

import hmac

from fastapi import Request

from salus.api import context as ctx
from salus.domain.accounts import secrets as sec
from salus.usecases.errors import PermissionDenied

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FIELD = "csrf_token"
HEADER = "x-csrf-token"


def csrf_token(request: Request) -> str:
    """The token forms on this page must send back."""
    session = ctx.current_session(request)
    if session is not None:
        return session.csrf_token
    if "salus_pre_csrf" not in request.scope:
        request.scope["salus_pre_csrf"] = (request.cookies.get(ctx.PRE_CSRF_COOKIE)
                                           or sec.new_token())
    return request.scope["salus_pre_csrf"]  # type: ignore[no-any-return]


async def verify_csrf(request: Request) -> None:
    """Dependency for form posts: reject a missing or wrong token with 403."""
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get(HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get(FIELD)
        sent = value if isinstance(value, str) else None
    session = ctx.current_session(request)
    expected = session.csrf_token if session else request.cookies.get(ctx.PRE_CSRF_COOKIE)
    if not sent or not expected or not hmac.compare_digest(sent, expected):
        raise PermissionDenied("the form's security token is missing or out of date; "
                               "reload the page and try again")


def remember_pre_session_token(request: Request, response: object) -> None:
    """Set the double-submit cookie on anonymous pages that show a form (login)."""
    if ctx.current_session(request) is None and "salus_pre_csrf" in request.scope:
        response.set_cookie(ctx.PRE_CSRF_COOKIE, request.scope["salus_pre_csrf"],  # type: ignore[attr-defined]
                            httponly=True, samesite="strict", secure=ctx.is_https(request))
