"""EARS C1, C2, C3 against R's surveillance::earsC (golden files) and on small worked examples.

Tolerance: upper bounds agree with R to 1e-12 (relative); alarms are identical. R's alarm is NA
where the C3 bound is NaN (a zero baseline standard deviation with ``minSigma = 0``); Salus
gives no alarm there.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from surveillance_golden import case_names, load_case

from salus.analytics.alerts.surveillance import ears


def _run(case: dict, convention: str = "surveillance") -> object:
    control = case["control"]
    return ears(
        case["observed"],
        control["method"],
        baseline=control.get("baseline", 7),
        alpha=control.get("alpha"),
        min_sigma=control.get("minSigma", 0.0),
        monitored=case["rows"],
        convention=convention,
    )


@pytest.mark.parametrize("name", case_names("ears"))
def test_ears_gives_rs_upper_bounds_and_alarms(name: str) -> None:
    case = load_case(name)
    result = _run(case)
    assert_allclose(result.upper_bound, case["upperbound"], rtol=1e-12, equal_nan=True)
    assert_array_equal(result.alarm, np.nan_to_num(case["alarm"]) == 1)


def test_c1_flags_a_count_above_mean_plus_z_standard_deviations() -> None:
    counts = np.array([4, 6, 5, 5, 4, 6, 5, 12.0])
    result = ears(counts, "C1", alpha=0.001)
    baseline = counts[:7]
    expected_bound = baseline.mean() + 3.090232306167813 * baseline.std(ddof=1)
    assert_allclose(result.upper_bound[-1, 0], expected_bound)
    assert result.alarm[-1, 0]
    assert_allclose(result.score[-1, 0], (12 - baseline.mean()) / baseline.std(ddof=1))


def test_c2_skips_the_two_most_recent_periods() -> None:
    quiet_then_rising = np.array([5, 5, 6, 4, 5, 5, 6, 30, 30, 31.0])
    c1 = ears(quiet_then_rising, "C1")
    c2 = ears(quiet_then_rising, "C2")
    assert not c1.alarm[-1, 0]  # C1's baseline already holds the rise
    assert c2.alarm[-1, 0]  # C2's guard band keeps it out


def test_the_published_c3_fires_on_the_current_week_while_rs_c3_cannot() -> None:
    counts = np.array([5, 4, 6, 5, 5, 4, 6, 5, 5, 4, 5, 40.0])
    hutwagner = ears(counts, "C3")
    r_style = ears(counts, "C3", convention="surveillance")
    assert hutwagner.alarm[-1, 0]
    assert not r_style.alarm[-1, 0]
    assert hutwagner.score[-1, 0] > hutwagner.parameters["z"]


def test_min_sigma_floors_a_flat_baseline() -> None:
    flat = np.array([2, 2, 2, 2, 2, 2, 2, 3.0])
    assert ears(flat, "C1").alarm[-1, 0]
    assert not ears(flat, "C1", min_sigma=1.0).alarm[-1, 0]


def test_a_baseline_shorter_than_three_is_refused() -> None:
    with pytest.raises(ValueError, match="baseline"):
        ears(np.ones(10), "C1", baseline=2)
