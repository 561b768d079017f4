"""Pure stockpile rules: expiry of ammunition lots, custody, stock-count discrepancies."""

from __future__ import annotations

import datetime as dt

import pytest

from salus.domain.weapons import stockpiles as sp

TODAY = dt.date(2025, 6, 1)


def lot(**changes: object) -> sp.LotSpec:
    values: dict[str, object] = {"lot_number": "L-1", "calibre": "7.62x39mm",
                                 "manufacturer": "Factory 10", "year_of_manufacture": 2010,
                                 "shelf_life_years": 15, "hazard_division": "1.4",
                                 "quantity": 1000}
    values.update(changes)
    return sp.LotSpec(**values)  # type: ignore[arg-type]


def test_a_lot_known_only_by_year_expires_on_the_first_of_january_after_its_shelf_life() -> None:
    assert sp.expiry_date(2010, 15) == dt.date(2025, 1, 1)


def test_a_lot_with_a_date_of_manufacture_expires_on_its_anniversary() -> None:
    assert sp.expiry_date(2010, 15, dt.date(2010, 8, 17)) == dt.date(2025, 8, 17)
    assert sp.expiry_date(2012, 1, dt.date(2012, 2, 29)) == dt.date(2013, 2, 28)


@pytest.mark.parametrize(("expires", "status"), [
    (dt.date(2025, 6, 1), "expired"), (dt.date(2025, 5, 31), "expired"),
    (dt.date(2025, 6, 2), "expiring"), (dt.date(2025, 8, 30), "expiring"),
    (dt.date(2025, 8, 31), "ok")])
def test_expiry_status_is_expired_on_the_day_and_expiring_within_the_window(
        expires: dt.date, status: str) -> None:
    assert sp.expiry_status(expires, TODAY, 90) == status


def test_a_negative_warning_window_is_refused() -> None:
    with pytest.raises(sp.StockError, match="negative"):
        sp.expiry_status(TODAY, TODAY, -1)


def test_a_valid_lot_has_no_problems() -> None:
    assert sp.lot_problems(lot(), TODAY) == []


@pytest.mark.parametrize(("changes", "field", "code"), [
    ({"quantity": -1}, "quantity", "negative"),
    ({"hazard_division": "1.7"}, "hazard_division", "invalid"),
    ({"year_of_manufacture": 2026}, "year_of_manufacture", "invalid"),
    ({"shelf_life_years": 0}, "shelf_life_years", "invalid"),
    ({"lot_number": " "}, "lot_number", "required"),
    ({"manufactured_on": dt.date(2011, 1, 1)}, "manufactured_on", "mismatch")])
def test_a_bad_lot_field_is_named(changes: dict[str, object], field: str, code: str) -> None:
    problems = sp.lot_problems(lot(**changes), TODAY)
    assert [(p.field, p.code) for p in problems] == [(field, code)]


def test_a_quantity_cannot_go_below_zero() -> None:
    assert sp.remaining_quantity(10, -10, lot="L", site="S") == 0
    with pytest.raises(sp.StockError, match="holds 10; cannot take 11"):
        sp.remaining_quantity(10, -11, lot="L", site="S")


def test_the_current_site_is_the_destination_of_the_latest_step() -> None:
    steps = [sp.CustodyStep(1, dt.date(2024, 3, 1), 2, 10, 20),
             sp.CustodyStep(1, dt.date(2024, 1, 1), 1, None, 10),
             sp.CustodyStep(2, dt.date(2024, 1, 1), 3, None, 10),
             sp.CustodyStep(2, dt.date(2024, 2, 1), 4, 10, None)]
    assert sp.current_sites(steps) == {1: 20, 2: None}


def test_same_day_steps_follow_their_sequence() -> None:
    steps = [sp.CustodyStep(1, dt.date(2024, 1, 1), 2, 10, 20),
             sp.CustodyStep(1, dt.date(2024, 1, 1), 1, None, 10)]
    assert sp.current_sites(steps) == {1: 20}


def test_a_weapon_cannot_leave_a_site_it_is_not_in() -> None:
    sp.check_release("W1", 10, 10, "S10")
    with pytest.raises(sp.StockError, match="weapon W1 is not in site S20"):
        sp.check_release("W1", 10, 20, "S20")
    with pytest.raises(sp.StockError, match="not in site S20"):
        sp.check_release("W1", None, 20, "S20")
    with pytest.raises(sp.StockError, match="already held"):
        sp.check_release("W1", 10, None, "-")


def test_a_movement_is_received_after_its_release_and_not_in_the_future() -> None:
    sp.check_dates(dt.date(2025, 1, 1), dt.date(2025, 1, 1), TODAY)
    with pytest.raises(sp.StockError, match="before its release"):
        sp.check_dates(dt.date(2025, 1, 2), dt.date(2025, 1, 1), TODAY)
    with pytest.raises(sp.StockError, match="future"):
        sp.check_dates(dt.date(2025, 6, 2), None, TODAY)


def test_a_count_lists_missing_and_unexpected_weapons_and_lot_differences() -> None:
    report = sp.count_discrepancy([1, 2, 3], [2, 3, 4], {10: 500, 11: 20, 12: 7},
                                  {10: 480, 11: 20, 13: 5})
    assert report.missing_weapons == (1,)
    assert report.unexpected_weapons == (4,)
    assert [(d.lot_id, d.book, d.counted, d.difference) for d in report.lot_differences] == [
        (10, 500, 480, -20), (12, 7, 0, -7), (13, 0, 5, 5)]
    assert not report.clean


def test_a_count_that_matches_the_books_is_clean() -> None:
    assert sp.count_discrepancy([1], [1], {10: 5}, {10: 5}).clean


def test_a_negative_counted_quantity_is_refused() -> None:
    with pytest.raises(sp.StockError, match="counted quantity -1 of lot 10"):
        sp.count_discrepancy([], [], {}, {10: -1})


def test_site_problems_name_each_bad_field() -> None:
    problems = sp.site_problems("", "Depot", "garage", "extreme", -5)
    assert [p.field for p in problems] == ["code", "kind", "security_level", "capacity"]
