"""Jinja2 environment (with gettext) and the page renderer every router uses."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import urlencode

import jinja2
from fastapi import Request
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from salus import i18n
from salus.api import context as ctx
from salus.api.csrf import csrf_token
from salus.domain.accounts.roles import Permission
from salus.i18n import N_
from salus.web.views import finding_message

ROLE_NAMES = {"admin": N_("Administrator"), "analyst": N_("Analyst"),
              "data_entry": N_("Data entry"), "community_monitor": N_("Community monitor"),
              "registry_officer": N_("Registry officer"),
              "public": N_("Public")}


def role_name(role: str) -> str:
    return i18n.gettext(ROLE_NAMES.get(str(role), str(role)))


@cache
def environment() -> jinja2.Environment:
    folder = str(resources.files("salus.web").joinpath("templates"))
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(folder),
                             autoescape=jinja2.select_autoescape(["html"]),
                             extensions=["jinja2.ext.i18n"], trim_blocks=True,
                             lstrip_blocks=True)
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(number=i18n.number, percent=i18n.percent, fmt_date=i18n.date,
                       fmt_month=i18n.month, fmt_datetime=i18n.datetime, label=i18n.label,
                       LANGUAGES=i18n.LANGUAGES, Permission=Permission,
                       role_name=role_name, finding_message=finding_message)
    env.filters["tojson_attr"] = lambda v: json.dumps(v, ensure_ascii=False)
    return env


def language_for(request: Request) -> str:
    session = ctx.current_session(request)
    user_lang = session.viewer.language if session else None
    return i18n.negotiate(request.headers.get("accept-language"),
                          request.query_params.get("lang"),
                          request.cookies.get(ctx.LANGUAGE_COOKIE), user_lang)


class LanguageMiddleware:
    """Negotiates the language of every request once, before any page, API route or error
    page runs, and makes it current for gettext and Babel (routes never set it themselves).

    Pure ASGI so the context variable reaches the route, its dependencies and the error
    handlers (sync routes run in a thread that copies this context)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not scope["path"].startswith("/static/"):
            # the session look-up may query the store: keep it off the event loop
            lang = await run_in_threadpool(language_for, Request(scope))
            i18n.current_language.set(lang)
        await self.app(scope, receive, send)


def query_with(request: Request, **changes: Any) -> str:
    """The current query string with some parameters replaced (None removes one)."""
    params = dict(request.query_params)
    for key, value in changes.items():
        if value is None:
            params.pop(key, None)
        else:
            params[key] = str(value)
    return "?" + urlencode(params) if params else "?"


def render(request: Request, template: str, status_code: int = 200,
           **context: Any) -> HTMLResponse:
    lang = i18n.current_language.get()
    session = ctx.current_session(request)
    st = ctx.state(request)
    viewer = session.viewer if session else (ctx.PUBLIC_VIEWER if st.public else None)
    base = {"request": request, "lang": lang, "dir": i18n.direction(lang), "viewer": viewer,
            "public_mode": st.public, "csrf_token": csrf_token(request),
            "query_with": lambda **kw: query_with(request, **kw)}
    html = environment().get_template(template).render(**base, **context)
    response = HTMLResponse(html, status_code=status_code)
    if request.query_params.get("lang") in i18n.LANGUAGES:
        response.set_cookie(ctx.LANGUAGE_COOKIE, lang, max_age=365 * 86400, samesite="lax",
                            httponly=True, secure=ctx.is_https(request))
    return response
