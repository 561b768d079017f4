"""Alerts as records: rules, running them, the response workflow, notifications.

``run_rules`` counts incidents per area × period in SQL for each active rule, runs the rule's
surveillance method on the count matrix and upserts one ``alert`` per (rule, area, period) that
fired — re-running never duplicates (:mod:`.records`). Each alert then follows the response
workflow::

    new → acknowledged → response_planned → resolved
      ↘──────────↘────────────────↘──────→ dismissed

with assignee, notes and the response taken; every change is an ``alert_event`` row and an
entry in the audit log. Only admins and analysts (:func:`can_manage`) change alerts. An open
alert can also be escalated (:func:`escalate`: an event, the status unchanged). Giving an alert
to someone, escalating it and resolving it queue notifications to the people concerned
(:func:`salus.usecases.alerts.notify.queue_state_change`), in the same transaction, once each.
Call :func:`after_import` once an import has committed.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from salus.domain.accounts.roles import UserRole, Viewer
from salus.storage import alerts as a
from salus.storage import repository as repo
from salus.usecases import scope
from salus.usecases.alerts import methods as alert_methods
from salus.usecases.alerts import notify, tension
from salus.usecases.alerts.records import Fired, RunReport, add_event, new_id, record_fired
from salus.usecases.alerts.series import (
    PERIOD_UNITS,
    count_series,
    first_recorded,
    next_period,
    period_start,
)
from salus.usecases.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from salus.usecases.paging import Page, PageRequest

log = logging.getLogger(__name__)
STATUSES = ("new", "acknowledged", "response_planned", "resolved", "dismissed")
OPEN_STATUSES = ("new", "acknowledged", "response_planned")
TRANSITIONS: dict[str, frozenset[str]] = {
    "new": frozenset({"acknowledged", "dismissed"}),
    "acknowledged": frozenset({"response_planned", "dismissed"}),
    "response_planned": frozenset({"resolved", "dismissed"}),
    "resolved": frozenset(),
    "dismissed": frozenset(),
}
MANAGERS = frozenset({UserRole.ADMIN, UserRole.ANALYST})


def can_manage(viewer: Viewer) -> bool:
    """Whether ``viewer`` may add rules and move alerts through the workflow."""
    return viewer.role in MANAGERS


def _require_manager(viewer: Viewer) -> None:
    if not can_manage(viewer):
        raise PermissionDenied("only analysts and administrators manage alerts")


@dataclass(frozen=True)
class RuleSpec:
    """What an alert rule watches and how (see ``docs/alerts.md``)."""

    name: str
    method: str
    period_unit: str = "week"
    area_level: int = 1
    filter: dict[str, list[str]] = field(default_factory=dict)
    parameters: dict[str, Any] = field(default_factory=dict)
    lookback: int = 1
    recipients: tuple[str, ...] = ()
    webhook_url: str | None = None


def add_rule(engine: sa.Engine, viewer: Viewer, spec: RuleSpec) -> int:
    """Create a rule; return its id."""
    _require_manager(viewer)
    errors = _rule_errors(spec)
    if errors:
        raise ValidationFailed(errors)
    values = {"name": spec.name, "method": spec.method, "period_unit": spec.period_unit,
              "area_level": spec.area_level, "filter": spec.filter,
              "parameters": spec.parameters, "lookback": spec.lookback,
              "recipients": list(spec.recipients), "webhook_url": spec.webhook_url,
              "active": True, "created_by": viewer.username, "created_at": repo.now()}
    with engine.begin() as conn:
        if conn.scalar(sa.select(a.alert_rule.c.id).where(a.alert_rule.c.name == spec.name)):
            raise Conflict(f"a rule named {spec.name!r} exists")
        rule_id = new_id(conn.execute(a.alert_rule.insert().values(**values)))
        repo.audit(conn, viewer.username, "create", "alert_rule", str(rule_id), None,
                   {k: v for k, v in values.items() if k != "created_at"})
    return rule_id


def _rule_errors(spec: RuleSpec) -> list[dict[str, str]]:
    errors = []
    if not spec.name.strip():
        errors.append({"field": "name", "code": "required", "message": "a name is required"})
    if spec.period_unit not in PERIOD_UNITS:
        errors.append({"field": "period_unit", "code": "invalid",
                       "message": f"period unit must be one of {', '.join(PERIOD_UNITS)}"})
    elif spec.method != "tension":
        try:
            alert_methods.validate(spec.method, spec.period_unit)
        except ValueError as exc:
            errors.append({"field": "method", "code": "invalid", "message": str(exc)})
    if spec.lookback < 1:
        errors.append({"field": "lookback", "code": "invalid", "message": "lookback must be ≥ 1"})
    return errors


def update_rule(engine: sa.Engine, viewer: Viewer, name: str, *,
                recipients: tuple[str, ...] | None = None, webhook_url: str | None = None,
                active: bool | None = None) -> None:
    """Change who a rule notifies (``webhook_url=""`` removes the webhook) or (de)activate it;
    this is also how the built-in ``tension index`` rule gets its recipients."""
    _require_manager(viewer)
    changes: dict[str, Any] = {}
    if recipients is not None:
        changes["recipients"] = list(recipients)
    if webhook_url is not None:
        changes["webhook_url"] = webhook_url or None
    if active is not None:
        changes["active"] = active
    rule = a.alert_rule
    with engine.begin() as conn:
        old = conn.execute(sa.select(rule).where(rule.c.name == name)).mappings().first()
        if old is None:
            raise NotFound(f"no rule {name!r}")
        conn.execute(rule.update().where(rule.c.id == old["id"]).values(**changes))
        repo.audit(conn, viewer.username, "update", "alert_rule", str(old["id"]),
                   {k: old[k] for k in changes}, changes)


def list_rules(engine: sa.Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.select(a.alert_rule)
                                               .order_by(a.alert_rule.c.id)).mappings()]


def run_rules(engine: sa.Engine, today: dt.date | None = None, *, notify_now: bool = True,
              settings: notify.NotifySettings | None = None,
              senders: dict[str, notify.Sender] | None = None) -> RunReport:
    """Evaluate every active incident rule on the last complete periods before ``today``."""
    today = today or dt.date.today()
    report = RunReport()
    with engine.connect() as conn:
        rules = conn.execute(sa.select(a.alert_rule).where(
            a.alert_rule.c.active.is_(True), a.alert_rule.c.method != "tension")).all()
    for rule in rules:
        try:
            _run_rule(engine, rule, today, report)
        except (ValueError, TypeError, FloatingPointError) as exc:  # bad data or parameters
            report.skipped[rule.name] = str(exc)
            log.warning("alert rule %s skipped: %s", rule.name, exc)
    if notify_now:
        report.notifications = notify.deliver_pending(engine, settings, senders)
    return report


def _run_rule(engine: sa.Engine, rule: Any, today: dt.date, report: RunReport) -> None:
    last = period_start(today, rule.period_unit) - dt.timedelta(days=1)
    n, needed = alert_methods.history_periods(rule.method, rule.parameters,
                                              rule.period_unit, rule.lookback)
    first = last
    for _ in range(n):
        first = period_start(first, rule.period_unit) - dt.timedelta(days=1)
    first = first + dt.timedelta(days=1)
    with engine.connect() as conn:
        recorded_from = first_recorded(conn, rule.filter)
        if recorded_from is None:
            raise ValueError("no incidents match the rule")
        first = max(first, period_start(recorded_from, rule.period_unit))
        series = count_series(conn, rule.filter, rule.area_level, rule.period_unit, first, last)
    if not series.area_ids:
        raise ValueError(f"no areas at level {rule.area_level}")
    if len(series.starts) < needed:
        raise ValueError(f"{len(series.starts)} {rule.period_unit}s of data; {rule.method} "
                         f"needs {needed}")
    rows = list(range(max(0, len(series.starts) - rule.lookback), len(series.starts)))
    result = alert_methods.evaluate(rule.method, rule.parameters, series.counts, rows,
                                    rule.period_unit)
    for point in result.alarms():
        start = series.starts[point.time_index]
        fired = Fired(rule.id, series.area_ids[point.area], start,
                      next_period(start, rule.period_unit) - dt.timedelta(days=1),
                      point.observed, point.expected, point.upper_bound, point.score,
                      rule.method, {**rule.parameters, **dict(point.parameters)})
        record_fired(engine, rule, fired, report)


# ---------------------------------------------------------------- workflow

ACTIONS = {"ack": "acknowledged", "plan": "response_planned", "resolve": "resolved",
           "dismiss": "dismissed"}


def transition(engine: sa.Engine, alert_id: int, new_status: str, viewer: Viewer,
               note: str | None = None, *, response: str | None = None,
               assignee: str | None = None) -> dict[str, Any]:
    """Move an alert to ``new_status`` if the workflow allows it; audit and return the alert.

    Resolving needs the response taken (``response``, else the note). Raises
    :class:`PermissionDenied`, :class:`NotFound` or :class:`Conflict` (illegal move).
    """
    _require_manager(viewer)
    if new_status not in STATUSES:
        raise ValidationFailed([{"field": "status", "code": "invalid",
                                 "message": f"unknown status {new_status!r}"}])
    with engine.begin() as conn:
        before = _load(conn, alert_id, viewer)
        if new_status not in TRANSITIONS[before["status"]]:
            raise Conflict(f"an alert {before['status']} cannot become {new_status}")
        changes = _changes(before, new_status, note, response, assignee)
        conn.execute(a.alert.update().where(a.alert.c.id == alert_id).values(**changes))
        add_event(conn, alert_id, viewer.username, before["status"], new_status, note)
        repo.audit(conn, viewer.username, "transition", "alert", str(alert_id),
                   _audited(before), _audited({**before, **changes}))
        if changes.get("assignee") and changes["assignee"] != before["assignee"]:
            notify.queue_state_change(conn, alert_id, "assigned")
        if new_status == "resolved":
            notify.queue_state_change(conn, alert_id, "resolved")
        return _load(conn, alert_id, viewer)


def _changes(before: dict[str, Any], new_status: str, note: str | None, response: str | None,
             assignee: str | None) -> dict[str, Any]:
    response = response or (note if new_status == "resolved" else None)
    if new_status == "resolved" and not (response or "").strip():
        raise ValidationFailed([{"field": "response", "code": "required",
                                 "message": "say what response was taken"}])
    changes: dict[str, Any] = {"status": new_status, "updated_at": repo.now()}
    if note:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M")
        changes["notes"] = "\n".join(filter(None, [before["notes"], f"[{stamp}] {note}"]))
    if response:
        changes["response"] = response
    if assignee is not None:
        changes["assignee"] = assignee or None
    return changes


def assign(engine: sa.Engine, alert_id: int, assignee: str, viewer: Viewer) -> dict[str, Any]:
    """Give an alert to someone (status unchanged; audited)."""
    _require_manager(viewer)
    with engine.begin() as conn:
        before = _load(conn, alert_id, viewer)
        conn.execute(a.alert.update().where(a.alert.c.id == alert_id)
                     .values(assignee=assignee or None, updated_at=repo.now()))
        repo.audit(conn, viewer.username, "assign", "alert", str(alert_id),
                   {"assignee": before["assignee"]}, {"assignee": assignee or None})
        if assignee and assignee != before["assignee"]:
            notify.queue_state_change(conn, alert_id, "assigned")
        return _load(conn, alert_id, viewer)


ESCALATED = "escalated"
"""The note prefix of an escalation event (the status does not change)."""


def escalate(engine: sa.Engine, alert_id: int, viewer: Viewer,
             note: str | None = None) -> dict[str, Any]:
    """Escalate an open alert to the administrators of its area: an ``alert_event`` (status
    unchanged, note ``escalated: …``), an audit entry and one notification to each of them.
    Raises :class:`Conflict` for a closed alert (resolved or dismissed)."""
    _require_manager(viewer)
    with engine.begin() as conn:
        before = _load(conn, alert_id, viewer)
        if before["status"] not in OPEN_STATUSES:
            raise Conflict(f"an alert {before['status']} cannot be escalated")
        text = f"{ESCALATED}: {note}" if note else ESCALATED
        add_event(conn, alert_id, viewer.username, before["status"], before["status"], text)
        repo.audit(conn, viewer.username, "escalate", "alert", str(alert_id), None,
                   {"note": note})
        notify.queue_state_change(conn, alert_id, "escalated")
        return _load(conn, alert_id, viewer)


def _audited(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row.get(k) for k in ("status", "assignee", "notes", "response")}


def _load(conn: sa.Connection, alert_id: int, viewer: Viewer) -> dict[str, Any]:
    """The alert, if it is in the viewer's area scope (an alert outside it is "not found", as
    an incident outside it is: its existence is not disclosed)."""
    row = conn.execute(sa.select(a.alert).where(a.alert.c.id == alert_id)).mappings().first()
    if row is None or not scope.area_in_scope(conn, viewer, row["area_id"]):
        raise NotFound(f"no alert {alert_id}")
    return dict(row)


def get_alert(engine: sa.Engine, alert_id: int, viewer: Viewer) -> dict[str, Any]:
    """The alert with its rule, area and event history (within the viewer's area scope)."""
    from salus.storage import schema as t

    with engine.connect() as conn:
        alert = _load(conn, alert_id, viewer)
        alert["rule"] = dict(conn.execute(sa.select(a.alert_rule).where(
            a.alert_rule.c.id == alert["rule_id"])).mappings().one())
        alert["area"] = dict(conn.execute(sa.select(t.area.c.id, t.area.c.code, t.area.c.name)
                                          .where(t.area.c.id == alert["area_id"])).mappings().one())
        alert["events"] = [dict(e) for e in conn.execute(
            sa.select(a.alert_event).where(a.alert_event.c.alert_id == alert_id)
            .order_by(a.alert_event.c.id)).mappings()]
    return alert


@dataclass(frozen=True)
class AlertFilter:
    """Which alerts a list shows: ``status`` (one status, ``open``, or None for all), the rule's
    name, an area code (the area and every area below it), periods starting from / up to."""

    status: str | None = None
    rule: str | None = None
    area: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None


def _alert_query(viewer: Viewer, f: AlertFilter) -> sa.Select[Any]:
    from salus.storage import schema as t

    query = (sa.select(a.alert, t.area.c.code.label("area_code"),
                       t.area.c.name.label("area_name"), a.alert_rule.c.name.label("rule_name"))
             .join(t.area, t.area.c.id == a.alert.c.area_id)
             .join(a.alert_rule, a.alert_rule.c.id == a.alert.c.rule_id)
             .where(*scope.area_condition(a.alert.c.area_id, viewer)))
    if f.status == "open":
        query = query.where(a.alert.c.status.in_(OPEN_STATUSES))
    elif f.status:
        query = query.where(a.alert.c.status == f.status)
    if f.rule:
        query = query.where(a.alert_rule.c.name == f.rule)
    if f.area:
        below = (sa.select(t.area_ancestor.c.area_id)
                 .join(t.area, t.area.c.id == t.area_ancestor.c.ancestor_id)
                 .where(t.area.c.code == f.area))
        query = query.where(a.alert.c.area_id.in_(below))
    if f.since:
        query = query.where(a.alert.c.period_start >= f.since)
    if f.until:
        query = query.where(a.alert.c.period_start <= f.until)
    return query


def _filter_errors(f: AlertFilter) -> list[dict[str, str]]:
    if f.status and f.status not in ("open", *STATUSES):
        return [{"field": "status", "code": "invalid",
                 "message": f"unknown status {f.status!r}: open or one of {', '.join(STATUSES)}"}]
    return []


def list_alerts(engine: sa.Engine, viewer: Viewer, status: str | None = None,
                limit: int = 200) -> list[dict[str, Any]]:
    """Alerts of the viewer's area scope, newest first (``status``: one status, ``open``, or
    None for all)."""
    query = _alert_query(viewer, AlertFilter(status=status)).order_by(
        a.alert.c.period_start.desc(), a.alert.c.id.desc()).limit(limit)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def page_alerts(engine: sa.Engine, viewer: Viewer, f: AlertFilter,
                request: PageRequest) -> Page[dict[str, Any]]:
    """One page of the alerts of the viewer's area scope that ``f`` keeps, newest period first
    (``GET /api/v1/alerts``). An unknown status is a :class:`ValidationFailed`."""
    errors = _filter_errors(f)
    if errors:
        raise ValidationFailed(errors)
    query = _alert_query(viewer, f)
    with engine.connect() as conn:
        total = int(conn.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0)
        rows = conn.execute(query.order_by(a.alert.c.period_start.desc(), a.alert.c.id.desc())
                            .limit(request.per_page).offset(request.offset)).mappings()
        return Page([dict(r) for r in rows], total, request.page, request.per_page)


def run_all(engine: sa.Engine, today: dt.date | None = None, **kwargs: Any) -> RunReport:
    """Incident rules, then the tension-index rule; one report (``salus alerts run``)."""
    report = run_rules(engine, today, notify_now=False, **kwargs)
    extra = tension.run_tension_alerts(engine, **kwargs)
    report.fired += extra.fired
    report.already_known += extra.already_known
    report.notifications = extra.notifications
    return report


def after_import(engine: sa.Engine, today: dt.date | None = None) -> RunReport | None:
    """Hook for the import use case: run every rule once an import has committed.

    Never raises: an import must not fail because alerting did (the error is logged).
    """
    try:
        return run_all(engine, today)
    except Exception:
        log.exception("alert rules failed after import")
        return None
