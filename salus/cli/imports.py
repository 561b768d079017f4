"""``salus import incidents|areas|population FILE --mapping M``: a thin adapter over
:func:`salus.usecases.imports.files.import_file`.

Shows a progress bar on large files, a table of the first 50 errors, the file's columns the
mapping does not name (kept with each record as source attributes), writes every error and
warning to a CSV report (default ``<file>.errors.csv`` in the working directory), and exits
with 1 when nothing was written because of errors, 0 otherwise (2 for a wrong mapping or a
refused account). With ``--user`` the import acts as that account of the store: its role and
area scope apply as on the web, and the batch and audit event name it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from salus.cli.common import (
    DbOption,
    console,
    err_console,
    fail,
    fail_use_case,
    open_db,
    store_account,
)
from salus.ingestion.shipped import shipped_mappings

if TYPE_CHECKING:
    from salus.ingestion.errors import RowError

SHOWN_ERRORS = 50
LARGE_FILE_BYTES = 512 * 1024

import_app = typer.Typer(help="Import incidents, areas or population from CSV, XLSX, XLS, "
                              "JSON, HXL or GeoJSON files with a column mapping.",
                         no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Attach ``salus import …`` to the root app."""
    app.add_typer(import_app, name="import")


def _mapping_help() -> str:
    return ("YAML mapping file, or the name of a shipped mapping: "
            + ", ".join(shipped_mappings()))


def _options() -> dict[str, Any]:
    return {
        "mapping": typer.Option(..., "--mapping", "-m", help=_mapping_help()),
        "skip_invalid": typer.Option(False, "--skip-invalid",
                                     help="write the valid rows and report the others"),
        "errors": typer.Option(None, "--errors",
                               help="CSV report of errors and warnings "
                                    "(default: <file>.errors.csv in the working directory)"),
        "date_format": typer.Option(None, "--date-format",
                                    help="strptime format of the dates, e.g. %d/%m/%Y "
                                         "(replaces the mapping's formats)"),
        "encoding": typer.Option(None, "--encoding",
                                 help="text encoding of a CSV/JSON file, e.g. cp1252 "
                                      "(default: detected)"),
        "user": typer.Option(None, "--user",
                             help="import as this account of the store: its role and area "
                                  "scope apply (default: the operator, every area)"),
    }


_O = _options()
FILE_ARG = typer.Argument(..., exists=False, help="file to import")


@import_app.command("incidents")
def incidents(file: Path = FILE_ARG, mapping: str = _O["mapping"],
              skip_invalid: bool = _O["skip_invalid"], errors: Path | None = _O["errors"],
              date_format: str | None = _O["date_format"], encoding: str | None = _O["encoding"],
              user: str | None = _O["user"], db: DbOption = None) -> None:
    """Import incidents (one per row; a count column expands into alike victims)."""
    _run("incidents", file, mapping, skip_invalid, errors, date_format, encoding, db, user)


@import_app.command("areas")
def areas(file: Path = FILE_ARG, mapping: str = _O["mapping"],
          skip_invalid: bool = _O["skip_invalid"], errors: Path | None = _O["errors"],
          date_format: str | None = _O["date_format"], encoding: str | None = _O["encoding"],
          user: str | None = _O["user"], db: DbOption = None) -> None:
    """Import administrative areas (codes, names, parents, levels, geometry)."""
    _run("areas", file, mapping, skip_invalid, errors, date_format, encoding, db, user)


@import_app.command("population")
def population(file: Path = FILE_ARG, mapping: str = _O["mapping"],
               skip_invalid: bool = _O["skip_invalid"], errors: Path | None = _O["errors"],
               date_format: str | None = _O["date_format"],
               encoding: str | None = _O["encoding"], user: str | None = _O["user"],
               db: DbOption = None) -> None:
    """Import population by area, year, sex and age (the denominators of rates)."""
    _run("population", file, mapping, skip_invalid, errors, date_format, encoding, db, user)


