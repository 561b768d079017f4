"""Root Typer app; sub-commands register themselves from sibling modules."""

from __future__ import annotations

from importlib import import_module

import typer

from salus.cli.common import DbOption, console, fail, open_db

app = typer.Typer(
    name="salus",
    help="Salus: community-security observatory — incidents, indicators, early warning.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# name of the module in salus.cli → attribute it exposes (a Typer app or a register function)
COMMAND_MODULES = (
    "imports", "indicators", "demo", "serve", "reconcile", "alerts.inbox", "alerts.tension",
    "weapons.registry", "plans", "citizen_reports", "surveys", "export",
    "cache",
)


@app.command()
def init(db: DbOption = None) -> None:
    """Create the database, or migrate it to the newest schema."""
    engine = open_db(db)
    console.print(f"[green]Schema ready[/green] in {engine.url.render_as_string()}")


@app.command("codes")
def codes(
    list_id: str = typer.Argument(..., help="taxonomy id, e.g. iccs, weapon, misuse_context"),
    language: str = typer.Option("en", "--lang", help="en, fr, es, ru, ar or zh"),
) -> None:
    """Print a code list (ICCS, weapon categories, contexts…) with labels in one language."""
    from rich.table import Table

    from salus.domain import taxonomy

    try:
        tax = taxonomy.load(list_id)
    except taxonomy.UnknownTaxonomy:
        fail(f"No code list {list_id!r}; known: {', '.join(taxonomy.available())}")
    table = Table(title=f"{tax.id} {tax.version}")
    table.add_column("code")
    table.add_column("label")
    for code in tax:
        table.add_row(code.code, "  " * (tax.level(code.code) - 1) + code.label(language))
    console.print(table)


for _name in COMMAND_MODULES:
    import_module(f"salus.cli.{_name}").register(app)


def main() -> None:
    app()
