"""A registry officer records a collection campaign and a destruction event in the web app
(issue 13): a surrender by serial as read, weapons, parts and ammunition destroyed, each weapon's
page then reading "Destroyed" and the collected-and-destroyed report's figures moving; refusals
beside their fields with nothing written; a destruction list uploaded with a bad row refused by
row number; the public report with small counts as "<5"; area scope. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import httpx
import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from weapons_support import table_counts
from weapons_ui_support import Registry, collection_store
from web_support import client, csrf_from, sign_in

TODAY = dt.date.today()
PERIOD = f"{TODAY.year - 1}..{TODAY.year}"
SERIAL = "WB-3310"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def registry(request: pytest.FixtureRequest) -> Iterator[tuple[sa.Engine, Registry, str]]:
    yield from collection_store(request, SERIAL, "IZh-27", 1995)


def _post(c: TestClient, page: str, path: str, data: dict[str, str],
          files: dict[str, tuple[str, bytes, str]] | None = None) -> httpx.Response:
    token = csrf_from(c.get(page).text)
    return c.post(path, data={"csrf_token": token, **data}, files=files,
                  follow_redirects=False)


def _cell(html: str, row_id: str, measure: str) -> str:
    """The text of a measure's cell in the totals row (``total-<measure>``)."""
    found = re.search(rf'id="{row_id}-{measure}">([^<]*)<', html)
    assert found, f"no {row_id}-{measure} in the page"
    return found.group(1).strip()


def _rita(engine: sa.Engine) -> TestClient:
    c = client(engine)
    sign_in(c, "rita")
    return c


def test_an_officer_records_a_campaign_and_a_destruction_and_sees_the_figures_change(
        registry: tuple[sa.Engine, Registry, str]) -> None:
    engine, reg, handed_in = registry
    c = _rita(engine)
    report = f"/weapons/collection-report?period={PERIOD}"
    before = c.get(report).text
    collected, destroyed = int(_cell(before, "total", "collected")), int(
        _cell(before, "total", "destroyed"))
    r = _post(c, "/weapons/forms/campaign", "/weapons/forms/campaign", {
        "name": "Web amnesty", "kind": "amnesty", "area_code": "R1",
        "starts_on": (TODAY - dt.timedelta(days=20)).isoformat(),
        "ends_on": TODAY.isoformat(), "collecting_agency": "National Police",
        "locations": "Police HQ\nMarket square"})
    assert r.status_code == 303, r.text
    listed = c.get("/weapons/campaigns").text
    assert "Web amnesty" in listed and "Amnesty" in listed and "Market square" in listed
    r = _post(c, "/weapons/forms/surrender", "/weapons/forms/surrender", {
        "campaign": "Web amnesty", "weapon": "wb 3310",
        "occurred_on": TODAY.isoformat()})
    assert r.status_code == 303 and r.headers["location"].startswith(f"/weapons/{handed_in}")
    assert 'id="weapon-status">Surrendered<' in c.get(f"/weapons/{handed_in}").text
    r = _post(c, "/weapons/forms/destruction", "/weapons/forms/destruction", {
        "certificate_number": "WEB-DC-1", "method": "smelting",
        "destroyed_on": TODAY.isoformat(), "place": "Steel works", "area_code": "R1",
        "verifying_body": "Small Arms Commission", "witnesses": "UNDP observer\nJ. Doe",
        "collecting_agency": "National Police"})
    assert r.status_code == 303 and r.headers["location"].startswith(
        "/weapons/destructions/WEB-DC-1")
    page = "/weapons/destructions/WEB-DC-1"
    r = _post(c, page, f"{page}/weapons", {"weapons": f"{SERIAL.lower()}\n{reg.rifle}"})
    assert r.status_code == 303, r.text
    r = _post(c, page, f"{page}/items", {"kind": "part", "part_kind": "barrel",
                                         "quantity": "40"})
    assert r.status_code == 303, r.text
    r = _post(c, page, f"{page}/items", {"kind": "ammunition", "calibre": "7.62x39mm",
                                         "quantity": "12000"})
    assert r.status_code == 303, r.text
    shown = c.get(page).text
    assert "2 weapons, 40 parts, 12,000 rounds destroyed" in shown
    assert "Smelting" in shown and "Small Arms Commission" in shown and "Barrel" in shown
    for uid in (handed_in, reg.rifle):
        assert 'id="weapon-status">Destroyed<' in c.get(f"/weapons/{uid}").text
    after = c.get(report).text
    assert int(_cell(after, "total", "collected")) == collected + 1
    assert int(_cell(after, "total", "destroyed")) == destroyed + 2
    assert "12,000" in after and 'data-chart="' in after
    csv = c.get(f"/api/v1/weapons/collection-report?period={PERIOD}&format=csv").text
    assert "National Police" in csv
    assert "WEB-DC-1" in c.get("/weapons/destructions").text


