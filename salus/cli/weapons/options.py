"""Options and checks the ``salus weapons`` command modules share (registry, campaigns and
destruction, tracing and stockpiles): dates typed as ISO text, the reports' ``--format`` and
``--public`` and the area filter, so that they read and fail alike."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, overload

import typer

from salus.cli.common import fail

REPORT_FORMATS = ("table", "csv")
FormatOption = Annotated[str, typer.Option("--format", help="table or csv")]
PublicOption = Annotated[bool, typer.Option(help="suppress counts of 1-4 as for publication")]
AreaOption = Annotated[str | None, typer.Option(help="area code (with its subtree)")]


@overload
def option_date(value: str, name: str) -> dt.date: ...
@overload
def option_date(value: str | None, name: str) -> dt.date | None: ...
def option_date(value: str | None, name: str) -> dt.date | None:
    """The date an option gave as ``YYYY-MM-DD`` (None when left out); otherwise exit 2 naming
    the option (``name`` with ``_`` read as ``-``) and the value."""
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"--{name.replace('_', '-')}: {value!r} is not a date (YYYY-MM-DD)")


def check_report_format(fmt: str) -> None:
    """Exit 2 unless ``--format`` is ``table`` or ``csv``."""
    if fmt not in REPORT_FORMATS:
        fail(f"--format {fmt!r}: table or csv")
