"""Pydantic models of API requests and responses (the OpenAPI schema comes from these)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field

T = TypeVar("T")


class Problem(BaseModel):
    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[dict[str, Any]] | None = None


class PageOut(BaseModel, Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int
    pages: int


class Me(BaseModel):
    username: str
    role: str
    area: str | None
    language: str | None
    permissions: list[str]


class TokenIn(BaseModel):
    name: str = Field("api", max_length=100)


class TokenOut(BaseModel):
    token: str
    name: str


class UserIn(BaseModel):
    username: str = Field(..., max_length=100)
    password: str = Field(..., min_length=10, max_length=200)
    role: str
    area: str | None = None
    language: str | None = None
    display_name: str | None = None


class UserOut(BaseModel):
    username: str
    role: str
    area: str | None
    language: str | None
    active: bool
    created_at: dt.datetime


class PasswordOut(BaseModel):
    username: str
    password: str


ERRORS: dict[int | str, dict[str, Any]] = {
    s: {"model": Problem, "content": {"application/problem+json": {}}}
    for s in (401, 403, 404, 422)
}
