"""Social-tension monitoring: monitors' periodic reports, a tension index, and its alerts.

A trained monitor scores each theme of :data:`TENSION_THEMES` from 1 (calm) to 5 (very tense)
for one locality and period (the period's first day, usually a month) and adds a narrative.

* **Index** of a locality and period: the mean of the theme scores of every report for it
  (each report's seven scores weigh equally; several monitors are averaged) — 1 to 5.
* **Trend**: least-squares slope of the index over the locality's last ``k`` (default 6)
  periods up to this one, in index points per period (None with fewer than 3 periods).
* **Alert**: the index is above its usual range — ``index > mean + 2·max(sd, 0.25)`` of the
  locality's previous (up to) 12 periods, needing at least 4 of them (sd with ``n − 1``; the
  floor keeps a locality whose index never moved from alarming on a 0.1 rise). Alerts are
  ordinary alert records of the built-in rule ``tension index`` (method ``tension``), so they
  share the inbox, workflow, audit and notifications; ``expected`` is the usual mean, ``score``
  the standardised rise ``(index − mean) / max(sd, 0.25)``, ``parameters["trend"]`` the slope.

Area scope (:mod:`salus.usecases.scope`): a viewer bound to an area reads the index of the
localities in its subtree only, and reports only on them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import sqlalchemy as sa

from salus.domain.accounts.roles import SYSTEM_VIEWER, UserRole, Viewer
from salus.storage import repository as repo
from salus.storage import schema as t
from salus.storage.alerts import TENSION_THEMES, alert_rule, tension_report
from salus.usecases import scope
from salus.usecases.alerts import notify
from salus.usecases.alerts.records import Fired, RunReport, new_id, record_fired
from salus.usecases.cache import cached
from salus.usecases.errors import NotFound, PermissionDenied, ValidationFailed

RULE_NAME = "tension index"
HISTORY, MIN_HISTORY, SD_FLOOR, Z, TREND_K = 12, 4, 0.25, 2.0, 6
REPORTERS = frozenset({UserRole.ADMIN, UserRole.ANALYST, UserRole.COMMUNITY_MONITOR})


def _validate(scores: dict[str, int]) -> None:
    errors = [{"field": theme, "code": "invalid", "message": "a score from 1 to 5"}
              for theme in TENSION_THEMES
              if not isinstance(scores.get(theme), int) or not 1 <= scores[theme] <= 5]
    if errors:
        raise ValidationFailed(errors)


def submit(engine: sa.Engine, viewer: Viewer, area_code: str, period: dt.date,
           scores: dict[str, int], narrative: str | None = None) -> int:
    """Save (or replace) ``viewer``'s report for a locality and period; return its id."""
    if viewer.role not in REPORTERS:
        raise PermissionDenied("only community monitors and analysts submit tension reports")
    _validate(scores)
    with engine.begin() as conn:
        area_id = _area_id(conn, viewer, area_code)
        values = {**{k: int(scores[k]) for k in TENSION_THEMES}, "narrative": narrative or None}
        key = (tension_report.c.area_id == area_id, tension_report.c.period == period,
               tension_report.c.monitor == viewer.username)
        old = conn.execute(sa.select(tension_report).where(*key)).mappings().first()
        if old is None:
            report_id = new_id(conn.execute(tension_report.insert().values(
                area_id=area_id, period=period, monitor=viewer.username, created_at=repo.now(),
                **values)))
        else:
            report_id = int(old["id"])
            conn.execute(tension_report.update().where(*key).values(**values))
        repo.audit(conn, viewer.username, "create" if old is None else "update",
                   "tension_report", str(report_id),
                   None if old is None else {k: old[k] for k in values}, values)
    return report_id


def _area_id(conn: sa.Connection, viewer: Viewer, area_code: str) -> int:
    area_id = conn.scalar(sa.select(t.area.c.id).where(t.area.c.code == area_code))
    if area_id is None:
        raise NotFound(f"no area {area_code!r}")
    if not scope.area_in_scope(conn, viewer, int(area_id)):
        raise PermissionDenied(f"{area_code} is outside your area")
    return int(area_id)


