"""Read SaTScan's input files so that its analyses can be rerun here.

Supported: case files (``id count time [covariates...]``), coordinates files (``id lat long`` or
``id x y``), population files (``id year population [covariates...]``) and the ``.prm``
parameter file, for yearly or daily time units; the Poisson and space-time permutation models,
retrospective and prospective space-time analyses. SaTScan's conventions kept here: a population
given for a year refers to 1 July of that year; expected counts are indirectly standardised over
the covariate categories present in both the case and population files; a maximum temporal size
given as a percentage is rounded down to whole time units.
"""

from __future__ import annotations

import configparser
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from salus.analytics.alerts.scan.expected import person_time, standardised_expected
from salus.analytics.alerts.scan.options import ScanOptions

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class SaTScanAnalysis:
    """A SaTScan analysis reduced to what :mod:`salus.analytics.alerts.scan` reads."""

    model: str
    counts: FloatArray
    expected: FloatArray | None
    coordinates: FloatArray
    location_ids: tuple[str, ...]
    time_labels: tuple[str, ...]
    options: ScanOptions


def read_parameters(path: str | Path) -> dict[str, str]:
    """Every ``key=value`` of a ``.prm`` file, sections flattened."""
    parser = configparser.ConfigParser(comment_prefixes=(";",), inline_comment_prefixes=None,
                                       interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(path, encoding="latin-1")
    return {k: v.strip() for section in parser.sections() for k, v in parser[section].items()}


def _rows(path: Path) -> list[list[str]]:
    return [line.split() for line in path.read_text(encoding="latin-1").splitlines()
            if line.strip()]


def read_coordinates(path: str | Path, latitude_longitude: bool) -> tuple[list[str], FloatArray]:
    """Location ids and coordinates; ``lat long`` files come back as ``(longitude, latitude)``."""
    rows = _rows(Path(path))
    values = np.array([[float(r[1]), float(r[2])] for r in rows])
    return [r[0] for r in rows], values[:, ::-1].copy() if latitude_longitude else values


def _date(text: str) -> dt.date:
    parts = [int(p) for p in text.replace("-", "/").split("/")]
    return dt.date(*[*parts, 1, 1][:3])


def _units(start: dt.date, end: dt.date, precision: int) -> tuple[list[dt.date], list[str]]:
    """Start day of each time unit (and one past the end) and the units' labels."""
    if precision == 1:
        years = range(start.year, end.year + 1)
        return [dt.date(y, 1, 1) for y in [*years, end.year + 1]], [str(y) for y in years]
    if precision == 3:
        days = [start + dt.timedelta(d) for d in range((end - start).days + 2)]
        return days, [d.isoformat() for d in days[:-1]]
    raise ValueError("only yearly (1) and daily (3) time units are supported")


def _unit_of(text: str, edges: list[dt.date], precision: int) -> int:
    when = dt.date(int(text), 1, 1) if precision == 1 else _date(text)
    return int(np.searchsorted(np.array([e.toordinal() for e in edges]), when.toordinal(),
                               side="right")) - 1


def _read_cases(path: Path, index: dict[str, int], edges: list[dt.date], precision: int,
                categories: dict[tuple[str, ...], int]) -> tuple[FloatArray, FloatArray]:
    counts = np.zeros((len(index), len(edges) - 1))
    by_category = np.zeros(max(1, len(categories)))
    for row in _rows(path):
        unit = _unit_of(row[2], edges, precision)
        if 0 <= unit < counts.shape[1]:
            counts[index[row[0]], unit] += float(row[1])
            by_category[categories.get(tuple(row[3:]), 0)] += float(row[1])
    return counts, by_category


def _read_population(path: Path, index: dict[str, int]
                     ) -> tuple[FloatArray, FloatArray, dict[tuple[str, ...], int]]:
    rows = _rows(path)
    years = sorted({int(r[1]) for r in rows})
    full = [y + 1900 if y < 100 else y for y in years]
    categories = {c: i for i, c in enumerate(sorted({tuple(r[3:]) for r in rows}))}
    pop = np.zeros((len(index), len(categories), len(years)))
    for r in rows:
        pop[index[r[0]], categories[tuple(r[3:])], years.index(int(r[1]))] += float(r[2])
    census = np.array([dt.date(y, 7, 1).toordinal() for y in full], dtype=np.float64)
    return census, pop, categories


def _options(p: dict[str, str], n_times: int) -> ScanOptions:
    size = float(p.get("MaxTemporalSize", "50"))
    in_units = p.get("MaxTemporalSizeInterpretation", "0") == "1"
    radius = float(p["MaxSpatialSizeInDistanceFromCenter"]) \
        if p.get("UseDistanceFromCenterOption", "n") == "y" else None
    return ScanOptions(
        seed=12345678, prospective=p.get("AnalysisType") == "4",
        max_duration=int(size) if in_units else int(np.floor(size / 100.0 * n_times + 1e-9)),
        min_duration=int(p.get("MinimumTemporalClusterSize", "1")),
        max_share=float(p.get("MaxSpatialSizeInPopulationAtRisk", "50")) / 100.0,
        max_radius=radius,
        metric="haversine" if p.get("CoordinatesType") == "1" else "euclidean",
        replicates=int(p.get("MonteCarloReps", "999")),
        min_cases=int(p.get("MinimumCasesInHighRateClusters", "2")))


def read_analysis(prm: str | Path) -> SaTScanAnalysis:
    """Counts, expected counts, coordinates and options of a SaTScan parameter file.

    Files named in the parameters are looked up beside the ``.prm`` file. The seed is fixed
    (12345678, SaTScan's default); change it with :func:`dataclasses.replace`.
    """
    folder, p = Path(prm).parent, read_parameters(prm)
    precision = int(p.get("TimeAggregationUnits", p.get("PrecisionCaseTimes", "3")))
    edges, labels = _units(_date(p["StartDate"]), _date(p["EndDate"]), precision)
    ids, xy = read_coordinates(folder / p["CoordinatesFile"], p.get("CoordinatesType") == "1")
    index = {name: i for i, name in enumerate(ids)}
    model = {"0": "poisson", "2": "space-time permutation"}[p.get("ModelType", "0")]
    expected: FloatArray | None = None
    categories: dict[tuple[str, ...], int] = {}
    if model == "poisson":
        census, pop, categories = _read_population(folder / p["PopulationFile"], index)
    counts, by_category = _read_cases(folder / p["CaseFile"], index, edges, precision,
                                      categories)
    if model == "poisson":
        pt = person_time(census, pop, [e.toordinal() for e in edges])
        expected = standardised_expected(pt, by_category)
    return SaTScanAnalysis(model, counts, expected, xy, tuple(ids), tuple(labels),
                           _options(p, counts.shape[1]))
