"""Stock counts on SQLite and PostgreSQL: the discrepancy report against the book inventory."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from arms_stock_support import (
    ANALYST,
    OFFICER,
    add_site,
    add_weapon,
    stock_engine_fixture,  # noqa: F401 - fixture
    store_fixture,  # noqa: F401 - fixture
    table_counts,
)

from salus.domain.weapons.stockpiles import LotSpec
from salus.storage.weapons import stock_schema as st
from salus.usecases.errors import PermissionDenied, ValidationFailed
from salus.usecases.weapons import stock_counts as counts
from salus.usecases.weapons import stockpiles as uc

TODAY = dt.date(2025, 6, 1)
D = dt.date.fromisoformat


@pytest.fixture
def depot(store: sa.Engine) -> dict[str, int]:
    """DEP-1 holding weapons A1, A2, A3 and 500 rounds of lot L-1 (100 moved on to EVI-2)."""
    add_site(store, "DEP-1")
    add_site(store, "EVI-2", area="R2-A", kind="evidence_room")
    ids = {s: add_weapon(store, s, [("seized", "2025-01-05", "R1-A")])
           for s in ("A1", "A2", "A3", "B1")}
    uc.move(store, OFFICER, uc.MovementSpec(None, "DEP-1", "Cpl. S", "Sgt. C", D("2025-01-10"),
                                            weapons=(ids["A1"], ids["A2"], ids["A3"]),
                                            reason="intake"), TODAY)
    uc.move(store, OFFICER, uc.MovementSpec(None, "EVI-2", "Cpl. S", "Sgt. E", D("2025-01-10"),
                                            weapons=(ids["B1"],), reason="intake"), TODAY)
    ids["lot"] = uc.receive_lot(store, OFFICER, "DEP-1", LotSpec(
        "L-1", "9x19mm", "Factory 10", 2015, 20, "1.4", 600), received_by="Sgt. C",
        received_on=D("2025-01-02"), today=TODAY)
    uc.move(store, OFFICER, uc.MovementSpec("DEP-1", "EVI-2", "Sgt. C", "Sgt. E",
                                            D("2025-03-01"), lots=((ids["lot"], 100),)), TODAY)
    return ids


def count(store: sa.Engine, ids: dict[str, int], weapons: tuple[str, ...], rounds: int,
          on: str = "2025-05-01", **extra: object) -> counts.CountReport:
    spec = counts.CountSpec(site_code="DEP-1", counted_on=D(on), counted_by="Sgt. Counter",
                            signature="J. Counter", weapons=tuple(ids[w] for w in weapons),
                            lots=((ids["lot"], rounds),), **extra)  # type: ignore[arg-type]
    return counts.record_count(store, OFFICER, spec, TODAY)


def test_a_count_that_matches_the_books_is_clean(store: sa.Engine,
                                                 depot: dict[str, int]) -> None:
    report = count(store, depot, ("A1", "A2", "A3"), 500)
    assert report.clean and len(report.lines) == 4
    assert (report.counted_by, report.signature) == ("Sgt. Counter", "J. Counter")


def test_a_count_lists_missing_and_unexpected_weapons_and_the_lot_shortfall(
        store: sa.Engine, depot: dict[str, int]) -> None:
    report = count(store, depot, ("A1", "A3", "B1"), 480, unregistered=("AK pattern, no serial",))
    assert [line.weapon_id for line in report.missing] == [depot["A2"]]
    assert [line.label for line in report.unexpected] == [
        f"weapon B1 (#{depot['B1']})", "unregistered: AK pattern, no serial"]
    assert [(line.label, line.book_quantity, line.counted_quantity, line.difference)
            for line in report.lot_differences] == [("lot L-1 (Factory 10)", 500, 480, -20)]
    again = counts.count_report(store, ANALYST, report.count_id)
    assert again == report
    row = counts.list_counts(store, ANALYST, "DEP-1")[0]
    assert (row["missing_weapons"], row["unexpected_weapons"], row["lot_differences"]) == (1, 2, 1)


def test_the_book_is_taken_as_of_the_count_date(store: sa.Engine,
                                                depot: dict[str, int]) -> None:
    report = count(store, depot, ("A1", "A2", "A3"), 600, on="2025-02-01")
    assert report.clean


def test_a_count_does_not_change_the_books(store: sa.Engine, depot: dict[str, int]) -> None:
    count(store, depot, (), 0)
    inventory = uc.inventory(store, OFFICER, "DEP-1", TODAY)
    assert len(inventory.weapons) == 3 and inventory.lots[0].quantity == 500


@pytest.mark.parametrize(("changes", "message"), [
    ({"signature": " "}, "signature is required"),
    ({"counted_on": D("2025-07-01")}, "in the future"),
    ({"lots": ((1, -3),)}, "counted quantity -3"),
    ({"lots": ((99999, 3),)}, "no ammunition lot 99999"),
    ({"weapons": (99999,)}, "no weapon 99999")])
def test_a_bad_count_is_refused_and_nothing_is_written(
        store: sa.Engine, depot: dict[str, int], changes: dict[str, object],
        message: str) -> None:
    values: dict[str, object] = {"site_code": "DEP-1", "counted_on": D("2025-05-01"),
                                 "counted_by": "Sgt.", "signature": "J.", **changes}
    before = table_counts(store, st.stock_count, st.stock_count_line)
    with pytest.raises(ValidationFailed, match=message):
        counts.record_count(store, OFFICER, counts.CountSpec(**values), TODAY)  # type: ignore[arg-type]
    assert table_counts(store, st.stock_count, st.stock_count_line) == before


def test_only_editors_record_counts(store: sa.Engine, depot: dict[str, int]) -> None:
    with pytest.raises(PermissionDenied):
        counts.record_count(store, ANALYST, counts.CountSpec(
            "DEP-1", D("2025-05-01"), "a", "b"), TODAY)
