"""Login throttling by (client, account) and password strength (zxcvbn), on the form, the API
and the CLI.

Throttling by account alone let anyone lock a known username out for its owner; failures now
count per client address and account (5), per client across accounts (20) and per account from
everywhere (100, a ceiling only many addresses reach).
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
import typer
from fastapi.testclient import TestClient
from typer.testing import CliRunner
from web_support import PASSWORD, add_cast, csrf_from, sign_in

from salus.cli import serve as serve_cli
from salus.domain.accounts import secrets as sec
from salus.domain.accounts.roles import SYSTEM_VIEWER
from salus.domain.incidents import model as m
from salus.storage import repository
from salus.storage import schema as t
from salus.usecases.accounts import sessions
from salus.usecases.accounts import users as accounts
from salus.usecases.errors import InvalidCredentials, RateLimited, ValidationFailed
from salus.web.app import create_app

COMMON = ("Password123!", "verdania2024")
STRONG = "tamarind-lantern-okapi-57"


@pytest.fixture
def observatory(engine: sa.Engine) -> sa.Engine:
    """The cast in a store whose country is Verdania (a word the strength check knows)."""
    with engine.begin() as conn:
        repository.save_areas(conn, [m.Area("C", "Verdania", 0), m.Area("R1", "North", 1, "C")])
    add_cast(engine)
    return engine


def _from(engine: sa.Engine, address: str) -> TestClient:
    return TestClient(create_app(engine), base_url="http://testserver", client=(address, 50000))


def _try(c: TestClient, username: str, password: str) -> int:
    token = csrf_from(c.get("/login").text)
    return c.post("/login", data={"username": username, "password": password,
                                  "csrf_token": token}, follow_redirects=False).status_code


def test_an_attacker_locking_an_account_from_one_client_does_not_stop_its_owner_elsewhere(
        observatory: sa.Engine) -> None:
    attacker, owner = _from(observatory, "203.0.113.7"), _from(observatory, "198.51.100.20")
    assert [_try(attacker, "ana", f"guess-{i}") for i in range(5)] == [400] * 5
    assert _try(attacker, "ana", PASSWORD) == 429          # throttled, even with the password
    assert _try(owner, "ana", PASSWORD) == 303             # the owner signs in from elsewhere
    assert owner.get("/account").status_code == 200


def test_one_client_is_throttled_across_accounts_after_twenty_failures(
        observatory: sa.Engine) -> None:
    sprayer = _from(observatory, "203.0.113.8")
    users = ("admin", "ana", "dora", "monty", "pub")
    for username in users:                                 # 4 failures each: none is locked
        assert [_try(sprayer, username, f"Summer-{i}") for i in range(4)] == [400] * 4
    assert _try(sprayer, "ana", PASSWORD) == 429           # the 21st attempt from that client
    assert _try(_from(observatory, "198.51.100.21"), "ana", PASSWORD) == 303


def test_an_account_has_a_generous_ceiling_across_all_clients(observatory: sa.Engine) -> None:
    for i in range(accounts.MAX_FAILURES_PER_USER - 1):
        with pytest.raises(InvalidCredentials):
            sessions.login(observatory, "dora", "wrong", client=f"10.0.{i // 250}.{i % 250}")
    assert sessions.login(observatory, "dora", PASSWORD, client="10.9.9.9").viewer.username \
        == "dora"                                          # 99 failures: still allowed
    with pytest.raises(InvalidCredentials):
        sessions.login(observatory, "dora", "wrong", client="10.9.9.8")
    with pytest.raises(RateLimited):                       # the 100th failure closes it
        sessions.login(observatory, "dora", PASSWORD, client="10.9.9.7")


def test_zxcvbn_scores_common_and_site_words_low_and_generated_passwords_pass() -> None:
    assert sec.password_strength("Password123!").score < sec.MIN_PASSWORD_SCORE
    assert "commonly used" in sec.password_strength("Password123!").warning
    assert sec.password_strength("verdania2024", ["Verdania"]).score < 3
    assert sec.password_strength("verdania2024").score >= 3   # the site's words matter
    assert sec.password_strength("mariagonzalez-1987", ["maria.gonzalez"]).score < 3
    assert sec.password_strength(STRONG, ["ana", "Verdania"]).acceptable
    assert all(sec.password_strength(sec.new_password()).acceptable for _ in range(50))


def test_a_common_password_is_refused_on_the_forms_with_zxcvbn_s_feedback(
        observatory: sa.Engine) -> None:
    admin = _from(observatory, "192.0.2.1")
    csrf = sign_in(admin, "admin")
    for password in COMMON:
        page = admin.post("/users", data={"username": "zoe", "password": password,
                                          "role": "analyst", "csrf_token": csrf})
        assert page.status_code == 400 and 'id="user-error"' in page.text
        assert "Too easy to guess (strength 1 of 4, at least 3 needed)" in page.text
    assert "This is similar to a commonly used password." in admin.post("/users", data={
        "username": "zoe", "password": COMMON[0], "role": "analyst", "csrf_token": csrf}).text
    with observatory.connect() as conn:
        assert conn.scalar(sa.select(t.app_user.c.id).where(
            t.app_user.c.username == "zoe")) is None
    made = admin.post("/users", data={"username": "zoe", "password": STRONG,
                                      "role": "analyst", "csrf_token": csrf})
    assert made.status_code == 200 and 'id="user-error"' not in made.text
    assert _try(_from(observatory, "192.0.2.2"), "zoe", STRONG) == 303


def test_changing_one_s_password_to_a_common_one_is_refused_in_the_user_s_language(
        observatory: sa.Engine) -> None:
    ana = _from(observatory, "192.0.2.3")
    csrf = sign_in(ana, "ana")
    ana.post("/language", data={"language": "fr", "csrf_token": csrf})
    page = ana.post("/account/password", data={"current": PASSWORD, "new": "verdania2024",
                                               "csrf_token": csrf})
    assert page.status_code == 400 and 'id="password-error"' in page.text
    assert "Trop facile à deviner (robustesse 1 sur 4, au moins 3 requis)" in page.text
    assert "Ajoutez un ou deux mots." in page.text
    assert _try(_from(observatory, "192.0.2.4"), "ana", PASSWORD) == 303   # unchanged
    done = ana.post("/account/password", data={"current": PASSWORD, "new": STRONG,
                                               "csrf_token": csrf}, follow_redirects=False)
    assert done.status_code == 303
    assert _try(_from(observatory, "192.0.2.5"), "ana", STRONG) == 303


def test_the_api_refuses_a_common_password_with_the_message_and_accepts_a_strong_one(
        observatory: sa.Engine) -> None:
    admin = _from(observatory, "192.0.2.6")
    headers = {"X-CSRF-Token": sign_in(admin, "admin")}
    body = {"username": "zoe", "password": COMMON[0], "role": "analyst"}
    r = admin.post("/api/v1/users", json=body, headers=headers)
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    (error,) = r.json()["errors"]
    assert error["field"] == "password" and error["code"] == "password.weak"
    assert error["message"].startswith("too easy to guess (strength 1 of 4, at least 3")
    assert "This is similar to a commonly used password." in error["message"]
    assert admin.post("/api/v1/users", json={**body, "password": STRONG},
                      headers=headers).status_code == 201
    reset = "/api/v1/users/dora/password-reset"
    r = admin.post(reset, json={"password": COMMON[1]}, headers=headers)
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "password.weak"
    assert _try(_from(observatory, "192.0.2.7"), "dora", PASSWORD) == 303   # unchanged
    r = admin.post(reset, json={"password": STRONG}, headers=headers)
    assert r.status_code == 200 and r.json() == {"username": "dora", "password": None}
    assert _try(_from(observatory, "192.0.2.8"), "dora", STRONG) == 303
    generated = admin.post(reset, headers=headers).json()["password"]
    assert sec.password_strength(generated).acceptable


def test_the_cli_refuses_a_common_password_with_the_message(observatory: sa.Engine,
                                                            db_url: str) -> None:
    runner, app = CliRunner(), typer.Typer()
    serve_cli.register(app)
    r = runner.invoke(app, ["users", "add", "zoe", "--role", "analyst", "--password",
                            COMMON[0], "--db", db_url])
    assert r.exit_code == 1 and "too easy to guess" in r.output
    assert "commonly used password" in r.output
    r = runner.invoke(app, ["users", "reset-password", "ana", "--password", COMMON[1],
                            "--db", db_url])
    assert r.exit_code == 1 and "too easy to guess" in r.output
    r = runner.invoke(app, ["users", "reset-password", "ana", "--password", STRONG,
                            "--db", db_url])
    assert r.exit_code == 0, r.output
    assert sessions.login(observatory, "ana", STRONG).viewer.username == "ana"
    with pytest.raises(ValidationFailed):
        accounts.create_user(observatory, SYSTEM_VIEWER, "zoe", COMMON[1], "analyst")
