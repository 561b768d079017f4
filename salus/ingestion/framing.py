"""Find the table inside a sheet: the header row, the HXL tag row, the data, the footer.

National spreadsheets put title rows above the header ("MINISTERIO DE DEFENSA NACIONAL…"),
and totals, sources, signatures and notes below the data ("TOTAL", "FUENTE:", "Elaborado:").
:func:`frame_grid` turns raw rows ``(row number, cells)`` into ``(row number, {column: value})``
for the data rows only, counting what it skipped, so that every row of the file is accounted for.

Rules (documented in docs/import.md):

* header: the row named by ``header_row``; else the first row (of the first 100) holding every
  name of ``header_contains``; else the first holding a name for every required field of the
  mapping; else the first non-blank row.
* HXL: when the first non-blank row after the header has only ``#hashtags``, it is the tag row
  (and a header made only of hashtags is its own tag row).
* blank rows are skipped anywhere.
* a footer row is *sparse* (at most half of the columns filled) and its first filled cell matches
  a footer pattern (``TOTAL``, ``FUENTE``, ``Elaborado``, ``Nota``, ``*``…). After the first
  footer row, sparse rows are notes and skipped; a filled row there is an error
  (``row.after_footer``) and is still passed on, so that nothing is silently dropped.
* limits (:class:`~salus.ingestion.limits.Limits`): a row numbered past ``max_rows``, a row of
  more than ``max_columns`` cells or a text cell of more than ``max_cell_chars`` characters
  stops the read with an error naming the row (and the column, once the header is known).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from salus.ingestion.errors import CellLimitError, RowError, failure
from salus.ingestion.limits import Limits
from salus.ingestion.text import cell_text, is_blank, normalise

HEADER_SEARCH_ROWS = 100

DEFAULT_FOOTER_PATTERNS: tuple[str, ...] = (
    r"^(gran |sub ?)?total(es)?\b",
    r"^fuente\b",
    r"^source\b",
    r"^elaborad[oa]\b",
    r"^revisad[oa]\b",
    r"^autorizad[oa]\b",
    r"^aprobad[oa]\b",
    r"^notas?\b",
    r"^notes?\b",
    r"^\*",
    r"^\(\d+\)",
)

Row = tuple[int, dict[str, Any]]


@dataclass(slots=True)
class ReadStats:
    """What the reader saw: the header row, and the rows it skipped and why."""

    header_row: int | None = None
    data_rows: int = 0
    blank: int = 0
    footer: int = 0
    notes: int = 0
    errors: list[RowError] = field(default_factory=list)

    def skipped(self) -> dict[str, int]:
        return {"blank": self.blank, "footer": self.footer, "notes": self.notes}


@dataclass(frozen=True, slots=True)
class HeaderRule:
    """How to find the header: explicit row, names it contains, or names the mapping needs."""

    row: int | None = None
    contains: tuple[str, ...] = ()
    required: tuple[tuple[str, ...], ...] = ()
    footer_patterns: tuple[str, ...] = DEFAULT_FOOTER_PATTERNS


@dataclass(slots=True)
class Framed:
    columns: list[str]
    tags: dict[str, str]
    rows: Iterator[Row]


def frame_grid(raw: Iterator[tuple[int, list[Any]]], rule: HeaderRule,
               stats: ReadStats, limits: Limits | None = None, *,
               cells_checked: bool = False) -> Framed:
    """Locate the header (and HXL tags) in ``raw`` and return an iterator over data rows
    (``cells_checked``: the reader already held every cell to the cell limit, as CSV does)."""
    raw = _bounded(raw, limits or Limits(), cells_checked)
    buffered: list[tuple[int, list[Any]]] = []
    header_at = None
    for number, cells in raw:
        buffered.append((number, cells))
        if _is_header(number, cells, rule):
            header_at = len(buffered) - 1
            break
        if len(buffered) >= HEADER_SEARCH_ROWS and rule.row is None:
            break
    if header_at is None:
        header_at = _fallback_header(buffered, rule)
    number, header_cells = buffered[header_at]
    stats.header_row = number
    rest = _chain(buffered[header_at + 1:], raw)
    try:
        columns, tags, rest = _columns_and_tags(header_cells, rest, stats)
    except CellLimitError as exc:
        raise exc.named(_unique(cell_text(c) or "" for c in header_cells)) from None
    footers = [re.compile(p) for p in rule.footer_patterns]
    return Framed(columns, tags, _named(_data_rows(rest, columns, footers, stats), columns))


def _bounded(raw: Iterator[tuple[int, list[Any]]], limits: Limits, cells_checked: bool
             ) -> Iterator[tuple[int, list[Any]]]:
    """``raw``, stopped with a clear error at the first row past a limit."""
    cap = 0 if cells_checked else limits.max_cell_chars
    for number, cells in raw:
        if number > limits.max_rows:
            raise failure("file.too_many_rows", f"the file has more than {limits.max_rows:,} "
                          "rows (SALUS_IMPORT_MAX_ROWS)", row=number, column="(file)")
        if len(cells) > limits.max_columns:
            raise failure("row.too_wide", f"row {number} has {len(cells):,} cells; a row may "
                          f"have {limits.max_columns:,} (SALUS_IMPORT_MAX_COLUMNS)", row=number,
                          column="(row)", value=str(len(cells)))
        for index, cell in enumerate(cells if cap else ()):
            if cell.__class__ is str and len(cell) > cap:
                raise CellLimitError("cell.too_large", f"row {number}: a cell has {len(cell):,} "
                                   f"characters; a cell may have {cap:,} "
                                   "(SALUS_IMPORT_MAX_CELL_CHARS)", number, index,
                                   f"{cell[:40]}…")
        yield number, cells


def _named(rows: Iterator[Row], columns: list[str]) -> Iterator[Row]:
    """``rows``, with the header's name of the cell a :class:`CellLimitError` error points at."""
    try:
        yield from rows
    except CellLimitError as exc:
        raise exc.named(columns) from None


