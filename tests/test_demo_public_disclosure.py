"""No small count of the public site can be worked out from its other figures (issue 15, item 3).

An anonymous visitor of ``salus serve --public`` on the demo reads the dashboard's tables
through the public API (headline, map, sex, age band, month, weapon, context) for the country,
every region and the districts of two regions; each table alone suppressed its small counts,
but a region total minus its published districts gave a hidden district back (4 of 24 parents
in the demo). Here every subtraction a visitor can make is tried (a parent minus its published
children, a total minus its published breakdown), then the linear-programming audit of
:func:`salus.analytics.disclosure.recoverable_cells` over all of them at once: no hidden cell may
be narrowed to a single value. The true counts (for the audit's remainders) come from the same
panels computed for an analyst.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pytest
import sqlalchemy as sa
from support_db import new_store
from web_support import client

from salus.analytics.disclosure import Relation, recoverable_cells
from salus.demo.build import build_demo
from salus.domain.accounts.roles import SYSTEM_VIEWER
from salus.usecases.indicators import dashboard

pytestmark = pytest.mark.slow

YEAR = 2024
BREAKDOWNS = {"sex": "sex", "age": "age_band", "trend": "month", "weapon": "weapon",
              "context": "iccs_context"}
Cell = tuple[str, tuple[str, str] | None]  # (area, "" for the country; (dimension, category))


@dataclass
class Published:
    """Every figure the visitor read: "<5", "c" or a number; and the true counts."""

    shown: dict[Cell, str | int] = field(default_factory=dict)
    truth: dict[Cell, int] = field(default_factory=dict)
    children: dict[str, list[str]] = field(default_factory=dict)


@pytest.fixture(scope="module")
def demo(request: pytest.FixtureRequest) -> sa.Engine:
    engine = new_store(request, "sqlite")
    build_demo(engine, incidents=2000, years=(YEAR - 1, YEAR))
    return engine


def _table(c: object, panel: str, area: str) -> list[dict[str, object]]:
    query = f"year={YEAR}" + (f"&area={area}" if area else "")
    r = c.get(f"/api/v1/dashboard/{panel}?{query}")  # type: ignore[attr-defined]
    assert r.status_code == 200, (panel, area, r.text)
    body = r.json()
    return [dict(zip(body["columns"], row, strict=True)) for row in body["rows"]]


def _truth(engine: sa.Engine, panel: str, area: str) -> list[dict[str, object]]:
    f = dashboard.scoped(engine, SYSTEM_VIEWER, dashboard.DashboardFilter(YEAR, area or None))
    result = dashboard.panel(engine, SYSTEM_VIEWER, f, panel)
    return [row.values() for row in result.rows]


def _read(published: Published, engine: sa.Engine, c: object, area: str) -> None:
    for panel, dim in (("headline", None), ("map", "area"), *BREAKDOWNS.items()):
        for row, true in zip(_table(c, panel, area), _truth(engine, panel, area), strict=True):
            if dim is None:
                cell: Cell = (area, None)
            elif dim == "area":
                cell = (str(row["area"]), None)
                published.children.setdefault(area, []).append(str(row["area"]))
            else:
                cell = (area, (dim, str(row[dim])))
            value = row["victims"]
            assert value in ("<5", "c") or isinstance(value, int), (cell, value)
            assert published.shown.setdefault(cell, value) == value, f"{cell} differs"
            published.truth[cell] = int(true["victims"])  # type: ignore[call-overload]


@pytest.fixture(scope="module")
def published(demo: sa.Engine) -> Published:
    c = client(demo, public=True)
    out = Published()
    _read(out, demo, c, "")
    regions = list(out.children[""])
    for region in regions:
        _read(out, demo, c, region)
    for region in regions[:2]:
        for district in out.children[region]:
            _read(out, demo, c, district)
    return out


def _relations(p: Published) -> list[tuple[Cell, list[Cell]]]:
    """(total, parts) of every additive relation among the published cells."""
    out: list[tuple[Cell, list[Cell]]] = []
    for parent, kids in p.children.items():
        out.append(((parent, None), [(k, None) for k in kids]))
        for cell in [c for c in p.shown if c[0] == parent and c[1] is not None]:
            parts = [(k, cell[1]) for k in kids]
            if all(part in p.shown for part in parts):
                out.append((cell, parts))
    areas = {area for area, _ in p.shown}
    for area in areas:
        for dim in BREAKDOWNS.values():
            parts = [c for c in p.shown if c[0] == area and c[1] is not None and c[1][0] == dim]
            if parts and (area, None) in p.shown:
                out.append(((area, None), parts))
    return out


def test_no_hidden_figure_is_a_published_total_minus_the_published_rest(
        published: Published) -> None:
    hidden = {c for c, v in published.shown.items() if isinstance(v, str)}
    assert any(v == "<5" for v in published.shown.values())
    relations = _relations(published)
    assert len(relations) > 100
    alone = [(total, parts) for total, parts in relations
             if len(hidden.intersection([total, *parts])) == 1]
    assert alone == []
    assert published.shown[("", None)] == published.truth[("", None)]  # the national total


def test_the_linear_programming_audit_recovers_no_hidden_figure_from_all_tables_at_once(
        published: Published) -> None:
    cells = list(published.shown)
    index = {c: i for i, c in enumerate(cells)}
    counts = np.array([published.truth[c] for c in cells], dtype=float)
    hidden = np.array([isinstance(published.shown[c], str) for c in cells])
    small = np.array([published.shown[c] == "<5" for c in cells])
    relations = [Relation(index[t], tuple(index[p] for p in parts))
                 for t, parts in _relations(published)]
    exposed = recoverable_cells(counts, hidden, relations, small=small)
    assert [(cells[r.cell], r.low, r.high) for r in exposed] == []


def test_the_map_page_shows_a_withheld_complement_as_c(demo: sa.Engine,
                                                      published: Published) -> None:
    region = next(r for r in published.children[""] if any(
        published.shown[(d, None)] == "c" for d in published.children[r]))
    page = client(demo, public=True).get(f"/dashboard/panel/map?year={YEAR}&area={region}").text
    cells = re.findall(r'<td class="num">([^<]*)</td>', page)
    assert "c" in cells
    assert "“c”: withheld so that no small count can be worked out" in page
