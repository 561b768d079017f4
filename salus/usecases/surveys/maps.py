"""A survey indicator by area, for maps and the API beside the incident indicators.

Each survey visible to the viewer that maps the indicator gives, from its latest wave with a
design (or the survey and wave asked for), the indicator estimated by area at ``level`` — a
domain estimate on the full design (:mod:`.estimates`), so each area's standard error is
right. Rows keep their flags: suppressed rows (unweighted n below ``min_n`` or CV above
``max_cv``) are blank for public viewers and are not coloured on maps; flagged rows are
marked "use with care".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from salus.domain.accounts.roles import Viewer
from salus.domain.surveys.indicators import get_indicator
from salus.storage import schema as t
from salus.storage.surveys import schema as s
from salus.usecases.errors import NotFound, ValidationFailed
from salus.usecases.surveys.common import can_read, checked, visible
from salus.usecases.surveys.estimates import EstimateRow, Options, estimate_indicator


@dataclass(frozen=True, slots=True)
class AreaEstimate:
    area: str
    survey: str
    wave: str
    row: EstimateRow


@dataclass(frozen=True, slots=True)
class IndicatorMap:
    indicator: str
    sdg: str
    title: str
    level: int
    areas: tuple[AreaEstimate, ...]

    def map_values(self) -> dict[str, dict[str, Any]]:
        """``{area code: {rate, rate_text, victims}}`` as the dashboard map draws them
        (``static/js/salus.js``): percentages; suppressed areas left out (no colour)."""
        out: dict[str, dict[str, Any]] = {}
        for a in self.areas:
            r = a.row
            if r.suppressed or r.estimate is None or a.area in out:
                continue
            text = f"{100 * r.estimate:.1f} %"
            if r.se is not None:
                text += f" (SE {100 * r.se:.1f})"
            if r.flagged:
                text += " *"
            out[a.area] = {"rate": round(100 * r.estimate, 3), "rate_text": text,
                           "victims": r.n_unweighted}
        return out


def indicator_by_area(engine: sa.Engine, viewer: Viewer, indicator_id: str, level: int,
                      survey: str | None = None, wave: str | None = None,
                      options: Options | None = None) -> IndicatorMap:
    """The indicator by area at ``level`` from each survey that maps it (module docstring)."""
    can_read(viewer)
    indicator = checked(lambda: get_indicator(indicator_id))
    base = options or Options()
    with engine.connect() as conn:
        sources = [r for r in _waves(conn, survey, wave)
                   if indicator_id in (r.indicator_map or {})
                   and visible(conn, viewer, r.area_id)]
    if survey is not None and not sources:
        raise NotFound(f"survey {survey!r} has no wave with a design that maps {indicator_id}")
    areas: list[AreaEstimate] = []
    for src in sources:
        try:
            result = estimate_indicator(
                engine, viewer, src.code, src.label, indicator_id,
                Options(by=("area",), area_level=level, thresholds=base.thresholds,
                        ci=base.ci))
        except (ValidationFailed, NotFound):
            if survey is not None:
                raise
            continue
        areas += [AreaEstimate(r.domain["area"], src.code, src.label, r)
                  for r in result.rows if r.domain.get("area") not in (None, "None")]
    return IndicatorMap(indicator.id, indicator.sdg, indicator.title, level, tuple(areas))


def _waves(conn: sa.Connection, survey: str | None, wave: str | None) -> list[Any]:
    """Each survey's latest wave with a design (or the one asked for)."""
    sv, w, d = s.survey, s.survey_wave, s.survey_design
    q = (sa.select(sv.c.code, sv.c.area_id, sv.c.indicator_map, w.c.label, w.c.id)
         .select_from(sv.join(w, w.c.survey_id == sv.c.id).join(d, d.c.wave_id == w.c.id))
         .order_by(sv.c.code, w.c.id.desc()))
    if survey is not None:
        q = q.where(sv.c.code == survey)
    if wave is not None:
        q = q.where(w.c.label == wave)
    latest: dict[str, Any] = {}
    for row in conn.execute(q):
        latest.setdefault(str(row.code), row)
    return list(latest.values())


def respondents_level(engine: sa.Engine, code: str, wave: str) -> int | None:
    """The area level of a wave's respondents (the deepest, when they differ)."""
    r, w, sv = s.survey_respondent, s.survey_wave, s.survey
    q = (sa.select(sa.func.max(t.area.c.level))
         .select_from(r.join(t.area, t.area.c.id == r.c.area_id)
                      .join(w, w.c.id == r.c.wave_id).join(sv, sv.c.id == w.c.survey_id))
         .where(sv.c.code == code, w.c.label == wave))
    with engine.connect() as conn:
        level = conn.execute(q).scalar()
    return None if level is None else int(level)