def _run(kind: str, file: Path, mapping: str, skip_invalid: bool, errors: Path | None,
         date_format: str | None, encoding: str | None, db: str | None,
         user: str | None = None) -> None:
    from sqlalchemy.exc import SQLAlchemyError

    from salus.ingestion.errors import MappingError, write_errors_csv
    from salus.usecases.errors import UseCaseError
    from salus.usecases.imports.files import import_file
    from salus.usecases.imports.jobs import import_as

    engine, viewer = store_account(db, user) if user else (open_db(db), None)
    try:
        with _progress(file) as progress:
            options: dict[str, Any] = {"skip_invalid": skip_invalid, "date_format": date_format,
                                       "encoding": encoding, "progress": progress}
            report = (import_file(engine, kind, file, mapping, **options) if viewer is None
                      else import_as(engine, viewer, kind, file, mapping, **options))
    except UseCaseError as exc:
        fail_use_case(exc)
    except MappingError as exc:
        fail(f"Mapping error: {exc}")
    except SQLAlchemyError as exc:
        fail("The database refused the import; nothing was written: "
             f"{exc.__class__.__name__}: {str(exc).splitlines()[0]}", 1)
    finally:
        engine.dispose()
    problems = report.errors + report.warnings
    if problems:
        _show(report.errors or report.warnings)
        target = errors or Path.cwd() / f"{file.name}.errors.csv"
        write_errors_csv(target, problems)
        console.print(f"Error report: {target}")
    if report.unmapped_columns:
        console.print("Columns the mapping does not name, kept with each record as source "
                      f"attributes: {', '.join(report.unmapped_columns)}")
    _summary(report)
    if report.failed:
        raise typer.Exit(1)


@contextmanager
def _progress(file: Path) -> Iterator[Callable[[str, int, int | None], None] | None]:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    if not file.is_file() or file.stat().st_size < LARGE_FILE_BYTES:
        yield None
        return
    bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), console=err_console, transient=True)
    tasks: dict[str, Any] = {}

    def update(stage: str, done: int, total: int | None) -> None:
        if stage not in tasks:
            label = "Reading and checking rows" if stage == "read" else "Writing records"
            tasks[stage] = bar.add_task(label, total=total)
        bar.update(tasks[stage], completed=done, total=total)

    with bar:
        yield update


def _show(problems: list[RowError]) -> None:
    table = Table(title="Errors" if problems and problems[0].is_error else "Warnings")
    for name in ("row", "column", "value", "code", "message"):
        table.add_column(name, overflow="fold")
    for p in problems[:SHOWN_ERRORS]:
        table.add_row("" if p.row is None else str(p.row), p.column, p.value[:60], p.code,
                      p.message)
    console.print(table)
    if len(problems) > SHOWN_ERRORS:
        console.print(f"… {len(problems) - SHOWN_ERRORS} more, see the error report")


def _summary(report: Any) -> None:
    skipped = ", ".join(f"{n} {why}" for why, n in report.rows_skipped.items() if n)
    line = (f"{report.rows_read} rows read" + (f" (skipped: {skipped})" if skipped else "")
            + f"; {report.rows_rejected} rejected; {len(report.errors)} errors, "
            f"{len(report.warnings)} warnings")
    console.print(line)
    if report.written:
        victims = f", {report.victims} victims" if report.kind == "incidents" else ""
        console.print(f"[green]Imported[/green] {report.records} {report.kind}{victims}: "
                      f"{report.inserted} inserted, {report.updated} updated, "
                      f"{report.unchanged} unchanged (batch {report.batch_id}, "
                      f"{report.seconds:.1f} s)")
    elif report.errors:
        console.print("[red]Nothing was written[/red]: fix the errors, or use --skip-invalid "
                      "to import the valid rows only")
    else:
        console.print("Nothing to import.")
