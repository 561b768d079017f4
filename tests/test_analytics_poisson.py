"""Exact Poisson intervals, checked against published tables (Garwood 1936; Ulm 1990)."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from salus.analytics.poisson import garwood_interval, rate, rate_interval

# Published 95% limits (e.g. Ulm 1990, Table 1; Breslow & Day 1987, Appendix II).
PUBLISHED = {
    0: (0.0, 3.689),
    1: (0.0253, 5.572),
    2: (0.2422, 7.225),
    5: (1.624, 11.668),
    10: (4.795, 18.390),
    20: (12.217, 30.888),
    100: (81.364, 121.627),
}


def test_garwood_limits_match_the_published_table() -> None:
    counts = list(PUBLISHED)
    low, high = garwood_interval(counts)
    assert_allclose(low, [PUBLISHED[c][0] for c in counts], rtol=1e-3, atol=1e-4)
    assert_allclose(high, [PUBLISHED[c][1] for c in counts], rtol=1e-3)


def test_a_zero_count_has_a_lower_limit_of_exactly_zero() -> None:
    low, high = garwood_interval([0])
    assert low[0] == 0.0
    assert_allclose(high, [-np.log(0.025)], rtol=1e-12)  # 3.6889: closed form for x = 0


def test_a_90_percent_interval_is_narrower_than_the_95_percent_one() -> None:
    low90, high90 = garwood_interval([10], confidence=0.90)
    low95, high95 = garwood_interval([10])
    assert low95[0] < low90[0] < 10 < high90[0] < high95[0]


def test_missing_counts_give_missing_limits_and_negative_counts_are_refused() -> None:
    low, high = garwood_interval([np.nan, 3])
    assert np.isnan(low[0]) and np.isnan(high[0]) and high[1] > 3
    with pytest.raises(ValueError, match="non-negative"):
        garwood_interval([-1])


def test_rate_limits_are_the_count_limits_over_the_population() -> None:
    low, high = rate_interval([10, 10], [200_000, np.nan])
    assert_allclose(low[0], 4.795 / 2, rtol=1e-3)
    assert_allclose(high[0], 18.390 / 2, rtol=1e-3)
    assert np.isnan(low[1]) and np.isnan(high[1])


def test_a_rate_without_a_denominator_is_empty_not_zero() -> None:
    assert_allclose(rate([7, 7, 0], [100_000, 0, 50_000]), [7.0, np.nan, 0.0])
