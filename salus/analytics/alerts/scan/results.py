"""Result records of a space-time scan: one frozen dataclass per cluster and per analysis."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

Model = Literal["space-time permutation", "poisson"]


@dataclass(frozen=True)
class SpaceTimeCluster:
    """One cylinder reported by the scan.

    Attributes
    ----------
    rank : int
        1 for the most likely cluster, then secondary clusters by decreasing ``llr``.
    centre : str
        Identifier of the location the circle is centred on.
    locations : tuple of str
        Identifiers of the locations inside the circle, nearest first.
    radius : float
        Distance from the centre to the farthest location inside (km for longitude/latitude).
    start, end : int
        First and last time unit of the cluster (indices into the study period, inclusive).
    start_label, end_label : str
        The same time units as labelled by the caller (dates, years...).
    observed : int
        Cases inside the cylinder.
    expected : float
        Expected cases inside the cylinder under the null hypothesis.
    relative_risk : float
        ``(observed / expected) / ((N - observed) / (N - expected))``, as SaTScan reports it.
    llr : float
        Log-likelihood ratio (the test statistic).
    p_value : float
        Monte Carlo p-value ``(1 + #{replicates with max llr >= llr}) / (replicates + 1)``; NaN
        when no replicate was run.
    """

    rank: int
    centre: str
    locations: tuple[str, ...]
    radius: float
    start: int
    end: int
    start_label: str
    end_label: str
    observed: int
    expected: float
    relative_risk: float
    llr: float
    p_value: float

    @property
    def observed_over_expected(self) -> float:
        """Observed divided by expected cases."""
        return self.observed / self.expected if self.expected > 0 else float("inf")


@dataclass(frozen=True)
class ScanResult:
    """Everything a scan found, with the settings that produced it.

    ``replicate_maxima`` holds the largest llr of each Monte Carlo replicate; values below the
    smallest reported ``llr`` are censored to that value (they cannot change any p-value).
    """

    model: Model
    prospective: bool
    total_cases: int
    replicates: int
    seed: int
    max_duration: int
    max_share: float
    clusters: tuple[SpaceTimeCluster, ...]
    replicate_maxima: npt.NDArray[np.float64] = field(repr=False)

    @property
    def most_likely_cluster(self) -> SpaceTimeCluster | None:
        """The cluster with the largest llr, or None when no cylinder had excess cases."""
        return self.clusters[0] if self.clusters else None

    def significant(self, alpha: float = 0.05) -> tuple[SpaceTimeCluster, ...]:
        """Clusters whose p-value is below ``alpha``."""
        return tuple(c for c in self.clusters if c.p_value < alpha)
