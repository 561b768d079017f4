"""Bind a mapping to one file's header: which column feeds each field, and how to read a row.

Column names match case-, accent- and whitespace-insensitively; a name starting with ``#`` is
an HXL tag pattern, which matches a column whose hashtag is the same and whose attributes
include all of the pattern's (HXL 1.1 tag-pattern rule: ``#affected+killed`` matches
``#affected+f+killed``). Alternatives are tried in the order the mapping lists them.

The record-id hash (docs/import.md, "Record ids") is computed here, from the source text of the
hashed fields, before any transform or value map, so that fixing a value map later updates
records instead of creating new ones.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from json.encoder import encode_basestring
from typing import Any

from salus.ingestion.convert import CellError, Converter, converter
from salus.ingestion.errors import RowError, failure
from salus.ingestion.fields import FIELDS, NOT_HASHED, REQUIRED, FieldDef
from salus.ingestion.framing import Row
from salus.ingestion.mapping import ColumnSpec, Mapping, Unpivot
from salus.ingestion.readers import Table
from salus.ingestion.text import cell_text, normalise, slug

Getter = Callable[[dict[str, Any]], Any]


@dataclass(frozen=True, slots=True)
class BoundField:
    name: str
    column: str
    get: Getter
    convert: Converter


@dataclass(slots=True)
class Bound:
    """A mapping bound to a header: per-row extraction of typed values and the hash input."""

    mapping: Mapping
    fields: list[BoundField]
    defaults: dict[str, Any]
    hashed: list[BoundField]
    absent: list[str]
    columns: dict[str, str]
    used: set[str] = field(default_factory=set)
    """Every source column some field reads (names, code paths, templates)."""
    _order: list[tuple[str, BoundField]] | None = None

    def extract(self, number: int, row: dict[str, Any]) -> tuple[dict[str, Any], list[RowError]]:
        """Typed values of every field (defaults filled in) and the problems found."""
        values = dict(self.defaults)
        problems: list[RowError] = []
        for f in self.fields:
            raw = f.get(row)
            try:
                value = f.convert(raw)
            except CellError as p:
                problems.append(RowError(number, f.column, cell_text(raw) or "", p.code,
                                         f"{f.name}: {p.message}"))
                continue
            if value is not None:
                values[f.name] = value
        return values, problems

    def record_hash(self, row: dict[str, Any]) -> str:
        """SHA-256 of the canonical JSON of ``{field: source text}`` of the hashed fields.

        The text is what ``json.dumps(data, sort_keys=True, ensure_ascii=False,
        separators=(",", ":"))`` writes (the values are strings or None), written directly.
        """
        parts = []
        for key, f in self._hash_order():
            text = cell_text(f.get(row))
            parts.append(key + ("null" if text is None else encode_basestring(text)))
        blob = "{" + ",".join(parts) + "}"
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()

    def _hash_order(self) -> list[tuple[str, BoundField]]:
        """The hashed fields in sorted-key order, each with its JSON key text and colon."""
        order = self._order
        if order is None:
            latest = {f.name: f for f in self.hashed}  # a repeated name: the last one wins
            order = self._order = [(encode_basestring(n) + ":", latest[n])
                                   for n in sorted(latest)]
        return order

    def raw_text(self, name: str, row: dict[str, Any]) -> str:
        for f in self.fields:
            if f.name == name:
                return cell_text(f.get(row)) or ""
        return str(self.defaults.get(name, ""))

    def column_of(self, name: str) -> str:
        return self.columns.get(name) or (f"(default {name})" if name in self.defaults
                                          else name)


def bind(mapping: Mapping, table: Table, header_row: int | None) -> Bound:
    """Resolve every column of ``mapping`` in ``table``; a required one missing is fatal."""
    catalogue = FIELDS[mapping.kind]
    index = {normalise(c): c for c in reversed(table.columns) if c}
    fields, absent, columns, used = [], [], {}, set()
    for name, spec in mapping.columns.items():
        getter, label, keys = _getter(spec, index, table.tags)
        if getter is None:
            absent.append(name)
            continue
        columns[name] = label
        used.update(keys)
        fields.append(BoundField(name, label, getter, converter(name, catalogue[name], mapping)))
    defaults = _defaults(mapping, catalogue)
    _check_required(mapping, columns, defaults, absent, table, header_row)
    hashed = [f for f in fields if (f.name in mapping.hash_fields if mapping.hash_fields
                                    else f.name not in NOT_HASHED)]
    return Bound(mapping, fields, defaults, hashed, absent, columns, used)


def unmapped_columns(columns: list[str], used: set[str]) -> list[str]:
    """The file's columns that no field reads, in the file's order (kept as source attributes)."""
    return [c for c in dict.fromkeys(columns) if c and c not in used]


def common_attributes(first: dict[str, str], other: dict[str, str]) -> dict[str, str]:
    """The attributes two rows collapsed into one record agree on (``collapse_identical``,
    areas repeated along ``levels`` paths): a column whose cells differ describes the rows,
    not the record, and is left out."""
    return {k: v for k, v in first.items() if other.get(k) == v}


def source_attributes(row: dict[str, Any], unmapped: list[str]) -> dict[str, str]:
    """{column name: cell text} of the row's non-empty unmapped cells (docs/import.md)."""
    out = {}
    for column in unmapped:
        text = cell_text(row.get(column))
        if text is not None:
            out[column] = text
    return out


