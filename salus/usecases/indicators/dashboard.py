"""The dashboard's data: headline, monthly trend against the previous year, map, breakdowns.

Every panel is one :func:`~salus.usecases.indicators.compute.compute_indicator` call on the
``dashboard-victims`` definition (victims of the filtered offences per 100,000), so the
dashboard, the indicator pages and the CLI agree. Area scope: a viewer bound to an area sees
only its subtree (a filter outside it falls back to the viewer's own area). Public viewers get
suppressed counts.

Panels and the default year are kept in :mod:`salus.usecases.cache` until the data they read
change (``incidents`` and ``areas`` counters, the ``primary_sources`` setting), per viewer
scope (role, public or not, bound area), filter, panel and threshold.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from importlib import resources
from typing import Any

import sqlalchemy as sa

from salus.analytics.indicators.result import IndicatorResult
from salus.domain.accounts.roles import Permission, Viewer
from salus.storage import schema as t
from salus.storage.versions import INDICATORS
from salus.usecases.cache import cached
from salus.usecases.errors import NotFound, require
from salus.usecases.indicators.compute import compute_indicator
from salus.usecases.scope import area_id_of, area_in_scope

INDICATOR = "dashboard-victims"
PANELS: dict[str, list[str]] = {
    "headline": [], "trend": ["month"], "map": ["area"], "sex": ["sex"],
    "age": ["age_band"], "weapon": ["weapon"], "context": ["iccs_context"],
}


def definitions_folder() -> str:
    return str(resources.files("salus.usecases.indicators").joinpath("dashboard_indicators"))


@dataclass(frozen=True, slots=True)
class DashboardFilter:
    year: int
    area: str | None = None
    offence: str | None = None
    context: str | None = None
    level: int | None = None


def default_year(engine: sa.Engine) -> int:
    """The latest year with incidents (this year when there are none); kept until the
    incidents change (and for the day: "this year" moves)."""
    return cached("dashboard-default-year", engine, ("incidents",), None,
                  dt.date.today().year, lambda: _default_year(engine))


def _default_year(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        latest = conn.execute(sa.select(sa.func.max(t.incident.c.occurred_on))).scalar()
    if isinstance(latest, str):
        latest = dt.date.fromisoformat(latest[:10])
    return latest.year if latest else dt.date.today().year


def scoped(engine: sa.Engine, viewer: Viewer, f: DashboardFilter) -> DashboardFilter:
    """``f`` with its area inside the viewer's scope, and the map level to show."""
    area = f.area
    with engine.connect() as conn:
        area_id = area_id_of(conn, area) if area else None
        if area and area_id is None:
            raise NotFound(f"no area {area}")
        if viewer.area_code and (area_id is None or not area_in_scope(conn, viewer, area_id)):
            area = viewer.area_code
        level = _child_level(conn, area)
    return replace(f, area=area, level=f.level or level)


def _child_level(conn: sa.Connection, area: str | None) -> int | None:
    """The admin level just below ``area`` (or 1 for the whole country) if it exists."""
    a = t.area
    base = 0 if area is None else conn.execute(
        sa.select(a.c.level).where(a.c.code == area)).scalar_one()
    found = conn.execute(sa.select(sa.func.min(a.c.level)).where(
        a.c.level > base, a.c.geometry.is_not(None))).scalar()
    return None if found is None else int(found)


def _filters(f: DashboardFilter) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if f.area:
        out["area"] = f.area
    if f.offence:
        out["offence"] = f.offence
    if f.context:
        out["iccs_context"] = f.context
    return out


def panel(engine: sa.Engine, viewer: Viewer, f: DashboardFilter, name: str,
          threshold: int = 5) -> IndicatorResult:
    """One panel's indicator result for the (already scoped) filter ``f``.

    ``trend_previous`` is the monthly series of the year before, for the comparison line.
    """
    require(viewer.can(Permission.DASHBOARD), "your role does not see the dashboard")
    if name not in PANELS and name != "trend_previous":
        raise NotFound(f"no dashboard panel {name}")
    return cached("dashboard-panel", engine, INDICATORS, viewer, (f, name, threshold),
                  lambda: _panel(engine, viewer, f, name, threshold),
                  settings=("primary_sources",), copy=True)


def _panel(engine: sa.Engine, viewer: Viewer, f: DashboardFilter, name: str,
           threshold: int) -> IndicatorResult:
    by = PANELS.get(name, ["month"])
    year = f.year - 1 if name == "trend_previous" else f.year
    return compute_indicator(
        engine, INDICATOR, period=str(year), by=by, filters=_filters(f),
        level=f.level if name == "map" else None, public=viewer.public,
        suppression_threshold=threshold, definitions=[definitions_folder()])
