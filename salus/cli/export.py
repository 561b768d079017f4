"""``salus export parquet``: write the tables the indicators read as Parquet files.

    salus export parquet --db URL --out DIR [--chunk-rows 50000]

A thin adapter over :func:`salus.usecases.indicators.parquet.export_parquet`; the export is
read by ``salus indicators … --engine duckdb|spark --parquet DIR`` (docs/scale.md).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from salus.cli.common import DbOption, console, fail_use_case, open_db
from salus.usecases.errors import UseCaseError

export_app = typer.Typer(help="Export the store for other engines (Parquet for DuckDB, Spark).",
                         no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add the ``export`` command group to the root app."""
    app.add_typer(export_app, name="export")


@export_app.command("parquet")
def parquet(
    out: Annotated[Path, typer.Option("--out", "-o", help="folder to write (created)")],
    chunk_rows: Annotated[int, typer.Option(help="rows per chunk held in memory")] = 50_000,
    db: DbOption = None,
) -> None:
    """Write the indicator engine's tables as Parquet files and a manifest.json."""
    from rich.table import Table

    from salus.usecases.indicators.parquet import export_parquet

    try:
        manifest = export_parquet(open_db(db), out, chunk_rows=chunk_rows)
    except UseCaseError as exc:
        fail_use_case(exc)
    table = Table(title=f"Parquet export in {out}")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, rows in manifest.rows.items():
        table.add_row(name, f"{rows:,}")
    console.print(table)
    version = manifest.data_version or {}
    console.print(f"schema {manifest.schema_revision}, exported {manifest.exported_at}"
                  + (f", data version {version}" if version else ""))
