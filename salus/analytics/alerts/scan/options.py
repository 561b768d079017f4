"""The settings of a space-time scan, with SaTScan's names."""

from __future__ import annotations

from dataclasses import dataclass

from salus.analytics.alerts.scan.windows import Metric


@dataclass(frozen=True)
class ScanOptions:
    """Settings shared by both scans (SaTScan's names in brackets).

    Attributes
    ----------
    prospective : bool
        Only clusters alive at the end of the study period [analysis type 4]; else every
        interval [type 3].
    max_duration, min_duration : int
        Longest and shortest cluster, in time units [maximum/minimum temporal cluster size].
    max_share : float
        Largest share of the population (cases for the permutation model, expected cases for
        the Poisson model) inside a circle [maximum spatial size, 50 %].
    max_neighbours : int, optional
        Largest number of locations in a circle ("k nearest").
    max_radius : float, optional
        Largest circle radius, in coordinate units or km with ``metric="haversine"``.
    metric : {"euclidean", "haversine"}
        Euclidean on projected ``x, y`` or great-circle on ``longitude, latitude``.
    replicates : int
        Monte Carlo replicates (999 by default; 0 skips inference).
    seed : int
        Seed of the random generator.
    min_cases : int
        Fewest cases in a reported cluster [minimum cases in high-rate clusters, 2].
    max_clusters : int
        Most clusters reported: the most likely one, then secondary clusters that share no
        location with a more likely one [no geographical overlap].
    backend : {"cpu", "gpu", "auto"}
        Where the replicates run; "auto" uses a GPU only when one is present.
    """

    seed: int
    prospective: bool = True
    max_duration: int = 30
    min_duration: int = 1
    max_share: float = 0.5
    max_neighbours: int | None = None
    max_radius: float | None = None
    metric: Metric = "euclidean"
    replicates: int = 999
    min_cases: int = 2
    max_clusters: int = 10
    backend: str = "cpu"
