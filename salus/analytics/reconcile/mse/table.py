"""Capture histories: how many people were recorded by each combination of lists.

A *capture pattern* says, for each of ``k`` lists, whether a person appears on it (1) or not (0);
the incomplete ``2**k`` contingency table holds the number of people per pattern, with the
all-zero cell — people no list recorded — unobserved (Bishop, Fienberg & Holland 1975, ch. 6).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

MIN_LISTS = 2
MAX_LISTS = 6

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


class CaptureTableError(ValueError):
    """The capture histories cannot form a table for multiple-systems estimation."""


@dataclass(frozen=True)
class CaptureTable:
    """Counts of people per observed capture pattern (every non-empty pattern, zeros kept).

    Attributes
    ----------
    lists:
        Names of the lists (sources), in the column order of ``patterns``.
    patterns:
        ``(2**k - 1, k)`` array of 0/1, one row per observed pattern, in binary order with the
        first list varying fastest (the order R's ``expand.grid`` gives).
    counts:
        Number of people with each pattern.
    """

    lists: tuple[str, ...]
    patterns: IntArray
    counts: FloatArray

    @property
    def observed(self) -> int:
        """Number of distinct people recorded by at least one list."""
        return round(float(self.counts.sum()))

    @property
    def list_totals(self) -> dict[str, int]:
        """How many people each list recorded."""
        sums = (self.patterns * self.counts[:, None]).sum(axis=0)
        return {name: round(float(s)) for name, s in zip(self.lists, sums, strict=True)}

    @classmethod
    def from_counts(
        cls, lists: Sequence[str], counts: Mapping[tuple[int, ...], float]
    ) -> CaptureTable:
        """Build from ``{pattern: count}``; patterns not given count zero."""
        k = len(lists)
        _check_list_count(k)
        patterns = all_patterns(k)
        values = np.zeros(len(patterns))
        for pattern, count in counts.items():
            if len(pattern) != k or any(v not in (0, 1) for v in pattern):
                raise CaptureTableError(f"pattern {pattern!r} does not fit {k} lists")
            if not any(pattern):
                raise CaptureTableError("the all-zero pattern cannot be observed")
            if count < 0:
                raise CaptureTableError(f"negative count for pattern {pattern!r}")
            values[_pattern_index(pattern)] += float(count)
        return cls(tuple(lists), patterns, values)

    @classmethod
    def from_memberships(
        cls, lists: Sequence[str], memberships: Iterable[Iterable[str]]
    ) -> CaptureTable:
        """Build from one set of list names per person (e.g. the sources of a linked cluster)."""
        index = {name: i for i, name in enumerate(lists)}
        tally: dict[tuple[int, ...], float] = {}
        for member in memberships:
            flags = [0] * len(lists)
            for name in member:
                if name in index:
                    flags[index[name]] = 1
            key = tuple(flags)
            if any(key):
                tally[key] = tally.get(key, 0.0) + 1.0
        return cls.from_counts(lists, tally)


def all_patterns(k: int) -> IntArray:
    """Every non-empty capture pattern for ``k`` lists, first list varying fastest."""
    rows = [[(cell >> j) & 1 for j in range(k)] for cell in range(1, 2**k)]
    return np.array(rows, dtype=np.int64).reshape(-1, k)


def _pattern_index(pattern: Sequence[int]) -> int:
    """Position of a non-empty pattern in :func:`all_patterns` (binary, first list lowest)."""
    return sum(int(v) << i for i, v in enumerate(pattern)) - 1


def _check_list_count(k: int) -> None:
    if not MIN_LISTS <= k <= MAX_LISTS:
        raise CaptureTableError(
            f"multiple-systems estimation needs {MIN_LISTS} to {MAX_LISTS} lists, got {k}"
        )
