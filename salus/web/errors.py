"""Use-case errors on pages: sign-in redirects and friendly error pages (the API has its own)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from salus.usecases.errors import NotAuthenticated, UseCaseError


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def page_error(request: Request, status: int, title: str, detail: str) -> Response:
    from salus.web.templating import render

    return render(request, "error.html", status_code=status, title=title, detail=detail)


def install(app: FastAPI) -> None:
    """Chain after the API's handlers: pages get HTML, /api/ paths keep problem+json."""
    api_use_case = app.exception_handlers.get(UseCaseError)
    api_http = app.exception_handlers.get(StarletteHTTPException)

    async def on_use_case(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, UseCaseError)
        if is_api(request) and api_use_case:
            return await api_use_case(request, exc)  # type: ignore[no-any-return,misc]
        if isinstance(exc, NotAuthenticated):
            target = quote(request.url.path + ("?" + request.url.query if request.url.query
                                               else ""))
            return RedirectResponse(f"/login?next={target}", status_code=303)
        return page_error(request, exc.status, exc.title, exc.detail)

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        if is_api(request) and api_http:
            return await api_http(request, exc)  # type: ignore[no-any-return,misc]
        return page_error(request, exc.status_code, str(exc.status_code), str(exc.detail))

    app.add_exception_handler(UseCaseError, on_use_case)
    app.add_exception_handler(StarletteHTTPException, on_http)
