"""Weapons registry pages: who sees what, the weapon page, the event form, search, check,
licences, stockpiles, tracing and SDG 16.4.2 — on SQLite and PostgreSQL."""

from __future__ import annotations

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
    SEIZED_SERIAL,
    SERIAL,
    SITE,
    Registry,
    fresh_registry,
    registry_store,
)
from web_support import client, csrf_from, sign_in

EDITORS = ("admin", "rita")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def registry(request: pytest.FixtureRequest) -> Iterator[tuple[sa.Engine, Registry]]:
    """The web tests' observatory with the small registry, built once per backend."""
    yield from registry_store(request)


def _pages(reg: Registry) -> dict[str, tuple[str, ...]]:
    return {
        "/weapons": READERS, "/weapons?q=A8C123": READERS, f"/weapons/{reg.pistol}": READERS,
        f"/weapons/{reg.rifle}": READERS, "/weapons/licences": READERS,
        f"/weapons/licences/{LICENCE}": READERS, "/weapons/stockpiles": READERS,
        f"/weapons/stockpiles/{SITE}": READERS, "/weapons/tracing": READERS,
        "/weapons/sdg-16-4-2?period=2020..2030": READERS,
        "/weapons/check?serial=ABC123": OWNER_READERS, "/weapons/owners": OWNER_READERS,
        f"/weapons/owners/{reg.owner}": OWNER_READERS,
        f"/weapons/{reg.rifle}/events/new": EDITORS,
    }


def test_every_role_gets_exactly_the_registry_pages_it_is_granted(
        registry: tuple[sa.Engine, Registry]) -> None:
    engine, reg = registry
    for username in ALL_USERS:
        c = client(engine)
        sign_in(c, username)
        for path, allowed in _pages(reg).items():
            r = c.get(path)
            assert r.status_code == (200 if username in allowed else 403), (username, path)
            if username not in OWNER_READERS:
                leaked = [m for m in PRIVATE if m in r.text]
                assert not leaked, (username, path, leaked)


def test_the_weapon_page_shows_markings_timeline_incident_and_the_holder_to_registry_roles(
        registry: tuple[sa.Engine, Registry]) -> None:
    engine, reg = registry
    officer, analyst = client(engine), client(engine)
    sign_in(officer, "rita")
    sign_in(analyst, "ana")
    rifle = officer.get(f"/weapons/{reg.rifle}").text
    assert SEIZED_SERIAL in rifle and "Seized" in rifle and "Stored" in rifle
    assert f"/incidents/{reg.incident}" in rifle
    before = _owner_reads(engine)
    assert OWNER_NAME in officer.get(f"/weapons/{reg.pistol}").text
    assert _owner_reads(engine) == before + 1, "the holder's name was shown without an audit"
    pistol = analyst.get(f"/weapons/{reg.pistol}").text
    assert "hidden" in pistol and OWNER_NAME not in pistol
    assert 'id="record-event"' not in pistol


def test_the_serial_search_forgives_misreadings_and_explains_a_vague_query(
        registry: tuple[sa.Engine, Registry]) -> None:
    engine, reg = registry
    c = client(engine)
    sign_in(c, "ana")
    found = c.get("/weapons?q=A8C1Z3").text           # B read as 8, 2 as Z
    assert f"/weapons/{reg.pistol}" in found
    vague = c.get("/weapons?q=X")
    assert vague.status_code == 422 and 'class="field-error" data-field="q"' in vague.text


def test_the_registration_check_names_the_holder_and_is_audited(
        registry: tuple[sa.Engine, Registry]) -> None:
    engine, _reg = registry
    c = client(engine)
    sign_in(c, "rita")
    before = _count(engine, "weapon.check")
    page = c.get(f"/weapons/check?serial={SERIAL.lower()}&reason=roadside+check").text
    assert OWNER_NAME in page and ID_NUMBER in page and LICENCE in page
    assert _count(engine, "weapon.check") == before + 1
    assert "No weapon with this serial number" in c.get("/weapons/check?serial=ZZ9999").text


def test_expiring_licences_list_the_licence_and_hide_the_holder_from_analysts(
        registry: tuple[sa.Engine, Registry]) -> None:
    engine, _reg = registry
    officer, analyst = client(engine), client(engine)
    sign_in(officer, "rita")
    sign_in(analyst, "ana")
    assert LICENCE in officer.get("/weapons/licences?days=30").text
    assert OWNER_NAME in officer.get("/weapons/licences?days=30").text
    page = analyst.get("/weapons/licences?days=30").text
    assert LICENCE in page and OWNER_NAME not in page
    assert LICENCE not in analyst.get("/weapons/licences?days=30&area=R2").text


def test_stockpile_pages_show_the_held_rifle_and_the_lot_past_its_shelf_life(
        registry: tuple[sa.Engine, Registry]) -> None:
    engine, _reg = registry
    c = client(engine)
    sign_in(c, "ana")
    overview = c.get("/weapons/stockpiles").text
    assert SITE in overview and "9-1990-0001" in overview and "expired" in overview
    assert SEIZED_SERIAL in c.get(f"/weapons/stockpiles/{SITE}").text
    assert c.get("/weapons/stockpiles/NOPE").status_code == 404


