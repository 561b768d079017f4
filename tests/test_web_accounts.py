"""Sign-in, sessions, CSRF, rate limiting, roles, admin password reset and the audit trail."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sqlalchemy as sa
import typer
from typer.testing import CliRunner
from web_support import PASSWORD, add_cast, client, csrf_from, sign_in

from salus.cli import serve as serve_cli
from salus.domain.accounts.roles import UserRole, Viewer
from salus.storage import schema as t
from salus.usecases.accounts import users as accounts

ADMIN = Viewer.for_role("root-test", UserRole.ADMIN)


@pytest.fixture
def cast_engine(engine: sa.Engine) -> sa.Engine:
    add_cast(engine)
    return engine


def test_pages_redirect_to_sign_in_when_nobody_is_signed_in(cast_engine: sa.Engine) -> None:
    r = client(cast_engine).get("/account?x=1", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=/account%3Fx%3D1"


def test_a_user_signs_in_and_out_with_a_secure_session_cookie(cast_engine: sa.Engine) -> None:
    c = client(cast_engine)
    token = csrf_from(c.get("/login").text)
    r = c.post("/login", data={"username": "ana", "password": PASSWORD, "csrf_token": token},
               follow_redirects=False)
    assert r.status_code == 303
    cookie = r.headers["set-cookie"]
    assert "salus_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert c.get("/", follow_redirects=False).status_code == 200
    csrf = csrf_from(c.get("/account").text)
    assert c.post("/logout", data={"csrf_token": csrf}, follow_redirects=False).status_code == 303
    assert c.get("/", follow_redirects=False).status_code == 303


def test_session_cookies_are_secure_over_https(cast_engine: sa.Engine) -> None:
    from fastapi.testclient import TestClient

    from salus.web.app import create_app

    c = TestClient(create_app(cast_engine), base_url="https://testserver")
    token = csrf_from(c.get("/login").text)
    r = c.post("/login", data={"username": "ana", "password": PASSWORD, "csrf_token": token},
               follow_redirects=False)
    assert "Secure" in r.headers["set-cookie"]


def test_passwords_are_stored_as_argon2_hashes(cast_engine: sa.Engine) -> None:
    with cast_engine.connect() as conn:
        stored = conn.execute(sa.select(t.app_user.c.password_hash)).scalars().all()
    assert all(h.startswith("$argon2id$") and PASSWORD not in h for h in stored)


def test_a_wrong_password_is_refused(cast_engine: sa.Engine) -> None:
    c = client(cast_engine)
    token = csrf_from(c.get("/login").text)
    r = c.post("/login", data={"username": "ana", "password": "nope", "csrf_token": token})
    assert r.status_code == 400
    assert 'id="login-error"' in r.text


def test_login_is_rate_limited_after_five_failures(cast_engine: sa.Engine) -> None:
    c = client(cast_engine)
    token = csrf_from(c.get("/login").text)
    for _ in range(5):
        c.post("/login", data={"username": "ana", "password": "bad", "csrf_token": token})
    r = c.post("/login", data={"username": "ana", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 429


def test_a_form_post_without_the_csrf_token_is_refused(cast_engine: sa.Engine) -> None:
    c = client(cast_engine)
    c.get("/login")
    r = c.post("/login", data={"username": "ana", "password": PASSWORD})
    assert r.status_code == 403
    sign_in(c, "admin")
    r = c.post("/users", data={"username": "eve", "password": PASSWORD, "role": "admin"})
    assert r.status_code == 403
    r = c.post("/users", data={"username": "eve", "password": PASSWORD, "role": "admin",
                               "csrf_token": "forged"})
    assert r.status_code == 403


def test_only_administrators_see_users_and_the_audit_log(cast_engine: sa.Engine) -> None:
    for username, allowed in (("admin", True), ("ana", False), ("dora", False),
                              ("monty", False), ("pub", False)):
        c = client(cast_engine)
        sign_in(c, username)
        for path in ("/users", "/audit"):
            assert c.get(path).status_code == (200 if allowed else 403), (username, path)


def test_an_admin_adds_a_user_who_can_then_sign_in(cast_engine: sa.Engine) -> None:
    c = client(cast_engine)
    csrf = sign_in(c, "admin")
    r = c.post("/users", data={"username": "zoe", "password": "zoe-password-1",
                               "role": "analyst", "csrf_token": csrf})
    assert r.status_code == 200 and "zoe" in r.text
    sign_in(client(cast_engine), "zoe", "zoe-password-1")


def test_an_admin_resets_a_password_and_the_old_sessions_end(cast_engine: sa.Engine) -> None:
    victim = client(cast_engine)
    sign_in(victim, "dora")
    admin = client(cast_engine)
    csrf = sign_in(admin, "admin")
    r = admin.post("/users/dora/password", data={"csrf_token": csrf})
    new_password = r.text.split('id="new-password">')[1].split("<")[0]
    assert victim.get("/", follow_redirects=False).status_code == 303
    sign_in(client(cast_engine), "dora", new_password)


def _token_for(c: Any, csrf: str, name: str) -> str:
    """Create an API token from the account page; returns the value shown once."""
    r = c.post("/account/tokens", data={"name": name, "csrf_token": csrf})
    return r.text.split('<code id="new-token">')[1].split("<")[0]


def _bearer(engine: sa.Engine, token: str) -> int:
    return client(engine).get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}
                              ).status_code


def test_changing_ones_password_revokes_ones_api_tokens(cast_engine: sa.Engine) -> None:
    dora = client(cast_engine)
    csrf = sign_in(dora, "dora")
    token = _token_for(dora, csrf, "laptop script")
    assert _bearer(cast_engine, token) == 200
    r = dora.post("/account/password", data={"current": PASSWORD, "new": "a-new-pass-phrase-9",
                                            "csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    assert _bearer(cast_engine, token) == 401
    again = client(cast_engine)
    sign_in(again, "dora", "a-new-pass-phrase-9")
    page = again.get("/account").text
    row = page.split("laptop script")[1].split("</tr>")[0]
    assert "revoked" in row and "Revoke" not in row


def test_an_admin_password_reset_revokes_the_users_tokens_and_says_so_in_the_audit_log(
        cast_engine: sa.Engine) -> None:
    dora = client(cast_engine)
    token = _token_for(dora, sign_in(dora, "dora"), "sync job")
    other = client(cast_engine)
    others_token = _token_for(other, sign_in(other, "admin"), "admin job")
    accounts.reset_password(cast_engine, ADMIN, "dora")
    assert _bearer(cast_engine, token) == 401
    assert _bearer(cast_engine, others_token) == 200
    with cast_engine.connect() as conn:
        after = conn.execute(sa.select(t.audit_event.c.after).where(
            t.audit_event.c.action == "reset_password")).scalar_one()
    assert (json.loads(after) if isinstance(after, str) else after) == {"tokens_revoked": 1}


def test_writes_and_sign_ins_land_in_the_audit_log(cast_engine: sa.Engine) -> None:
    c = client(cast_engine)
    csrf = sign_in(c, "admin")
    c.post("/users", data={"username": "zoe", "password": "zoe-password-1", "role": "analyst",
                           "csrf_token": csrf})
    page = c.get("/audit?entity=user&entity_id=zoe").text
    assert "create" in page and "analyst" in page
    with cast_engine.connect() as conn:
        actions = set(conn.execute(sa.select(t.audit_event.c.action)).scalars())
    assert {"create", "login"} <= actions


def test_an_inactive_user_cannot_sign_in(cast_engine: sa.Engine) -> None:
    admin = client(cast_engine)
    csrf = sign_in(admin, "admin")
    admin.post("/users/ana", data={"role": "analyst", "csrf_token": csrf})  # no "active" box
    c = client(cast_engine)
    token = csrf_from(c.get("/login").text)
    r = c.post("/login", data={"username": "ana", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 400


def test_the_users_cli_adds_a_user_and_resets_a_password(db_url: str) -> None:
    runner = CliRunner()
    cli_app = typer.Typer()
    serve_cli.register(cli_app)
    r = runner.invoke(cli_app, ["users", "add", "cli-user", "--role", "analyst", "--generate",
                                "--db", db_url])
    assert r.exit_code == 0, r.output
    assert "password:" in r.output
    r = runner.invoke(cli_app, ["users", "reset-password", "cli-user", "--db", db_url])
    assert r.exit_code == 0 and "Password reset" in r.output
    r = runner.invoke(cli_app, ["users", "add", "x", "--role", "wizard", "--password",
                                "long-enough-1", "--db", db_url])
    assert r.exit_code == 1
