"""A small registry for the weapons tests (reusable by the search, stockpile, tracing and web
tests): an area tree, a cast of viewers, owners with licences and weapons, all written through the
use cases themselves.

Cast: ``officer`` (registry officer, whole country), ``north_officer`` (registry officer bound to
region R1), ``analyst`` (reads weapons, sees no owners), ``clerk`` (data entry: no registry access).
Owners: Alice Marin (person, national id KG-1001, licence L-100 hunting, 2020–2030), Bob Dushenko
(person, passport P-2002, licence L-200 possession, 2021–2031), Safeguard LLC (entity, reg. no.
ENT-77, licence L-300 security company, 2019–2029). Weapons: W1 Zastava M70 serial 12345
registered to Alice; W2 Glock 17 serial ABC-0042 registered to Bob; W3 CZ 75 serial 99881
imported but not registered.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from support_db import StoreFactory

from salus.domain.accounts.roles import UserRole, Viewer
from salus.domain.incidents import model as m
from salus.domain.weapons.registry import (
    IdDocumentType,
    LicenceRecord,
    LicenceType,
    Marking,
    MarkingKind,
    OwnerKind,
    OwnerRecord,
    WeaponRecord,
)
from salus.storage import repository
from salus.storage.db import open_store
from salus.usecases.weapons import lifecycle as weapons_lifecycle
from salus.usecases.weapons import owners as weapons_owners
from salus.usecases.weapons import records as weapons
from salus.usecases.weapons.lifecycle import EventInput

D = dt.date
E = weapons_lifecycle.EventType


def add_areas(engine: sa.Engine) -> dict[str, int]:
    """Country C with regions R1 (North) and R2 (South), each with districts -A and -B."""
    areas = [m.Area("C", "Verdania", 0), m.Area("R1", "North", 1, "C"),
             m.Area("R2", "South", 1, "C")]
    areas += [m.Area(code, f"District {code}", 2, code[:2])
              for code in ("R1-A", "R1-B", "R2-A", "R2-B")]
    with engine.begin() as conn:
        repository.save_areas(conn, areas)
        return repository.area_ids(conn)


def cast(area_ids: dict[str, int]) -> dict[str, Viewer]:
    return {
        "officer": Viewer.for_role("officer", UserRole.REGISTRY_OFFICER),
        "north_officer": Viewer.for_role("north", UserRole.REGISTRY_OFFICER,
                                         area_id=area_ids["R1"], area_code="R1"),
        "analyst": Viewer.for_role("ana", UserRole.ANALYST),
        "clerk": Viewer.for_role("clerk", UserRole.DATA_ENTRY),
        "admin": Viewer.for_role("root", UserRole.ADMIN),
    }


def alice() -> OwnerRecord:
    return OwnerRecord(OwnerKind.PERSON, given_name="Alice", family_name="Marin",
                       id_document_type=IdDocumentType.NATIONAL_ID, id_document_number="KG-1001",
                       date_of_birth=D(1980, 3, 4), address="1 Lake Road", area_code="R1-A")


def bob() -> OwnerRecord:
    return OwnerRecord(OwnerKind.PERSON, given_name="Bob", family_name="Dushenko",
                       id_document_type=IdDocumentType.PASSPORT, id_document_number="P-2002",
                       date_of_birth=D(1975, 11, 30), address="9 Hill Street", area_code="R2-A")


def safeguard() -> OwnerRecord:
    return OwnerRecord(OwnerKind.ENTITY, entity_name="Safeguard LLC",
                       registration_number="ENT-77", address="Depot 3", area_code="R1-B")


def m70(serial: str = "12345", **kw: object) -> WeaponRecord:
    values: dict[str, object] = dict(
        category="assault_rifle", manufacturer="Zastava Arms", model="M70", calibre="7.62x39mm",
        serial_number=serial, country_of_manufacture="RS", year_of_manufacture=1998,
        import_country="KGZ", import_year=2005, area_code="R1-A",
        markings=(Marking(MarkingKind.MANUFACTURE, f"ZASTAVA M70 {serial} 1998"),
                  Marking(MarkingKind.IMPORT, "KG 05")))
    values.update(kw)
    return WeaponRecord(**values)  # type: ignore[arg-type]


def glock(serial: str = "ABC-0042", **kw: object) -> WeaponRecord:
    values: dict[str, object] = dict(
        category="revolver_pistol", manufacturer="Glock", model="17", calibre="9x19mm",
        serial_number=serial, country_of_manufacture="AT", year_of_manufacture=2015,
        area_code="R2-A")
    values.update(kw)
    return WeaponRecord(**values)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Registry:
    """What :func:`seed_registry` created: viewers, owner uids, weapon uids."""

    viewers: dict[str, Viewer]
    areas: dict[str, int]
    owners: dict[str, str]
    weapons: dict[str, str]

    @property
    def officer(self) -> Viewer:
        return self.viewers["officer"]


def seed_registry(engine: sa.Engine) -> Registry:
    """Areas, the cast, three owners with licences and three weapons (two registered)."""
    areas = add_areas(engine)
    viewers = cast(areas)
    officer = viewers["officer"]
    owners = {"alice": weapons_owners.add_owner(engine, officer, alice()),
              "bob": weapons_owners.add_owner(engine, officer, bob()),
              "safeguard": weapons_owners.add_owner(engine, officer, safeguard())}
    for owner, number, kind, start in (("alice", "L-100", LicenceType.HUNTING, 2020),
                                       ("bob", "L-200", LicenceType.POSSESSION, 2021),
                                       ("safeguard", "L-300", LicenceType.SECURITY_COMPANY,
                                        2019)):
        weapons_owners.issue_licence(engine, officer, owners[owner], LicenceRecord(
            number, kind, D(start, 1, 10), D(start + 10, 1, 9)))
    uids = {"w1": weapons.record_weapon(engine, officer, m70()),
            "w2": weapons.record_weapon(engine, officer, glock()),
            "w3": weapons.record_weapon(engine, officer, WeaponRecord(
                "revolver_pistol", "Česká zbrojovka", "CZ 75", "9x19mm", "99881",
                country_of_manufacture="CZ", year_of_manufacture=2010, import_country="KG",
                import_year=2011, area_code="R1-B"))}
    for key in ("w1", "w2", "w3"):
        weapons_lifecycle.record_event(engine, officer, uids[key],
                                       EventInput(E.IMPORTED, D(2019, 5, 1)))
    weapons_lifecycle.register_to_owner(engine, officer, uids["w1"], owners["alice"], "L-100",
                                        D(2020, 2, 1))
    weapons_lifecycle.register_to_owner(engine, officer, uids["w2"], owners["bob"], "L-200",
                                        D(2021, 6, 1))
    return Registry(viewers, areas, owners, uids)


def table_counts(engine: sa.Engine) -> dict[str, int]:
    """Row counts of every registry table and of the audit log (to show nothing changed)."""
    from salus.storage import schema as t
    from salus.storage.weapons import schema as arms_schema

    with engine.connect() as conn:
        counts = {tb.name: int(conn.scalar(sa.select(sa.func.count()).select_from(tb)) or 0)
                  for tb in arms_schema.REGISTRY_TABLES}
        counts["audit_event"] = int(conn.scalar(
            sa.select(sa.func.count()).select_from(t.audit_event)) or 0)
    return counts


# ---------------------------------------------------------------- a fast store per run
# Migrating PostgreSQL takes seconds on a shared machine: the weapons tests migrate once per
# backend and test run, and empty every table before each test instead. Should another test
# have reset the shared PostgreSQL database meanwhile, the store is migrated again.


def data_tables(engine: sa.Engine) -> list[str]:
    """Every table of the store, dependants first (FTS shadow tables and Alembic's excluded)."""
    names = [n for n, _ in sa.inspect(engine).get_sorted_table_and_fkc_names() if n]
    kept = ("alembic_version", "data_version", "data_version_pending")
    return [n for n in reversed(names) if n not in kept and "_fts" not in n]


def empty_store(engine: sa.Engine, tables: list[str]) -> None:
    with engine.begin() as conn:
        for name in tables:
            conn.execute(sa.text(f'DELETE FROM "{name}"'))


_STORES: dict[str, tuple[sa.Engine, str]] = {}
"""Migrated stores of this test process by backend: each test module imports the fixtures (so
pytest sees one fixture per module), and this cache keeps it to one migration per backend."""


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def weapons_store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
                  ) -> tuple[sa.Engine, str]:
    """A migrated store of its own per backend, for the whole test process."""
    if request.param not in _STORES:
        # kept for the whole process: each importing module has its own instance of this
        # fixture, torn down when the backend changes, but they all share the cached store, so
        # it must not go back to the factory's pool (another fixture would be handed it and
        # empty it under a later module) — the factory drops it at the end of the session
        if request.param == "postgresql":
            request.getfixturevalue("postgres_ready")
        factory: StoreFactory = request.getfixturevalue("stores")
        url = factory.new_url(request.param)
        _STORES[request.param] = open_store(url), url
    return _STORES[request.param]


