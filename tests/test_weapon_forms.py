"""Write forms of the small-arms registry: owner, licence, weapon, transfer, licence changes and
tracing updates through the web pages; refusals beside their fields with nothing written; 403
and no owner data for roles without the permissions. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from weapons_ui_support import (
    ID_NUMBER,
    LICENCE,
    PRIVATE,
    SERIAL,
    Registry,
    registry_store,
)
from web_support import client, csrf_from, sign_in


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def registry(request: pytest.FixtureRequest) -> Iterator[tuple[sa.Engine, Registry]]:
    yield from registry_store(request)


def _day(offset: int) -> str:
    return (dt.date.today() + dt.timedelta(days=offset)).isoformat()


def _counts(engine: sa.Engine) -> tuple[int, ...]:
    with engine.connect() as conn:
        tables = tuple(int(conn.scalar(sa.text(f"select count(*) from {t}")) or 0) for t in (
            "arms_owner", "licence", "licence_event", "weapon", "weapon_marking",
            "weapon_holding", "weapon_event", "trace_request"))
        # reads of owners' data (the form's owner list) are audited; writes must not be
        writes = conn.scalar(sa.text("select count(*) from audit_event "
                                     "where action not like '%.read'"))
        return (*tables, int(writes or 0))


def _post(c: TestClient, path: str, data: dict[str, str]) -> httpx.Response:
    token = csrf_from(c.get(path).text)
    return c.post(path, data={"csrf_token": token, **data}, follow_redirects=False)


def _owner(c: TestClient, name: str, doc: str) -> str:
    r = _post(c, "/weapons/forms/owner", {
        "kind": "person", "given_name": name, "family_name": "Forms",
        "id_document_type": "national_id", "id_document_number": doc,
        "date_of_birth": "1975-03-02", "area_code": "R1-A"})
    assert r.status_code == 303, r.text
    return str(r.headers["location"]).split("/")[-1].split("?")[0]


def _licence(c: TestClient, owner: str, number: str) -> None:
    r = _post(c, "/weapons/forms/licence", {
        "owner": owner, "number": number, "licence_type": "hunting",
        "issued_on": _day(-30), "expires_on": _day(300)})
    assert r.status_code == 303, r.text


def test_an_officer_adds_owners_licences_a_weapon_transfers_it_and_suspends_then_renews(
        registry: tuple[sa.Engine, Registry]) -> None:
    engine, _reg = registry
    c = client(engine)
    sign_in(c, "rita")
    first, second = _owner(c, "Amaranta", "F-100001"), _owner(c, "Bernardo", "F-100002")
    assert "Amaranta" in c.get(f"/weapons/owners/{first}").text
    _licence(c, first, "HUN-F-1")
    _licence(c, second, "HUN-F-2")
    r = _post(c, "/weapons/forms/weapon", {
        "category": "assault_rifle", "manufacturer": "Beretta", "model": "Outland", "calibre": "12",
        "serial_number": "FORM-777", "country_of_manufacture": "ITA",
        "year_of_manufacture": "2012", "area_code": "R1-A",
        "marking-0-kind": "import", "marking-0-text": "IMP VEN 2013",
        "owner": first, "licence": "HUN-F-1", "registered_on": _day(-20)})
    assert r.status_code == 303, r.text
    uid = str(r.headers["location"]).split("/")[-1].split("?")[0]
    page = c.get(f"/weapons/{uid}").text
    assert "FORM-777" in page and "IMP VEN 2013" in page and "HUN-F-1" in page
    r = _post(c, f"/weapons/forms/{uid}/transfer", {
        "from_owner": first, "to_owner": second, "licence": "HUN-F-2", "on": _day(-5)})
    assert r.status_code == 303, r.text
    assert "HUN-F-2" in c.get(f"/weapons/{uid}").text
    assert uid in c.get(f"/weapons/owners/{second}").text
    assert _post(c, "/weapons/forms/licences/HUN-F-2", {
        "action": "suspended", "on": _day(0), "reason": "inquiry"}).status_code == 303
    assert "inquiry" in c.get("/weapons/licences/HUN-F-2").text
    assert _post(c, "/weapons/forms/licences/HUN-F-2", {
        "action": "reinstated", "on": _day(0)}).status_code == 303
    assert _post(c, "/weapons/forms/licences/HUN-F-2", {
        "action": "renewed", "on": _day(0), "expires_on": _day(900)}).status_code == 303
    shown = c.get("/weapons/licences/HUN-F-2").text
    assert dt.date.fromisoformat(_day(900)).strftime("%Y") in shown


def _refused(c: TestClient, engine: sa.Engine, path: str, data: dict[str, str],
             field: str) -> str:
    before = _counts(engine)
    r = _post(c, path, data)
    assert r.status_code == 422, (path, r.status_code)
    text = str(r.text)
    assert f'class="field-error" data-field="{field}"' in text, (field, text[-3000:])
    assert _counts(engine) == before
    return text


def test_each_rule_refusal_is_shown_beside_its_field_and_nothing_is_written(
        registry: tuple[sa.Engine, Registry]) -> None:
    engine, reg = registry
    c = client(engine)
    sign_in(c, "rita")
    dup = _refused(c, engine, "/weapons/forms/weapon", {
        "category": "revolver_pistol", "manufacturer": "Glock", "serial_number": SERIAL,
        "model": "Kept-Model-X"}, "serial_number")
    assert 'value="Kept-Model-X"' in dup
    _refused(c, engine, "/weapons/forms/weapon", {
        "category": "assault_rifle", "manufacturer": "Nobody", "serial_number": "ZZ-NEW-1",
        "owner": reg.owner, "licence": "NO-SUCH-LICENCE", "registered_on": _day(0)}, "licence")
    _refused(c, engine, "/weapons/forms/licence", {
        "owner": reg.owner, "number": "EXP-BAD", "licence_type": "carry",
        "issued_on": _day(0), "expires_on": _day(-1)}, "expires_on")
    _refused(c, engine, "/weapons/forms/owner", {
        "kind": "person", "family_name": "Twin", "id_document_type": "national_id",
        "id_document_number": ID_NUMBER}, "id_document_number")
    _refused(c, engine, "/weapons/forms/owner", {"kind": "person", "family_name": "Late",
                                                 "date_of_birth": "03/02/1975"},
             "date_of_birth")
    other = _owner(c, "Carmela", "F-100003")
    _refused(c, engine, f"/weapons/forms/{reg.pistol}/transfer", {
        "from_owner": other, "to_owner": reg.owner, "licence": LICENCE, "on": _day(0)},
        "from_owner")
    _licence(c, other, "SUS-F-3")
    assert _post(c, "/weapons/forms/licences/SUS-F-3", {
        "action": "suspended", "on": _day(0)}).status_code == 303
    _refused(c, engine, f"/weapons/forms/{reg.pistol}/transfer", {
        "from_owner": reg.owner, "to_owner": other, "licence": "SUS-F-3", "on": _day(0)},
        "licence")
    _refused(c, engine, f"/weapons/forms/licences/{LICENCE}", {
        "action": "renewed", "on": _day(0), "expires_on": _day(-400)}, "expires_on")
    _refused(c, engine, "/weapons/forms/licences/SUS-F-3", {"action": "sold", "on": _day(0)},
             "action")


def test_roles_without_the_permissions_get_403_and_no_owner_data(
        registry: tuple[sa.Engine, Registry]) -> None:
    engine, reg = registry
    paths = ("/weapons/forms/owner", "/weapons/forms/licence", "/weapons/forms/weapon",
             f"/weapons/forms/{reg.pistol}/transfer", f"/weapons/forms/licences/{LICENCE}")
    for username in ("ana", "dora", "monty", "pub"):
        c = client(engine)
        token = sign_in(c, username)
        before = _counts(engine)
        for path in paths:
            got = c.get(path)
            assert got.status_code == 403, (username, path)
            assert not [m for m in PRIVATE if m in got.text]
            posted = c.post(path, data={"csrf_token": token, "kind": "person",
                                        "family_name": "X", "action": "revoked",
                                        "on": _day(0)})
            assert posted.status_code == 403, (username, path)
        assert _counts(engine) == before
        for page in (f"/weapons/{reg.pistol}", "/weapons", f"/weapons/licences/{LICENCE}"):
            text = c.get(page).text
            assert not re.search(r"/weapons/forms/", text), (username, page)


def test_a_tracing_request_gets_its_response_outcome_and_point_of_diversion(
        registry: tuple[sa.Engine, Registry]) -> None:
    engine, reg = registry
    from salus.domain.accounts.roles import SYSTEM_VIEWER
    from salus.usecases.weapons import tracing

    ref = tracing.create_request(engine, SYSTEM_VIEWER, tracing.TraceInput(
        reg.rifle, "national_records", recipient="Izhmash", status="sent",
        sent_on=dt.date.today() - dt.timedelta(days=20))).reference
    c = client(engine)
    sign_in(c, "rita")
    path = f"/weapons/forms/tracing/{ref}"
    assert "Izhmash" in c.get(path).text
    _refused(c, engine, path, {"recipient": "Izhmash", "status": "answered",
                               "sent_on": _day(-20), "response_on": "soon",
                               "outcome": "traced_illicit"}, "response_on")
    r = _post(c, path, {"recipient": "Izhmash", "status": "answered", "sent_on": _day(-20),
                        "response_on": _day(-2), "response": "Shipped to a state depot 1985",
                        "outcome": "traced_illicit",
                        "point_of_diversion": "theft_from_state_stockpile",
                        "established_by": "trace_response"})
    assert r.status_code == 303, r.text
    view = tracing.get_request(engine, SYSTEM_VIEWER, ref)
    assert (view.status, view.outcome, view.point_of_diversion) == (
        "answered", "traced_illicit", "theft_from_state_stockpile")
    reader = client(engine)
    token = sign_in(reader, "ana")
    assert reader.get(path).status_code == 403
    assert reader.post(path, data={"csrf_token": token, "status": "closed",
                                   "outcome": "not_traceable"}).status_code == 403
    assert tracing.get_request(engine, SYSTEM_VIEWER, ref).outcome == "traced_illicit"


def test_the_forms_speak_the_officer_s_language(registry: tuple[sa.Engine, Registry]) -> None:
    engine, _reg = registry
    c = client(engine)
    sign_in(c, "rita")
    page = c.get("/weapons/forms/owner", headers={"Accept-Language": "fr"}).text
    assert "Ajouter un propriétaire" in page and "Personne morale" in page.replace(
        "Personne ou personne morale", "")
