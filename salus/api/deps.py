"""The dependencies every API router uses, defined once: who is calling (a bearer token, the
browser session with the CSRF header on writes, or the public), the store, and paging.

Routers declare ``viewer: ViewerDep, engine: Db, page: Page = 1, per_page: PerPage = 50`` and
id path parameters as ``RowId``. Every integer path or query parameter, in the API and in the web
pages, is bounded (these aliases, or ``Query(ge=…, le=…)``) so that no number reaches the
database beyond what its column holds; ``tests/test_route_bounds.py`` walks the app's routes and
fails on an unbounded one.
"""

from __future__ import annotations

import hmac
from typing import Annotated

import sqlalchemy as sa
from fastapi import Depends, Path, Query, Request

from salus.api import context as ctx
from salus.api.csrf import HEADER, SAFE_METHODS
from salus.domain.accounts.roles import PUBLIC_VIEWER, Viewer
from salus.usecases.errors import NotAuthenticated, PermissionDenied
from salus.usecases.paging import CURSOR_MAX_LENGTH, MAX_PAGE, MAX_PER_PAGE


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


ViewerDep = Annotated[Viewer, Depends(api_viewer)]
"""The caller of the endpoint (401 problem when nobody is signed in)."""
Db = Annotated[sa.Engine, Depends(db)]
"""The store's engine."""
Page = Annotated[int, Query(ge=1, le=MAX_PAGE)]
"""A page number, from 1."""
NumberedPage = Annotated[int | None, Query(ge=1, le=MAX_PAGE)]
"""An optional page number (keyset lists page by cursor; a number still works, capped)."""
PerPage = Annotated[int, Query(ge=1, le=MAX_PER_PAGE)]
"""Items per page (at most :data:`salus.usecases.paging.MAX_PER_PAGE`)."""
Cursor = Annotated[str | None, Query(
    max_length=CURSOR_MAX_LENGTH, description="a page's next or prev cursor (keyset paging)")]
"""A keyset page's cursor, as a list's ``next`` / ``prev`` gives it (checked by the use case)."""
MAX_ROW_ID = 2**31 - 1
"""The largest id a record can have (a larger number would overflow the database's integer)."""
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]
"""A record's id in the path (plans, assessments, problems, reconciliation jobs, alerts…): an id
beyond :data:`MAX_ROW_ID` (say 2**63, which SQLite cannot even bind) is a 422, never a 500."""
OptionalRowId = Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)]
"""A record's id in the query string, optional."""
MAX_DAYS = 36_600
"""The longest window in days a page takes (a century)."""
Days = Annotated[int, Query(ge=0, le=MAX_DAYS)]
"""A number of days in the query string (licences expiring within, stock counts due within)."""