@dataclass(frozen=True)
class IndexPoint:
    """The tension index of one locality in one period, with its trend and usual range."""

    area_id: int
    area_code: str
    area_name: str
    period: dt.date
    index: float
    reports: int
    trend: float | None
    baseline_mean: float | None
    upper_bound: float | None

    @property
    def alarm(self) -> bool:
        return self.upper_bound is not None and self.index > self.upper_bound


def index(engine: sa.Engine, viewer: Viewer, area_code: str | None = None) -> list[IndexPoint]:
    """Index per locality and period, oldest first within each locality (localities in the
    viewer's area scope); kept until the reports or areas change (:mod:`salus.usecases.cache`)."""
    return cached("tension-index", engine, ("tension", "areas"), viewer, area_code,
                  lambda: _index(engine, viewer, area_code), copy=True)


def _index(engine: sa.Engine, viewer: Viewer, area_code: str | None) -> list[IndexPoint]:
    score = sum(tension_report.c[k] for k in TENSION_THEMES) / float(len(TENSION_THEMES))
    query = (sa.select(t.area.c.id, t.area.c.code, t.area.c.name, tension_report.c.period,
                       sa.func.avg(score).label("index"), sa.func.count().label("reports"))
             .join(t.area, t.area.c.id == tension_report.c.area_id)
             .where(*scope.area_condition(tension_report.c.area_id, viewer))
             .group_by(t.area.c.id, t.area.c.code, t.area.c.name, tension_report.c.period)
             .order_by(t.area.c.code, tension_report.c.period))
    if area_code:
        query = query.where(t.area.c.code == area_code)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    by_area: dict[int, list[Any]] = {}
    for row in rows:
        by_area.setdefault(row.id, []).append(row)
    return [point for series in by_area.values() for point in _series_points(series)]


def _series_points(rows: list[Any]) -> list[IndexPoint]:
    values = np.array([float(r.index) for r in rows])
    out = []
    for i, r in enumerate(rows):
        past = values[max(0, i - HISTORY):i]
        mean = bound = None
        if len(past) >= MIN_HISTORY:
            mean = float(past.mean())
            bound = mean + Z * max(float(past.std(ddof=1)), SD_FLOOR)
        recent = values[max(0, i - TREND_K + 1):i + 1]
        trend = float(np.polyfit(np.arange(len(recent)), recent, 1)[0]) \
            if len(recent) >= 3 else None
        period = r.period if isinstance(r.period, dt.date) else dt.date.fromisoformat(r.period)
        out.append(IndexPoint(r.id, r.code, r.name, period, round(float(values[i]), 6),
                              int(r.reports), trend, mean, bound))
    return out


def _rule(engine: sa.Engine) -> Any:
    with engine.begin() as conn:
        rule = conn.execute(sa.select(alert_rule).where(alert_rule.c.name == RULE_NAME)).first()
        if rule is None:
            conn.execute(alert_rule.insert().values(
                name=RULE_NAME, filter={}, area_level=-1, period_unit="month", method="tension",
                parameters={"history": HISTORY, "min_history": MIN_HISTORY, "z": Z,
                            "sd_floor": SD_FLOOR}, lookback=1, recipients=[], webhook_url=None,
                active=True, created_by=SYSTEM_VIEWER.username, created_at=repo.now()))
            rule = conn.execute(sa.select(alert_rule)
                                .where(alert_rule.c.name == RULE_NAME)).first()
    return rule


def run_tension_alerts(engine: sa.Engine, since: dt.date | None = None,
                       settings: notify.NotifySettings | None = None,
                       senders: dict[str, notify.Sender] | None = None) -> RunReport:
    """Raise an alert for every locality and period (from ``since``) above its usual range."""
    rule, report = _rule(engine), RunReport()
    if not rule.active:
        return report
    for point in index(engine, SYSTEM_VIEWER):
        if point.alarm and (since is None or point.period >= since):
            assert point.baseline_mean is not None and point.upper_bound is not None
            z = Z * (point.index - point.baseline_mean) / (point.upper_bound - point.baseline_mean)
            fired = Fired(rule.id, point.area_id, point.period, point.period,
                                 point.index, point.baseline_mean, point.upper_bound, z,
                                 "tension", {**rule.parameters, "trend": point.trend})
            record_fired(engine, rule, fired, report)
    report.notifications = notify.deliver_pending(engine, settings, senders)
    return report
