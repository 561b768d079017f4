"""The collection and destruction API (issue 13): a registry officer creates a campaign and a
destruction event over HTTP, records a surrender by serial, destroys weapons, parts and
ammunition, uploads a destruction list (refused whole on a bad row), and reads the report the
annual reports quote; the public report suppresses small cells; area scope and permissions.
SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from weapons_support import table_counts
from weapons_ui_support import Registry, collection_store
from web_support import client, sign_in

TODAY = dt.date.today()
SERIAL = "QX-7781"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def registry(request: pytest.FixtureRequest) -> Iterator[tuple[sa.Engine, Registry, str]]:
    yield from collection_store(request, SERIAL, "IZh-18", 1990)


def _officer(engine: sa.Engine, name: str = "rita") -> tuple[TestClient, dict[str, str]]:
    c = client(engine)
    return c, {"X-CSRF-Token": sign_in(c, name)}


def test_an_officer_records_a_campaign_and_a_destruction_and_the_report_moves(
        registry: tuple[sa.Engine, Registry, str]) -> None:
    engine, reg, handed_in = registry
    c, h = _officer(engine)
    r = c.post("/api/v1/weapons/campaigns", headers=h, json={
        "name": "API amnesty", "kind": "amnesty", "area_code": "R1",
        "starts_on": (TODAY - dt.timedelta(days=30)).isoformat(),
        "ends_on": TODAY.isoformat(), "collecting_agency": "National Police"})
    assert r.status_code == 201, r.text
    assert r.json()["kind"] == "amnesty" and r.json()["surrendered"] == 0
    s = c.post("/api/v1/weapons/campaigns/API amnesty/surrenders", headers=h,
               json={"weapon": "qx 7781", "occurred_on": TODAY.isoformat()})
    assert s.status_code == 201 and s.json()["status"] == "surrendered", s.text
    year = str(TODAY.year)
    before = c.get(f"/api/v1/weapons/collection-report?period={year}&by=agency").json()
    police = {x["agency"]: x for x in before["rows"]}["National Police"]
    assert (police["surrendered"], police["destroyed"]) == (1, 0)
    b = c.post("/api/v1/weapons/destructions", headers=h, json={
        "certificate_number": "API-DC-1", "method": "crushing",
        "destroyed_on": TODAY.isoformat(), "place": "North depot", "area_code": "R1",
        "verifying_body": "Small Arms Commission", "witnesses": ["UNDP observer"],
        "collecting_agency": "National Police"})
    assert b.status_code == 201, b.text
    d = c.post("/api/v1/weapons/destructions/API-DC-1/weapons", headers=h,
               json={"weapons": [SERIAL.lower(), reg.rifle]})
    assert d.status_code == 201 and d.json()["destroyed"] == 2, d.text
    i = c.post("/api/v1/weapons/destructions/API-DC-1/items", headers=h, json={"items": [
        {"kind": "part", "part_kind": "slide", "quantity": 12},
        {"kind": "ammunition", "calibre": "9x19mm", "quantity": 3000}]})
    assert i.status_code == 201 and (i.json()["parts"], i.json()["rounds"]) == (12, 3000)
    assert c.get(f"/api/v1/weapons/{handed_in}").json()["status"] == "destroyed"
    after = c.get(f"/api/v1/weapons/collection-report?period={year}&by=agency").json()
    police = {x["agency"]: x for x in after["rows"]}["National Police"]
    assert (police["surrendered"], police["destroyed"]) == (1, 2)
    assert after["item_totals"] == {"part": 12, "ammunition": 3000}
    csv = c.get(f"/api/v1/weapons/collection-report?period={year}&by=agency&format=csv")
    assert csv.headers["content-type"].startswith("text/csv")
    assert f"{year},,,National Police,1,1,0,0,2" in csv.text


def test_a_registered_weapon_in_the_list_refuses_the_whole_list(
        registry: tuple[sa.Engine, Registry, str]) -> None:
    engine, reg, _ = registry
    c, h = _officer(engine)
    c.post("/api/v1/weapons/destructions", headers=h, json={
        "certificate_number": "API-DC-2", "method": "cutting",
        "destroyed_on": TODAY.isoformat(), "place": "North depot"})
    before = table_counts(engine)
    r = c.post("/api/v1/weapons/destructions/API-DC-2/weapons", headers=h,
               json={"weapons": ["no-such-serial", reg.pistol]})
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    lines = {e["line"]: e["code"] for e in r.json()["errors"]}
    assert lines == {1: "weapon.unknown"}
    r = c.post("/api/v1/weapons/destructions/API-DC-2/weapons", headers=h,
               json={"weapons": [reg.pistol]})
    assert r.status_code == 422 and r.json()["errors"][0]["code"] == "lifecycle.not_allowed"
    upload = c.post("/api/v1/weapons/destructions/API-DC-2/import", headers=h,
                    files={"file": ("list.csv", b"Serial,Item,Part kind,Quantity\n"
                                                b"ZZ-1,,,\n,part,barrel,0\n", "text/csv")})
    assert upload.status_code == 200, upload.text
    body = upload.json()
    assert body["committed"] is False
    assert {(e["row"], e["column"], e["code"]) for e in body["errors"]} == {
        (2, "Serial", "weapon.unknown"), (3, "Quantity", "count.invalid")}
    assert table_counts(engine) == before


def test_the_public_report_shows_small_counts_as_less_than_five_and_no_totals(
        registry: tuple[sa.Engine, Registry, str]) -> None:
    engine, _reg, _ = registry
    year = str(TODAY.year)
    for app in (client(engine), client(engine, public=True)):
        r = app.get(f"/api/v1/public/weapons/collection-report?period={year}")
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["public"] is True and body["totals"] is None
        counts = [row[m] for row in body["rows"] for m in ("seized", "found", "destroyed")]
        assert "<5" in counts
        assert all(v == 0 or v == "<5" or (isinstance(v, int) and v >= 5) for v in counts)
    c, _h = _officer(engine, "ana")
    signed_in = c.get(f"/api/v1/weapons/collection-report?period={year}&public=true").json()
    assert signed_in["public"] is True and signed_in["totals"] is None


def test_an_officer_of_another_region_sees_none_of_it_and_an_analyst_cannot_write(
        registry: tuple[sa.Engine, Registry, str]) -> None:
    engine, _reg, _ = registry
    c, _h = _officer(engine, "rory")
    assert c.get("/api/v1/weapons/destructions").json() == []
    assert c.get("/api/v1/weapons/campaigns").json() == []
    assert c.get("/api/v1/weapons/destructions/API-DC-1").status_code == 422
    report = c.get(f"/api/v1/weapons/collection-report?period={TODAY.year}").json()
    assert report["totals"]["destroyed"] == 0
    a, ah = _officer(engine, "ana")
    r = a.post("/api/v1/weapons/campaigns", headers=ah, json={
        "name": "Nope", "starts_on": "2024-01-01", "ends_on": "2024-02-01"})
    assert r.status_code == 403
