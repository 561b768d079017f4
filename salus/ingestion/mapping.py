"""Declarative YAML mappings: how the columns of one kind of source file become Salus fields.

A mapping names the kind of import (incidents, areas, population), where the table sits in the
file, which source column fills each field (several alternative names, matched case-, accent-
and whitespace-insensitively, or an HXL hashtag pattern), value maps, code transforms, defaults,
date formats, the record-id rule and how duplicate rows are treated. Every key is documented in
docs/import.md; an unknown key is an error, so a typo never silently does nothing.

Mappings shipped with Salus live in ``salus/ingestion/mappings/<name>.yaml`` and are found by
name (``colombia-police-homicides``); any other mapping is a path to a YAML file.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from salus.ingestion.errors import MappingError
from salus.ingestion.fields import FIELDS, KINDS
from salus.ingestion.framing import DEFAULT_FOOTER_PATTERNS, HeaderRule
from salus.ingestion.readers import ReadOptions
from salus.ingestion.shipped import shipped_mappings as shipped_mappings  # re-exported
from salus.ingestion.text import normalise

TOP_KEYS = {"name", "kind", "description", "source", "columns", "values", "transforms",
            "defaults", "dates", "record_id", "duplicates", "victims", "root", "levels",
            "code_path"}
SOURCE_KEYS = {"format", "sheet", "encoding", "delimiter", "header_row", "header_contains",
               "footer_patterns", "default_footers", "unpivot"}
TRANSFORMS = {"pad", "slice", "replace", "prefix", "suffix", "upper", "lower", "slug"}
DUPLICATES = ("error", "number", "collapse_identical")


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    """Where a field's raw value comes from: one of ``names``, a code ``path`` or a template."""

    names: tuple[str, ...] = ()
    path: tuple[str, ...] = ()
    separator: str = "/"
    prefix: str = ""
    template: str | None = None

    @property
    def sources(self) -> tuple[str, ...]:
        return self.names or self.path


@dataclass(frozen=True, slots=True)
class Unpivot:
    """Wide → long: each column whose header matches ``columns`` (a regex) becomes a row."""

    columns: str
    name: str
    value: str


@dataclass(frozen=True, slots=True)
class DateSpec:
    formats: tuple[str, ...] = ()
    dayfirst: bool | None = None
    excel_serial: bool = True


@dataclass(frozen=True, slots=True)
class Level:
    column: str
    level: int


@dataclass(frozen=True, slots=True)
class Mapping:
    """A parsed, checked mapping (see docs/import.md for every key)."""

    name: str
    kind: str
    description: str = ""
    read: ReadOptions = field(default_factory=ReadOptions)
    unpivot: Unpivot | None = None
    columns: dict[str, ColumnSpec] = field(default_factory=dict)
    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    transforms: dict[str, tuple[tuple[str, Any], ...]] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)
    dates: DateSpec = field(default_factory=DateSpec)
    hash_fields: tuple[str, ...] | None = None
    duplicates: str = "error"
    victims: tuple[dict[str, Any], ...] = ()
    root: dict[str, Any] | None = None
    levels: tuple[Level, ...] = ()
    code_path: ColumnSpec = field(default_factory=ColumnSpec)
    origin: str = ""

    def with_overrides(self, *, date_format: str | None = None,
                       encoding: str | None = None) -> Mapping:
        """The CLI's ``--date-format`` replaces the mapping's formats; ``--encoding`` its own."""
        out = self
        if date_format:
            out = replace(out, dates=replace(out.dates, formats=(date_format,)))
        if encoding:
            out = replace(out, read=replace(out.read, encoding=encoding))
        return out


def load_mapping(spec: str | Path) -> Mapping:
    """A mapping from a YAML path, or the shipped mapping of that name."""
    path = Path(spec)
    if path.suffix in (".yaml", ".yml") or path.is_file():
        if not path.is_file():
            raise MappingError(f"mapping file {path} not found")
        return parse_mapping(_yaml(path.read_text(encoding="utf-8"), str(path)), str(path))
    shipped = resources.files("salus.ingestion").joinpath("mappings", f"{spec}.yaml")
    if not shipped.is_file():
        raise MappingError(f"no mapping {spec!r}: give a YAML path or one of the shipped "
                           f"mappings: {', '.join(shipped_mappings())}")
    return parse_mapping(_yaml(shipped.read_text(encoding="utf-8"), str(spec)), str(spec))


