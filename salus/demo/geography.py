"""The map of Verdania: a country, 6 regions, 40 districts and 250 municipalities.

The country outline is a seeded, smoothly wobbling closed curve in the open South Atlantic (no
real land lies there). Each level is a Voronoi tessellation of seeded points clipped to the
parent polygon, so the areas of one level tile their parent exactly and never overlap; all
coordinates are snapped to a 1e-5 degree grid (about a metre) and stored as GeoJSON. A few
cities shape a density field: municipalities are smaller where people are many, and each
municipality is called urban, intermediate or rural by the density at its centre.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry

from salus.demo.config import DemoConfig
from salus.demo.names import CAPITAL_NAMES, COUNTRY_NAMES, PlaceNamer
from salus.domain.incidents.model import Area

COUNTRY_CODE = "VD"
CENTRE = (-24.0, -21.0)
RADIUS = (2.6, 2.0)
GRID = 1e-5
DIGITS = 5
SETTINGS = ("urban", "intermediate", "rural")


@dataclass(slots=True)
class Place:
    """An area of the demo country with what the generator needs to know about it."""

    code: str
    level: int
    parent: str | None
    names: dict[str, str]
    shape: BaseGeometry
    centre: tuple[float, float]
    density: float
    setting: str = ""

    def area(self) -> Area:
        return Area(
            self.code,
            self.names["en"],
            self.level,
            self.parent,
            dict(self.names),
            geojson(self.shape),
        )


@dataclass(slots=True)
class Country:
    """Every place, level by level, in code order, plus municipal neighbourhoods."""

    places: list[Place]
    cities: np.ndarray
    neighbours: dict[str, tuple[str, ...]] = field(default_factory=dict)
    index: dict[str, Place] = field(default_factory=dict, repr=False)

    def level(self, level: int) -> list[Place]:
        return [p for p in self.places if p.level == level]

    @property
    def municipalities(self) -> list[Place]:
        return self.level(3)

    def areas(self) -> list[Area]:
        return [p.area() for p in self.places]

    def place(self, code: str) -> Place:
        """The place with this code."""
        if not self.index:
            self.index.update((p.code, p) for p in self.places)
        return self.index[code]


def build_country(config: DemoConfig) -> Country:
    """Draw the whole map from ``config.stream("geography")``."""
    rng = config.stream("geography")
    outline = _snap(_outline(rng))
    cities = _cities(rng, outline)
    namer = PlaceNamer(rng, {CAPITAL_NAMES["en"]})
    country = Place(
        COUNTRY_CODE,
        0,
        None,
        dict(COUNTRY_NAMES),
        outline,
        _xy(outline.representative_point()),
        1.0,
    )
    regions = _children(
        country, _relaxed(rng, outline, config.regions, cities, 0.0, 2), cities, namer, 0.0
    )
    districts: list[Place] = []
    for region, n in zip(
        regions, _allocate([p.shape.area for p in regions], config.districts, 4), strict=True
    ):
        districts += _children(
            region, _relaxed(rng, region.shape, n, cities, 0.0, 2), cities, namer, 0.1
        )
    weights = [(_density(cities, *d.centre) * d.shape.area) ** 0.6 for d in districts]
    municipalities: list[Place] = []
    for district, n in zip(districts, _allocate(weights, config.municipalities, 3), strict=True):
        seeds = _relaxed(rng, district.shape, n, cities, 1.0, 1)
        municipalities += _children(district, seeds, cities, namer, 0.25)
    places = [country, *regions, *districts, *municipalities]
    _make_coverage(places)
    _classify(municipalities)
    _name_capital(municipalities, cities)
    return Country(places, cities, _neighbours(municipalities))


def geojson(geom: BaseGeometry) -> dict[str, Any]:
    """GeoJSON of a (snapped) geometry with coordinates rounded to the grid, as lists."""
    rounded: dict[str, Any] = _rounded(mapping(geom))
    return rounded


def _rounded(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_rounded(v) for v in value]
    if isinstance(value, float):
        return round(value, DIGITS)
    return value


def _snap(geom: BaseGeometry) -> BaseGeometry:
    """Snap to the grid and keep only the polygonal parts, rebuilt from rounded GeoJSON."""
    snapped = shapely.set_precision(geom, GRID)
    polygons = [g for g in shapely.get_parts(snapped) if isinstance(g, Polygon) and not g.is_empty]
    merged: BaseGeometry = polygons[0] if len(polygons) == 1 else MultiPolygon(polygons)
    return shape(geojson(merged))


def _outline(rng: np.random.Generator) -> Polygon:
    """A star-shaped blob: a circle whose radius wobbles with a few seeded harmonics."""
    theta = np.linspace(0.0, 2 * np.pi, 360, endpoint=False)
    radius = np.ones_like(theta)
    for k in range(2, 12):
        radius += rng.uniform(0.02, 0.16) / k**0.8 * np.cos(k * theta + rng.uniform(0, 2 * np.pi))
    radius = np.clip(radius, 0.55, None)
    x = CENTRE[0] + RADIUS[0] * radius * np.cos(theta)
    y = CENTRE[1] + RADIUS[1] * radius * np.sin(theta)
    return Polygon(np.column_stack([x, y]))


def _cities(rng: np.random.Generator, outline: BaseGeometry) -> np.ndarray:
    """Rows of (x, y, weight, spread): the capital, four cities, then eight market towns."""
    points = _uniform_points(rng, outline.buffer(-0.3), 13)
    weight = np.array([1.0, *np.sort(rng.uniform(0.3, 0.6, 4))[::-1], *rng.uniform(0.08, 0.18, 8)])
    spread = np.array([0.28, *rng.uniform(0.14, 0.2, 4), *rng.uniform(0.3, 0.5, 8)])
    return np.column_stack([points, weight, spread])


def _density(cities: np.ndarray, x: Any, y: Any) -> Any:
    """Relative population density at (x, y): a rural floor plus a bump for each city."""
    total = 0.04
    for cx, cy, w, s in cities:
        total = total + w * np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * s**2))
    return total


def _uniform_points(
    rng: np.random.Generator,
    poly: BaseGeometry,
    n: int,
    cities: np.ndarray | None = None,
    power: float = 0.0,
) -> np.ndarray:
    """``n`` points inside ``poly``, uniform or weighted by ``density ** power``."""
    x0, y0, x1, y1 = poly.bounds
    found: list[np.ndarray] = []
    count = 0
    while count < n:
        xy = rng.uniform((x0, y0), (x1, y1), size=(max(64, 8 * n), 2))
        keep = shapely.contains_xy(poly, xy[:, 0], xy[:, 1])
        if cities is not None and power > 0:
            d = _density(cities, xy[:, 0], xy[:, 1]) ** power
            keep &= rng.random(len(xy)) < d / _density(cities, cities[:, 0], cities[:, 1]).max()
        found.append(xy[keep])
        count += int(keep.sum())
    return np.concatenate(found)[:n]


def _relaxed(
    rng: np.random.Generator,
    poly: BaseGeometry,
    n: int,
    cities: np.ndarray,
    power: float,
    rounds: int,
) -> np.ndarray:
    """Seed points, moved ``rounds`` times to the centroid of their cell (Lloyd relaxation)."""
    seeds = _uniform_points(rng, poly, n, cities, power)
    for _ in range(rounds):
        cells = _cells(poly, seeds)
        moved = np.array([_xy(c.centroid) for c in cells])
        inside = shapely.contains_xy(poly, moved[:, 0], moved[:, 1])
        seeds = np.where(inside[:, None], moved, seeds)
    return seeds


def _cells(poly: BaseGeometry, seeds: np.ndarray) -> list[BaseGeometry]:
    """The Voronoi cells of ``seeds`` clipped to ``poly``, in the order of the seeds."""
    diagram = shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=poly, ordered=True)
    return [shapely.intersection(cell, poly) for cell in shapely.get_parts(diagram)]


def _children(
    parent: Place, seeds: np.ndarray, cities: np.ndarray, namer: PlaceNamer, prefix_share: float
) -> list[Place]:
    """Tile ``parent`` with one child per seed, coded north to south, west to east."""
    order = np.lexsort((np.round(seeds[:, 0], 6), -np.round(seeds[:, 1], 6)))
    cells = _cells(parent.shape, seeds)
    out = []
    for number, i in enumerate(order, start=1):
        centre = (round(float(seeds[i, 0]), DIGITS), round(float(seeds[i, 1]), DIGITS))
        cell = _snap(cells[i])
        if not shapely.contains_xy(cell, *centre):
            centre = _xy(cell.representative_point())
        out.append(
            Place(
                f"{parent.code}{number:02d}",
                parent.level + 1,
                parent.code,
                namer.draw(prefix_share),
                cell,
                centre,
                float(_density(cities, *centre)),
            )
        )
    return out


def _make_coverage(places: list[Place]) -> None:
    """Make the map an exact coverage on the grid: every border shared vertex for vertex.

    Clipping each level to its parent and snapping each cell on its own leaves slivers of a
    few square metres between a parent's outline and its children's. So all municipal borders
    are noded together on the grid (a snap-rounding union), cut into faces, each face given to
    the municipality that holds it, and every larger area rebuilt as the union of its children.
    """
    towns = [p for p in places if p.level == 3]
    lines = shapely.union_all([t.shape.boundary for t in towns], grid_size=GRID)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(lines)))
    tree = shapely.STRtree([t.shape for t in towns])
    owned: list[list[BaseGeometry]] = [[] for _ in towns]
    for face in faces:
        probe = face.point_on_surface()
        hits = [int(i) for i in tree.query(probe, predicate="within")]
        if not hits:
            hits = [int(tree.nearest(probe))]
        owned[min(hits)].append(face)
    for town, pieces in zip(towns, owned, strict=True):
        town.shape = _snap(shapely.union_all(pieces, grid_size=GRID))
    for level in (2, 1, 0):
        for parent in (p for p in places if p.level == level):
            kids = [p.shape for p in places if p.parent == parent.code]
            parent.shape = _snap(shapely.union_all(kids, grid_size=GRID))
    for place in places:
        if not shapely.contains_xy(place.shape, *place.centre):
            place.centre = _xy(place.shape.point_on_surface())


def _allocate(weights: list[float], total: int, minimum: int) -> list[int]:
    """Split ``total`` in proportion to ``weights`` (largest remainder), at least ``minimum``."""
    w = np.asarray(weights, dtype=float)
    spare = total - minimum * len(w)
    if spare < 0:
        raise ValueError(f"cannot give {len(w)} parts at least {minimum} out of {total}")
    exact = spare * w / w.sum()
    counts = np.floor(exact).astype(int)
    rest = spare - int(counts.sum())
    counts[np.argsort(-(exact - counts), kind="stable")[:rest]] += 1
    return [int(c) + minimum for c in counts]


def _classify(municipalities: list[Place]) -> None:
    """Urban: the densest 22 % of municipalities; intermediate: the next 33 %; rural: the rest."""
    rank = np.argsort(-np.array([m.density for m in municipalities]), kind="stable")
    n = len(municipalities)
    for position, i in enumerate(rank):
        share = position / n
        municipalities[i].setting = SETTINGS[0 if share < 0.22 else 1 if share < 0.55 else 2]


def _name_capital(municipalities: list[Place], cities: np.ndarray) -> None:
    """The municipality at the capital's centre is Verdana."""
    capital = next(
        (m for m in municipalities if m.shape.covers(shapely.Point(cities[0, :2]))),
        municipalities[0],
    )
    capital.names = dict(CAPITAL_NAMES)


def _neighbours(municipalities: list[Place]) -> dict[str, tuple[str, ...]]:
    """Code → codes of the municipalities sharing a border with it (sorted)."""
    shapes = [m.shape for m in municipalities]
    tree = shapely.STRtree(shapes)
    out: dict[str, tuple[str, ...]] = {}
    for i, m in enumerate(municipalities):
        near = tree.query(m.shape, predicate="intersects")
        codes = [
            municipalities[j].code
            for j in sorted(int(k) for k in near)
            if j != i and shapely.intersection(m.shape, shapes[j]).length > 0
        ]
        out[m.code] = tuple(codes)
    return out


def _xy(point: shapely.Point) -> tuple[float, float]:
    return (round(float(point.x), DIGITS), round(float(point.y), DIGITS))
