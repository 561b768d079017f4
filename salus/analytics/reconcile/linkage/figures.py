"""Reconciled figures per period and area, from linked clusters of records.

For each stratum (period × area) and for the whole job: how many victims each source recorded
(after removing its own duplicates), how many at least two sources confirm, the consolidated
number of distinct victims, and a multiple-systems estimate of the total including victims no
source recorded (:mod:`salus.analytics.reconcile.mse`: log-linear models chosen by BIC,
profile-likelihood
interval; Ball et al. 2002). A cluster is placed in the period and area that most of its records
give (ties: the order of ``sources``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from salus.analytics.reconcile.mse import (
    CaptureTable,
    CaptureTableError,
    NotEstimableError,
    estimate_total,
)

ALL = "all"


@dataclass(frozen=True)
class ReconciledRow:
    """Figures of one stratum; ``estimate`` and its limits are NaN where no model applies."""

    period: str
    area: str
    per_source: dict[str, int]
    confirmed: int
    unique: int
    estimate: float = math.nan
    lower: float = math.nan
    upper: float = math.nan
    model: str = ""


@dataclass(frozen=True)
class ReconciledTable:
    """One row per stratum, then the total row (period and area ``all``)."""

    sources: tuple[str, ...]
    rows: tuple[ReconciledRow, ...] = field(default_factory=tuple)

    def to_frame(self) -> pd.DataFrame:
        records = []
        for row in self.rows:
            flat = asdict(row)
            per_source = flat.pop("per_source")
            records.append({"period": flat.pop("period"), "area": flat.pop("area"),
                            **{s: per_source.get(s, 0) for s in self.sources}, **flat})
        return pd.DataFrame.from_records(records)


def reconcile_figures(
    records: pd.DataFrame,
    clusters: pd.DataFrame,
    sources: Sequence[str],
    confidence: float = 0.95,
) -> ReconciledTable:
    """Figures from ``records`` (``record_id``, ``source``, ``period``, ``area``) and
    ``clusters`` (``record_id``, ``cluster_id``) of :func:`~.clusters.cluster_records`."""
    joined = records[["record_id", "source", "period", "area"]].merge(
        clusters[["record_id", "cluster_id"]], on="record_id", how="inner"
    )
    victims = _victims(joined, list(sources))
    rows = [
        _row(str(period), str(area), group, sources, confidence)
        for (period, area), group in victims.groupby(["period", "area"], sort=True)
    ]
    rows.append(_row(ALL, ALL, victims, sources, confidence))
    return ReconciledTable(tuple(sources), tuple(rows))


def _victims(joined: pd.DataFrame, sources: list[str]) -> pd.DataFrame:
    """One row per cluster: its period, area and ``mask``, the bit set of sources recording it."""
    rank = {s: i for i, s in enumerate(sources)}
    joined = joined.assign(rank=joined["source"].map(rank).fillna(len(rank)))
    place = (
        joined.groupby(["cluster_id", "period", "area"], as_index=False)
        .agg(n=("record_id", "size"), rank=("rank", "min"))
        .sort_values(["cluster_id", "n", "rank"], ascending=[True, False, True])
        .drop_duplicates("cluster_id")
    )
    place["mask"] = place["cluster_id"].map(source_masks(joined, sources))
    return place[["cluster_id", "period", "area", "mask"]]


def source_masks(joined: pd.DataFrame, sources: Sequence[str]) -> pd.Series:
    """Per cluster id, the sources that recorded it as bits (bit ``i`` = ``sources[i]``)."""
    bits = {s: 1 << i for i, s in enumerate(sources)}
    distinct = joined[["cluster_id", "source"]].drop_duplicates()
    values = distinct["source"].map(bits).fillna(0).astype("int64")
    return values.groupby(distinct["cluster_id"]).sum()


def _row(period: str, area: str, victims: pd.DataFrame, sources: Sequence[str],
         confidence: float) -> ReconciledRow:
    masks = victims["mask"].to_numpy(dtype=np.int64)
    flags = np.column_stack([(masks >> i) & 1 for i in range(len(sources))])
    per_source = {s: int(flags[:, i].sum()) for i, s in enumerate(sources)}
    confirmed = int((flags.sum(axis=1) >= 2).sum())
    row = ReconciledRow(period, area, per_source, confirmed, len(masks))
    if len(sources) < 2:
        return row
    counts = victims["mask"].value_counts()
    patterns = {
        tuple((int(m) >> i) & 1 for i in range(len(sources))): float(c)
        for m, c in counts.items() if m
    }
    try:
        result = estimate_total(CaptureTable.from_counts(sources, patterns),
                                confidence=confidence)
    except (NotEstimableError, CaptureTableError):
        return row
    return ReconciledRow(period, area, per_source, confirmed, len(masks), result.total,
                         result.lower, result.upper, result.chosen.formula)
