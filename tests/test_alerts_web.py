"""Alerts and tension pages: inbox, one alert with its series, the workflow, permissions."""

from __future__ import annotations

import sqlalchemy as sa
from alerts_support import TODAY, plant_surge, seed_weekly
from web_support import add_cast, client, csrf_from, sign_in

from salus.domain.accounts.roles import SYSTEM_VIEWER
from salus.storage import schema as t
from salus.usecases.alerts import workflow as alerts


def _observatory(engine: sa.Engine) -> int:
    seed_weekly(engine)
    plant_surge(engine)
    add_cast(engine)
    alerts.add_rule(engine, SYSTEM_VIEWER, alerts.RuleSpec("surge", "ears_c1", area_level=2))
    return int(alerts.run_rules(engine, today=TODAY).fired[0]["id"])


def test_an_analyst_works_an_alert_from_the_inbox_and_clerks_cannot(engine: sa.Engine) -> None:
    alert_id = _observatory(engine)
    dora = client(engine)
    dora_csrf = sign_in(dora, "dora")
    page = dora.get("/alerts")
    assert page.status_code == 200 and "District R1-A" in page.text
    detail = dora.get(f"/alerts/{alert_id}")
    assert detail.status_code == 200 and 'id="transition"' not in detail.text
    assert "data-series" in detail.text
    refused = dora.post(f"/alerts/{alert_id}/transition",
                        data={"status": "acknowledged", "csrf_token": dora_csrf})
    assert refused.status_code == 403
    ana = client(engine)
    sign_in(ana, "ana")
    form = ana.get(f"/alerts/{alert_id}")
    assert 'id="transition"' in form.text
    moved = ana.post(f"/alerts/{alert_id}/transition", follow_redirects=False,
                     data={"status": "acknowledged", "note": "calling", "assignee": "ana",
                           "csrf_token": csrf_from(form.text)})
    assert moved.status_code == 303
    after = ana.get(f"/alerts/{alert_id}").text
    assert ">acknowledged<" in after and "calling" in after
    illegal = ana.post(f"/alerts/{alert_id}/transition",
                       data={"status": "resolved", "csrf_token": csrf_from(after)})
    assert illegal.status_code == 409
    no_csrf = ana.post(f"/alerts/{alert_id}/transition", data={"status": "dismissed"})
    assert no_csrf.status_code == 403
    with engine.connect() as conn:
        actors = conn.scalars(sa.select(t.audit_event.c.actor).where(
            t.audit_event.c.entity == "alert", t.audit_event.c.action == "transition")).all()
    assert actors == ["ana"]


def test_the_public_cannot_see_the_inbox(engine: sa.Engine) -> None:
    _observatory(engine)
    pub = client(engine)
    sign_in(pub, "pub")
    assert pub.get("/alerts").status_code == 403
    assert pub.get("/tension").status_code == 403


def test_a_community_monitor_submits_a_tension_report_on_the_form(engine: sa.Engine) -> None:
    seed_weekly(engine, weeks=1)
    add_cast(engine)
    monty = client(engine)
    sign_in(monty, "monty")
    page = monty.get("/tension")
    assert 'id="tension-form"' in page.text
    scores = {theme: "4" for theme in ("intergroup_relations", "displacement_refugees",
                                       "land_water", "governance", "economy", "crime",
                                       "security_forces")}
    saved = monty.post("/tension", data={"area": "R1-A", "period": "2024-05-01",
                                         "narrative": "roadblock", "csrf_token":
                                         csrf_from(page.text), **scores})
    assert saved.status_code == 200 and "District R1-A" in saved.text
    dora = client(engine)
    sign_in(dora, "dora")
    assert 'id="tension-form"' not in dora.get("/tension").text


def test_a_monitor_bound_to_another_region_finds_no_alert_of_the_north(
        engine: sa.Engine) -> None:
    seed_weekly(engine)
    plant_surge(engine)  # in R1-A, region R1
    add_cast(engine, scoped_area="R2")
    alerts.add_rule(engine, SYSTEM_VIEWER, alerts.RuleSpec("surge", "ears_c1", area_level=2))
    alert_id = int(alerts.run_rules(engine, today=TODAY).fired[0]["id"])
    monty = client(engine)
    sign_in(monty, "monty")
    inbox = monty.get("/alerts?status=all")
    assert inbox.status_code == 200 and "R1-A" not in inbox.text
    assert f"/alerts/{alert_id}" not in inbox.text
    assert monty.get(f"/alerts/{alert_id}").status_code == 404
    ana = client(engine)
    sign_in(ana, "ana")
    assert f"/alerts/{alert_id}" in ana.get("/alerts?status=all").text
