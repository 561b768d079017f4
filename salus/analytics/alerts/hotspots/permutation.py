"""Conditional permutation inference for local statistics (Anselin 1995).

For area ``i`` the value ``x_i`` stays put and its ``k_i`` neighbours' values are replaced by
``k_i`` values drawn without replacement from the other ``n - 1`` areas; the statistic recomputed
``permutations`` times gives a reference distribution.

As in esda (Rey et al.), one table of ``permutations x max(k_i)`` draws from ``0 .. n - 2`` is
shared by all areas and shifted past ``i`` (draw ``r`` stands for area ``r`` if ``r < i`` and
``r + 1`` otherwise): every area's reference distribution is exact, the distributions of
different areas are correlated, and the cost falls from ``n x permutations x k`` random numbers
to ``permutations x k``. The pseudo p-value is esda's folded one,
``(min(#{sim >= obs}, #{sim <= obs}) + 1) / (permutations + 1)``, a one-sided p-value in the
direction of the observed value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numba as nb
import numpy as np
import numpy.typing as npt

from salus.analytics.alerts.hotspots.weights import SpatialWeights

FloatArray = npt.NDArray[np.float64]
Array = npt.NDArray[Any]


@dataclass(frozen=True)
class PermutationInference:
    """Pseudo p-values and the reference distributions' moments, per area."""

    p_values: FloatArray
    z_scores: FloatArray
    means: FloatArray
    standard_deviations: FloatArray
    permutations: int
    seed: int


@nb.njit(cache=True, parallel=True)
def _simulate(values: Array, indptr: Array, indices: Array, weights: Array, draws: Array,
              scale: Array, offset: Array, observed: Array) -> tuple[Array, Array, Array, Array]:
    """For each area: folded count of simulated statistics beyond ``observed``, mean, sd."""
    n = indptr.shape[0] - 1
    n_perm = draws.shape[0]
    extreme = np.zeros(n)
    mean = np.zeros(n)
    sd = np.zeros(n)
    for i in nb.prange(n):
        start, stop = indptr[i], indptr[i + 1]
        above = 0
        below = 0
        total = 0.0
        squares = 0.0
        for p in range(n_perm):
            lag = 0.0
            for m in range(stop - start):
                r = draws[p, m]
                lag += weights[start + m] * values[r + (r >= i)]
            stat = scale[i] * lag + offset[i]
            above += stat >= observed[i]
            below += stat <= observed[i]
            total += stat
            squares += stat * stat
        extreme[i] = min(above, below)
        mean[i] = total / n_perm
        sd[i] = np.sqrt(max(squares / n_perm - mean[i] * mean[i], 0.0))
    return extreme, mean, sd, observed


def shared_draws(n: int, k: int, permutations: int, seed: int) -> npt.NDArray[np.int64]:
    """``permutations`` rows of ``k`` distinct integers from ``0 .. n - 2``."""
    rng = np.random.default_rng(seed)
    k = min(k, n - 1)
    return np.stack([rng.choice(n - 1, size=k, replace=False) for _ in range(permutations)]) \
        if k > 0 else np.zeros((permutations, 0), dtype=np.int64)


def conditional_permutation(values: FloatArray, weights: SpatialWeights, scale: FloatArray,
                            offset: FloatArray, observed: FloatArray, *, permutations: int,
                            seed: int) -> PermutationInference:
    """Reference distributions of ``scale_i * sum_j w_ij x_j + offset_i`` under permutation.

    Parameters
    ----------
    values : ndarray, shape (n,)
        The values whose neighbours are permuted.
    weights : SpatialWeights
        Neighbours of each area, **without** the area itself (its own term goes in ``offset``).
    scale, offset : ndarray, shape (n,)
        Turn a lag sum into the statistic of each area.
    observed : ndarray, shape (n,)
        Observed statistic of each area.
    permutations : int
        Number of draws per area.
    seed : int
        Seed of the random generator.
    """
    kmax = int(weights.cardinalities.max()) if weights.n else 0
    draws = shared_draws(weights.n, kmax, permutations, seed)
    extreme, mean, sd, _ = _simulate(values, weights.indptr, weights.indices, weights.values,
                                     draws, scale, offset, observed)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(sd > 0, (observed - mean) / sd, 0.0)
    return PermutationInference((extreme + 1.0) / (permutations + 1.0), z, mean, sd,
                                permutations, seed)
