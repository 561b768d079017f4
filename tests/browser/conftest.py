"""Browser tests: the real app under uvicorn, driven by Playwright with Debian's Chromium.

No browser is downloaded: Playwright launches ``/usr/bin/chromium`` (``apt-get install
chromium``). Where it is absent the tests are skipped with that reason (and under CI=true a
skip fails the run). Screenshots go to ``tests/browser/artifacts/`` (ignored by git). A page
on which the Content-Security-Policy blocked anything (a script, a style) fails its test.
"""

from __future__ import annotations

import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from browser_shots import ARTIFACTS
from browser_support import watch_csp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def browser_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sa.Engine]:
    """A small observatory (four districts, two regions) with the test cast."""
    from web_support import add_cast, seed

    from salus.storage.db import open_store

    engine = open_store(f"sqlite:///{tmp_path_factory.mktemp('browser') / 'salus.db'}")
    seed(engine, per_district=24)
    add_cast(engine, scoped_area="R1")
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def base_url(browser_store: sa.Engine) -> Iterator[str]:
    import uvicorn

    from salus.web.app import create_app

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(browser_store), host="127.0.0.1",
                                           port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip("Chromium not found at /usr/bin/chromium (apt-get install -y chromium)")
    playwright_api = pytest.importorskip("playwright.sync_api")
    ARTIFACTS.mkdir(exist_ok=True)
    with playwright_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                     args=LAUNCH_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: object, base_url: str) -> Iterator[object]:
    context = browser.new_context(base_url=base_url, viewport={"width": 1360, "height": 900},  # type: ignore[attr-defined]
                                  locale="en-GB")
    context.set_default_timeout(20_000)
    pg = context.new_page()
    refused = watch_csp(pg)
    yield pg
    context.close()
    assert refused == [], "the Content-Security-Policy blocked something on these pages"
