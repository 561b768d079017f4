"""Code lists as versioned data files with labels in the six UN languages.

Like pycountry's ISO lists, each taxonomy (ICCS, contexts, weapon categories, age bands…) is a
YAML file in ``taxonomies/``; this module reads them (package data, no network) and answers
"is this a known code", "what is its label in Arabic", "which codes sit under 0101".
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

LANGUAGES = ("en", "fr", "es", "ru", "ar", "zh")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when present: ~10x faster


@dataclass(frozen=True, slots=True)
class Code:
    code: str
    parent: str | None
    labels: dict[str, str]
    extra: dict[str, Any] = field(default_factory=dict)

    def label(self, language: str = "en") -> str:
        return self.labels.get(language) or self.labels.get("en") or self.code


@dataclass(frozen=True, slots=True)
class Taxonomy:
    id: str
    version: str
    source: str
    codes: dict[str, Code]

    def __contains__(self, code: object) -> bool:
        return code in self.codes

    def __iter__(self) -> Iterator[Code]:
        return iter(self.codes.values())

    def label(self, code: str, language: str = "en") -> str:
        return self.codes[code].label(language)

    def level(self, code: str) -> int:
        """Depth in the tree, 1 for a top-level code."""
        depth, current = 1, self.codes[code].parent
        while current is not None:
            depth, current = depth + 1, self.codes[current].parent
        return depth

    def descendants(self, code: str) -> set[str]:
        """The code itself and every code below it."""
        found = {code}
        changed = True
        while changed:
            new = {c.code for c in self if c.parent in found} - found
            found |= new
            changed = bool(new)
        return found


class UnknownTaxonomy(KeyError):  # noqa: N818 - reads as the condition it reports
    pass


@cache
def load(taxonomy_id: str) -> Taxonomy:
    """Load ``taxonomies/<id>.yaml`` from the installed package."""
    path = resources.files("salus.domain").joinpath("taxonomies", f"{taxonomy_id}.yaml")
    if not path.is_file():
        raise UnknownTaxonomy(taxonomy_id)
    raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    codes: dict[str, Code] = {}
    for entry in raw["codes"]:
        extra = {k: v for k, v in entry.items() if k not in ("code", "parent", "labels")}
        code = str(entry["code"])
        parent = None if entry.get("parent") is None else str(entry["parent"])
        codes[code] = Code(code, parent, dict(entry["labels"]), extra)
    return Taxonomy(raw["id"], str(raw["version"]), raw.get("source", ""), codes)


def available() -> list[str]:
    folder = resources.files("salus.domain").joinpath("taxonomies")
    names = (p.name for p in folder.iterdir())
    return sorted(n.removesuffix(".yaml") for n in names if n.endswith(".yaml"))


def age_band_range(code: str) -> tuple[int, int | None]:
    """``min`` and ``max`` years of an age-band code (e.g. ``sdg:15-29``)."""
    entry = load("age_band").codes[code]
    top = entry.extra.get("max")
    return int(entry.extra["min"]), None if top is None else int(top)


def age_bands(scheme: str) -> list[Code]:
    """The bands of one scheme in ascending order (``sdg``, ``five_year``…)."""
    bands = [c for c in load("age_band") if c.extra.get("scheme") == scheme]
    if not bands:
        raise UnknownTaxonomy(f"age_band scheme {scheme!r}")
    return sorted(bands, key=lambda c: int(c.extra["min"]))
