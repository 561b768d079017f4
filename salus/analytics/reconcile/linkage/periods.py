"""Attribute each cluster to one period, so that consecutive jobs never count a victim twice.

A job reads, besides the records of its period, those within :data:`MARGIN_DAYS` beyond each
edge (the date comparison's widest agreeing level, see :func:`~.settings.date_comparison`):
a death recorded on 31 December by the police and on 2 January by forensic medicine is one
victim, whichever of the two years is being reconciled. The records beyond the edges carry no
period (``None``). After clustering, a cluster belongs to the period of its **earliest recorded
date** (ties: the smaller record id): the death happened no later than the first date any
source gives. A cluster whose earliest record lies beyond the period's edges belongs to the
neighbouring period and is left out of this job; the job for that period, which sees the same
records, keeps it. So the 2024 and the 2025 jobs each count the boundary victim once between
them, and neither loses it.
"""

from __future__ import annotations

import pandas as pd

MARGIN_DAYS = 10
"""Days read beyond each edge of a job's period: the widest date difference the model
still scores as agreement ("dates 4–10 days apart")."""


def attribute_periods(clusters: pd.DataFrame, records: pd.DataFrame) -> pd.DataFrame:
    """The clusters attributed to a period of the job, every record given its cluster's period.

    ``clusters``: ``record_id``, ``cluster_id`` (one row per record); ``records``:
    ``record_id``, ``occurred_on`` and ``period`` (the label of the record's own period, or
    ``None`` beyond the job's edges). Returns the rows of ``clusters`` whose cluster's earliest
    record has a period, with a ``period`` column (replacing any there).
    """
    dates = records[["record_id", "occurred_on", "period"]].assign(
        record_id=records["record_id"].astype(str),
        occurred_on=pd.to_datetime(records["occurred_on"]),
    )
    joined = clusters.drop(columns=["period"], errors="ignore").merge(
        dates, on="record_id", how="left")
    first = (joined.sort_values(["cluster_id", "occurred_on", "record_id"])
             .drop_duplicates("cluster_id").set_index("cluster_id")["period"])
    joined["period"] = joined["cluster_id"].map(first)
    kept = joined[joined["period"].notna()]
    return kept.drop(columns=["occurred_on"]).reset_index(drop=True)
