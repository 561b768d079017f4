"""Space-time scan statistics: the space-time permutation scan and the Poisson space-time scan.

References
----------
Kulldorff, M. (1997). A spatial scan statistic. *Communications in Statistics - Theory and
Methods* 26(6), 1481-1496.
Kulldorff, M. (2001). Prospective time periodic geographical disease surveillance using a scan
statistic. *Journal of the Royal Statistical Society A* 164(1), 61-72.
Kulldorff, M., Heffernan, R., Hartman, J., Assunção, R., Mostashari, F. (2005). A space-time
permutation scan statistic for disease outbreak detection. *PLoS Medicine* 2(3), e59.
Kulldorff, M. SaTScan User Guide (v10), for the conventions reproduced here (p-values, secondary
clusters without geographical overlap, minimum of two cases in a cluster).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from salus.analytics.alerts.scan.backends import replicate_maxima
from salus.analytics.alerts.scan.expected import permutation_expected
from salus.analytics.alerts.scan.kernels import best_per_centre
from salus.analytics.alerts.scan.montecarlo import (
    Generator,
    p_values,
    permutation_generator,
    poisson_generator,
)
from salus.analytics.alerts.scan.options import ScanOptions
from salus.analytics.alerts.scan.prepared import Prepared, prepare
from salus.analytics.alerts.scan.results import Model, ScanResult, SpaceTimeCluster

FloatArray = npt.NDArray[np.float64]
MAX_CASES = 2**24


def _candidates(data: Prepared, options: ScanOptions) -> list[tuple[float, int, int, int]]:
    """Most likely cylinder of each centre, then those sharing no location with a better one."""
    llr, best_k, best_w = best_per_centre(
        data.window_counts, data.kernel_expected, data.circles.neighbours, data.circles.sizes,
        data.total, float(options.min_cases))
    order = sorted(range(len(llr)), key=lambda i: (-llr[i], i))
    chosen: list[tuple[float, int, int, int]] = []
    used: set[int] = set()
    for i in order:
        if len(chosen) >= options.max_clusters or llr[i] <= 0.0:
            break
        members = set(data.circles.neighbours[i, : best_k[i] + 1].tolist())
        if members & used:
            continue
        used |= members
        chosen.append((float(llr[i]), i, int(best_k[i]), int(best_w[i])))
    return chosen


def _cluster(data: Prepared, found: tuple[float, int, int, int], rank: int, p_value: float,
             ids: Sequence[str], labels: Sequence[str]) -> SpaceTimeCluster:
    llr, centre, k, w = found
    members = data.circles.neighbours[centre, : k + 1]
    observed = float(data.window_counts[members, w].sum())
    expected = float(data.window_expected[members, w].sum())
    outside = (data.total - observed) / (data.total - expected) if data.total > expected else 0.0
    start = data.windows.offset + int(data.windows.starts[w])
    end = data.windows.offset + int(data.windows.stops[w]) - 1
    return SpaceTimeCluster(
        rank=rank, centre=ids[centre], locations=tuple(ids[z] for z in members),
        radius=float(data.circles.distances[centre, k]), start=start, end=end,
        start_label=labels[start], end_label=labels[end], observed=round(observed),
        expected=expected,
        relative_risk=(observed / expected) / outside if outside > 0 else float("inf"),
        llr=llr, p_value=p_value)


def _run(data: Prepared, draw: Generator, model: Model, options: ScanOptions,
         ids: Sequence[str], labels: Sequence[str]) -> ScanResult:
    found = _candidates(data, options)
    maxima = np.zeros(0)
    if found and options.replicates > 0:
        floor = min(f[0] for f in found) * (1.0 - 1e-12)
        maxima = replicate_maxima(data, draw, options, floor)
    p = p_values(np.array([f[0] for f in found]), maxima)
    clusters = tuple(_cluster(data, f, rank + 1, float(p[rank]), ids, labels)
                     for rank, f in enumerate(found))
    return ScanResult(model=model, prospective=options.prospective,
                      total_cases=round(data.total), replicates=int(maxima.size),
                      seed=options.seed, max_duration=options.max_duration,
                      max_share=options.max_share, clusters=clusters, replicate_maxima=maxima)


def _names(values: Sequence[object] | None, n: int) -> list[str]:
    if values is None:
        return [str(i) for i in range(n)]
    if len(values) != n:
        raise ValueError(f"expected {n} labels, got {len(values)}")
    return [str(v) for v in values]


def _as_table(counts: npt.ArrayLike, n_locations: int) -> FloatArray:
    table = np.asarray(counts, dtype=np.float64)
    if table.ndim != 2 or table.shape[0] != n_locations:
        raise ValueError("counts must have shape (locations, times)")
    if (table < 0).any() or not np.allclose(table, np.rint(table)):
        raise ValueError("counts must be non-negative whole numbers of incidents")
    if table.sum() >= MAX_CASES:
        raise ValueError(f"at most {MAX_CASES - 1:,} cases (float32 cylinder sums stay exact)")
    return np.ascontiguousarray(table)


def space_time_permutation_scan(counts: npt.ArrayLike, coordinates: npt.ArrayLike,
                                options: ScanOptions, *,
                                location_ids: Sequence[object] | None = None,
                                time_labels: Sequence[object] | None = None) -> ScanResult:
    """Kulldorff's space-time permutation scan statistic (Kulldorff et al. 2005).

    Detects cylinders (a circle of nearby locations over an interval of time units) with more
    cases than expected if the space and time of cases were independent; needs no population.

    Parameters
    ----------
    counts : array_like, shape (locations, times)
        Incidents per location and time unit. Count incidents, not victims: one shooting with five
        victims is one case (see :func:`salus.analytics.alerts.scan.incident_counts`).
    coordinates : array_like, shape (locations, 2)
        Location coordinates (see ``options.metric``).
    options : ScanOptions
        Windows, replicates and the seed.
    location_ids, time_labels : sequence, optional
        Names used in the reported clusters.

    Returns
    -------
    ScanResult
        The most likely cluster and secondary clusters with Monte Carlo p-values.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> xy = rng.random((30, 2)); cases = rng.poisson(1.0, (30, 20))
    >>> result = space_time_permutation_scan(cases, xy, ScanOptions(seed=7, replicates=9,
    ...                                      max_duration=5))
    >>> result.replicates
    9
    """
    xy = np.asarray(coordinates, dtype=np.float64)
    table = _as_table(counts, len(xy))
    data = prepare(table, permutation_expected(table), table.sum(axis=1), xy, options,
                    separable=True)
    draw = permutation_generator(table, data.windows.offset)
    return _run(data, draw, "space-time permutation", options,
                _names(location_ids, len(xy)), _names(time_labels, table.shape[1]))


def poisson_space_time_scan(counts: npt.ArrayLike, expected: npt.ArrayLike,
                            coordinates: npt.ArrayLike, options: ScanOptions, *,
                            location_ids: Sequence[object] | None = None,
                            time_labels: Sequence[object] | None = None) -> ScanResult:
    """Poisson space-time scan statistic with a population at risk (Kulldorff 1997, 2001).

    Parameters
    ----------
    counts : array_like, shape (locations, times)
        Incidents per location and time unit.
    expected : array_like, shape (locations, times)
        Expected incidents under the null hypothesis, e.g. from
        :func:`~salus.analytics.alerts.scan.expected.standardised_expected`; rescaled to add up to
        the
        observed total.
    coordinates : array_like, shape (locations, 2)
        Location coordinates (see ``options.metric``).
    options : ScanOptions
        Windows, replicates and the seed.
    location_ids, time_labels : sequence, optional
        Names used in the reported clusters.
    """
    xy = np.asarray(coordinates, dtype=np.float64)
    table = _as_table(counts, len(xy))
    mu = np.asarray(expected, dtype=np.float64)
    if mu.shape != table.shape or (mu < 0).any() or mu.sum() <= 0:
        raise ValueError("expected must be non-negative, with the shape of counts")
    mu = np.ascontiguousarray(mu * (table.sum() / mu.sum()))
    data = prepare(table, mu, mu.sum(axis=1), xy, options)
    draw = poisson_generator(mu, data.windows.offset, round(table.sum()))
    return _run(data, draw, "poisson", options,
                _names(location_ids, len(xy)), _names(time_labels, table.shape[1]))