def test_the_16_4_2_page_counts_recoveries_and_downloads_csv(
        registry: tuple[sa.Engine, Registry]) -> None:
    engine, _reg = registry
    c = client(engine)
    sign_in(c, "rita")
    page = c.get("/weapons/sdg-16-4-2?period=2020..2030").text
    assert 'id="sdg-value"' in page and "of 2 arms" in page
    csv_text = c.get("/weapons/sdg-16-4-2?period=2020..2030&format=csv").text
    header = "indicator,period,area,recovery,outcome,arms,traced,proportion"
    assert csv_text.splitlines()[0] == header
    bad = c.get("/weapons/sdg-16-4-2?period=someday")
    assert bad.status_code == 422 and "cannot read period" in bad.text


def test_registry_pages_speak_french(registry: tuple[sa.Engine, Registry]) -> None:
    engine, reg = registry
    c = client(engine)
    sign_in(c, "rita")
    page = c.get(f"/weapons/{reg.rifle}?lang=fr").text
    assert "Cycle de vie" in page and "Saisie" in page


# ---------------------------------------------------------------- writes (fresh store each)

@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[tuple[sa.Engine, Registry]]:
    """A fresh SQLite store for tests that write (the read-only tests above cover PostgreSQL;
    the use cases' own tests run every write on both)."""
    yield from fresh_registry(tmp_path)


def test_recording_an_event_explains_bad_input_beside_the_field_and_changes_nothing(
        fresh: tuple[sa.Engine, Registry]) -> None:
    engine, reg = fresh
    c = client(engine)
    sign_in(c, "rita")
    form = c.get(f"/weapons/{reg.revolver}/events/new").text
    token = csrf_from(form)
    events = _events(engine)
    again = c.post(f"/weapons/{reg.revolver}/events/new", data={
        "csrf_token": token, "event_type": "seized", "occurred_on": "2099-01-01"})
    assert again.status_code == 422
    assert 'data-field="occurred_on"' in again.text
    destroyed = c.post(f"/weapons/{reg.revolver}/events/new", data={
        "csrf_token": token, "event_type": "seized", "occurred_on": _days_ago(3)})
    assert destroyed.status_code == 422 and "destroyed" in destroyed.text
    garbled = c.post(f"/weapons/{reg.revolver}/events/new", data={
        "csrf_token": token, "event_type": "sold", "occurred_on": "yesterday"})
    assert garbled.status_code == 422
    assert 'data-field="event_type"' in garbled.text and 'data-field="occurred_on"' in garbled.text
    assert _events(engine) == events


def test_an_officer_records_a_theft_and_the_timeline_shows_it(
        fresh: tuple[sa.Engine, Registry]) -> None:
    import datetime as dt

    engine, reg = fresh
    c = client(engine)
    sign_in(c, "rita")
    token = csrf_from(c.get(f"/weapons/{reg.pistol}/events/new").text)
    r = c.post(f"/weapons/{reg.pistol}/events/new", follow_redirects=False, data={
        "csrf_token": token, "event_type": "reported_stolen",
        "occurred_on": dt.date.today().isoformat(), "place": "Residence", "notes": "burglary"})
    assert r.status_code == 303 and r.headers["location"].endswith("saved=1")
    page = c.get(r.headers["location"]).text
    assert "Reported stolen" in page and "burglary" in page and 'id="weapon-status">Stolen' in page
    forged = c.post(f"/weapons/{reg.pistol}/events/new", data={
        "event_type": "found", "occurred_on": dt.date.today().isoformat()})
    assert forged.status_code == 403


def test_a_tracing_request_abroad_before_the_national_records_is_refused_beside_the_field(
        fresh: tuple[sa.Engine, Registry]) -> None:
    engine, reg = fresh
    c = client(engine)
    sign_in(c, "rita")
    token = csrf_from(c.get("/weapons/tracing").text)
    abroad = c.post("/weapons/tracing", data={
        "csrf_token": token, "weapon": reg.rifle, "requested_to": "manufacturer",
        "status": "sent", "sent_on": _days_ago(1)})
    assert abroad.status_code == 422 and 'data-field="requested_to"' in abroad.text
    assert "national records" in abroad.text
    ok = c.post("/weapons/tracing", follow_redirects=False, data={
        "csrf_token": token, "weapon": reg.rifle, "requested_to": "national_records",
        "status": "sent", "sent_on": _days_ago(1)})
    assert ok.status_code == 303
    assert SEIZED_SERIAL in c.get(ok.headers["location"]).text


def _days_ago(n: int) -> str:
    import datetime as dt

    return (dt.date.today() - dt.timedelta(days=n)).isoformat()


def _count(engine: sa.Engine, action: str) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(sa.text("select count(*) from audit_event where action = :a"),
                               {"a": action}) or 0)


def _owner_reads(engine: sa.Engine) -> int:
    return _count(engine, "weapon_owner.read")


def _events(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(sa.text("select count(*) from weapon_event")) or 0)
