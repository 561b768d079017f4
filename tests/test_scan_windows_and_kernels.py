"""Scanning windows, and the pruned Numba kernels against brute force and the dense GPU path."""

from __future__ import annotations

import numpy as np
import pytest

from salus.analytics.alerts.scan import ScanOptions, kernels, space_time_permutation_scan
from salus.analytics.alerts.scan.backends import dense_maxima, gpu_module
from salus.analytics.alerts.scan.expected import permutation_expected
from salus.analytics.alerts.scan.windows import spatial_windows, temporal_windows


def _brute_force(counts: np.ndarray, expected: np.ndarray, total: float, neighbours: np.ndarray,
                 sizes: np.ndarray, starts: np.ndarray, stops: np.ndarray) -> float:
    best = 0.0
    for i in range(len(sizes)):
        for k in range(sizes[i]):
            members = neighbours[i, : k + 1]
            for s, e in zip(starts, stops, strict=True):
                c = counts[members, s:e].sum()
                m = expected[members, s:e].sum()
                if c >= 2 and c > m:
                    llr = c * np.log(c / m) + (total - c) * np.log((total - c) / (total - m))
                    best = max(best, llr)
    return best


def _small(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.random((15, 2)), rng.poisson(0.5, (15, 12)).astype(float)


@pytest.mark.parametrize("prospective", [True, False])
def test_pruned_kernels_find_the_brute_force_maximum(prospective: bool) -> None:
    for seed in range(5):
        xy, counts = _small(seed)
        expected = permutation_expected(counts)
        circles = spatial_windows(xy, counts.sum(axis=1), max_share=0.5)
        windows = temporal_windows(12, 4, prospective=prospective)
        scanned = slice(windows.offset, None)
        c, m = counts[:, scanned].copy(), expected[:, scanned].copy()
        wc = kernels.window_sums(c, windows.starts, windows.stops)
        wm = kernels.window_sums(m, windows.starts, windows.stops)
        none = np.zeros(0)
        llr, _, _ = kernels.best_per_centre(wc, (wm, none, none), circles.neighbours,
                                            circles.sizes, counts.sum(), 2.0)
        location = counts.sum(axis=1)
        per_window = kernels.window_sums(c.sum(axis=0)[None, :], windows.starts, windows.stops)
        factored = (wm, location, per_window[0] / counts.sum())
        separable, _, _ = kernels.best_per_centre(wc, factored, circles.neighbours,
                                                  circles.sizes, counts.sum(), 2.0)
        maxima = kernels.replicate_maxima(c[None], windows.starts, windows.stops, factored,
                                          circles.neighbours, circles.sizes, counts.sum(), 2.0,
                                          0.0)
        truth = _brute_force(c, m, counts.sum(), circles.neighbours, circles.sizes,
                             windows.starts, windows.stops)
        assert truth > 0
        assert llr.max() == pytest.approx(truth, rel=1e-12)
        assert separable.max() == pytest.approx(truth, rel=1e-12)
        assert maxima[0] == pytest.approx(truth, rel=1e-12)
        dense = dense_maxima(np, wc[None], wm, circles.neighbours, circles.sizes,
                             float(counts.sum()), 2.0)
        assert dense[0] == pytest.approx(truth, rel=1e-12)


def test_circles_stop_at_the_population_share_and_the_radius() -> None:
    xy = np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0], [3.0, 0.0]])
    circles = spatial_windows(xy, [1, 1, 1, 1], max_share=0.5)
    assert circles.sizes.tolist() == [2, 2, 2, 2]
    assert circles.neighbours[0, :2].tolist() == [0, 1]
    capped = spatial_windows(xy, [1, 1, 1, 1], max_share=1.0, max_radius=1.5)
    assert capped.sizes.tolist() == [2, 3, 3, 2]


def test_great_circle_radii_are_in_kilometres() -> None:
    lon_lat = np.array([[0.0, 0.0], [0.0, 1.0]])
    circles = spatial_windows(lon_lat, [1, 1], max_share=1.0, metric="haversine")
    assert circles.distances[0, 1] == pytest.approx(111.195, abs=0.01)


def test_prospective_windows_all_end_on_the_last_unit() -> None:
    windows = temporal_windows(30, 7, prospective=True)
    assert windows.offset == 23 and windows.n_times == 7
    assert (windows.stops == 7).all() and sorted(windows.stops - windows.starts) == list(
        range(1, 8))
    retrospective = temporal_windows(5, 2, prospective=False)
    assert len(retrospective.starts) == 5 + 4


def test_permutation_replicates_keep_both_margins() -> None:
    rng = np.random.default_rng(0)
    counts = rng.poisson(1.0, (8, 10)).astype(float)
    locations = np.repeat(np.arange(8), counts.sum(axis=1).astype(int))
    per_time = counts.sum(axis=0).astype(int)
    slots = np.repeat(np.arange(10), per_time)
    replicate = kernels.permuted_counts(locations, slots, rng.random((3, len(slots))), 8, 10)
    for table in replicate:
        np.testing.assert_array_equal(table.sum(axis=1), counts.sum(axis=1))
        np.testing.assert_array_equal(table.sum(axis=0), counts.sum(axis=0))


def test_the_gpu_backend_runs_where_a_gpu_answers_and_is_refused_cleanly_elsewhere() -> None:
    xy, counts = _small(1)
    auto = space_time_permutation_scan(counts, xy, ScanOptions(seed=1, replicates=9,
                                                               backend="auto"))
    cpu = space_time_permutation_scan(counts, xy, ScanOptions(seed=1, replicates=9))
    np.testing.assert_allclose(auto.replicate_maxima, cpu.replicate_maxima, rtol=1e-9)
    if gpu_module() is None:
        with pytest.raises(RuntimeError, match="no CUDA device"):
            space_time_permutation_scan(counts, xy, ScanOptions(seed=1, replicates=9,
                                                                backend="gpu"))


def test_the_dense_path_gives_the_numba_maxima_in_small_chunks(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from salus.analytics.alerts.scan import backends, montecarlo, prepared

    xy, counts = _small(3)
    options = ScanOptions(seed=4, replicates=7, max_duration=4)
    data = prepared.prepare(counts, permutation_expected(counts), counts.sum(axis=1), xy, options,
                            separable=True)
    draw = montecarlo.permutation_generator(counts, data.windows.offset)
    batch = draw(np.random.default_rng(0), 7)
    monkeypatch.setattr(backends, "DENSE_BYTES", 1)  # one replicate per chunk
    dense = backends._dense_batch(np, data, batch, 2)
    fast = kernels.replicate_maxima(batch, data.windows.starts, data.windows.stops,
                                    data.kernel_expected, data.circles.neighbours,
                                    data.circles.sizes, data.total, 2.0, 0.0)
    np.testing.assert_allclose(dense, fast, rtol=1e-12)
