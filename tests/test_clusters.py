"""Space-time cluster map: the prospective permutation scan over incidents per area and day."""

from __future__ import annotations

import datetime as dt

import numpy as np
import sqlalchemy as sa
from alerts_support import add_grid, incident_rows
from web_support import add_cast, client, sign_in

from salus.domain.accounts.roles import SYSTEM_VIEWER
from salus.storage import repository
from salus.storage import schema as t
from salus.usecases.alerts import clusters

LAST = dt.date(2024, 6, 30)


def _burst(engine: sa.Engine) -> None:
    """Half a calm year on a 5 × 5 grid, then a burst in G00 and G01 (a corner), last ten days."""
    codes = add_grid(engine)
    rng = np.random.default_rng(11)
    with engine.begin() as conn:
        ids = repository.area_ids(conn)
        rows = []
        for code in codes:
            for day in range(0, 180, 3):
                rows += incident_rows(ids[code], LAST - dt.timedelta(days=day),
                                      int(rng.poisson(1.0)))
        for code in ("G00", "G01"):
            for day in range(10):
                rows += incident_rows(ids[code], LAST - dt.timedelta(days=day), 3)
        conn.execute(t.incident.insert(), rows)


def test_a_planted_burst_in_two_neighbouring_areas_is_the_most_likely_cluster(
        engine: sa.Engine) -> None:
    _burst(engine)
    view = clusters.clusters(engine, SYSTEM_VIEWER, level=1, days=180, replicates=49,
                             seed=3)
    assert view.last == LAST and view.first == LAST - dt.timedelta(days=179)
    top = view.clusters[0]
    assert {"G00", "G01"} <= set(top["areas"]) and len(top["areas"]) <= 3
    assert top["p"] < 0.05 and top["observed"] > top["expected"]
    assert LAST - dt.timedelta(days=14) <= top["start"] and top["end"] == LAST
    assert view.marks()["G01"]["rank"] == 1


def test_an_offence_filter_without_incidents_finds_no_cluster(engine: sa.Engine) -> None:
    _burst(engine)
    view = clusters.clusters(engine, SYSTEM_VIEWER, level=1, offence="0201", replicates=9)
    assert view.clusters == [] and view.total == 0


def test_the_cluster_page_renders_for_an_analyst_and_is_forbidden_to_the_public(
        engine: sa.Engine) -> None:
    _burst(engine)
    add_cast(engine)
    ana = client(engine)
    sign_in(ana, "ana")
    page = ana.get("/clusters?level=1&days=180&replicates=199")
    assert page.status_code == 200 and 'id="cluster-map"' in page.text
    assert 'id="clusters"' in page.text and "Cell 01" in page.text
    assert '<a href="/clusters">Clusters</a>' in page.text
    pub = client(engine)
    sign_in(pub, "pub")
    assert pub.get("/clusters").status_code == 403


def test_only_incidents_of_the_primary_series_are_scanned(engine: sa.Engine) -> None:
    _burst(engine)
    with engine.begin() as conn:
        first = conn.scalar(sa.select(sa.func.min(t.incident.c.id)))
        conn.execute(t.incident_source.insert(), [{"incident_id": first, "source_type": "police",
                                                   "source_name": "PN", "record_id": "1"}])
        repository.set_setting(conn, "primary_sources", ["police"])
    view = clusters.clusters(engine, SYSTEM_VIEWER, level=1, days=180, replicates=0)
    assert view.total == 1 and view.clusters == []
