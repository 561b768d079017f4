"""Reading a destruction list (CSV, XLSX, XLS): the weapons, parts and ammunition one destruction
event destroyed (issue 13; ISACS/MOSAIC 05.50 destruction records).

One row is one line of the list:

* a **weapon** — its ``uid`` or its ``serial number`` (as marked or as read: the use case folds it
  as the tolerant search does), with the ``manufacturer`` when two makers used the same serial;
* a **part** — ``item`` = part, its ``part kind`` (frame, receiver, slide, barrel, bolt, cylinder,
  magazine, other: ``taxonomies/weapon_part_kind.yaml``) and a ``quantity``;
* **ammunition** — ``item`` = ammunition, its ``calibre`` and a ``quantity`` (rounds).

Columns are found by header, case-, accent- and whitespace-insensitively, under the names of
:data:`COLUMNS` (English and French spellings). A row without ``item`` is a weapon. The file's
other columns are listed (:attr:`DestructionList.unmapped_columns`) and each row's cells of them
kept (:attr:`Line.attributes`), so that nothing in the file is dropped.

This module only reads: problems become :class:`~salus.ingestion.errors.RowError` s naming the
row as the spreadsheet numbers it, the column and the value. Writing (all or nothing) is
:mod:`salus.usecases.weapons.destruction_import`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from salus.ingestion.binding import find_column, source_attributes, unmapped_columns
from salus.ingestion.convert import CellError, parse_int
from salus.ingestion.errors import RowError, failure
from salus.ingestion.readers import ReadOptions, read_table
from salus.ingestion.text import cell_text, normalise

COLUMNS: dict[str, tuple[str, ...]] = {
    "uid": ("uid", "weapon uid", "weapon id"),
    "serial_number": ("serial number", "serial", "serial no", "serial_number", "numero de serie",
                      "n de serie", "no de serie"),
    "manufacturer": ("manufacturer", "make", "maker", "fabricant"),
    "item": ("item", "item type", "article"),
    "part_kind": ("part kind", "part", "component", "piece", "type de piece"),
    "calibre": ("calibre", "caliber"),
    "quantity": ("quantity", "qty", "count", "quantite", "nombre"),
}
"""Field → header names it is read from (first found wins)."""
ITEMS = {"weapon": "weapon", "weapons": "weapon", "arme": "weapon", "firearm": "weapon",
         "part": "part", "parts": "part", "piece": "part", "pieces": "part",
         "ammunition": "ammunition", "ammo": "ammunition", "rounds": "ammunition",
         "munition": "ammunition", "munitions": "ammunition", "cartridges": "ammunition"}
"""Values of ``item`` (normalised) → weapon, part or ammunition."""


@dataclass(frozen=True, slots=True)
class Line:
    """One row of the list, read: ``kind`` is weapon, part or ammunition."""

    row: int
    kind: str
    ref: str | None = None
    ref_column: str = ""
    manufacturer: str | None = None
    part_kind: str | None = None
    calibre: str | None = None
    quantity: int | None = None
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass
class DestructionList:
    file_name: str
    columns: dict[str, str] = field(default_factory=dict)
    """Field → the file's column that feeds it."""
    lines: list[Line] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows_read: int = 0
    unmapped_columns: list[str] = field(default_factory=list)


def read_list(path: str | Path, sheet: str | None = None) -> DestructionList:
    """Read every row of a destruction list; file problems raise
    :class:`~salus.ingestion.errors.FileImportError` (too large, hostile, no header, no
    serial/uid column)."""
    source = Path(path)
    table = read_table(source, ReadOptions(sheet=sheet))
    out = DestructionList(source.name)
    index = {normalise(c): c for c in reversed(table.columns) if c}
    for name, names in COLUMNS.items():
        for candidate in names:
            found = find_column(candidate, index, table.tags)
            if found is not None:
                out.columns[name] = found
                break
    if "uid" not in out.columns and "serial_number" not in out.columns:
        raise failure("column.missing", "a destruction list needs a 'serial number' or a 'uid' "
                      "column", column=" | ".join(COLUMNS["serial_number"] + COLUMNS["uid"]))
    out.unmapped_columns = unmapped_columns(table.columns, set(out.columns.values()))
    for number, cells in table.rows:
        out.rows_read += 1
        line = _line(number, cells, out)
        if line is not None:
            out.lines.append(line)
    out.errors[:0] = table.stats.errors
    return out


def _text(cells: dict[str, Any], columns: dict[str, str], name: str) -> str | None:
    column = columns.get(name)
    return None if column is None else cell_text(cells.get(column))


def _line(number: int, cells: dict[str, Any], out: DestructionList) -> Line | None:
    cols = out.columns
    raw_item = _text(cells, cols, "item")
    kind = ITEMS.get(normalise(raw_item)) if raw_item else "weapon"
    if kind is None:
        out.errors.append(RowError(number, cols["item"], raw_item or "", "code.unknown",
                                   "item is weapon, part or ammunition"))
        return None
    attributes = source_attributes(cells, out.unmapped_columns) if out.unmapped_columns else {}
    if kind == "weapon":
        uid, serial = _text(cells, cols, "uid"), _text(cells, cols, "serial_number")
        if not uid and not serial:
            if all(cell_text(v) is None for v in cells.values()):
                return None
            column = cols.get("serial_number") or cols["uid"]
            out.errors.append(RowError(number, column, "", "value.missing",
                                       "a weapon is named by its serial number or its uid"))
            return None
        column = cols["uid"] if uid else cols["serial_number"]
        return Line(number, kind, uid or serial, column, _text(cells, cols, "manufacturer"),
                    attributes=attributes)
    quantity = _quantity(number, cells, out)
    if quantity is None:
        return None
    return Line(number, kind, part_kind=_text(cells, cols, "part_kind"),
                calibre=_text(cells, cols, "calibre"), quantity=quantity, attributes=attributes)


def _quantity(number: int, cells: dict[str, Any], out: DestructionList) -> int | None:
    column = out.columns.get("quantity")
    raw = None if column is None else cells.get(column)
    if column is None or cell_text(raw) is None:
        out.errors.append(RowError(number, column or " | ".join(COLUMNS["quantity"]), "",
                                   "value.missing", "parts and ammunition need a quantity"))
        return None
    try:
        value = parse_int(raw)
    except CellError as exc:
        out.errors.append(RowError(number, column, str(cell_text(raw)), "number.invalid",
                                   str(exc)))
        return None
    if value is None or value < 1:
        out.errors.append(RowError(number, column, str(cell_text(raw)), "count.invalid",
                                   "a quantity is a whole number of at least 1"))
        return None
    return int(value)
