"""Permutation inference, false discovery rate, hexagons and kernel density of the hotspots."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from salus.analytics.alerts.hotspots import (
    distance_band,
    false_discovery_rate,
    getis_ord,
    k_nearest,
    kernel_density,
    lattice,
    local_moran,
)
from salus.analytics.alerts.hotspots.hexagons import hexagon_counts, hexagon_weights
from salus.analytics.alerts.hotspots.permutation import shared_draws


def _planted_grid(seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    r, c = np.divmod(np.arange(30 * 40), 40)
    hot = (r - 10) ** 2 + (c - 28) ** 2 <= 9
    return rng.poisson(np.where(hot, 9.0, 3.0)).astype(float), hot


def test_gi_star_flags_a_planted_hot_spot_and_few_cells_elsewhere() -> None:
    counts, hot = _planted_grid()
    result = getis_ord(counts, lattice(30, 40, "queen"), permutations=199, seed=11)
    assert result.pseudo_p_values is not None
    assert (result.z_scores[hot] > 1.96).mean() > 0.8
    rejected, _ = false_discovery_rate(result.p_values, alpha=0.05)
    assert rejected[hot].mean() > 0.7
    assert rejected[~hot].mean() < 0.05


def test_pseudo_p_values_are_reproducible_with_the_seed_and_change_without_it() -> None:
    counts, _ = _planted_grid()
    weights = lattice(30, 40, "rook")
    first = getis_ord(counts, weights, permutations=99, seed=5).pseudo_p_values
    again = getis_ord(counts, weights, permutations=99, seed=5).pseudo_p_values
    other = getis_ord(counts, weights, permutations=99, seed=6).pseudo_p_values
    assert first is not None and other is not None
    assert_allclose(first, again)
    assert not np.allclose(first, other)


def test_pseudo_p_values_under_the_null_are_close_to_uniform() -> None:
    rng = np.random.default_rng(8)
    counts = rng.poisson(4.0, 40 * 40).astype(float)
    result = getis_ord(counts, lattice(40, 40, "queen"), permutations=99, seed=2)
    p = result.pseudo_p_values
    assert p is not None
    # folded one-sided p-values: P(p <= 0.05) is about 0.10 under the null
    assert 0.06 < np.mean(p <= 0.05) < 0.14


def test_permutation_z_scores_track_the_analytical_ones() -> None:
    counts, _ = _planted_grid()
    result = getis_ord(counts, lattice(30, 40, "queen"), permutations=499, seed=4)
    assert result.permutation is not None
    assert np.corrcoef(result.z_scores, result.permutation.z_scores)[0, 1] > 0.95


def test_shared_draws_never_repeat_an_area_within_a_permutation() -> None:
    draws = shared_draws(50, 8, 200, seed=1)
    assert draws.shape == (200, 8)
    assert all(len(set(row)) == 8 for row in draws.tolist())
    assert draws.min() >= 0 and draws.max() <= 48


def test_local_moran_finds_high_high_clusters_in_the_planted_grid() -> None:
    counts, hot = _planted_grid()
    result = local_moran(counts, lattice(30, 40, "queen").row_standardised(),
                         permutations=199, seed=9)
    assert result.pseudo_p_values is not None
    assert (result.values[hot] > 0).mean() > 0.9
    assert (result.pseudo_p_values[hot] <= 0.05).mean() > 0.6


def test_benjamini_hochberg_matches_r_p_adjust() -> None:
    # R: p.adjust(c(0.01, 0.04, 0.03, 0.005, 0.2, NA), "BH")
    p = [0.01, 0.04, 0.03, 0.005, 0.2, np.nan]
    rejected, q = false_discovery_rate(p, alpha=0.05)
    assert_allclose(q[:5], [0.025, 0.05, 0.05, 0.025, 0.2])
    assert np.isnan(q[5])
    assert rejected.tolist() == [True, True, True, True, False, False]


def test_distance_band_and_k_nearest_build_the_expected_neighbours() -> None:
    xy = np.array([[0.0, 0.0], [1.0, 0.0], [3.0, 0.0], [3.5, 0.0]])
    band = distance_band(xy, 1.5)
    assert band.cardinalities.tolist() == [1, 1, 1, 1]
    assert band.indices.tolist() == [1, 0, 3, 2]
    nearest = k_nearest(xy, 2)
    assert nearest.indices[nearest.indptr[2]:nearest.indptr[3]].tolist() == [1, 3]


def test_hexagons_count_incidents_not_victims_and_keep_empty_neighbours() -> None:
    lat = np.array([39.95, 39.95, 39.95, 40.00])
    lon = np.array([-75.16, -75.16, -75.16, -75.10])
    binned = hexagon_counts(lat, lon, 9, incident_ids=["a", "a", "b", "c"], padding=1)
    assert binned.counts.sum() == 3
    assert binned.counts.max() == 2
    assert len(binned.cells) == 14  # two occupied cells and their 6 neighbours each
    weights = hexagon_weights(binned.cells)
    assert set(weights.cardinalities.tolist()) <= {1, 2, 3, 4, 5, 6}
    rows, cols, _ = weights.pairs()
    assert set(zip(rows.tolist(), cols.tolist(), strict=True)) == set(
        zip(cols.tolist(), rows.tolist(), strict=True))


def test_kernel_density_integrates_to_the_number_of_points_and_peaks_on_them() -> None:
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(0, 50, 300), rng.normal(1000, 50, 100)])
    y = np.concatenate([rng.normal(0, 50, 300), rng.normal(500, 50, 100)])
    surface = kernel_density(x, y, bandwidth=100.0, cell_size=10.0)
    total = surface.density.sum() * surface.cell_size**2
    assert total == pytest.approx(400, rel=0.01)
    r, c = np.unravel_index(np.argmax(surface.density), surface.density.shape)
    assert abs(surface.x[c]) < 50 and abs(surface.y[r]) < 50
    rule = kernel_density(x, y)
    assert rule.bandwidth == pytest.approx(
        np.sqrt((x.var(ddof=1) + y.var(ddof=1)) / 2) * 400 ** (-1 / 6))
