"""``salus tension``: submit a monitor's tension report; print the tension index.

    salus tension submit AREA --period 2024-05-01 --monitor NAME --scores 2,3,2,1,2,3,2
    salus tension submit ... --narrative TEXT
    salus tension index [--area CODE]

Scores, 1 (calm) to 5 (very tense), in the order of the themes: intergroup_relations,
displacement_refugees, land_water, governance, economy, crime, security_forces.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.table import Table

from salus.cli.common import DbOption, console, fail, fail_use_case, open_db
from salus.domain.accounts.roles import SYSTEM_VIEWER, Viewer
from salus.usecases.errors import UseCaseError

tension_app = typer.Typer(help="Social-tension monitoring: reports and the tension index.",
                          no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add the ``tension`` command group to the root app."""
    app.add_typer(tension_app, name="tension")


@tension_app.command("submit")
def submit(
    area: Annotated[str, typer.Argument(help="locality (area code)")],
    period: Annotated[str, typer.Option(help="first day of the period, YYYY-MM-DD")],
    monitor: Annotated[str, typer.Option(help="the monitor's name")],
    scores: Annotated[str, typer.Option(help="seven comma-separated scores 1-5")],
    narrative: Annotated[str | None, typer.Option(help="what the monitor saw")] = None,
    db: DbOption = None,
) -> None:
    """Submit (or correct) one monitor's report for a locality and period."""
    from salus.storage.alerts import TENSION_THEMES
    from salus.usecases.alerts import tension as uc

    try:
        values = [int(s) for s in scores.split(",")]
        day = dt.date.fromisoformat(period)
    except ValueError:
        fail("scores must be integers and the period a date (YYYY-MM-DD)")
    if len(values) != len(TENSION_THEMES):
        fail(f"give {len(TENSION_THEMES)} scores: {', '.join(TENSION_THEMES)}")
    viewer = Viewer.for_role(monitor, "community_monitor")
    try:
        report_id = uc.submit(open_db(db), viewer, area, day,
                              dict(zip(TENSION_THEMES, values, strict=True)), narrative)
    except UseCaseError as exc:
        fail_use_case(exc)
    console.print(f"report {report_id} saved for {area} {day}")


@tension_app.command("index")
def index(area: Annotated[str | None, typer.Option(help="one locality")] = None,
          db: DbOption = None) -> None:
    """Print the tension index per locality and period, its trend and usual range."""
    from salus.usecases.alerts import tension as uc

    table = Table()
    for column in ("area", "period", "index", "reports", "trend", "usual mean", "bound",
                   "alarm"):
        table.add_column(column)
    for p in uc.index(open_db(db), SYSTEM_VIEWER, area):
        table.add_row(p.area_code, str(p.period), f"{p.index:.2f}", str(p.reports),
                      _num(p.trend), _num(p.baseline_mean), _num(p.upper_bound),
                      "ALARM" if p.alarm else "")
    console.print(table)


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"
