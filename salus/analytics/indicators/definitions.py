"""Indicator definitions are data: YAML files found on a search path.

The search path is the folder shipped in this package, then each directory named in
``SALUS_INDICATORS_DIR`` (several separated by ``os.pathsep``), then directories given by the
caller (the CLI's ``--definitions``). A user adds an indicator by dropping a YAML file in one
of them; see ``docs/indicators.md`` for the format. Every file is validated when loaded, and
an error names the file and the key.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from salus.analytics.indicators.filters import (
    DefinitionError,
    Filters,
    check_age_scheme,
    parse_filters,
    parse_grouping,
)

ENV_DIRS = "SALUS_INDICATORS_DIR"
TOP_KEYS = (
    "id",
    "version",
    "title",
    "description",
    "measure",
    "per",
    "unit",
    "filters",
    "victims",
    "by",
    "age_scheme",
    "metadata",
)
VICTIM_KEYS = ("outcome",)
MEASURES = ("victims", "incidents")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_ID = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


@dataclass(frozen=True, slots=True)
class IndicatorDefinition:
    """One indicator: what to count (filters, victims), per how many people, grouped how."""

    id: str
    title: str
    measure: str
    filters: Filters
    by: tuple[str, ...] = ()
    age_scheme: str = "sdg"
    per: int = 100_000
    unit: str = ""
    description: str = ""
    version: str = "1"
    metadata: Mapping[str, Any] = field(default_factory=dict)
    source: str = ""


def search_path(extra: Iterable[str | Path] = ()) -> list[Path]:
    """Folders searched for ``*.yaml`` definitions, in order."""
    shipped = Path(str(resources.files("salus.analytics.indicators")))
    env = [Path(p) for p in os.environ.get(ENV_DIRS, "").split(os.pathsep) if p.strip()]
    return [shipped, *env, *(Path(p) for p in extra)]


def load_definitions(extra: Iterable[str | Path] = ()) -> dict[str, IndicatorDefinition]:
    """Every definition on the search path, by id. Two files with one id are an error."""
    found: dict[str, IndicatorDefinition] = {}
    for index, folder in enumerate(search_path(extra)):
        if not folder.is_dir():
            raise DefinitionError(f"{folder}: indicator definition folder not found")
        for path in sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml")):
            definition = load_file(path, _label(path, shipped=index == 0))
            if definition.id in found:
                raise DefinitionError(
                    f"{path}: indicator id {definition.id!r} is already "
                    f"defined in {found[definition.id].source}"
                )
            found[definition.id] = definition
    return found


def get_definition(indicator_id: str, extra: Iterable[str | Path] = ()) -> IndicatorDefinition:
    """The definition with ``indicator_id``; the error lists the known ids."""
    definitions = load_definitions(extra)
    if indicator_id not in definitions:
        raise DefinitionError(
            f"unknown indicator {indicator_id!r} (known: {', '.join(sorted(definitions))})"
        )
    return definitions[indicator_id]


def _label(path: Path, shipped: bool) -> str:
    """How errors and metadata name a file: shipped ones by their place in the package."""
    return f"salus/analytics/indicators/{path.name}" if shipped else str(path)


def load_file(path: Path, label: str | None = None) -> IndicatorDefinition:
    """Read and validate one YAML definition (``label`` names it in errors and metadata)."""
    label = label or str(path)
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)  # a safe loader
    except yaml.YAMLError as exc:
        raise DefinitionError(f"{label}: not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise DefinitionError(f"{label}: expected a mapping of keys at the top level")
    return parse_definition(raw, label)


def parse_definition(raw: Mapping[str, Any], source: str) -> IndicatorDefinition:
    """Validate a definition given as a mapping (``source`` names it in errors)."""
    unknown = sorted(set(raw) - set(TOP_KEYS))
    if unknown:
        raise DefinitionError(
            f"{source}: unknown key(s) {', '.join(unknown)} (known: {', '.join(TOP_KEYS)})"
        )
    for key in ("id", "title", "measure"):
        if not raw.get(key):
            raise DefinitionError(f"{source}: missing required key {key!r}")
    if not _ID.match(str(raw["id"])):
        raise DefinitionError(
            f"{source}: id {raw['id']!r} must be lower-case letters, digits, '-', '.' or '_'"
        )
    if raw["measure"] not in MEASURES:
        raise DefinitionError(
            f"{source}: measure must be one of {', '.join(MEASURES)}, got {raw['measure']!r}"
        )
    return IndicatorDefinition(
        id=str(raw["id"]),
        title=str(raw["title"]),
        measure=str(raw["measure"]),
        filters=_filters(raw, source),
        by=_by(raw, source),
        age_scheme=_age_scheme(raw, source),
        per=_per(raw, source),
        unit=str(raw.get("unit", "")),
        description=str(raw.get("description", "")).strip(),
        version=str(raw.get("version", "1")),
        metadata=_metadata(raw, source),
        source=source,
    )


def _filters(raw: Mapping[str, Any], source: str) -> Filters:
    filters = parse_filters(_mapping(raw, "filters", source), source)
    victims = _mapping(raw, "victims", source)
    extra = sorted(set(victims) - set(VICTIM_KEYS))
    if extra:
        raise DefinitionError(
            f"{source}: victims.{extra[0]}: unknown key (known: {', '.join(VICTIM_KEYS)})"
        )
    if "outcome" in _mapping(raw, "filters", source):
        raise DefinitionError(f"{source}: filters.outcome: put the outcome under 'victims:'")
    return filters.merge(parse_filters(victims, source, "victims"), source)


def _mapping(raw: Mapping[str, Any], key: str, source: str) -> Mapping[str, Any]:
    value = raw.get(key) or {}
    if not isinstance(value, dict):
        raise DefinitionError(f"{source}: {key} must be a mapping, got {value!r}")
    return value


def _by(raw: Mapping[str, Any], source: str) -> tuple[str, ...]:
    value = raw.get("by") or []
    items = [value] if isinstance(value, str) else list(value)
    parse_grouping([str(i) for i in items], _age_scheme(raw, source), f"{source}: by")
    return tuple(str(i) for i in items)


def _age_scheme(raw: Mapping[str, Any], source: str) -> str:
    scheme = str(raw.get("age_scheme", "sdg"))
    check_age_scheme(scheme, f"{source}: age_scheme")
    return scheme


def _per(raw: Mapping[str, Any], source: str) -> int:
    per = raw.get("per", 100_000)
    if isinstance(per, bool) or not isinstance(per, int) or per <= 0:
        raise DefinitionError(f"{source}: per must be a positive integer, got {per!r}")
    return per


def _metadata(raw: Mapping[str, Any], source: str) -> dict[str, Any]:
    return dict(_mapping(raw, "metadata", source))
