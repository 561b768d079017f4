"""The review queue: uncertain pairs, those that move the totals most first.

A pair is uncertain when its match probability lies in the review band (default 0.1–0.95).
Its *impact* is how much a reviewer's answer can change the published figures:

``impact = uncertainty × (1 + cross × sensitivity)``

* ``uncertainty = 1 − |2p − 1|`` (1 at p = 0.5, 0 at certainty);
* every decision between two clusters changes the consolidated count by one;
* ``cross`` is 1 when the two clusters hold different sources, so that the decision also moves
  a victim between capture patterns (single-source ↔ confirmed by two or more);
* ``sensitivity`` is the stratum's ``estimate / confirmed``: with two lists the estimate is
  ``n1 n2 / m`` and ``|dN/dm| = N / m`` (Lincoln–Petersen; Bishop, Fienberg & Holland 1975,
  §6.2), so an overlap found or undone where few victims are confirmed moves the multiple-systems
  estimate most.

Pairs already decided by a reviewer are left out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from salus.analytics.reconcile.linkage.clusters import Decisions
from salus.analytics.reconcile.linkage.figures import source_masks

DEFAULT_BAND = (0.1, 0.95)


def review_queue(
    pairs: pd.DataFrame,
    clusters: pd.DataFrame,
    strata: pd.DataFrame,
    band: tuple[float, float] = DEFAULT_BAND,
    decisions: Decisions | None = None,
) -> pd.DataFrame:
    """Uncertain pairs ordered by impact.

    Parameters
    ----------
    pairs:
        Scored pairs (``record_id_l``, ``record_id_r``, ``match_probability`` …).
    clusters:
        ``record_id``, ``cluster_id`` and ``source``, ``period``, ``area`` of each record.
    strata:
        ``period``, ``area``, ``unique``, ``confirmed`` and ``estimate`` of the reconciled table.
    """
    low, high = band
    queue = pairs[(pairs["match_probability"] >= low) & (pairs["match_probability"] < high)]
    queue = _without_decided(queue, decisions or Decisions())
    info = clusters.set_index("record_id")
    left, right = info.loc[queue["record_id_l"]], info.loc[queue["record_id_r"]]
    masks = source_masks(clusters, sorted(clusters["source"].unique()))
    cross = (masks.reindex(left["cluster_id"]).to_numpy()
             != masks.reindex(right["cluster_id"]).to_numpy()).astype(float)
    sensitivity = _sensitivity(strata, left["period"].to_numpy(), left["area"].to_numpy())
    p = queue["match_probability"].to_numpy(dtype=float)
    out = queue.copy()
    out["cluster_l"] = left["cluster_id"].to_numpy()
    out["cluster_r"] = right["cluster_id"].to_numpy()
    out["uncertainty"] = 1.0 - np.abs(2.0 * p - 1.0)
    out["impact"] = out["uncertainty"] * (1.0 + cross * sensitivity)
    return out.sort_values(["impact", "record_id_l", "record_id_r"],
                           ascending=[False, True, True]).reset_index(drop=True)


def _without_decided(queue: pd.DataFrame, decisions: Decisions) -> pd.DataFrame:
    decided = decisions.matches | decisions.non_matches
    if not decided:
        return queue
    keys = [tuple(sorted((str(a), str(b))))
            for a, b in zip(queue["record_id_l"], queue["record_id_r"], strict=True)]
    return queue[[k not in decided for k in keys]]


def _sensitivity(strata: pd.DataFrame, periods: np.ndarray, areas: np.ndarray) -> np.ndarray:
    table = strata.set_index(["period", "area"])
    total = table["estimate"].where(table["estimate"].notna(), table["unique"])
    ratio = (total / table["confirmed"].clip(lower=1)).astype(float)
    keys = pd.MultiIndex.from_arrays([periods.astype(str), areas.astype(str)])
    return np.asarray(np.nan_to_num(ratio.reindex(keys).to_numpy(), nan=1.0), dtype=float)
