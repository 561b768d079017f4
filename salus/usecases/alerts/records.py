"""Fired alarms as alert records: one ``alert`` per (rule, area, period), never duplicated.

:func:`record_fired` stores an alarm found by an incident rule
(:func:`salus.usecases.alerts.workflow.run_rules`) or by the tension index
(:func:`salus.usecases.alerts.tension.run_tension_alerts`), queues its notifications and counts
it in the :class:`RunReport` of the run. :func:`add_event` appends a step of an alert's history.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from salus.domain.accounts.roles import SYSTEM_VIEWER
from salus.storage import alerts as a
from salus.storage import repository as repo
from salus.usecases.alerts import notify


def new_id(result: sa.CursorResult[Any]) -> int:
    """Primary key of the row an INSERT just wrote."""
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


@dataclass
class RunReport:
    """What one run of the rules did: alerts fired (new ones), refreshed, rules skipped."""

    fired: list[dict[str, Any]] = field(default_factory=list)
    already_known: int = 0
    skipped: dict[str, str] = field(default_factory=dict)
    notifications: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Fired:
    """One alarm, ready to be stored."""

    rule_id: int
    area_id: int
    period_start: dt.date
    period_end: dt.date
    observed: float
    expected: float | None
    upper_bound: float | None
    score: float | None
    method: str
    parameters: dict[str, Any]


def record_fired(engine: sa.Engine, rule: Any, fired: Fired, report: RunReport) -> None:
    alert_id, created = upsert_alert(engine, fired)
    if created:
        report.fired.append({"id": alert_id, "rule": rule.name, "area_id": fired.area_id,
                             "period_start": fired.period_start, "observed": fired.observed,
                             "upper_bound": fired.upper_bound})
        with engine.begin() as conn:
            notify.queue(conn, alert_id, rule)
    else:
        report.already_known += 1


def _number(value: float | None) -> float | None:
    """NaN and ±infinity (a score over a zero-variance baseline) are stored as NULL: JSON, and
    so the audit log on PostgreSQL, has no representation for them."""
    return None if value is None or not math.isfinite(value) else float(value)


def upsert_alert(engine: sa.Engine, fired: Fired) -> tuple[int, bool]:
    """Insert the alert for (rule, area, period) or refresh a still-``new`` one's figures."""
    al = a.alert
    figures = {"observed": float(fired.observed), "expected": _number(fired.expected),
               "upper_bound": _number(fired.upper_bound), "score": _number(fired.score),
               "parameters": _jsonable(fired.parameters)}
    key = (al.c.rule_id == fired.rule_id, al.c.area_id == fired.area_id,
           al.c.period_start == fired.period_start)
    with engine.begin() as conn:
        existing = conn.execute(sa.select(al.c.id, al.c.status).where(*key)).first()
        if existing is not None:
            if existing.status == "new":
                conn.execute(al.update().where(al.c.id == existing.id).values(**figures))
            return int(existing.id), False
        now = repo.now()
        alert_id = new_id(conn.execute(al.insert().values(
            rule_id=fired.rule_id, area_id=fired.area_id, period_start=fired.period_start,
            period_end=fired.period_end, method=fired.method, status="new", created_at=now,
            updated_at=now, **figures)))
        add_event(conn, alert_id, SYSTEM_VIEWER.username, None, "new", None)
        repo.audit(conn, SYSTEM_VIEWER.username, "create", "alert", str(alert_id), None,
                   {"status": "new", **figures})
    return alert_id, True


def _jsonable(parameters: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in parameters.items():
        out[k] = list(v) if isinstance(v, tuple) else v
        if hasattr(v, "item"):
            out[k] = v.item()
    return out


def add_event(conn: sa.Connection, alert_id: int, actor: str, before: str | None, after: str,
           note: str | None) -> None:
    conn.execute(a.alert_event.insert().values(alert_id=alert_id, at=repo.now(), actor=actor,
                                               from_status=before, to_status=after, note=note))
