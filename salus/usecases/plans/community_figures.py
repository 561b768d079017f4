"""The observatory's figures for one community: indicators and incident counts with trend.

Indicators come from the indicator engine
(:func:`salus.usecases.indicators.compute.compute_indicator`)
for the community's subtree over a period, each with the change on the previous period of the
same length (the engine's ``previous``/``change_pct``): SDG 16.1.1 (homicide victims per
100,000), firearm deaths by context of misuse (SEESAC) and victims of recorded violence by ICCS
situational context. Incident counts by ICCS section (first two digits) are counted in SQL on
the primary series, current against previous period. Public viewers get suppressed counts
("<5", :mod:`salus.analytics.disclosure`).

A period that starts after the latest recorded incident has no data yet (records arrive
late): its indicators are shown as "no data" with no change, never as zero and "−100 %".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from salus.analytics.disclosure import DEFAULT_THRESHOLD, suppressed_label
from salus.domain import taxonomy
from salus.domain.accounts.roles import Viewer
from salus.storage import schema as t
from salus.usecases.alerts.clusters import primary_source_types
from salus.usecases.indicators.compute import compute_indicator
from salus.usecases.indicators.dashboard import INDICATOR as VICTIMS
from salus.usecases.indicators.dashboard import definitions_folder
from salus.usecases.plans.views import latest_incident

FIGURES: tuple[tuple[str, str | None], ...] = (
    ("sdg-16-1-1", None),
    ("firearm-deaths-by-context", "misuse_context"),
    (VICTIMS, "iccs_context"),
)


@dataclass(frozen=True, slots=True)
class Figure:
    """One indicator row for the community: ``group`` is a code (None for the total)."""

    indicator: str
    title: str
    measure: str
    group_key: str | None
    group: str | None
    count: str
    rate: float | None
    previous: str
    change_pct: float | None
    no_data: bool = False
    """The period starts after the latest recorded incident: nothing to count or compare."""


@dataclass(frozen=True, slots=True)
class SectionCount:
    """Incidents of one ICCS section in the period and the previous one (text when public)."""

    section: str
    current: str
    previous: str
    change_pct: float | None


def period_text(start: dt.date, end: dt.date) -> str:
    return f"{start.isoformat()}..{end.isoformat()}"


def indicator_figures(engine: sa.Engine, viewer: Viewer, area_code: str, start: dt.date,
                      end: dt.date, threshold: int = DEFAULT_THRESHOLD) -> list[Figure]:
    """The community's indicators over ``start..end`` (the caller checked the viewer); one
    "no data" row per indicator when the period starts after the latest recorded incident."""
    with engine.connect() as conn:
        latest = latest_incident(conn)
    out: list[Figure] = []
    for indicator, by in FIGURES:
        result = compute_indicator(engine, indicator, period=period_text(start, end),
                                   by=[by] if by else [], filters={"area": area_code},
                                   public=viewer.public, suppression_threshold=threshold,
                                   definitions=[definitions_folder()])
        if latest is None or latest < start:
            out.append(Figure(indicator, result.title, result.measure, None, None, "", None,
                              "", None, no_data=True))
            continue
        for row in result.rows:
            value = getattr(row, result.measure)
            if by and not value and not row.previous:
                continue
            out.append(Figure(indicator, result.title, result.measure, by,
                              row.group.get(by) if by else None,
                              _text(value, row.suppressed, threshold),
                              row.rate, _text(row.previous, False, threshold),
                              row.change_pct))
    return out


def _text(value: int | None, suppressed: bool, threshold: int) -> str:
    if value is None:
        return suppressed_label(threshold) if suppressed else "—"
    return str(value)


def section_counts(engine: sa.Engine, viewer: Viewer, area_id: int, start: dt.date,
                   end: dt.date, threshold: int = DEFAULT_THRESHOLD) -> list[SectionCount]:
    """Incidents by ICCS section in ``start..end`` and in the period just before it."""
    span = end - start + dt.timedelta(days=1)
    before = start - span
    inc = t.incident
    section = sa.func.substr(inc.c.iccs_code, 1, 2).label("section")
    current = sa.case((inc.c.occurred_on >= start, 1), else_=0)
    q = (sa.select(section, sa.func.sum(current).label("current"),
                   sa.func.count().label("total"))
         .where(inc.c.occurred_on >= before, inc.c.occurred_on <= end,
                inc.c.area_id.in_(sa.select(t.area_ancestor.c.area_id)
                                  .where(t.area_ancestor.c.ancestor_id == area_id)))
         .group_by(section).order_by(section))
    with engine.connect() as conn:
        sources = primary_source_types(conn)
        if sources:
            q = q.where(inc.c.id.in_(sa.select(t.incident_source.c.incident_id)
                                     .where(t.incident_source.c.source_type.in_(sources))))
        rows = conn.execute(q).all()
    return [_section(r, viewer.public, threshold) for r in rows]


def _section(r: Any, public: bool, threshold: int) -> SectionCount:
    now, prev = int(r.current or 0), int(r.total) - int(r.current or 0)
    change = None if prev == 0 else round(100 * (now - prev) / prev, 1)

    def shown(n: int) -> str:
        return suppressed_label(threshold) if public and 0 < n < threshold else str(n)

    if public and (0 < now < threshold or 0 < prev < threshold):
        change = None
    return SectionCount(str(r.section), shown(now), shown(prev), change)


def section_label(code: str, language: str = "en") -> str:
    iccs = taxonomy.load("iccs")
    return iccs.label(code, language) if code in iccs else code
