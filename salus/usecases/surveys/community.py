"""Perception indicators of one community, from the latest estimated wave of each survey.

For a community (an area), every survey visible to the viewer that covers it (its own area is
the community or one above it, or it has none) gives, for its latest wave with a design, each
mapped SDG 16 indicator estimated by area at the community's level — the community's row of
a domain estimate on the full design. Community pages show them beside the incident
indicators; assessments take them as their survey results (no retyping). Public viewers get
suppressed rows blank (:mod:`.estimates`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from salus.domain.accounts.roles import Viewer
from salus.storage import schema as t
from salus.storage.surveys import schema as s
from salus.usecases.errors import NotFound, ValidationFailed
from salus.usecases.surveys.common import visible
from salus.usecases.surveys.estimates import EstimateRow, Options, estimate_indicator


@dataclass(frozen=True, slots=True)
class PerceptionFigure:
    survey: str
    survey_title: str
    wave: str
    period_end: str | None
    indicator: str
    sdg: str
    title: str
    row: EstimateRow


def perception_figures(engine: sa.Engine, viewer: Viewer, area_code: str,
                       survey: str | None = None, wave: str | None = None
                       ) -> list[PerceptionFigure]:
    """The community's survey indicators (see the module docstring); ``survey``/``wave``
    pick one survey and wave instead of every survey's latest."""
    with engine.connect() as conn:
        area = conn.execute(sa.select(t.area.c.id, t.area.c.level)
                            .where(t.area.c.code == area_code)).first()
        if area is None:
            raise NotFound(f"no area {area_code!r}")
        sources = [r for r in _waves(conn, int(area.id), survey, wave)
                   if visible(conn, viewer, r.area_id)]
    out: list[PerceptionFigure] = []
    for src in sources:
        for indicator in sorted(src.indicator_map or {}):
            try:
                result = estimate_indicator(engine, viewer, src.code, src.label, indicator,
                                            Options(by=("area",), area_level=int(area.level)))
            except (ValidationFailed, NotFound):
                continue
            out += [PerceptionFigure(src.code, src.title, src.label,
                                     None if src.period_end is None else str(src.period_end),
                                     result.indicator, result.sdg, result.title, r)
                    for r in result.rows if r.domain.get("area") == area_code]
    return out


def _waves(conn: sa.Connection, area_id: int, survey: str | None,
           wave: str | None) -> list[Any]:
    """Each covering survey's latest wave with a design (or the one asked for)."""
    sv, w, d, anc = s.survey, s.survey_wave, s.survey_design, t.area_ancestor
    covers = sa.or_(sv.c.area_id.is_(None), sv.c.area_id.in_(
        sa.select(anc.c.ancestor_id).where(anc.c.area_id == area_id)))
    q = (sa.select(sv.c.code, sv.c.title, sv.c.area_id, sv.c.indicator_map, w.c.label,
                   w.c.period_end, w.c.id)
         .select_from(sv.join(w, w.c.survey_id == sv.c.id).join(d, d.c.wave_id == w.c.id))
         .where(covers).order_by(sv.c.code, w.c.id.desc()))
    if survey is not None:
        q = q.where(sv.c.code == survey)
    if wave is not None:
        q = q.where(w.c.label == wave)
    latest: dict[str, Any] = {}
    for row in conn.execute(q):
        latest.setdefault(str(row.code), row)
    return list(latest.values())
