"""Helpers for the alert and tension tests: a small area tree and incident series.

Four districts (level 2) under two regions; weekly incidents drawn from a seeded Poisson(3)
series for 20 weeks before ``TODAY``; ``plant_surge`` adds a burst in one district's last week.
"""

from __future__ import annotations

import datetime as dt
import uuid

import numpy as np
import sqlalchemy as sa

from salus.domain.incidents import model as m
from salus.storage import repository
from salus.storage import schema as t

TODAY = dt.date(2024, 6, 5)  # a Wednesday: the last complete week is 27 May .. 2 June
LAST_WEEK = dt.date(2024, 5, 27)
DISTRICTS = ("R1-A", "R1-B", "R2-A", "R2-B")


def add_areas(engine: sa.Engine) -> dict[str, int]:
    areas = [m.Area("C", "Verdania", 0), m.Area("R1", "North", 1, "C"),
             m.Area("R2", "South", 1, "C")]
    areas += [m.Area(code, f"District {code}", 2, code[:2]) for code in DISTRICTS]
    with engine.begin() as conn:
        repository.save_areas(conn, areas)
        return repository.area_ids(conn)


def _square(x: int, y: int) -> dict[str, object]:
    ring = [[x, y], [x + 1, y], [x + 1, y + 1], [x, y + 1], [x, y]]
    return {"type": "Polygon", "coordinates": [ring]}


def add_grid(engine: sa.Engine, size: int = 5) -> list[str]:
    """A country of ``size`` × ``size`` square districts ``G<x><y>`` (level 1)."""
    areas = [m.Area("G", "Grid", 0)]
    areas += [m.Area(f"G{x}{y}", f"Cell {x}{y}", 1, "G", geometry=_square(x, y))
              for x in range(size) for y in range(size)]
    with engine.begin() as conn:
        repository.save_areas(conn, areas)
    return [a.code for a in areas[1:]]


def incident_rows(area_id: int, day: dt.date, n: int, iccs: str = "0101") -> list[dict]:
    now = repository.now()
    return [{"uid": str(uuid.uuid4()), "occurred_on": day, "occurred_until": day,
             "date_precision": "day", "area_id": area_id, "iccs_code": iccs,
             "attempted": False, "sensitivity": "restricted", "content_hash": "x",
             "created_at": now, "updated_at": now} for _ in range(n)]


def add_incidents(engine: sa.Engine, area_code: str, day: dt.date, n: int,
                  iccs: str = "0101") -> None:
    """``n`` incidents (records without persons) in ``area_code`` on ``day``."""
    with engine.begin() as conn:
        rows = incident_rows(repository.area_ids(conn)[area_code], day, n, iccs)
        if rows:
            conn.execute(t.incident.insert(), rows)


def seed_weekly(engine: sa.Engine, weeks: int = 20, seed: int = 4) -> None:
    """Areas plus a calm Poisson(3) weekly series in every district, ending last week."""
    ids = add_areas(engine)
    rng = np.random.default_rng(seed)
    rows = []
    for code in DISTRICTS:
        for w in range(weeks):
            day = LAST_WEEK - dt.timedelta(days=7 * w - 2)
            rows += incident_rows(ids[code], day, int(rng.poisson(3)))
    with engine.begin() as conn:
        conn.execute(t.incident.insert(), rows)


def plant_surge(engine: sa.Engine, area_code: str = "R1-A", n: int = 25) -> None:
    add_incidents(engine, area_code, LAST_WEEK + dt.timedelta(days=1), n)
