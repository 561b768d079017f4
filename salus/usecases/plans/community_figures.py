"""The observatory's figures for one community: indicators and incident counts with trend.

Indicators come from the indicator engine
(:func:`salus.usecases.indicators.compute.compute_indicator`)
for the community's subtree over a period, each with the change on the previous period of the
same length (the engine's ``previous``/``change_pct``): SDG 16.1.1 (homicide victims per
100,000), firearm deaths by context of misuse (SEESAC) and victims of recorded violence by ICCS
situational context. Incident counts by ICCS section (first two digits) are counted in SQL on
the primary series (crimes only: police actions and misdemeanours are left out as the
indicator engine leaves them out), current against previous period. Public viewers get
suppressed counts ("<5", :mod:`salus.analytics.disclosure`).

A period that starts after the latest recorded incident has no data yet (records arrive
late): its indicators are shown as "no data" with no change, never as zero and "−100 %".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from salus.analytics.disclosure import (
    COMPLEMENTARY_LABEL,
    DEFAULT_THRESHOLD,
    Relation,
    complementary_suppression,
    suppressed_label,
)
from salus.domain import taxonomy
from salus.domain.accounts.roles import Viewer
from salus.domain.incidents.offences import crime_conditions
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
                              _text(value, row.suppressed or result.measure in row.withheld,
                                    row.hidden_label(result.measure, threshold)),
                              row.rate, _text(row.previous, "previous" in row.withheld,
                                              COMPLEMENTARY_LABEL),
                              row.change_pct))
    return out


def _text(value: int | None, hidden: bool, label: str) -> str:
    """A count as shown: ``label`` (``<5`` or ``c``) where public output withheld it."""
    if value is None:
        return label if hidden else "—"
    return str(value)


def section_counts(engine: sa.Engine, viewer: Viewer, area_id: int, start: dt.date,
                   end: dt.date, threshold: int = DEFAULT_THRESHOLD) -> list[SectionCount]:
    """Incidents by ICCS section in ``start..end`` and in the period just before it.

    Public viewers get them protected against subtraction across the community pages
    (:func:`protected_sections`): any area has a page, and an area's count of a section is the
    sum of its sub-areas' counts."""
    span = end - start + dt.timedelta(days=1)
    before = start - span
    with engine.connect() as conn:
        if viewer.public:
            table = protected_sections(conn, start, end, threshold)
            return table.get(area_id, [])
        rows = _section_rows(conn, before, start, end, area_id)
    return [_section(str(r.section), int(r.current or 0), int(r.total) - int(r.current or 0),
                     {}) for r in rows]


def _section_rows(conn: sa.Connection, before: dt.date, start: dt.date, end: dt.date,
                  area_id: int | None) -> list[Any]:
    """(section, current, total) rows of the primary series' crimes (police actions and
    misdemeanours are not ICCS sections: :func:`~salus.domain.incidents.offences.crime_conditions`);
    by leaf area when ``area_id`` is None (one more column, ``area``), else for its subtree."""
    inc = t.incident
    section = sa.func.substr(inc.c.iccs_code, 1, 2).label("section")
    current = sa.case((inc.c.occurred_on >= start, 1), else_=0)
    columns: list[Any] = [section, sa.func.sum(current).label("current"),
                          sa.func.count().label("total")]
    q = sa.select(*columns).where(inc.c.occurred_on >= before, inc.c.occurred_on <= end,
                                  *crime_conditions(inc.c.iccs_code))
    if area_id is None:
        q = q.add_columns(inc.c.area_id.label("area")).group_by(section, inc.c.area_id)
    else:
        q = q.where(inc.c.area_id.in_(sa.select(t.area_ancestor.c.area_id)
                                      .where(t.area_ancestor.c.ancestor_id == area_id)))
        q = q.group_by(section).order_by(section)
    sources = primary_source_types(conn)
    if sources:
        q = q.where(inc.c.id.in_(sa.select(t.incident_source.c.incident_id)
                                 .where(t.incident_source.c.source_type.in_(sources))))
    return list(conn.execute(q).all())


def protected_sections(conn: sa.Connection, start: dt.date, end: dt.date,
                       threshold: int = DEFAULT_THRESHOLD) -> dict[int, list[SectionCount]]:
    """The published section counts of every area's community page for ``start..end``.

    Cells: (area, section, this period or the one before). Relations: each area's cell is the
    sum of the same cell of its child areas (incidents recorded at the area itself taken as
    known, the cautious assumption). :func:`salus.analytics.disclosure.complementary_suppression`
    hides 1–4 as ``<5`` and the complements that stop a ``<5`` being worked out by subtraction
    as ``c`` (Hundepool et al. 2012, §4.4); a change is withheld when either count is hidden.
    """
    span = end - start + dt.timedelta(days=1)
    before = start - span
    ancestors: dict[int, list[int]] = {}
    for a, anc in conn.execute(sa.select(t.area_ancestor.c.area_id,
                                         t.area_ancestor.c.ancestor_id)):
        ancestors.setdefault(int(a), []).append(int(anc))
    parents = {int(i): (None if p is None else int(p)) for i, p in conn.execute(
        sa.select(t.area.c.id, t.area.c.parent_id))}
    counts: dict[tuple[int, str], list[int]] = {}
    for r in _section_rows(conn, before, start, end, None):
        if r.area is None:
            continue
        now, total = int(r.current or 0), int(r.total)
        for anc in ancestors.get(int(r.area), [int(r.area)]):
            cell = counts.setdefault((anc, str(r.section)), [0, 0])
            cell[0] += now
            cell[1] += total - now
    sections = sorted({section for _, section in counts})
    index: dict[tuple[int, str, int], int] = {}
    values: list[float] = []
    for area in parents:
        for section in sections:
            for which in (0, 1):
                index[area, section, which] = len(values)
                values.append(counts.get((area, section), [0, 0])[which])
    children: dict[int, list[int]] = {}
    for child, parent in parents.items():
        if parent is not None:
            children.setdefault(parent, []).append(child)
    relations = [Relation(index[area, section, which],
                          tuple(index[k, section, which] for k in kids))
                 for area, kids in children.items() for section in sections
                 for which in (0, 1)]
    s = complementary_suppression(values, relations, threshold)
    small = suppressed_label(threshold)

    def shown(area: int, section: str, which: int) -> str | None:
        i = index[area, section, which]
        if not s.hidden[i]:
            return None
        return small if s.small_label[i] else COMPLEMENTARY_LABEL

    out: dict[int, list[SectionCount]] = {}
    for (area, section), (now, prev) in sorted(counts.items()):
        if now == 0 and prev == 0:
            continue
        out.setdefault(area, []).append(_section(section, now, prev, {
            0: shown(area, section, 0), 1: shown(area, section, 1)}))
    return out


def _section(section: str, now: int, prev: int, hidden: dict[int, str | None]
             ) -> SectionCount:
    """One row; ``hidden`` maps 0 (this period) and 1 (the one before) to the label a withheld
    count reads as (public output), and the change is withheld with either count."""
    change = None if prev == 0 else round(100 * (now - prev) / prev, 1)
    current, previous = hidden.get(0), hidden.get(1)
    if current is not None or previous is not None:
        change = None
    return SectionCount(section, current or str(now), previous or str(prev), change)


def section_label(code: str, language: str = "en") -> str:
    iccs = taxonomy.load("iccs")
    return iccs.label(code, language) if code in iccs else code
