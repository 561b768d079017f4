"""Row errors of an import: where (row, column), what (value) and why (a stable code).

Every problem an import finds is a :class:`RowError` citing the row number as the user sees it
in the file (the spreadsheet row, the CSV record, the JSON array position), the source column
and the raw value, with a machine-readable code from :data:`CODES` (documented in
``docs/import.md``). Problems that stop the whole file from being read (no header, undecodable
bytes, a required column missing) raise :class:`FileImportError` carrying such an error.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from salus.domain.spreadsheet import safe_row

ERROR = "error"
WARNING = "warning"

CODES: dict[str, str] = {
    "file.not_found": "the file does not exist or cannot be opened",
    "file.format": "the file cannot be read as the format its extension or the mapping says",
    "file.encoding": "the bytes cannot be decoded as text in the detected or given encoding",
    "file.empty": "the file has no header or no data row",
    "file.too_large": "the file is larger than the import limit (SALUS_IMPORT_MAX_*_MB)",
    "file.zip_bomb": "an XLSX inflates too much, or has too many members (a decompression bomb)",
    "file.xml": "an XLSX part declares a DOCTYPE (entities): refused, as Excel never writes one",
    "file.too_deep": "JSON nesting deeper than SALUS_IMPORT_MAX_JSON_DEPTH",
    "file.too_many_rows": "the file has more rows than SALUS_IMPORT_MAX_ROWS",
    "row.too_wide": "a row has more cells than SALUS_IMPORT_MAX_COLUMNS",
    "cell.too_large": "a cell (or a CSV line) is longer than SALUS_IMPORT_MAX_CELL_CHARS",
    "quote.unterminated": "a quoted CSV cell is never closed (it would swallow the rest)",
    "header.not_found": "no row of the sheet matches the mapping's header rule",
    "column.missing": "a column the mapping requires is absent from the header",
    "mapping.invalid": "the mapping names a field or option that does not exist",
    "row.after_footer": "a data-like row comes after the sheet's total or footer rows",
    "row.duplicate": "two rows of the file have the same natural key",
    "value.missing": "a required value is empty",
    "value.invalid": "a value cannot be read as the field's type",
    "date.invalid": "a value cannot be read as a date with the mapping's formats",
    "date.future": "a date lies in the future",
    "date.range": "an end date is before the start date, or the range spans calendar years",
    "date.reported_before_occurred": "the report date is before the date of occurrence",
    "date.birth_after_incident": "a date of birth is after the incident",
    "number.invalid": "a value cannot be read as a number",
    "count.invalid": "a count is negative, zero where at least one is required, or inconsistent",
    "code.unknown": "a value is neither in the mapping's value map nor a code of the list",
    "code.too_long": "an area code is longer than 64 characters",
    "area.unknown": "no area in the store (or in the file) has this code",
    "area.out_of_scope": "the row's area is outside the area the importing user is bound to",
    "area.parent_unknown": "an area's parent code is neither in the store nor in the file",
    "area.level_invalid": "an area's level is not greater than its parent's level",
    "age.impossible": "an age lies outside 0–120 or the upper age is below the lower",
    "geometry.invalid": "a geometry cannot be read as GeoJSON or WKT",
    "geometry.invalid_topology": "a polygon is not valid (e.g. self-intersecting); kept",
    "point.invalid": "longitude or latitude out of range",
    "point.outside_area": "a point lies outside the polygon of its area; kept",
    "victims.inconsistent": "the listed victims disagree with the declared counts; kept",
    "year.invalid": "a population year is outside 1800 to 50 years from now",
}


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem found in one row: ``row`` is None for file-level problems."""

    row: int | None
    column: str
    value: str
    code: str
    message: str
    severity: str = ERROR

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR


class FileImportError(Exception):
    """The file cannot be imported at all (nothing about individual rows can be said)."""

    def __init__(self, error: RowError) -> None:
        super().__init__(error.message)
        self.error = error


class CellLimitError(FileImportError):
    """A file-level error about one cell (too long, an unterminated quote): ``index`` (from 0)
    lets the framing name its column once the header is known."""

    def __init__(self, code: str, message: str, row: int, index: int | None, value: str) -> None:
        column = "(cell)" if index is None else f"(cell {index + 1})"
        super().__init__(RowError(row, column, value, code, message))
        self.index = index

    def named(self, columns: list[str]) -> FileImportError:
        """The same error with the column's header name (when the cell has one)."""
        e = self.error
        inside = self.index is not None and self.index < len(columns)
        name = columns[self.index] if inside and self.index is not None else ""
        return failure(e.code, e.message, row=e.row, column=name or e.column, value=e.value)


class MappingError(ValueError):
    """A mapping file is missing, unreadable or uses keys that do not exist."""


def failure(code: str, message: str, *, row: int | None = None, column: str = "",
            value: object = "") -> FileImportError:
    """Build an :class:`FileImportError` for a file-level problem."""
    return FileImportError(RowError(row, column, _text(value), code, message))


def write_errors_csv(path: str | Path, errors: Iterable[RowError]) -> Path:
    """Write errors and warnings as CSV (UTF-8 with BOM so that Excel shows accents)."""
    target = Path(path)
    with target.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["row", "column", "value", "code", "severity", "message"])
        for e in errors:
            writer.writerow(safe_row(["" if e.row is None else e.row, e.column, e.value,
                                      e.code, e.severity, e.message]))
    return target


def _text(value: object) -> str:
    return "" if value is None else str(value)