def test_refusals_come_back_beside_their_fields_and_write_nothing(
        registry: tuple[sa.Engine, Registry, str]) -> None:
    engine, reg, _ = registry
    c = _rita(engine)
    before = table_counts(engine)
    r = _post(c, "/weapons/forms/destruction", "/weapons/forms/destruction", {
        "certificate_number": "WEB-DC-BAD", "method": "melting", "destroyed_on": "2099-01-01",
        "place": ""})
    assert r.status_code == 422
    assert 'data-field="method"' in r.text and 'data-field="place"' in r.text
    _post(c, "/weapons/forms/destruction", "/weapons/forms/destruction", {
        "certificate_number": "WEB-DC-2", "method": "cutting",
        "destroyed_on": TODAY.isoformat(), "place": "Depot"})
    before = table_counts(engine)
    page = "/weapons/destructions/WEB-DC-2"
    r = _post(c, page, f"{page}/weapons", {"weapons": f"{reg.pistol}\nNO-SUCH-1"})
    assert r.status_code == 422 and "line 2: weapons=&#39;NO-SUCH-1&#39;" in r.text
    r = _post(c, page, f"{page}/weapons", {"weapons": reg.pistol})
    assert r.status_code == 422 and "line 1:" in r.text and "registered" in r.text
    r = _post(c, page, f"{page}/items", {"kind": "part", "part_kind": "", "quantity": "x"})
    assert r.status_code == 422 and 'data-field="quantity"' in r.text
    r = _post(c, page, f"{page}/import", {}, files={"file": (
        "list.csv", b"Serial number,Box\nNO-SUCH-2,B1\n" + reg.pistol.encode() + b",B2\n",
        "text/csv")})
    assert r.status_code == 422
    rows = re.findall(r'<tr><td class="num">(\d+)</td><td>([^<]*)</td>', r.text)
    assert rows == [("2", "Serial number"), ("3", "Serial number")]
    assert "nothing was written" in r.text
    assert table_counts(engine) == before


def test_the_public_report_shows_small_counts_as_less_than_five(
        registry: tuple[sa.Engine, Registry, str]) -> None:
    engine, _reg, _ = registry
    for app, path in ((client(engine), "/public/weapons/collection-report"),
                      (client(engine, public=True), "/weapons/collection-report")):
        r = app.get(f"{path}?period={PERIOD}")
        assert r.status_code == 200, r.text
        assert "&lt;5" in r.text and 'id="suppression-note"' in r.text
        assert 'id="total-collected"' not in r.text


def test_an_officer_of_another_region_sees_none_of_it(
        registry: tuple[sa.Engine, Registry, str]) -> None:
    engine, _reg, _ = registry
    c = client(engine)
    sign_in(c, "rory")
    assert "Web amnesty" not in c.get("/weapons/campaigns").text
    assert "WEB-DC-1" not in c.get("/weapons/destructions").text
    assert c.get("/weapons/destructions/WEB-DC-1").status_code in (404, 422)
    analyst = client(engine)
    sign_in(analyst, "ana")
    assert analyst.get("/weapons/forms/destruction").status_code == 403
    assert analyst.get("/weapons/collection-report").status_code == 200
