"""SDG 16 survey indicators: definitions as data (``definitions/*.yaml``) and a survey's mapping.

A definition says what the indicator is (its official title and definition from the UN SDG
indicator metadata, cited under ``metadata.reference``), that it is a weighted proportion
(``measure: proportion``), how it is disaggregated (``by``: sex, age band, disability, area),
and in words what its numerator and denominator are. Which question of a given form answers
them differs from survey to survey, so each survey stores an :class:`IndicatorMapping`: the
numerator is "any of these questions has one of these values", the denominator likewise
(empty: every respondent who answered a numerator question). The estimate is then the
design-based domain mean of the numerator's 0/1 variable over the denominator (a ratio
estimator, Lumley 2010 §2.3: a subpopulation estimate keeps the full design).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

TOP_KEYS = ("id", "version", "title", "description", "measure", "unit", "per", "numerator",
            "denominator", "by", "metadata")
GROUPS = ("sex", "age_band", "disability", "area")
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class IndicatorError(ValueError):
    """A definition or a mapping is wrong; the message names the file or field."""


@dataclass(frozen=True, slots=True)
class SurveyIndicator:
    id: str
    title: str
    description: str
    unit: str
    per: int
    numerator: str
    denominator: str
    by: tuple[str, ...]
    version: str = "1"
    metadata: Mapping[str, Any] = field(default_factory=dict)
    source: str = ""

    @property
    def sdg(self) -> str:
        return str(self.metadata.get("sdg_indicator", self.id))


@dataclass(frozen=True, slots=True)
class Condition:
    """``question`` has one of ``values`` (for a select_multiple: any of them is chosen)."""

    question: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class IndicatorMapping:
    numerator: tuple[Condition, ...]
    denominator: tuple[Condition, ...] = ()

    def questions(self) -> list[str]:
        return list(dict.fromkeys(c.question for c in (*self.numerator, *self.denominator)))

    def to_json(self) -> dict[str, Any]:
        return {part: [{"question": c.question, "values": list(c.values)} for c in conds]
                for part, conds in (("numerator", self.numerator),
                                    ("denominator", self.denominator))}


def folder() -> Path:
    return Path(str(resources.files("salus.domain.surveys").joinpath("definitions")))


def load_indicators() -> dict[str, SurveyIndicator]:
    """Every shipped survey indicator, by id."""
    found: dict[str, SurveyIndicator] = {}
    for path in sorted(folder().glob("*.yaml")):
        label = f"salus/domain/surveys/definitions/{path.name}"
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)  # a safe loader
        indicator = parse_indicator(raw, label)
        found[indicator.id] = indicator
    return found


def get_indicator(indicator_id: str) -> SurveyIndicator:
    known = load_indicators()
    if indicator_id not in known:
        raise IndicatorError(f"unknown survey indicator {indicator_id!r} "
                             f"(known: {', '.join(sorted(known))})")
    return known[indicator_id]


def parse_indicator(raw: Any, source: str) -> SurveyIndicator:
    if not isinstance(raw, dict):
        raise IndicatorError(f"{source}: expected a mapping of keys at the top level")
    unknown = sorted(set(raw) - set(TOP_KEYS))
    if unknown:
        raise IndicatorError(f"{source}: unknown key(s) {', '.join(unknown)}")
    for key in ("id", "title", "numerator", "denominator"):
        if not raw.get(key):
            raise IndicatorError(f"{source}: missing required key {key!r}")
    if raw.get("measure", "proportion") != "proportion":
        raise IndicatorError(f"{source}: measure must be 'proportion'")
    by = tuple(str(b) for b in raw.get("by") or ())
    if set(by) - set(GROUPS):
        raise IndicatorError(f"{source}: by: {sorted(set(by) - set(GROUPS))[0]!r} is not one "
                             f"of {', '.join(GROUPS)}")
    return SurveyIndicator(
        id=str(raw["id"]), title=str(raw["title"]),
        description=str(raw.get("description", "")).strip(), unit=str(raw.get("unit", "")),
        per=int(raw.get("per", 100)), numerator=str(raw["numerator"]),
        denominator=str(raw["denominator"]), by=by, version=str(raw.get("version", "1")),
        metadata=dict(raw.get("metadata") or {}), source=source)


def parse_mapping(raw: Mapping[str, Any], where: str = "mapping") -> IndicatorMapping:
    """``{"numerator": [{"question": q, "values": [...]}, ...], "denominator": [...]}``;
    a single condition may be given without the list."""
    numerator = _conditions(raw.get("numerator"), f"{where}.numerator")
    if not numerator:
        raise IndicatorError(f"{where}.numerator: name at least one question and its values")
    return IndicatorMapping(numerator, _conditions(raw.get("denominator"),
                                                   f"{where}.denominator"))


def _conditions(raw: Any, where: str) -> tuple[Condition, ...]:
    if raw is None:
        return ()
    items: Sequence[Any] = [raw] if isinstance(raw, dict) else raw
    out = []
    for n, item in enumerate(items):
        if not isinstance(item, dict) or not item.get("question"):
            raise IndicatorError(f"{where}[{n}]: expected {{question, values}}, got {item!r}")
        values = item.get("values") or []
        values = [values] if isinstance(values, str) else values
        if not values:
            raise IndicatorError(f"{where}[{n}].values: list the answers that count")
        out.append(Condition(str(item["question"]), tuple(str(v) for v in values)))
    return tuple(out)
