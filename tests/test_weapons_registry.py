"""Weapons, owners and licences: recording rules, licence rules, the audited check, protection of
owners' personal data and pseudonymised exports — on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
import threading

import pytest
import sqlalchemy as sa
from weapons_support import (
    D,
    add_areas,
    alice,
    cast,
    glock,
    m70,
    seed_registry,
    table_counts,
    weapons_engine,  # noqa: F401 - fixtures
    weapons_store,  # noqa: F401
)

from salus.domain.weapons.registry import LicenceAction, LicenceRecord, LicenceType
from salus.storage import schema as t
from salus.usecases.errors import NotFound, PermissionDenied, ValidationFailed
from salus.usecases.weapons import check as weapons_check
from salus.usecases.weapons import export as weapons_export
from salus.usecases.weapons import owners as weapons_owners
from salus.usecases.weapons import records as weapons
from salus.usecases.weapons.lifecycle import EventInput, EventType, record_event, register_to_owner

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def engine(weapons_engine: sa.Engine) -> sa.Engine:  # noqa: F811
    return weapons_engine


def refused(engine: sa.Engine, call, *args, **kwargs) -> dict:  # type: ignore[no-untyped-def]
    """Run a use case that must be refused; return its first error; check nothing changed."""
    before = table_counts(engine)
    with pytest.raises(ValidationFailed) as info:
        call(engine, *args, **kwargs)
    assert table_counts(engine) == before
    return info.value.errors[0]


def audit(engine: sa.Engine, action: str) -> list[sa.Row]:
    a = t.audit_event
    with engine.connect() as conn:
        return list(conn.execute(sa.select(a).where(a.c.action == action).order_by(a.c.id)))


# ---------------------------------------------------------------- weapons


def test_a_duplicate_serial_within_a_manufacturer_is_refused_even_misread(
        engine: sa.Engine) -> None:
    reg = seed_registry(engine)
    error = refused(engine, weapons.record_weapon, reg.officer,
                    m70("I2 345", manufacturer="Zavodi Crvena Zastava"))
    assert (error["field"], error["code"], error["value"]) == (
        "serial_number", "serial.duplicate", "I2 345")
    assert reg.weapons["w1"] in error["message"]
    weapons.record_weapon(engine, reg.officer, glock("12345"))  # another maker: fine


def test_obliterated_serials_have_no_key_and_never_collide(engine: sa.Engine) -> None:
    reg = seed_registry(engine)
    first = weapons.record_weapon(engine, reg.officer, m70("12?45", serial_obliterated=True))
    second = weapons.record_weapon(engine, reg.officer, m70("12?45", serial_obliterated=True))
    assert first != second
    with engine.connect() as conn:
        keys = conn.execute(sa.text("select serial_key from weapon where serial_obliterated"))
        assert list(keys.scalars()) == [None, None]


@pytest.mark.parametrize(("change", "field", "code"), [
    ({"category": "sharp"}, "category", "category.unknown"),
    ({"category": "bazooka"}, "category", "category.unknown"),
    ({"country_of_manufacture": "XY"}, "country_of_manufacture", "country.unknown"),
    ({"import_country": "Kyrgyzstan"}, "import_country", "country.unknown"),
    ({"import_year": 1990}, "import_year", "year.import_before_manufacture"),
    ({"year_of_manufacture": 2999}, "year_of_manufacture", "year.out_of_range"),
    ({"area_code": "NOPE"}, "area_code", "area.unknown"),
])
def test_bad_weapon_fields_are_refused_naming_field_and_value(
        engine: sa.Engine, change: dict, field: str, code: str) -> None:
    officer = cast(add_areas(engine))["officer"]
    error = refused(engine, weapons.record_weapon, officer, m70("777", **change))
    assert (error["field"], error["code"], error["value"]) == (field, code, change[field])


def test_countries_are_stored_as_alpha_3_codes(engine: sa.Engine) -> None:
    reg = seed_registry(engine)
    w = weapons.get_weapon(engine, reg.officer, reg.weapons["w1"]).weapon
    assert (w.country_of_manufacture, w.import_country) == ("SRB", "KGZ")


def test_attachments_are_size_limited_and_must_be_what_they_claim(engine: sa.Engine) -> None:
    reg = seed_registry(engine)
    uid = reg.weapons["w1"]
    error = refused(engine, weapons.add_attachment, reg.officer, uid, "big.png", "image/png",
                    PNG + b"\x00" * (5 * 1024 * 1024))
    assert error["code"] == "attachment.too_large"
    error = refused(engine, weapons.add_attachment, reg.officer, uid, "fake.pdf",
                    "application/pdf", PNG)
    assert (error["field"], error["code"]) == ("content", "attachment.content")
    attachment = weapons.add_attachment(engine, reg.officer, uid, "photo.png", "image/png", PNG)
    view, content = weapons.attachment_content(engine, reg.viewers["analyst"], uid, attachment)
    assert (view.sha256, content) == (hashlib.sha256(PNG).hexdigest(), PNG)


def test_roles_and_areas_bound_what_a_viewer_reads_and_writes(engine: sa.Engine) -> None:
    reg = seed_registry(engine)
    with pytest.raises(PermissionDenied):
        weapons.list_weapons(engine, reg.viewers["clerk"])
    with pytest.raises(PermissionDenied):
        weapons.record_weapon(engine, reg.viewers["analyst"], m70("555"))
    north = reg.viewers["north_officer"]
    assert {w.uid for w in weapons.list_weapons(engine, north).items} == {
        reg.weapons["w1"], reg.weapons["w3"]}
    with pytest.raises(NotFound):
        weapons.get_weapon(engine, north, reg.weapons["w2"])
    error = refused(engine, weapons.record_weapon, north, glock("X1"))
    assert (error["field"], error["code"]) == ("area_code", "area.out_of_scope")


# ---------------------------------------------------------------- licences


def test_a_licence_expiring_before_it_is_issued_is_refused(engine: sa.Engine) -> None:
    reg = seed_registry(engine)
    error = refused(engine, weapons_owners.issue_licence, reg.officer, reg.owners["alice"],
                    LicenceRecord("L-BAD", LicenceType.SPORT, D(2024, 5, 1), D(2024, 4, 30)))
    assert (error["field"], error["code"], error["value"]) == (
        "expires_on", "licence.expiry_before_issue", "2024-04-30")


@pytest.mark.parametrize("action", [LicenceAction.SUSPENDED, LicenceAction.REVOKED])
def test_a_weapon_cannot_be_registered_under_a_suspended_or_revoked_licence(
        engine: sa.Engine, action: LicenceAction) -> None:
    reg = seed_registry(engine)
    weapons_owners.change_licence(engine, reg.officer, "L-300", action, D(2022, 1, 1),
                                  reason="inspection")
    error = refused(engine, register_to_owner, reg.officer, reg.weapons["w3"],
                    reg.owners["safeguard"], "L-300", D(2022, 2, 1))
    assert (error["field"], error["code"], error["value"]) == (
        "licence", "licence.not_active", "L-300")
    assert action.value in error["message"]


def test_a_weapon_cannot_be_registered_under_an_expired_or_another_owners_licence(
        engine: sa.Engine) -> None:
    reg = seed_registry(engine)
    w3, safeguard = reg.weapons["w3"], reg.owners["safeguard"]
    error = refused(engine, register_to_owner, reg.officer, w3, safeguard, "L-300",
                    D(2029, 6, 1))
    assert "expired" in error["message"]
    error = refused(engine, register_to_owner, reg.officer, w3, safeguard, "L-100",
                    D(2022, 6, 1))
    assert (error["code"], error["value"]) == ("licence.other_owner", "L-100")


def test_licence_changes_are_appended_and_a_revocation_is_final(engine: sa.Engine) -> None:
    reg = seed_registry(engine)
    o = reg.officer
    weapons_owners.change_licence(engine, o, "L-100", LicenceAction.SUSPENDED, D(2022, 1, 1))
    weapons_owners.change_licence(engine, o, "L-100", LicenceAction.REINSTATED, D(2022, 2, 1))
    view = weapons_owners.change_licence(engine, o, "L-100", LicenceAction.RENEWED,
                                         D(2029, 12, 1), expires_on=D(2035, 1, 9))
    assert view.expires_on == D(2035, 1, 9)
    weapons_owners.change_licence(engine, o, "L-100", LicenceAction.REVOKED, D(2030, 1, 1))
    error = refused(engine, weapons_owners.change_licence, o, "L-100", LicenceAction.RENEWED,
                    D(2030, 2, 1), expires_on=D(2040, 1, 1))
    assert (error["code"], error["value"]) == ("licence.not_allowed", "renewed")
    _, events = weapons_owners.get_licence(engine, o, "L-100")
    assert [(e.action, e.to_status) for e in events] == [
        ("issued", "active"), ("suspended", "suspended"), ("reinstated", "active"),
        ("renewed", "active"), ("revoked", "revoked")]


def test_expiring_licences_are_listed_by_area_with_names_only_for_registry_roles(
        engine: sa.Engine) -> None:
    reg = seed_registry(engine)
    on = D(2028, 12, 1)
    soon = weapons_owners.expiring_licences(engine, reg.officer, 60, on=on)
    assert [(x.number, x.days_left, x.owner_name) for x in soon] == [
        ("L-300", 39, "Safeguard LLC")]
    assert weapons_owners.expiring_licences(engine, reg.officer, 60, "R2", on=on) == []
    year = weapons_owners.expiring_licences(engine, reg.viewers["analyst"], 500, on=on)
    assert [(x.number, x.owner_name, x.weapons) for x in year] == [
        ("L-300", None, 0), ("L-100", None, 1)]
    assert len(audit(engine, "weapon_owner.read")) == 1  # the officer's read only


# ---------------------------------------------------------------- owners and the check


def test_an_owner_registered_twice_is_refused(engine: sa.Engine) -> None:
    reg = seed_registry(engine)
    error = refused(engine, weapons_owners.add_owner, reg.officer, alice())
    assert (error["field"], error["code"], error["value"]) == (
        "id_document_number", "owner.duplicate", "KG-1001")


def test_every_read_of_owner_data_is_audited(engine: sa.Engine) -> None:
    reg = seed_registry(engine)
    detail = weapons_owners.get_owner(engine, reg.officer, reg.owners["alice"])
    assert (detail.owner.name, detail.weapons) == ("Alice Marin", [reg.weapons["w1"]])
    weapons_owners.list_owners(engine, reg.officer, "dush")
    reads = audit(engine, "weapon_owner.read")
    assert [(r.actor, r.entity_id, r.after["owners"]) for r in reads] == [
        ("officer", reg.owners["alice"], [reg.owners["alice"]]),
        ("officer", reg.owners["bob"], [reg.owners["bob"]])]
    with pytest.raises(PermissionDenied):
        weapons_owners.get_owner(engine, reg.viewers["analyst"], reg.owners["alice"])


def test_the_check_says_who_holds_a_weapon_and_is_audited_found_or_not(
        engine: sa.Engine) -> None:
    reg = seed_registry(engine)
    result = weapons_check.check_weapon(engine, reg.officer, "A8C 0O42", manufacturer="GLOCK",
                                        reason="roadside stop")
    [answer] = result.weapons
    assert answer.registered and answer.holder is not None
    assert (answer.holder.owner_name, answer.holder.licence_number) == ("Bob Dushenko", "L-200")
    assert not weapons_check.check_weapon(engine, reg.officer, "ZZZ-1", reason="x").found
    first, second = audit(engine, "weapon.check")
    assert first.actor == "officer" and first.at is not None
    assert first.before == {"query": "A8C 0O42", "manufacturer": "GLOCK",
                            "reason": "roadside stop"}
    assert first.after["returned"] == [{"weapon": reg.weapons["w2"], "status": "registered",
                                        "registered": True, "owner": reg.owners["bob"],
                                        "licence": "L-200", "licence_status": "active"}]
    assert second.after == {"returned": []}
    with pytest.raises(PermissionDenied):
        weapons_check.check_weapon(engine, reg.viewers["analyst"], "12345")


def test_a_lost_weapon_is_not_registered_but_its_holder_is_named(engine: sa.Engine) -> None:
    reg = seed_registry(engine)
    record_event(engine, reg.officer, reg.weapons["w1"],
                 EventInput(EventType.REPORTED_LOST, D(2023, 1, 1)))
    [answer] = weapons_check.check_weapon(engine, reg.officer, "12345").weapons
    assert (answer.status, answer.registered) == ("lost", False)
    assert answer.holder is not None and answer.holder.owner_name == "Alice Marin"


# ---------------------------------------------------------------- exports


def test_exports_pseudonymise_owners_with_a_keyed_hmac(engine: sa.Engine) -> None:
    reg = seed_registry(engine)
    text = weapons_export.export_csv(engine, reg.viewers["analyst"])
    for personal in ("Alice", "Marin", "KG-1001", "P-2002", "Dushenko", "1980-03-04",
                     "Lake Road", hashlib.sha256(b"KG-1001").hexdigest()[:16]):
        assert personal not in text
    rows = weapons_export.export_rows(engine, reg.officer)
    pseudonyms = [r["owner_pseudonym"] for r in rows]
    assert pseudonyms[2] is None and pseudonyms[0] != pseudonyms[1]
    assert pseudonyms[0].startswith("P-") and len(pseudonyms[0]) == 18
    assert [r["owner_pseudonym"] for r in weapons_export.export_rows(
        engine, reg.officer)] == pseudonyms
    with engine.connect() as conn:
        key = conn.scalar(sa.select(t.observatory_setting.c.value).where(
            t.observatory_setting.c.key == weapons_export.KEY_SETTING))
    logged = json.dumps([dict(r._mapping) for r in audit(engine, "setting")], default=str)
    assert len(key) == 64 and key not in logged


def test_exports_started_at_once_on_a_new_store_share_one_pseudonym_key(
        engine: sa.Engine) -> None:
    """The first exports race to create the key: one wins, the others' savepoints roll back
    (PostgreSQL) or they wait and read it (SQLite runs one writer at a time)."""
    keys: list[bytes] = []
    start = threading.Barrier(4)

    def export() -> None:
        start.wait()
        with engine.begin() as conn:
            keys.append(weapons_export.pseudonym_key(conn))

    threads = [threading.Thread(target=export) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(keys) == 4 and len(set(keys)) == 1
    assert len(audit(engine, "setting")) == 1


def test_the_migration_creates_the_registry_tables_exactly_as_the_schema_says(
        engine: sa.Engine) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from salus.storage.schema import metadata
    from salus.storage.weapons import schema as arms_schema

    mine = {table.name for table in arms_schema.REGISTRY_TABLES}

    indexes = {ix.name for table in arms_schema.REGISTRY_TABLES for ix in table.indexes}

    def ours(obj: object, name: str | None, kind: str, reflected: bool, _: object) -> bool:
        if kind == "index" and reflected and name not in indexes:
            return False  # search indexes of revision 0008 (raw DDL, not in the metadata)
        return (name if kind == "table" else obj.table.name) in mine  # type: ignore[attr-defined]

    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": ours})
        assert compare_metadata(context, metadata) == []
