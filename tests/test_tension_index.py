"""Social-tension monitoring: reports, the index with its trend, and alerts on a rise."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from alerts_support import add_areas

from salus.domain.accounts.roles import SYSTEM_VIEWER, Viewer
from salus.storage import schema as t
from salus.storage.alerts import TENSION_THEMES
from salus.usecases.alerts import tension
from salus.usecases.alerts import workflow as alerts
from salus.usecases.errors import PermissionDenied, ValidationFailed

MONTY = Viewer.for_role("monty", "community_monitor")
MILA = Viewer.for_role("mila", "community_monitor")
CALM = [2, 2, 3, 2, 2, 3, 2, 2]


def _scores(level: int, bump: int = 0) -> dict[str, int]:
    return {theme: min(5, level + (bump if i < 4 else 0)) for i, theme in enumerate(TENSION_THEMES)}


def _month(i: int) -> dt.date:
    return dt.date(2024 + i // 12, 1 + i % 12, 1)


def test_the_index_is_the_mean_theme_score_with_a_trend(engine: sa.Engine) -> None:
    add_areas(engine)
    tension.submit(engine, MONTY, "R1-A", _month(0), _scores(2))
    tension.submit(engine, MILA, "R1-A", _month(0), _scores(3), "market dispute")
    tension.submit(engine, MONTY, "R1-A", _month(1), _scores(3))
    tension.submit(engine, MONTY, "R1-A", _month(2), _scores(4))
    points = tension.index(engine, SYSTEM_VIEWER, "R1-A")
    assert [p.index for p in points] == [2.5, 3.0, 4.0]
    assert points[0].reports == 2 and points[0].trend is None
    assert points[2].trend == pytest.approx(0.75)
    assert points[2].upper_bound is None  # fewer than 4 earlier periods


def test_a_rise_beyond_the_usual_range_fires_one_alert(engine: sa.Engine) -> None:
    add_areas(engine)
    for i, level in enumerate(CALM):
        tension.submit(engine, MONTY, "R2-A", _month(i), _scores(level))
    tension.submit(engine, MONTY, "R2-A", _month(len(CALM)), _scores(3, bump=2))
    tension.submit(engine, MONTY, "R1-B", _month(0), _scores(5))
    last = tension.index(engine, SYSTEM_VIEWER, "R2-A")[-1]
    assert last.alarm and last.index == pytest.approx((4 * 5 + 3 * 3) / 7)
    report = tension.run_tension_alerts(engine)
    assert [f["period_start"] for f in report.fired] == [_month(len(CALM))]
    assert tension.run_tension_alerts(engine).fired == []
    (alert,) = alerts.list_alerts(engine, SYSTEM_VIEWER)
    assert alert["rule_name"] == "tension index" and alert["area_code"] == "R2-A"
    assert alert["method"] == "tension" and alert["observed"] > alert["upper_bound"]
    assert alert["parameters"]["z"] == 2.0


def test_reports_are_validated_scoped_and_audited(engine: sa.Engine) -> None:
    add_areas(engine)
    with pytest.raises(ValidationFailed):
        tension.submit(engine, MONTY, "R1-A", _month(0), {**_scores(2), "crime": 6})
    with pytest.raises(PermissionDenied):
        tension.submit(engine, Viewer.for_role("dora", "data_entry"), "R1-A", _month(0),
                       _scores(2))
    with engine.connect() as conn:
        r1 = conn.scalar(sa.select(t.area.c.id).where(t.area.c.code == "R1"))
    scoped = Viewer.for_role("monty", "community_monitor", area_id=r1, area_code="R1")
    with pytest.raises(PermissionDenied):
        tension.submit(engine, scoped, "R2-A", _month(0), _scores(2))
    tension.submit(engine, scoped, "R1-A", _month(0), _scores(2))
    tension.submit(engine, scoped, "R1-A", _month(0), _scores(3))  # a correction replaces
    assert [p.index for p in tension.index(engine, SYSTEM_VIEWER)] == [3.0]
    with engine.connect() as conn:
        actions = conn.scalars(sa.select(t.audit_event.c.action)
                               .where(t.audit_event.c.entity == "tension_report")).all()
    assert actions == ["create", "update"]
