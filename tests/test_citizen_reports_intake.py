"""Intake: durable acknowledgements, idempotent retries (also concurrent), rate limits, the
signed SMS gateway path and the JSON API (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from citizen_reports_support import (
    GOOD,
    SECRET,
    count,
    form_key,
    lift_limits,
    message,
    reference_in,
    row,
    signed,
    store,
    submit,
)
from web_support import client

from salus.domain.accounts.roles import SYSTEM_VIEWER
from salus.storage import repository
from salus.storage.citizen_reports import intake_buckets
from salus.storage.db import create_engine
from salus.usecases.citizen_reports import settings as cfg
from salus.usecases.errors import RateLimited

__all__ = ["store"]


def _key() -> str:
    return uuid.uuid4().hex


@pytest.fixture
def gateway(store: sa.Engine) -> sa.Engine:
    cfg.add_gateway(store, SYSTEM_VIEWER, "gw", SECRET)
    return store


@pytest.fixture
def limited(store: sa.Engine) -> Iterator[sa.Engine]:
    """Client burst 3, phone burst 2, refilled slowly (restored to lifted afterwards)."""
    with store.begin() as conn:
        repository.set_setting(conn, cfg.LIMITS_SETTING, {"client": [3, 1], "phone": [2, 1]})
    yield store
    lift_limits(store)


def test_a_resent_form_shows_the_first_reference_and_stores_one_report(
        store: sa.Engine) -> None:
    c = client(store)
    data = GOOD | {"submission_key": form_key(c.get("/report").text)}
    before = count(store)
    first = c.post("/report", data=data)
    again = c.post("/report", data=data)
    assert first.status_code == again.status_code == 200
    assert reference_in(first.text) == reference_in(again.text)
    assert "already arrived" in again.text and count(store) == before + 1


def test_the_acknowledged_report_is_already_committed(store: sa.Engine) -> None:
    c = client(store)
    page = c.post("/report", data=GOOD | {"submission_key": _key()})
    other = create_engine(store.url.render_as_string(hide_password=False))
    try:
        with other.connect() as conn:
            found = conn.execute(sa.text("SELECT status FROM citizen_report WHERE reference = "
                                         ":r"), {"r": reference_in(page.text)}).scalar()
    finally:
        other.dispose()
    assert found == "unverified"


def test_concurrent_identical_submissions_store_one_report(store: sa.Engine) -> None:
    key, before, results, errors = _key(), count(store), [], []
    barrier = threading.Barrier(8)

    def send() -> None:
        barrier.wait()
        try:
            results.append(submit(store, key).reference)
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=send) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == [] and len(results) == 8 and len(set(results)) == 1
    assert count(store) == before + 1


def test_the_api_recognises_a_retry_by_its_idempotency_key(store: sa.Engine) -> None:
    c = client(store)
    headers = {"Idempotency-Key": _key()}
    first = c.post("/api/v1/citizen-reports", json=GOOD, headers=headers)
    again = c.post("/api/v1/citizen-reports", json=GOOD, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["reference"] == again.json()["reference"]
    assert c.post("/api/v1/citizen-reports", json=GOOD).status_code == 422
    bad = c.post("/api/v1/citizen-reports", json=GOOD | {"category": "nope"},
                 headers={"Idempotency-Key": _key()})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "category"


def test_an_idempotency_key_reused_for_another_report_is_a_conflict(store: sa.Engine) -> None:
    c = client(store)
    headers = {"Idempotency-Key": _key()}
    first = c.post("/api/v1/citizen-reports", json=GOOD, headers=headers)
    before = count(store)
    other = c.post("/api/v1/citizen-reports", headers=headers,
                   json=GOOD | {"description": "a different report altogether, by the river"})
    assert (first.status_code, other.status_code) == (201, 409)
    assert "idempotency key" in other.json()["detail"] and count(store) == before
    assert c.post("/api/v1/citizen-reports", json=GOOD, headers=headers).status_code == 200


def test_a_client_over_its_burst_is_refused_until_the_bucket_refills(
        limited: sa.Engine) -> None:
    ip, before = f"10.9.{uuid.uuid4().int % 250}.1", count(limited)
    accepted = [submit(limited, _key(), ip=ip).reference for _ in range(3)]
    with pytest.raises(RateLimited) as caught:
        submit(limited, _key(), ip=ip)
    assert caught.value.retry_after > 60 and count(limited) == before + 3
    assert submit(limited, _key(), ip="10.8.0.1").created          # another client is fine
    assert len(set(accepted)) == 3


def test_a_retry_of_an_accepted_report_needs_no_token(limited: sa.Engine) -> None:
    ip, key = "10.7.0.7", _key()
    first = submit(limited, key, ip=ip)
    for _ in range(2):
        submit(limited, _key(), ip=ip)
    assert submit(limited, key, ip=ip).reference == first.reference


def test_the_form_answers_429_with_retry_after(limited: sa.Engine) -> None:
    c = client(limited)
    statuses = [c.post("/report", data=GOOD | {"submission_key": _key()}).status_code
                for _ in range(4)]
    last = c.post("/report", data=GOOD | {"submission_key": _key()})
    assert statuses[:3] == [200, 200, 200] and last.status_code == 429
    assert int(last.headers["Retry-After"]) > 0 and "Too many reports" in last.text


def test_the_phone_limit_holds_across_the_form_and_sms(limited: sa.Engine) -> None:
    cfg.add_gateway(limited, SYSTEM_VIEWER, "gw", SECRET)
    phone = f"+23480{uuid.uuid4().int % 10**8:08d}"
    submit(limited, _key(), ip="10.6.0.1", contact=phone)
    submit(limited, _key(), ip="10.6.0.2", contact=phone)
    body = message("REPORT shooting R1-A again", _key(), phone)
    before = count(limited)
    answer = client(limited).post("/api/v1/intake/messages", content=body, headers=signed(body))
    assert answer.status_code == 429 and "Too many reports" in answer.json()["reply"]
    assert count(limited) == before


def test_a_token_bucket_refills_with_time(store: sa.Engine) -> None:
    key = f"test:{_key()}"
    with store.begin() as conn:
        taken = [intake_buckets.take(conn, key, 2, 0.5, 1000.0) for _ in range(3)]
        later = intake_buckets.take(conn, key, 2, 0.5, 1002.0)
        wait = intake_buckets.seconds_until_token(conn, key, 0.5, 1002.0)
    assert taken == [True, True, False] and later and wait == 2


def test_a_signed_message_is_stored_and_answered_in_its_language(gateway: sa.Engine) -> None:
    c = client(gateway)
    body = message("DENUNCIA tiroteo R2-B disparos cerca del mercado", _key())
    first = c.post("/api/v1/intake/messages", content=body, headers=signed(body))
    again = c.post("/api/v1/intake/messages", content=body, headers=signed(body))
    assert (first.status_code, again.status_code) == (201, 200)
    answer = first.json()
    assert answer["reference"] == again.json()["reference"]
    assert answer["category"] == "shooting" and answer["reply"].startswith("Gracias")
    stored = row(gateway, answer["reference"])
    assert stored["raw"] == body.decode("utf-8") and stored["channel"] == "sms"
    assert stored["contact"] == "+2348000000001" and stored["client_ip"] is None


def test_a_message_out_of_format_is_kept_as_unclassified(gateway: sa.Engine) -> None:
    body = message("men with guns at the bridge, come quickly", _key())
    answer = client(gateway).post("/api/v1/intake/messages", content=body, headers=signed(body))
    stored = row(gateway, answer.json()["reference"])
    assert answer.status_code == 201 and stored["category"] == "unclassified"
    assert stored["description"] == "men with guns at the bridge, come quickly"


@pytest.mark.parametrize("headers", [
    {"X-Salus-Signature": "sha256=" + "0" * 64}, {}, {"X-Salus-Signature": "garbage"}])
def test_an_unsigned_or_badly_signed_message_is_refused_and_not_stored(
        gateway: sa.Engine, headers: dict[str, str]) -> None:
    body, before = message("REPORT shooting R1-A", _key()), count(gateway)
    answer = client(gateway).post("/api/v1/intake/messages", content=body, headers=headers)
    assert answer.status_code == 401 and count(gateway) == before


def test_an_unknown_gateway_is_refused(gateway: sa.Engine) -> None:
    body = message("REPORT shooting R1-A", _key(), gateway="other")
    answer = client(gateway).post("/api/v1/intake/messages", content=body, headers=signed(body))
    assert answer.status_code == 401


def test_a_gateway_secret_may_come_from_the_environment(
        store: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SALUS_INTAKE_SECRET_FIELD_SMS", "from-the-env")
    body = message("REPORT robbery R1-B", _key(), gateway="field-sms")
    answer = client(store).post("/api/v1/intake/messages", content=body,
                                headers=signed(body, "from-the-env"))
    assert answer.status_code == 201 and answer.json()["category"] == "robbery"


def test_a_signed_message_missing_fields_gets_clear_errors(gateway: sa.Engine) -> None:
    body = json.dumps({"gateway": "gw", "text": 5}).encode()
    answer = client(gateway).post("/api/v1/intake/messages", content=body, headers=signed(body))
    fields = {e["field"] for e in answer.json()["errors"]}
    assert answer.status_code == 422 and fields == {"message_id", "from", "text"}


def test_the_hashing_key_never_reaches_the_audit_log(gateway: sa.Engine) -> None:
    cfg.hash_key(gateway)
    with gateway.connect() as conn:
        audit = json.dumps([r.after for r in conn.execute(sa.text(
            "SELECT after FROM audit_event WHERE entity = 'observatory_setting'"))], default=str)
    assert SECRET not in audit and "citizen_reports.gateways" in json.dumps(
        [cfg.GATEWAYS_SETTING])