def _getter(spec: ColumnSpec, index: dict[str, str],
            tags: dict[str, str]) -> tuple[Getter | None, str, list[str]]:
    """The field's getter, its column label and the source columns it reads."""
    if spec.template is not None:
        return _template_getter(spec.template, index, tags)
    if spec.path:
        keys = [find_column(n, index, tags) for n in spec.path]
        if any(k is None for k in keys):
            return None, "", []
        resolved = [k for k in keys if k is not None]
        return _path_getter(resolved, spec), "+".join(resolved), resolved
    for name in spec.names:
        key = find_column(name, index, tags)
        if key is not None:
            return (lambda row, k=key: row.get(k)), key, [key]
    return None, "", []


def _path_getter(keys: list[str], spec: ColumnSpec) -> Getter:
    def get(row: dict[str, Any]) -> str | None:
        return path_code([cell_text(row.get(k)) for k in keys], spec.prefix, spec.separator)

    return get


def path_code(texts: list[str | None], prefix: str, separator: str) -> str | None:
    """Code from a path of names: slugs of the leading non-empty names, joined.

    ``["Syria", "Homs Governorate", None]`` → ``"syria/homs-governorate"``.
    """
    parts = [prefix] if prefix else []
    for text in texts:
        if not text or not slug(text):
            break
        parts.append(slug(text))
    return separator.join(parts) if len(parts) > (1 if prefix else 0) else None


def _template_getter(template: str, index: dict[str, str],
                     tags: dict[str, str]) -> tuple[Getter | None, str, list[str]]:
    names = re.findall(r"\{([^{}]+)\}", template)
    keys = {n: find_column(n, index, tags) for n in names}
    if any(k is None for k in keys.values()):
        return None, "", []

    def get(row: dict[str, Any]) -> str | None:
        texts = {n: cell_text(row.get(k)) or "" for n, k in keys.items() if k is not None}
        if not any(texts.values()):
            return None
        return re.sub(r"\{([^{}]+)\}", lambda m: texts[m.group(1)], template)

    return get, "+".join(k for k in keys.values() if k), [k for k in keys.values() if k]


def find_column(name: str, index: dict[str, str], tags: dict[str, str]) -> str | None:
    """The column matching ``name`` (header text, or an HXL tag pattern)."""
    if name.startswith("#"):
        return hxl_match(name, tags)
    return index.get(normalise(name))


def hxl_match(pattern: str, tags: dict[str, str]) -> str | None:
    """First column whose hashtag equals the pattern's and has all its attributes."""
    want_tag, *want_attrs = re.sub(r"\s+", "", pattern).lower().split("+")
    exact = [c for c, t in tags.items() if t == "+".join([want_tag, *want_attrs])]
    if exact:
        return exact[0]
    for column, tag in tags.items():
        have_tag, *have_attrs = tag.split("+")
        if have_tag == want_tag and set(want_attrs) <= set(have_attrs):
            return column
    return None


def _defaults(mapping: Mapping, catalogue: dict[str, FieldDef]) -> dict[str, Any]:
    out = {}
    for name, raw in mapping.defaults.items():
        convert = converter(name, catalogue[name], mapping, use_map=False)
        try:
            out[name] = convert(raw)
        except CellError as p:
            raise failure("mapping.invalid", f"mapping {mapping.name}: default for {name}: "
                          f"{p.message}", column=f"(default {name})", value=raw) from None
    return out


def _check_required(mapping: Mapping, columns: dict[str, str], defaults: dict[str, Any],
                    absent: list[str], table: Table, header_row: int | None) -> None:
    produced = set(columns) | set(defaults)
    if mapping.kind == "areas" and mapping.levels:
        produced |= {"code", "name", "level"}
    for name in REQUIRED[mapping.kind]:
        if name in produced:
            continue
        spec = mapping.columns.get(name)
        wanted = " or ".join(repr(s) for s in spec.sources) if spec else "(not mapped)"
        have = ", ".join(repr(c) for c in table.columns if c)
        raise failure("column.missing", f"mapping {mapping.name} needs a column for {name}: "
                      f"{wanted} not found in the header (row {header_row}); the file's "
                      f"columns are {have}", row=header_row, column=name,
                      value=wanted)


def unpivot(table: Table, spec: Unpivot) -> Table:
    """Wide → long: one row per column whose header matches ``spec.columns`` (non-empty)."""
    pattern = re.compile(spec.columns)
    wide = [c for c in table.columns if c and pattern.search(c)]
    if not wide:
        return table
    kept = [c for c in table.columns if c not in wide]

    def rows() -> Iterator[Row]:
        for number, row in table.rows:
            base = {c: row.get(c) for c in kept}
            for column in wide:
                if cell_text(row.get(column)) is not None:
                    yield number, base | {spec.name: column, spec.value: row.get(column)}

    columns = [*kept, spec.name, spec.value]
    return Table(columns, table.tags, rows(), table.stats, table.format, table.size_hint,
                 table.encoding)
