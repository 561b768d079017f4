"""A small weapons registry on top of the web tests' observatory, written through the use cases.

The cast of :mod:`web_support` plus ``rita``, a registry officer. The registry: owner
``OWNER_NAME`` (a person) holding licence ``LICENCE`` that expires in ``EXPIRES_IN`` days, with
pistol ``SERIAL`` registered to her; a rifle seized in incident ``SEIZED_SERIAL`` and kept in
evidence room ``SITE``; a revolver found and destroyed; an ammunition lot past its shelf life.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from web_support import PASSWORD, add_cast, seed

from salus.domain.accounts.roles import SYSTEM_VIEWER
from salus.domain.weapons import stockpiles as sp
from salus.domain.weapons.registry import (
    DestructionMethod,
    EventType,
    IdDocumentType,
    LicenceRecord,
    LicenceType,
    OwnerKind,
    OwnerRecord,
    WeaponRecord,
)
from salus.usecases.accounts import users as accounts
from salus.usecases.weapons import lifecycle as weapons_lifecycle
from salus.usecases.weapons import owners as weapons_owners
from salus.usecases.weapons import records as weapons
from salus.usecases.weapons import stockpiles
from salus.usecases.weapons.campaigns import BatchInput, add_destruction_batch

OWNER_NAME = "Rosalinda-Owner"
ID_NUMBER = "V-55512345"
LICENCE = "POS-2024-000001"
EXPIRES_IN = 20
SERIAL = "ABC123"
SEIZED_SERIAL = "XY5O8Z"
FOUND_SERIAL = "K77001"
SITE = "EVR-R1"
CERTIFICATE = "DC-TEST-001"
ROLES = {"admin": "admin", "ana": "analyst", "dora": "data_entry", "monty": "community_monitor",
         "rita": "registry_officer", "pub": "public"}


@dataclass(frozen=True, slots=True)
class Registry:
    pistol: str
    rifle: str
    revolver: str
    owner: str
    incident: str


def add_registry_officer(engine: sa.Engine) -> None:
    accounts.create_user(engine, SYSTEM_VIEWER, "rita", PASSWORD, "registry_officer")


def seed_registry(engine: sa.Engine) -> Registry:
    """The registry described in the module docstring (on the seeded observatory)."""
    v, today = SYSTEM_VIEWER, dt.date.today()
    owner = weapons_owners.add_owner(engine, v, OwnerRecord(
        OwnerKind.PERSON, OWNER_NAME, "Doe", id_document_type=IdDocumentType.NATIONAL_ID,
        id_document_number=ID_NUMBER, date_of_birth=dt.date(1980, 5, 1), area_code="R1-A"))
    issued = today - dt.timedelta(days=700)
    weapons_owners.issue_licence(engine, v, owner, LicenceRecord(
        LICENCE, LicenceType.POSSESSION, issued, today + dt.timedelta(days=EXPIRES_IN),
        area_code="R1-A"))
    pistol = weapons.record_weapon(engine, v, WeaponRecord(
        "revolver_pistol", "Glock", "17", "9x19mm", SERIAL, country_of_manufacture="AUT",
        year_of_manufacture=2015, area_code="R1-A"))
    weapons_lifecycle.register_to_owner(engine, v, pistol, owner, LICENCE,
                                        issued + dt.timedelta(days=10))
    incident = _incident(engine)
    rifle = weapons.record_weapon(engine, v, WeaponRecord(
        "assault_rifle", "Kalashnikov", "AKM", "7.62x39mm", SEIZED_SERIAL,
        country_of_manufacture="RUS", year_of_manufacture=1980, area_code="R1-A"))
    seized_on = today - dt.timedelta(days=100)
    _event(engine, rifle, EventType.SEIZED, seized_on, incident_uid=incident)
    stockpiles.add_site(engine, v, stockpiles.SiteSpec(SITE, "Evidence room North",
                                                       "evidence_room", "R1", "high"))
    _event(engine, rifle, EventType.STORED, seized_on + dt.timedelta(days=2))
    stockpiles.move(engine, v, stockpiles.MovementSpec(
        None, SITE, "Sgt. Pérez", "Insp. Mora", seized_on + dt.timedelta(days=2),
        weapons=(rifle,), reason="intake"))
    stockpiles.receive_lot(engine, v, "EVR-R1", sp.LotSpec(
        "9-1990-0001", "9x19mm", "Zastava", 1990, 10, "1.4", 5000),
        received_by="Insp. Mora", received_on=today - dt.timedelta(days=30))
    revolver = weapons.record_weapon(engine, v, WeaponRecord(
        "revolver_pistol", "Taurus", "Model 82", ".38 Special", FOUND_SERIAL,
        country_of_manufacture="BRA", year_of_manufacture=1999, area_code="R1-B"))
    _event(engine, revolver, EventType.FOUND, today - dt.timedelta(days=90), area_code="R1-B")
    add_destruction_batch(engine, v, BatchInput(
        CERTIFICATE, DestructionMethod.CUTTING, today - dt.timedelta(days=10), "Central depot",
        ("Insp. Mora", "UNDP observer")))
    _event(engine, revolver, EventType.DESTROYED, today - dt.timedelta(days=10),
           destruction_certificate=CERTIFICATE)
    return Registry(pistol, rifle, revolver, owner, incident)


def _event(engine: sa.Engine, uid: str, kind: EventType, on: dt.date, **extra: str) -> None:
    weapons_lifecycle.record_event(engine, SYSTEM_VIEWER, uid,
                                   weapons_lifecycle.EventInput(kind, on, **extra))  # type: ignore[arg-type]


def _incident(engine: sa.Engine) -> str:
    with engine.connect() as conn:
        return str(conn.scalar(sa.text("select uid from incident order by id limit 1")))


def observatory_with_registry(engine: sa.Engine) -> Registry:
    """The web tests' observatory and cast, the registry officer and the registry."""
    seed(engine, per_district=2)
    add_cast(engine, scoped_area="R1")
    add_registry_officer(engine)
    return seed_registry(engine)


