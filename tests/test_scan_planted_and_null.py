"""Planted clusters are found where and when they were planted; null data rarely alarm."""

from __future__ import annotations

import numpy as np
import pytest

from salus.analytics.alerts.scan import (
    ScanOptions,
    incident_counts,
    poisson_space_time_scan,
    space_time_permutation_scan,
)


def _background(seed: int, locations: int = 60, times: int = 40, rate: float = 0.4
                ) -> tuple[np.ndarray, np.ndarray, np.random.Generator]:
    xy, mean, rng = _null_means(seed, locations, times, rate)
    return xy, rng.poisson(mean), rng


def _null_means(seed: int, locations: int, times: int, rate: float
                ) -> tuple[np.ndarray, np.ndarray, np.random.Generator]:
    rng = np.random.default_rng(seed)
    xy = rng.random((locations, 2))
    weight = rng.lognormal(0.0, 0.5, locations)
    return xy, rate * weight[:, None] * np.ones((1, times)), rng


def _nearest(xy: np.ndarray, point: tuple[float, float], k: int) -> np.ndarray:
    return np.argsort(((xy - np.array(point)) ** 2).sum(axis=1))[:k]


def test_permutation_scan_finds_a_planted_outbreak_at_the_end_of_the_period() -> None:
    xy, counts, rng = _background(1)
    planted = _nearest(xy, (0.3, 0.6), 5)
    counts[planted, -4:] += rng.poisson(2.5, (5, 4))
    options = ScanOptions(seed=3, replicates=99, max_duration=7, max_neighbours=10)
    cluster = space_time_permutation_scan(counts, xy, options).most_likely_cluster
    assert cluster is not None
    found = {int(z) for z in cluster.locations}
    assert len(found & set(planted.tolist())) >= 4 and len(found) <= 10
    assert cluster.end == 39 and 35 <= cluster.start <= 37
    assert cluster.p_value < 0.05


def test_retrospective_poisson_scan_finds_a_planted_cluster_in_the_middle() -> None:
    xy, counts, rng = _background(2)
    population = rng.uniform(1_000, 5_000, len(xy))
    expected = np.outer(population, np.ones(counts.shape[1]))
    counts = rng.poisson(0.4 * expected / expected.mean())
    planted = _nearest(xy, (0.7, 0.2), 4)
    counts[planted, 15:20] += rng.poisson(3.0, (4, 5))
    options = ScanOptions(seed=5, prospective=False, replicates=99, max_duration=10)
    cluster = poisson_space_time_scan(counts, expected, xy, options).most_likely_cluster
    assert cluster is not None
    assert set(planted.tolist()) <= {int(z) for z in cluster.locations}
    assert abs(cluster.start - 15) <= 1 and abs(cluster.end - 19) <= 1
    assert cluster.p_value < 0.05


def test_secondary_clusters_share_no_location_with_more_likely_ones() -> None:
    xy, counts, rng = _background(4)
    for point in [(0.2, 0.2), (0.8, 0.8)]:
        counts[_nearest(xy, point, 3), -3:] += rng.poisson(3.0, (3, 3))
    result = space_time_permutation_scan(counts, xy, ScanOptions(seed=1, replicates=49,
                                                                 max_duration=5))
    seen: set[str] = set()
    for cluster in result.clusters:
        assert not seen & set(cluster.locations)
        seen |= set(cluster.locations)
    assert len(result.significant(0.05)) >= 2
    assert [c.llr for c in result.clusters] == sorted((c.llr for c in result.clusters),
                                                      reverse=True)


@pytest.mark.parametrize("model", ["permutation", "poisson"])
def test_false_alarm_rate_under_the_null_is_near_nominal(model: str) -> None:
    alarms, p_values = 0, []
    for seed in range(40):
        xy, mean, rng = _null_means(100 + seed, 25, 15, 0.6)
        counts = rng.poisson(mean)
        options = ScanOptions(seed=seed, replicates=19, max_duration=5)
        if model == "permutation":
            result = space_time_permutation_scan(counts, xy, options)
        else:
            result = poisson_space_time_scan(counts, mean, xy, options)
        cluster = result.most_likely_cluster
        p = 1.0 if cluster is None else cluster.p_value
        p_values.append(p)
        alarms += p <= 0.05
    # with 19 replicates P(p <= 0.05) = 1/20 under the null: 2 expected among 40, P(> 6) < 0.002
    assert alarms <= 6
    assert 0.35 < float(np.mean(p_values)) < 0.7


def test_incident_counts_count_a_shooting_with_five_victims_once() -> None:
    table = incident_counts([0, 0, 0, 0, 0, 1], [2, 2, 2, 2, 2, 0], 2, 3,
                            incident_ids=["s1", "s1", "s1", "s1", "s1", "s2"])
    assert table.tolist() == [[0, 0, 1], [1, 0, 0]]
    with pytest.raises(ValueError):
        incident_counts([0, 5], [0, 0], 2, 3)
