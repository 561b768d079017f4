"""The hot-spot map: Gi* on queen contiguity finds a planted cluster of districts."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alerts_support import add_grid, incident_rows
from web_support import add_cast, client, sign_in

from salus.domain.accounts.roles import SYSTEM_VIEWER
from salus.storage import repository
from salus.storage import schema as t
from salus.usecases.alerts import hotspots as hotspot_views

DAY = dt.date(2024, 3, 10)


def _cluster(engine: sa.Engine) -> None:
    codes = add_grid(engine)
    with engine.begin() as conn:
        ids = repository.area_ids(conn)
        rows = []
        for code in codes:
            hot = code in ("G00", "G01", "G10", "G11")
            rows += incident_rows(ids[code], DAY, 30 if hot else 2 + int(code[2]) % 2)
        conn.execute(t.incident.insert(), rows)


def test_gi_star_flags_the_planted_cluster_and_the_map_page_shows_it(engine: sa.Engine) -> None:
    _cluster(engine)
    values = hotspot_views.hotspots(engine, SYSTEM_VIEWER, 1, dt.date(2024, 1, 1),
                                    dt.date(2024, 12, 31))
    assert len(values) == 25 and values["G00"]["count"] == 30
    hot = {code for code, v in values.items() if v["class"] == "hot"}
    assert {"G00", "G11"} <= hot and not any(c[1] >= "3" or c[2] >= "3" for c in hot)
    assert values["G00"]["z"] > 3 > values["G44"]["z"]
    add_cast(engine)
    ana = client(engine)
    sign_in(ana, "ana")
    page = ana.get("/hotspots?level=1&days=365&end=2024-12-31")
    assert page.status_code == 200 and 'id="hotspot-map"' in page.text
    assert page.text.count('<tr class="hot">') == len(hot)
