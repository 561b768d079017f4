"""Stockpiles on SQLite and PostgreSQL: sites, intake, movements, chain of custody, inventory."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from arms_stock_support import (
    ANALYST,
    CLERK,
    OFFICER,
    add_site,
    add_weapon,
    officer_in,
    stock_engine_fixture,  # noqa: F401 - fixture
    store_fixture,  # noqa: F401 - fixture
    table_counts,
)

from salus.domain.weapons.stockpiles import LotSpec
from salus.storage import schema as t
from salus.storage.weapons import stock_schema as st
from salus.usecases.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from salus.usecases.weapons import stockpiles as uc

TODAY = dt.date(2025, 6, 1)
D = dt.date.fromisoformat


def lot(quantity: int = 1000, number: str = "L-1", year: int = 2012,
        shelf: int = 15) -> LotSpec:
    return LotSpec(lot_number=number, calibre="7.62x39mm", manufacturer="Factory 10",
                   year_of_manufacture=year, shelf_life_years=shelf, hazard_division="1.4",
                   quantity=quantity)


def intake(engine: sa.Engine, site: str, *weapons: int, on: str = "2025-01-10") -> int:
    return uc.move(engine, OFFICER, uc.MovementSpec(
        None, site, released_by="Cpl. Seizing", received_by="Sgt. Custodian",
        released_on=D(on), weapons=weapons, reason="intake"), TODAY)


def transfer(engine: sa.Engine, src: str, dst: str, *weapons: int, on: str = "2025-02-01",
             lots: tuple[tuple[int, int], ...] = ()) -> int:
    return uc.move(engine, OFFICER, uc.MovementSpec(
        src, dst, released_by="Sgt. Custodian", received_by="Lt. Receiver",
        released_on=D(on), weapons=weapons, lots=lots), TODAY)


MOVE_TABLES = (st.stock_movement, st.stock_movement_item, st.ammunition_stock, t.audit_event)


@pytest.fixture
def sites(store: sa.Engine) -> sa.Engine:
    add_site(store, "DEP-1")
    add_site(store, "EVI-2", area="R2-A", kind="evidence_room")
    return store


def seized(engine: sa.Engine, serial: str) -> int:
    return add_weapon(engine, serial, [("seized", "2025-01-05", "R1-A")])


def test_a_weapon_taken_into_a_site_and_moved_is_in_the_second_site(sites: sa.Engine) -> None:
    w = seized(sites, "A1")
    intake(sites, "DEP-1", w)
    assert uc.weapon_site(sites, OFFICER, w) == "DEP-1"
    transfer(sites, "DEP-1", "EVI-2", w)
    assert uc.weapon_site(sites, OFFICER, w) == "EVI-2"
    assert [x.id for x in uc.inventory(sites, OFFICER, "EVI-2", TODAY).weapons] == [w]
    assert uc.inventory(sites, OFFICER, "DEP-1", TODAY).weapons == ()


def test_the_chain_of_custody_is_kept_and_audited(sites: sa.Engine) -> None:
    w = seized(sites, "A1")
    movement = intake(sites, "DEP-1", w)
    with sites.connect() as conn:
        row = conn.execute(sa.select(st.stock_movement).where(
            st.stock_movement.c.id == movement)).mappings().one()
        audit = conn.execute(sa.select(t.audit_event).where(
            t.audit_event.c.entity == "stock_movement")).mappings().one()
    assert (row["released_by"], row["received_by"], row["received_on"]) == (
        "Cpl. Seizing", "Sgt. Custodian", D("2025-01-10"))
    assert audit["actor"] == "officer" and audit["after"]["weapons"] == [w]


def test_moving_a_weapon_out_of_a_site_it_is_not_in_is_refused_and_changes_nothing(
        sites: sa.Engine) -> None:
    w1, w2 = seized(sites, "A1"), seized(sites, "A2")
    intake(sites, "DEP-1", w1)
    intake(sites, "EVI-2", w2)
    before = table_counts(sites, *MOVE_TABLES)
    with pytest.raises(ValidationFailed, match=r"weapon A2 \(#\d+\) is not in site DEP-1"):
        transfer(sites, "DEP-1", "EVI-2", w1, w2)
    assert table_counts(sites, *MOVE_TABLES) == before
    assert uc.weapon_site(sites, OFFICER, w1) == "DEP-1"


def test_a_weapon_in_no_site_cannot_be_moved_between_sites(sites: sa.Engine) -> None:
    w = seized(sites, "A1")
    with pytest.raises(ValidationFailed, match="is not in site DEP-1"):
        transfer(sites, "DEP-1", "EVI-2", w)


def test_a_weapon_already_in_a_site_cannot_be_taken_in_again(sites: sa.Engine) -> None:
    w = seized(sites, "A1")
    intake(sites, "DEP-1", w)
    with pytest.raises(ValidationFailed, match="already held"):
        intake(sites, "EVI-2", w, on="2025-01-11")


def test_a_registered_civilian_weapon_cannot_be_taken_into_a_site(sites: sa.Engine) -> None:
    w = add_weapon(sites, "C1", [("registered", "2020-01-01", "R1-A")])
    with pytest.raises(ValidationFailed, match="is registered: record its seizure"):
        intake(sites, "DEP-1", w)


def test_a_movement_cannot_be_back_dated_before_the_weapons_last_movement(
        sites: sa.Engine) -> None:
    w = seized(sites, "A1")
    intake(sites, "DEP-1", w, on="2025-03-01")
    with pytest.raises(ValidationFailed, match="last moved on 2025-03-01"):
        transfer(sites, "DEP-1", "EVI-2", w, on="2025-02-01")


def test_a_movement_received_before_its_release_is_refused(sites: sa.Engine) -> None:
    w = seized(sites, "A1")
    with pytest.raises(ValidationFailed, match="before its release"):
        uc.move(sites, OFFICER, uc.MovementSpec(
            None, "DEP-1", "a", "b", D("2025-02-01"), D("2025-01-31"), weapons=(w,),
            reason="intake"), TODAY)


@pytest.mark.parametrize(("spec", "message"), [
    (uc.MovementSpec("DEP-1", "DEP-1", "a", "b", D("2025-01-01"), weapons=(1,)), "to itself"),
    (uc.MovementSpec(None, None, "a", "b", D("2025-01-01"), weapons=(1,)), "needs a site"),
    (uc.MovementSpec("DEP-1", "EVI-2", " ", "b", D("2025-01-01"), weapons=(1,)),
     "released by is required"),
    (uc.MovementSpec("DEP-1", "EVI-2", "a", "b", D("2025-01-01")), "at least one"),
    (uc.MovementSpec("DEP-1", None, "a", "b", D("2025-01-01"), weapons=(1,)),
     "reason 'transfer' does not fit"),
    (uc.MovementSpec("DEP-1", "EVI-2", "a", "b", D("2025-07-01"), weapons=(1,)), "future"),
    (uc.MovementSpec("DEP-1", "EVI-2", "a", "b", D("2025-01-01"), lots=((1, -5),)),
     "quantity -5 must be a positive")])
def test_a_malformed_movement_is_refused_with_the_reason(
        sites: sa.Engine, spec: uc.MovementSpec, message: str) -> None:
    with pytest.raises(ValidationFailed, match=message):
        uc.move(sites, OFFICER, spec, TODAY)


def test_an_unknown_weapon_or_site_is_named(sites: sa.Engine) -> None:
    with pytest.raises(ValidationFailed, match="no weapon 999"):
        intake(sites, "DEP-1", 999)
    with pytest.raises(NotFound, match="NOPE"):
        intake(sites, "NOPE", seized(sites, "A1"))


def test_ammunition_moves_by_quantity_and_never_below_zero(sites: sa.Engine) -> None:
    lot_id = uc.receive_lot(sites, OFFICER, "DEP-1", lot(1000), received_by="Sgt. C",
                            received_on=D("2025-01-02"), today=TODAY)
    transfer(sites, "DEP-1", "EVI-2", lots=((lot_id, 400),))
    before = table_counts(sites, *MOVE_TABLES)
    with pytest.raises(ValidationFailed, match="holds 600; cannot take 601"):
        transfer(sites, "DEP-1", "EVI-2", lots=((lot_id, 601),))
    assert table_counts(sites, *MOVE_TABLES) == before
    assert [x.quantity for x in uc.inventory(sites, OFFICER, "DEP-1", TODAY).lots] == [600]
    assert [x.quantity for x in uc.inventory(sites, OFFICER, "EVI-2", TODAY).lots] == [400]


def test_more_of_a_known_lot_adds_up_but_a_conflicting_description_is_refused(
        sites: sa.Engine) -> None:
    first = uc.receive_lot(sites, OFFICER, "DEP-1", lot(100), received_by="C",
                           received_on=D("2025-01-02"), today=TODAY)
    again = uc.receive_lot(sites, OFFICER, "DEP-1", lot(50), received_by="C",
                           received_on=D("2025-01-03"), today=TODAY)
    assert first == again
    assert uc.inventory(sites, OFFICER, "DEP-1", TODAY).lots[0].quantity == 150
    with pytest.raises(ValidationFailed, match="on file with year_of_manufacture 2012"):
        uc.receive_lot(sites, OFFICER, "DEP-1", lot(50, year=2013), received_by="C",
                       received_on=D("2025-01-03"), today=TODAY)


@pytest.mark.parametrize(("changes", "message"), [
    ({"quantity": -5}, "quantity -5 is negative"), ({"quantity": 0}, "at least one round"),
    ({"hazard_division": "2.1"}, "IATG 01.50")])
def test_a_bad_lot_is_refused(sites: sa.Engine, changes: dict[str, object],
                              message: str) -> None:
    values = {"lot_number": "L-9", "calibre": "9mm", "manufacturer": "F",
              "year_of_manufacture": 2015, "shelf_life_years": 10, "hazard_division": "1.4",
              "quantity": 10, **changes}
    spec = LotSpec(**values)  # type: ignore[arg-type]
    with pytest.raises(ValidationFailed, match=message):
        uc.receive_lot(sites, OFFICER, "DEP-1", spec, received_by="C",
                       received_on=D("2025-01-02"), today=TODAY)


def test_lots_past_or_near_their_shelf_life_are_listed_soonest_first(sites: sa.Engine) -> None:
    for number, year, shelf in (("OLD", 2000, 20), ("SOON", 2015, 10), ("FRESH", 2024, 20)):
        uc.receive_lot(sites, OFFICER, "DEP-1", lot(10, number, year, shelf), received_by="C",
                       received_on=D("2025-01-02"), today=TODAY)
    found = uc.expiring_lots(sites, OFFICER, TODAY, within_days=240)
    assert [(x.lot_number, x.expiry_status, str(x.expires_on)) for x in found] == [
        ("OLD", "expired", "2020-01-01"), ("SOON", "expired", "2025-01-01")]
    soon = uc.expiring_lots(sites, OFFICER, dt.date(2024, 12, 1), within_days=31)
    assert [(x.lot_number, x.expiry_status) for x in soon] == [
        ("OLD", "expired"), ("SOON", "expiring")]
    assert uc.expiring_lots(sites, OFFICER, dt.date(2024, 12, 1), within_days=30)[-1] \
        .lot_number == "OLD"


def test_a_site_code_is_unique_and_its_fields_checked(sites: sa.Engine) -> None:
    with pytest.raises(Conflict):
        add_site(sites, "DEP-1")
    with pytest.raises(ValidationFailed, match="security level 'extreme'"):
        uc.add_site(sites, OFFICER, uc.SiteSpec("X", "X", "stockpile", "R1-A", "extreme"))
    with pytest.raises(ValidationFailed, match="no area with code 'ZZ'"):
        uc.add_site(sites, OFFICER, uc.SiteSpec("X", "X", "stockpile", "ZZ", "low"))


def test_reading_needs_weapons_and_writing_edit_weapons(sites: sa.Engine) -> None:
    assert [s["code"] for s in uc.list_sites(sites, ANALYST)] == ["DEP-1", "EVI-2"]
    with pytest.raises(PermissionDenied):
        uc.list_sites(sites, CLERK)
    with pytest.raises(PermissionDenied):
        uc.add_site(sites, ANALYST, uc.SiteSpec("X", "X", "stockpile", "R1-A", "low"))


def test_an_officer_bound_to_an_area_sees_only_its_sites(sites: sa.Engine) -> None:
    north = officer_in(sites, "R1")
    assert [s["code"] for s in uc.list_sites(sites, north)] == ["DEP-1"]
    with pytest.raises(NotFound):
        uc.inventory(sites, north, "EVI-2", TODAY)


def test_a_destroyed_weapon_leaves_the_inventory(sites: sa.Engine) -> None:
    w = seized(sites, "A1")
    intake(sites, "DEP-1", w)
    with sites.begin() as conn:
        from salus.storage.weapons import schema as arms
        conn.execute(arms.weapon.update().where(arms.weapon.c.id == w).values(
            status="destroyed"))
    assert uc.inventory(sites, OFFICER, "DEP-1", TODAY).weapons == ()
    assert uc.list_sites(sites, OFFICER)[0]["weapons"] == 0
