"""Farrington (1996) and Farrington-flexible against R's surveillance 1.20.3 (golden files).

Tolerances: expected counts, upper bounds, scores and dispersions agree with R to a relative
1e-9 (they agree to about 1e-14; the slack covers other BLAS/libm builds); alarms and the choice
of a trend are identical. R blanks (NA, or 0 for ``farrington``) the bound where there are too
few recent cases (``limit54``); Salus keeps it and says so in ``details["enough_cases"]``.
"""

from __future__ import annotations

import functools

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from surveillance_golden import case_names, load_case, python_arguments

from salus.analytics.alerts.surveillance import (
    FarringtonSettings,
    SurveillanceResult,
    farrington,
    farrington_flexible,
    run_farrington,
)
from salus.analytics.alerts.surveillance.glm_kernel import OUTPUT_COLUMNS, fit_problems
from salus.analytics.alerts.surveillance.poisson_glm import fit_poisson_glm
from salus.analytics.alerts.surveillance.reference_points import build_layout

RTOL = 1e-9
FLEXIBLE_CASES = case_names("flexible") + case_names("bench")


@functools.cache
def _golden_and_salus(name: str) -> tuple[dict, SurveillanceResult]:
    """R's case and Salus's result on the same input (computed once per test session)."""
    case = load_case(name)
    method = farrington if case["func"] == "farrington" else farrington_flexible
    return case, method(case["observed"], **python_arguments(case))


@pytest.mark.parametrize("name", FLEXIBLE_CASES)
def test_farrington_flexible_gives_rs_alarms_bounds_and_expected_counts(name: str) -> None:
    case, result = _golden_and_salus(name)
    reported = ~np.isnan(case["upperbound"])
    assert_array_equal(result.alarm, np.nan_to_num(case["alarm"]) == 1)
    assert_array_equal(reported, result.details["enough_cases"] == 1)
    assert_allclose(result.upper_bound[reported], case["upperbound"][reported], rtol=RTOL)
    assert_allclose(result.expected[reported], case["expected"][reported], rtol=RTOL)
    assert_allclose(result.details["dispersion"], case["phi"], rtol=RTOL)
    assert_array_equal(result.details["trend"], case["trend"])


@pytest.mark.parametrize(
    "name", [n for n in FLEXIBLE_CASES if "muan" not in n and "nbplugin" not in n]
)
def test_the_delta_method_score_is_rs_score(name: str) -> None:
    case, result = _golden_and_salus(name)
    assert_allclose(result.score, case["score"], rtol=RTOL, atol=1e-12)


@pytest.mark.parametrize("name", case_names("farrington"))
def test_farrington_1996_gives_rs_alarms_and_bounds(name: str) -> None:
    case, result = _golden_and_salus(name)
    enough = result.details["enough_cases"] == 1
    assert_array_equal(result.alarm, case["alarm"] == 1)
    assert_allclose(result.upper_bound[enough], case["upperbound"][enough], rtol=RTOL)
    assert np.all(case["upperbound"][~enough] == 0)
    assert_array_equal(result.details["trend"], case["trend"])


def test_weekly_dates_put_some_reference_weeks_53_weeks_back_as_r_does() -> None:
    case = load_case("flexible_default_salmNewport")
    by_dates = farrington_flexible(case["observed"], dates=case["dates"], monitored=[412])
    by_index = farrington_flexible(case["observed"], monitored=[412])
    assert not np.allclose(by_dates.expected, by_index.expected)


def test_the_pearson_dispersion_option_changes_the_bound_but_not_the_fit() -> None:
    case = load_case("flexible_noufaily_salmNewport")
    arguments = python_arguments(case) | {"trend": False}
    r_like = farrington_flexible(case["observed"], **arguments)
    fit_settings = {k: v for k, v in arguments.items() if k not in ("dates", "monitored")}
    frequency = fit_settings.pop("frequency")
    settings = FarringtonSettings(**fit_settings, inference_dispersion="pearson")
    pearson = run_farrington(
        case["observed"],
        settings,
        method="farrington_flexible",
        dates=case["dates"],
        frequency=frequency,
        monitored=case["rows"],
    )
    assert_allclose(pearson.details["dispersion"], r_like.details["dispersion"], rtol=RTOL)
    assert_allclose(pearson.expected, r_like.expected, rtol=RTOL)
    assert not np.allclose(pearson.upper_bound, r_like.upper_bound)


def test_the_structured_kernel_agrees_with_a_dense_glm_fit() -> None:
    rng = np.random.default_rng(5)
    counts = rng.poisson(4.0, (330, 6)).astype(float)
    row = np.array([320])
    layout = build_layout(
        row, b=5, w=3, frequency=52, no_periods=10, past_periods_excluded=26, dates=None
    )
    used = layout.levels[0] >= 0
    levels, times = layout.levels[0][used], layout.times[0][used]
    design = np.column_stack([np.eye(10)[levels], times])
    dense = fit_poisson_glm(design, counts[layout.rows[0][used]])
    kernel = fit_problems(
        np.ascontiguousarray(counts.T),
        np.zeros((6, 330)),
        layout.rows,
        layout.levels,
        layout.times,
        layout.target_time,
        row,
        np.arange(6),
        n_levels=10,
        trend=True,
        reweight=False,
        weights_threshold=2.58,
    )
    column = dict(zip(OUTPUT_COLUMNS, kernel.T, strict=True))
    target = np.r_[np.eye(10)[9], layout.target_time[0]]
    assert_allclose(column["eta0"], target @ dense.coefficients, rtol=1e-9)
    assert_allclose(column["var0"], target @ dense.unscaled_covariance @ target, rtol=1e-9)
    assert_allclose(column["dispersion"], dense.dispersion, rtol=1e-9)
    assert_allclose(column["trend"], dense.coefficients[-1], rtol=1e-9)


def test_monthly_dates_and_period_indices_pick_the_same_reference_months() -> None:
    counts = np.random.default_rng(3).poisson(30.0, (96, 4)).astype(float)
    months = np.arange("2016-01", "2024-01", dtype="datetime64[M]").astype("datetime64[D]")
    by_dates = farrington_flexible(counts, dates=months, frequency=12, monitored=range(80, 96))
    by_index = farrington_flexible(counts, frequency=12, monitored=range(80, 96))
    assert_allclose(by_dates.upper_bound, by_index.upper_bound, rtol=1e-12)


def test_a_population_offset_needs_positive_populations() -> None:
    counts = np.ones((300, 1))
    with pytest.raises(ValueError, match="positive"):
        farrington_flexible(counts, population=np.zeros((300, 1)), population_offset=True)


def test_too_short_a_history_is_refused_with_a_reason() -> None:
    with pytest.raises(ValueError, match="decrease b"):
        farrington_flexible(np.ones((300, 1)), monitored=[200])
