"""The alerts REST API (issue 13): list with filters and pages, detail, transitions, assignment
and escalation under the web's permission and scope rules, and notifications on state changes:
assigned → the assignee, escalated → the administrators of the alert's area, resolved → the
rule's creator, the assignee and the rule's recipients, each once.

Two weekly surges (R1-A and R2-A) fire one alert each; ``ana`` is the unbound analyst, ``rita``
an analyst bound to R2, ``chief`` an unbound administrator (who wrote the rule), ``boss1`` and
``boss2`` administrators bound to R1 and R2.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from alerts_support import TODAY, plant_surge, seed_weekly
from notify_servers import SmtpSink, smtp_sink
from web_support import PASSWORD, add_cast, client, sign_in

from salus.domain.accounts.roles import SYSTEM_VIEWER, Viewer
from salus.storage import alerts as a
from salus.usecases.accounts import users as accounts
from salus.usecases.alerts import notify
from salus.usecases.alerts import workflow as alerts
from salus.usecases.errors import ValidationFailed
from salus.usecases.paging import PageRequest

FAST = notify.NotifySettings(max_attempts=2, backoff_s=0.01, timeout_s=5)
ADDRESSES = {"ana": "ana@observatory.test", "rita": "rita@observatory.test",
             "chief": "chief@observatory.test", "boss1": "boss1@observatory.test",
             "boss2": "boss2@observatory.test"}


@pytest.fixture
def observatory(engine: sa.Engine) -> dict[str, int]:
    """The store with its two alerts; returns their ids by district."""
    seed_weekly(engine)
    plant_surge(engine, "R1-A")
    plant_surge(engine, "R2-A")
    add_cast(engine)
    for username, role, area in (("rita", "analyst", "R2"), ("chief", "admin", None),
                                 ("boss1", "admin", "R1"), ("boss2", "admin", "R2")):
        accounts.create_user(engine, SYSTEM_VIEWER, username, PASSWORD, role, area_code=area,
                             email=ADDRESSES[username])
    accounts.update_user(engine, SYSTEM_VIEWER, "ana", email=ADDRESSES["ana"])
    alerts.add_rule(engine, Viewer.for_role("chief", "admin"), alerts.RuleSpec(
        "surge", "ears_c1", area_level=2, recipients=("duty@observatory.test",)))
    alerts.run_rules(engine, today=TODAY, notify_now=False)
    found = {r["area_code"]: int(r["id"]) for r in alerts.list_alerts(engine, SYSTEM_VIEWER)}
    assert sorted(found) == ["R1-A", "R2-A"]
    return found


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpSink]:
    yield from smtp_sink(monkeypatch)


def _queued(engine: sa.Engine, alert_id: int, event: str) -> list[str]:
    n = a.notification
    with engine.connect() as conn:
        return sorted(conn.scalars(sa.select(n.c.target).where(
            n.c.alert_id == alert_id, n.c.event == event)))


def _signed_in(engine: sa.Engine, username: str) -> tuple[object, dict[str, str]]:
    c = client(engine)
    return c, {"X-CSRF-Token": sign_in(c, username)}


def test_an_analyst_lists_alerts_through_the_api_by_status_rule_area_and_page(
        engine: sa.Engine, observatory: dict[str, int]) -> None:
    c, _ = _signed_in(engine, "ana")
    every = c.get("/api/v1/alerts").json()
    assert every["total"] == len(observatory) and every["pages"] == 1
    assert {x["area_code"] for x in every["items"]} == set(observatory)
    first = every["items"][0]
    assert first["rule_name"] == "surge" and first["observed"] > first["upper_bound"]
    assert first["status"] == "new" and first["period_start"] == "2024-05-27"
    north = c.get("/api/v1/alerts?area=R1").json()
    assert [x["area_code"] for x in north["items"]] == ["R1-A"]
    assert c.get("/api/v1/alerts?rule=surge&status=open").json()["total"] == len(observatory)
    assert c.get("/api/v1/alerts?status=resolved").json() == {
        "items": [], "total": 0, "page": 1, "per_page": 50, "pages": 1}
    assert c.get("/api/v1/alerts?since=2024-06-01").json()["total"] == 0
    pages = [c.get(f"/api/v1/alerts?per_page=1&page={p}").json() for p in (1, 2)]
    assert pages[0]["pages"] == len(observatory)
    assert pages[0]["items"][0]["id"] != pages[1]["items"][0]["id"]
    bad = c.get("/api/v1/alerts?status=closed")
    assert bad.status_code == 422 and "closed" in bad.text


def test_a_user_bound_to_r2_lists_and_reads_only_r2_alerts(
        engine: sa.Engine, observatory: dict[str, int]) -> None:
    c, headers = _signed_in(engine, "rita")
    seen = c.get("/api/v1/alerts").json()
    assert [x["area_code"] for x in seen["items"]] == ["R2-A"] and seen["total"] == 1
    assert c.get("/api/v1/alerts?area=R1").json()["total"] == 0
    assert c.get(f"/api/v1/alerts/{observatory['R1-A']}").status_code == 404
    assert c.post(f"/api/v1/alerts/{observatory['R1-A']}/escalate", headers=headers,
                  json={}).status_code == 404
    assert c.get(f"/api/v1/alerts/{observatory['R2-A']}").json()["area_code"] == "R2-A"


def test_an_analyst_moves_an_alert_through_the_api_and_data_entry_cannot(
        engine: sa.Engine, observatory: dict[str, int]) -> None:
    alert_id = observatory["R1-A"]
    dora, dora_headers = _signed_in(engine, "dora")
    refused = dora.post(f"/api/v1/alerts/{alert_id}/transition", headers=dora_headers,
                        json={"status": "acknowledged"})
    assert refused.status_code == 403
    ana, headers = _signed_in(engine, "ana")
    moved = ana.post(f"/api/v1/alerts/{alert_id}/transition", headers=headers,
                     json={"status": "acknowledged", "note": "patrols informed"})
    assert moved.status_code == 200
    body = moved.json()
    assert body["status"] == "acknowledged" and "patrols informed" in body["notes"]
    assert [(e["from_status"], e["to_status"], e["actor"]) for e in body["events"]][-1] == (
        "new", "acknowledged", "ana")
    again = ana.post(f"/api/v1/alerts/{alert_id}/transition", headers=headers,
                     json={"status": "acknowledged"})
    assert again.status_code == 409
    no_response = ana.post(f"/api/v1/alerts/{alert_id}/transition", headers=headers,
                           json={"status": "resolved"})
    assert no_response.status_code == 409  # acknowledged cannot be resolved directly
    assert ana.get(f"/api/v1/alerts/{alert_id}").json()["status"] == "acknowledged"


def test_the_assignee_is_notified_once_however_often_the_alert_is_given_to_them(
        engine: sa.Engine, observatory: dict[str, int], smtp: SmtpSink) -> None:
    alert_id = observatory["R1-A"]
    ana, headers = _signed_in(engine, "ana")
    for _ in range(2):
        r = ana.post(f"/api/v1/alerts/{alert_id}/assign", headers=headers,
                     json={"assignee": "ana"})
        assert r.status_code == 200 and r.json()["assignee"] == "ana"
    ana.post(f"/api/v1/alerts/{alert_id}/transition", headers=headers,
             json={"status": "acknowledged", "assignee": "ana"})
    assert _queued(engine, alert_id, "assigned") == ["ana@observatory.test"]
    # someone without an address cannot be told; an address given as the assignee can
    alerts.assign(engine, alert_id, "dora", SYSTEM_VIEWER)
    alerts.assign(engine, alert_id, "field-team@observatory.test", SYSTEM_VIEWER)
    assert _queued(engine, alert_id, "assigned") == ["ana@observatory.test",
                                                     "field-team@observatory.test"]
    assert notify.deliver_pending(engine, FAST) == {"sent": 4, "failed": 0}
    assert sorted(m["to"][0] for m in smtp.messages) == [
        "ana@observatory.test", "duty@observatory.test", "duty@observatory.test",
        "field-team@observatory.test"]  # duty@ was told of each alert when it fired
    to_ana = [m for m in smtp.messages if m["to"] == ["ana@observatory.test"]]
    assert len(to_ana) == 1 and f"alert {alert_id} assigned" in to_ana[0]["data"]
    assert notify.deliver_pending(engine, FAST) == {"sent": 0, "failed": 0}


def test_escalation_tells_the_administrators_of_the_alert_s_area_once(
        engine: sa.Engine, observatory: dict[str, int]) -> None:
    alert_id = observatory["R1-A"]
    ana, headers = _signed_in(engine, "ana")
    r = ana.post(f"/api/v1/alerts/{alert_id}/escalate", headers=headers,
                 json={"note": "beyond the district's means"})
    assert r.status_code == 200 and r.json()["status"] == "new"
    assert r.json()["events"][-1]["note"] == "escalated: beyond the district's means"
    ana.post(f"/api/v1/alerts/{alert_id}/escalate", headers=headers, json={})
    assert _queued(engine, alert_id, "escalated") == ["boss1@observatory.test",
                                                      "chief@observatory.test"]
    assert _queued(engine, observatory["R2-A"], "escalated") == []
    ana.post(f"/api/v1/alerts/{alert_id}/transition", headers=headers,
             json={"status": "dismissed", "note": "duplicate"})
    closed = ana.post(f"/api/v1/alerts/{alert_id}/escalate", headers=headers, json={})
    assert closed.status_code == 409


def test_resolution_tells_the_rule_s_creator_the_assignee_and_the_watchers_once(
        engine: sa.Engine, observatory: dict[str, int]) -> None:
    alert_id = observatory["R2-A"]
    rita, headers = _signed_in(engine, "rita")
    for status in ("acknowledged", "response_planned"):
        r = rita.post(f"/api/v1/alerts/{alert_id}/transition", headers=headers,
                      json={"status": status, "assignee": "rita"})
        assert r.status_code == 200, r.text
    assert _queued(engine, alert_id, "resolved") == []
    done = rita.post(f"/api/v1/alerts/{alert_id}/transition", headers=headers,
                     json={"status": "resolved", "response": "community mediation held"})
    assert done.status_code == 200 and done.json()["response"] == "community mediation held"
    assert _queued(engine, alert_id, "resolved") == [
        "chief@observatory.test", "duty@observatory.test", "rita@observatory.test"]
    assert _queued(engine, alert_id, "assigned") == ["rita@observatory.test"]
    assert _queued(engine, alert_id, "fired") == ["duty@observatory.test"]
    with engine.connect() as conn:
        body = notify.payload(conn, alert_id, "resolved")
    assert body["event"] == "resolved" and body["response"] == "community mediation held"


def test_an_unknown_status_filter_is_refused_naming_the_value(
        engine: sa.Engine, observatory: dict[str, int]) -> None:
    with pytest.raises(ValidationFailed) as refused:
        alerts.page_alerts(engine, SYSTEM_VIEWER, alerts.AlertFilter(status="closed"),
                           PageRequest())
    assert refused.value.errors[0]["field"] == "status"
    assert "'closed'" in refused.value.errors[0]["message"]


def test_a_user_s_e_mail_address_must_be_one(engine: sa.Engine) -> None:
    with pytest.raises(ValidationFailed) as refused:
        accounts.create_user(engine, SYSTEM_VIEWER, "eve", PASSWORD, "analyst",
                             email="not an address")
    assert refused.value.errors[0]["field"] == "email"


def test_the_migration_gives_notifications_their_event_exactly_as_the_schema_says(
        engine: sa.Engine) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from salus.storage.schema import metadata

    mine = {"notification", "app_user"}

    def ours(obj: object, name: str | None, kind: str, reflected: bool, _: object) -> bool:
        return (name if kind == "table" else obj.table.name) in mine  # type: ignore[attr-defined]

    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": ours})
        assert compare_metadata(context, metadata) == []


def test_an_analyst_escalates_an_alert_from_its_page_and_the_administrators_are_told(
        engine: sa.Engine, observatory: dict[str, int]) -> None:
    alert_id = observatory["R2-A"]
    ana, headers = _signed_in(engine, "ana")
    page = ana.get(f"/alerts/{alert_id}")
    assert 'id="escalate"' in page.text, page.text[-3000:]
    assert "Escalate to the area" in page.text
    french = ana.get(f"/alerts/{alert_id}", headers={"Accept-Language": "fr"})
    assert "Escalader aux administrateurs de la zone" in french.text
    r = ana.post(f"/alerts/{alert_id}/escalate", follow_redirects=False,
                 data={"note": "riots feared", "csrf_token": headers["X-CSRF-Token"]})
    assert r.status_code == 303
    history = ana.get(f"/alerts/{alert_id}").text
    assert "escalated: riots feared" in history
    assert _queued(engine, alert_id, "escalated") == ["boss2@observatory.test",
                                                      "chief@observatory.test"]
    dora, dora_headers = _signed_in(engine, "dora")
    assert 'id="escalate"' not in dora.get(f"/alerts/{alert_id}").text
    refused = dora.post(f"/alerts/{alert_id}/escalate",
                        data={"csrf_token": dora_headers["X-CSRF-Token"]})
    assert refused.status_code == 403


def test_escalating_from_the_command_line_and_sending_tells_each_administrator_once(
        engine: sa.Engine, db_url: str, observatory: dict[str, int], smtp: SmtpSink) -> None:
    from typer.testing import CliRunner

    from salus.cli.app import app

    runner = CliRunner()
    alert_id = str(observatory["R1-A"])
    for _ in range(2):
        done = runner.invoke(app, ["alerts", "escalate", alert_id, "--note", "spreading",
                                   "--actor", "ana", "--db", db_url])
        assert done.exit_code == 0 and f"alert {alert_id} escalated" in done.output
    sent = runner.invoke(app, ["alerts", "notify", "--db", db_url])
    assert "notifications sent 4, failed 0" in sent.output  # duty@ twice (fired), 2 admins
    escalated = sorted(m["to"][0] for m in smtp.messages if "escalated" in m["data"])
    assert escalated == ["boss1@observatory.test", "chief@observatory.test"]
    again = runner.invoke(app, ["alerts", "notify", "--db", db_url])
    assert "notifications sent 0, failed 0" in again.output
