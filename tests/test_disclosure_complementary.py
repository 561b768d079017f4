"""Complementary (secondary) suppression over linked tables (issue 15, item 3).

Worked examples small enough to check by hand, then random linked tables (an area tree crossed
with sex and months) whose hidden cells must all keep an interval of more than one count under
the linear-programming audit (the attacker of Hundepool et al. 2012, §4.3.2).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_array_equal

from salus.analytics.disclosure import (
    Relation,
    complementary_suppression,
    propagate_bounds,
    recoverable_cells,
    small_cells,
)
from salus.analytics.indicators.linked import (
    Cube,
    apply_cube,
    area_relations,
    build_cube,
    category_relations,
)
from salus.analytics.indicators.result import IndicatorResult, IndicatorRow


def _flags(n: int, cells: set[int]) -> list[bool]:
    return [i in cells for i in range(n)]


def test_a_parent_with_one_small_child_gets_a_second_child_withheld() -> None:
    # parent 20 = 3 + 7 + 10: the 3 alone would be 20 - 7 - 10
    counts = [20, 3, 7, 10]
    relations = [Relation(0, (1, 2, 3))]
    exposed = recoverable_cells(counts, small_cells(counts), relations)
    assert [(r.cell, r.low, r.high) for r in exposed] == [(1, 3.0, 3.0)]
    s = complementary_suppression(counts, relations)
    assert_array_equal(s.primary, _flags(4, {1}))
    assert_array_equal(s.secondary, _flags(4, {2}))  # the smallest non-zero sibling, not 10
    assert not s.hidden[0]  # the parent stays published
    assert recoverable_cells(counts, s.hidden, relations, small=s.small_label) == []


def test_a_complement_in_one_table_is_protected_in_the_linked_table_too() -> None:
    # area x sex: rows A, B under T; A's 3 women are small
    #   T: 30 = 12 + 18   A: 14 = 3 + 11   B: 16 = 9 + 7
    t, tf, tm, a, af, am, b, bf, bm = range(9)
    counts = [30, 12, 18, 14, 3, 11, 16, 9, 7]
    relations = [Relation(t, (tf, tm)), Relation(a, (af, am)), Relation(b, (bf, bm)),
                 Relation(t, (a, b)), Relation(tf, (af, bf)), Relation(tm, (am, bm))]
    s = complementary_suppression(counts, relations, audit="none")
    # A's men hide A's women in row A, B's women in the female column, and then B's men, for
    # A's men are alone in the male column: the chain ends on a 2 x 2 block
    assert_array_equal(s.secondary, _flags(9, {am, bf, bm}))
    assert not s.hidden[[t, tf, tm, a, b]].any()
    assert recoverable_cells(counts, s.hidden, relations) == []


def test_a_parent_whose_only_child_is_small_is_withheld_and_so_is_a_sibling_of_it() -> None:
    # G 20 = P 8 + Q 12; P = its one child C (3) + 5 victims located in P itself
    g, p, q, c = range(4)
    counts = [20, 8, 12, 3]
    relations = [Relation(g, (p, q)), Relation(p, (c,))]
    s = complementary_suppression(counts, relations)
    assert_array_equal(s.secondary, _flags(4, {p, q}))
    assert not s.hidden[g]
    assert recoverable_cells(counts, s.hidden, relations, small=s.small_label) == []


def test_a_small_total_over_as_many_small_months_reads_c_not_below_five() -> None:
    # a total of 4 shown "<5" over four months shown "<5" (and zeros): each month is >= 1, so
    # the total is 4 and each month exactly 1
    counts = [4, 1, 1, 1, 1, 0, 0]
    relations = [Relation(0, (1, 2, 3, 4, 5, 6))]
    hidden = small_cells(counts)
    exposed = recoverable_cells(counts, hidden, relations)
    assert {r.cell for r in exposed} == {0, 1, 2, 3, 4}
    s = complementary_suppression(counts, relations)
    assert_array_equal(s.hidden, hidden)  # nothing else to hide...
    assert not s.small_label.any()  # ...but every one reads "c": a reader learns nothing
    assert recoverable_cells(counts, s.hidden, relations, small=s.small_label) == []


def test_a_breakdown_that_leaves_events_out_needs_no_complement_for_one_small_part() -> None:
    # victims 40 by weapon: firearm 3, knife 12, and 25 with no weapon recorded (unpublished)
    counts = [40, 3, 12]
    s = complementary_suppression(counts, [Relation(0, (1, 2), complete=False)])
    assert not s.secondary.any()
    low, high = propagate_bounds(counts, s.small_label, s.hidden,
                                 [Relation(0, (1, 2), complete=False)])
    assert (low[1], high[1]) == (1.0, 4.0)


def test_the_lp_audit_and_repeated_subtraction_agree_on_a_determined_pair() -> None:
    # parent 6 = 1 + 5 where both are hidden and the 5 reads "c": nothing pins the pair
    counts = [6, 1, 5]
    relations = [Relation(0, (1, 2))]
    hidden = np.array([False, True, True])
    small = small_cells(counts)
    assert recoverable_cells(counts, hidden, relations, small=small) == []
    low, high = propagate_bounds(counts, small, hidden, relations)
    assert (low[1], high[1], low[2], high[2]) == (1.0, 4.0, 2.0, 5.0)


def test_relations_that_name_cells_outside_the_table_are_refused() -> None:
    with pytest.raises(ValueError, match="relation 1 names cell 7, outside the 3 cells"):
        complementary_suppression([5, 2, 3], [Relation(0, (1, 2)), Relation(7, (1,))])
    with pytest.raises(ValueError, match="both the total and a part"):
        complementary_suppression([5, 2, 3], [Relation(0, (0, 1))])
    with pytest.raises(ValueError, match="audit must be"):
        complementary_suppression([5, 2, 3], [Relation(0, (1, 2))], audit="guess")


def _row(area: str | None, victims: int | None, previous: int | None = None) -> IndicatorRow:
    group = {} if area is None else {"area": area, "area_name": area}
    return IndicatorRow(group, victims, victims, None, None, None, None, None, None, previous,
                        None, None, victims is None)


def _table(rows: list[IndicatorRow], by_area: bool) -> IndicatorResult:
    columns = ("area", "area_name") if by_area else ()
    return IndicatorResult("x", "x", "victims", columns, tuple(rows),
                           {"suppression": {"public": True, "threshold": 5}})


def test_a_previous_count_reads_as_its_cell_does_in_the_previous_period() -> None:
    parents: dict[str, str | None] = {"P": None, "A": "P", "B": "P", "C": "P"}

    def cube(a: int, b: int, c: int) -> Cube:
        return build_cube([_table([_row(None, a + b + c)], False),
                           _table([_row("A", a), _row("B", b), _row("C", c)], True)],
                          parents, 5, top="P")

    last_year, this_year = cube(3, 7, 10), cube(6, 8, 10)
    # last year B (7) was withheld beside A (3); this year's map shows last year's counts
    answer = _table([_row("A", 6, None), _row("B", 8, 7), _row("C", 10, 10)], True)
    a, b, c = apply_cube(answer, this_year, "P", last_year).rows
    assert (b.victims, b.previous, b.change) == (8, None, None)
    assert b.hidden_label("previous", 5) == "c"
    assert (a.victims, c.victims, c.previous) == (6, 10, 10)


# --- random linked tables -----------------------------------------------------------------

SEXES = ("female", "male", "unknown")
MONTHS = ("01", "02", "03")


@st.composite
def linked_tables(draw: st.DrawFn) -> tuple[list[float], list[Relation]]:
    """An area tree (country, 2-3 regions of 1-4 districts) x (total, sexes, months), with
    counts drawn per district, sex and month and summed up both hierarchies."""
    regions = draw(st.integers(2, 3))
    parents: dict[str, str | None] = {"N": None}
    leaves = []
    for r in range(regions):
        parents[f"R{r}"] = "N"
        for d in range(draw(st.integers(1, 4))):
            parents[f"R{r}D{d}"] = f"R{r}"
            leaves.append(f"R{r}D{d}")
    small = st.integers(0, 6)
    base = {(leaf, s, m): draw(small) for leaf in leaves for s in SEXES for m in MONTHS}
    values: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}

    def ancestors(area: str) -> list[str]:
        out = [area]
        while parents[out[-1]] is not None:
            out.append(str(parents[out[-1]]))
        return out

    for (leaf, s, m), n in base.items():
        for area in ancestors(leaf):
            for cats in ((), (("sex", s),), (("month", m),)):
                values[(area, cats)] = values.get((area, cats), 0.0) + n
    keys = list(values)
    index = {k: i for i, k in enumerate(keys)}
    relations = area_relations(keys, index, parents) + category_relations(keys, index)
    return [values[k] for k in keys], relations


@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(linked_tables())
def test_no_hidden_cell_of_random_linked_tables_can_be_derived(
        table: tuple[list[float], list[Relation]]) -> None:
    counts, relations = table
    s = complementary_suppression(counts, relations)
    assert not (s.primary & s.secondary).any()
    assert recoverable_cells(counts, s.hidden, relations, small=s.small_label) == []