ALL_USERS = ("admin", "ana", "dora", "monty", "rita", "pub")
"""Everyone of the cast who signs in (:data:`web_support.CAST` and ``rita``)."""
READERS = ("admin", "ana", "rita")
"""Roles that read the registry."""
OWNER_READERS = ("admin", "rita")
"""Roles that read owners' identities."""
PRIVATE = (OWNER_NAME, ID_NUMBER)
"""Text that only owner readers may ever be shown."""


def registry_store(request: pytest.FixtureRequest) -> Iterator[tuple[sa.Engine, Registry]]:
    """A module's store on the backend of ``request.param`` holding
    :func:`observatory_with_registry`; for a module fixture to ``yield from``."""
    from support_db import new_store

    engine = new_store(request, request.param)
    yield engine, observatory_with_registry(engine)
    engine.dispose()


def fresh_registry(tmp_path: Path) -> Iterator[tuple[sa.Engine, Registry]]:
    """A new SQLite store in ``tmp_path`` holding :func:`observatory_with_registry`, for tests
    that write; for a function fixture to ``yield from``."""
    from salus.storage.db import open_store

    engine = open_store(f"sqlite:///{tmp_path / 'salus.db'}")
    yield engine, observatory_with_registry(engine)
    engine.dispose()


def collection_store(request: pytest.FixtureRequest, serial: str, model: str,
                     year: int) -> Iterator[tuple[sa.Engine, Registry, str]]:
    """The collection tests' module store (API and web): :func:`registry_store` plus ``rory``,
    a registry officer bound to R2, and a Baikal shotgun ``serial`` (``model``, made in
    ``year``) in R1-A, not yet collected. Yields (engine, registry, the shotgun's uid)."""
    for engine, reg in registry_store(request):
        accounts.create_user(engine, SYSTEM_VIEWER, "rory", PASSWORD, "registry_officer",
                             area_code="R2")
        handed_in = weapons.record_weapon(engine, SYSTEM_VIEWER, WeaponRecord(
            "rifle_carbine", "Baikal", model, "12 gauge", serial, year_of_manufacture=year,
            area_code="R1-A"))
        yield engine, reg, handed_in
