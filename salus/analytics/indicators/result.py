"""The result of an indicator: computed once, rendered many times (table, CSV, JSON…)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from salus.analytics.disclosure import COMPLEMENTARY_LABEL, suppressed_label

VALUE_FIELDS = (
    "incidents",
    "victims",
    "population",
    "rate",
    "ci_low",
    "ci_high",
    "count_ci_low",
    "count_ci_high",
    "previous",
    "change",
    "change_pct",
)


@dataclass(frozen=True, slots=True)
class IndicatorRow:
    """One group of an indicator table.

    ``group`` maps each grouping column (``area``, ``area_name``, ``year``, ``sex``…) to its
    value. Counts are ``None`` only where public output suppressed them (shown as ``<k``);
    ``rate`` and the limits are ``None`` where no denominator exists or the measure is
    suppressed (``suppressed`` tells which). ``ci_low``/``ci_high`` bound the rate,
    ``count_ci_low``/``count_ci_high`` the measure's count (Garwood 1936). ``previous`` is the
    measure in the previous period (or the preceding time bucket) and ``change`` /
    ``change_pct`` the difference to it. ``withheld`` names the hidden counts that read ``c``, not
    ``<k``: complements withheld so that no small count can be worked out from other public
    tables, and small counts whose ``<k`` would give them away (see
    :mod:`salus.analytics.indicators.linked`).
    """

    group: Mapping[str, str]
    incidents: int | None
    victims: int | None
    population: float | None
    rate: float | None
    ci_low: float | None
    ci_high: float | None
    count_ci_low: float | None
    count_ci_high: float | None
    previous: int | None
    change: int | None
    change_pct: float | None
    suppressed: bool = False
    withheld: tuple[str, ...] = ()

    def hidden_label(self, name: str, threshold: int) -> str:
        """How the hidden count ``name`` reads: ``c`` if in ``withheld``, else ``<k``."""
        return COMPLEMENTARY_LABEL if name in self.withheld else suppressed_label(threshold)

    def values(self) -> dict[str, Any]:
        """Group columns then value columns, as plain data."""
        out: dict[str, Any] = dict(self.group)
        out.update({name: getattr(self, name) for name in VALUE_FIELDS})
        out["suppressed"] = self.suppressed
        return out


@dataclass(frozen=True, slots=True)
class IndicatorResult:
    """Rows of one indicator for one request, with everything needed to read them.

    ``metadata`` holds the definition (title, unit, measure, references), the request
    (period, previous period, grouping, filters), how denominators and intervals were
    computed, the suppression applied and the events that could not be placed in an area.
    """

    indicator: str
    title: str
    measure: str
    group_columns: tuple[str, ...]
    rows: tuple[IndicatorRow, ...]
    metadata: Mapping[str, Any] = field(default_factory=dict)

    @property
    def public(self) -> bool:
        return bool(self.metadata.get("suppression", {}).get("public", False))

    @property
    def threshold(self) -> int:
        return int(self.metadata.get("suppression", {}).get("threshold", 5))

    def records(self) -> list[dict[str, Any]]:
        return [row.values() for row in self.rows]

    def find(self, **group: str) -> IndicatorRow:
        """The row whose group columns equal ``group`` (for tests and scripts)."""
        hits = [r for r in self.rows if all(r.group.get(k) == v for k, v in group.items())]
        if len(hits) != 1:
            raise KeyError(f"{len(hits)} rows match {group}")
        return hits[0]
