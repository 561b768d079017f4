"""Reading community safety plans: one plan with its flags and progress, the list of plans.

Flags (method in :mod:`salus.domain.plans`): an action is *overdue* when past its due
date and neither done nor cancelled; an indicator is *off track* when it moved away from its
target or lags the straight line from baseline to target by more than 10 % of the distance.
A LINKED indicator's current value is computed on demand by the indicator engine for the
plan's community: the definition's count (victims or incidents, or the rate per 100,000 with
``measure: rate``) over the ``months`` months ending on the day of the view, or on the latest
day with a recorded incident when the data stop earlier (records arrive late; a window past the
data would count months with nothing recorded as zero), so progress updates itself as
incidents are recorded. It is compared with the straight line on that same day. Progress is
counted only from the baseline date: a window that would reach back to the baseline date or
before starts the day after it, and its count (or rate) is scaled to the full ``months`` so
that it stays comparable with the baseline (``counted_from`` says so on the page); before any
day after the baseline has data, the current value is unknown ("no data"), never a figure made
of the data the baseline already describes. Manual indicators take their latest progress value
and are compared on the day of the view.
Public viewers see no notes, evidence or reporters, and small counts as "<5".
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from salus.analytics.disclosure import DEFAULT_THRESHOLD, suppressed_label
from salus.domain import plans as sp
from salus.domain.accounts.roles import Viewer
from salus.storage import plans as p
from salus.storage import schema as t
from salus.usecases.indicators.compute import compute_indicator
from salus.usecases.indicators.dashboard import definitions_folder
from salus.usecases.plans.common import area_by_id, area_ref, as_date, can_read, check_read
from salus.usecases.plans.editing import plan_row
from salus.usecases.scope import area_condition, subtree


@dataclass(frozen=True, slots=True)
class ActionView:
    id: int
    objective_id: int
    title: str
    responsible: str
    partners: list[str]
    start_on: dt.date | None
    due_on: dt.date | None
    budget: float | None
    currency: str | None
    funding_source: str | None
    status: str
    overdue: bool


@dataclass(frozen=True, slots=True)
class IndicatorView:
    id: int
    objective_id: int | None
    name: str
    unit: str
    direction: str
    baseline: float
    baseline_on: dt.date
    target: float
    target_on: dt.date
    link: dict[str, Any] | None
    current: float | None
    current_text: str
    progress: sp.Progress
    as_of: dt.date
    """The day the current value describes (the end of a linked indicator's window)."""
    counted_from: dt.date | None = None
    """A linked indicator's window starts here, the day after the baseline, when the full
    ``months`` would reach back before it (the value is then scaled to the full window)."""

    @property
    def off_track(self) -> bool:
        return self.progress.off_track

    @property
    def before_baseline(self) -> bool:
        """A linked indicator whose data stop on or before its baseline date: nothing to count."""
        return self.link is not None and self.as_of <= self.baseline_on


@dataclass(frozen=True, slots=True)
class ObjectiveView:
    id: int
    title: str
    problem_id: int | None
    actions: list[ActionView] = field(default_factory=list)
    indicators: list[IndicatorView] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class PlanView:
    id: int
    area_code: str
    area_name: str
    assessment_id: int | None
    title: str
    period_start: dt.date
    period_end: dt.date
    status: str
    today: dt.date
    objectives: list[ObjectiveView]
    indicators: list[IndicatorView]
    updates: list[dict[str, Any]]
    public: bool

    @property
    def actions(self) -> list[ActionView]:
        return [a for o in self.objectives for a in o.actions]

    @property
    def overdue(self) -> list[ActionView]:
        return [a for a in self.actions if a.overdue]

    @property
    def off_track(self) -> list[IndicatorView]:
        return [i for i in self.indicators if i.off_track]

    @property
    def by_status(self) -> dict[str, int]:
        return dict(Counter(a.status for a in self.actions))

    @property
    def done_share(self) -> float | None:
        live = [a for a in self.actions if a.status != "cancelled"]
        return None if not live else sum(a.status == "done" for a in live) / len(live)

    @property
    def budget(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for a in self.actions:
            if a.budget is not None and a.currency:
                out[a.currency] = out.get(a.currency, 0.0) + a.budget
        return out


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by ``months`` calendar months (clamped to the month's last day)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    for d in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month + 1, d)
        except ValueError:
            continue
    raise ValueError(day)


def linked_window(link: dict[str, Any], on: dt.date,
                  since: dt.date | None = None) -> tuple[dt.date, float] | None:
    """The first day of a linked indicator's window ending on ``on`` and the factor that scales
    its value to the full ``months``: the window starts no earlier than ``since`` (the day
    after the baseline); None when ``on`` is before ``since`` (no data to count yet)."""
    start = add_months(on, -int(link.get("months", 12))) + dt.timedelta(days=1)
    if since is None or since <= start:
        return start, 1.0
    if on < since:
        return None
    return since, ((on - start).days + 1) / ((on - since).days + 1)


def linked_value(engine: sa.Engine, link: dict[str, Any], area_code: str, on: dt.date,
                 public: bool = False, threshold: int = DEFAULT_THRESHOLD,
                 since: dt.date | None = None) -> tuple[float | None, bool]:
    """A linked indicator's value for the ``months`` ending on ``on``, counted from ``since``
    at the earliest (see :func:`linked_window`); (value, suppressed)."""
    window = linked_window(link, on, since)
    if window is None:
        return None, False
    start, scale = window
    result = compute_indicator(engine, link["indicator"], period=f"{start}..{on}", by=[],
                               filters={**link.get("filters", {}), "area": area_code},
                               public=public, suppression_threshold=threshold,
                               definitions=[definitions_folder()])
    row = result.rows[0] if result.rows else None
    if row is None:
        return 0.0, False
    value = row.rate if link.get("measure") == "rate" else getattr(row, result.measure)
    if value is None:
        return None, row.suppressed
    return round(float(value) * scale, 3 if link.get("measure") == "rate" else 1), row.suppressed


def get_plan(engine: sa.Engine, viewer: Viewer, plan_id: int, today: dt.date | None = None,
             threshold: int = DEFAULT_THRESHOLD) -> PlanView:
    """One plan with flags and indicator progress as of ``today``."""
    today = today or dt.date.today()
    with engine.connect() as conn:
        plan = plan_row(conn, plan_id)
        check_read(conn, viewer, plan.area_id)
        area = area_by_id(conn, plan.area_id)
        objectives = conn.execute(sa.select(p.plan_objective).where(
            p.plan_objective.c.plan_id == plan_id).order_by(p.plan_objective.c.id)).all()
        actions = conn.execute(sa.select(p.plan_action).where(
            p.plan_action.c.plan_id == plan_id).order_by(p.plan_action.c.due_on,
                                                         p.plan_action.c.id)).all()
        indicator_rows = conn.execute(sa.select(p.plan_indicator).where(
            p.plan_indicator.c.plan_id == plan_id).order_by(p.plan_indicator.c.id)).all()
        updates = _updates(conn, plan_id, viewer.public)
        data_day = min(today, latest_incident(conn) or today)
    action_views = [_action(a, today) for a in actions]
    indicators = [_indicator(engine, r, area.code, updates, data_day if r.link else today,
                             viewer.public, threshold) for r in indicator_rows]
    views = [ObjectiveView(o.id, o.title, o.problem_id,
                           [a for a in action_views if a.objective_id == o.id],
                           [i for i in indicators if i.objective_id == o.id])
             for o in objectives]
    return PlanView(plan.id, area.code, area.name, plan.assessment_id, plan.title,
                    as_date(plan.period_start) or today, as_date(plan.period_end) or today,
                    plan.status, today, views, indicators, updates, viewer.public)


def _action(a: Any, today: dt.date) -> ActionView:
    due = as_date(a.due_on)
    return ActionView(a.id, a.objective_id, a.title, a.responsible, list(a.partners or []),
                      as_date(a.start_on), due, None if a.budget is None else float(a.budget),
                      a.currency, a.funding_source, a.status, sp.overdue(a.status, due, today))


def _updates(conn: sa.Connection, plan_id: int, public: bool) -> list[dict[str, Any]]:
    pp = p.plan_progress
    rows = conn.execute(sa.select(pp).where(pp.c.plan_id == plan_id)
                        .order_by(pp.c.reported_on.desc(), pp.c.id.desc())).mappings()
    out = []
    for r in rows:
        item = dict(r)
        item["reported_on"] = as_date(item["reported_on"])
        if public:
            item.update(note=None, evidence=None, reported_by=None)
        out.append(item)
    return out


def _indicator(engine: sa.Engine, r: Any, area_code: str, updates: list[dict[str, Any]],
               today: dt.date, public: bool, threshold: int) -> IndicatorView:
    suppressed, counted_from = False, None
    base_on, target_on = as_date(r.baseline_on) or today, as_date(r.target_on) or today
    if r.link:
        since = base_on + dt.timedelta(days=1)
        window = linked_window(dict(r.link), today, since)
        counted_from = since if window is not None and window[1] != 1.0 else None
        current, suppressed = linked_value(engine, dict(r.link), area_code, today, public,
                                           threshold, since)
    else:
        values = [u for u in updates if u["indicator_id"] == r.id and u["value"] is not None]
        current = values[0]["value"] if values else None
    progress = sp.progress(r.baseline, r.target, current, base_on, target_on, today)
    text = "—" if current is None else f"{current:g}"
    if suppressed:
        text = suppressed_label(threshold)
    return IndicatorView(r.id, r.objective_id, r.name, r.unit, r.direction, r.baseline,
                         base_on, r.target, target_on, dict(r.link) if r.link else None,
                         current, text, progress, today, counted_from)


def latest_incident(conn: sa.Connection) -> dt.date | None:
    """The latest day with a recorded incident (None in an empty store)."""
    return as_date(conn.execute(sa.select(sa.func.max(t.incident.c.occurred_on))).scalar())


@dataclass(frozen=True, slots=True)
class PlanSummary:
    id: int
    area_code: str
    area_name: str
    title: str
    period_start: dt.date
    period_end: dt.date
    status: str
    actions: int
    done: int
    overdue: int


def list_plans(engine: sa.Engine, viewer: Viewer, area: str | None = None,
               today: dt.date | None = None) -> list[PlanSummary]:
    """Plans in the viewer's scope (under ``area`` when given) with action counts."""
    can_read(viewer)
    today = today or dt.date.today()
    sp_, pa = p.safety_plan, p.plan_action
    q = (sa.select(sp_.c.id, t.area.c.code, t.area.c.name, sp_.c.title, sp_.c.period_start,
                   sp_.c.period_end, sp_.c.status)
         .join(t.area, t.area.c.id == sp_.c.area_id)
         .where(*area_condition(sp_.c.area_id, viewer))
         .order_by(sp_.c.period_end.desc(), sp_.c.id.desc()))
    with engine.connect() as conn:
        if area:
            root = area_ref(conn, area)
            q = q.where(sp_.c.area_id.in_(subtree(root.id)))
        plans = conn.execute(q).all()
        ids = [r.id for r in plans]
        actions = conn.execute(sa.select(pa.c.plan_id, pa.c.status, pa.c.due_on)
                               .where(pa.c.plan_id.in_(ids))).all() if ids else []
    out = []
    for r in plans:
        mine = [a for a in actions if a.plan_id == r.id]
        out.append(PlanSummary(
            r.id, r.code, r.name, r.title, as_date(r.period_start) or today,
            as_date(r.period_end) or today, r.status, len(mine),
            sum(a.status == "done" for a in mine),
            sum(sp.overdue(a.status, as_date(a.due_on), today) for a in mine)))
    return out
