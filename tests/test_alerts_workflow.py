"""The alert workflow: legal moves only, by managers only, every move audited."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alerts_support import TODAY, plant_surge, seed_weekly

from salus.domain.accounts.roles import SYSTEM_VIEWER, Viewer
from salus.storage import alerts as a
from salus.storage import schema as t
from salus.usecases.alerts import workflow as alerts
from salus.usecases.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

ANA = Viewer.for_role("ana", "analyst")


def _one_alert(engine: sa.Engine) -> int:
    seed_weekly(engine)
    plant_surge(engine)
    alerts.add_rule(engine, SYSTEM_VIEWER, alerts.RuleSpec("surge", "ears_c1", area_level=2))
    return int(alerts.run_rules(engine, today=TODAY).fired[0]["id"])


def _bound_to(engine: sa.Engine, code: str) -> Viewer:
    with engine.connect() as conn:
        area_id = conn.scalar(sa.select(t.area.c.id).where(t.area.c.code == code))
    return Viewer.for_role(f"analyst-{code}", "analyst", area_id=area_id, area_code=code)


def test_an_analyst_bound_to_another_region_neither_sees_nor_moves_the_alert(
        engine: sa.Engine) -> None:
    alert_id = _one_alert(engine)  # the surge is in R1-A, in region R1
    south, north = _bound_to(engine, "R2"), _bound_to(engine, "R1")
    assert alerts.list_alerts(engine, south) == []
    assert [r["id"] for r in alerts.list_alerts(engine, north)] == [alert_id]
    for attempt in (lambda: alerts.get_alert(engine, alert_id, south),
                    lambda: alerts.transition(engine, alert_id, "dismissed", south, "not ours"),
                    lambda: alerts.assign(engine, alert_id, "mallory", south)):
        with pytest.raises(NotFound):
            attempt()
    unchanged = alerts.get_alert(engine, alert_id, north)
    assert unchanged["status"] == "new" and unchanged["assignee"] is None
    assert alerts.transition(engine, alert_id, "acknowledged", north)["status"] == "acknowledged"


def test_an_alert_goes_from_new_to_resolved_and_every_move_is_audited(engine: sa.Engine) -> None:
    alert_id = _one_alert(engine)
    alerts.assign(engine, alert_id, "ana", ANA)
    alerts.transition(engine, alert_id, "acknowledged", ANA, "seen, calling the district")
    alerts.transition(engine, alert_id, "response_planned", ANA, "mediation team on Friday")
    done = alerts.transition(engine, alert_id, "resolved", ANA, "met both groups",
                             response="community mediation held; patrols increased")
    assert done["status"] == "resolved" and done["assignee"] == "ana"
    assert done["response"] == "community mediation held; patrols increased"
    assert "mediation team on Friday" in done["notes"]
    history = alerts.get_alert(engine, alert_id, ANA)["events"]
    assert [(e["from_status"], e["to_status"]) for e in history] == [
        (None, "new"), ("new", "acknowledged"), ("acknowledged", "response_planned"),
        ("response_planned", "resolved")]
    with engine.connect() as conn:
        audited = conn.execute(sa.select(t.audit_event.c.action, t.audit_event.c.actor,
                                         t.audit_event.c.after)
                               .where(t.audit_event.c.entity == "alert")
                               .order_by(t.audit_event.c.id)).all()
    assert [r.action for r in audited] == ["create", "assign", "transition", "transition",
                                           "transition"]
    assert [r.after["status"] for r in audited if r.action == "transition"] == [
        "acknowledged", "response_planned", "resolved"]


ILLEGAL = [((), "resolved"), ((), "response_planned"), (("acknowledged",), "new"),
           (("dismissed",), "acknowledged"),
           (("acknowledged", "response_planned", "resolved"), "dismissed")]


def test_the_state_machine_forbids_illegal_transitions(engine: sa.Engine) -> None:
    seed_weekly(engine)
    for code in ("R1-A", "R1-B", "R2-A", "R2-B", "R1-A"):
        plant_surge(engine, code)
    alerts.add_rule(engine, SYSTEM_VIEWER, alerts.RuleSpec("surge", "ears_c1", area_level=2))
    ids = [f["id"] for f in alerts.run_rules(engine, today=TODAY).fired]
    assert len(ids) == 4
    for alert_id, (path, illegal) in zip(ids * 2, ILLEGAL, strict=False):
        for status in path:
            alerts.transition(engine, alert_id, status, ANA, "ok", response="done")
        with pytest.raises(Conflict):
            alerts.transition(engine, alert_id, illegal, ANA, "not allowed")
    with engine.connect() as conn:
        events = conn.scalar(sa.select(sa.func.count()).select_from(a.alert_event))
    assert events == 4 + sum(len(path) for path, _ in ILLEGAL)


def test_resolving_needs_the_response_taken_and_unknown_alerts_are_not_found(
        engine: sa.Engine) -> None:
    alert_id = _one_alert(engine)
    alerts.transition(engine, alert_id, "acknowledged", ANA)
    alerts.transition(engine, alert_id, "response_planned", ANA)
    with pytest.raises(ValidationFailed):
        alerts.transition(engine, alert_id, "resolved", ANA)
    with pytest.raises(NotFound):
        alerts.transition(engine, 9999, "acknowledged", ANA)


def test_only_analysts_and_admins_move_alerts(engine: sa.Engine) -> None:
    alert_id = _one_alert(engine)
    for role in ("data_entry", "community_monitor", "public"):
        with pytest.raises(PermissionDenied):
            alerts.transition(engine, alert_id, "acknowledged", Viewer.for_role("x", role))
        with pytest.raises(PermissionDenied):
            alerts.assign(engine, alert_id, "x", Viewer.for_role("x", role))
    assert alerts.get_alert(engine, alert_id, ANA)["status"] == "new"
