"""Pagination shared by list use cases."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
MAX_PER_PAGE = 500
MAX_PAGE = 1_000_000


@dataclass(frozen=True, slots=True)
class PageRequest:
    page: int = 1
    per_page: int = 50

    def __post_init__(self) -> None:
        object.__setattr__(self, "page", min(MAX_PAGE, max(1, int(self.page))))
        object.__setattr__(self, "per_page", min(MAX_PER_PAGE, max(1, int(self.per_page))))

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))
