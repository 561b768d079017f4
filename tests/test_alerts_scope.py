"""Area scope of early warning beyond alerts: hot spots, space-time clusters, the tension index.

Two regions of nine square districts each, side by side (R1 at x 0–2, R2 at x 3–5, so R1-2y
and R2-0y share an edge). A user bound to R2 gets every figure computed on R2 alone: a surge in
R1 changes nothing they see, on the pages or in the API, and R1's alerts are "not found".
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alerts_support import incident_rows
from web_support import PASSWORD, add_cast, client, csrf_from, sign_in

from salus.domain.accounts.roles import SYSTEM_VIEWER, Viewer
from salus.domain.incidents import model as m
from salus.storage import repository
from salus.storage import schema as t
from salus.storage.alerts import TENSION_THEMES
from salus.usecases.accounts import users as accounts
from salus.usecases.alerts import clusters, hotspots, tension
from salus.usecases.alerts import workflow as alerts

DAY = dt.date(2024, 3, 10)
FIRST, LAST = dt.date(2024, 1, 1), dt.date(2024, 3, 31)
HOT_R1 = ("R1-00", "R1-01", "R1-10", "R1-11")


def _square(x: int, y: int) -> dict[str, object]:
    ring = [[x, y], [x + 1, y], [x + 1, y + 1], [x, y + 1], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


def _regions(engine: sa.Engine) -> dict[str, int]:
    areas = [m.Area("C", "Verdania", 0), m.Area("R1", "North", 1, "C"),
             m.Area("R2", "South", 1, "C")]
    for region, x0 in (("R1", 0), ("R2", 3)):
        areas += [m.Area(f"{region}-{x}{y}", f"District {region}-{x}{y}", 2, region,
                         geometry=_square(x0 + x, y)) for x in range(3) for y in range(3)]
    with engine.begin() as conn:
        repository.save_areas(conn, areas)
        ids = repository.area_ids(conn)
        rows = []
        for code in ids:
            if code.startswith("R") and "-" in code:
                rows += incident_rows(ids[code], DAY - dt.timedelta(days=int(code[-1])),
                                      2 + int(code[-2]) % 2 + (3 if code == "R2-22" else 0))
        conn.execute(t.incident.insert(), rows)
    return ids


def _surge_in_r1(engine: sa.Engine, ids: dict[str, int]) -> None:
    """Forty incidents in each of four R1 districts, the last one after R2's latest day."""
    with engine.begin() as conn:
        for code in HOT_R1:
            conn.execute(t.incident.insert(), incident_rows(ids[code], DAY, 39))
            conn.execute(t.incident.insert(), incident_rows(ids[code], DAY + dt.timedelta(3), 1))


def _tension_alert_in_r1(engine: sa.Engine) -> int:
    for i, level in enumerate((2, 2, 3, 2, 2, 5)):
        for code in ("R1-00", "R2-00"):
            score = level if code == "R1-00" else 2
            tension.submit(engine, SYSTEM_VIEWER, code, dt.date(2024, 1 + i, 1),
                           dict.fromkeys(TENSION_THEMES, score))
    (fired,) = tension.run_tension_alerts(engine).fired
    return int(fired["id"])


def _bound_to(engine: sa.Engine, code: str) -> Viewer:
    with engine.connect() as conn:
        area_id = repository.area_ids(conn)[code]
    return Viewer.for_role("rita", "analyst", area_id=area_id, area_code=code)


def test_hot_spots_and_clusters_of_a_user_bound_to_r2_are_computed_on_r2_alone(
        engine: sa.Engine) -> None:
    ids = _regions(engine)
    rita = _bound_to(engine, "R2")
    spots = hotspots.hotspots(engine, rita, 2, FIRST, LAST)
    scan = clusters.clusters(engine, rita, level=2, days=90, replicates=19)
    everyone = hotspots.hotspots(engine, SYSTEM_VIEWER, 2, FIRST, LAST)
    assert sorted(spots) == sorted(c for c in ids if c.startswith("R2-"))
    assert scan.last == DAY and scan.total == sum(v["count"] for v in spots.values())
    _surge_in_r1(engine, ids)
    assert hotspots.hotspots(engine, rita, 2, FIRST, LAST) == spots
    assert clusters.clusters(engine, rita, level=2, days=90, replicates=19) == scan
    # the unbound computation does see R1 (its neighbours' counts move R2's z-scores)
    after = hotspots.hotspots(engine, SYSTEM_VIEWER, 2, FIRST, LAST)
    assert len(after) == 18 and after["R2-01"]["z"] != everyone["R2-01"]["z"]
    assert {"R1-00", "R1-01", "R1-10"} <= {c for c, v in after.items() if v["class"] == "hot"}
    assert clusters.clusters(engine, SYSTEM_VIEWER, level=2, days=90,
                             replicates=19).last == DAY + dt.timedelta(3)