def _yaml(text: str, origin: str) -> dict[str, Any]:
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise MappingError(f"mapping {origin}: invalid YAML: {exc}") from None
    if not isinstance(doc, dict):
        raise MappingError(f"mapping {origin}: the top level must be a YAML mapping")
    return doc


def parse_mapping(doc: dict[str, Any], origin: str = "<mapping>") -> Mapping:
    """Check every key of a mapping document and build a :class:`Mapping`."""
    where = f"mapping {doc.get('name') or origin}"
    _no_unknown(doc, TOP_KEYS, where)
    kind = doc.get("kind")
    if kind not in KINDS:
        raise MappingError(f"{where}: 'kind' must be one of {', '.join(KINDS)}, not {kind!r}")
    fields = FIELDS[kind]
    source = doc.get("source") or {}
    _no_unknown(source, SOURCE_KEYS, f"{where}: source")
    columns = {f: _column_spec(v, f"{where}: columns.{f}")
               for f, v in (doc.get("columns") or {}).items()}
    for section in ("columns", "values", "transforms", "defaults"):
        _known_fields(doc.get(section) or {}, fields, f"{where}: {section}")
    record = doc.get("record_id") or {}
    _no_unknown(record, {"hash"}, f"{where}: record_id")
    return Mapping(
        name=str(doc.get("name") or Path(origin).stem), kind=kind,
        description=str(doc.get("description") or ""),
        read=_read_options(source, columns, kind),
        unpivot=_unpivot(source.get("unpivot"), where), columns=columns,
        values={f: _value_map(m, f"{where}: values.{f}")
                for f, m in (doc.get("values") or {}).items()},
        transforms={f: _transforms(t, f"{where}: transforms.{f}")
                    for f, t in (doc.get("transforms") or {}).items()},
        defaults=dict(doc.get("defaults") or {}), dates=_dates(doc.get("dates") or {}, where),
        hash_fields=_hash_fields(record.get("hash"), fields, where),
        duplicates=_choice(doc.get("duplicates", "error"), DUPLICATES, f"{where}: duplicates"),
        victims=_victims(doc.get("victims") or [], kind, where), root=_root(doc.get("root"), where),
        levels=_levels(doc.get("levels") or [], where),
        code_path=_column_spec({"path": [], **(doc.get("code_path") or {})}, where),
        origin=origin)


def _no_unknown(section: Any, allowed: set[str], where: str) -> None:
    if not isinstance(section, dict):
        raise MappingError(f"{where} must be a YAML mapping")
    unknown = sorted(set(section) - allowed)
    if unknown:
        raise MappingError(f"{where}: unknown key(s) {', '.join(map(str, unknown))}; "
                           f"allowed: {', '.join(sorted(allowed))}")


def _known_fields(section: Any, fields: dict[str, Any], where: str) -> None:
    _no_unknown(section, set(fields), where)


def _column_spec(value: Any, where: str) -> ColumnSpec:
    if isinstance(value, str | int):
        return ColumnSpec(names=(str(value),))
    if isinstance(value, list) and value and all(isinstance(v, str | int) for v in value):
        return ColumnSpec(names=tuple(str(v) for v in value))
    if isinstance(value, dict):
        _no_unknown(value, {"path", "separator", "prefix", "template"}, where)
        if "template" in value:
            return ColumnSpec(template=str(value["template"]))
        return ColumnSpec(path=tuple(str(v) for v in value.get("path") or ()),
                          separator=str(value.get("separator", "/")),
                          prefix=str(value.get("prefix", "")))
    raise MappingError(f"{where}: give a column name, a list of alternative names, "
                       "{path: [...]} or {template: ...}")


def _value_map(raw: Any, where: str) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise MappingError(f"{where} must map source values to codes")
    out: dict[str, Any] = {}
    for key, target in raw.items():
        text = str(int(key)) if isinstance(key, float) and key.is_integer() else str(key)
        out[normalise(text)] = None if target is None else str(target)
    return out


