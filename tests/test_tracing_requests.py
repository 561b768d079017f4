"""Tracing requests on SQLite and PostgreSQL: rules, statuses, national-records answers, owners'
data shown only to those who may see it."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from arms_stock_support import (
    ANALYST,
    CLERK,
    OFFICER,
    stock_engine_fixture,  # noqa: F401 - fixture
    store_fixture,  # noqa: F401 - fixture
    table_counts,
)
from tracing_support import D, event, owner, register, weapon, weapon_id

from salus.storage import schema as t
from salus.storage.weapons import stock_schema as st
from salus.usecases.errors import NotFound, PermissionDenied, ValidationFailed
from salus.usecases.weapons import tracing as uc

TODAY = dt.date(2025, 6, 1)


def ask(engine: sa.Engine, uid: int | str, to: str = "national_records", **fields: object
        ) -> uc.TraceView:
    return uc.create_request(engine, OFFICER, uc.TraceInput(uid, to, **fields), TODAY)  # type: ignore[arg-type]


@pytest.fixture
def stolen(store: sa.Engine) -> str:
    """A pistol registered in 2020, reported stolen in 2023, seized in 2024."""
    uid = weapon(store, "ST-1")
    holder = owner(store, "Ana", "ID-1")
    register(store, uid, holder, "ID-1", "2020-01-01")
    event(store, uid, "reported_stolen", "2023-05-01")
    event(store, uid, "seized", "2024-02-10")
    return uid


def test_a_trace_for_a_weapon_never_seized_found_or_surrendered_is_refused(
        store: sa.Engine) -> None:
    uid = weapon(store, "NEVER")
    before = table_counts(store, st.trace_request, t.audit_event)
    with pytest.raises(ValidationFailed, match="never seized, found or surrendered"):
        ask(store, uid)
    assert table_counts(store, st.trace_request, t.audit_event) == before


def test_a_request_concerns_one_of_the_weapons_recoveries(store: sa.Engine, stolen: str
                                                          ) -> None:
    view = ask(store, stolen)
    assert (view.recovery, view.recovered_on, view.status, view.outcome) == (
        "seized", D("2024-02-10"), "draft", "pending")
    assert view.reference == f"TR-2024-{view.id:05d}"
    other = weapon(store, "OTHER")
    seizure = event(store, other, "seized", "2024-03-01")
    with pytest.raises(ValidationFailed, match=f"event {seizure} is not a seizure"):
        ask(store, stolen, recovery_event_id=seizure)


def test_a_response_before_the_request_is_refused(store: sa.Engine, stolen: str) -> None:
    view = ask(store, stolen, status="sent", sent_on=D("2024-03-01"))
    with pytest.raises(ValidationFailed, match="before the request was sent on 2024-03-01"):
        uc.update_request(store, OFFICER, view.reference, {
            "status": "answered", "response_on": D("2024-02-20"), "outcome": "traced_legal",
            "established_by": "trace_response"}, TODAY)
    assert uc.get_request(store, OFFICER, view.reference).status == "sent"


def test_a_request_sent_before_the_seizure_is_refused(store: sa.Engine, stolen: str) -> None:
    with pytest.raises(ValidationFailed, match="before the arm was recovered on 2024-02-10"):
        ask(store, stolen, status="sent", sent_on=D("2024-01-01"))


def test_the_national_records_are_asked_first(store: sa.Engine, stolen: str) -> None:
    with pytest.raises(ValidationFailed, match="ask the national records before"):
        ask(store, stolen, "manufacturer")
    ask(store, stolen)
    assert ask(store, stolen, "manufacturer", recipient="Zastava Arms").requested_to == \
        "manufacturer"


def test_a_status_moves_only_along_the_workflow(store: sa.Engine, stolen: str) -> None:
    view = ask(store, stolen, status="sent", sent_on=D("2024-03-01"))
    uc.update_request(store, OFFICER, view.reference, {"status": "closed"}, TODAY)
    with pytest.raises(ValidationFailed, match="a closed request cannot become sent"):
        uc.update_request(store, OFFICER, view.reference, {"status": "sent"}, TODAY)
    with pytest.raises(ValidationFailed, match="weapon_id cannot be changed"):
        uc.update_request(store, OFFICER, view.reference, {"weapon_id": 3}, TODAY)


def test_an_illicit_origin_needs_its_point_of_diversion(store: sa.Engine, stolen: str) -> None:
    view = ask(store, stolen, status="sent", sent_on=D("2024-03-01"))
    with pytest.raises(ValidationFailed, match="point of diversion"):
        uc.update_request(store, OFFICER, view.reference, {
            "status": "answered", "response_on": D("2024-04-01"), "outcome": "traced_illicit",
            "established_by": "trace_response"}, TODAY)


def test_the_registry_answers_with_the_last_legal_holder_and_the_reported_theft(
        store: sa.Engine, stolen: str) -> None:
    view = uc.answer_from_national_records(store, OFFICER, ask(store, stolen).reference, TODAY)
    assert (view.status, view.outcome, view.point_of_diversion, view.established_by) == (
        "answered", "traced_illicit", "theft_from_civilian_owner", "records_check")
    assert view.last_legal_holder is not None and view.last_legal_holder.name == "Ana Holder"
    assert (view.sent_on, view.response_on) == (TODAY, TODAY)


def test_a_surrender_by_the_holder_is_answered_in_part_and_the_officer_decides(
        store: sa.Engine) -> None:
    uid = weapon(store, "SU-1")
    holder = owner(store, "Bo", "ID-2")
    register(store, uid, holder, "ID-2", "2021-01-01")
    event(store, uid, "surrendered", "2024-03-01", area="R1-B")
    view = uc.answer_from_national_records(store, OFFICER, ask(store, uid).reference, TODAY)
    assert (view.status, view.outcome) == ("partially_answered", "pending")
    done = uc.update_request(store, OFFICER, view.reference, {
        "status": "answered", "outcome": "traced_legal", "established_by": "records_check"},
        TODAY)
    assert done.outcome == "traced_legal"


def test_an_unregistered_weapon_is_not_in_the_national_records(store: sa.Engine) -> None:
    uid = weapon(store, None, area="R2-A")
    event(store, uid, "found", "2024-04-01", area="R2-A")
    view = uc.answer_from_national_records(store, OFFICER, ask(store, uid).reference, TODAY)
    assert not view.holder_known and "no civilian registration" in (view.response or "")


def test_only_registry_officers_see_the_last_legal_holder_and_that_read_is_audited(
        store: sa.Engine, stolen: str) -> None:
    reference = ask(store, stolen).reference
    uc.answer_from_national_records(store, OFFICER, reference, TODAY)
    seen_by_analyst = uc.get_request(store, ANALYST, reference)
    assert seen_by_analyst.holder_known and seen_by_analyst.last_legal_holder is None
    before = table_counts(store, t.audit_event)[0]
    assert uc.list_requests(store, OFFICER, weapon=stolen)[0].last_legal_holder is not None
    with store.connect() as conn:
        last = conn.execute(sa.select(t.audit_event).order_by(t.audit_event.c.id.desc())
                            ).mappings().first()
    assert table_counts(store, t.audit_event)[0] == before + 1
    assert last is not None and last["entity"] == "arms_owner"


def test_permissions_to_read_write_and_check_records(store: sa.Engine, stolen: str) -> None:
    with pytest.raises(PermissionDenied):
        uc.create_request(store, ANALYST, uc.TraceInput(stolen, "national_records"), TODAY)
    with pytest.raises(PermissionDenied):
        uc.list_requests(store, CLERK)
    reference = ask(store, stolen).reference
    with pytest.raises(NotFound):
        uc.get_request(store, OFFICER, "TR-0000-00000")
    assert [v.reference for v in uc.list_requests(store, ANALYST, status="draft")] == [reference]
    assert uc.list_requests(store, ANALYST, outcome="traced_illicit") == []


def test_requests_are_audited(store: sa.Engine, stolen: str) -> None:
    reference = ask(store, stolen, status="sent", sent_on=D("2024-03-01")).reference
    uc.update_request(store, OFFICER, reference, {"status": "no_response",
                                                  "outcome": "no_response"}, TODAY)
    with store.connect() as conn:
        rows = conn.execute(sa.select(t.audit_event.c.action, t.audit_event.c.after).where(
            t.audit_event.c.entity == "trace_request")).all()
    assert [r.action for r in rows] == ["create", "update"]
    assert rows[1].after == {"status": "no_response", "outcome": "no_response"}


def test_a_weapon_found_by_id_too(store: sa.Engine, stolen: str) -> None:
    assert ask(store, weapon_id(store, stolen)).recovery == "seized"


def test_a_weapon_lost_from_a_stockpile_and_found_again_traces_to_the_stockpile(
        store: sa.Engine) -> None:
    uid = weapon(store, "DEPOT-1")
    event(store, uid, "seized", "2022-01-10")
    event(store, uid, "stored", "2022-01-11")
    event(store, uid, "reported_lost", "2023-06-30")
    event(store, uid, "found", "2024-05-01")
    view = uc.answer_from_national_records(store, OFFICER, ask(store, uid).reference, TODAY)
    assert (view.outcome, view.point_of_diversion, view.recovery) == (
        "traced_illicit", "loss_from_state_stockpile", "found")
    assert "held by the State when reported lost on 2023-06-30" in (view.response or "")
