"""In a real browser (issue 13): a registry officer creates a collection campaign, records a
weapon handed in by its serial as read, creates a destruction event, destroys that weapon and a
stored rifle with parts and ammunition, finds both weapons "Destroyed" and the
collected-and-destroyed report's totals moved; the public report shows small counts as "<5"."""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from browser_shots import shot
from weapons_ui_support import Registry, observatory_with_registry
from web_support import PASSWORD

from salus.domain.accounts.roles import SYSTEM_VIEWER
from salus.domain.weapons.registry import WeaponRecord
from salus.storage.db import open_store
from salus.usecases.weapons import records as weapons

TODAY = dt.date.today()
PERIOD = f"{TODAY.year - 1}..{TODAY.year}"
SERIAL = "BR-5521"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[tuple[str, sa.Engine, Registry, str]]:
    """The web tests' observatory with its registry and one more rifle, served by uvicorn."""
    import uvicorn

    from salus.web.app import create_app

    engine = open_store(f"sqlite:///{Path(tmp_path_factory.mktemp('collect')) / 's.db'}")
    reg = observatory_with_registry(engine)
    rifle = weapons.record_weapon(engine, SYSTEM_VIEWER, WeaponRecord(
        "rifle_carbine", "Baikal", "MP-18", "12 gauge", SERIAL, year_of_manufacture=1992,
        area_code="R1-A"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(create_app(engine), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", engine, reg, rifle
    server.should_exit = True
    thread.join(timeout=10)
    engine.dispose()


def _total(page: object, measure: str) -> int:
    return int(page.inner_text(f"#total-{measure}").replace(",", ""))  # type: ignore[attr-defined]


def test_an_officer_collects_and_destroys_weapons_and_the_report_follows(
        browser: object, served: tuple[str, sa.Engine, Registry, str]) -> None:
    url, _engine, reg, handed_in = served
    context = browser.new_context(base_url=url, viewport={"width": 1360, "height": 900},  # type: ignore[attr-defined]
                                  locale="en-GB")
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.goto("/login")
    page.fill("#username", "rita")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")
    page.goto(f"/weapons/collection-report?period={PERIOD}")
    collected, destroyed = _total(page, "collected"), _total(page, "destroyed")

    page.click("text=Collection campaigns")
    page.click("#new-campaign")
    page.fill("#in-name", "Browser amnesty")
    page.select_option("#in-kind", "amnesty")
    page.fill("#in-starts_on", (TODAY - dt.timedelta(days=10)).isoformat())
    page.fill("#in-ends_on", TODAY.isoformat())
    page.fill("#in-area_code", "R1")
    page.fill("#in-collecting_agency", "National Police")
    page.click("#write-form button.primary")
    page.wait_for_selector("#campaigns >> text=Browser amnesty")

    page.click("#new-surrender")
    page.select_option("#in-campaign", "Browser amnesty")
    page.fill("#in-weapon", "br 5521")
    page.fill("#in-occurred_on", TODAY.isoformat())
    page.click("#write-form button.primary")
    page.wait_for_url(f"**/weapons/{handed_in}**")
    assert page.inner_text("#weapon-status") == "Surrendered"

    page.goto("/weapons/destructions")
    page.click("#new-destruction")
    page.fill("#in-certificate_number", "BR-DC-1")
    page.select_option("#in-method", "smelting")
    page.fill("#in-destroyed_on", TODAY.isoformat())
    page.fill("#in-place", "Steel works")
    page.fill("#in-verifying_body", "Small Arms Commission")
    page.fill("#in-witnesses", "UNDP observer")
    page.fill("#in-collecting_agency", "National Police")
    page.click("#write-form button.primary")
    page.wait_for_selector("#batch")
    page.fill("#weapons-form textarea", f"{SERIAL.lower()}\n{reg.rifle}")
    page.click("#weapons-form button")
    page.wait_for_selector("#batch-weapons >> text=" + handed_in)
    page.select_option("#items-form #in-kind", "part")
    page.select_option("#items-form #in-part_kind", "magazine")
    page.fill("#items-form #in-quantity", "30")
    page.click("#items-form button")
    page.wait_for_selector("#batch-items >> text=Magazine")
    page.select_option("#items-form #in-kind", "ammunition")
    page.fill("#items-form #in-calibre", "7.62x39mm")
    page.fill("#items-form #in-quantity", "5000")
    page.click("#items-form button")
    page.wait_for_selector("#batch-items >> text=7.62x39mm")
    assert "2 weapons, 30 parts, 5,000 rounds destroyed" in page.inner_text("#batch-totals")
    shot(page, "destruction-event")

    for uid in (handed_in, reg.rifle):
        page.goto(f"/weapons/{uid}")
        assert page.inner_text("#weapon-status") == "Destroyed"
    page.goto(f"/weapons/collection-report?period={PERIOD}")
    assert _total(page, "collected") == collected + 1
    assert _total(page, "destroyed") == destroyed + 2
    page.wait_for_selector("#chart-collection svg")
    shot(page, "collection-report")

    public = browser.new_context(base_url=url, locale="en-GB").new_page()  # type: ignore[attr-defined]
    public.goto(f"/public/weapons/collection-report?period={PERIOD}")
    assert "<5" in public.inner_text("#report-rows")
    assert public.locator("#total-collected").count() == 0
