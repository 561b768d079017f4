"""Reporting periods, and the choice of population cells and areas for a denominator."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from salus.analytics.denominators import finest_sets, roll_up
from salus.analytics.periods import (
    PeriodError,
    bucket_label,
    buckets,
    days_by_year,
    parse_period,
)
from salus.analytics.tiling import candidate_cells, tilings

D = dt.date
OPEN = 999


@pytest.mark.parametrize(
    ("text", "start", "end", "previous"),
    [
        ("2023", D(2023, 1, 1), D(2024, 1, 1), "2022"),
        ("2023-Q1", D(2023, 1, 1), D(2023, 4, 1), "2022-Q4"),
        ("2023-05", D(2023, 5, 1), D(2023, 6, 1), "2023-04"),
        ("2019..2023", D(2019, 1, 1), D(2024, 1, 1), "2014..2018"),
        ("2023-01-01..2023-03-31", D(2023, 1, 1), D(2023, 4, 1), "2022-10-03..2022-12-31"),
        ("2024-02-29", D(2024, 2, 29), D(2024, 3, 1), "2024-02-28"),
    ],
)
def test_it_reads_periods_and_finds_the_previous_one(
    text: str, start: dt.date, end: dt.date, previous: str
) -> None:
    period = parse_period(text)
    assert (period.start, period.end) == (start, end)
    assert period.previous().label == previous
    assert period.previous().end == period.start
    assert period.previous().days == period.days or period.unit != "day"


@pytest.mark.parametrize("text", ["23", "2023-13", "2023-Q5", "2023..2022", "last year"])
def test_it_refuses_periods_it_cannot_read(text: str) -> None:
    with pytest.raises(PeriodError):
        parse_period(text)


def test_weekly_buckets_start_on_monday_and_carry_iso_labels() -> None:
    starts = buckets(D(2023, 1, 1), D(2023, 1, 16), "week")
    assert starts == [D(2022, 12, 26), D(2023, 1, 2), D(2023, 1, 9)]
    assert [bucket_label(s, "week") for s in starts] == ["2022-W52", "2023-W01", "2023-W02"]
    assert bucket_label(D(2023, 4, 1), "quarter") == "2023-Q2"


def test_days_are_split_by_calendar_year() -> None:
    assert days_by_year(D(2023, 12, 1), D(2024, 1, 11)) == {2023: 31, 2024: 10}


def test_the_finest_exact_tiling_comes_first() -> None:
    spans = [(15, 19), (20, 24), (25, 29), (15, 29), (0, OPEN), (30, 34)]
    assert tilings(spans, 15, 29) == [[(15, 19), (20, 24), (25, 29)], [(15, 29)]]


def test_a_band_no_cells_cover_exactly_has_no_tiling() -> None:
    assert tilings([(15, 19), (20, 29)], 15, 24) == []
    assert tilings([(0, 14), (15, OPEN)], 0, 29) == []


def test_both_sexes_use_female_and_male_cells_then_fall_back_to_totals() -> None:
    cells = [("female", 0, OPEN), ("male", 0, OPEN), ("total", 0, OPEN), ("female", 0, 14)]
    assert candidate_cells(cells, "all", 0, OPEN) == [
        [("female", 0, OPEN), ("male", 0, OPEN)],
        [("total", 0, OPEN)],
    ]
    assert candidate_cells(cells, "female", 0, OPEN) == [[("female", 0, OPEN)]]
    assert candidate_cells(cells, "unknown", 0, OPEN) == []


def test_each_area_takes_its_finest_complete_cell_set() -> None:
    own = pd.DataFrame(
        {
            "area_id": [1, 1, 2],
            "year": [2023] * 3,
            "dsex": ["all"] * 3,
            "dband": ["*"] * 3,
            "rank": [1, 0, 1],
            "population": [100.0, 100.0, 50.0],
        }
    )
    best = finest_sets(own)
    assert best[["area_id", "population"]].values.tolist() == [[1, 100.0], [2, 50.0]]


def test_a_group_uses_its_own_figure_else_a_complete_level_of_descendants() -> None:
    # group 10 has its own figure; group 20 has none, and two children (21 with a figure, 22
    # without) at level 2 but a complete level 3 below them (211 and 221)
    members = pd.DataFrame(
        {
            "area_id": [10, 20, 21, 22, 211, 221],
            "group_id": [10, 20, 20, 20, 20, 20],
            "level": [1, 1, 2, 2, 3, 3],
        }
    )
    per_area = pd.DataFrame(
        {
            "area_id": [10, 21, 211, 221],
            "year": [2023] * 4,
            "dsex": ["all"] * 4,
            "dband": ["*"] * 4,
            "population": [500.0, 70.0, 30.0, 40.0],
        }
    )
    rolled = roll_up(per_area, members)
    assert rolled[["group_id", "population"]].values.tolist() == [[10, 500.0], [20, 70.0]]


def test_a_group_with_no_complete_level_has_no_figure() -> None:
    members = pd.DataFrame({"area_id": [20, 21, 22], "group_id": [20] * 3, "level": [1, 2, 2]})
    per_area = pd.DataFrame(
        {"area_id": [21], "year": [2023], "dsex": ["all"], "dband": ["*"], "population": [70.0]}
    )
    assert roll_up(per_area, members).empty