@pytest.fixture
def weapons_engine(weapons_store: tuple[sa.Engine, str]) -> sa.Engine:
    """An empty, migrated store on SQLite and on PostgreSQL. Test modules import it (with
    ``weapons_store``) and define ``engine`` over it, overriding conftest's ``engine``: same
    contract, one migration per backend and run."""
    store, _url = weapons_store
    empty_store(store, data_tables(store))
    return store


def add_incident(engine: sa.Engine, area_code: str, day: dt.date,
                 weapon_category: str | None = "revolver_pistol",
                 legal_status: str | None = None) -> str:
    """One incident (ICCS 090111, illegal possession of firearms) with one weapon row."""
    import uuid

    from salus.storage import schema as t

    uid, now = str(uuid.uuid4()), repository.now()
    with engine.begin() as conn:
        area_id = repository.area_ids(conn)[area_code]
        incident_id = conn.execute(t.incident.insert().values(
            uid=uid, occurred_on=day, occurred_until=day, date_precision="day", area_id=area_id,
            iccs_code="090111", attempted=False, sensitivity="restricted", content_hash="x",
            weapon_category=weapon_category, created_at=now, updated_at=now)
        ).inserted_primary_key[0]
        if weapon_category is not None:
            conn.execute(t.incident_weapon.insert().values(
                incident_id=incident_id, category=weapon_category, legal_status=legal_status,
                count=1))
    return uid


CLI_ACCOUNTS = (("registry", "registry_officer"), ("ana", "analyst"))
"""The accounts the ``salus weapons`` command tests act as (``--user``)."""


def add_cli_accounts(engine: sa.Engine) -> None:
    """Add :data:`CLI_ACCOUNTS`, without passwords: the CLI never checks them, so no argon2
    hashing is needed."""
    from salus.storage import schema as t

    now = repository.now()
    with engine.begin() as conn:
        conn.execute(t.app_user.insert(), [
            {"username": name, "password_hash": "-", "role": role, "active": True,
             "created_at": now, "password_changed_at": now} for name, role in CLI_ACCOUNTS])


def run_cli(*args: str, code: int = 0) -> str:
    """Run ``salus ARGS`` in a wide terminal; assert its exit code; return its output."""
    from typer.testing import CliRunner

    from salus.cli.app import app

    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})
    assert result.exit_code == code, result.output
    return result.output
