"""Options and helpers shared by every CLI command: ``--db``, ``--user``, opening the store,
and printing a refusal.

``salus --help`` imports every command module, so this module (and the top of each command
module) stays light: SQLAlchemy, the settings, the use cases and the analytics they pull in
(pandas, scipy, ibis…) are imported inside the functions that need them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

if TYPE_CHECKING:
    import sqlalchemy as sa

    from salus.domain.accounts.roles import Viewer
    from salus.usecases.errors import UseCaseError

console = Console()
err_console = Console(stderr=True)

DB_HELP = "database URL (default: $SALUS_DATABASE_URL or sqlite:///salus.db)"


def db_option(help: str = DB_HELP) -> Any:
    """The ``--db`` option, for ``Annotated[...]`` (give the default with ``=``).

    Every command uses :data:`DbOption`; the demo, which never reads ``$SALUS_DATABASE_URL``
    and has its own default store, passes its own ``help``.
    """
    return typer.Option("--db", help=help)


DbOption = Annotated[str | None, db_option()]
UserOption = Annotated[str | None, typer.Option(
    "--user", help="the account acting (default: $SALUS_USER); its role and area apply")]


def database_url(db: str | None) -> str:
    """``--db``, else ``$SALUS_DATABASE_URL``, else ``sqlite:///salus.db``."""
    from salus.config import settings

    return db or settings().database_url


def open_db(db: str | None) -> sa.Engine:
    """Open (and create or migrate) the store the user chose."""
    from salus.storage.db import open_store

    return open_store(database_url(db))


def fail(message: str, code: int = 2) -> NoReturn:
    """Print ``message`` as one red line on stderr and exit with ``code``.

    2 (the default): the command refused its input; 1: it ran and found a problem.
    """
    err_console.print(f"[red]{escape(message)}[/red]")
    raise typer.Exit(code)


def fail_use_case(exc: UseCaseError, code: int = 2) -> NoReturn:
    """Print a use case's refusal (its field errors, else its detail) and exit with ``code``."""
    from salus.usecases.errors import ValidationFailed

    detail = exc.detail
    if isinstance(exc, ValidationFailed):
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in exc.errors)
    fail(detail, code)


def store_account(db: str | None, user: str | None) -> tuple[sa.Engine, Viewer]:
    """The store and the viewer of one of its accounts (``--user`` or ``$SALUS_USER``).

    Commands over registry data act as a named account, with that account's role and area,
    so the audit log says who looked.
    """
    from salus.config import settings
    from salus.usecases.errors import UseCaseError
    from salus.usecases.weapons.common import account_viewer

    engine = open_db(db)
    name = user or settings().user
    if not name:
        fail("give --user (an account of this store) or set SALUS_USER")
    try:
        return engine, account_viewer(engine, name)
    except UseCaseError as exc:
        fail_use_case(exc)
