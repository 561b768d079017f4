"""``salus demo``: build the fictional observatory of Verdania and print its headline figures.

A thin adapter over :func:`salus.usecases.demo.run_demo`. The demo goes into
``./salus-demo.db`` unless ``--db`` names another store (``$SALUS_DATABASE_URL`` is ignored on
purpose: the demo never lands in a production database by accident).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from sqlalchemy.engine import make_url

from salus.cli.common import console, err_console
from salus.usecases.demo import DEFAULT_DEMO_URL, DemoConflict, DemoResult, run_demo

HELP = (
    "Build the demo observatory of the fictional Republic of Verdania (areas, population, "
    "five years of incidents from police, forensic and media sources) and print its "
    "headline figures."
)


def register(app: typer.Typer) -> None:
    """Add the ``demo`` command to the root app."""
    app.command("demo", help=HELP)(demo)


def demo(
    db: Annotated[str, typer.Option("--db", help="database URL")] = DEFAULT_DEMO_URL,
    seed: Annotated[int | None, typer.Option(help="random seed (default 20240601)")] = None,
    incidents: Annotated[
        int | None, typer.Option(help="number of true events (default 50,000)")
    ] = None,
    rebuild: Annotated[bool, typer.Option(help="replace a demo the store already holds")] = False,
    manifest: Annotated[
        Path | None,
        typer.Option(help="folder for the answer key: manifest.json and CSV files"),
    ] = None,
) -> None:
    """Build the demo if the store is empty (or --rebuild), then print what it holds."""
    started = time.perf_counter()
    try:
        result = run_demo(
            db, seed=seed, incidents=incidents, rebuild=rebuild, manifest_dir=manifest
        )
    except DemoConflict as exc:
        err_console.print(f"[red]{exc.detail}[/red]")
        raise typer.Exit(1) from None
    elapsed = time.perf_counter() - started
    shown = make_url(db).render_as_string(hide_password=True)
    if result.built:
        console.print(
            f"[green]Demo built[/green] in {shown} in {elapsed:.1f} s "
            f"(seed {result.params['seed']}, {result.params['incidents']:,} true events)"
        )
    else:
        console.print(
            f"The store {shown} already holds the demo (seed {result.params['seed']}); "
            "pass --rebuild to build it again."
        )
    console.print(_records_table(result))
    console.print(_planted_table(result))
    _print_headline(result)
    for path in result.manifest_files:
        console.print(f"manifest: {path}")
    console.print(f"Next: salus indicators sdg-16-1-1 --db {shown} --period {result.headline.year}")


def _records_table(result: DemoResult) -> Table:
    table = Table(title="Records in the store")
    table.add_column("source")
    table.add_column("records", justify="right")
    for source, count in result.records_by_source.items():
        primary = " (primary series)" if source == "police" else ""
        table.add_row(source + primary, f"{count:,}")
    if result.summary is not None:
        table.add_row("true events (manifest)", f"{result.summary.true_events:,}")
        table.add_row("true deaths (manifest)", f"{result.summary.true_deaths:,}")
    return table


def _planted_table(result: DemoResult) -> Table:
    plan = result.plan
    table = Table(title="Planted for analysts to find")
    table.add_column("feature")
    table.add_column("where")
    table.add_column("when")
    for h in plan.hotspots:
        table.add_row(
            f"emerging hotspot ×{h.multiplier}",
            f"{h.name} ({h.code})",
            f"rising from {h.ramp_start}, full from {h.full_from}",
        )
    gap = plan.gap
    table.add_row("police reporting gap", f"{gap.name} ({gap.code})", f"{gap.start} – {gap.end}")
    table.add_row("high-violence districts", ", ".join(plan.high_violence), "all years")
    return table


def _print_headline(result: DemoResult) -> None:
    # INTEGRATION POINT (lead): the headline comes from salus.usecases.demo.headline (one SQL
    # aggregate on the police series); swap in compute_indicator("sdg-16-1-1") once it can
    # keep to the primary series (see docs/demo.md, "Which records count").
    line = result.headline
    rate = "n/a" if line.rate is None else f"{line.rate:.1f}"
    sexes = ", ".join(f"{sex} {n:,}" for sex, n in line.by_sex.items())
    console.print(
        f"Victims of intentional homicide in {line.year} (police series): "
        f"[bold]{line.victims:,}[/bold] ({sexes}); "
        f"rate per 100,000: [bold]{rate}[/bold]"
    )
