"""Errors the use cases raise; the API and the web turn them into responses in one place."""
# ruff: noqa: N818 - names read as HTTP outcomes (NotFound, PermissionDenied), as in Django

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class UseCaseError(Exception):
    status = 400
    title = "Bad request"

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title


class PermissionDenied(UseCaseError):
    status = 403
    title = "Forbidden"


class NotAuthenticated(UseCaseError):
    status = 401
    title = "Not authenticated"


class NotFound(UseCaseError):
    status = 404
    title = "Not found"


class Conflict(UseCaseError):
    status = 409
    title = "Conflict"


class RateLimited(UseCaseError):
    status = 429
    title = "Too many attempts"

    def __init__(self, detail: str = "", retry_after: int = 60) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class InvalidCredentials(UseCaseError):
    status = 401
    title = "Invalid username or password"


class ValidationFailed(UseCaseError):
    """One or more fields are invalid; ``errors`` lists ``{field, code, message}``."""

    status = 422
    title = "Validation failed"

    def __init__(self, errors: Sequence[dict[str, Any]], detail: str = "") -> None:
        super().__init__(detail or f"{len(errors)} field(s) are invalid")
        self.errors = list(errors)

    def by_field(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for e in self.errors:
            out.setdefault(str(e["field"]), []).append(str(e["message"]))
        return out


def require(condition: bool, detail: str = "") -> None:
    if not condition:
        raise PermissionDenied(detail)


def required_text(value: str | None, field: str, limit: int) -> str:
    """``value`` without surrounding spaces, or a :class:`ValidationFailed` naming ``field``:
    ``required`` when it is empty, ``too_long`` beyond ``limit`` characters (each feature
    passes its own limit: plans 300, surveys 200)."""
    text = (value or "").strip()
    if not text:
        raise ValidationFailed([{"field": field, "code": "required",
                                 "message": f"{field} is required"}])
    if len(text) > limit:
        raise ValidationFailed([{"field": field, "code": "too_long",
                                 "message": f"{field} is longer than {limit} characters"}])
    return text
