"""From scored pairs to clusters — one real-world victim each — with a confidence.

Pairs at or above the threshold are links; reviewers' decisions override the model: a confirmed
match is a link whatever its score, a rejected pair is never one. Clusters grow by merging along
links in decreasing order of probability (single-linkage agglomeration, as a union–find), except
that a merge is refused when it would put in one cluster two records of the same *group* (two
victims listed in one incident record are two people) or a pair a reviewer rejected, or when it
would join two clusters of named records through a record without a name (an unidentified body
or an unnamed press report that fits two victims on date and place joins only the likelier). Without
constraints this is exactly the connected components of the links. A cluster's *confidence* is
the lower of

* its weakest necessary link: the smallest probability on the maximum spanning tree of its
  links (the bottleneck that holds it together), 1 for a single record; and
* one minus its strongest rejected neighbour: the highest probability of a pair below the
  threshold joining it to another cluster (how sure we are that it is complete).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


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
    groups: pd.Series | None = None,
    named: pd.Series | None = None,
) -> pd.DataFrame:
    """Cluster records; returns ``record_id``, ``cluster_id``, ``cluster_size``, ``confidence``.

    ``groups`` (aligned with ``record_ids``): records sharing a group are never clustered
    together. ``named`` (aligned, bool): whether a record carries a name; without it every
    record counts as named. ``cluster_id`` is the smallest record id of the cluster, so it is
    stable across runs that produce the same cluster.
    """
    decisions = decisions or Decisions()
    ids = pd.Index(record_ids.astype(str))
    if ids.has_duplicates:
        raise ValueError("record ids must be unique")
    scored = _apply_decisions(pairs, decisions)
    left = ids.get_indexer(scored["record_id_l"].astype(str))
    right = ids.get_indexer(scored["record_id_r"].astype(str))
    prob = scored["match_probability"].to_numpy(dtype=float)
    known = (left >= 0) & (right >= 0)
    left, right, prob = left[known], right[known], prob[known]
    order = np.argsort(-prob, kind="stable")
    left, right, prob = left[order], right[order], prob[order]
    link = prob >= threshold
    group_codes = _group_codes(groups, len(ids))
    flags = None if named is None else np.asarray(named, dtype=bool)
    labels, link = _merge(len(ids), left, right, link,
                          _Constraints(group_codes, _rejected(ids, decisions), flags))
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


def _group_codes(groups: pd.Series | None, n: int) -> np.ndarray | None:
    if groups is None:
        return None
    codes, _ = pd.factorize(groups.astype(str).to_numpy())
    if len(codes) != n:
        raise ValueError("groups must align with record_ids")
    return np.asarray(codes)


def _rejected(ids: pd.Index, decisions: Decisions) -> dict[int, set[int]]:
    out: dict[int, set[int]] = {}
    for a, b in decisions.non_matches:
        i, j = ids.get_indexer([a, b])
        if i >= 0 and j >= 0:
            out.setdefault(int(i), set()).add(int(j))
            out.setdefault(int(j), set()).add(int(i))
    return out


@dataclass(frozen=True)
class _Constraints:
    groups: np.ndarray | None
    rejected: dict[int, set[int]]
    named: np.ndarray | None

    @property
    def empty(self) -> bool:
        return self.groups is None and not self.rejected and self.named is None


def _merge(n: int, left: np.ndarray, right: np.ndarray, link: np.ndarray,
           constraints: _Constraints) -> tuple[np.ndarray, np.ndarray]:
    """Union–find along links (strongest first) that refuses merges breaking a constraint.

    Returns each record's component label and which links were used.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    if constraints.empty:
        graph = coo_matrix((np.ones(int(link.sum())), (left[link], right[link])), shape=(n, n))
        _, labels = connected_components(graph, directed=False)
        return np.asarray(labels), link
    forest = _ConstrainedForest(n, constraints)
    used = np.zeros(len(left), dtype=bool)
    for k in np.flatnonzero(link):
        used[k] = forest.union(int(left[k]), int(right[k]))
    labels = np.array([forest.find(i) for i in range(n)])
    return labels, used | (link & (labels[left] == labels[right]))


class _ConstrainedForest:
    """Union–find whose roots remember their members, groups and whether a name is known."""

    def __init__(self, n: int, constraints: _Constraints) -> None:
        self.parent = list(range(n))
        self.members: dict[int, set[int]] = {}
        self.groups: dict[int, set[int]] = {}
        if constraints.groups is not None:
            self.groups = {i: {int(g)} for i, g in enumerate(constraints.groups)}
        self.rejected = {i: set(v) for i, v in constraints.rejected.items()}
        self.named = constraints.named
        self.has_named = list(constraints.named) if constraints.named is not None else []

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb or self._through_unnamed(a, b, ra, rb):
            return False
        if self.groups and self.groups[ra] & self.groups[rb]:
            return False
        ma, mb = self.members.get(ra, {ra}), self.members.get(rb, {rb})
        if self.rejected and any(self.rejected.get(r, set()) & mb for r in ma):
            return False
        if len(ma) < len(mb):
            ra, rb, ma, mb = rb, ra, mb, ma
        self.parent[rb] = ra
        self.members[ra] = ma | mb
        self.members.pop(rb, None)
        if self.groups:
            self.groups[ra] |= self.groups.pop(rb)
        if self.has_named:
            self.has_named[ra] = self.has_named[ra] or self.has_named[rb]
        return True

    def _through_unnamed(self, a: int, b: int, ra: int, rb: int) -> bool:
        """Both clusters hold named records, and the link runs through a record without one."""
        if self.named is None:
            return False
        both_named_clusters = self.has_named[ra] and self.has_named[rb]
        return bool(both_named_clusters and not (self.named[a] and self.named[b]))


def _bottleneck(n: int, labels: np.ndarray, left: np.ndarray, right: np.ndarray,
                prob: np.ndarray) -> np.ndarray:
    """Per record: the weakest link on its cluster's maximum spanning tree (1 if alone)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import minimum_spanning_tree

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
