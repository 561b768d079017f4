"""Options and helpers shared by every CLI command."""

from __future__ import annotations

import os
from typing import Any

import sqlalchemy as sa
import typer
from rich.console import Console

from salus.config import DEFAULT_DATABASE_URL
from salus.storage.db import open_store

console = Console()
err_console = Console(stderr=True)


def db_option() -> Any:
    return typer.Option(
        None, "--db", help="database URL (default: $SALUS_DATABASE_URL or sqlite:///salus.db)"
    )


def database_url(db: str | None) -> str:
    return db or os.environ.get("SALUS_DATABASE_URL") or DEFAULT_DATABASE_URL


def open_db(db: str | None) -> sa.Engine:
    """Open (and create or migrate) the store the user chose."""
    return open_store(database_url(db))
