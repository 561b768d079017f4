"""``salus demo``: build the fictional observatory of Verdania and print its headline figures.

A thin adapter over :func:`salus.demo.observatory.run_demo`. The demo goes into
``./salus-demo.db`` unless ``--db`` names another store (``$SALUS_DATABASE_URL`` is ignored on
purpose: the demo never lands in a production database by accident).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from salus.cli.common import console, db_option, fail_use_case
from salus.defaults import DEFAULT_DEMO_URL

if TYPE_CHECKING:
    from salus.demo.observatory import DemoResult

HELP = (
    "Build the demo observatory of the fictional Republic of Verdania (areas, population, "
    "five years of incidents from police, forensic and media sources) and print its "
    "headline figures."
)


def register(app: typer.Typer) -> None:
    """Add the ``demo`` command to the root app."""
    app.command("demo", help=HELP)(demo)


def demo(
    db: Annotated[str, db_option(help="database URL")] = DEFAULT_DEMO_URL,
    seed: Annotated[int | None, typer.Option(help="random seed (default 20240601)")] = None,
    incidents: Annotated[
        int | None, typer.Option(help="number of true events (default 50,000)")
    ] = None,
    weapons: Annotated[
        int | None,
        typer.Option(help="registry size: top the demo's registry (~10,000 weapons) up to N "
                     "weapons with a deterministic national registry file, imported"),
    ] = None,
    rebuild: Annotated[bool, typer.Option(help="replace a demo the store already holds")] = False,
    manifest: Annotated[
        Path | None,
        typer.Option(help="folder for the answer key: manifest.json and CSV files"),
    ] = None,
    serve: Annotated[
        bool, typer.Option(help="then serve the web app with printed demo logins")
    ] = True,
    host: Annotated[str, typer.Option(help="address the web app listens on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port the web app listens on")] = 8000,
) -> None:
    """Build the demo if the store is empty (or --rebuild), print what it holds, serve it."""
    from sqlalchemy.engine import make_url

    from salus.demo.observatory import DemoConflict, run_demo

    started = time.perf_counter()
    try:
        result = run_demo(
            db, seed=seed, incidents=incidents, rebuild=rebuild, manifest_dir=manifest,
            weapons=weapons,
        )
    except DemoConflict as exc:
        fail_use_case(exc, 1)
    elapsed = time.perf_counter() - started
    shown = make_url(db).render_as_string(hide_password=True)
    if result.built:
        console.print(
            f"[green]Demo built[/green] in {shown} in {elapsed:.1f} s "
            f"(seed {result.params['seed']}, {result.params['incidents']:,} true events"
            + (f", {result.params['weapons']:,} registry weapons" if "weapons" in result.params
               else "") + ")"
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
    if serve:
        _serve(db, host, port)
    else:
        year = result.headline.year
        console.print(f"Next: salus indicators sdg-16-1-1 --db {shown} --period {year}")


def _serve(db: str, host: str, port: int) -> None:
    """Create the demo accounts (new passwords each time), print them and serve the app."""
    from salus.storage.db import open_store
    from salus.usecases.accounts.users import ensure_demo_accounts
    from salus.web.app import serve as run

    engine = open_store(db)
    try:
        accounts = ensure_demo_accounts(engine)
    finally:
        engine.dispose()
    table = Table(title="Demo logins (new passwords on every start)")
    for column in ("user", "password", "role"):
        table.add_column(column)
    for username, password, role in accounts:
        table.add_row(username, password, role)
    console.print(table)
    console.print(f"Open [bold]http://{host}:{port}/[/bold] (Ctrl+C to stop)")
    run(db, host=host, port=port, public=False)


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
    line = result.headline
    rate = "n/a" if line.rate is None else f"{line.rate:.1f}"
    ci = "" if line.ci_low is None or line.ci_high is None else (
        f" (95% CI {line.ci_low:.1f}–{line.ci_high:.1f})")
    change = "" if line.change_pct is None else f"; {line.change_pct:+.1f}% on {line.year - 1}"
    sexes = ", ".join(f"{sex} {n:,}" for sex, n in line.by_sex.items())
    console.print(
        f"SDG 16.1.1 — victims of intentional homicide in {line.year} (police series): "
        f"[bold]{line.victims:,}[/bold] ({sexes}); "
        f"rate per 100,000: [bold]{rate}[/bold]{ci}{change}"
    )
