"""Options and helpers shared by every CLI command."""

from __future__ import annotations

import os
from typing import Any, NoReturn

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


def fail_use_case(exc: Any) -> NoReturn:
    """Print a use case's refusal (every field error, then its detail) and exit with status 2."""
    from salus.usecases.errors import ValidationFailed

    detail = exc.detail
    if isinstance(exc, ValidationFailed):
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in exc.errors)
    err_console.print(f"[red]{detail}[/red]")
    raise typer.Exit(2)


def store_account(db: str | None, user: str | None) -> tuple[sa.Engine, Any]:
    """The store and the viewer of one of its accounts (``--user`` or ``$SALUS_USER``).

    Commands over registry data act as a named account, with that account's role and area,
    so the audit log says who looked.
    """
    from salus.usecases.errors import UseCaseError
    from salus.usecases.weapons.common import account_viewer

    engine = open_db(db)
    name = user or os.environ.get("SALUS_USER")
    if not name:
        err_console.print("[red]give --user (an account of this store) or set SALUS_USER[/red]")
        raise typer.Exit(2)
    try:
        return engine, account_viewer(engine, name)
    except UseCaseError as exc:
        fail_use_case(exc)
