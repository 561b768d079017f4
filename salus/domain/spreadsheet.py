"""Cells that a spreadsheet would run as formulas, neutralised before they leave Salus.

CSV, HXL and XLSX exports carry text users typed or imported (area names, makes, narratives,
rejected values). Excel, LibreOffice and Google Sheets read a cell that begins with ``=``, ``+``,
``-`` or ``@`` (or a tab or carriage return before one) as a formula, which can run commands or
send data away ("CSV injection", OWASP). Following OWASP's advice such a text cell is written
with a leading single quote, which spreadsheets show as text. Numbers, and text that is only a
number (``-12``, ``+3.5``), are left as they are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def safe_cell(value: Any) -> Any:
    """``value``, or a text that cannot start a formula (a quote before it)."""
    if (isinstance(value, str) and value.startswith(FORMULA_STARTS)
            and not _PLAIN_NUMBER.fullmatch(value)):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    """:func:`safe_cell` of every value of a row."""
    return [safe_cell(v) for v in values]


def safe_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """:func:`safe_cell` of every value of a record (the keys are ours)."""
    return {k: safe_cell(v) for k, v in record.items()}
