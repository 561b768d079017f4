"""A citizen report from submission to incident, alert and public page (SQLite and PostgreSQL)."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from citizen_reports_support import ANA, PNG, monty, row, store, submit

from salus.domain.accounts.roles import PUBLIC_VIEWER
from salus.storage import schema as t
from salus.storage.citizen_reports.schema import citizen_report_event, citizen_report_photo
from salus.usecases.citizen_reports import review
from salus.usecases.citizen_reports.public import recent_reports
from salus.usecases.errors import Conflict, ValidationFailed

__all__ = ["store"]


def _verify(engine: sa.Engine, reference: str, **kwargs: object) -> review.VerifyResult:
    return review.verify(engine, ANA, review.report_id_for(engine, reference),
                         **kwargs)  # type: ignore[arg-type]


def test_a_report_becomes_an_incident_then_a_public_item_without_reporter_data(
        store: sa.Engine) -> None:
    engine = store
    receipt = submit(engine, "flow-k" * 4, contact="+234 800 000 0001", photo=PNG,
                     longitude="0.54321", latitude="1.23456", occurred_on="2024-05-02")
    stored = row(engine, receipt.reference)
    assert receipt.created and stored["status"] == "unverified"
    assert json.loads(stored["raw"])["contact"] == "+234 800 000 0001"  # kept verbatim
    assert stored["phone_hash"] and "+234" not in stored["phone_hash"]
    result = _verify(engine, receipt.reference, note="confirmed with the police station")
    with engine.connect() as conn:
        incident = conn.execute(
            sa.select(t.incident.c.iccs_code, t.incident.c.occurred_on, t.incident_source.c)
            .join(t.incident_source, t.incident_source.c.incident_id == t.incident.c.id)
            .where(t.incident.c.uid == result.incident_uid)).mappings().one()
        photo = conn.execute(sa.select(citizen_report_photo)).mappings().one()
    assert incident["source_type"] == "citizen_report"
    assert incident["record_id"] == receipt.reference and incident["iccs_code"] == "090111"
    assert str(incident["occurred_on"])[:10] == "2024-05-02"
    assert photo["content_type"] == "image/png" and len(photo["sha256"]) == 64
    assert recent_reports(engine, PUBLIC_VIEWER, "C", public=True) == []
    review.publish(engine, ANA, review.report_id_for(engine, receipt.reference),
                   "Shots near the market")
    [public] = recent_reports(engine, PUBLIC_VIEWER, "R1", public=True)
    assert (public.category, public.area_code, public.description) == (
        "shooting", "R1-A", "Shots near the market")
    assert (public.longitude, public.latitude) == (0.5, 1.2)
    text = repr(public)
    for secret in ("+234", "10.0.0.1", receipt.reference, "after dark"):
        assert secret not in text
    assert recent_reports(engine, PUBLIC_VIEWER, "R2", public=True) == []


def test_every_state_change_is_an_event_and_an_audit_entry(store: sa.Engine) -> None:
    engine = store
    first, second, third = (submit(engine, f"events-{n}" * 4).reference for n in "abc")
    review.reject(engine, ANA, review.report_id_for(engine, first), "a film shoot")
    review.mark_duplicate(engine, ANA, review.report_id_for(engine, second), third, "same")
    with engine.connect() as conn:
        ev = citizen_report_event
        ids = [row(engine, r)["id"] for r in (first, second, third)]
        actions = conn.execute(sa.select(ev.c.action).where(ev.c.report_id.in_(ids))
                               .order_by(ev.c.id)).scalars().all()
        audited = conn.execute(sa.select(t.audit_event.c.action, t.audit_event.c.entity_id)
                               .where(t.audit_event.c.entity == "citizen_report")).all()
    assert actions == ["received"] * 3 + ["rejected", "duplicate"]
    assert ("rejected", first) in audited and ("duplicate", second) in audited
    assert row(engine, second)["duplicate_of"] == row(engine, third)["id"]
    with pytest.raises(Conflict):
        _verify(engine, first)
    with pytest.raises(ValidationFailed):
        review.mark_duplicate(engine, ANA, review.report_id_for(engine, third), third)


def test_a_report_without_a_place_or_offence_needs_the_verifier_to_say(
        store: sa.Engine) -> None:
    engine = store
    reference = submit(engine, "noplace-" * 3, category="other", area_code="",
                       longitude="9.5", latitude="9.5").reference   # outside every area
    assert row(engine, reference)["area_id"] is None
    with pytest.raises(ValidationFailed) as caught:
        _verify(engine, reference)
    assert "area_code" in caught.value.by_field()
    assert row(engine, reference)["status"] == "unverified"
    _verify(engine, reference, area_code="R2-B", iccs_code="0208")
    assert row(engine, reference)["status"] == "verified"


def test_a_tapped_point_is_placed_in_the_deepest_area_that_holds_it(store: sa.Engine) -> None:
    engine = store
    reference = submit(engine, "tapped-" * 3, area_code="", longitude="2.5",
                       latitude="1.0").reference
    with engine.connect() as conn:
        code = conn.scalar(sa.select(t.area.c.code).where(
            t.area.c.id == row(engine, reference)["area_id"]))
    assert code == "R2-A"


def test_a_scoped_verifier_sees_only_reports_in_their_region(store: sa.Engine) -> None:
    engine = store
    mine = submit(engine, "scoped-r1-" * 2, area_code="R1-B").reference
    other = submit(engine, "scoped-r2-" * 2, area_code="R2-A").reference
    viewer = monty(engine)
    seen = {r.reference for r in review.list_reports(engine, viewer, review.ReportFilter(),
                                                     ).items}
    assert mine in seen and other not in seen
    assert review.verify(engine, viewer, review.report_id_for(engine, mine)).incident_uid
    _verify(engine, other)
    areas = {r.area_code for r in recent_reports(engine, viewer, "C")}
    assert "R1-B" in areas and not any(a and a.startswith("R2") for a in areas)
