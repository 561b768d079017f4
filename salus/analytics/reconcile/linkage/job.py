"""One reconciliation job end to end, on frames: link, cluster, count, estimate, queue.

The use case (:mod:`salus.usecases.reconcile.jobs`) reads the records from the store and keeps the
result; this function is what it, the benchmark and the tests share.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from salus.analytics.reconcile.linkage.clusters import Decisions, cluster_records
from salus.analytics.reconcile.linkage.engine import LinkageRun, TrainingOptions, link_records
from salus.analytics.reconcile.linkage.figures import ReconciledTable, reconcile_figures
from salus.analytics.reconcile.linkage.periods import attribute_periods
from salus.analytics.reconcile.linkage.review import DEFAULT_BAND, review_queue


@dataclass(frozen=True)
class JobOptions:
    """Threshold for a link, review band, training options and interval level."""

    threshold: float = 0.5
    band: tuple[float, float] = DEFAULT_BAND
    confidence: float = 0.95
    training: TrainingOptions = field(default_factory=TrainingOptions)


@dataclass(frozen=True)
class JobResult:
    """Scored pairs, clusters (one row per record), the reconciled table and the queue."""

    run: LinkageRun
    clusters: pd.DataFrame
    table: ReconciledTable
    queue: pd.DataFrame

    @property
    def model(self) -> dict[str, Any]:
        return self.run.model


def run_job(
    records: pd.DataFrame,
    sources: Sequence[str],
    decisions: pd.DataFrame | None = None,
    options: JobOptions | None = None,
) -> JobResult:
    """Reconcile ``records`` (the frame of :mod:`.records` plus ``period`` and ``area``, and
    optionally ``record_group``: victims listed in one source record, never one person).

    Records whose ``period`` is ``None`` lie beyond the job's edges: they are linked like the
    others, and a cluster belongs to the period of its earliest record (see
    :mod:`.periods`); ``clusters`` and the table hold only the clusters of the job's periods.

    ``decisions``: earlier reviewer decisions (``record_id_l``, ``record_id_r``, ``is_match``),
    applied as fixed links and non-links and, when numerous, as training labels. A record
    without a name joins at most one cluster of named records (see :func:`cluster_records`).
    """
    options = options or JobOptions()
    fixed = Decisions.from_frame(decisions)
    run = link_records(records, labels=decisions, options=options.training)
    groups = records["record_group"] if "record_group" in records.columns else None
    named = records["given_name"].notna() | records["family_name"].notna()
    clusters = cluster_records(records["record_id"], run.pairs, options.threshold, fixed, groups,
                               named)
    clusters = attribute_periods(clusters, records)
    info = records[["record_id", "source", "area"]].assign(
        record_id=records["record_id"].astype(str)
    )
    clusters = clusters.merge(info, on="record_id", how="left")
    table = reconcile_figures(clusters, clusters, sources, options.confidence)
    kept = set(clusters["record_id"])
    inside = run.pairs["record_id_l"].isin(kept) & run.pairs["record_id_r"].isin(kept)
    queue = review_queue(run.pairs[inside], clusters, table.to_frame(), options.band, fixed)
    return JobResult(run, clusters, table, queue)
