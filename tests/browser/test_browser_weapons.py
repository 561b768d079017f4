"""In a real browser: a registry officer finds a demo weapon by a misread serial, opens its
page (markings, holders, lifecycle timeline) and the SDG 16.4.2 report; screenshots saved."""

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
from web_support import PASSWORD

from salus.demo.build import build_demo
from salus.demo.weapons.store import seed_arms
from salus.domain.accounts.roles import SYSTEM_VIEWER
from salus.storage.db import open_store
from salus.usecases.accounts import users as accounts


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, sa.Engine]]:
    """A small demo with its weapons registry, served by uvicorn."""
    import uvicorn

    from salus.web.app import create_app

    engine = open_store(f"sqlite:///{Path(tmp_path_factory.mktemp('weapons')) / 's.db'}")
    build_demo(engine, incidents=600, years=(2023, 2024))
    seed_arms(engine, 20240601, (2023, 2024))
    accounts.create_user(engine, SYSTEM_VIEWER, "rita", PASSWORD, "registry_officer")
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
    yield f"http://127.0.0.1:{port}", engine
    server.should_exit = True
    thread.join(timeout=10)
    engine.dispose()


def test_an_officer_finds_a_transferred_weapon_and_reads_its_lifecycle(
        browser: object, demo_url: tuple[str, sa.Engine]) -> None:
    url, engine = demo_url
    with engine.connect() as conn:
        serial = conn.scalar(sa.text(
            "select w.serial_number from weapon w join weapon_event e on e.weapon_id = w.id"
            " where e.event_type = 'transferred' and w.serial_number like '%0%'"
            " order by w.id limit 1"))
    assert serial, "the demo has no transferred weapon with a 0 in its serial"
    misread = serial.replace("0", "O", 1)
    context = browser.new_context(base_url=url, viewport={"width": 1360, "height": 900},  # type: ignore[attr-defined]
                                  locale="en-GB")
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.goto("/login")
    page.fill("#username", "rita")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")
    page.goto("/weapons")
    page.fill("#f-q", misread)
    page.click("#weapon-filters button")
    page.click(f"#weapons >> text={serial}")
    page.wait_for_selector("#weapon-timeline")
    assert page.locator("#weapon-timeline li.event-transferred").count() >= 1
    assert page.locator("#weapon-holders tbody tr").count() >= 2
    shot(page, "weapon-page")
    page.goto("/weapons/sdg-16-4-2?period=2023..2024")
    assert "%" in page.inner_text("#sdg-value")
    shot(page, "sdg-16-4-2")
    context.close()


def test_an_analyst_opens_the_hot_spot_map_and_16_4_2_on_the_latest_data(
        browser: object, demo_url: tuple[str, sa.Engine]) -> None:
    """Issue 13: the demo's data stop at the end of 2024; the default periods follow the data
    (hot spots drawn on the map, 16.4.2 not "0 of 0 arms") and the pages say so."""
    url, engine = demo_url
    accounts.create_user(engine, SYSTEM_VIEWER, "ana13", PASSWORD, "analyst")
    context = browser.new_context(base_url=url, viewport={"width": 1360, "height": 900},  # type: ignore[attr-defined]
                                  locale="en-GB")
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.goto("/login")
    page.fill("#username", "ana13")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")
    page.goto("/hotspots?level=2")
    page.wait_for_selector("#hotspot-map.map-ready")
    with engine.connect() as conn:
        latest = conn.scalar(sa.text("select max(occurred_on) from incident"))
    day = dt.date.fromisoformat(str(latest)[:10])
    assert f"latest recorded incident ({day:%b} {day.day}, {day.year})" in page.inner_text(
        "#period-anchor")
    assert page.locator("#hotspots tr.hot").count() >= 1
    assert page.locator('#hotspot-map path[stroke-width="3"]').count() >= 1   # outlined
    shot(page, "hotspots-latest")
    page.goto("/weapons/sdg-16-4-2")
    headline = page.inner_text("#sdg-value")
    assert "2024" in headline and "0 of 0 arms" not in headline
    assert "(2024)" in page.inner_text("#period-anchor")
    context.close()
