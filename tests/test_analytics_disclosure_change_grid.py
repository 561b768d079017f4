"""Small-cell suppression, change on the previous period and grid completion."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from salus.analytics.change import change, previous_in_sequence
from salus.analytics.disclosure import small_cells, suppressed_label
from salus.analytics.grid import complete_grid


def test_counts_from_one_to_four_are_suppressed_and_zero_is_shown() -> None:
    assert_array_equal(small_cells([0, 1, 4, 5, 12]), [False, True, True, False, False])
    assert suppressed_label() == "<5"


def test_the_suppression_threshold_is_configurable() -> None:
    assert_array_equal(small_cells([0, 1, 9, 10], threshold=10), [False, True, True, False])
    assert suppressed_label(10) == "<10"
    assert not small_cells([1, 2], threshold=1).any()
    with pytest.raises(ValueError, match="threshold"):
        small_cells([1], threshold=0)


def test_percent_change_is_empty_when_the_previous_count_is_zero() -> None:
    absolute, percent = change([12, 5, 0], [10, 0, 4])
    assert_allclose(absolute, [2, 5, -4])
    assert_allclose(percent, [20.0, np.nan, -100.0])


def test_the_previous_value_is_taken_within_each_group() -> None:
    frame = pd.DataFrame({"area": ["a", "a", "b", "b"], "step": [1, 0, 0, 1], "n": [5, 3, 7, 1]})
    assert_allclose(previous_in_sequence(frame, "step", "n", ["area"]), [3, np.nan, np.nan, 7])


def test_groups_with_no_events_appear_with_zero() -> None:
    observed = pd.DataFrame({"area": ["b"], "sex": ["male"], "n": [3]})
    full = complete_grid(observed, {"area": ["a", "b"], "sex": ["female", "male"]}, ["n"])
    assert full.to_dict("records") == [
        {"area": "a", "sex": "female", "n": 0},
        {"area": "a", "sex": "male", "n": 0},
        {"area": "b", "sex": "female", "n": 0},
        {"area": "b", "sex": "male", "n": 3},
    ]


def test_observed_values_outside_the_declared_axis_are_kept() -> None:
    observed = pd.DataFrame({"sex": ["unknown", "female"], "n": [2, 1]})
    full = complete_grid(observed, {"sex": ["female", "male"]}, ["n"])
    assert list(full["sex"]) == ["female", "male", "unknown"]
    assert list(full["n"]) == [1, 0, 2]
