"""In a real browser: area names an analyst imports are shown as text, never run as script.

Issue 15, item 1 (stored XSS, analyst → admin). An analyst imports, through the import page,
an areas file whose names are script payloads: ``<img onerror>``, ``<script>``,
``"><svg onload>``, ``javascript:`` and one that posts a new administrator to ``/users`` with
the page's CSRF token. An administrator then opens the dashboard, the areas page, the hot-spot,
cluster and indicator maps, an alert, a community page, and hovers every area and the charts;
an anonymous visitor does the same on the ``--public`` site and the report form. Each payload
would set ``window.__xss`` or make a request: none may, no user may be created, no
Content-Security-Policy violation may be reported, and each name must appear literally.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from browser_shots import shot
from browser_support import serve, watch_csp
from test_browser_dashboard import sign_in

from salus.storage import schema as t
from salus.storage.db import open_store

MALLORY = ("fetch('/users',{method:'POST',body:new URLSearchParams({csrf_token:document."
           "querySelector('[name=csrf_token]').value,username:'mallory',password:"
           "'Tr0ub4dor-3x',role:'admin'})})")
PAYLOADS = {
    "C": "<script>window.__xss='C'</script>",
    "R1": "<img src=x onerror=\"window.__xss='R1'\">",
    "R2": f'<img src=x onerror="{MALLORY}">',
    "R1-A": "\"><svg onload=\"window.__xss='R1-A'\">",
    "R1-B": "javascript:window.__xss='R1-B'",
    "R2-A": "'><img src=x onerror=window.__xss='R2-A'>",
    "R2-B": "</textarea><script>window.__xss='R2-B'</script>",
}
PARENTS = {"C": None, "R1": "C", "R2": "C", "R1-A": "R1", "R1-B": "R1", "R2-A": "R2",
           "R2-B": "R2"}
MAPPING = """name: hostile-areas
kind: areas
columns:
  code: code
  name: name
  parent_code: parent
  level: level
  geometry: geometry
"""
WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + e.sample);
});
"""


@dataclass
class Site:
    full: str
    public: str
    engine: sa.Engine
    alert_id: int


@dataclass
class Watch:
    """What a page did that a payload would do: dialogs, requests, console errors."""

    dialogs: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


def _geojson() -> str:
    from web_support import DISTRICTS

    spans = {"C": (0, 4), "R1": (0, 2), "R2": (2, 4), **DISTRICTS}
    features = []
    for code, name in PAYLOADS.items():
        x0, x1 = spans[code]
        ring = [[x0, 0], [x1, 0], [x1, 2], [x0, 2], [x0, 0]]
        features.append({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
                         "properties": {"code": code, "name": name, "parent": PARENTS[code],
                                        "level": code.count("-") + (code != "C")}})
    return json.dumps({"type": "FeatureCollection", "features": features})


def _observatory(path: Path) -> tuple[sa.Engine, int]:
    """The small observatory, a community safety plan for R1-A and one fired alert."""
    from alerts_support import TODAY, plant_surge
    from plans_support import build
    from web_support import add_cast, seed

    from salus.domain.accounts.roles import SYSTEM_VIEWER
    from salus.usecases.alerts import workflow as alerts

    engine = open_store(f"sqlite:///{path}")
    seed(engine, per_district=24)
    add_cast(engine, scoped_area="R1")
    build(engine)
    plant_surge(engine, "R1-A")
    alerts.add_rule(engine, SYSTEM_VIEWER, alerts.RuleSpec("surge", "ears_c1", area_level=2))
    return engine, int(alerts.run_rules(engine, today=TODAY).fired[0]["id"])


def _import_as_analyst(browser: Any, url: str, folder: Path) -> None:
    """The analyst imports the hostile names through the import page (preview, then commit)."""
    areas = folder / "areas.geojson"
    areas.write_text(_geojson(), encoding="utf-8")
    context = browser.new_context(base_url=url, locale="en-GB")
    page = context.new_page()
    sign_in(page, "ana")
    page.goto("/imports")
    page.set_input_files("#upload-file", str(areas))
    page.select_option("#upload-kind", "areas")
    page.fill("#upload-mapping-yaml", MAPPING)
    page.click("#preview-import")
    page.click("#commit-import")
    page.wait_for_selector("#import-result")
    assert "7 updated" in page.inner_text("#import-result"), page.inner_text("#import-result")
    context.close()


