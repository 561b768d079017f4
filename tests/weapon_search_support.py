"""Weapons written straight into the registry tables for the search tests (keys computed with
:mod:`salus.domain.weapons.serials`, as the registry's write path does)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import sqlalchemy as sa
from support_db import new_store

from salus.domain.weapons.serials import manufacturer_key, serial_key
from salus.storage import repository as repo
from salus.storage.weapons import schema as arms


def add_weapon(conn: sa.Connection, serial: str | None, manufacturer: str | None = "Zastava Arms",
               *, obliterated: bool = False, area_id: int | None = None,
               model: str = "M70", category: str = "assault_rifle") -> int:
    """Insert one weapon; an obliterated serial gets no key (as the registry records it)."""
    at = repo.now()
    values = {"uid": str(uuid.uuid4()), "category": category, "manufacturer": manufacturer,
              "manufacturer_key": manufacturer_key(manufacturer) if manufacturer else None,
              "model": model, "calibre": "7.62x39mm", "serial_number": serial,
              "serial_key": serial_key(serial) if serial and not obliterated else None,
              "serial_obliterated": obliterated, "country_of_manufacture": "SRB",
              "year_of_manufacture": 1988, "status": "registered", "area_id": area_id,
              "created_by": "test", "created_at": at, "updated_at": at}
    result = conn.execute(arms.weapon.insert().values(**values))
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def add_owner_holding(conn: sa.Connection, weapon_id: int, given: str, family: str) -> None:
    """Register ``weapon_id`` to a person (owner, licence, holding)."""
    at = repo.now()
    owner = conn.execute(arms.arms_owner.insert().values(
        uid=str(uuid.uuid4()), kind="person", given_name=given, family_name=family,
        id_document_type="national_id", id_document_number=f"ID-{weapon_id}",
        created_by="test", created_at=at)).inserted_primary_key
    assert owner is not None
    licence = conn.execute(arms.licence.insert().values(
        number=f"LIC-{weapon_id}", owner_id=owner[0], licence_type="possession",
        issued_on=dt.date(2024, 1, 1), expires_on=dt.date(2029, 1, 1), status="valid",
        created_by="test", created_at=at)).inserted_primary_key
    assert licence is not None
    conn.execute(arms.weapon_holding.insert().values(
        weapon_id=weapon_id, owner_id=owner[0], licence_id=licence[0],
        from_date=dt.date(2024, 1, 1), created_by="test", created_at=at))


def fresh_store(kind: str, request: pytest.FixtureRequest) -> sa.Engine:
    """A migrated empty store for a whole test module (the search tests only add rows with
    serials of their own, so they can share one)."""
    return new_store(request, kind)
