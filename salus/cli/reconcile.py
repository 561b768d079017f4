"""``salus reconcile``: link victims across police, forensic and media records; review; export.

    salus reconcile --sources police,forensic,media --period 2024 [--area CODE] [--by month]
                    [--engine duckdb|spark]
    salus reconcile review [--job ID] [--limit 20]
    salus reconcile decide KEY_L KEY_R match|no_match|unsure [--note TEXT] [--job ID]
    salus reconcile table [--job ID]
    salus reconcile export FILE.csv|FILE.xlsx [--job ID]

A thin adapter over :mod:`salus.usecases.reconcile.jobs`; errors become one red line, exit status 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from salus.cli.common import DbOption, console, fail, fail_use_case, open_db
from salus.usecases.errors import UseCaseError

if TYPE_CHECKING:
    import pandas as pd

HELP = """Reconcile victims across sources: probabilistic linkage (Splink, Fellegi–Sunter),
clusters, a review queue, consolidated counts and a multiple-systems estimate of the total.

Run `salus reconcile --sources police,forensic,media --period 2024`, then
`salus reconcile review` and `salus reconcile decide KEY_L KEY_R match`; the next run reuses
every decision. Periods: 2024, 2024-03, 2024-01-01..2024-06-30."""

reconcile_app = typer.Typer(help=HELP, invoke_without_command=True, no_args_is_help=False)
JobOption = Annotated[int | None, typer.Option("--job", help="job id (default: the latest)")]


def register(app: typer.Typer) -> None:
    """Add the ``reconcile`` command group to the root app."""
    app.add_typer(reconcile_app, name="reconcile")


@reconcile_app.callback()
def run(
    ctx: typer.Context,
    sources: Annotated[str | None, typer.Option(help="comma-separated source types")] = None,
    period: Annotated[str | None, typer.Option("--period", "-p", help="e.g. 2024")] = None,
    area: Annotated[str | None, typer.Option(help="only this area and the areas below")] = None,
    level: Annotated[int | None, typer.Option(help="admin level of the table's rows")] = None,
    by: Annotated[str, typer.Option(help="split rows by: period, year or month")] = "period",
    threshold: Annotated[float, typer.Option(help="match probability of a link")] = 0.5,
    engine: Annotated[str, typer.Option(
        help="where Splink runs: duckdb (in process) or spark (local mode, needs Java)")
    ] = "duckdb",
    actor: Annotated[str, typer.Option(help="who runs the job (audit log)")] = "cli",
    db: DbOption = None,
) -> None:
    """Run a reconciliation job (when no sub-command is given)."""
    if ctx.invoked_subcommand is not None:
        return
    if not sources or not period:
        fail("give --sources and --period (or a sub-command)")
    from salus.analytics.reconcile.linkage import JobOptions
    from salus.usecases.reconcile import jobs as uc
    from salus.usecases.reconcile.records import Scope

    store = open_db(db)
    try:
        start, end = uc.parse_period(period)
        scope = Scope(tuple(s.strip() for s in sources.split(",") if s.strip()), start, end,
                      area, level, by)
        summary = uc.run_reconciliation(store, scope, actor, JobOptions(threshold=threshold),
                                        linkage_engine=engine)
    except UseCaseError as exc:
        fail_use_case(exc)
    console.print(f"Job [bold]{summary.job_id}[/bold]: {summary.records} records, "
                  f"{summary.clusters} victims, {summary.queue} pairs to review")
    _print_table(summary.table)


@reconcile_app.command("review")
def review(job: JobOption = None,
           limit: Annotated[int, typer.Option(help="pairs to show")] = 20,
           db: DbOption = None) -> None:
    """Show the review queue: uncertain pairs, those that move the totals most first."""
    from salus.usecases.reconcile import jobs as uc

    engine = open_db(db)
    try:
        items = uc.review_items(engine, job or uc.latest_job_id(engine), limit)
    except UseCaseError as exc:
        fail_use_case(exc)
    if items.empty:
        console.print("Nothing left to review.")
        return
    for item in items.itertuples(index=False):
        console.print(f"[bold]#{item.queue_rank}[/bold] p={item.match_probability:.2f} "
                      f"impact={item.impact:.2f}\n  {item.record_key_l}\n  {item.record_key_r}"
                      f"\n  {item.explanation}")


@reconcile_app.command("decide")
def decide(
    key_l: Annotated[str, typer.Argument(help="record key of one record")],
    key_r: Annotated[str, typer.Argument(help="record key of the other")],
    decision: Annotated[str, typer.Argument(help="match, no_match or unsure")],
    note: Annotated[str | None, typer.Option(help="why")] = None,
    actor: Annotated[str, typer.Option(help="reviewer (audit log)")] = "cli",
    job: JobOption = None,
    db: DbOption = None,
) -> None:
    """Record a reviewer's decision on a pair; the next job uses it."""
    from salus.usecases.reconcile import jobs as uc

    engine = open_db(db)
    try:
        decision_id = uc.decide(engine, key_l, key_r, decision, actor, job, note)
    except UseCaseError as exc:
        fail_use_case(exc)
    console.print(f"Decision {decision_id} recorded: {decision}")


@reconcile_app.command("table")
def table(job: JobOption = None, db: DbOption = None) -> None:
    """Print a job's reconciled table."""
    from salus.usecases.reconcile import jobs as uc

    engine = open_db(db)
    try:
        frame = uc.job_table(engine, job or uc.latest_job_id(engine))
    except UseCaseError as exc:
        fail_use_case(exc)
    _print_table(frame)


@reconcile_app.command("export")
def export(path: Annotated[Path, typer.Argument(help="a .csv or .xlsx file")],
           job: JobOption = None, db: DbOption = None) -> None:
    """Write a job's reconciled table to CSV or XLSX."""
    from salus.usecases.reconcile import jobs as uc

    engine = open_db(db)
    try:
        written = uc.export_table(engine, job or uc.latest_job_id(engine), path)
    except UseCaseError as exc:
        fail_use_case(exc)
    console.print(f"Wrote {written}")


def _print_table(frame: pd.DataFrame) -> None:
    shown = frame.drop(columns=["model"], errors="ignore")
    out = Table(title="Reconciled victims (estimate: multiple-systems, 95% interval)")
    for column in shown.columns:
        out.add_column(str(column), justify="left" if column in ("period", "area") else "right")
    for row in shown.itertuples(index=False):
        out.add_row(*(_cell(v) for v in row))
    console.print(out)
    if "model" in frame.columns and len(frame):
        console.print(f"Model of the total: {frame['model'].iloc[-1] or 'none'}")


def _cell(value: object) -> str:
    if isinstance(value, float):
        return "" if value != value else f"{value:,.1f}"
    return "" if value is None else str(value)
