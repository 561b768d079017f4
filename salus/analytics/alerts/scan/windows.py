"""Scanning windows: circles of nearest locations and temporal intervals.

Spatial windows follow Kulldorff (1997) and SaTScan: a circle is centred on each location and
grows by adding the next-nearest location, as long as the circle holds at most ``max_share`` of
the "population" (the case count over the whole study period for the space-time permutation
model, the expected count for the Poisson model), at most ``max_neighbours`` locations and lies
within ``max_radius``. Distances are Euclidean on projected coordinates, or great-circle distances
in kilometres (mean Earth radius 6,371.0088 km) on longitude/latitude; equal distances are broken
by location order.

Temporal windows are intervals of whole time units: in a retrospective analysis every interval
between ``min_duration`` and ``max_duration`` units, in a prospective analysis only those that end
with the last unit ("alive" clusters, Kulldorff 2001).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

EARTH_RADIUS_KM = 6371.0088
Metric = Literal["euclidean", "haversine"]
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class SpatialWindows:
    """Circles of nearest locations: ``neighbours[i, :sizes[i]]`` around centre ``i``.

    ``distances[i, k]`` is the distance from centre ``i`` to its ``k``-th neighbour (the radius of
    the circle that stops there), in the units of the coordinates or in km for ``haversine``.
    """

    neighbours: IntArray
    sizes: IntArray
    distances: FloatArray


@dataclass(frozen=True)
class TemporalWindows:
    """Intervals ``[starts[w], stops[w])`` of time units, relative to ``offset``.

    Only units ``offset, offset + 1, ...`` are scanned (a prospective scan needs only the last
    ``max_duration`` units); unit ``offset + starts[w]`` is the first of window ``w``.
    """

    starts: IntArray
    stops: IntArray
    offset: int
    n_times: int


def _points(coordinates: FloatArray, metric: Metric) -> FloatArray:
    """Points whose Euclidean distances order like the requested distances."""
    if metric == "euclidean":
        return coordinates
    lon, lat = np.radians(coordinates[:, 0]), np.radians(coordinates[:, 1])
    return np.column_stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


def _to_distance(chord: FloatArray, metric: Metric) -> FloatArray:
    if metric == "euclidean":
        return chord
    return 2.0 * EARTH_RADIUS_KM * np.arcsin(np.clip(chord / 2.0, 0.0, 1.0))


def _nearest(points: FloatArray, k: int) -> tuple[FloatArray, IntArray]:
    """The ``k`` nearest locations of every location (itself first), ties by index."""
    from scipy.spatial import cKDTree

    distance, index = cKDTree(points).query(points, k=k)
    distance = np.asarray(distance, dtype=np.float64).reshape(len(points), k)
    index = np.asarray(index, dtype=np.int64).reshape(len(points), k)
    order = np.lexsort((index, np.round(distance, 12)), axis=1)
    return np.take_along_axis(distance, order, 1), np.take_along_axis(index, order, 1)


def spatial_windows(coordinates: npt.ArrayLike, population: npt.ArrayLike, *,
                    max_share: float = 0.5, max_neighbours: int | None = None,
                    max_radius: float | None = None,
                    metric: Metric = "euclidean") -> SpatialWindows:
    """Circles centred on each location, nearest locations first.

    Parameters
    ----------
    coordinates : array_like, shape (n, 2)
        ``x, y`` (``metric="euclidean"``) or ``longitude, latitude`` in degrees (``"haversine"``).
    population : array_like, shape (n,)
        What ``max_share`` limits: cases per location over the study period (space-time
        permutation) or expected cases (Poisson).
    max_share : float, default 0.5
        Largest share of the total population inside a circle (SaTScan's default 50 %).
    max_neighbours : int, optional
        Largest number of locations in a circle (the centre included).
    max_radius : float, optional
        Largest radius, in coordinate units or km for ``haversine``.
    metric : {"euclidean", "haversine"}
        How distances are measured.
    """
    xy = np.asarray(coordinates, dtype=np.float64)
    weight = np.asarray(population, dtype=np.float64)
    k = len(xy) if max_neighbours is None else min(int(max_neighbours), len(xy))
    chord, index = _nearest(_points(xy, metric), k)
    distance = _to_distance(chord, metric)
    inside = np.cumsum(weight[index], axis=1) <= max_share * weight.sum() * (1 + 1e-12)
    if max_radius is not None:
        inside &= distance <= max_radius * (1 + 1e-12)
    sizes = np.where(inside.all(axis=1), k, np.argmin(inside, axis=1)).astype(np.int64)
    return SpatialWindows(np.ascontiguousarray(index), sizes, distance)


def temporal_windows(n_times: int, max_duration: int, *, prospective: bool,
                     min_duration: int = 1) -> TemporalWindows:
    """Windows of ``min_duration`` to ``max_duration`` units over ``n_times`` units.

    Prospective windows all end with the last unit; retrospective windows start and end
    anywhere. Durations are capped at ``n_times``.
    """
    longest = min(int(max_duration), n_times)
    if longest < min_duration:
        raise ValueError("max_duration must be at least min_duration")
    if prospective:
        durations = np.arange(min_duration, longest + 1, dtype=np.int64)
        return TemporalWindows(longest - durations, np.full_like(durations, longest),
                               n_times - longest, longest)
    starts, stops = [], []
    for duration in range(min_duration, longest + 1):
        first = np.arange(0, n_times - duration + 1, dtype=np.int64)
        starts.append(first)
        stops.append(first + duration)
    return TemporalWindows(np.concatenate(starts), np.concatenate(stops), 0, n_times)