def _is_header(number: int, cells: list[Any], rule: HeaderRule) -> bool:
    if rule.row is not None:
        return number == rule.row
    if all(is_blank(c) for c in cells):
        return False
    names = {normalise(t) for c in cells if (t := cell_text(c))}
    if rule.contains:
        return all(normalise(n) in names for n in rule.contains)
    if rule.required:
        return all(any(normalise(a) in names for a in alts) for alts in rule.required)
    return True


def _fallback_header(buffered: list[tuple[int, list[Any]]], rule: HeaderRule) -> int:
    if rule.row is not None or rule.contains:
        wanted = f"row {rule.row}" if rule.row is not None else ", ".join(rule.contains)
        raise failure("header.not_found", f"no header row found ({wanted}) in the first "
                      f"{HEADER_SEARCH_ROWS} rows", column="(header)", value=wanted)
    for i, (_, cells) in enumerate(buffered):
        if not all(is_blank(c) for c in cells):
            return i
    raise failure("file.empty", "the file has no header row (every row is blank)")


def _chain(first: list[tuple[int, list[Any]]],
           then: Iterator[tuple[int, list[Any]]]) -> Iterator[tuple[int, list[Any]]]:
    yield from first
    yield from then


def _columns_and_tags(header: Sequence[Any], rest: Iterator[tuple[int, list[Any]]],
                      stats: ReadStats) -> tuple[list[str], dict[str, str],
                                                 Iterator[tuple[int, list[Any]]]]:
    names = [cell_text(c) or "" for c in header]
    if names and all(n.startswith("#") for n in names if n) and any(names):
        return _unique(names), {n: hxl_tag(n) for n in _unique(names) if n}, rest
    pending: list[tuple[int, list[Any]]] = []
    for number, cells in rest:
        if all(is_blank(c) for c in cells):
            stats.blank += 1
            continue
        texts = [cell_text(c) or "" for c in cells]
        if all(t.startswith("#") for t in texts if t):
            columns = [n or t for n, t in zip(_pad(names, len(texts)), texts, strict=True)]
            columns = _unique(columns)
            tags = {c: hxl_tag(t) for c, t in zip(columns, texts, strict=False) if t}
            return columns, tags, rest
        pending.append((number, cells))
        break
    return _unique(names), {}, _chain(pending, rest)


def _pad(names: list[str], width: int) -> list[str]:
    return names + [""] * (width - len(names)) if len(names) < width else names[:width]


def _unique(names: Iterable[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        if name:
            seen[name] = seen.get(name, 0) + 1
            name = name if seen[name] == 1 else f"{name} ({seen[name]})"
        out.append(name)
    return out


def hxl_tag(text: str) -> str:
    """Normalised HXL hashtag spec: lower case, no spaces (``#Adm1 +Code`` → ``#adm1+code``)."""
    return re.sub(r"\s+", "", text).lower()


def _data_rows(rest: Iterator[tuple[int, list[Any]]], columns: list[str],
               footers: list[re.Pattern[str]], stats: ReadStats) -> Iterator[Row]:
    keyed = [(i, c) for i, c in enumerate(columns) if c]
    sparse_limit = max(1, len(keyed) // 2)
    in_trailer = False
    for number, cells in rest:
        filled = [c for c in cells if c is not None and c != "" and
                  (c.__class__ is not str or not c.isspace())]
        if not filled:
            stats.blank += 1
            continue
        sparse = len(filled) <= sparse_limit
        if sparse and _is_footer(filled[0], footers):
            stats.footer += 1
            in_trailer = True
            continue
        if in_trailer:
            if sparse:
                stats.notes += 1
                continue
            stats.errors.append(RowError(number, "(row)", str(cell_text(filled[0])),
                                         "row.after_footer", "a filled row comes after the "
                                         "sheet's total/footer rows; check the file"))
        stats.data_rows += 1
        width = len(cells)
        yield number, {c: (cells[i] if i < width else None) for i, c in keyed}


def _is_footer(first: Any, footers: list[re.Pattern[str]]) -> bool:
    if not isinstance(first, str):
        return False
    text = normalise(first)
    return any(p.search(text) for p in footers)


def frame_records(records: Iterable[tuple[int, dict[str, Any]]], columns: list[str],
                  stats: ReadStats) -> Iterator[Row]:
    """Data rows of JSON / GeoJSON sources (no header or footer to find): count and pass on."""
    for number, record in records:
        if all(is_blank(v) for v in record.values()):
            stats.blank += 1
            continue
        stats.data_rows += 1
        yield number, {c: record.get(c) for c in columns}
