"""The lifecycle of a weapon: the pure state machine, and the whole chain on both databases
(import → register → transfer → stolen → seized at an incident → stored → destroyed in a batch),
with every refusal leaving the store unchanged."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st
from weapons_support import (
    D,
    add_incident,
    seed_registry,
    table_counts,
    weapons_engine,  # noqa: F401 - fixtures
    weapons_store,  # noqa: F401
)

from salus.domain.weapons.lifecycle import check_new_event, effective_history, replay, status_on
from salus.domain.weapons.registry import ArmsRuleError, EventType, LifecycleEvent, WeaponStatus
from salus.storage.weapons import schema as w
from salus.usecases.errors import ValidationFailed
from salus.usecases.weapons import history as weapons_history
from salus.usecases.weapons import links as weapons_links
from salus.usecases.weapons.campaigns import (
    BatchInput,
    CampaignInput,
    add_campaign,
    add_destruction_batch,
    destroy_in_batch,
    get_batch,
    list_campaigns,
)
from salus.usecases.weapons.check import check_weapon, last_legal_holder
from salus.usecases.weapons.lifecycle import (
    EventInput,
    correct_event,
    record_event,
    transfer_weapon,
)

E = EventType


@pytest.fixture
def engine(weapons_engine: sa.Engine) -> sa.Engine:  # noqa: F811
    return weapons_engine


def ev(kind: EventType, day: dt.date, id: int | None = None, **kw: object) -> LifecycleEvent:
    return LifecycleEvent(kind, day, id=id, **kw)  # type: ignore[arg-type]


DESTROYED = [ev(E.IMPORTED, D(2019, 1, 1), 1), ev(E.SURRENDERED, D(2020, 1, 1), 2),
             ev(E.DESTROYED, D(2020, 6, 1), 3)]


# ---------------------------------------------------------------- pure rules


@pytest.mark.parametrize("kind", [E.SEIZED, E.TRANSFERRED, E.REGISTERED, E.SURRENDERED])
def test_a_destroyed_weapon_cannot_come_back_into_the_lifecycle(kind: EventType) -> None:
    with pytest.raises(ArmsRuleError) as info:
        check_new_event(DESTROYED, ev(kind, D(2021, 1, 1)), today=D(2024, 1, 1))
    assert info.value.code == "lifecycle.not_allowed"
    assert info.value.field == "event_type" and info.value.value == kind.value
    assert "destroyed" in str(info.value)


def test_an_event_dated_before_the_previous_one_is_refused() -> None:
    history = [ev(E.IMPORTED, D(2019, 1, 1), 1), ev(E.REGISTERED, D(2020, 1, 1), 2)]
    with pytest.raises(ArmsRuleError) as info:
        check_new_event(history, ev(E.REPORTED_STOLEN, D(2019, 12, 31)), today=D(2024, 1, 1))
    assert (info.value.code, info.value.field) == ("event.before_previous", "occurred_on")
    assert info.value.value == D(2019, 12, 31)


def test_an_event_dated_before_the_year_of_manufacture_is_refused() -> None:
    with pytest.raises(ArmsRuleError, match="year of manufacture 2015") as info:
        check_new_event([], ev(E.FOUND, D(2014, 5, 1)), year_of_manufacture=2015,
                        today=D(2024, 1, 1))
    assert info.value.code == "event.before_manufacture"


def test_a_future_event_is_refused() -> None:
    with pytest.raises(ArmsRuleError, match="future"):
        check_new_event([], ev(E.FOUND, D(2030, 1, 1)), today=D(2024, 1, 1))


def test_a_correction_that_references_no_event_is_refused() -> None:
    with pytest.raises(ArmsRuleError) as info:
        check_new_event(DESTROYED, ev(E.CORRECTION, D(2021, 1, 1), corrects=99,
                                      details={"void": True}), today=D(2024, 1, 1))
    assert (info.value.code, info.value.field, info.value.value) == (
        "correction.unknown_event", "corrects", 99)


def test_voiding_a_wrong_destruction_brings_the_weapon_back_to_custody() -> None:
    fix = ev(E.CORRECTION, D(2021, 1, 1), corrects=3, details={"void": True})
    assert check_new_event(DESTROYED, fix, today=D(2024, 1, 1)) is WeaponStatus.SURRENDERED
    assert [e.event_type for e in effective_history([*DESTROYED, ev(
        E.CORRECTION, D(2021, 1, 1), 4, corrects=3, details={"void": True})])] == [
        E.IMPORTED, E.SURRENDERED]


def test_a_correction_that_would_break_the_order_is_refused() -> None:
    fix = ev(E.CORRECTION, D(2021, 1, 1), corrects=2, details={"occurred_on": "2021-01-01"})
    with pytest.raises(ArmsRuleError, match="before the previous event"):
        check_new_event(DESTROYED, fix, today=D(2024, 1, 1))


def test_the_status_on_a_day_leaves_out_the_events_of_that_incident() -> None:
    history = [ev(E.IMPORTED, D(2019, 1, 1), 1), ev(E.REGISTERED, D(2019, 2, 1), 2),
               ev(E.REPORTED_STOLEN, D(2020, 1, 1), 3),
               ev(E.SEIZED, D(2021, 3, 3), 4, incident_uid="inc-1")]
    assert status_on(history, D(2021, 3, 3), ignore_incident="inc-1") is WeaponStatus.STOLEN
    assert status_on(history, D(2019, 6, 1)) is WeaponStatus.REGISTERED
    assert status_on(history, D(2018, 1, 1)) is None
    assert replay(history) is WeaponStatus.SEIZED


# ---------------------------------------------------------------- on the store


def test_the_whole_lifecycle_from_import_to_destruction(engine: sa.Engine) -> None:
    reg = seed_registry(engine)
    officer, w1 = reg.officer, reg.weapons["w1"]
    transfer_weapon(engine, officer, w1, reg.owners["alice"], reg.owners["bob"], "L-200",
                    D(2022, 3, 1))
    record_event(engine, officer, w1, EventInput(E.REPORTED_STOLEN, D(2023, 1, 5)))
    incident = add_incident(engine, "R1-A", D(2023, 4, 2))
    record_event(engine, officer, w1, EventInput(E.SEIZED, D(2023, 4, 2), incident_uid=incident,
                                                 case_reference="CASE-7"))
    record_event(engine, officer, w1, EventInput(E.STORED, D(2023, 4, 3), place="Evidence room"))
    add_destruction_batch(engine, officer, BatchInput("CERT-1", "smelting", D(2023, 9, 1),
                                                      "Foundry", ("Judge A", "Observer B")))
    destroy_in_batch(engine, officer, "CERT-1", [w1])

    h = weapons_history.history(engine, officer, w1)
    assert h.status == "destroyed"
    assert [e.event_type for e in h.events] == ["imported", "registered", "transferred",
                                                "reported_stolen", "seized", "stored",
                                                "destroyed"]
    assert [(x.owner_name, x.from_date, x.to_date) for x in h.holdings] == [
        ("Alice Marin", D(2020, 2, 1), D(2022, 3, 1)), ("Bob Dushenko", D(2022, 3, 1),
                                                         D(2023, 4, 2))]
    assert get_batch(engine, officer, "CERT-1").weapons == [w1]
    assert last_legal_holder(engine, officer, w1).owner_name == "Bob Dushenko"
    answer = check_weapon(engine, officer, "12345", reason="test").weapons[0]
    assert (answer.status, answer.registered, answer.holder) == ("destroyed", False, None)
    breakdown = weapons_links.incidents_by_legal_status(engine, reg.viewers["analyst"],
                                                        D(2023, 1, 1), D(2023, 12, 31))
    assert {r.code: (r.incidents, r.from_registry) for r in breakdown.rows}["illegal"] == (1, 1)
    assert breakdown.registry_statuses == {"stolen": 1}


def test_a_destroyed_weapon_cannot_be_seized_again(engine: sa.Engine) -> None:
    reg = seed_registry(engine)
    w3 = reg.weapons["w3"]
    record_event(engine, reg.officer, w3, EventInput(E.SURRENDERED, D(2021, 1, 1)))
    add_destruction_batch(engine, reg.officer, BatchInput("C-9", "cutting", D(2021, 2, 1),
                                                          "Depot"))
    destroy_in_batch(engine, reg.officer, "C-9", [w3])
    before = table_counts(engine)
    with pytest.raises(ValidationFailed) as info:
        record_event(engine, reg.officer, w3, EventInput(E.SEIZED, D(2022, 1, 1)))
    assert info.value.errors[0]["code"] == "lifecycle.not_allowed"
    assert "destroyed cannot be seized" in info.value.detail
    assert table_counts(engine) == before


def test_a_transfer_from_someone_who_is_not_the_owner_is_refused(engine: sa.Engine) -> None:
    reg = seed_registry(engine)
    before = table_counts(engine)
    with pytest.raises(ValidationFailed) as info:
        transfer_weapon(engine, reg.officer, reg.weapons["w1"], reg.owners["bob"],
                        reg.owners["safeguard"], "L-300", D(2022, 1, 1))
    assert info.value.errors[0] | {"message": ""} == {
        "field": "from_owner", "code": "transfer.not_owner", "value": reg.owners["bob"],
        "message": ""}
    assert table_counts(engine) == before


def test_a_destroyed_weapon_in_a_batch_rolls_back_the_whole_batch(engine: sa.Engine) -> None:
    reg = seed_registry(engine)
    record_event(engine, reg.officer, reg.weapons["w3"],
                 EventInput(E.SURRENDERED, D(2021, 1, 1)))
    add_destruction_batch(engine, reg.officer, BatchInput("C-10", "crushing", D(2021, 2, 1),
                                                          "Depot"))
    before = table_counts(engine)
    with pytest.raises(ValidationFailed) as info:  # w1 is still registered to Alice
        destroy_in_batch(engine, reg.officer, "C-10", [reg.weapons["w3"], reg.weapons["w1"]])
    assert info.value.errors[0]["weapon"] == reg.weapons["w1"]
    assert table_counts(engine) == before


def test_a_surrender_in_a_campaign_must_fall_within_its_dates(engine: sa.Engine) -> None:
    reg = seed_registry(engine)
    add_campaign(engine, reg.officer, CampaignInput("Safe Homes 2021", D(2021, 5, 1),
                                                    D(2021, 6, 30), "R1", ("Town hall",)))
    w3 = reg.weapons["w3"]
    with pytest.raises(ValidationFailed, match="campaign runs from"):
        record_event(engine, reg.officer, w3, EventInput(E.SURRENDERED, D(2021, 7, 1),
                                                         campaign="Safe Homes 2021"))
    with pytest.raises(ValidationFailed, match="no collection campaign"):
        record_event(engine, reg.officer, w3, EventInput(E.SURRENDERED, D(2021, 6, 1),
                                                         campaign="Nope"))
    record_event(engine, reg.officer, w3, EventInput(E.SURRENDERED, D(2021, 6, 1),
                                                     campaign="Safe Homes 2021"))
    assert list_campaigns(engine, reg.officer)[0].surrendered == 1


def test_a_correction_is_a_new_event_and_the_history_is_never_rewritten(
        engine: sa.Engine) -> None:
    reg = seed_registry(engine)
    w3 = reg.weapons["w3"]
    lost = record_event(engine, reg.officer, w3, EventInput(E.REPORTED_LOST, D(2021, 1, 1)))
    correct_event(engine, reg.officer, w3, lost.event_id, {"event_type": "reported_stolen"},
                  "the owner's statement says stolen")
    h = weapons_history.history(engine, reg.officer, w3)
    assert h.status == "stolen"
    original = next(e for e in h.events if e.id == lost.event_id)
    assert (original.event_type, original.effective_type) == ("reported_lost", "reported_stolen")
    assert h.events[-1].corrects_event_id == lost.event_id
    before = table_counts(engine)
    with pytest.raises(ValidationFailed) as info:
        correct_event(engine, reg.officer, w3, 999_999, {"void": True}, "typo")
    assert info.value.errors[0]["code"] == "correction.unknown_event"
    assert table_counts(engine) == before


def test_a_seizure_linked_to_an_unknown_incident_is_refused(engine: sa.Engine) -> None:
    reg = seed_registry(engine)
    before = table_counts(engine)
    with pytest.raises(ValidationFailed) as info:
        record_event(engine, reg.officer, reg.weapons["w2"],
                     EventInput(E.SEIZED, D(2022, 1, 1), incident_uid="no-such-incident"))
    assert info.value.errors[0]["field"] == "incident_uid"
    assert table_counts(engine) == before


def test_incidents_break_down_by_registry_status_then_declared_status(
        engine: sa.Engine) -> None:
    reg = seed_registry(engine)
    legal = add_incident(engine, "R2-A", D(2022, 2, 2))           # w2 registered to Bob
    weapons_links.link_incident(engine, reg.officer, reg.weapons["w2"], legal)
    add_incident(engine, "R1-A", D(2022, 3, 3), legal_status="illegally_modified_or_converted")
    add_incident(engine, "R1-A", D(2022, 3, 4))                   # firearm, nothing declared
    add_incident(engine, "R1-A", D(2022, 3, 5), weapon_category="sharp")  # not a firearm
    result = weapons_links.incidents_by_legal_status(engine, reg.viewers["analyst"],
                                                     D(2022, 1, 1), D(2022, 12, 31))
    counts = {r.code: (r.incidents, r.from_registry) for r in result.rows}
    assert counts == {"legal": (1, 1), "illegal": (0, 0),
                      "illegally_modified_or_converted": (1, 0), "unknown": (1, 0)}
    north = weapons_links.incidents_by_legal_status(engine, reg.viewers["analyst"],
                                                    D(2022, 1, 1), D(2022, 12, 31), "R1")
    assert north.total == 2


def test_history_hides_holders_from_viewers_without_owner_rights(engine: sa.Engine) -> None:
    reg = seed_registry(engine)
    h = weapons_history.history(engine, reg.viewers["analyst"], reg.weapons["w1"])
    assert [(x.owner_uid, x.owner_name, x.licence_number) for x in h.holdings] == [
        (None, None, None)]
    with engine.connect() as conn:
        events = conn.execute(sa.select(sa.func.count()).select_from(w.weapon_event)).scalar()
    assert events == 5


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([k for k in EventType if k is not E.CORRECTION]), max_size=8))
def test_no_accepted_history_goes_on_after_a_destruction(kinds: list[EventType]) -> None:
    history: list[LifecycleEvent] = []
    for number, kind in enumerate(kinds, start=1):
        new = ev(kind, D(2000, 1, 1) + dt.timedelta(days=number), number)
        try:
            check_new_event(history, new, today=D(2024, 1, 1))
        except ArmsRuleError as exc:
            assert exc.code == "lifecycle.not_allowed"
            continue
        assert all(e.event_type is not E.DESTROYED for e in history)
        history.append(new)
    statuses = [replay(history[:n]) for n in range(1, len(history) + 1)]
    assert WeaponStatus.DESTROYED not in statuses[:-1]


def test_an_event_that_closed_a_holding_cannot_be_voided(engine: sa.Engine) -> None:
    reg = seed_registry(engine)
    w2 = reg.weapons["w2"]
    seized = record_event(engine, reg.officer, w2, EventInput(E.SEIZED, D(2022, 5, 5)))
    before = table_counts(engine)
    with pytest.raises(ValidationFailed) as info:
        correct_event(engine, reg.officer, w2, seized.event_id, {"void": True}, "wrong weapon")
    assert (info.value.errors[0]["code"], info.value.errors[0]["value"]) == (
        "correction.holding", seized.event_id)
    assert table_counts(engine) == before
    correct_event(engine, reg.officer, w2, seized.event_id, {"place": "Checkpoint 4"}, "place")
    assert weapons_history.history(engine, reg.officer, w2).status == "seized"
