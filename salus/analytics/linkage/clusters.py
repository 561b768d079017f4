"""From scored pairs to clusters — one real-world victim each — with a confidence.

Pairs at or above the threshold are links; reviewers' decisions override the model: a confirmed
match is a link whatever its score, a rejected pair is never one. Clusters are the connected
components of the links (the transitive closure used by Splink and by Sadinle & Fienberg 2013
as its simplest form). A cluster's *confidence* is the lower of

* its weakest necessary link: the smallest probability on the maximum spanning tree of its
  links (the bottleneck that holds it together), 1 for a single record; and
* one minus its strongest rejected neighbour: the highest probability of a pair below the
  threshold joining it to another cluster (how sure we are that it is complete).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components, minimum_spanning_tree


@dataclass(frozen=True)
class Decisions:
    """Reviewer decisions as pairs of record ids (order within a pair does not matter)."""

    matches: frozenset[tuple[str, str]] = frozenset()
    non_matches: frozenset[tuple[str, str]] = frozenset()

    @classmethod
    def from_frame(cls, frame: pd.DataFrame | None) -> Decisions:
        """From ``record_id_l``, ``record_id_r``, ``is_match``; ``unsure`` rows are left out."""
        if frame is None or frame.empty:
            return cls()
        pairs = [
            (_ordered(str(a), str(b)), bool(m))
            for a, b, m in zip(frame["record_id_l"], frame["record_id_r"], frame["is_match"],
                               strict=True)
        ]
        return cls(frozenset(p for p, m in pairs if m), frozenset(p for p, m in pairs if not m))


def _ordered(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a <= b else (b, a)


def cluster_records(
    record_ids: pd.Series,
    pairs: pd.DataFrame,
    threshold: float = 0.5,
    decisions: Decisions | None = None,
) -> pd.DataFrame:
    """Cluster records; returns ``record_id``, ``cluster_id``, ``cluster_size``, ``confidence``.

    ``cluster_id`` is the smallest record id of the cluster, so it is stable across runs that
    produce the same cluster.
    """
    decisions = decisions or Decisions()
    ids = pd.Index(record_ids.astype(str).unique())
    scored = _apply_decisions(pairs, decisions)
    left = ids.get_indexer(scored["record_id_l"].astype(str))
    right = ids.get_indexer(scored["record_id_r"].astype(str))
    prob = scored["match_probability"].to_numpy(dtype=float)
    known = (left >= 0) & (right >= 0)
    left, right, prob = left[known], right[known], prob[known]
    link = prob >= threshold
    labels = _components(len(ids), left[link], right[link])
    out = pd.DataFrame({"record_id": ids, "component": labels})
    out["cluster_id"] = out.groupby("component")["record_id"].transform("min")
    out["cluster_size"] = out.groupby("component")["record_id"].transform("size")
    inner = _bottleneck(len(ids), labels, left[link], right[link], prob[link])
    outer = _strongest_rejected(len(ids), labels, left[~link], right[~link], prob[~link])
    out["confidence"] = np.minimum(inner, 1.0 - outer)
    return out.drop(columns="component")


def _apply_decisions(pairs: pd.DataFrame, decisions: Decisions) -> pd.DataFrame:
    frame = pairs[["record_id_l", "record_id_r", "match_probability"]].copy()
    if not decisions.matches and not decisions.non_matches:
        return frame
    keys = pd.Series(list(zip(frame["record_id_l"].astype(str), frame["record_id_r"].astype(str),
                              strict=True)), index=frame.index).map(lambda p: _ordered(*p))
    frame.loc[keys.isin(decisions.non_matches), "match_probability"] = 0.0
    frame.loc[keys.isin(decisions.matches), "match_probability"] = 1.0
    extra = decisions.matches - set(keys)
    if extra:
        added = pd.DataFrame(sorted(extra), columns=["record_id_l", "record_id_r"])
        added["match_probability"] = 1.0
        frame = pd.concat([frame, added], ignore_index=True)
    return frame


def _components(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    graph = coo_matrix((np.ones(len(left)), (left, right)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    return np.asarray(labels)


def _bottleneck(n: int, labels: np.ndarray, left: np.ndarray, right: np.ndarray,
                prob: np.ndarray) -> np.ndarray:
    """Per record: the weakest link on its cluster's maximum spanning tree (1 if alone)."""
    result = np.ones(labels.max() + 1 if n else 0)
    if len(left):
        cost = 2.0 - np.clip(prob, 0.0, 1.0)  # positive costs: minimum tree = maximum prob
        tree = minimum_spanning_tree(coo_matrix((cost, (left, right)), shape=(n, n))).tocoo()
        np.minimum.at(result, labels[tree.row], 2.0 - tree.data)
    return np.asarray(result[labels], dtype=float)


def _strongest_rejected(n: int, labels: np.ndarray, left: np.ndarray, right: np.ndarray,
                        prob: np.ndarray) -> np.ndarray:
    """Per record: the highest probability of a sub-threshold pair leaving its cluster."""
    result = np.zeros(labels.max() + 1 if n else 0)
    across = labels[left] != labels[right]
    for side in (left[across], right[across]):
        np.maximum.at(result, labels[side], prob[across])
    return np.asarray(result[labels], dtype=float)
