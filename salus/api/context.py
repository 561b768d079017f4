"""Per-app state and the per-request context shared by the page and API routers."""

from __future__ import annotations

import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from fastapi import Request

from salus.domain.accounts.roles import PUBLIC_VIEWER, Permission, Viewer
from salus.usecases.accounts.sessions import session_viewer, token_viewer
from salus.usecases.accounts.users import Session
from salus.usecases.errors import NotAuthenticated, PermissionDenied

__all__ = ["PUBLIC_VIEWER", "AppState", "Session"]

SESSION_COOKIE = "salus_session"
PRE_CSRF_COOKIE = "salus_csrf"
LANGUAGE_COOKIE = "salus_lang"


@dataclass(slots=True)
class AppState:
    engine: sa.Engine
    public: bool
    secure_cookies: bool | None
    suppression_threshold: int
    cache_key: str = field(default_factory=lambda: uuid.uuid4().hex)
    staging: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="salus-uploads-")))


def state(request: Request) -> AppState:
    return request.app.state.salus  # type: ignore[no-any-return]


def engine(request: Request) -> sa.Engine:
    return state(request).engine


def current_session(request: Request) -> Session | None:
    """The browser session of this request (looked up once and cached on the request)."""
    if "salus_session" not in request.scope:
        token = request.cookies.get(SESSION_COOKIE)
        st = state(request)
        request.scope["salus_session"] = None if st.public else session_viewer(st.engine, token)
    return request.scope["salus_session"]  # type: ignore[no-any-return]


def bearer_viewer(request: Request) -> Viewer | None:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("bearer "):
        return None
    return token_viewer(engine(request), header[7:].strip())


def optional_viewer(request: Request) -> Viewer | None:
    if state(request).public:
        return PUBLIC_VIEWER
    session = current_session(request)
    return session.viewer if session else None


def require_permission(viewer: Viewer, permission: Permission) -> Viewer:
    if not viewer.can(permission):
        raise PermissionDenied(f"your role may not {permission.value.replace('_', ' ')}")
    return viewer


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def is_https(request: Request) -> bool:
    st = state(request)
    if st.secure_cookies is not None:
        return st.secure_cookies
    return request.url.scheme == "https"


def raise_login() -> None:
    raise NotAuthenticated("sign in first")
