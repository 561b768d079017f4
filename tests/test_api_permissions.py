"""The permission matrix: every role × every API endpoint, allowed or refused, and no leak.

Identifying fields (person names, dates of birth; narratives of GBV records) must never reach a
role without the grant, in any response or export. ``monty`` is bound to region R1 and must see
nothing of R2.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from web_support import (
    GBV_NAME,
    GBV_NARRATIVE,
    PLAIN_NAME,
    add_cast,
    client,
    seed,
    shared_observatory,
    sign_in,
)

__all__ = ["shared_observatory"]

ALL = ("admin", "ana", "dora", "monty", "pub")
READERS = ("admin", "ana", "dora", "monty")
GET_ENDPOINTS: dict[str, tuple[str, ...]] = {
    "/api/v1/me": ALL,
    "/api/v1/incidents": READERS,
    "/api/v1/incidents?q=gbv-narrative-marker": READERS,
    "/api/v1/incidents/export?format=csv": READERS,
    "/api/v1/incidents/export?format=geojson": READERS,
    "/api/v1/incidents/export?format=hxl": READERS,
    "/api/v1/incidents/{gbv}": READERS,
    "/api/v1/incidents/{gbv}/history": READERS,
    "/api/v1/incidents/{plain}": READERS,
    "/api/v1/incidents/{south}": ("admin", "ana", "dora"),
    "/api/v1/persons": READERS,
    "/api/v1/areas": ALL,
    "/api/v1/areas/geojson?level=2": ALL,
    "/api/v1/areas/R1": ALL,
    "/api/v1/population": ALL,
    "/api/v1/indicators": ALL,
    "/api/v1/indicators/sdg-16-1-1?period=2024&by=area": ALL,
    "/api/v1/dashboard/headline?year=2024": ALL,
    "/api/v1/dashboard/map?year=2024&format=csv": ALL,
    "/api/v1/alerts": READERS,
    "/api/v1/alerts?status=open&area=R1&page=1&per_page=5": READERS,
    "/api/v1/hotspots?level=2&days=3660&end=2024-12-31": READERS,
    "/api/v1/clusters?level=2&days=730&replicates=19": READERS,
    "/api/v1/tension": READERS,
    "/api/v1/users": ("admin",),
    "/api/v1/imports": ("admin", "ana", "dora"),
    "/api/v1/imports/mappings": ("admin", "ana", "dora"),
}
# who may see which marker
SEES = {"admin": {GBV_NAME, GBV_NARRATIVE, PLAIN_NAME}, "ana": {PLAIN_NAME},
        "dora": {PLAIN_NAME}, "monty": set(), "pub": set()}


def _uids(engine: sa.Engine) -> dict[str, str]:
    q = sa.text("select i.uid, i.sensitivity, a.code from incident i join area a "
                "on a.id = i.area_id order by i.id")
    with engine.connect() as conn:
        rows = conn.execute(q).all()
    return {"gbv": next(u for u, s, c in rows if s == "gbv" and c.startswith("R1")),
            "plain": next(u for u, s, c in rows if s != "gbv" and c.startswith("R1")),
            "south": next(u for u, s, c in rows if c.startswith("R2"))}


@pytest.fixture
def observatory(engine: sa.Engine) -> sa.Engine:
    """A fresh store for tests that write."""
    seed(engine, per_district=6)
    add_cast(engine, scoped_area="R1")
    return engine


def test_every_role_gets_exactly_the_endpoints_it_is_granted(
        shared_observatory: sa.Engine) -> None:
    observatory = shared_observatory
    uids = _uids(observatory)
    for username in ALL:
        c = client(observatory)
        sign_in(c, username)
        for template, allowed in GET_ENDPOINTS.items():
            path = template.format(**uids)
            r = c.get(path)
            expected = (200,) if username in allowed else (403, 404)
            assert r.status_code in expected, (username, path, r.status_code, r.text[:200])
            hidden = {GBV_NAME, GBV_NARRATIVE, PLAIN_NAME} - SEES[username]
            leaked = [m for m in hidden if m in r.text]
            assert not leaked, (username, path, leaked)
            if username == "monty" and r.status_code == 200 and not _reference(path):
                assert "R2-" not in r.text, (path, "area scope leak")


def test_anonymous_callers_get_a_401_problem(shared_observatory: sa.Engine) -> None:
    observatory = shared_observatory
    c = client(observatory)
    for path in ("/api/v1/incidents", "/api/v1/me", "/api/v1/dashboard/headline"):
        r = c.get(path)
        assert r.status_code == 401
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["status"] == 401


def test_writes_follow_the_roles(observatory: sa.Engine) -> None:
    uids = _uids(observatory)
    body = {"occurred_on": "2024-03-01", "area_code": "R1-A", "iccs_code": "0101",
            "persons": [{"sex": "male", "outcome": "killed", "given_name": "New"}]}
    create = {"admin": 201, "ana": 201, "dora": 201, "monty": 201, "pub": 403}
    edit = {"admin": 200, "ana": 200, "dora": 200, "monty": 403, "pub": 403}
    for username in ALL:
        c = client(observatory)
        csrf = sign_in(c, username)
        headers = {"X-CSRF-Token": csrf}
        r = c.post("/api/v1/incidents", json=body, headers=headers)
        assert r.status_code == create[username], (username, r.text)
        r = c.put(f"/api/v1/incidents/{uids['plain']}", json=body, headers=headers)
        assert r.status_code == edit[username], (username, r.text)


def test_a_scoped_monitor_cannot_create_outside_the_region(observatory: sa.Engine) -> None:
    c = client(observatory)
    csrf = sign_in(c, "monty")
    r = c.post("/api/v1/incidents", headers={"X-CSRF-Token": csrf},
               json={"occurred_on": "2024-03-01", "area_code": "R2-A", "iccs_code": "0101"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["code"] == "area.out_of_scope"


def test_an_editor_without_the_grant_cannot_erase_hidden_identities(
        observatory: sa.Engine) -> None:
    uids = _uids(observatory)
    c = client(observatory)
    csrf = sign_in(c, "ana")
    seen = c.get(f"/api/v1/incidents/{uids['gbv']}").json()
    body = {k: seen["fields"][k] for k in ("occurred_on", "area_code", "iccs_code")}
    body |= {"sensitivity": "public", "persons": [{"sex": "female", "outcome": "injured"}]}
    assert c.put(f"/api/v1/incidents/{uids['gbv']}", json=body,
                 headers={"X-CSRF-Token": csrf}).status_code == 200
    admin = client(observatory)
    sign_in(admin, "admin")
    after = admin.get(f"/api/v1/incidents/{uids['gbv']}").json()
    assert after["fields"]["sensitivity"] == "gbv"
    assert after["persons"][0]["given_name"] == GBV_NAME
    assert after["fields"]["narrative"].startswith(GBV_NARRATIVE)


def _reference(path: str) -> bool:
    """Areas and population are reference data, the same for every role."""
    return "/areas" in path or "/population" in path


def _tension_alert(engine: sa.Engine, code: str = "R1-A") -> int:
    """An alert in ``code``: the tension index jumps from 2 to 5 in the sixth month."""
    import datetime as dt

    from salus.domain.accounts.roles import SYSTEM_VIEWER
    from salus.storage.alerts import TENSION_THEMES
    from salus.usecases.alerts import tension

    for i, level in enumerate((2, 2, 3, 2, 2, 5)):
        tension.submit(engine, SYSTEM_VIEWER, code, dt.date(2024, 1 + i, 1),
                       dict.fromkeys(TENSION_THEMES, level))
    (fired,) = tension.run_tension_alerts(engine).fired
    return int(fired["id"])


def test_alert_writes_follow_the_roles(observatory: sa.Engine) -> None:
    """Assigning, escalating and moving an alert through the API: analysts and administrators
    only, as on the alert's page."""
    alert_id = _tension_alert(observatory)
    allowed = {"admin": 200, "ana": 200, "dora": 403, "monty": 403, "pub": 403}
    for username in ALL:
        c = client(observatory)
        headers = {"X-CSRF-Token": sign_in(c, username)}
        writes = {"assign": {"assignee": username}, "escalate": {"note": username}}
        for action, body in writes.items():
            r = c.post(f"/api/v1/alerts/{alert_id}/{action}", json=body, headers=headers)
            assert r.status_code == allowed[username], (username, action, r.text[:200])
        r = c.post(f"/api/v1/alerts/{alert_id}/transition", json={"status": "acknowledged"},
                   headers=headers)
        assert r.status_code == {"admin": 200, "ana": 409}.get(username, 403), (username, r.text)
    without_csrf = client(observatory)
    sign_in(without_csrf, "ana")
    r = without_csrf.post(f"/api/v1/alerts/{alert_id}/escalate", json={})
    assert r.status_code == 403


