"""``/api/v1/me``, ``/api/v1/tokens`` and ``/api/v1/users`` (administrators)."""

from __future__ import annotations

from fastapi import APIRouter

from salus.api.deps import Db, ViewerDep
from salus.api.schemas import (
    ERRORS,
    Me,
    PasswordIn,
    PasswordOut,
    TokenIn,
    TokenOut,
    UserIn,
    UserOut,
    UserPatch,
)
from salus.usecases.accounts import sessions
from salus.usecases.accounts import users as accounts

router = APIRouter(tags=["accounts"], responses=ERRORS)


def _user_out(u: accounts.UserInfo) -> UserOut:
    return UserOut(username=u.username, role=u.role, area=u.area_code, language=u.language,
                   active=u.active, created_at=u.created_at, email=u.email)


@router.get("/me", response_model=Me)
def me(viewer: ViewerDep) -> Me:
    """Who the API sees: username, role, area scope and permissions."""
    return Me(username=viewer.username, role=viewer.role.value, area=viewer.area_code,
              language=viewer.language, permissions=sorted(p.value for p in viewer.permissions))


@router.post("/tokens", response_model=TokenOut, status_code=201)
def create_token(body: TokenIn, viewer: ViewerDep, engine: Db) -> TokenOut:
    """A new API token for the caller (shown once)."""
    return TokenOut(token=sessions.create_api_token(engine, viewer, body.name), name=body.name)


@router.get("/users", response_model=list[UserOut])
def list_users(viewer: ViewerDep, engine: Db) -> list[UserOut]:
    return [_user_out(u) for u in accounts.list_users(engine, viewer)]


@router.post("/users", response_model=UserOut, status_code=201)
def create_user(body: UserIn, viewer: ViewerDep, engine: Db) -> UserOut:
    return _user_out(accounts.create_user(engine, viewer, body.username, body.password,
                                          body.role, area_code=body.area,
                                          display_name=body.display_name,
                                          language=body.language, email=body.email))


@router.patch("/users/{username}", response_model=UserOut)
def update_user(username: str, body: UserPatch, viewer: ViewerDep, engine: Db) -> UserOut:
    """Administrators: change a user's role, area scope, language, activity or e-mail address
    (fields left out keep their value; ``""`` clears the area or the address). A new role or
    a deactivation ends the user's sessions."""
    return _user_out(accounts.update_user(engine, viewer, username, role=body.role,
                                          area_code=body.area, active=body.active,
                                          language=body.language, email=body.email))


@router.post("/users/{username}/password-reset", response_model=PasswordOut)
def reset_password(username: str, viewer: ViewerDep, engine: Db,
                   body: PasswordIn | None = None) -> PasswordOut:
    """Administrators: set a chosen (strength-checked; 422 with zxcvbn's feedback when too
    easy to guess) or random new password; ends the user's sessions and API tokens."""
    chosen = body.password if body else None
    new = accounts.reset_password(engine, viewer, username, chosen)
    return PasswordOut(username=username, password=None if chosen else new)
