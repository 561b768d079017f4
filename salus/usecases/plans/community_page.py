"""One page per community: indicators and trend, open alerts, plan progress, verified reports.

Computed once (:class:`CommunityPage`) and rendered by the web page, the public page and the
API. The year shown is the latest with incidents (as on the dashboard). Public viewers (and
``salus serve --public``) get the same page without identifying data: counts from 1 to 4 as
"<5" (:mod:`salus.analytics.disclosure`), no facilitator, assignee, note, evidence or reporter,
alerts without their notes, and only published citizen reports with coarse places.

The figures (indicators, sections, trend, perception) are kept until the incidents, areas,
surveys or the ``primary_sources`` setting change, per viewer scope and area
(:mod:`salus.usecases.cache`); alerts, plans and reports are read on each request (they have
no data-version counter).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from salus.analytics.disclosure import DEFAULT_THRESHOLD, suppressed_label
from salus.analytics.indicators.result import IndicatorResult
from salus.domain.accounts.roles import Permission, Viewer
from salus.storage import schema as t
from salus.usecases.alerts import workflow as alerts
from salus.usecases.cache import cached
from salus.usecases.errors import NotFound
from salus.usecases.indicators.compute import compute_indicator
from salus.usecases.indicators.dashboard import INDICATOR, default_year, definitions_folder
from salus.usecases.plans.common import AreaRef, area_ref, check_read
from salus.usecases.plans.community_figures import (
    Figure,
    SectionCount,
    indicator_figures,
    section_counts,
)
from salus.usecases.plans.views import PlanView, get_plan, list_plans
from salus.usecases.scope import area_id_of, subtree
from salus.usecases.surveys.community import perception_figures


@dataclass(frozen=True, slots=True)
class CommunityPage:
    area: AreaRef
    year: int
    figures: list[Figure]
    sections: list[SectionCount]
    trend: IndicatorResult
    """Victims by month over the year shown and the year before (one computation)."""
    alerts: list[dict[str, Any]]
    plans: list[PlanView]
    reports: list[Any]
    public: bool
    threshold: int
    perception: list[Any] = field(default_factory=list)
    """Survey indicators of the community (:mod:`salus.usecases.surveys.community`)."""


def community_page(engine: sa.Engine, viewer: Viewer, area_code: str,
                   today: dt.date | None = None,
                   threshold: int = DEFAULT_THRESHOLD) -> CommunityPage:
    """Everything the community page shows for ``area_code`` (404 outside the viewer's scope)."""
    with engine.connect() as conn:
        if area_id_of(conn, area_code) is None:
            raise NotFound(f"no community with code {area_code!r}")
        area = area_ref(conn, area_code)
        check_read(conn, viewer, area.id)
    year = default_year(engine)
    figures, sections, trend, perception = cached(
        "community-figures", engine, ("incidents", "areas", "surveys"), viewer,
        (area.id, area.code, year, threshold),
        lambda: _figures(engine, viewer, area, year, threshold),
        settings=("primary_sources",), copy=True)
    plans = [get_plan(engine, viewer, s.id, today, threshold)
             for s in list_plans(engine, viewer, area.code, today)]
    return CommunityPage(
        area, year, figures, sections, trend,
        open_alerts(engine, viewer, area.id, threshold), plans,
        verified_reports(engine, viewer, area.code), viewer.public, threshold, perception)


def _figures(engine: sa.Engine, viewer: Viewer, area: AreaRef, year: int, threshold: int
             ) -> tuple[list[Figure], list[SectionCount], IndicatorResult, list[Any]]:
    """The community's figures for ``year`` (indicators, sections, trend, perception)."""
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    trend = compute_indicator(engine, INDICATOR, period=f"{year - 1}..{year}", by=["month"],
                              filters={"area": area.code}, public=viewer.public,
                              suppression_threshold=threshold,
                              definitions=[definitions_folder()])
    return (indicator_figures(engine, viewer, area.code, start, end, threshold),
            section_counts(engine, viewer, area.id, start, end, threshold), trend,
            list(perception_figures(engine, viewer, area.code)))


def open_alerts(engine: sa.Engine, viewer: Viewer, area_id: int,
                threshold: int = DEFAULT_THRESHOLD) -> list[dict[str, Any]]:
    """Open alerts of the community's subtree (public: period, place and suppressed count)."""
    with engine.connect() as conn:
        inside = set(conn.scalars(subtree(area_id)).all())
    rows = [a for a in alerts.list_alerts(engine, viewer, "open", limit=1000)
            if a["area_id"] in inside]
    if not viewer.public and viewer.can(Permission.READ_RECORDS):
        return rows
    keep = ("id", "area_code", "area_name", "period_start", "period_end", "status", "method")
    out = []
    for a in rows:
        item = {k: a[k] for k in keep}
        observed = int(a["observed"])
        item["observed"] = (suppressed_label(threshold) if 0 < observed < threshold
                            else str(observed))
        out.append(item)
    return out


def verified_reports(engine: sa.Engine, viewer: Viewer, area_code: str,
                     limit: int = 10) -> list[Any]:
    """Recent verified citizen reports (published only, unless the viewer may read records)."""
    try:
        from salus.usecases.citizen_reports.public import recent_reports
    except ImportError:  # the citizen-report module is not installed
        return []
    full = not viewer.public and (viewer.can(Permission.READ_RECORDS)
                                  or viewer.can(Permission.VERIFY_REPORTS))
    return list(recent_reports(engine, viewer, area_code, limit, public=not full))


def communities(engine: sa.Engine, viewer: Viewer) -> list[AreaRef]:
    """Areas that have an assessment or a plan, in the viewer's scope (for the index page)."""
    from salus.storage import plans as p
    from salus.usecases.plans.common import can_read
    from salus.usecases.scope import area_condition

    can_read(viewer)
    ids = sa.union(sa.select(p.community_assessment.c.area_id),
                   sa.select(p.safety_plan.c.area_id)).subquery()
    a = t.area
    q = (sa.select(a.c.id, a.c.code, a.c.name, a.c.level).where(a.c.id.in_(sa.select(ids)))
         .where(*area_condition(a.c.id, viewer)).order_by(a.c.level, a.c.code))
    with engine.connect() as conn:
        return [AreaRef(int(r.id), r.code, r.name, int(r.level)) for r in conn.execute(q)]