def test_the_tension_index_of_a_user_bound_to_r2_holds_r2_localities_only(
        engine: sa.Engine) -> None:
    _regions(engine)
    _tension_alert_in_r1(engine)
    rita = _bound_to(engine, "R2")
    assert {p.area_code for p in tension.index(engine, rita)} == {"R2-00"}
    assert tension.index(engine, rita, "R1-00") == []
    assert {p.area_code for p in tension.index(engine, SYSTEM_VIEWER)} == {"R1-00", "R2-00"}


def test_an_analyst_bound_to_r2_sees_no_r1_figure_on_the_pages_or_in_the_api(
        engine: sa.Engine) -> None:
    ids = _regions(engine)
    _surge_in_r1(engine, ids)
    alert_id = _tension_alert_in_r1(engine)
    add_cast(engine)
    accounts.create_user(engine, SYSTEM_VIEWER, "rita", PASSWORD, "analyst", area_code="R2")
    window = "level=2&days=90&end=2024-03-31"
    rita = client(engine)
    sign_in(rita, "rita")
    page = rita.get(f"/hotspots?{window}")
    assert page.status_code == 200 and page.text.count("<tr class=") == 9
    for path in (f"/hotspots?{window}", "/clusters?level=2&days=90", "/tension",
                 "/alerts?status=all"):
        text = rita.get(path).text
        assert "R1-" not in text and "North" not in text, path
    assert "R2-00" in rita.get("/tension").text
    api = {"hotspots": rita.get(f"/api/v1/hotspots?{window}").json(),
           "clusters": rita.get("/api/v1/clusters?level=2&days=90&replicates=19").json(),
           "tension": rita.get("/api/v1/tension").json(),
           "alerts": rita.get("/api/v1/alerts").json()["items"]}
    assert sorted(api["hotspots"]["values"]) == [f"R2-{x}{y}" for x in range(3) for y in range(3)]
    assert api["clusters"]["last"] == DAY.isoformat() and api["alerts"] == []
    assert {p["area_code"] for p in api["tension"]} == {"R2-00"}
    assert "R1-" not in str(api)
    ana = client(engine)
    sign_in(ana, "ana")
    seen = ana.get(f"/api/v1/hotspots?{window}").json()["values"]
    assert seen["R1-00"]["class"] == "hot" and len(seen) == 18
    assert "R1-00" in ana.get(f"/hotspots?{window}").text
    assert "R1-00" in ana.get("/tension").text
    assert [a["area_code"] for a in ana.get("/api/v1/alerts").json()["items"]] == ["R1-00"]
    assert ana.get(f"/api/v1/alerts/{alert_id}").json()["status"] == "new"


def test_an_analyst_bound_to_r2_cannot_move_an_r1_alert_the_unbound_analyst_can(
        engine: sa.Engine) -> None:
    _regions(engine)
    alert_id = _tension_alert_in_r1(engine)
    add_cast(engine)
    accounts.create_user(engine, SYSTEM_VIEWER, "rita", PASSWORD, "analyst", area_code="R2")
    rita = client(engine)
    csrf = sign_in(rita, "rita")
    headers = {"X-CSRF-Token": csrf}
    assert rita.get(f"/api/v1/alerts/{alert_id}").status_code == 404
    moved = rita.post(f"/api/v1/alerts/{alert_id}/transition", headers=headers,
                      json={"status": "dismissed", "note": "not mine"})
    assert moved.status_code == 404 and moved.json()["status"] == 404
    form = rita.post(f"/alerts/{alert_id}/transition",
                     data={"status": "dismissed", "csrf_token": csrf})
    assert form.status_code == 404
    assert alerts.get_alert(engine, alert_id, SYSTEM_VIEWER)["status"] == "new"
    ana = client(engine)
    ana_csrf = sign_in(ana, "ana")
    done = ana.post(f"/api/v1/alerts/{alert_id}/transition",
                    headers={"X-CSRF-Token": ana_csrf},
                    json={"status": "dismissed", "note": "false alarm"})
    assert done.status_code == 200 and done.json()["status"] == "dismissed"
    assert done.json()["events"][-1]["actor"] == "ana"
    page = ana.get(f"/alerts/{alert_id}")
    assert csrf_from(page.text) and "false alarm" in page.text
