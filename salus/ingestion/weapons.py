"""Reading weapons-registry files (CSV, XLSX, XLS) with a YAML mapping (issue 6 §7).

One row is one weapon, optionally with its owner, the owner's licence, the date it was
registered to the owner, and a first lifecycle event (e.g. ``imported`` on a date). The mapping
says which column feeds each field (alternative header names, matched case-, accent- and
whitespace-insensitively, or HXL tag patterns, as in :mod:`salus.ingestion.mapping`), value maps
from the file's labels to Salus codes, defaults and date formats. Shipped mappings live in
``salus/ingestion/mappings/weapons/weapons-*.yaml`` — a folder of their own, because the
incident/area/population importer lists and loads every YAML directly under ``mappings/``;
every key is documented in ``docs/weapons.md``.

The file's columns that no field reads are listed (:attr:`ParsedFile.unmapped_columns`) and each
row's non-empty cells of them kept with its weapon (``WeaponRecord.source_attributes``), so that
a column such as "Collecting agency" is never silently dropped.

This module only *reads*: it turns rows into domain records (:class:`ParsedRow`) and collects
:class:`~salus.ingestion.errors.RowError` s naming row, column and value. Writing (atomic,
idempotent) is :mod:`salus.usecases.weapons.imports`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from salus.domain.weapons.registry import (
    EventType,
    IdDocumentType,
    LicenceRecord,
    LicenceType,
    Marking,
    MarkingKind,
    OwnerKind,
    OwnerRecord,
    WeaponRecord,
)
from salus.ingestion.binding import find_column, source_attributes, unmapped_columns
from salus.ingestion.convert import CellError, parse_bool, parse_date, parse_int
from salus.ingestion.errors import MappingError, RowError
from salus.ingestion.framing import HeaderRule
from salus.ingestion.mapping import DateSpec
from salus.ingestion.readers import ReadOptions, read_table
from salus.ingestion.text import cell_text, normalise

KIND = "weapons"
TOP_KEYS = {"name", "kind", "description", "source", "columns", "values", "defaults", "dates"}
SOURCE_KEYS = {"format", "sheet", "encoding", "delimiter", "header_row"}

TEXT, INT, BOOL, DATE = "text", "int", "bool", "date"
FIELDS: dict[str, tuple[str, type[StrEnum] | None]] = {
    # weapon (ITI / MOSAIC 05.30 marking)
    "record_id": (TEXT, None), "category": (TEXT, None), "manufacturer": (TEXT, None),
    "model": (TEXT, None), "calibre": (TEXT, None), "serial_number": (TEXT, None),
    "serial_obliterated": (BOOL, None), "country_of_manufacture": (TEXT, None),
    "year_of_manufacture": (INT, None), "import_country": (TEXT, None),
    "import_year": (INT, None), "area_code": (TEXT, None), "description": (TEXT, None),
    "marking": (TEXT, None), "import_marking": (TEXT, None),
    # owner
    "owner_kind": (TEXT, OwnerKind), "given_name": (TEXT, None), "family_name": (TEXT, None),
    "entity_name": (TEXT, None), "registration_number": (TEXT, None),
    "id_document_type": (TEXT, IdDocumentType), "id_document_number": (TEXT, None),
    "date_of_birth": (DATE, None), "address": (TEXT, None), "owner_area_code": (TEXT, None),
    # licence and registration
    "licence_number": (TEXT, None), "licence_type": (TEXT, LicenceType),
    "licence_issued_on": (DATE, None), "licence_expires_on": (DATE, None),
    "licence_conditions": (TEXT, None), "licence_authority": (TEXT, None),
    "registered_on": (DATE, None),
    # first lifecycle event
    "event": (TEXT, EventType), "event_date": (DATE, None), "event_place": (TEXT, None),
}
"""Every field a weapons mapping may fill: its type and, for codes, the code list."""

OWNER_FIELDS = ("owner_kind", "given_name", "family_name", "entity_name", "registration_number",
                "id_document_type", "id_document_number")
LICENCE_FIELDS = ("licence_number", "licence_type", "licence_issued_on", "licence_expires_on")


@dataclass(frozen=True, slots=True)
class WeaponsMapping:
    name: str
    description: str
    read: ReadOptions
    columns: dict[str, tuple[str, ...]]
    values: dict[str, dict[str, str]]
    defaults: dict[str, Any]
    dates: DateSpec


@dataclass(frozen=True, slots=True)
class ParsedRow:
    """One row as domain records; ``row`` is the row number the user sees in the file."""

    row: int
    weapon: WeaponRecord
    owner: OwnerRecord | None = None
    licence: LicenceRecord | None = None
    registered_on: dt.date | None = None
    event: EventType | None = None
    event_date: dt.date | None = None
    event_place: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    """Field → the source column it came from (to name columns in later errors)."""


@dataclass
class ParsedFile:
    mapping: str
    file_name: str
    sha256: str
    rows: list[ParsedRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows_read: int = 0
    unmapped_columns: list[str] = field(default_factory=list)


def shipped() -> list[str]:
    """Names of the shipped weapons mappings (``weapons-*``)."""
    folder = resources.files("salus.ingestion").joinpath("mappings", "weapons")
    return sorted(p.name.removesuffix(".yaml") for p in folder.iterdir()
                  if p.name.startswith("weapons-") and p.name.endswith(".yaml"))


def load(spec: str | Path) -> WeaponsMapping:
    """A weapons mapping from a YAML path or the name of a shipped one."""
    path = Path(spec)
    if path.suffix in (".yaml", ".yml") or path.is_file():
        if not path.is_file():
            raise MappingError(f"mapping file {path} not found")
        text, origin = path.read_text(encoding="utf-8"), str(path)
    else:
        found = resources.files("salus.ingestion").joinpath("mappings", "weapons", f"{spec}.yaml")
        if not found.is_file():
            raise MappingError(f"no weapons mapping {spec!r}: give a YAML path or one of "
                               f"{', '.join(shipped())}")
        text, origin = found.read_text(encoding="utf-8"), str(spec)
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise MappingError(f"mapping {origin}: invalid YAML: {exc}") from None
    return parse(doc, origin)


def parse(doc: Any, origin: str = "<mapping>") -> WeaponsMapping:
    """Check every key of a weapons mapping document (an unknown key is an error)."""
    if not isinstance(doc, dict):
        raise MappingError(f"mapping {origin}: the top level must be a YAML mapping")
    where = f"mapping {doc.get('name') or origin}"
    _only(doc, TOP_KEYS, where)
    if doc.get("kind") != KIND:
        raise MappingError(f"{where}: 'kind' must be {KIND!r}, not {doc.get('kind')!r}")
    source = doc.get("source") or {}
    _only(source, SOURCE_KEYS, f"{where}: source")
    columns = {}
    for name, names in (doc.get("columns") or {}).items():
        _field(name, f"{where}: columns")
        names = [names] if isinstance(names, str) else names
        if not isinstance(names, list) or not names:
            raise MappingError(f"{where}: columns.{name} must be a name or a list of names")
        columns[name] = tuple(str(n) for n in names)
    values = {}
    for name, table in (doc.get("values") or {}).items():
        _field(name, f"{where}: values")
        if not isinstance(table, dict):
            raise MappingError(f"{where}: values.{name} must map labels to codes")
        values[name] = {normalise(str(k)): str(v) for k, v in table.items()}
    defaults = dict(doc.get("defaults") or {})
    for name in defaults:
        _field(name, f"{where}: defaults")
    dates = doc.get("dates") or {}
    _only(dates, {"formats", "dayfirst"}, f"{where}: dates")
    read = ReadOptions(format=source.get("format"), sheet=source.get("sheet"),
                       encoding=source.get("encoding"), delimiter=source.get("delimiter"),
                       header=HeaderRule(row=source.get("header_row")))
    return WeaponsMapping(str(doc.get("name") or Path(origin).stem),
                          str(doc.get("description") or ""), read, columns, values, defaults,
                          DateSpec(tuple(dates.get("formats") or ()), dates.get("dayfirst")))


def _only(section: Any, allowed: set[str], where: str) -> None:
    if not isinstance(section, dict):
        raise MappingError(f"{where} must be a YAML mapping")
    unknown = sorted(set(section) - allowed)
    if unknown:
        raise MappingError(f"{where}: unknown key(s) {', '.join(unknown)}; allowed: "
                           f"{', '.join(sorted(allowed))}")


def _field(name: str, where: str) -> None:
    if name not in FIELDS:
        raise MappingError(f"{where}: {name!r} is not a weapons field; fields: "
                           f"{', '.join(FIELDS)}")


# ---------------------------------------------------------------- rows


def read_file(path: str | Path, mapping: WeaponsMapping) -> ParsedFile:
    """Read every row of ``path``; problems become row errors (file problems raise
    :class:`~salus.ingestion.errors.FileImportError`)."""
    source = Path(path)
    table = read_table(source, mapping.read)  # refuses a missing, oversized or hostile file
    out = ParsedFile(mapping.name, source.name, _sha256(source))
    index = {normalise(c): c for c in reversed(table.columns) if c}
    bound = {name: col for name, names in mapping.columns.items()
             if (col := _first(names, index, table.tags)) is not None}
    missing = [n for n in ("category", "serial_number") if n in mapping.columns
               and n not in bound and n not in mapping.defaults]
    for name in missing:
        out.errors.append(RowError(None, " | ".join(mapping.columns[name]), "",
                                   "column.missing", f"no column for {name} in the header"))
    out.unmapped_columns = unmapped_columns(table.columns, set(bound.values()))
    convert = _Converters(mapping)
    for number, cells in table.rows:
        out.rows_read += 1
        parsed = _row(number, cells, bound, mapping, out.errors, convert)
        if parsed is not None and out.unmapped_columns:
            attributes = source_attributes(cells, out.unmapped_columns)
            parsed = dataclasses.replace(parsed, weapon=dataclasses.replace(
                parsed.weapon, source_attributes=attributes))
        if parsed is not None:
            out.rows.append(parsed)
    out.errors[:0] = table.stats.errors
    return out


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _first(names: tuple[str, ...], index: dict[str, str], tags: dict[str, str]) -> str | None:
    for name in names:
        found = find_column(name, index, tags)
        if found is not None:
            return found
    return None


class _Converters:
    """:func:`_convert` for one file, remembering the result (or the error) of each distinct
    cell of the fields whose values repeat (codes, value maps, numbers, dates): a national
    registry file has millions of rows but few distinct dates, categories or licence types.
    Free text without a value map is only trimmed (:func:`cell_text`), as :func:`_convert`
    does."""

    LIMIT = 200_000
    """Distinct cells remembered per field at most (memory stays bounded)."""

    def __init__(self, mapping: WeaponsMapping) -> None:
        self.mapping = mapping
        self.seen: dict[str, dict[tuple[type, Any], Any]] = {}
        self.plain = frozenset(name for name, (kind, codes) in FIELDS.items()
                               if kind == TEXT and codes is None and name not in mapping.values)
        """Free-text fields without a value map: their value is the trimmed cell."""

    def __call__(self, name: str, raw: Any) -> Any:
        if name in self.plain:
            return cell_text(raw)
        return self.converted(self.seen.setdefault(name, {}), name, raw)

    def converted(self, seen: dict[tuple[type, Any], Any], name: str, raw: Any) -> Any:
        """:meth:`__call__` for a field that is not plain text, ``seen`` its remembered cells."""
        key = (raw.__class__, raw)
        try:
            found = seen[key]
        except KeyError:
            try:
                found = _convert(name, raw, self.mapping)
            except CellError as exc:
                found = exc
            if len(seen) < self.LIMIT:
                seen[key] = found
        if isinstance(found, CellError):
            raise CellError(found.code, found.message)
        return found


def _row(number: int, cells: dict[str, Any], bound: dict[str, str], mapping: WeaponsMapping,
         errors: list[RowError], convert: _Converters | None = None) -> ParsedRow | None:
    values: dict[str, Any] = dict(mapping.defaults)
    before, failed = len(errors), set()
    convert = convert or _Converters(mapping)
    plain, seen = convert.plain, convert.seen
    for name, column in bound.items():
        raw = cells.get(column)
        # a text cell (every CSV cell) is trimmed here: what cell_text does to a string
        text = (raw.strip() or None) if raw.__class__ is str else cell_text(raw)
        if text is None:
            continue
        if name in plain:  # free text: what _convert returns for it
            values[name] = text
            continue
        try:
            remembered = seen.get(name)
            if remembered is None:
                remembered = seen[name] = {}
            values[name] = convert.converted(remembered, name, raw)
        except CellError as exc:
            failed.add(name)
            errors.append(RowError(number, column, cell_text(raw) or "", exc.code, str(exc)))
    problems = _required(values, number, bound, mapping)
    errors.extend(p for p in problems if p.column not in {bound.get(f) for f in failed})
    if len(errors) > before:
        return None
    return _records(number, values, bound)


def _convert(name: str, raw: Any, mapping: WeaponsMapping) -> Any:
    kind, codes = FIELDS[name]
    text = cell_text(raw) or ""
    mapped = mapping.values.get(name, {}).get(normalise(text))
    value: Any = raw if mapped is None else mapped
    converters: dict[str, Callable[[Any], Any]] = {
        INT: parse_int, BOOL: parse_bool, DATE: lambda v: parse_date(v, mapping.dates),
        TEXT: lambda v: cell_text(v)}
    value = converters[kind](value)
    if codes is not None and value not in {c.value for c in codes}:
        where = f"the value map of {name} nor " if name in mapping.values else ""
        raise CellError("code.unknown", f"{text!r} is neither in {where}one of "
                        f"{', '.join(c.value for c in codes)}")
    return value


def _required(values: dict[str, Any], number: int, bound: dict[str, str],
              mapping: WeaponsMapping) -> list[RowError]:
    out = []
    needs = ["category"]
    if any(values.get(f) for f in OWNER_FIELDS) or values.get("registered_on"):
        needs += ["owner_kind", *LICENCE_FIELDS, "registered_on"]
    if values.get("event"):
        needs.append("event_date")
    for name in needs:
        if values.get(name) in (None, ""):
            column = bound.get(name) or " | ".join(mapping.columns.get(name, (name,)))
            out.append(RowError(number, column, "", "value.missing", f"{name} is required"))
    return out


def _records(number: int, v: dict[str, Any], bound: dict[str, str]) -> ParsedRow:
    markings = tuple(Marking(kind, v[name]) for name, kind in
                     (("marking", MarkingKind.MANUFACTURE), ("import_marking", MarkingKind.IMPORT))
                     if v.get(name))
    weapon = WeaponRecord(
        v["category"], v.get("manufacturer"), v.get("model"), v.get("calibre"),
        v.get("serial_number"), bool(v.get("serial_obliterated", False)),
        v.get("country_of_manufacture"), v.get("year_of_manufacture"), v.get("import_country"),
        v.get("import_year"), v.get("area_code"), v.get("description"), v.get("record_id"),
        markings)
    owner = licence = None
    if v.get("owner_kind"):
        owner = OwnerRecord(OwnerKind(v["owner_kind"]), v.get("given_name"),
                            v.get("family_name"), v.get("entity_name"),
                            v.get("registration_number"),
                            IdDocumentType(v["id_document_type"])
                            if v.get("id_document_type") else None,
                            v.get("id_document_number"), v.get("date_of_birth"),
                            v.get("address"), v.get("owner_area_code"))
        licence = LicenceRecord(v["licence_number"], LicenceType(v["licence_type"]),
                                v["licence_issued_on"], v["licence_expires_on"],
                                v.get("licence_conditions"), v.get("licence_authority"),
                                v.get("owner_area_code"))
    event = EventType(v["event"]) if v.get("event") else None
    return ParsedRow(number, weapon, owner, licence, v.get("registered_on"), event,
                     v.get("event_date"), v.get("event_place"), dict(bound))
