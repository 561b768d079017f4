"""``salus indicators``: list indicator definitions, compute one as a table, CSV or JSON.

    salus indicators list
    salus indicators mirror [--db URL]     (build the DuckDB mirror of the current data)
    salus indicators sdg-16-1-1 --period 2023 --by area,sex [--level 2] [--area XC01]
        [--public] [--format table|csv|json] [--db URL]
    salus indicators sdg-16-1-1 --period 2023 --engine spark --parquet DIR [--parquet DIR2]

A thin adapter: it parses options, calls :func:`salus.usecases.indicators.compute.compute_indicator`
and renders the result; errors become one red line and exit status 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from salus.cli.common import DbOption, console, fail_use_case, open_db
from salus.usecases.errors import UseCaseError

HELP = """Compute indicators (SDG 16.1.1, firearm deaths by context…) from the store.

Run `salus indicators list` to see the indicators, then e.g.
`salus indicators sdg-16-1-1 --period 2023 --by area,sex`.
`salus indicators mirror` builds the DuckDB copy indicators are computed on
(SALUS_ANALYTICS_MIRROR; it is otherwise rebuilt in the background after writes).

Periods: 2023, 2023-Q2, 2023-05, 2023-05-17, 2019..2023, 2023-01-01..2023-03-31.
Groupings: area, year, quarter, month, week, day, sex, age_band[:scheme], weapon,
iccs_context, misuse_context."""


def register(app: typer.Typer) -> None:
    """Add the ``indicators`` command to the root app."""
    app.command("indicators", help=HELP, no_args_is_help=True)(indicators)


def indicators(
    indicator: Annotated[str, typer.Argument(help="indicator id, or `list`")],
    period: Annotated[str | None, typer.Option("--period", "-p", help="e.g. 2023, 2023-Q2")] = None,
    by: Annotated[
        str | None, typer.Option(help="comma-separated groupings (default: the indicator's)")
    ] = None,
    level: Annotated[int | None, typer.Option(help="admin level of `area` rows")] = None,
    area: Annotated[str | None, typer.Option(help="only this area and the areas below")] = None,
    filters: Annotated[
        list[str] | None,
        typer.Option("--filter", "-f", help="KEY=VALUE[,VALUE] e.g. sex=female, weapon=firearm"),
    ] = None,
    public: Annotated[bool, typer.Option(help="suppress small counts (1–4 → <5)")] = False,
    threshold: Annotated[int, typer.Option(help="smallest count shown with --public")] = 5,
    annualise: Annotated[bool, typer.Option(help="rates per person-year")] = False,
    fmt: Annotated[str, typer.Option("--format", help="table, csv or json")] = "table",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="write to a file")] = None,
    definitions: Annotated[
        list[Path] | None, typer.Option(help="extra folder of indicator YAML files")
    ] = None,
    db: DbOption = None,
    engine: Annotated[str | None, typer.Option(
        help="duckdb or spark: compute over --parquet exports (`salus export parquet`) "
             "instead of the store")] = None,
    parquet: Annotated[list[Path] | None, typer.Option(
        help="folder of a Parquet export (repeat for several countries); default engine duckdb",
    )] = None,
) -> None:
    """Compute an indicator, or list them with `salus indicators list`."""
    from salus.analytics.indicators.render import FORMATS, render
    from salus.usecases.indicators.compute import compute_indicator

    try:
        if indicator == "list":
            console.print(_list_table(definitions or []))
            return
        if indicator == "mirror":
            _mirror(db)
            return
        if period is None:
            raise UseCaseError("--period is required (e.g. --period 2023)")
        if fmt not in FORMATS:
            raise UseCaseError(f"--format must be one of {', '.join(FORMATS)}")
        if parquet or engine is not None:
            if not parquet:
                raise UseCaseError(f"--engine {engine} needs --parquet DIR (an export folder)")
            from salus.usecases.indicators.parquet import compute_on_parquet

            result = compute_on_parquet(
                parquet, indicator, engine=engine or "duckdb", period=period, by=by,
                level=level, filters=_filters(filters or [], area), public=public,
                suppression_threshold=threshold, annualise=annualise,
                definitions=definitions or [],
            )
        else:
            result = compute_indicator(
                open_db(db),  # a new or older store is created or migrated first, as elsewhere
                indicator,
                period=period,
                by=by,
                level=level,
                filters=_filters(filters or [], area),
                public=public,
                suppression_threshold=threshold,
                annualise=annualise,
                definitions=definitions or [],
            )
    except UseCaseError as exc:
        fail_use_case(exc)
    _emit(render(result, fmt), output)


def _mirror(db: str | None) -> None:
    """Build the analytical mirror of the store's current data version (if not built)."""
    from salus.usecases.indicators import mirror

    engine = open_db(db)
    built = mirror.build(engine)
    state = mirror.describe(engine)
    version = ", ".join(f"{k} {v}" for k, v in (state["version"] or {}).items())
    if built.rows:
        rows = ", ".join(f"{k} {v:,}" for k, v in built.rows.items())
        console.print(f"[green]Built[/green] {built.path} ({version}) in "
                      f"{built.seconds:.1f} s: {rows}")
    else:
        console.print(f"Already current: {built.path} ({version})")
    if state["mode"] == "off":
        console.print("SALUS_ANALYTICS_MIRROR=off: indicators do not read it")


def _filters(items: list[str], area: str | None) -> dict[str, object]:
    out: dict[str, object] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise UseCaseError(f"--filter {item!r}: expected KEY=VALUE")
        values = [v.strip() for v in value.split(",")]
        out[key.strip()] = values[0] if len(values) == 1 else values
    if area is not None:
        out["area"] = area
    return out


def _list_table(definitions: list[Path]) -> Table:
    from salus.usecases.indicators.compute import list_indicators

    table = Table(title="Indicators")
    for column in ("id", "title", "measure", "default grouping", "file"):
        table.add_column(column)
    for d in list_indicators(definitions):
        table.add_row(d.id, d.title, d.measure, ", ".join(d.by), d.source)
    return table


def _emit(rendered: str | Table, output: Path | None) -> None:
    if output is not None:
        if isinstance(rendered, Table):
            with output.open("w", encoding="utf-8") as handle:
                from rich.console import Console

                Console(file=handle, width=160).print(rendered)
        else:
            output.write_text(rendered, encoding="utf-8")
        console.print(f"[green]Wrote[/green] {output}")
    elif isinstance(rendered, Table):
        console.print(rendered)
    else:
        typer.echo(rendered, nl=False)
