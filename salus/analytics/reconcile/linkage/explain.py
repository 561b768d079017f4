"""Readable explanations of a pair's match weight.

In the Fellegi–Sunter model the match weight is a sum: the prior weight
``log2(lambda / (1 - lambda))`` plus, per comparison, ``log2(m / u)`` of the level the pair
falls in (Fellegi & Sunter 1969; the "waterfall" of Splink's charts). Listing those terms is
the whole explanation: ``names agree after transliteration: +9.1; dates 2–3 days apart: +3.9;
ages differ: −4.2 …``. Unknown values (null levels) weigh nothing.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class WeightTerm:
    """One comparison's contribution to a pair's match weight."""

    comparison: str
    level: str
    weight: float

    def __str__(self) -> str:
        return f"{self.comparison}: {self.level} {self.weight:+.1f}"


@dataclass(frozen=True)
class Explanation:
    """Prior plus per-comparison weights; ``total`` is the pair's match weight."""

    prior: float
    terms: tuple[WeightTerm, ...]

    @property
    def total(self) -> float:
        return self.prior + sum(t.weight for t in self.terms)

    @property
    def probability(self) -> float:
        return float(1.0 / (1.0 + 2.0 ** (-self.total)))

    def text(self) -> str:
        """One line, strongest evidence first: ``name: same name +9.1; date: …``."""
        ordered = sorted(self.terms, key=lambda t: -abs(t.weight))
        parts = [str(t) for t in ordered if t.weight != 0.0 or t.level != "unknown"]
        return "; ".join([*parts, f"prior {self.prior:+.1f}", f"total {self.total:+.1f}"])


class LevelTable:
    """Label and weight of every (comparison, agreement level) of a trained Splink model."""

    def __init__(self, model: Mapping[str, Any]) -> None:
        lam = float(model["probability_two_random_records_match"])
        self.prior = math.log2(lam / (1.0 - lam))
        self._levels: dict[tuple[str, int], tuple[str, float]] = {}
        for comparison in model["comparisons"]:
            self._add(comparison)

    def _add(self, comparison: Mapping[str, Any]) -> None:
        name = str(comparison["output_column_name"])
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        self._levels[(name, -1)] = ("unknown", 0.0)
        for gamma, level in zip(range(len(levels) - 1, -1, -1), levels, strict=True):
            self._levels[(name, gamma)] = (str(level["label_for_charts"]), _weight(level))

    @property
    def comparisons(self) -> list[str]:
        return sorted({name for name, _ in self._levels})

    def explain(self, pair: Mapping[str, Any]) -> Explanation:
        """Explain a row of scored pairs that has a ``gamma_<comparison>`` per comparison."""
        terms = []
        for name in self.comparisons:
            gamma = pair.get(f"gamma_{name}")
            if gamma is None:
                continue
            label, weight = self._levels[(name, int(gamma))]
            terms.append(WeightTerm(name, label, weight))
        return Explanation(self.prior, tuple(terms))


def _weight(level: Mapping[str, Any]) -> float:
    m = level.get("m_probability")
    u = level.get("u_probability")
    if not m or not u:
        return 0.0
    return math.log2(float(m) / float(u))
