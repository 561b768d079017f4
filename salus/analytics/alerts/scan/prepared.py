"""Observed data of a scan reduced to what the kernels read: windows, their sums, the total."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from salus.analytics.alerts.scan.kernels import window_sums
from salus.analytics.alerts.scan.options import ScanOptions
from salus.analytics.alerts.scan.windows import (
    SpatialWindows,
    TemporalWindows,
    spatial_windows,
    temporal_windows,
)

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Prepared:
    """Observed data reduced to what the kernels read."""

    counts: FloatArray
    expected: FloatArray
    circles: SpatialWindows
    windows: TemporalWindows
    window_counts: FloatArray
    window_expected: FloatArray
    total: float
    location_weight: FloatArray
    window_weight: FloatArray

    @property
    def kernel_expected(self) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Expected counts as the kernels take them (see ``kernels._scan_centre``)."""
        return self.window_expected, self.location_weight, self.window_weight


def _permutation_factors(counts: FloatArray,
                         windows: TemporalWindows) -> tuple[FloatArray, FloatArray]:
    """``N_z`` and ``N_w / N``: the permutation model's expected counts ``N_z N_w / N``."""
    per_time = np.ascontiguousarray(counts[:, windows.offset:].sum(axis=0)[None, :])
    per_window = window_sums(per_time, windows.starts, windows.stops)[0]
    return counts.sum(axis=1), per_window / counts.sum()


def prepare(counts: FloatArray, expected: FloatArray, population: FloatArray,
            coordinates: npt.ArrayLike, options: ScanOptions,
            separable: bool = False) -> Prepared:
    """Cylinders and time windows of ``options``, with the observed and expected sums of each
    window; ``separable`` adds the permutation model's factors (see :class:`Prepared`)."""
    circles = spatial_windows(coordinates, population, max_share=options.max_share,
                              max_neighbours=options.max_neighbours,
                              max_radius=options.max_radius, metric=options.metric)
    windows = temporal_windows(counts.shape[1], options.max_duration,
                               prospective=options.prospective,
                               min_duration=options.min_duration)
    scanned = slice(windows.offset, None)
    factors = _permutation_factors(counts, windows) if separable and counts.sum() > 0 \
        else (np.zeros(0), np.zeros(0))
    return Prepared(counts, expected, circles, windows,
                    window_sums(np.ascontiguousarray(counts[:, scanned]),
                                windows.starts, windows.stops),
                    window_sums(np.ascontiguousarray(expected[:, scanned]),
                                windows.starts, windows.stops),
                    float(counts.sum()), *factors)
