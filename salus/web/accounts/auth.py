"""Sign in, sign out, language choice and the account page (API tokens)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from salus import i18n
from salus.api import context as ctx
from salus.api.csrf import remember_pre_session_token, verify_csrf
from salus.domain.accounts.roles import Viewer
from salus.usecases.accounts import sessions
from salus.usecases.accounts import users as accounts
from salus.usecases.errors import InvalidCredentials, RateLimited, UseCaseError
from salus.web.accounts.messages import error_lines
from salus.web.pages import page_viewer
from salus.web.templating import render

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    return target if target and target.startswith("/") and not target.startswith("//") else "/"


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:
    response = render(request, "login.html", next=_safe_next(next), error=None)
    remember_pre_session_token(request, response)
    return response


@router.post("/login", dependencies=[Depends(verify_csrf)])
def login(request: Request, username: Annotated[str, Form()],
          password: Annotated[str, Form()], next: Annotated[str, Form()] = "/") -> Response:
    try:
        session = sessions.login(ctx.engine(request), username, password,
                                 ctx.client_address(request))
    except (InvalidCredentials, RateLimited) as exc:
        status = exc.status if isinstance(exc, RateLimited) else 400
        failed = render(request, "login.html", status_code=status, next=_safe_next(next),
                        error=exc, username=username)
        remember_pre_session_token(request, failed)
        return failed
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(ctx.SESSION_COOKIE, session.token, httponly=True, samesite="lax",
                        secure=ctx.is_https(request),
                        max_age=int(accounts.SESSION_TTL.total_seconds()))
    response.delete_cookie(ctx.PRE_CSRF_COOKIE)
    return response


@router.post("/logout", dependencies=[Depends(verify_csrf)])
def logout(request: Request) -> Response:
    token = request.cookies.get(ctx.SESSION_COOKIE)
    if token:
        sessions.logout(ctx.engine(request), token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(ctx.SESSION_COOKIE)
    return response


@router.post("/language", dependencies=[Depends(verify_csrf)])
def choose_language(request: Request, language: Annotated[str, Form()],
                    next: Annotated[str, Form()] = "/") -> Response:
    """Remember the choice in a cookie, and on the account of a signed-in user."""
    response = RedirectResponse(_safe_next(next), status_code=303)
    if language not in i18n.LANGUAGES:
        return response
    session = ctx.current_session(request)
    if session is not None:
        from salus.usecases.accounts.users import set_own_language

        set_own_language(ctx.engine(request), session.viewer, language)
    response.set_cookie(ctx.LANGUAGE_COOKIE, language, max_age=365 * 86400, samesite="lax",
                        httponly=True, secure=ctx.is_https(request))
    return response


@router.get("/account")
def account(request: Request, viewer: Annotated[Viewer, Depends(page_viewer)]) -> Response:
    tokens = sessions.list_api_tokens(ctx.engine(request), viewer)
    return render(request, "account.html", tokens=tokens, new_token=None, error=None)


@router.post("/account/tokens", dependencies=[Depends(verify_csrf)])
def new_token(request: Request, viewer: Annotated[Viewer, Depends(page_viewer)],
              name: Annotated[str, Form()] = "token") -> Response:
    token = sessions.create_api_token(ctx.engine(request), viewer, name)
    tokens = sessions.list_api_tokens(ctx.engine(request), viewer)
    return render(request, "account.html", tokens=tokens, new_token=token, error=None)


@router.post("/account/tokens/{prefix}/revoke", dependencies=[Depends(verify_csrf)])
def revoke_token(request: Request, prefix: str,
                 viewer: Annotated[Viewer, Depends(page_viewer)]) -> Response:
    sessions.revoke_api_token(ctx.engine(request), viewer, prefix)
    return RedirectResponse("/account", status_code=303)


@router.post("/account/password", dependencies=[Depends(verify_csrf)])
def change_password(request: Request, viewer: Annotated[Viewer, Depends(page_viewer)],
                    current: Annotated[str, Form()], new: Annotated[str, Form()]) -> Response:
    engine = ctx.engine(request)
    tokens = sessions.list_api_tokens(engine, viewer)
    try:
        sessions.verify_own_password(engine, viewer, current)
        accounts.reset_password(engine, viewer, viewer.username, new)
    except UseCaseError as exc:
        return render(request, "account.html", status_code=400, tokens=tokens, new_token=None,
                      error=exc, error_lines=error_lines(exc))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(ctx.SESSION_COOKIE)
    return response