FIGURES = ("/api/v1/dashboard/headline?year=2024", "/api/v1/dashboard/map?year=2024&format=csv",
           "/api/v1/hotspots?level=2&days=3660&end=2024-12-31",
           "/api/v1/clusters?level=2&days=730&replicates=19", "/api/v1/tension")


def test_cached_figures_are_served_per_role_and_scope_never_another_viewers(
        shared_observatory: sa.Engine) -> None:
    """Issue 11: figures are kept until the data change, per viewer scope. The admin fills
    the caches first; every other role then gets what a fresh computation gives it (caches
    emptied), and its second request is a hit with the same answer."""
    from salus.usecases import cache

    observatory = shared_observatory
    signed = {}
    for username in ALL:
        signed[username] = client(observatory)
        sign_in(signed[username], username)
    first: dict[tuple[str, str], str] = {}
    for username in ALL:  # admin first: its figures are in the caches when the others ask
        for path in FIGURES:
            r = signed[username].get(path)
            if r.status_code == 200:
                first[(username, path)] = r.text
    hits = sum(c.stats().hits for c in cache.caches().values())
    for (username, path), text in first.items():
        assert signed[username].get(path).text == text, (username, path)
    assert sum(c.stats().hits for c in cache.caches().values()) >= hits + len(first)
    cache.clear_all()
    for (username, path), text in first.items():
        assert signed[username].get(path).text == text, (username, path, "not its own figure")
        if username == "monty":
            assert "R2-" not in text, (path, "area scope leak")
    assert first[("pub", FIGURES[0])] != first[("ana", FIGURES[0])]  # suppressed for the public
