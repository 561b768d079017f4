"""Spatial weights: who is whose neighbour, as a sparse row-major (CSR) matrix.

Builders: contiguity of polygons (queen: any shared boundary point; rook: a shared boundary
segment, as ``spdep::poly2nb``), regular lattices (as ``spdep::cell2nb``), distance bands and
k nearest neighbours of points, and H3 hexagon rings (:mod:`.hexagons`).

Getis-Ord Gi* takes binary weights with each area its own neighbour (:meth:`with_self`), the
convention under which ``spdep::localG`` and ``esda.G_Local(star=True, transform="B")`` agree;
local Moran's I takes row-standardised weights (:meth:`row_standardised`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import shapely

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
Contiguity = Literal["queen", "rook"]


@dataclass(frozen=True)
class SpatialWeights:
    """Weights ``w[i, indices[indptr[i]:indptr[i + 1]]] = values[...]``; rows sorted by column."""

    indptr: IntArray
    indices: IntArray
    values: FloatArray
    ids: tuple[str, ...]

    @property
    def n(self) -> int:
        """Number of areas."""
        return len(self.indptr) - 1

    @property
    def cardinalities(self) -> IntArray:
        """Number of neighbours of each area."""
        return np.diff(self.indptr)

    @classmethod
    def from_pairs(cls, n: int, rows: npt.ArrayLike, cols: npt.ArrayLike,
                   values: npt.ArrayLike | None = None,
                   ids: Sequence[object] | None = None) -> SpatialWeights:
        """Weights from ``(row, column[, value])`` pairs; duplicate pairs keep the first value."""
        i = np.asarray(rows, dtype=np.int64)
        j = np.asarray(cols, dtype=np.int64)
        v = np.ones(len(i)) if values is None else np.asarray(values, dtype=np.float64)
        key = i * n + j
        _, first = np.unique(key, return_index=True)
        i, j, v = i[first], j[first], v[first]
        indptr = np.concatenate([[0], np.cumsum(np.bincount(i, minlength=n))]).astype(np.int64)
        names = tuple(str(k) for k in (range(n) if ids is None else ids))
        return cls(indptr, j, v, names)

    def pairs(self) -> tuple[IntArray, IntArray, FloatArray]:
        """Rows, columns and values of the non-zero weights."""
        return np.repeat(np.arange(self.n), self.cardinalities), self.indices, self.values

    def with_self(self, weight: float = 1.0) -> SpatialWeights:
        """The same weights with each area its own neighbour (``spdep::include.self``)."""
        i, j, v = self.pairs()
        keep = i != j
        own = np.arange(self.n)
        return SpatialWeights.from_pairs(self.n, np.concatenate([i[keep], own]),
                                         np.concatenate([j[keep], own]),
                                         np.concatenate([v[keep], np.full(self.n, weight)]),
                                         self.ids)

    def row_standardised(self) -> SpatialWeights:
        """Rows scaled to sum to one (style ``"W"`` in spdep, ``"R"`` in libpysal)."""
        sums = np.add.reduceat(self.values, self.indptr[:-1]) if len(self.values) else np.zeros(0)
        sums = np.where(self.cardinalities > 0, sums, 1.0)
        return SpatialWeights(self.indptr, self.indices,
                              self.values / np.repeat(sums, self.cardinalities), self.ids)

    def lag(self, values: npt.ArrayLike) -> FloatArray:
        """Spatial lag ``sum_j w_ij x_j`` of every area."""
        x = np.asarray(values, dtype=np.float64)
        products = self.values * x[self.indices]
        lag = np.zeros(self.n)
        np.add.at(lag, np.repeat(np.arange(self.n), self.cardinalities), products)
        return lag


def _shares_boundary(a: Any, b: Any, kind: Contiguity, tolerance: float) -> bool:
    """Queen: boundaries meet; rook: they share a stretch of positive length."""
    if kind == "queen":
        return bool(shapely.distance(a.boundary, b.boundary) <= tolerance)
    other = b.boundary.buffer(tolerance) if tolerance > 0 else b.boundary
    return bool(shapely.intersection(a.boundary, other).length > 2 * tolerance)


def contiguity(geometries: Sequence[Any], kind: Contiguity = "queen", *,
               ids: Sequence[object] | None = None, tolerance: float = 0.0) -> SpatialWeights:
    """Binary contiguity weights of polygons (Shapely geometries).

    Parameters
    ----------
    geometries : sequence of shapely Polygon or MultiPolygon
    kind : {"queen", "rook"}
        ``queen``: areas whose boundaries share at least one point; ``rook``: a segment.
    ids : sequence, optional
        Area identifiers.
    tolerance : float, default 0
        Snapping distance for boundaries that should meet but do not quite (digitising gaps).
    """
    geoms = np.asarray(geometries, dtype=object)
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="dwithin", distance=tolerance) if tolerance > 0 \
        else tree.query(geoms, predicate="intersects")
    rows, cols = [], []
    for i, j in zip(left.tolist(), right.tolist(), strict=True):
        if i < j and _shares_boundary(geoms[i], geoms[j], kind, tolerance):
            rows += [i, j]
            cols += [j, i]
    return SpatialWeights.from_pairs(len(geoms), rows, cols, ids=ids)


def contiguity_from_geojson(source: str | Path | dict[str, Any], kind: Contiguity = "queen", *,
                            id_field: str | None = None,
                            tolerance: float = 0.0) -> SpatialWeights:
    """Contiguity weights of the polygons of a GeoJSON FeatureCollection (a path or a dict)."""
    data = source if isinstance(source, dict) else json.loads(Path(source).read_text("utf-8"))
    features = data["features"]
    geoms = [shapely.geometry.shape(f["geometry"]) for f in features]
    ids = None if id_field is None else [f["properties"][id_field] for f in features]
    return contiguity(geoms, kind, ids=ids, tolerance=tolerance)


def lattice(rows: int, cols: int, kind: Contiguity = "queen") -> SpatialWeights:
    """Contiguity of the cells of a ``rows x cols`` grid, cell ``r * cols + c``."""
    r, c = np.divmod(np.arange(rows * cols), cols)
    steps = [(-1, 0), (1, 0), (0, -1), (0, 1)]
    if kind == "queen":
        steps += [(-1, -1), (-1, 1), (1, -1), (1, 1)]
    src, dst = [], []
    for dr, dc in steps:
        ok = (r + dr >= 0) & (r + dr < rows) & (c + dc >= 0) & (c + dc < cols)
        src.append(np.flatnonzero(ok))
        dst.append((r[ok] + dr) * cols + c[ok] + dc)
    i, j = np.concatenate(src), np.concatenate(dst)
    order = np.lexsort((j, i))
    return SpatialWeights.from_pairs(rows * cols, i[order], j[order])


def distance_band(coordinates: npt.ArrayLike, threshold: float, *,
                  ids: Sequence[object] | None = None) -> SpatialWeights:
    """Binary weights between points closer than ``threshold`` (projected coordinates)."""
    from scipy.spatial import cKDTree

    xy = np.asarray(coordinates, dtype=np.float64)
    pairs = cKDTree(xy).query_pairs(threshold, output_type="ndarray")
    rows = np.concatenate([pairs[:, 0], pairs[:, 1]])
    cols = np.concatenate([pairs[:, 1], pairs[:, 0]])
    order = np.lexsort((cols, rows))
    return SpatialWeights.from_pairs(len(xy), rows[order], cols[order], ids=ids)


def k_nearest(coordinates: npt.ArrayLike, k: int, *,
              ids: Sequence[object] | None = None) -> SpatialWeights:
    """Binary weights to the ``k`` nearest other points (not symmetric in general)."""
    from scipy.spatial import cKDTree

    xy = np.asarray(coordinates, dtype=np.float64)
    _, index = cKDTree(xy).query(xy, k=k + 1)
    rows = np.repeat(np.arange(len(xy)), k)
    cols = np.asarray(index)[:, 1:].ravel()
    order = np.lexsort((cols, rows))
    return SpatialWeights.from_pairs(len(xy), rows[order], cols[order], ids=ids)
