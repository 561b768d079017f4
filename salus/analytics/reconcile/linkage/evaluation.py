"""Precision, recall and F1 of a linkage against known true identities.

Counted over record pairs (Christen 2012, *Data Matching*, §7.2): a predicted pair is two
records in the same predicted cluster, a true pair two records of the same true entity.
Pairwise counts follow from the contingency table of cluster × entity, so no pair is ever
materialised: ``sum C(n_ij, 2)`` true positives among ``sum C(n_i., 2)`` predicted pairs.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class LinkageQuality:
    """Pairwise precision, recall and F1 with the counts they come from."""

    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def precision(self) -> float:
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        truth = self.true_positives + self.false_negatives
        return self.true_positives / truth if truth else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def _pairs(sizes: pd.Series) -> int:
    return int((sizes * (sizes - 1) // 2).sum())


def cluster_quality(predicted: pd.Series, truth: pd.Series) -> LinkageQuality:
    """Compare predicted cluster ids with true entity ids (two aligned series, one per record)."""
    frame = pd.DataFrame({"p": predicted.to_numpy(), "t": truth.to_numpy()})
    both = _pairs(frame.groupby(["p", "t"]).size())
    predicted_pairs = _pairs(frame.groupby("p").size())
    true_pairs = _pairs(frame.groupby("t").size())
    return LinkageQuality(both, predicted_pairs - both, true_pairs - both)


def pair_quality(found: pd.DataFrame, truth: pd.Series) -> LinkageQuality:
    """Compare predicted pairs (``record_id_l``, ``record_id_r``) with true entity ids.

    ``truth`` is indexed by record id. Use for one-to-one linkage (FEBRL), where each predicted
    pair is a decision of its own.
    """
    left = truth.reindex(found["record_id_l"].astype(str)).to_numpy()
    right = truth.reindex(found["record_id_r"].astype(str)).to_numpy()
    hits = int((left == right).sum())
    true_pairs = _pairs(truth.groupby(truth).size())
    return LinkageQuality(hits, len(found) - hits, true_pairs - hits)
