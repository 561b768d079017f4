"""Which population cells exactly cover a group of people (the denominator of a rate).

Population tables come by sex and age band, by sex only, or as totals only, often mixed
(five-year bands by sex for most municipalities, totals for a few). For a group such as
"women aged 15–29" the denominator is the sum of the *finest* cells that tile the group
exactly — here ``female 15–19 + female 20–24 + female 25–29``, or ``female 15–29`` where only
that exists. For a group of both sexes, female and male cells are summed when both tile the
ages; ``total`` cells are the fall-back. A group no set of cells covers exactly (``other``
sex, ``unknown`` age, or cells that straddle the group's limits) has no denominator: its rate
is left empty rather than estimated.

Ages are completed years, both limits inclusive; open-ended bands end at ``open_age``.
"""

from __future__ import annotations

from collections.abc import Iterable

AgeSpan = tuple[int, int]
Cell = tuple[str, int, int]
"""A population cell: (sex, age_min, age_max)."""

POPULATION_SEXES = ("female", "male")
TOTAL = "total"
ALL_SEXES = "all"


def tilings(spans: Iterable[AgeSpan], low: int, high: int, limit: int = 8) -> list[list[AgeSpan]]:
    """Every way to cover ``[low, high]`` exactly with disjoint spans, finest first.

    Parameters
    ----------
    spans : iterable of (int, int)
        Available ``(age_min, age_max)`` spans, limits inclusive.
    low, high : int
        The group's age limits, inclusive.
    limit : int, default 8
        Keep at most this many tilings (the finest ones).

    Returns
    -------
    list of list of (int, int)
        Each tiling ordered by age; tilings ordered by number of spans, most first.
    """
    by_start: dict[int, list[int]] = {}
    for lo, hi in set(spans):
        if low <= lo <= hi <= high:
            by_start.setdefault(lo, []).append(hi)
    found: list[list[AgeSpan]] = []
    budget = [limit * 25]

    def walk(position: int, path: list[AgeSpan]) -> None:
        if position == high + 1:
            found.append(list(path))
            budget[0] -= 1
            return
        for hi in sorted(by_start.get(position, ())):
            if budget[0] <= 0:
                return
            path.append((position, hi))
            walk(hi + 1, path)
            path.pop()

    walk(low, [])
    found.sort(key=lambda tiling: -len(tiling))
    return found[:limit]


def candidate_cells(
    available: Iterable[Cell], sex: str, low: int, high: int, limit: int = 8
) -> list[list[Cell]]:
    """Sets of population cells that cover one group exactly, in order of preference.

    Parameters
    ----------
    available : iterable of (sex, age_min, age_max)
        The distinct cells present in the population table.
    sex : str
        ``female`` or ``male`` for one sex, ``all`` for both sexes together; any other value
        (``other``, ``unknown``) has no population and gets no candidates.
    low, high : int
        The group's age limits, inclusive.
    limit : int, default 8
        Tilings kept per sex.

    Returns
    -------
    list of list of cells
        For one sex: that sex's tilings, finest first. For ``all``: tilings by female + male
        (ages present for both), finest first, then tilings of ``total`` cells.
    """
    cells = set(available)
    spans = {s: {(lo, hi) for cs, lo, hi in cells if cs == s} for s in (*POPULATION_SEXES, TOTAL)}
    if sex in POPULATION_SEXES:
        return [[(sex, lo, hi) for lo, hi in t] for t in tilings(spans[sex], low, high, limit)]
    if sex != ALL_SEXES:
        return []
    both = spans["female"] & spans["male"]
    out = [
        [(s, lo, hi) for s in POPULATION_SEXES for lo, hi in t]
        for t in tilings(both, low, high, limit)
    ]
    out += [[(TOTAL, lo, hi) for lo, hi in t] for t in tilings(spans[TOTAL], low, high, limit)]
    return out
