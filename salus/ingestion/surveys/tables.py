"""Sheets of a submissions export as header + rows of text (CSV, or every sheet of an XLSX).

KoBoToolbox exports CSV with ``;`` by default and ODK Central with ``,``: the delimiter is
sniffed. An XLSX export has the main submissions on its first sheet and one sheet per repeat
group; all are returned, by sheet name. Cells are read with python-calamine and turned into
text as a user would type them (``3.0`` → ``3``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from python_calamine import CalamineWorkbook

from salus.ingestion.errors import failure
from salus.ingestion.limits import check_zip
from salus.ingestion.limits import current as current_limits
from salus.ingestion.readers import decode

DELIMITERS = ",;\t|"


@dataclass(frozen=True, slots=True)
class Sheet:
    """``rows[i]`` is spreadsheet row ``i + 2`` (row 1 is the header)."""

    name: str
    header: list[str]
    rows: list[list[str]]


def read_sheets(content: bytes, file_name: str) -> list[Sheet]:
    """Every sheet of the file: one for a CSV, one per worksheet for an XLSX."""
    if file_name.lower().endswith((".xlsx", ".xlsm", ".xls")):
        return _workbook(content, file_name)
    text, _ = decode(content)
    name = file_name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    return [_sheet(name, list(csv.reader(io.StringIO(text, newline=""),
                                         delimiter=_delimiter(text))), file_name)]


def _delimiter(text: str) -> str:
    first = text.split("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(first, delimiters=DELIMITERS).delimiter
    except csv.Error:
        return max(DELIMITERS, key=first.count) if any(d in first for d in DELIMITERS) else ","


def _workbook(content: bytes, file_name: str) -> list[Sheet]:
    if content.startswith(b"PK"):  # calamine holds every sheet: no zip bombs (issue 15)
        check_zip(content, current_limits(), file_name)
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(content))
        sheets = [(name, book.get_sheet_by_name(name).to_python(skip_empty_area=False))
                  for name in book.sheet_names]
    except Exception as exc:  # noqa: BLE001 - calamine raises its own errors for broken files
        raise failure("file.format", f"{file_name} is not a readable workbook ({exc})",
                      value=file_name) from None
    return [_sheet(name, [[_text(v) for v in row] for row in rows], file_name)
            for name, rows in sheets if rows]


def _sheet(name: str, rows: list[list[str]], file_name: str) -> Sheet:
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise failure("file.empty", f"{file_name} ({name}) has no header row", column="(file)")
    header = [cell.strip() for cell in rows[0]]
    body = [row + [""] * (len(header) - len(row)) for row in rows[1:]
            if any(cell.strip() for cell in row)]
    return Sheet(name, header, body)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ") if value.time() != dt.time(0) else value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
