"""Local indicators of spatial association: Getis-Ord Gi / Gi* and local Moran's I.

References
----------
Getis, A., Ord, J. K. (1992). The analysis of spatial association by use of distance
statistics. *Geographical Analysis* 24(3), 189-206.
Ord, J. K., Getis, A. (1995). Local spatial autocorrelation statistics: distributional issues
and an application. *Geographical Analysis* 27(4), 286-306.
Anselin, L. (1995). Local indicators of spatial association - LISA. *Geographical Analysis*
27(2), 93-115.
Sokal, R. R., Oden, N. L., Thomson, B. A. (1998). Local spatial autocorrelation in a biological
model. *Geographical Analysis* 30(4), 331-354 (moments of local Moran's I).
Bivand, R. S., Wong, D. W. S. (2018). Comparing implementations of global and local indicators of
spatial association. *TEST* 27, 716-748 (spdep, the reference these values are checked against).

Conventions (where implementations differ)
------------------------------------------
* Gi* z-values are those of ``spdep::localG`` on ``include.self`` binary weights, identical to
  ``esda.G_Local(star=True, transform="B")``. esda's default row-standardised transform gives
  different (smaller) analytical z-values; do not compare with it.
* Local Moran's I uses the variance with divisor ``n`` (``spdep::localmoran``, ``mlvar=TRUE``).
  esda's ``Moran_Local`` values are these times ``(n - 1) / n``; z-values agree only under the
  same moments. Expected values and variances are spdep's: conditional on ``x_i`` (Sokal et al.
  1998, spdep's default) or under total randomisation (Anselin 1995).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from salus.analytics.alerts.hotspots.permutation import (
    PermutationInference,
    conditional_permutation,
)
from salus.analytics.alerts.hotspots.weights import SpatialWeights

FloatArray = npt.NDArray[np.float64]
Statistic = Literal["Gi*", "Gi", "local Moran's I"]


@dataclass(frozen=True)
class LocalStatistics:
    """One local statistic for every area, with analytical and permutation inference.

    Attributes
    ----------
    statistic : {"Gi*", "Gi", "local Moran's I"}
    ids : tuple of str
        Area identifiers.
    values : ndarray
        The statistic (G_i ratio for Getis-Ord, I_i for Moran).
    z_scores : ndarray
        Analytical z-values.
    p_values : ndarray
        Two-sided normal p-values of ``z_scores``.
    permutation : PermutationInference or None
        Conditional-permutation pseudo p-values (``permutation.p_values``) when requested.
    """

    statistic: Statistic
    ids: tuple[str, ...]
    values: FloatArray
    z_scores: FloatArray
    p_values: FloatArray
    permutation: PermutationInference | None

    @property
    def pseudo_p_values(self) -> FloatArray | None:
        """Permutation pseudo p-values, or None when no permutation was run."""
        return None if self.permutation is None else self.permutation.p_values


def _without_self(weights: SpatialWeights) -> tuple[SpatialWeights, FloatArray]:
    """Weights without the diagonal, and the diagonal."""
    i, j, v = weights.pairs()
    own = np.zeros(weights.n)
    own[i[i == j]] = v[i == j]
    keep = i != j
    return SpatialWeights.from_pairs(weights.n, i[keep], j[keep], v[keep], weights.ids), own


def _two_sided(z: FloatArray) -> FloatArray:
    from scipy.stats import norm

    return np.asarray(2.0 * norm.sf(np.abs(z)), dtype=np.float64)


def _gi_star_z(x: FloatArray, weights: SpatialWeights) -> tuple[FloatArray, FloatArray]:
    """G*_i and its z-value (Ord and Getis 1995, eqs. 9 and 10); weights include the area."""
    n = len(x)
    lag = weights.lag(x)
    w_sum = weights.lag(np.ones(n))
    w_sq = SpatialWeights(weights.indptr, weights.indices, weights.values**2, weights.ids)
    s1 = w_sq.lag(np.ones(n))
    mean = x.mean()
    sd = np.sqrt((x**2).mean() - mean**2)
    z = (lag - w_sum * mean) / (sd * np.sqrt((n * s1 - w_sum**2) / (n - 1)))
    return lag / x.sum(), z


def _gi_z(x: FloatArray, weights: SpatialWeights) -> tuple[FloatArray, FloatArray]:
    """G_i and its z-value, the area itself left out of the means and variances."""
    n = len(x)
    lag = weights.lag(x)
    w_sum = weights.lag(np.ones(n))
    s1 = SpatialWeights(weights.indptr, weights.indices, weights.values**2, weights.ids).lag(
        np.ones(n))
    others = x.sum() - x
    mean = others / (n - 1)
    sd = np.sqrt((np.sum(x**2) - x**2) / (n - 1) - mean**2)
    z = (lag - w_sum * mean) / (sd * np.sqrt(((n - 1) * s1 - w_sum**2) / (n - 2)))
    return lag / others, z


def getis_ord(values: npt.ArrayLike, weights: SpatialWeights, *, star: bool = True,
              permutations: int = 999, seed: int) -> LocalStatistics:
    """Getis-Ord local statistics: hot spots (z > 0) and cold spots (z < 0).

    Parameters
    ----------
    values : array_like, shape (n,)
        Counts or rates per area (incidents per hexagon, per district...).
    weights : SpatialWeights
        Binary contiguity or distance weights *without* the areas themselves; for Gi* each area
        is added as its own neighbour with weight 1 (``spdep::include.self``).
    star : bool, default True
        Gi* (the area counts in its own neighbourhood) or Gi.
    permutations : int, default 999
        Conditional permutations for pseudo p-values; 0 skips them.
    seed : int
        Seed of the permutations.

    Returns
    -------
    LocalStatistics
        ``z_scores`` equal ``spdep::localG``; ``permutation.p_values`` are folded pseudo
        p-values (:mod:`.permutation`).
    """
    x = np.asarray(values, dtype=np.float64)
    neighbours, _ = _without_self(weights)
    if star:
        full = neighbours.with_self(1.0)
        g, z = _gi_star_z(x, full)
        own, denominator = x, np.full(len(x), x.sum())
    else:
        g, z = _gi_z(x, neighbours)
        own, denominator = np.zeros(len(x)), x.sum() - x
    inference = None
    if permutations > 0:
        inference = conditional_permutation(x, neighbours, 1.0 / denominator, own / denominator,
                                            g, permutations=permutations, seed=seed)
    return LocalStatistics("Gi*" if star else "Gi", weights.ids, g, z, _two_sided(z), inference)


def _moran_moments(z: FloatArray, m2: float, weights: SpatialWeights,
                   conditional: bool) -> tuple[FloatArray, FloatArray]:
    """Expected value and variance of I_i (spdep's formulas)."""
    n = len(z)
    w_sum = weights.lag(np.ones(n))
    w_sq = SpatialWeights(weights.indptr, weights.indices, weights.values**2, weights.ids)
    s1 = w_sq.lag(np.ones(n))
    if conditional:
        expected = -(z**2 * w_sum) / ((n - 1) * m2)
        variance = (z / m2) ** 2 * (n / (n - 2)) * (s1 - w_sum**2 / (n - 1)) \
            * (m2 - z**2 / (n - 1))
        return expected, variance
    expected = -w_sum / (n - 1)
    b2 = np.mean(z**4) / m2**2
    a = (n - b2) / (n - 1)
    b = (2 * b2 - n) / ((n - 1) * (n - 2))
    return expected, a * s1 + b * (w_sum**2 - s1) - expected**2


def local_moran(values: npt.ArrayLike, weights: SpatialWeights, *, conditional: bool = True,
                permutations: int = 999, seed: int) -> LocalStatistics:
    """Local Moran's I (Anselin 1995): clusters of similar values and spatial outliers.

    ``I_i = (z_i / m2) sum_j w_ij z_j`` with ``z = x - mean(x)`` and ``m2 = sum(z^2) / n``.

    Parameters
    ----------
    values : array_like, shape (n,)
    weights : SpatialWeights
        Usually row-standardised (:meth:`SpatialWeights.row_standardised`); the diagonal is
        ignored.
    conditional : bool, default True
        Moments conditional on ``x_i`` (Sokal et al. 1998; spdep's default) or under total
        randomisation (Anselin 1995).
    permutations : int, default 999
        Conditional permutations for pseudo p-values; 0 skips them.
    seed : int
        Seed of the permutations.
    """
    x = np.asarray(values, dtype=np.float64)
    neighbours, _ = _without_self(weights)
    z = x - x.mean()
    m2 = float(np.mean(z**2))
    moran = z / m2 * neighbours.lag(z)
    expected, variance = _moran_moments(z, m2, neighbours, conditional)
    with np.errstate(divide="ignore", invalid="ignore"):
        z_scores = (moran - expected) / np.sqrt(variance)
    inference = None
    if permutations > 0:
        inference = conditional_permutation(z, neighbours, z / m2, np.zeros(len(x)), moran,
                                            permutations=permutations, seed=seed)
    return LocalStatistics("local Moran's I", weights.ids, moran, z_scores,
                           _two_sided(z_scores), inference)
