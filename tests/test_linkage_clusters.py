"""Clusters from scored pairs: thresholds, reviewer decisions, one-record groups, confidence;
pairwise quality; the review queue's order; reconciled figures."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from salus.analytics.reconcile.linkage import (
    Decisions,
    cluster_quality,
    cluster_records,
    pair_quality,
    reconcile_figures,
    review_queue,
)

IDS = pd.Series(["a", "b", "c", "d", "e"])


def _pairs(*rows: tuple[str, str, float]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["record_id_l", "record_id_r", "match_probability"])


def _clusters(frame: pd.DataFrame) -> set[frozenset[str]]:
    return {frozenset(g["record_id"]) for _, g in frame.groupby("cluster_id")}


def test_links_above_the_threshold_form_connected_clusters() -> None:
    pairs = _pairs(("a", "b", 0.99), ("b", "c", 0.8), ("d", "e", 0.3))
    out = cluster_records(IDS, pairs, threshold=0.5)
    assert _clusters(out) == {frozenset("abc"), frozenset("d"), frozenset("e")}
    assert set(out.loc[out["record_id"] == "c", "cluster_id"]) == {"a"}


def test_confidence_is_the_weakest_link_or_the_strongest_rejected_pair() -> None:
    pairs = _pairs(("a", "b", 0.99), ("b", "c", 0.8), ("c", "d", 0.3))
    out = cluster_records(IDS, pairs, threshold=0.5).set_index("record_id")
    assert out.loc["a", "confidence"] == pytest.approx(0.7)  # 1 - 0.3 to d
    assert out.loc["d", "confidence"] == pytest.approx(0.7)
    assert out.loc["e", "confidence"] == 1.0
    alone = cluster_records(IDS, _pairs(("a", "b", 0.99), ("b", "c", 0.8)), 0.5)
    assert alone.set_index("record_id").loc["a", "confidence"] == pytest.approx(0.8)


def test_reviewer_decisions_override_the_model() -> None:
    pairs = _pairs(("a", "b", 0.99), ("c", "d", 0.2))
    decisions = Decisions(matches=frozenset({("c", "d"), ("d", "e")}),
                          non_matches=frozenset({("a", "b")}))
    out = cluster_records(IDS, pairs, 0.5, decisions)
    assert _clusters(out) == {frozenset("a"), frozenset("b"), frozenset("cde")}


def test_a_rejected_pair_is_never_joined_through_a_third_record() -> None:
    pairs = _pairs(("a", "c", 0.99), ("b", "c", 0.9))
    decisions = Decisions(non_matches=frozenset({("a", "b")}))
    out = cluster_records(IDS, pairs, 0.5, decisions)
    assert _clusters(out) == {frozenset("ac"), frozenset("b"), frozenset("d"), frozenset("e")}


def test_two_victims_of_one_record_stay_two_people() -> None:
    pairs = _pairs(("a", "c", 0.99), ("b", "c", 0.95), ("b", "d", 0.9))
    groups = pd.Series(["inc1", "inc1", "x", "y", "z"])
    out = cluster_records(IDS, pairs, 0.5, groups=groups)
    assert _clusters(out) == {frozenset("ac"), frozenset("bd"), frozenset("e")}
    refused = out.set_index("record_id").loc["b", "confidence"]
    assert refused == pytest.approx(0.05)  # the refused 0.95 link is doubt about completeness


def test_pairwise_quality_counts_pairs_from_the_contingency_table() -> None:
    predicted = pd.Series(["x", "x", "x", "y", "z"])
    truth = pd.Series([1, 1, 2, 2, 3])
    quality = cluster_quality(predicted, truth)
    assert (quality.true_positives, quality.false_positives, quality.false_negatives) == (1, 2, 1)
    assert quality.f1 == pytest.approx(2 * (1 / 3) * 0.5 / (1 / 3 + 0.5))
    found = _pairs(("a", "b", 1.0), ("c", "d", 1.0))
    truth_by_id = pd.Series([1, 1, 2, 2, 3], index=list("abcde"))
    assert pair_quality(found, truth_by_id).f1 == 1.0


def _table_inputs() -> tuple[pd.DataFrame, pd.DataFrame]:
    records = pd.DataFrame({
        "record_id": ["p1", "f1", "p2", "f2", "m2", "p3", "f4", "p5"],
        "source": ["police", "forensic", "police", "forensic", "media", "police", "forensic",
                   "police"],
        "period": "2024",
        "area": ["A", "A", "A", "A", "A", "B", "B", "B"],
    })
    clusters = pd.DataFrame({"record_id": records["record_id"],
                             "cluster_id": ["1", "1", "2", "2", "2", "3", "4", "5"]})
    return records, clusters


def test_reconciled_figures_count_sources_confirmations_and_unique_victims() -> None:
    records, clusters = _table_inputs()
    frame = reconcile_figures(records, clusters, ["police", "forensic", "media"]).to_frame()
    area_a = frame[frame["area"] == "A"].iloc[0]
    assert (area_a["police"], area_a["forensic"], area_a["media"]) == (2, 2, 1)
    assert (area_a["confirmed"], area_a["unique"]) == (2, 2)
    total = frame[frame["area"] == "all"].iloc[0]
    assert (total["unique"], total["confirmed"], total["police"]) == (5, 2, 4)
    area_b = frame[frame["area"] == "B"].iloc[0]
    assert math.isnan(area_b["estimate"])  # police and forensic share nobody in B


def test_the_review_queue_puts_uncertain_cross_source_pairs_first() -> None:
    records, clusters = _table_inputs()
    table = reconcile_figures(records, clusters, ["police", "forensic", "media"]).to_frame()
    info = clusters.merge(records, on="record_id")
    pairs = _pairs(("p3", "p5", 0.5), ("f4", "p3", 0.5), ("f4", "p5", 0.97), ("p1", "p2", 0.05))
    queue = review_queue(pairs, info, table)
    assert list(zip(queue["record_id_l"], queue["record_id_r"], strict=True)) == [
        ("f4", "p3"), ("p3", "p5")
    ]
    assert queue["impact"].iloc[0] > queue["impact"].iloc[1]
    decided = Decisions(non_matches=frozenset({("f4", "p3")}))
    assert len(review_queue(pairs, info, table, decisions=decided)) == 1


def test_a_record_without_a_name_joins_only_the_likelier_of_two_named_people() -> None:
    pairs = _pairs(("a", "c", 0.9), ("b", "c", 0.8), ("d", "e", 0.9), ("c", "e", 0.7))
    named = pd.Series([True, True, False, True, False])
    out = cluster_records(IDS, pairs, 0.5, named=named)
    assert _clusters(out) == {frozenset("ac"), frozenset("b"), frozenset("de")}
    unconstrained = cluster_records(IDS, pairs, 0.5)
    assert _clusters(unconstrained) == {frozenset("abcde")}
