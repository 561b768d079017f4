"""Pure tracing rules: request fields and statuses, national-records answers, 16.4.2 maths."""

from __future__ import annotations

import datetime as dt

import pytest

from salus.domain.weapons import tracing as tr

RECOVERED = dt.date(2024, 3, 1)
TODAY = dt.date(2024, 12, 31)


def problems(**fields: object) -> list[tuple[str, str]]:
    state = tr.TraceState(**{"requested_to": "national_records", **fields})  # type: ignore[arg-type]
    return [(p.field, p.code) for p in tr.trace_problems(state, RECOVERED, TODAY)]


def test_a_draft_request_has_no_problems() -> None:
    assert problems() == []


def test_a_response_before_the_request_is_refused() -> None:
    assert ("response_on", "before_request") in problems(
        status="answered", sent_on=dt.date(2024, 5, 1), response_on=dt.date(2024, 4, 1),
        outcome="traced_legal", established_by="trace_response")


def test_a_request_sent_before_the_arm_was_recovered_is_refused() -> None:
    assert problems(status="sent", sent_on=dt.date(2024, 2, 1)) == [
        ("sent_on", "before_recovery")]


def test_a_future_date_is_refused() -> None:
    assert problems(status="sent", sent_on=dt.date(2025, 1, 1)) == [("sent_on", "future")]


def test_a_sent_request_needs_its_date_and_an_answered_one_its_outcome() -> None:
    assert problems(status="sent") == [("sent_on", "required")]
    assert ("outcome", "required") in problems(status="answered", sent_on=dt.date(2024, 4, 1),
                                               response_on=dt.date(2024, 5, 1))


def test_an_illicit_origin_needs_its_point_of_diversion_and_how_it_was_established() -> None:
    assert problems(status="answered", sent_on=dt.date(2024, 4, 1),
                    response_on=dt.date(2024, 5, 1), outcome="traced_illicit") == [
        ("point_of_diversion", "required"), ("established_by", "required")]


def test_a_point_of_diversion_without_an_illicit_origin_is_refused() -> None:
    assert ("point_of_diversion", "unexpected") in problems(
        status="answered", sent_on=dt.date(2024, 4, 1), response_on=dt.date(2024, 5, 1),
        outcome="not_traceable", point_of_diversion="conversion")


def test_unknown_codes_are_named() -> None:
    assert problems(requested_to="the moon", status="lost") == [
        ("requested_to", "invalid"), ("status", "invalid")]


def test_a_closed_request_cannot_be_reopened() -> None:
    problem = tr.transition_problem("closed", "sent")
    assert problem is not None and "cannot become sent" in problem.message
    assert tr.transition_problem("sent", "answered") is None
    assert tr.transition_problem("answered", "answered") is None


def test_an_arm_takes_its_most_conclusive_outcome() -> None:
    assert tr.arm_outcome(["pending", "no_response", "traced_illicit"]) == "traced_illicit"
    assert tr.arm_outcome(["pending", "not_traceable"]) == "not_traceable"
    assert tr.arm_outcome([]) == "not_requested"


def test_national_records_give_the_last_legal_holder_before_the_recovery() -> None:
    history = [tr.HolderEvent("registered", dt.date(2010, 1, 1), 7),
               tr.HolderEvent("transferred", dt.date(2015, 1, 1), 8),
               tr.HolderEvent("transferred", dt.date(2024, 6, 1), 9)]
    answer = tr.answer_from_records(history, RECOVERED)
    assert (answer.found, answer.last_legal_holder, answer.outcome) == (True, 8, "pending")


def test_a_theft_reported_after_registration_establishes_the_illicit_origin() -> None:
    history = [tr.HolderEvent("registered", dt.date(2010, 1, 1), 7),
               tr.HolderEvent("reported_stolen", dt.date(2023, 1, 1))]
    answer = tr.answer_from_records(history, RECOVERED)
    assert (answer.outcome, answer.point_of_diversion, answer.established_by) == (
        "traced_illicit", "theft_from_civilian_owner", "records_check")


def test_a_theft_reported_before_a_later_registration_does_not_count() -> None:
    history = [tr.HolderEvent("reported_lost", dt.date(2009, 1, 1)),
               tr.HolderEvent("registered", dt.date(2010, 1, 1), 7)]
    assert tr.answer_from_records(history, RECOVERED).outcome == "pending"


def test_an_arm_never_registered_is_not_found_in_the_records() -> None:
    answer = tr.answer_from_records([], RECOVERED)
    assert not answer.found and answer.last_legal_holder is None


def test_16_4_2_counts_only_illicit_origins_over_every_recovered_arm() -> None:
    result = tr.sdg_16_4_2({("seized", "traced_illicit"): 3, ("seized", "traced_legal"): 1,
                            ("seized", "not_requested"): 4, ("found", "not_traceable"): 2,
                            ("surrendered", "traced_illicit"): 1,
                            ("surrendered", "pending"): 9})
    assert (result.total.numerator, result.total.denominator) == (4, 20)
    assert result.total.value == pytest.approx(0.2)
    assert result.by_kind["seized"].value == pytest.approx(3 / 8)
    assert result.by_kind["found"].value == 0
    assert result.by_kind["surrendered"].value == pytest.approx(0.1)
    assert result.by_outcome["not_requested"] == 4
    assert result.cells[("found", "traced_illicit")] == 0


def test_16_4_2_of_nothing_recovered_has_no_value() -> None:
    assert tr.sdg_16_4_2({}).total.value is None


def test_16_4_2_refuses_an_unknown_kind() -> None:
    with pytest.raises(ValueError, match="stolen"):
        tr.sdg_16_4_2({("stolen", "pending"): 1})


def test_a_loss_reported_while_the_state_held_the_arm_is_a_stockpile_loss() -> None:
    history = [tr.HolderEvent("registered", dt.date(2010, 1, 1), 7),
               tr.HolderEvent("surrendered", dt.date(2020, 1, 1)),
               tr.HolderEvent("stored", dt.date(2020, 1, 2)),
               tr.HolderEvent("reported_stolen", dt.date(2023, 1, 1))]
    answer = tr.answer_from_records(history, RECOVERED)
    assert (answer.outcome, answer.point_of_diversion, answer.last_legal_holder) == (
        "traced_illicit", "theft_from_state_stockpile", 7)
    state_owned = [tr.HolderEvent("seized", dt.date(2019, 1, 1)),
                   tr.HolderEvent("reported_lost", dt.date(2023, 1, 1))]
    answer = tr.answer_from_records(state_owned, RECOVERED)
    assert (answer.found, answer.point_of_diversion) == (True, "loss_from_state_stockpile")
