"""The dashboard's "Perception (surveys)" panel: each SDG 16 survey indicator's latest figure.

For each survey visible to the viewer, its latest wave with a design gives every indicator the
survey maps, estimated over the whole wave (:func:`.estimates.estimate_indicator` with no
domain: the national figure, or for a viewer bound to an area its subtree's figure, as a domain
estimate on the full design; Lumley 2010, §2.3.1). The estimate keeps its 95 % interval
(logit, as ``svyciprop``), unweighted n and the estimator's flags: suppressed (unweighted n
below ``min_n`` or CV above ``max_cv``) estimates are blank for public viewers, flagged ones
are marked "use with care". A wave's frame and design are the cached ones of
:mod:`.design`, so the panel reads no respondent once a wave has been estimated.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from salus.domain.accounts.roles import Viewer
from salus.domain.surveys.indicators import load_indicators
from salus.storage.surveys import schema as s
from salus.usecases.cache import cached
from salus.usecases.errors import NotFound, ValidationFailed
from salus.usecases.surveys.common import can_read, visible
from salus.usecases.surveys.estimates import EstimateRow, Options, estimate_indicator


@dataclass(frozen=True, slots=True)
class PanelFigure:
    """One indicator of one survey's latest wave with a design (proportions, 0–1)."""

    indicator: str
    sdg: str
    title: str
    survey: str
    survey_title: str
    wave: str
    period_start: dt.date | None
    period_end: dt.date | None
    area: str | None
    """The viewer's area (its subtree's figure), or None for the whole country."""
    row: EstimateRow


def latest_figures(engine: sa.Engine, viewer: Viewer,
                   options: Options | None = None) -> tuple[PanelFigure, ...]:
    """Every survey indicator with an estimate, by SDG number then survey (module docstring);
    kept until the surveys or areas change, per viewer scope (:mod:`salus.usecases.cache`)."""
    can_read(viewer)
    return cached("survey-panel", engine, ("surveys", "areas"), viewer, repr(options),
                  lambda: _latest_figures(engine, viewer, options), copy=True)


def _latest_figures(engine: sa.Engine, viewer: Viewer,
                    options: Options | None) -> tuple[PanelFigure, ...]:
    base = options or Options()
    order = {ind.id: k for k, ind in enumerate(load_indicators().values())}
    indicators = load_indicators()
    with engine.connect() as conn:
        sources = [r for r in _latest_waves(conn) if visible(conn, viewer, r.area_id)]
    out: list[PanelFigure] = []
    for src in sources:
        for indicator_id in sorted(src.indicator_map or {}, key=lambda i: order.get(i, 99)):
            if indicator_id not in indicators:
                continue
            try:
                result = estimate_indicator(engine, viewer, src.code, src.label, indicator_id,
                                            Options(thresholds=base.thresholds, ci=base.ci))
            except (ValidationFailed, NotFound):
                continue
            if not result.rows:
                continue
            out.append(PanelFigure(result.indicator, result.sdg, result.title, str(src.code),
                                   str(src.title), str(src.label), _date(src.period_start),
                                   _date(src.period_end), viewer.area_code, result.rows[0]))
    out.sort(key=lambda f: (order.get(f.indicator, 99), f.survey))
    return tuple(out)


def _date(value: Any) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def _latest_waves(conn: sa.Connection) -> list[Any]:
    """Each survey's latest wave with a design."""
    sv, w, d = s.survey, s.survey_wave, s.survey_design
    q = (sa.select(sv.c.code, sv.c.title, sv.c.area_id, sv.c.indicator_map, w.c.label,
                   w.c.period_start, w.c.period_end)
         .select_from(sv.join(w, w.c.survey_id == sv.c.id).join(d, d.c.wave_id == w.c.id))
         .order_by(sv.c.code, w.c.id.desc()))
    latest: dict[str, Any] = {}
    for row in conn.execute(q):
        latest.setdefault(str(row.code), row)
    return list(latest.values())
