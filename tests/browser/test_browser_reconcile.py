"""In a real browser: start a reconciliation job, its page polls until the table and chart
appear, then decide a pair in the review queue (HTMX swaps in the next one)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from browser_shots import shot
from browser_support import watch_csp
from web_support import PASSWORD, add_cast

from salus.demo.build import build_demo
from salus.storage import schema as t
from salus.storage.db import open_store


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, sa.Engine]]:
    """The demo's 2024 police, forensic and media records served by uvicorn."""
    import uvicorn

    from salus.web.app import create_app

    engine = open_store(f"sqlite:///{Path(tmp_path_factory.mktemp('reconcile')) / 's.db'}")
    build_demo(engine, incidents=400, years=(2024, 2024))
    add_cast(engine)
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


def test_an_analyst_reconciles_from_the_browser(browser: object,  # type: ignore[no-untyped-def]
                                                demo_url: tuple[str, sa.Engine]) -> None:
    url, engine = demo_url
    context = browser.new_context(base_url=url, viewport={"width": 1360, "height": 900},  # type: ignore[attr-defined]
                                  locale="en-GB")
    context.set_default_timeout(90_000)
    page = context.new_page()
    refused = watch_csp(page)
    page.goto("/login")
    page.fill("#username", "ana")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")

    page.goto("/reconciliation")
    page.fill("input[name=period]", "2024")
    page.click("#start-job button")
    page.wait_for_url("**/reconciliation/*")
    page.wait_for_selector("#reconciled")          # polled, then reloaded when done
    page.wait_for_selector("#reconcile-chart svg")
    total = page.locator('#reconciled tr[data-area="all"] td[data-col="unique"]').inner_text()
    with engine.connect() as conn:
        clusters = conn.execute(sa.select(t.linkage_job.c.clusters)
                                .order_by(t.linkage_job.c.id.desc())).scalar_one()
    assert int(total.replace(",", "")) == clusters
    shot(page, "reconciliation-table")

    page.click("#job-nav >> text=Review queue")
    if page.locator("#pair").count():
        first = page.get_attribute("#pair", "data-rank")
        page.click("#decide button[value=no_match]")
        page.wait_for_selector("#decided")
        assert page.locator("#pair").count() == 0 or page.get_attribute(
            "#pair", "data-rank") != first
        shot(page, "reconciliation-review")
    context.close()
    assert refused == []                           # the polling and the chart run under CSP
