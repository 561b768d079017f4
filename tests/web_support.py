"""Helpers for the web and API tests: an app over a fresh store and a signed-in client.

The cast (STYLE.md §9): ``admin``; ``ana`` the analyst; ``dora`` data entry; ``monty`` a
community monitor bound to region ``R1``; ``pub`` a public account.
"""

from __future__ import annotations

import re
import warnings

import sqlalchemy as sa

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from argon2 import PasswordHasher

from salus.auth import secrets as _secrets
from salus.auth.roles import SYSTEM_VIEWER
from salus.usecases import accounts
from salus.web import create_app

# Cheaper argon2id parameters for the test process only (production keeps argon2's defaults).
_secrets._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)

PASSWORD = "correct-horse-battery"
CAST = {"admin": "admin", "ana": "analyst", "dora": "data_entry", "monty": "community_monitor",
        "pub": "public"}


def add_cast(engine: sa.Engine, scoped_area: str | None = None) -> None:
    for username, role in CAST.items():
        area = scoped_area if role == "community_monitor" else None
        accounts.create_user(engine, SYSTEM_VIEWER, username, PASSWORD, role, area_code=area)


def client(engine: sa.Engine, public: bool = False) -> TestClient:
    return TestClient(create_app(engine, public=public), base_url="http://testserver")


def csrf_from(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def sign_in(c: TestClient, username: str, password: str = PASSWORD) -> str:
    """Sign ``c`` in; returns the session's CSRF token."""
    token = csrf_from(c.get("/login").text)
    r = c.post("/login", data={"username": username, "password": password,
                               "csrf_token": token, "next": "/"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return csrf_from(c.get("/account").text)
