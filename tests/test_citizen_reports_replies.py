"""Citizen reporting answers back (issue 13): status look-up on the web and by SMS, replies to
reporters through the outbox and a real HTTP provider, the hotline operator channel, and alert
broadcasts to safety-network members (SQLite and PostgreSQL).

The provider is a real HTTP server on loopback in a thread (:class:`sms_provider_support.Provider`),
not a stand-in for our code: the outbox worker posts to it over the network stack.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from citizen_reports_support import ANA, GOOD, SECRET, message, observatory, row, signed
from sms_provider_support import Provider
from web_support import client, csrf_from, sign_in

from salus.config import SmsSettings
from salus.domain.accounts.roles import SYSTEM_VIEWER
from salus.domain.incidents import model as m
from salus.storage import repository
from salus.storage.citizen_reports.schema import citizen_report, outbound_message
from salus.usecases.alerts.workflow import RuleSpec, add_rule
from salus.usecases.citizen_reports import review
from salus.usecases.citizen_reports import settings as cfg
from salus.usecases.citizen_reports.outbox import send_outbox
from salus.usecases.citizen_reports.provider import HttpProvider


@pytest.fixture
def provider() -> Iterator[Provider]:
    server = Provider()
    yield server
    server.close()


@pytest.fixture
def store(engine: sa.Engine) -> sa.Engine:
    observatory(engine)
    cfg.add_gateway(engine, SYSTEM_VIEWER, "gw", SECRET)
    return engine


def _http(server: Provider) -> HttpProvider:
    return HttpProvider(server.url, "provider-token", 5.0)


def _web_report(c: Any, **fields: str) -> str:
    from citizen_reports_support import form_key, reference_in

    key = form_key(c.get("/report").text)
    page = c.post("/report", data=GOOD | {"submission_key": key} | fields)
    assert page.status_code == 200, page.text
    return reference_in(page.text)


def _outbox(engine: sa.Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(
            sa.select(outbound_message).order_by(outbound_message.c.id)).mappings()]


def _decide(c: Any, report_id: int, action: str, **extra: str) -> Any:
    token = csrf_from(c.get(f"/reports/review/{report_id}").text)
    return c.post(f"/reports/review/{report_id}/decide",
                  data={"csrf_token": token, "action": action} | extra,
                  follow_redirects=False)


# ---------------------------------------------------------------- status look-up

def test_a_reporter_looks_up_their_report_on_the_web_and_sees_only_its_status(
        store: sa.Engine) -> None:
    public = client(store)
    reference = _web_report(public, description="Shots near the blue mosque, Ahmed was hurt")
    page = public.post("/report/status", data={"reference": reference.lower()})
    assert page.status_code == 200
    assert "Received, waiting to be checked" in page.text
    for secret_detail in ("Ahmed", "mosque", "R1-A", "Gunfire", "shooting"):
        assert secret_detail not in page.text
    staff = client(store)
    sign_in(staff, "ana")
    assert _decide(staff, review.report_id_for(store, reference), "verified").status_code == 303
    after = public.post("/report/status", data={"reference": reference})
    assert '<strong id="status-label">Checked and confirmed</strong>' in after.text
    french = public.post("/report/status?lang=fr", data={"reference": reference})
    assert "Vérifié et confirmé" in french.text


def test_an_unknown_or_malformed_reference_says_so_and_reveals_nothing(
        store: sa.Engine) -> None:
    c = client(store)
    unknown = c.post("/report/status", data={"reference": "R-00000000"})
    malformed = c.post("/report/status", data={"reference": "<script>"})
    assert unknown.status_code == 404 and "No report has this reference" in unknown.text
    assert malformed.status_code == 422 and "&lt;script&gt;" in malformed.text


def test_status_look_ups_from_one_address_are_limited_against_guessing(
        store: sa.Engine) -> None:
    c = client(store)
    codes = [c.post("/report/status", data={"reference": f"R-{i:08d}"}).status_code
             for i in range(11)]
    assert codes[:10] == [404] * 10
    assert codes[10] == 429


def test_a_reporter_asks_by_sms_in_french_and_the_reply_is_only_the_status(
        store: sa.Engine) -> None:
    c = client(store)
    body = message("SIGNALEMENT tirs R1-A des coups de feu au marché", "m-1")
    first = c.post("/api/v1/intake/messages", content=body, headers=signed(body)).json()
    reference = first["reference"]
    with store.connect() as conn:
        before = conn.scalar(sa.select(sa.func.count()).select_from(citizen_report))
    ask = message(f"STATUT {reference}", "m-2")
    answer = c.post("/api/v1/intake/messages", content=ask, headers=signed(ask))
    assert answer.status_code == 200
    assert answer.json()["reply"] == f"Signalement {reference} : reçu, en attente de vérification."
    with store.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(citizen_report)) == before
    for keyword, language_word in (("STATUS", "received"), ("ESTADO", "recibido"),
                                   ("СТАТУС", "получено"), ("حالة", "تم الاستلام"),
                                   ("状态", "已收到")):
        ask = message(f"{keyword} {reference}", f"m-{keyword}")
        reply = c.post("/api/v1/intake/messages", content=ask, headers=signed(ask)).json()
        assert language_word in reply["reply"] and "marché" not in reply["reply"]


def test_the_api_gives_a_reports_status_and_nothing_else(store: sa.Engine) -> None:
    c = client(store)
    reference = _web_report(c)
    answer = c.post("/api/v1/citizen-reports/status", json={"reference": reference})
    assert answer.status_code == 200
    assert answer.json() == {"reference": reference, "status": "unverified"}


# ---------------------------------------------------------------- replies to reporters

def test_verifying_a_report_sends_the_reporter_one_reply_in_their_language(
        store: sa.Engine, provider: Provider) -> None:
    public = client(store)
    public.get("/report?lang=fr")
    reference = _web_report(public, contact="+234 800 000 0042", reply_consent="1")
    staff = client(store)
    sign_in(staff, "ana")
    report_id = review.report_id_for(store, reference)
    assert _decide(staff, report_id, "verified").status_code == 303
    assert _decide(staff, report_id, "verified").status_code == 409   # verified twice
    first = send_outbox(store, _http(provider), SmsSettings())
    second = send_outbox(store, _http(provider), SmsSettings())
    assert (first.sent, second.sent) == (1, 0)
    assert provider.received == [{
        "id": f"report:{report_id}:verified", "to": "+2348000000042", "channel": "sms",
        "language": "fr", "kind": "report_update",
        "text": f"Votre signalement {reference} a été vérifié et confirmé. Merci."}]
    assert provider.headers[0]["Authorization"] == "Bearer provider-token"
    [queued] = _outbox(store)
    assert queued["status"] == "sent" and queued["provider_id"] == "P1"
    page = staff.get(f"/reports/review/{report_id}")
    assert "verified: sent" in page.text


def test_the_same_decision_queued_twice_is_one_message(store: sa.Engine) -> None:
    from salus.usecases.citizen_reports.outbox import queue_report_update

    public = client(store)
    reference = _web_report(public, contact="+2348000000043", reply_consent="1")
    review.reject(store, ANA, review.report_id_for(store, reference), "not confirmed")
    report = row(store, reference)
    with store.begin() as conn:
        again = queue_report_update(conn, report, "rejected")
    assert again is False
    assert [m["dedupe_key"] for m in _outbox(store)] == [f"report:{report['id']}:rejected"]


def test_a_failing_provider_is_retried_after_the_backoff_and_sends_once(
        store: sa.Engine) -> None:
    server = Provider(statuses=[503])
    try:
        reference = _web_report(client(store), contact="+2348000000044", reply_consent="1")
        review.reject(store, ANA, review.report_id_for(store, reference))
        settings = SmsSettings(backoff_s=30, max_attempts=3)
        now = repository.now()
        first = send_outbox(store, _http(server), settings, now=now)
        [after_first] = _outbox(store)
        too_soon = send_outbox(store, _http(server), settings, now=now + dt.timedelta(seconds=10))
        later = send_outbox(store, _http(server), settings, now=now + dt.timedelta(seconds=31))
        again = send_outbox(store, _http(server), settings, now=now + dt.timedelta(hours=1))
    finally:
        server.close()
    assert (first.retrying, too_soon.sent, later.sent, again.sent) == (1, 0, 1, 0)
    assert after_first["status"] == "pending" and after_first["attempts"] == 1
    assert after_first["last_error"] == "provider answered HTTP 503"
    assert len(server.received) == 2 and server.received[0] == server.received[1]
    [done] = _outbox(store)
    assert done["status"] == "sent" and done["attempts"] == 2


def test_a_provider_that_keeps_failing_leaves_the_message_failed(store: sa.Engine) -> None:
    server = Provider(statuses=[500, 500])
    try:
        reference = _web_report(client(store), contact="+2348000000045", reply_consent="1")
        review.reject(store, ANA, review.report_id_for(store, reference))
        settings = SmsSettings(backoff_s=1, max_attempts=2)
        now = repository.now()
        send_outbox(store, _http(server), settings, now=now)
        last = send_outbox(store, _http(server), settings, now=now + dt.timedelta(seconds=5))
        never = send_outbox(store, _http(server), settings, now=now + dt.timedelta(days=1))
    finally:
        server.close()
    assert (last.failed, never.sent + never.failed) == (1, 0)
    assert _outbox(store)[0]["status"] == "failed" and len(server.received) == 2


def test_no_reply_is_queued_without_consent_or_without_a_number(
        store: sa.Engine) -> None:
    public = client(store)
    no_consent = _web_report(public, contact="+2348000000046")
    email_only = _web_report(public, contact="someone@example.org")
    refused = public.post("/report", data=GOOD | {"submission_key": "k" * 24,
                                                  "reply_consent": "1"})
    assert refused.status_code == 422
    assert "Give a phone number to receive messages about your report." in refused.text
    for reference in (no_consent, email_only):
        review.verify(store, ANA, review.report_id_for(store, reference))
    assert _outbox(store) == []


def test_an_sms_reporter_is_answered_on_their_number_when_their_report_is_verified(
        store: sa.Engine, provider: Provider) -> None:
    c = client(store)
    body = message("DENUNCIA robo R1-A me robaron el teléfono", "m-9", sender="+2348000000047")
    reference = c.post("/api/v1/intake/messages", content=body, headers=signed(body)).json()[
        "reference"]
    review.verify(store, ANA, review.report_id_for(store, reference))
    send_outbox(store, _http(provider), SmsSettings())
    assert [(p["to"], p["language"], p["text"]) for p in provider.received] == [
        ("+2348000000047", "es", f"Su reporte {reference} fue revisado y confirmado. Gracias.")]


# ---------------------------------------------------------------- hotline operators

def test_an_operator_enters_fifteen_phoned_in_reports_without_throttling(
        engine: sa.Engine) -> None:
    observatory(engine, limits=True)   # the public limits hold: 10 at once per address
    c = client(engine)
    token = sign_in(c, "dora")
    form = c.get("/reports/operator").text
    assert "How did the caller reach you?" in form
    references = []
    for i in range(15):
        page = c.post("/reports/operator", data=GOOD | {
            "csrf_token": token, "submission_key": f"operator-form-{i:08d}",
            "reported_via": "phone", "language": "fr", "contact": f"+23480000001{i:02d}",
            "reply_consent": "1", "description": f"Caller {i} heard shots near the market"})
        assert page.status_code == 201, page.text
        references.append(page.text.split('id="reference">')[1].split("<")[0])
    rows = [row(engine, ref) for ref in references]
    assert {(r["channel"], r["reported_via"], r["entered_by"], r["language"], r["reply_consent"])
            for r in rows} == {("operator", "phone", "dora", "fr", True)}
    with engine.connect() as conn:
        audited = conn.execute(sa.text(
            "SELECT actor, entity_id FROM audit_event WHERE entity = 'citizen_report' "
            "AND action = 'submit'")).all()
    assert sorted(audited) == sorted(("dora", ref) for ref in references)
    public = client(engine)
    codes = [public.post("/report", data=GOOD | {"submission_key": f"public-form-{i:08d}"})
             .status_code for i in range(11)]
    assert codes[-1] == 429   # the public form from one address is still throttled


def test_only_signed_in_staff_use_the_operator_form_within_their_area(
        store: sa.Engine) -> None:
    anonymous = client(store)
    assert anonymous.get("/reports/operator", follow_redirects=False).status_code in (303, 401)
    public_account = client(store)
    sign_in(public_account, "pub")
    assert public_account.get("/reports/operator").status_code == 403
    monitor = client(store)
    token = sign_in(monitor, "monty")   # bound to R1
    refused = monitor.post("/reports/operator", data=GOOD | {
        "csrf_token": token, "reported_via": "radio", "language": "en", "area_code": "R2-A"})
    assert refused.status_code == 422
    assert "This area is outside the area your account covers." in refused.text


# ---------------------------------------------------------------- safety networks

MONDAY = dt.date(2024, 1, 1)
SURGE = MONDAY + dt.timedelta(weeks=20)


def _alert(engine: sa.Engine) -> int:
    """A gunfire surge in R1-A, reported by citizens and verified: early warning fires."""
    from citizen_reports_support import submit

    incidents = [m.Incident(occurred=m.OccurrenceDate(MONDAY + dt.timedelta(weeks=w)),
                            area_code="R1-A", iccs_code="090111",
                            source=m.SourceRecord("police", "test", f"W{w}"))
                 for w in range(20)]
    with engine.begin() as conn:
        repository.save_incidents(conn, incidents)
    add_rule(engine, SYSTEM_VIEWER, RuleSpec("Gunfire weekly", "ears_c1", "week", 2,
                                             {"iccs": ["0901"]}))
    for i in range(6):
        reference = submit(engine, f"surge-{i:016d}", occurred_on=SURGE.isoformat()).reference
        review.verify(engine, ANA, review.report_id_for(engine, reference),
                      today=SURGE + dt.timedelta(weeks=1))
    with engine.connect() as conn:
        return int(conn.scalar(sa.text("SELECT id FROM alert")))


def _add_member(c: Any, token: str, **fields: Any) -> Any:
    data = {"csrf_token": token, "role": "focal_point", "channel": "sms", "active": "1",
            "languages": ["en"]} | fields
    return c.post("/network", data=data, follow_redirects=False)


def test_a_broadcast_reaches_the_members_of_the_alerts_area_with_delivery_status(
        store: sa.Engine, provider: Provider) -> None:
    alert_id = _alert(store)
    c = client(store)
    token = sign_in(c, "ana")
    assert _add_member(c, token, name="Awa", area_code="R1-A", phone="+2348000000101",
                       languages=["fr", "en"]).status_code == 303
    assert _add_member(c, token, name="Bello", area_code="R1", channel="email",
                       email="bello@example.org").status_code == 303
    assert _add_member(c, token, name="Chen", area_code="R2", phone="+2348000000103",
                       languages=["zh"]).status_code == 303
    assert _add_member(c, token, name="Dina", area_code="R1-A", phone="+2348000000104",
                       active="0").status_code == 303
    listing = c.get("/network").text
    assert all(name in listing for name in ("Awa", "Bello", "Chen", "Dina"))
    page_token = csrf_from(c.get(f"/alerts/{alert_id}").text)
    for _ in range(2):   # pressed twice: each member gets one message
        sent = c.post(f"/alerts/{alert_id}/broadcast",
                      data={"csrf_token": page_token, "note": "Avoid the market road."},
                      follow_redirects=False)
        assert sent.status_code == 303
    waiting = c.get(f"/alerts/{alert_id}").text
    assert waiting.count("delivery-pending") == 1   # Awa only: Bello is in R1, not R1-A
    send_outbox(store, _http(provider), SmsSettings())
    assert [(p["to"], p["language"]) for p in provider.received] == [("+2348000000101", "fr")]
    text = provider.received[0]["text"]
    assert text.startswith("Alerte précoce : ") and text.endswith("Avoid the market road.")
    page = c.get(f"/alerts/{alert_id}").text
    section = page.split('id="deliveries"')[1].split("</table>")[0]
    assert "Awa" in section and "delivery-sent" in section
    assert "Chen" not in section and "Dina" not in section and "Bello" not in section


def test_members_outside_a_scoped_accounts_area_are_neither_seen_nor_added(
        store: sa.Engine) -> None:
    admin = client(store)
    sign_in(admin, "admin")
    csrf = csrf_from(admin.get("/network").text)
    _add_member(admin, csrf, name="Chen", area_code="R2", phone="+2348000000103")
    monitor = client(store)
    token = sign_in(monitor, "monty")
    assert "Chen" not in monitor.get("/network").text
    refused = _add_member(monitor, token, name="Eve", area_code="R2", phone="+2348000000105")
    assert refused.status_code == 422
    assert "outside the area your account covers" in refused.text
    bad = _add_member(monitor, token, name="Fay", area_code="R1-B", phone="not a number")
    assert bad.status_code == 422 and "&#39;not a number&#39; is not a phone number" in bad.text


def test_network_members_are_managed_through_the_api(store: sa.Engine) -> None:
    c = client(store)
    token = sign_in(c, "ana")
    headers = {"X-CSRF-Token": token}
    created = c.post("/api/v1/network-members", headers=headers, json={
        "name": "Awa", "area_code": "R1-A", "channel": "whatsapp", "phone": "+2348000000101",
        "languages": ["fr"], "role": "focal_point"})
    assert created.status_code == 201, created.text
    member_id = created.json()["id"]
    changed = c.put(f"/api/v1/network-members/{member_id}", headers=headers, json={
        "name": "Awa B.", "area_code": "R1-A", "channel": "sms", "phone": "+2348000000101",
        "languages": ["fr", "en"], "role": "focal_point", "active": False})
    assert changed.json()["name"] == "Awa B." and changed.json()["active"] is False
    listed = c.get("/api/v1/network-members", params={"area": "R1"}).json()
    assert [m["name"] for m in listed] == ["Awa B."]
    assert c.delete(f"/api/v1/network-members/{member_id}", headers=headers).status_code == 204
    assert c.get("/api/v1/network-members").json() == []
    bad = c.post("/api/v1/network-members", headers=headers, json={
        "name": "X", "area_code": "NOPE", "channel": "pigeon", "languages": ["xx"]})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"area_code", "channel", "languages"}


def test_the_migration_creates_the_outbox_and_network_tables_exactly_as_the_schema_says(
        engine: sa.Engine) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from salus.storage.schema import metadata

    mine = {"citizen_report", "network_member", "outbound_message"}

    def ours(obj: object, name: str | None, kind: str, reflected: bool, _: object) -> bool:
        return (name if kind == "table" else obj.table.name) in mine  # type: ignore[attr-defined]

    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": ours})
        assert compare_metadata(context, metadata) == []


# ---------------------------------------------------------------- command line and workers

def test_the_command_line_registers_members_broadcasts_and_sends_the_outbox(
        store: sa.Engine, provider: Provider, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from salus.cli.app import app

    runner = CliRunner()
    db = store.url.render_as_string(hide_password=False)
    alert_id = _alert(store)

    def salus(*args: str) -> str:
        result = runner.invoke(app, [*args, "--db", db])
        assert result.exit_code == 0, result.output
        return result.output

    assert "network member" in salus("reports", "network", "add", "Awa", "--area", "R1-A",
                                     "--phone", "+2348000000301", "--languages", "ar,en",
                                     "--member-role", "focal_point")
    refused = runner.invoke(app, ["reports", "network", "add", "Bad", "--area", "R1-A",
                                  "--channel", "pigeon", "--db", db])
    assert refused.exit_code != 0 and "'pigeon' is not one of sms, whatsapp, email" in (
        refused.output)
    assert "Awa" in salus("reports", "network", "list", "--area", "R1")
    assert f"alert {alert_id}: 1 message(s) queued" in salus("reports", "broadcast",
                                                              str(alert_id))
    monkeypatch.delenv("SALUS_SMS_PROVIDER_URL", raising=False)
    unset = runner.invoke(app, ["reports", "send-outbox", "--db", db])
    assert unset.exit_code != 0 and "SALUS_SMS_PROVIDER_URL is not set" in unset.output
    monkeypatch.setenv("SALUS_SMS_PROVIDER_URL", provider.url)
    assert "sent 1, to retry 0, failed 0" in salus("reports", "send-outbox")
    assert "sent 0, to retry 0, failed 0" in salus("reports", "send-outbox")
    assert [(p["to"], p["language"], p["kind"]) for p in provider.received] == [
        ("+2348000000301", "ar", "broadcast")]
    assert provider.received[0]["text"].startswith("إنذار مبكر")


def test_two_workers_running_at_once_send_each_message_once(store: sa.Engine) -> None:
    slow = Provider(delay_s=0.3)
    try:
        references = [_web_report(client(store), contact=f"+23480000004{i:02d}",
                                  reply_consent="1") for i in range(4)]
        for reference in references:
            review.reject(store, ANA, review.report_id_for(store, reference))
        barrier = threading.Barrier(2)
        runs: list[Any] = []

        def work() -> None:
            barrier.wait()
            runs.append(send_outbox(store, _http(slow), SmsSettings()))

        workers = [threading.Thread(target=work) for _ in range(2)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
    finally:
        slow.close()
    assert sum(r.sent for r in runs) == 4
    assert sorted(p["id"] for p in slow.received) == sorted(
        f"report:{review.report_id_for(store, ref)}:rejected" for ref in references)
