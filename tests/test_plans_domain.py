"""Pure rules of community safety planning: ranking, derived concern, progress, flags, codes."""

from __future__ import annotations

import datetime as dt

import pytest

from salus.domain import plans as sp
from salus.domain.taxonomy import LANGUAGES

D = dt.date


def test_the_priority_is_the_weighted_mean_of_the_criterion_scores() -> None:
    ranked = sp.prioritise([sp.Scored(1, 4, 5, 3, 2)],
                           {"frequency": 1, "severity": 2, "concern": 1, "feasibility": 0})
    assert ranked[0].priority == pytest.approx((4 + 2 * 5 + 3) / 4)


def test_ties_go_to_severity_then_concern_then_frequency_then_the_first_recorded() -> None:
    equal = {"frequency": 0, "severity": 0, "concern": 0, "feasibility": 1}
    items = [sp.Scored(1, 5, 3, 4, 3), sp.Scored(2, 1, 4, 1, 3), sp.Scored(3, 3, 3, 5, 3),
             sp.Scored(4, 3, 3, 5, 3)]
    assert [r.problem_id for r in sp.prioritise(items, equal)] == [2, 3, 4, 1]
    assert [r.rank for r in sp.prioritise(items, equal)] == [1, 2, 3, 4]


def test_a_problem_missing_a_weighted_score_ranks_after_every_complete_one() -> None:
    ranked = sp.prioritise([sp.Scored(1, 5, 5, None, 5), sp.Scored(2, 1, 1, 1, 1)], {})
    assert [(r.problem_id, r.complete) for r in ranked] == [(2, True), (1, False)]


def test_a_criterion_with_zero_weight_may_stay_unscored() -> None:
    ranked = sp.prioritise([sp.Scored(1, 5, 5, None, 5)], {"concern": 0})
    assert ranked[0].complete and ranked[0].priority == 5


@pytest.mark.parametrize("weights, field", [
    ({"frequency": 0, "severity": 0, "concern": 0, "feasibility": 0}, "weights"),
    ({"severity": -1}, "weights.severity"),
    ({"urgency": 1}, "weights.urgency"),
    ({"severity": float("nan")}, "weights.severity"),
])
def test_bad_weights_are_refused_naming_the_weight(weights: dict[str, float], field: str) -> None:
    with pytest.raises(sp.PlanRuleError) as err:
        sp.check_weights(weights)
    assert err.value.field == field


def test_community_concern_grows_with_the_share_of_groups_that_raised_it() -> None:
    assert sp.derived_concern(1, 4) == 2.0
    assert sp.derived_concern(4, 4) == 5.0
    assert sp.derived_concern(0, 4) is None


@pytest.mark.parametrize("value", [0, 6, 2.5e9, True, "high"])
def test_scores_live_on_the_one_to_five_scale(value: object) -> None:
    with pytest.raises(sp.PlanRuleError):
        sp.check_score(value, "scores.severity")  # type: ignore[arg-type]


def test_the_straight_line_gives_the_expected_value_halfway() -> None:
    assert sp.expected_value(10, 4, D(2024, 1, 1), D(2025, 1, 1), D(2024, 7, 2)) == \
        pytest.approx(7, abs=0.02)


def test_an_indicator_moving_away_from_its_target_is_off_track() -> None:
    got = sp.progress(10, 4, 12, D(2024, 1, 1), D(2025, 1, 1), D(2024, 2, 1))
    assert got.off_track and got.reason == "moving_away"


def test_an_indicator_behind_the_straight_line_is_off_track_and_one_on_it_is_not() -> None:
    behind = sp.progress(10, 4, 9, D(2024, 1, 1), D(2025, 1, 1), D(2024, 10, 1))
    assert behind.off_track and behind.reason == "behind_schedule"
    on_line = sp.progress(10, 4, 5.5, D(2024, 1, 1), D(2025, 1, 1), D(2024, 10, 1))
    assert not on_line.off_track and on_line.achieved == pytest.approx(0.75)


def test_an_increase_target_counts_progress_upwards() -> None:
    got = sp.progress(40, 60, 55, D(2024, 1, 1), D(2025, 1, 1), D(2024, 7, 1))
    assert got.achieved == pytest.approx(0.75) and not got.off_track


def test_an_action_is_overdue_only_when_past_due_and_not_closed() -> None:
    today = D(2024, 6, 1)
    assert sp.overdue("in_progress", D(2024, 5, 31), today)
    assert sp.overdue("delayed", D(2024, 5, 31), today)
    assert not sp.overdue("done", D(2024, 5, 31), today)
    assert not sp.overdue("cancelled", D(2024, 5, 31), today)
    assert not sp.overdue("planned", D(2024, 6, 1), today)
    assert not sp.overdue("planned", None, today)


@pytest.mark.parametrize("baseline, target, direction, field", [
    (5, 5, "decrease", "target"),
    (5, 8, "decrease", "target"),
    (5, 2, "increase", "target"),
    (5, 2, "sideways", "direction"),
])
def test_a_target_must_move_from_the_baseline_in_the_stated_direction(
        baseline: float, target: float, direction: str, field: str) -> None:
    with pytest.raises(sp.PlanRuleError) as err:
        sp.check_target(baseline, target, direction)
    assert err.value.field == field


def test_a_due_date_before_the_start_is_refused() -> None:
    with pytest.raises(sp.PlanRuleError, match="before the start"):
        sp.check_period(D(2024, 5, 1), D(2024, 4, 1))


def test_participants_are_validated_cell_by_cell_and_summed() -> None:
    cells = sp.participants([
        {"sex": "female", "age_group": "18-35", "constituency": "women", "count": 4},
        {"sex": "female", "age_group": "18-35", "constituency": "women", "count": 2},
        {"sex": "male", "age_group": "60+", "constituency": "police", "count": 1}])
    assert cells.total == 7 and cells.by(0) == {"female": 6, "male": 1}
    with pytest.raises(sp.PlanRuleError) as err:
        sp.participants([{"sex": "female", "age_group": "18-35", "constituency": "aliens",
                          "count": 1}])
    assert err.value.field == "participants[0].constituency"
    with pytest.raises(sp.PlanRuleError):
        sp.participants([{"sex": "female", "constituency": "women", "count": -1}])


@pytest.mark.parametrize("list_id", sp.CODE_LISTS)
def test_every_code_list_has_labels_in_the_six_languages(list_id: str) -> None:
    codes = sp.codes(list_id)
    assert codes.codes
    for code in codes:
        assert all(code.labels.get(lang) for lang in LANGUAGES), (list_id, code.code)


def test_an_unknown_code_names_the_known_ones() -> None:
    with pytest.raises(sp.PlanRuleError, match="police, municipality"):
        sp.check_code("responsible_actor", "wizard", "responsible")
