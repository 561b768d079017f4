"""CUSUM of standardised counts against R's surveillance::cusum (algo.cusum; golden files).

Tolerance: sums, upper bounds and in-control means agree with R to 1e-12 (relative). With the
seasonal GLM mean, the same holds wherever the GLM converges; two Berlin districts have a single
case in two years of history, so neither R nor Salus converges in 25 IRLS iterations and the
last iterates agree to 1e-4 only (their alarms still agree). Alarms are identical in every case.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from surveillance_golden import case_names, load_case

from salus.analytics.alerts.surveillance import cusum

TRANSFORMS = {
    "standard": "standard",
    "rossi": "rossi",
    "anscombe": "anscombe",
    "pearsonNegBin": "pearson_negbin",
}


def _run(case: dict) -> object:
    control = case["control"]
    return cusum(
        case["observed"],
        k=control["k"],
        h=control["h"],
        transform=TRANSFORMS[control["trans"]],
        dispersion=control.get("alpha", 0.1),
        expected="glm" if control.get("m") == "glm" else None,
        monitored=case["rows"],
        start_period=int(case["start"][1]),
    )


@pytest.mark.parametrize("name", [n for n in case_names("cusum") if "glm" not in n])
def test_cusum_gives_rs_sums_bounds_and_alarms(name: str) -> None:
    case = load_case(name)
    result = _run(case)
    assert_allclose(result.score, case["cusum"], rtol=1e-12, atol=1e-12)
    assert_allclose(result.upper_bound, case["upperbound"], rtol=1e-12, atol=1e-12)
    assert_allclose(result.expected, case["m"], rtol=1e-12)
    assert_array_equal(result.alarm, case["alarm"] == 1)


def test_cusum_with_a_seasonal_glm_mean_gives_rs_alarms() -> None:
    case = load_case("cusum_glm_ha")
    result = _run(case)
    history = case["observed"][: case["rows"][0]].sum(axis=0)
    converged = history > 1
    assert converged.sum() == 10
    assert_allclose(result.expected[:, converged], case["m"][:, converged], rtol=1e-12)
    assert_allclose(result.expected[:, ~converged], case["m"][:, ~converged], rtol=1e-4)
    assert_array_equal(result.alarm, case["alarm"] == 1)


def test_the_sum_restarts_from_zero_and_fires_at_h() -> None:
    counts = np.r_[np.full(20, 4.0), [4, 4, 9, 9, 4]]
    result = cusum(counts, k=0.5, h=4.0, expected=np.full(5, 4.0), monitored=range(20, 25))
    z = (counts[20:] - 4) / 2
    assert_allclose(result.details["z"][:, 0], z)
    assert_allclose(result.score[:, 0], [0, 0, 2, 4, 3.5])
    assert_array_equal(result.alarm[:, 0], [False, False, False, True, False])


def test_the_negative_binomial_cusum_is_slower_to_fire_on_overdispersed_counts() -> None:
    counts = np.r_[np.full(30, 10.0), [18, 19, 18]]
    poisson = cusum(counts, k=0.5, h=4.0, monitored=range(30, 33))
    negbin = cusum(
        counts, k=0.5, h=4.0, transform="pearson_negbin", dispersion=0.3, monitored=range(30, 33)
    )
    assert poisson.alarm[:, 0].any()
    assert not negbin.alarm[:, 0].any()