@pytest.fixture(scope="module")
def site(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    from salus.web.app import create_app

    folder = Path(tmp_path_factory.mktemp("hostile"))
    engine, alert_id = _observatory(folder / "salus.db")
    with serve(create_app(engine)) as full, serve(create_app(engine, public=True)) as public:
        _import_as_analyst(browser, full, folder)
        yield Site(full, public, engine, alert_id)
    engine.dispose()


def _watched_page(browser: Any, url: str) -> tuple[Any, Watch]:
    context = browser.new_context(base_url=url, viewport={"width": 1360, "height": 900},
                                  locale="en-GB")
    context.set_default_timeout(60_000)
    context.add_init_script(WATCH)
    page = context.new_page()
    watch = Watch(refused=watch_csp(page))

    def on_dialog(dialog: Any) -> None:
        watch.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on("request", lambda r: watch.requests.append(f"{r.method} {r.url}"))
    page.on("console", lambda m: watch.errors.append(m.text) if m.type == "error"
            and not m.text.startswith("Failed to load resource") else None)
    page.on("response", lambda r: watch.failed.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    page.on("pageerror", lambda e: watch.errors.append(str(e)))
    return page, watch


def _users(engine: sa.Engine) -> list[str]:
    with engine.connect() as conn:
        return sorted(conn.execute(sa.select(t.app_user.c.username)).scalars())


def _hover_areas(page: Any, selector: str) -> list[str]:
    """Hover every area of the map ``selector``; the text of each tooltip."""
    page.wait_for_selector(f"{selector}.map-ready")
    texts = []
    areas = page.locator(f"{selector} path.leaflet-interactive")
    for i in range(areas.count()):
        areas.nth(i).hover(force=True)
        tip = page.locator(".leaflet-tooltip").last
        tip.wait_for()
        texts.append(tip.inner_text())
    return texts


def _hover_chart(page: Any, selector: str) -> str:
    """Sweep the mouse across the chart ``selector``; the text of every tooltip seen."""
    page.wait_for_selector(f"{selector} svg")
    box = page.locator(selector).bounding_box()
    seen = []
    for k in range(1, 20):
        page.mouse.move(box["x"] + box["width"] * k / 20, box["y"] + box["height"] / 2)
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] * k / 20)
        seen.append(page.locator(selector).inner_text())
    return "\n".join(seen)


def _assert_nothing_ran(page: Any, watch: Watch) -> None:
    assert page.evaluate("window.__xss") is None
    assert page.evaluate("window.__csp") == []
    assert watch.refused == []
    assert watch.dialogs == []
    hostile = [r for r in watch.requests
               if r.endswith("/x") or (r.startswith("POST") and "/users" in r)]
    assert hostile == []
    assert watch.errors == []
    assert watch.failed == []


def _shows(tooltips: list[str], *codes: str) -> None:
    for code in codes:
        assert any(t.splitlines()[0] == PAYLOADS[code] for t in tooltips), (code, tooltips)


def test_the_import_stored_the_hostile_names_as_given(site: Site) -> None:
    with site.engine.connect() as conn:
        names = dict(conn.execute(sa.select(t.area.c.code, t.area.c.name)).all())
    assert names == PAYLOADS


def test_an_admin_hovering_hostile_areas_runs_no_script_and_creates_no_user(
        browser: Any, site: Site) -> None:
    before = _users(site.engine)
    page, watch = _watched_page(browser, site.full)
    sign_in(page, "admin")
    _shows(_hover_areas(page, "#map"), "R1", "R2")
    page.locator("#map path.leaflet-interactive").first.click()         # drill into a region
    page.wait_for_url("**area=R*")
    _shows(_hover_areas(page, "#map"), "R1-A", "R1-B")
    _hover_chart(page, "#chart-weapon")
    shot(page, "hostile-dashboard")
    page.goto("/areas?level=2")
    _shows(_hover_areas(page, "#map"), "R1-A", "R1-B", "R2-A", "R2-B")
    cells = set(page.locator("#areas td").all_inner_texts())
    assert {PAYLOADS[code] for code in ("R1-A", "R1-B", "R2-A", "R2-B")} <= cells
    page.goto("/hotspots?level=2&days=3660")
    _shows(_hover_areas(page, "#hotspot-map"), "R1-A", "R1-B", "R2-A", "R2-B")
    page.goto("/clusters?level=2&days=3660")
    _shows(_hover_areas(page, "#cluster-map"), "R1-A", "R1-B", "R2-A", "R2-B")
    page.goto("/indicators?id=sdg-16-1-1&period=2024&by=area")
    _shows(_hover_areas(page, "#map"), "R1-A", "R2-B")
    seen = _hover_chart(page, "#indicator-chart")
    assert any(PAYLOADS[code] in seen for code in ("R1-A", "R1-B", "R2-A", "R2-B")), seen
    shot(page, "hostile-indicators")
    page.goto(f"/alerts/{site.alert_id}")
    assert PAYLOADS["R1-A"] in page.inner_text("main")
    _hover_chart(page, "#alert-series")
    page.goto("/communities/R1-A")
    assert PAYLOADS["R1-A"] in page.inner_text("main")
    _hover_chart(page, "#chart-trend")
    _assert_nothing_ran(page, watch)
    assert _users(site.engine) == before


def test_an_anonymous_visitor_of_the_public_site_runs_no_script(
        browser: Any, site: Site) -> None:
    page, watch = _watched_page(browser, site.public)
    page.goto("/")
    _shows(_hover_areas(page, "#map"), "R1", "R2")
    _hover_chart(page, "#chart-sex")
    page.goto("/indicators?id=sdg-16-1-1&period=2024&by=area")
    _shows(_hover_areas(page, "#map"), "R1-A", "R2-B")
    _hover_chart(page, "#indicator-chart")
    page.goto("/report")
    options = page.locator("#in-area_code option").all_inner_texts()
    assert PAYLOADS["R2-B"] in options
    page.click("#point summary")
    page.click("#map-tools button >> text=Show a map")
    page.wait_for_selector("#map path.leaflet-interactive")
    shot(page, "hostile-report-form")
    _assert_nothing_ran(page, watch)
