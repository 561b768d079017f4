"""Administration pages: users (create, change role/scope, reset password) and the audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from salus.api import context as ctx
from salus.api.csrf import verify_csrf
from salus.api.deps import Cursor, NumberedPage
from salus.domain.accounts.roles import Permission, UserRole, Viewer
from salus.usecases.accounts import audit as audit_uc
from salus.usecases.accounts import users as accounts
from salus.usecases.errors import UseCaseError
from salus.usecases.paging import SeekRequest
from salus.web.accounts.messages import error_lines
from salus.web.pages import needs
from salus.web.templating import render

router = APIRouter(include_in_schema=False)
Admin = Annotated[Viewer, Depends(needs(Permission.MANAGE_USERS))]
Auditor = Annotated[Viewer, Depends(needs(Permission.AUDIT))]


def _users_page(request: Request, viewer: Viewer, status: int = 200, **extra: object) -> Response:
    users = accounts.list_users(ctx.engine(request), viewer)
    context = {"users": users, "roles": list(UserRole), "error": None, "message": None}
    context.update(extra)
    error = context["error"]
    context["error_lines"] = error_lines(error if isinstance(error, UseCaseError) else None)
    return render(request, "users.html", status_code=status, **context)


@router.get("/users")
def users(request: Request, viewer: Admin) -> Response:
    return _users_page(request, viewer)


@router.post("/users", dependencies=[Depends(verify_csrf)])
def add_user(request: Request, viewer: Admin, username: Annotated[str, Form()],
             password: Annotated[str, Form()], role: Annotated[str, Form()],
             area: Annotated[str, Form()] = "", language: Annotated[str, Form()] = "",
             email: Annotated[str, Form()] = "") -> Response:
    try:
        accounts.create_user(ctx.engine(request), viewer, username.strip(), password, role,
                             area_code=area.strip() or None, language=language or None,
                             email=email)
    except UseCaseError as exc:
        return _users_page(request, viewer, 400, error=exc)
    return _users_page(request, viewer, message=("created", username))


@router.post("/users/{username}", dependencies=[Depends(verify_csrf)])
def change_user(request: Request, viewer: Admin, username: str, role: Annotated[str, Form()],
                area: Annotated[str, Form()] = "",
                active: Annotated[str, Form()] = "",
                email: Annotated[str | None, Form()] = None) -> Response:
    """Save a user's row; ``email`` left out of the form keeps the address, empty clears it."""
    try:
        accounts.update_user(ctx.engine(request), viewer, username, role=role,
                             area_code=area.strip(), active=active == "on", email=email)
    except UseCaseError as exc:
        return _users_page(request, viewer, 400, error=exc)
    return _users_page(request, viewer, message=("updated", username))


@router.post("/users/{username}/password", dependencies=[Depends(verify_csrf)])
def reset(request: Request, viewer: Admin, username: str) -> Response:
    password = accounts.reset_password(ctx.engine(request), viewer, username)
    return _users_page(request, viewer, message=("password", username), password=password)


@router.get("/audit")
def audit_log(request: Request, viewer: Auditor, actor: str = "", action: str = "",
              entity: str = "", entity_id: str = "", page: NumberedPage = None,
              cursor: Cursor = None,
              ) -> Response:
    """The audit log, newest first, by keyset pages (``cursor``) with a capped total."""
    f = audit_uc.AuditFilter(actor or None, action or None, entity or None, entity_id or None)
    events = audit_uc.seek_events(ctx.engine(request), viewer, f,
                                  SeekRequest(100, cursor, page))
    return render(request, "audit.html", events=events, page_obj=events, filters=f)
