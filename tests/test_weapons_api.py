"""Weapons registry API: the permission matrix, no owner data where it does not belong,
problem+json errors, the event endpoint, pseudonymised export, 16.4.2 — SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from weapons_ui_support import (
    ALL_USERS,
    ID_NUMBER,
    LICENCE,
    OWNER_NAME,
    OWNER_READERS,
    PRIVATE,
    READERS,
    SERIAL,
    Registry,
    fresh_registry,
    registry_store,
)
from web_support import client, sign_in


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def registry(request: pytest.FixtureRequest) -> Iterator[tuple[sa.Engine, Registry]]:
    yield from registry_store(request)


def _endpoints(reg: Registry) -> dict[str, tuple[str, ...]]:
    return {
        "/api/v1/weapons": READERS, "/api/v1/weapons?q=A8C123": READERS,
        f"/api/v1/weapons/{reg.pistol}": READERS, "/api/v1/weapons/export": READERS,
        "/api/v1/licences/expiring": READERS, "/api/v1/tracing": READERS,
        "/api/v1/sdg-16-4-2?period=2020..2030": READERS,
        "/api/v1/sdg-16-4-2?period=2020..2030&format=csv": READERS,
        f"/api/v1/weapons/check?serial={SERIAL}": OWNER_READERS,
        f"/api/v1/weapon-owners/{reg.owner}": OWNER_READERS,
    }


def test_every_role_gets_exactly_the_registry_endpoints_it_is_granted(
        registry: tuple[sa.Engine, Registry]) -> None:
    engine, reg = registry
    for username in ALL_USERS:
        c = client(engine)
        sign_in(c, username)
        for path, allowed in _endpoints(reg).items():
            r = c.get(path)
            if username in allowed:
                assert r.status_code == 200, (username, path, r.text[:200])
            else:
                assert r.status_code == 403, (username, path, r.status_code)
                assert r.headers["content-type"] == "application/problem+json"
            if username not in OWNER_READERS or "export" in path:
                leaked = [m for m in PRIVATE if m in r.text]
                assert not leaked, (username, path, leaked)


def test_anonymous_callers_get_a_401_problem(registry: tuple[sa.Engine, Registry]) -> None:
    engine, reg = registry
    for path in ("/api/v1/weapons", f"/api/v1/weapons/{reg.pistol}", "/api/v1/tracing"):
        r = client(engine).get(path)
        assert r.status_code == 401 and r.json()["status"] == 401


def test_a_weapon_comes_with_its_history_and_holder_only_for_registry_roles(
        registry: tuple[sa.Engine, Registry]) -> None:
    engine, reg = registry
    officer, analyst = client(engine), client(engine)
    sign_in(officer, "rita")
    sign_in(analyst, "ana")
    body = officer.get(f"/api/v1/weapons/{reg.rifle}").json()
    assert [e["event_type"] for e in body["events"]] == ["seized", "stored"]
    assert body["incidents"][0]["incident_uid"] == reg.incident
    assert body["status"] == "stored"
    pistol = officer.get(f"/api/v1/weapons/{reg.pistol}").json()
    assert pistol["holdings"][0]["owner_name"] == f"{OWNER_NAME} Doe"
    hidden = analyst.get(f"/api/v1/weapons/{reg.pistol}").json()
    assert hidden["holdings"][0]["owner_name"] is None
    assert hidden["holdings"][0]["licence_number"] is None


def test_search_and_list_return_the_marking_never_the_owner(
        registry: tuple[sa.Engine, Registry]) -> None:
    engine, reg = registry
    c = client(engine)
    sign_in(c, "rita")
    hits = c.get("/api/v1/weapons?q=A8C123").json()["hits"]
    assert hits[0]["uid"] == reg.pistol and hits[0]["match"] == "exact"
    page = c.get("/api/v1/weapons?status=stored").json()
    assert [w["uid"] for w in page["items"]] == [reg.rifle]
    vague = c.get("/api/v1/weapons?q=X")
    assert vague.status_code == 422 and vague.json()["errors"][0]["field"] == "query"


def test_the_export_pseudonymises_owners(registry: tuple[sa.Engine, Registry]) -> None:
    engine, _reg = registry
    c = client(engine)
    sign_in(c, "admin")
    text = c.get("/api/v1/weapons/export").text
    header, *rows = text.strip().splitlines()
    assert "owner_pseudonym" in header and len(rows) == 3
    assert any(",P-" in row for row in rows)
    assert OWNER_NAME not in text and ID_NUMBER not in text


def test_expiring_licences_and_owner_reads_are_audited(
        registry: tuple[sa.Engine, Registry]) -> None:
    engine, reg = registry
    c = client(engine)
    sign_in(c, "rita")
    before = _audits(engine, "weapon_owner.read")
    rows = c.get("/api/v1/licences/expiring?days=30").json()
    assert [r["number"] for r in rows] == [LICENCE] and rows[0]["owner_name"]
    owner = c.get(f"/api/v1/weapon-owners/{reg.owner}").json()
    assert owner["owner"]["id_document_number"] == ID_NUMBER
    assert _audits(engine, "weapon_owner.read") == before + 2


def test_16_4_2_as_json(registry: tuple[sa.Engine, Registry]) -> None:
    engine, _reg = registry
    c = client(engine)
    sign_in(c, "ana")
    body = c.get("/api/v1/sdg-16-4-2?period=2020..2030").json()
    assert body["total"] == {"numerator": 0, "denominator": 2, "value": 0.0}
    assert body["by_kind"]["seized"]["denominator"] == 1
    assert body["by_kind"]["found"]["denominator"] == 1
    assert c.get("/api/v1/sdg-16-4-2?period=never").status_code == 422


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[tuple[sa.Engine, Registry]]:
    yield from fresh_registry(tmp_path)


def test_events_follow_the_roles_and_bad_ones_change_nothing(
        fresh: tuple[sa.Engine, Registry]) -> None:
    engine, reg = fresh
    today = dt.date.today().isoformat()
    expected = {"admin": 201, "ana": 403, "dora": 403, "monty": 403, "rita": 201, "pub": 403}
    for username, status in expected.items():
        c = client(engine)
        csrf = sign_in(c, username)
        r = c.post(f"/api/v1/weapons/{reg.rifle}/events", headers={"X-CSRF-Token": csrf},
                   json={"event_type": "stored", "occurred_on": today, "place": username})
        assert r.status_code == status, (username, r.text)
    c = client(engine)
    csrf = sign_in(c, "rita")
    before = _rows(engine)
    destroyed = c.post(f"/api/v1/weapons/{reg.revolver}/events", headers={"X-CSRF-Token": csrf},
                       json={"event_type": "seized", "occurred_on": today})
    assert destroyed.status_code == 422
    assert destroyed.json()["errors"][0]["code"] == "lifecycle.not_allowed"
    unknown = c.post(f"/api/v1/weapons/{reg.rifle}/events", headers={"X-CSRF-Token": csrf},
                     json={"event_type": "sold", "occurred_on": today})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "event_type"
    registered = c.post(f"/api/v1/weapons/{reg.rifle}/events", headers={"X-CSRF-Token": csrf},
                        json={"event_type": "registered", "occurred_on": today})
    assert registered.status_code == 422
    no_csrf = c.post(f"/api/v1/weapons/{reg.rifle}/events",
                     json={"event_type": "stored", "occurred_on": today})
    assert no_csrf.status_code == 403
    assert _rows(engine) == before


def _audits(engine: sa.Engine, action: str) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(sa.text("select count(*) from audit_event where action = :a"),
                               {"a": action}) or 0)


def _rows(engine: sa.Engine) -> tuple[int, int]:
    with engine.connect() as conn:
        return (int(conn.scalar(sa.text("select count(*) from weapon_event")) or 0),
                int(conn.scalar(sa.text("select count(*) from audit_event")) or 0))
