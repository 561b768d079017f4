"""A user's e-mail address (where alert notifications go) is set, changed, cleared and listed
from the admin pages, the API and ``salus users``; a malformed address is refused naming the
field and the value, and nothing changes. Addresses need not be unique (``app_user.email`` has
no unique constraint)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
import typer
from typer.testing import CliRunner
from web_support import PASSWORD, add_cast, client, sign_in

from salus.cli import serve as serve_cli
from salus.domain.accounts.roles import SYSTEM_VIEWER
from salus.storage import schema as t
from salus.usecases.accounts import users as accounts
from salus.usecases.errors import ValidationFailed

BAD = "ana at example.org"


def _email(engine: sa.Engine, username: str) -> str | None:
    with engine.connect() as conn:
        return conn.scalar(sa.select(t.app_user.c.email)
                           .where(t.app_user.c.username == username))


def test_the_use_cases_set_change_clear_and_list_an_address_and_refuse_a_bad_one(
        engine: sa.Engine) -> None:
    made = accounts.create_user(engine, SYSTEM_VIEWER, "eve", PASSWORD, "analyst",
                                email="  eve@example.org ")
    assert made.email == "eve@example.org" == _email(engine, "eve")
    accounts.create_user(engine, SYSTEM_VIEWER, "duty", PASSWORD, "analyst",
                         email="eve@example.org")  # a shared inbox is allowed
    assert {u.username: u.email for u in accounts.list_users(engine, SYSTEM_VIEWER)} == {
        "duty": "eve@example.org", "eve": "eve@example.org"}
    assert accounts.update_user(engine, SYSTEM_VIEWER, "eve", role="admin").email == (
        "eve@example.org")  # left out: kept
    assert accounts.update_user(engine, SYSTEM_VIEWER, "eve",
                                email="eve@obs.example").email == "eve@obs.example"
    with pytest.raises(ValidationFailed) as refused:
        accounts.update_user(engine, SYSTEM_VIEWER, "eve", email=BAD, role="analyst")
    assert refused.value.errors[0]["field"] == "email" and BAD in refused.value.errors[0][
        "message"]
    assert _email(engine, "eve") == "eve@obs.example"
    assert accounts.get_user(engine, SYSTEM_VIEWER, "eve").role == "admin"
    with pytest.raises(ValidationFailed):
        accounts.create_user(engine, SYSTEM_VIEWER, "mal", PASSWORD, "analyst", email=BAD)
    assert "mal" not in {u.username for u in accounts.list_users(engine, SYSTEM_VIEWER)}
    assert accounts.update_user(engine, SYSTEM_VIEWER, "eve", email="").email is None
    with engine.connect() as conn:
        after = conn.scalar(sa.select(t.audit_event.c.after).where(
            t.audit_event.c.entity == "user", t.audit_event.c.entity_id == "eve",
            t.audit_event.c.action == "update").order_by(t.audit_event.c.id.desc()).limit(1))
    assert after["email"] is None


def test_an_admin_sets_and_changes_an_address_on_the_users_page(engine: sa.Engine) -> None:
    add_cast(engine)
    admin = client(engine)
    csrf = sign_in(admin, "admin")
    r = admin.post("/users", data={"username": "zoe", "password": PASSWORD, "role": "analyst",
                                   "email": "zoe@example.org", "csrf_token": csrf})
    assert r.status_code == 200 and 'value="zoe@example.org"' in r.text
    assert _email(engine, "zoe") == "zoe@example.org"
    r = admin.post("/users/zoe", data={"role": "analyst", "active": "on",
                                       "email": "zoe@obs.example", "csrf_token": csrf})
    assert r.status_code == 200 and _email(engine, "zoe") == "zoe@obs.example"
    r = admin.post("/users/zoe", data={"role": "analyst", "active": "on", "email": BAD,
                                       "csrf_token": csrf})
    assert r.status_code == 400 and BAD in r.text and _email(engine, "zoe") == "zoe@obs.example"
    r = admin.post("/users/zoe", data={"role": "analyst", "active": "on", "csrf_token": csrf})
    assert r.status_code == 200 and _email(engine, "zoe") == "zoe@obs.example"  # no field: kept


def test_the_api_creates_lists_and_patches_a_users_address(engine: sa.Engine) -> None:
    add_cast(engine)
    api = client(engine)
    api.headers["X-CSRF-Token"] = sign_in(api, "admin")
    r = api.post("/api/v1/users", json={"username": "zoe", "password": PASSWORD,
                                        "role": "analyst", "email": "zoe@example.org"})
    assert r.status_code == 201 and r.json()["email"] == "zoe@example.org"
    listed = {u["username"]: u["email"] for u in api.get("/api/v1/users").json()}
    assert listed["zoe"] == "zoe@example.org" and listed["ana"] is None
    r = api.patch("/api/v1/users/ana", json={"email": "ana@example.org"})
    assert r.status_code == 200 and r.json()["email"] == "ana@example.org"
    assert r.json()["role"] == "analyst"  # left out: kept
    r = api.patch("/api/v1/users/ana", json={"email": BAD})
    assert r.status_code == 422 and BAD in r.text and _email(engine, "ana") == "ana@example.org"
    assert api.patch("/api/v1/users/nobody", json={"email": ""}).status_code == 404
    ana = client(engine)
    ana.headers["X-CSRF-Token"] = sign_in(ana, "ana")
    assert ana.patch("/api/v1/users/ana", json={"role": "admin"}).status_code == 403
    assert accounts.get_user(engine, SYSTEM_VIEWER, "ana").role == "analyst"


def _listed(runner: CliRunner, app: typer.Typer, db_url: str) -> list[str]:
    result = runner.invoke(app, ["users", "list", "--db", db_url])
    assert result.exit_code == 0, result.output
    return result.output.split()


def test_the_users_cli_adds_edits_and_lists_an_address(db_url: str) -> None:
    runner, app = CliRunner(), typer.Typer()
    serve_cli.register(app)
    r = runner.invoke(app, ["users", "add", "cli-user", "--role", "analyst", "--generate",
                            "--email", "cli@example.org", "--db", db_url])
    assert r.exit_code == 0, r.output
    assert _listed(runner, app, db_url) == ["cli-user", "analyst", "*", "cli@example.org"]
    r = runner.invoke(app, ["users", "edit", "cli-user", "--email", "new@example.org",
                            "--inactive", "--db", db_url])
    assert r.exit_code == 0 and "new@example.org" in r.output, r.output
    r = runner.invoke(app, ["users", "edit", "cli-user", "--email", BAD, "--db", db_url])
    assert r.exit_code == 1 and "email" in r.output
    assert _listed(runner, app, db_url) == ["cli-user", "analyst", "*", "new@example.org",
                                            "(inactive)"]
    r = runner.invoke(app, ["users", "edit", "cli-user", "--email", "", "--db", db_url])
    assert r.exit_code == 0
    assert _listed(runner, app, db_url) == ["cli-user", "analyst", "*", "-", "(inactive)"]
