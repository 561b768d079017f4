"""Helpers for the web and API tests: an app over a fresh store and a signed-in client.

The cast (STYLE.md §9): ``admin``; ``ana`` the analyst; ``dora`` data entry; ``monty`` a
community monitor bound to region ``R1``; ``pub`` a public account.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from argon2 import PasswordHasher

from salus.domain.accounts import secrets as _secrets
from salus.domain.accounts.roles import SYSTEM_VIEWER
from salus.usecases.accounts import users as accounts
from salus.web.app import create_app

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


# ---------------------------------------------------------------- a small observatory

GBV_NAME = "Zainab-Secret"
GBV_NARRATIVE = "gbv-narrative-marker"
PLAIN_NAME = "Carlos-Visible"
DISTRICTS = {"R1-A": (0, 1), "R1-B": (1, 2), "R2-A": (2, 3), "R2-B": (3, 4)}


def _square(x0: float, x1: float) -> dict[str, object]:
    return {"type": "Polygon", "coordinates": [[[x0, 0], [x1, 0], [x1, 2], [x0, 2], [x0, 0]]]}


def seed(engine: sa.Engine, per_district: int = 12) -> None:
    """Country C → regions R1, R2 → four districts, population 2023–2024, and incidents.

    Every district gets ``per_district`` incidents a year; every sixth is a GBV case whose
    victim is named ``GBV_NAME``, the others name ``PLAIN_NAME``.
    """
    import datetime as dt

    from salus.domain.incidents import model as m
    from salus.storage import repository

    areas = [m.Area("C", "Verdania", 0, geometry=_square(0, 4)),
             m.Area("R1", "North", 1, "C", geometry=_square(0, 2)),
             m.Area("R2", "South", 1, "C", geometry=_square(2, 4))]
    areas += [m.Area(code, f"District {code}", 2, code[:2], geometry=_square(*xs))
              for code, xs in DISTRICTS.items()]
    pop = [m.PopulationCount(code, year, 20000 + 1000 * n) for n, code in enumerate(DISTRICTS)
           for year in (2023, 2024)]
    incidents = [_incident(code, year, k, dt, m) for code in DISTRICTS for year in (2023, 2024)
                 for k in range(per_district)]
    with engine.begin() as conn:
        repository.save_areas(conn, areas)
        repository.save_population(conn, pop)
        repository.save_incidents(conn, incidents)


def _incident(code: str, year: int, k: int, dt: object, m: object) -> object:
    gbv = k % 6 == 0
    sex = "female" if gbv or k % 3 == 0 else "male"
    victim = m.Person(m.Role.VICTIM, m.Sex(sex), m.AgeRange.exact(20 + k),  # type: ignore[attr-defined]
                      outcome=m.Outcome.KILLED if k % 2 else m.Outcome.INJURED,  # type: ignore[attr-defined]
                      given_name=GBV_NAME if gbv else PLAIN_NAME, family_name="Doe")
    x0 = DISTRICTS[code][0]
    return m.Incident(  # type: ignore[attr-defined]
        occurred=m.OccurrenceDate(dt.date(year, 1 + k % 12, 1 + k)),  # type: ignore[attr-defined]
        area_code=code, iccs_code="03011" if gbv else ("0101" if k % 2 else "020111"),
        source=m.SourceRecord("police", "test", f"{code}-{year}-{k}"),  # type: ignore[attr-defined]
        point=m.Point(x0 + 0.5, 1.0),  # type: ignore[attr-defined]
        iccs_context="intimate_partner" if gbv else "crime_related",
        weapons=[m.Weapon("sharp" if gbv else "revolver_pistol")],  # type: ignore[attr-defined]
        persons=[victim], sensitivity=m.Sensitivity.GBV if gbv else m.Sensitivity.RESTRICTED,  # type: ignore[attr-defined]
        narrative=(GBV_NARRATIVE if gbv else "a shooting near the market") + f" {code}")


# ---------------------------------------------------------------- one observatory per module

@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def shared_observatory(request: pytest.FixtureRequest,
                       tmp_path_factory: pytest.TempPathFactory) -> Iterator[sa.Engine]:
    """A seeded store with the cast, built once per test module and backend.

    For tests that only read: seeding takes a few seconds on PostgreSQL, so the read-only
    matrix tests share one instead of resetting the database for each test.
    """
    from support_db import new_store

    engine = new_store(request, request.param)
    seed(engine, per_district=6)
    add_cast(engine, scoped_area="R1")
    yield engine
    engine.dispose()
