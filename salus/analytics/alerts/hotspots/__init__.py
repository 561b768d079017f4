"""Spatial hot spots: Getis-Ord Gi*, local Moran's I, false discovery rate, kernel density.

* :mod:`.weights` - contiguity (queen/rook) of polygons, lattices, distance bands, k nearest;
* :mod:`.hexagons` - points binned to H3 hexagons and their rings of neighbours;
* :func:`getis_ord`, :func:`local_moran` - local statistics with analytical z-values equal to
  spdep's and conditional-permutation pseudo p-values with an explicit seed;
* :func:`false_discovery_rate` - Benjamini-Hochberg control over many areas;
* :func:`kernel_density` - a Gaussian kernel density surface for maps.
"""

from salus.analytics.alerts.hotspots.fdr import false_discovery_rate
from salus.analytics.alerts.hotspots.kde import DensitySurface, kernel_density
from salus.analytics.alerts.hotspots.local import LocalStatistics, getis_ord, local_moran
from salus.analytics.alerts.hotspots.weights import (
    SpatialWeights,
    contiguity,
    contiguity_from_geojson,
    distance_band,
    k_nearest,
    lattice,
)

__all__ = [
    "DensitySurface",
    "LocalStatistics",
    "SpatialWeights",
    "contiguity",
    "contiguity_from_geojson",
    "distance_band",
    "false_discovery_rate",
    "getis_ord",
    "k_nearest",
    "kernel_density",
    "lattice",
    "local_moran",
]
