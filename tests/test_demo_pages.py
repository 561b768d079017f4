"""The pages a new user opens first, on the demo (issue 13, "Figures that mislead"): default
periods end on the latest data, not on today, and the page says so; /tension is labelled in the
page's language.

The demo's incidents stop at the end of 2024 while the clock runs on: a window that ended today
showed an empty map, and SDG 16.4.2 opened on the last full calendar year with "0 of 0 arms".
One small demo (2,000 incidents of 2023-2024 and its weapons registry) serves the module.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from web_support import add_cast, client, sign_in

from salus.demo.build import build_demo
from salus.demo.config import DEFAULT_SEED
from salus.demo.weapons.store import seed_arms
from salus.storage import schema as t
from salus.storage.db import open_store
from salus.storage.weapons import schema as arms

YEARS = (2023, 2024)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sa.Engine]:
    engine = open_store(f"sqlite:///{tmp_path_factory.mktemp('demo') / 'salus.db'}")
    build_demo(engine, incidents=2000, years=YEARS)
    seed_arms(engine, DEFAULT_SEED, YEARS)
    add_cast(engine)
    yield engine
    engine.dispose()


def _text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment)).strip()


def test_the_hot_spot_page_opens_on_the_year_up_to_the_latest_incident_and_says_so(
        demo: sa.Engine) -> None:
    with demo.connect() as conn:
        latest = conn.scalar(sa.select(sa.func.max(t.incident.c.occurred_on)))
        in_window = conn.scalar(sa.select(sa.func.count()).select_from(t.incident).where(
            t.incident.c.occurred_on > latest - dt.timedelta(days=365)))
    assert latest < dt.date.today() - dt.timedelta(days=365)   # a window ending today: empty
    c = client(demo)
    sign_in(c, "ana")
    page = c.get("/hotspots?level=2").text
    anchor = re.search(r'<span id="period-anchor">(.*?)</span>', page)
    assert anchor and "latest recorded incident" in anchor.group(1)
    assert f"{latest:%b} {latest.day}, {latest.year}" in _text(anchor.group(1))
    rows = re.findall(r'<tr class="(hot|cold|none)"><td>[^<]+</td><td>([\d,]+)</td>', page)
    assert sum(int(n.replace(",", "")) for _kind, n in rows) == in_window
    assert any(kind == "hot" for kind, _n in rows)
    chosen = c.get(f"/hotspots?level=2&end={latest.year - 1}-12-31").text
    assert 'id="period-anchor"' not in chosen            # a chosen last day is not "latest"
    api = c.get("/api/v1/hotspots?level=2").json()
    assert api["last"] == latest.isoformat() and api["anchored"] is True


def test_the_clusters_page_says_its_period_ends_on_the_latest_incident(
        demo: sa.Engine) -> None:
    c = client(demo)
    sign_in(c, "ana")
    page = c.get("/clusters?level=1&days=60").text
    assert 'id="period-anchor"' in page and "latest recorded incident" in page


def test_sdg_16_4_2_opens_on_the_latest_year_with_recoveries_not_on_last_year(
        demo: sa.Engine) -> None:
    e = arms.weapon_event
    with demo.connect() as conn:
        latest = conn.scalar(sa.select(sa.func.max(e.c.occurred_on))
                             .where(e.c.event_type.in_(("seized", "found", "surrendered"))))
        year = str(latest)[:4]
        recovered = conn.scalar(sa.select(sa.func.count()).select_from(e).where(
            e.c.event_type.in_(("seized", "found", "surrendered")),
            e.c.occurred_on >= dt.date(int(year), 1, 1),
            e.c.occurred_on <= dt.date(int(year), 12, 31)))
    assert int(year) < dt.date.today().year - 1 and recovered > 0
    c = client(demo)
    sign_in(c, "ana")
    page = c.get("/weapons/sdg-16-4-2").text
    headline = _text(re.search(r'id="sdg-value">(.*?)</p>', page, re.S).group(1))  # type: ignore[union-attr]
    assert f"of {recovered:,} arms · {year}" in headline and recovered > 0
    assert 'id="period-anchor"' in page and f"({year})" in page
    last_year = c.get(f"/weapons/sdg-16-4-2?period={dt.date.today().year - 1}").text
    assert "0 of 0 arms" in last_year and 'id="period-anchor"' not in last_year


def test_the_tension_page_labels_the_themes_in_the_page_s_language(demo: sa.Engine) -> None:
    c = client(demo)
    sign_in(c, "ana")
    form = re.search(r'<form method="post" action="/tension".*?</form>',
                     c.get("/tension?lang=fr").text, re.S)
    assert form
    labels = [_text(x) for x in re.findall(r"<label>([^<]+)<select", form.group(0))]
    assert labels[:2] == ["Relations entre groupes", "Déplacements et réfugiés"]
    assert "Forces de sécurité" in labels and "security_forces" not in labels
    english = c.get("/tension?lang=en").text
    assert "Relations between groups" in english
