"""Filters and groupings of an indicator request, validated against the code lists.

A filter narrows the events counted; a grouping splits them into rows. Both are plain data:
indicator definitions (YAML) and the CLI give the same keys, checked here so that a typo
(``ofence``, ``0199``) is an error that names its source and key, never an empty table.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from salus.domain import taxonomy
from salus.domain.taxonomy import UnknownTaxonomy

# filter key -> code list its values come from (None: checked against the store, or boolean)
CODED_FILTERS = {
    "offence": "iccs",
    "iccs_context": "iccs_context",
    "misuse_context": "misuse_context",
    "weapon": "weapon",
    "sex": "sex",
    "age_band": "age_band",
    "outcome": "outcome",
    "source": "source_type",
    "place_type": "location_type",
    "police_action": "police_action",
    "cause": "conflict_death_cause",
    "conflict_status": "conflict_status",
}
BOOLEAN_FILTERS = ("attempted", "conflict_related", "declared")
"""``conflict_related``: the incident is related to armed conflict (SDG 16.1.2, see
:data:`salus.domain.incidents.offences.CONFLICT_OFFENCES`); ``declared``: also count the deaths
a source declares without listing the persons (UCDP's best estimate), as unknown sex, age and
status."""
FILTER_KEYS = (*CODED_FILTERS, *BOOLEAN_FILTERS, "area")
SINGLE_VALUED = ("sex", "age_band", "area", *BOOLEAN_FILTERS)
SINGLE_FIELDS = ("attempted", "area", "sex", "age_band", "conflict_related", "declared")
TIME_GRAINS = ("year", "quarter", "month", "week", "day")
DIMENSIONS = (
    "area",
    *TIME_GRAINS,
    "sex",
    "age_band",
    "weapon",
    "iccs_context",
    "misuse_context",
    "place_type",
    "cause",
    "conflict_status",
)
PERSON_DIMENSIONS = ("sex", "age_band", "conflict_status")
INCIDENT_DIMENSIONS = ("weapon", "iccs_context", "misuse_context", "place_type", "cause")
CODED_DIMENSIONS = (*INCIDENT_DIMENSIONS, "conflict_status")
"""Groupings whose rows are the codes of a code list (``CODED_FILTERS``)."""


class DefinitionError(ValueError):
    """An indicator definition or request that cannot be used; the message names where."""


@dataclass(frozen=True, slots=True)
class Filters:
    """What to count. Code filters hold the codes asked for (each with its subtree).

    ``offence`` codes match an ICCS code and every code below it by prefix (ICCS codes are
    hierarchical by construction, so national sub-codes absent from the code list match too),
    and so do ``police_action`` codes (PA…, MI…); without a ``police_action`` filter police
    actions and misdemeanours are not counted at all, so they never mix with ICCS crimes.
    Weapon, context, place-type, cause and status codes match their subtree in the code list.
    Several values of one key are alternatives (OR); different keys all apply (AND); the same
    key given twice (definition and user) must hold both times.
    """

    codes: Mapping[str, tuple[tuple[str, ...], ...]] = field(default_factory=dict)
    attempted: bool | None = None
    area: str | None = None
    sex: str | None = None
    age_band: str | None = None
    conflict_related: bool | None = None
    declared: bool | None = None

    def merge(self, other: Filters, source: str = "request") -> Filters:
        """Both sets of conditions at once (AND)."""
        codes = {k: tuple(v) for k, v in self.codes.items()}
        for key, groups in other.codes.items():
            codes[key] = codes.get(key, ()) + tuple(groups)
        single: dict[str, Any] = {}
        for key in SINGLE_FIELDS:
            mine, theirs = getattr(self, key), getattr(other, key)
            if mine is not None and theirs is not None and mine != theirs:
                raise DefinitionError(
                    f"{source}: filter {key}={theirs!r} contradicts the indicator's {key}={mine!r}"
                )
            single[key] = theirs if mine is None else mine
        return replace(self, codes=codes, **single)

    def expanded(self, key: str) -> list[frozenset[str]]:
        """Each condition on ``key`` as the set of codes it accepts (subtrees included)."""
        tax = taxonomy.load(CODED_FILTERS[key])
        return [
            frozenset().union(*(tax.descendants(c) for c in group))
            for group in self.codes.get(key, ())
        ]

    def describe(self) -> dict[str, Any]:
        """Plain-data form for result metadata."""
        out: dict[str, Any] = {k: [list(g) for g in v] for k, v in self.codes.items()}
        for key in SINGLE_FIELDS:
            if getattr(self, key) is not None:
                out[key] = getattr(self, key)
        return out


def parse_filters(raw: Mapping[str, Any] | None, source: str, section: str = "filters") -> Filters:
    """Validate a mapping of filter key → value(s) and build :class:`Filters`.

    Raises
    ------
    DefinitionError
        Unknown key, unknown code, or a list where one value is needed; the message names
        ``source`` (a file or "--filter") and the key.
    """
    codes: dict[str, tuple[tuple[str, ...], ...]] = {}
    single: dict[str, Any] = {}
    for key, value in (raw or {}).items():
        where = f"{source}: {section}.{key}"
        if key not in FILTER_KEYS:
            raise DefinitionError(f"{where}: unknown filter key (known: {', '.join(FILTER_KEYS)})")
        if key in BOOLEAN_FILTERS:
            single[key] = _boolean(value, where)
            continue
        values = _strings(value, where)
        if key in SINGLE_VALUED and len(values) != 1:
            raise DefinitionError(f"{where}: give exactly one value, got {list(values)}")
        if key in CODED_FILTERS:
            _check_codes(CODED_FILTERS[key], values, where)
        if key in SINGLE_VALUED:
            single[key] = values[0]
        else:
            codes[key] = (values,)
    return Filters(codes=codes, **single)


def _strings(value: Any, where: str) -> tuple[str, ...]:
    items = value if isinstance(value, list | tuple) else [value]
    if not items or any(isinstance(v, bool | dict | list) or v is None for v in items):
        raise DefinitionError(f"{where}: expected a code or a list of codes, got {value!r}")
    return tuple(str(v) for v in items)


def _boolean(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("true", "yes", "1"):
        return True
    if str(value).lower() in ("false", "no", "0"):
        return False
    raise DefinitionError(f"{where}: expected true or false, got {value!r}")


def _check_codes(list_id: str, values: Iterable[str], where: str) -> None:
    tax = taxonomy.load(list_id)
    unknown = [v for v in values if v not in tax]
    if unknown:
        raise DefinitionError(
            f"{where}: unknown {list_id} code(s) {', '.join(map(repr, unknown))}"
            f" (see `salus codes {list_id}`)"
        )


@dataclass(frozen=True, slots=True)
class Grouping:
    """How to split rows: dimension names in display order; ``age_scheme`` for age bands."""

    keys: tuple[str, ...] = ()
    age_scheme: str = "sdg"
    level: int | None = None

    @property
    def time_grain(self) -> str | None:
        return next((k for k in self.keys if k in TIME_GRAINS), None)

    @property
    def by_person(self) -> bool:
        return any(k in PERSON_DIMENSIONS for k in self.keys)


def parse_grouping(
    items: Iterable[str], age_scheme: str, source: str, level: int | None = None
) -> Grouping:
    """Validate ``area, sex, year, age_band[:scheme]…`` and build :class:`Grouping`."""
    keys: list[str] = []
    for item in (i.strip() for i in items):
        if not item:
            continue
        name, _, scheme = item.partition(":")
        if name not in DIMENSIONS or (scheme and name != "age_band"):
            raise DefinitionError(
                f"{source}: unknown grouping {item!r} "
                f"(known: {', '.join(DIMENSIONS)}, age_band:<scheme>)"
            )
        age_scheme = scheme or age_scheme
        if name in keys:
            raise DefinitionError(f"{source}: grouping {name!r} given twice")
        keys.append(name)
    if sum(k in TIME_GRAINS for k in keys) > 1:
        raise DefinitionError(f"{source}: group by one time grain at most, got {keys}")
    check_age_scheme(age_scheme, source)
    if level is not None and level < 0:
        raise DefinitionError(f"{source}: area level must be >= 0, got {level}")
    return Grouping(tuple(keys), age_scheme, level)


def check_age_scheme(scheme: str, source: str) -> None:
    try:
        taxonomy.age_bands(scheme)
    except UnknownTaxonomy:
        schemes = sorted({str(c.extra.get("scheme")) for c in taxonomy.load("age_band")})
        raise DefinitionError(
            f"{source}: unknown age-band scheme {scheme!r} (known: {', '.join(schemes)})"
        ) from None
