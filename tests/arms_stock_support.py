"""A small cast for the stockpile and tracing tests: areas, weapons with histories, viewers.

Weapons and their lifecycle rows are written straight into the registry tables of revision 0007
(the registry's own rules are tested with the registry); the tests here exercise stockpiles
and tracing on top of them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator, Sequence

import pytest
import sqlalchemy as sa
from support_db import new_store

from salus.domain.accounts.roles import Viewer
from salus.domain.incidents.model import Area
from salus.storage import repository
from salus.storage import schema as t
from salus.storage.weapons import schema as arms
from salus.storage.weapons import stock_schema as st
from salus.usecases.weapons import stockpiles as sp_uc

OFFICER = Viewer.for_role("officer", "registry_officer")
ANALYST = Viewer.for_role("ana", "analyst")
CLERK = Viewer.for_role("clerk", "data_entry")
PUBLIC = Viewer.for_role("anyone", "public")

AREAS = [Area("XX", "Country", 0), Area("R1", "North", 1, "XX"), Area("R2", "South", 1, "XX"),
         Area("R1-A", "North A", 2, "R1"), Area("R1-B", "North B", 2, "R1"),
         Area("R2-A", "South A", 2, "R2")]


def add_areas(engine: sa.Engine) -> dict[str, int]:
    with engine.begin() as conn:
        repository.save_areas(conn, AREAS)
        return repository.area_ids(conn)


def officer_in(engine: sa.Engine, code: str) -> Viewer:
    """A registry officer bound to one area's subtree."""
    with engine.connect() as conn:
        area_id = repository.area_ids(conn)[code]
    return Viewer.for_role(f"officer-{code}", "registry_officer", area_id=area_id,
                           area_code=code)


def add_weapon(engine: sa.Engine, serial: str,
               events: Sequence[tuple[str, str, str | None]] = (),
               status: str | None = None) -> int:
    """A pistol with lifecycle ``events`` as (event_type, ISO date, area code); the status is
    the last event's (or ``status``). Returns the weapon id."""
    now = repository.now()
    with engine.begin() as conn:
        ids = repository.area_ids(conn)
        last = events[-1][0] if events else None
        weapon_id = int(conn.execute(arms.weapon.insert().values(
            uid=str(uuid.uuid4()), category="revolver_pistol", manufacturer="Zastava",
            manufacturer_key="ZASTAVA", model="M70", calibre="7.65mm", serial_number=serial,
            serial_key=serial, serial_obliterated=False, status=status or last,
            created_by="test", created_at=now, updated_at=now)).inserted_primary_key[0])
        for kind, day, area in events:
            conn.execute(arms.weapon_event.insert().values(
                weapon_id=weapon_id, event_type=kind, occurred_on=dt.date.fromisoformat(day),
                area_id=ids[area] if area else None, details={}, recorded_by="test",
                recorded_at=now))
    return weapon_id


def event_id(engine: sa.Engine, weapon_id: int, kind: str) -> int:
    e = arms.weapon_event
    with engine.connect() as conn:
        return int(conn.scalar(sa.select(sa.func.max(e.c.id)).where(
            e.c.weapon_id == weapon_id, e.c.event_type == kind)))


def add_site(engine: sa.Engine, code: str, area: str = "R1-A", kind: str = "stockpile") -> int:
    return sp_uc.add_site(engine, OFFICER, sp_uc.SiteSpec(
        code=code, name=f"Site {code}", kind=kind, area_code=area, security_level="high",
        custodian="Sgt. Custodian", capacity=500))


def table_counts(engine: sa.Engine, *tables: sa.Table) -> tuple[int, ...]:
    """Row counts, to show that a refused action changed nothing."""
    with engine.connect() as conn:
        return tuple(int(conn.scalar(sa.select(sa.func.count()).select_from(t)))
                     for t in tables)


# ---------------------------------------------------------------- fixtures
# One migrated store per test module and backend (migrating PostgreSQL for every test costs
# seconds on a shared machine); each test starts from emptied tables all the same.

CLEARED = (*reversed(st.STOCK_TABLES), *reversed(arms.REGISTRY_TABLES), t.audit_event,
           t.area_ancestor, t.area)


@pytest.fixture(name="stock_engine", scope="module", params=["sqlite", "postgresql"])
def stock_engine_fixture(request: pytest.FixtureRequest,
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[sa.Engine]:
    """A migrated store of its own on each backend, for one module."""
    engine = new_store(request, request.param)
    yield engine
    engine.dispose()


def reset(engine: sa.Engine) -> sa.Engine:
    """Empty the registry, stockpile and tracing tables; put back the areas of :data:`AREAS`."""
    with engine.begin() as conn:
        for table in CLEARED:
            conn.execute(table.delete())
    add_areas(engine)
    return engine


@pytest.fixture(name="store")
def store_fixture(stock_engine: sa.Engine) -> sa.Engine:
    """The module's store, emptied, with the areas of :data:`AREAS`."""
    return reset(stock_engine)
