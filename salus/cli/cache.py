"""``salus cache warm``: compute the public pages and default dashboards once.

    salus cache warm [--db URL] [--no-communities]

A thin adapter over :func:`salus.usecases.warm.warm`: prints how long each cold figure took.
The figure caches live in each process; the server warms its own after an import job.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from salus.cli.common import DbOption, console, open_db

app = typer.Typer(help="Figure caches (issue 11): warm them up.", no_args_is_help=True)


@app.command("warm")
def warm(db: DbOption = None,
         communities: Annotated[bool, typer.Option(
             "--communities/--no-communities",
             help="also every public community page")] = True) -> None:
    """Compute the public dashboard, the national dashboard and the public community pages
    (cold), printing the time of each."""
    from salus.usecases.warm import warm as warm_caches

    report = warm_caches(open_db(db), communities=communities)
    table = Table(title="Figures computed")
    table.add_column("figure")
    table.add_column("seconds", justify="right")
    table.add_column("error")
    for label, seconds in report.timings.items():
        table.add_row(label, f"{seconds:.2f}", report.failures.get(label, ""))
    console.print(table)


def register(root: typer.Typer) -> None:
    """Add the ``cache`` command group to the root app."""
    root.add_typer(app, name="cache")
