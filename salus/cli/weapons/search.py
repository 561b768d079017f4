"""``salus weapons search``: find weapons by serial number, tolerant of misreadings.

    salus weapons search 'BOS-1234-ZIG' --user U    # O/0, I/L/1, S/5, B/8, Z/2, G/6 all match
    salus weapons search 'A?C123' -m 'Crvena Zastava' --user U   # ? = an obliterated character
    salus weapons search '*1234' --limit 20 --json --user U      # * = any run of characters

Ranked: exact, then pattern/partial, then one-edit near matches (``docs/weapon-search.md``).
Acts as an account of the store (``--user`` or ``$SALUS_USER``) with its role and area, like
every ``salus weapons`` command; the search needs the ``weapons`` permission and is audited.
Added to the ``weapons`` group by :func:`add_commands`, which ``salus.cli.weapons.registry`` calls.
"""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from salus.cli.common import DbOption, UserOption, console, fail_use_case, store_account
from salus.usecases.errors import UseCaseError

if TYPE_CHECKING:
    from salus.usecases.weapons.search import WeaponSearch



def add_commands(weapons_app: typer.Typer) -> None:
    """Add ``search`` to the ``salus weapons`` group."""
    weapons_app.command("search")(search)


def search(
    query: Annotated[str, typer.Argument(
        help="serial as read; ? = one unreadable character, * = any run")],
    manufacturer: Annotated[str | None, typer.Option(
        "--manufacturer", "-m", help="any spelling of the maker's name")] = None,
    limit: Annotated[int, typer.Option(help="most weapons to show (1-500)")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of a table")] = False,
    user: UserOption = None,
    db: DbOption = None,
) -> None:
    """Find weapons by serial number (misreadings, wildcards, maker variants)."""
    from salus.usecases.weapons.search import search_weapons

    engine, viewer = store_account(db, user)
    try:
        result = search_weapons(engine, viewer, query, manufacturer, limit)
    except UseCaseError as exc:
        fail_use_case(exc)
    if as_json:
        typer.echo(json.dumps(dataclasses.asdict(result), ensure_ascii=False, indent=2))
    else:
        _print(result)


def _print(result: WeaponSearch) -> None:
    title = f"serial key pattern {result.pattern}" + (
        f", maker {result.manufacturer_key}" if result.manufacturer_key else "")
    table = Table(title=title)
    for column in ("match", "serial", "uid"):
        table.add_column(column, no_wrap=True)
    for column in ("manufacturer", "model", "status"):
        table.add_column(column)
    for hit in result.hits:
        table.add_row(hit.match, hit.serial_number or "", hit.uid, hit.manufacturer or "",
                      hit.model or "", hit.status or "")
    console.print(table)
    more = " (more match: refine the pattern or raise --limit)" if result.truncated else ""
    console.print(f"{len(result.hits)} weapon(s){more}")