def _transforms(raw: Any, where: str) -> tuple[tuple[str, Any], ...]:
    items = raw if isinstance(raw, list) else [raw]
    out = []
    for item in items:
        if isinstance(item, dict) and len(item) == 1:
            name, arg = next(iter(item.items()))
        else:
            name, arg = item, None
        if not isinstance(name, str) or name not in TRANSFORMS:
            raise MappingError(f"{where}: unknown transform {item!r}; "
                               f"known: {', '.join(sorted(TRANSFORMS))}")
        if name == "slice" and not (isinstance(arg, list) and len(arg) == 2):
            raise MappingError(f"{where}: slice takes [start, end]")
        if name == "replace" and not (isinstance(arg, list) and len(arg) == 2):
            raise MappingError(f"{where}: replace takes [regex, replacement]")
        out.append((name, arg))
    return tuple(out)


def _dates(raw: dict[str, Any], where: str) -> DateSpec:
    _no_unknown(raw, {"formats", "dayfirst", "excel_serial"}, f"{where}: dates")
    formats = raw.get("formats") or ()
    return DateSpec(tuple([formats] if isinstance(formats, str) else formats),
                    raw.get("dayfirst"), bool(raw.get("excel_serial", True)))


def _hash_fields(raw: Any, fields: dict[str, Any], where: str) -> tuple[str, ...] | None:
    if raw in (None, "all"):
        return None
    names = tuple(raw if isinstance(raw, list) else [raw])
    _no_unknown(dict.fromkeys(names), set(fields), f"{where}: record_id.hash")
    return names


def _choice(value: Any, options: tuple[str, ...], where: str) -> str:
    if value not in options:
        raise MappingError(f"{where} must be one of {', '.join(options)}, not {value!r}")
    return str(value)


def _victims(raw: list[Any], kind: str, where: str) -> tuple[dict[str, Any], ...]:
    from salus.ingestion.fields import PERSON_FIELDS

    if raw and kind != "incidents":
        raise MappingError(f"{where}: 'victims' is only for incident mappings")
    groups = []
    for i, group in enumerate(raw, start=1):
        _no_unknown(group, {"count", *PERSON_FIELDS}, f"{where}: victims[{i}]")
        if "count" not in group:
            raise MappingError(f"{where}: victims[{i}] needs a count column")
        groups.append(dict(group))
    return tuple(groups)


def _root(raw: Any, where: str) -> dict[str, Any] | None:
    if raw is None:
        return None
    _no_unknown(raw, {"code", "name", "names", "level"}, f"{where}: root")
    if not raw.get("code") or not raw.get("name"):
        raise MappingError(f"{where}: root needs a code and a name")
    return {"code": str(raw["code"]), "name": str(raw["name"]),
            "names": dict(raw.get("names") or {}), "level": int(raw.get("level", 0))}


def _levels(raw: list[Any], where: str) -> tuple[Level, ...]:
    out = []
    for i, item in enumerate(raw):
        if isinstance(item, str):
            out.append(Level(item, i))
        else:
            _no_unknown(item, {"column", "level"}, f"{where}: levels[{i + 1}]")
            out.append(Level(str(item["column"]), int(item.get("level", i))))
    return tuple(out)


def _unpivot(raw: Any, where: str) -> Unpivot | None:
    if raw is None:
        return None
    _no_unknown(raw, {"columns", "name", "value"}, f"{where}: source.unpivot")
    if not all(raw.get(k) for k in ("columns", "name", "value")):
        raise MappingError(f"{where}: source.unpivot needs columns, name and value")
    return Unpivot(str(raw["columns"]), str(raw["name"]), str(raw["value"]))


def _read_options(source: dict[str, Any], columns: dict[str, ColumnSpec],
                  kind: str) -> ReadOptions:
    from salus.ingestion.fields import REQUIRED

    footers = tuple(source.get("footer_patterns") or ())
    if source.get("default_footers", True):
        footers = DEFAULT_FOOTER_PATTERNS + footers
    contains = source.get("header_contains") or ()
    required = tuple(columns[f].sources for f in REQUIRED[kind]
                     if f in columns and columns[f].names)
    sheet = source.get("sheet")
    rule = HeaderRule(row=source.get("header_row"),
                      contains=tuple(str(c) for c in ([contains] if isinstance(contains, str)
                                                      else contains)),
                      required=required, footer_patterns=footers)
    return ReadOptions(format=source.get("format"),
                       sheet=tuple(sheet) if isinstance(sheet, list) else sheet,
                       encoding=source.get("encoding"), delimiter=source.get("delimiter"),
                       header=rule)
