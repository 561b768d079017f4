"""RFC 9457 problem details for every API error."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from salus.usecases.errors import RateLimited, UseCaseError, ValidationFailed

PROBLEM = "application/problem+json"


def problem(status: int, title: str, detail: str = "", instance: str = "",
            **extra: Any) -> JSONResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


async def on_use_case_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, UseCaseError)
    extra: dict[str, Any] = {}
    if isinstance(exc, ValidationFailed):
        extra["errors"] = exc.errors
    response = problem(exc.status, exc.title, exc.detail, request.url.path, **extra)
    if isinstance(exc, RateLimited):
        response.headers["Retry-After"] = str(exc.retry_after)
    if exc.status == 401:
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


async def on_request_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [{"field": ".".join(str(p) for p in e.get("loc", ())[1:]) or "body",
               "code": str(e.get("type", "invalid")), "message": str(e.get("msg", ""))}
              for e in exc.errors()]
    return problem(422, "Validation failed", f"{len(errors)} parameter(s) are invalid",
                   request.url.path, errors=errors)


async def on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return problem(exc.status_code, str(exc.detail), instance=request.url.path)


def install(app: FastAPI) -> None:
    app.add_exception_handler(UseCaseError, on_use_case_error)
    app.add_exception_handler(RequestValidationError, on_request_validation)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
