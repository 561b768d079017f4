"""Log-linear capture–recapture: closed forms, model sets, edge cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_allclose

from salus.analytics.reconcile.mse import (
    CaptureTable,
    CaptureTableError,
    LogLinearModel,
    NotEstimableError,
    estimate_total,
    fit_model,
    hierarchical_models,
)


def test_two_lists_give_the_lincoln_petersen_estimate() -> None:
    table = CaptureTable.from_counts(("police", "forensic"), {(1, 0): 60, (0, 1): 40, (1, 1): 20})
    result = estimate_total(table)
    assert_allclose(result.total, 80 * 60 / 20)
    assert result.chosen.formula == "police + forensic"
    assert result.lower < result.total < result.upper


def test_three_independent_lists_recover_the_true_total() -> None:
    rng = np.random.default_rng(7)
    truth, probs = 5000, np.array([0.3, 0.4, 0.25])
    seen = rng.random((truth, 3)) < probs
    table = CaptureTable.from_memberships(
        ("a", "b", "c"), [{n for n, s in zip("abc", row, strict=True) if s} for row in seen]
    )
    result = estimate_total(table)
    assert result.lower < truth < result.upper
    assert abs(result.total - truth) / truth < 0.1


def test_hierarchical_models_are_counted_as_expected() -> None:
    assert len(hierarchical_models(2)) == 1
    assert len(hierarchical_models(3)) == 8
    assert len(hierarchical_models(4)) == 64
    assert all(len(t) <= 3 for m in hierarchical_models(4, max_order=3) for t in m.terms)
    assert LogLinearModel(3, ((0, 1),)).formula(["a", "b", "c"]) == "a + b + c + a:b"


def test_a_three_way_term_needs_its_two_way_margins() -> None:
    models = hierarchical_models(4, max_order=3)
    for model in models:
        for term in (t for t in model.terms if len(t) == 3):
            for pair in ((term[0], term[1]), (term[0], term[2]), (term[1], term[2])):
                assert pair in model.terms


def test_lists_that_share_nobody_have_no_estimate() -> None:
    table = CaptureTable.from_counts(("a", "b"), {(1, 0): 10, (0, 1): 12})
    with pytest.raises(NotEstimableError):
        estimate_total(table)


def test_aic_and_bic_follow_their_definitions() -> None:
    table = CaptureTable.from_counts(
        ("a", "b", "c"),
        {(1, 0, 0): 50, (0, 1, 0): 40, (1, 1, 0): 15, (0, 0, 1): 30, (1, 0, 1): 12,
         (0, 1, 1): 9, (1, 1, 1): 4},
    )
    fit = fit_model(table, LogLinearModel(3, ((0, 1),)))
    assert_allclose(fit.aic, -2 * fit.log_likelihood + 2 * 5)
    assert_allclose(fit.bic, -2 * fit.log_likelihood + math.log(160) * 5)
    assert fit.df_residual == 2


def test_bad_patterns_are_refused() -> None:
    with pytest.raises(CaptureTableError):
        CaptureTable.from_counts(("a", "b"), {(0, 0): 3})
    with pytest.raises(CaptureTableError):
        CaptureTable.from_counts(("a",), {(1,): 3})


def test_memberships_ignore_unknown_lists_and_count_list_totals() -> None:
    table = CaptureTable.from_memberships(("a", "b"), [{"a"}, {"a", "b"}, {"b", "zzz"}, {"zzz"}])
    assert table.observed == 3
    assert table.list_totals == {"a": 2, "b": 2}
