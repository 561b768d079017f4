"""Verified citizen reports feed early warning, as committed imports do."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from citizen_reports_support import ANA, observatory, submit

from salus.domain.accounts.roles import SYSTEM_VIEWER
from salus.domain.incidents import model as m
from salus.storage import alerts as alert_schema
from salus.storage import repository
from salus.usecases.alerts.workflow import RuleSpec, add_rule
from salus.usecases.citizen_reports import review

MONDAY = dt.date(2024, 1, 1)
SURGE = MONDAY + dt.timedelta(weeks=20)


def _weekly_history(engine: sa.Engine) -> None:
    """One shooting a week in R1-A for 20 weeks (police records)."""
    incidents = [m.Incident(occurred=m.OccurrenceDate(MONDAY + dt.timedelta(weeks=w)),
                            area_code="R1-A", iccs_code="090111",
                            source=m.SourceRecord("police", "test", f"W{w}"))
                 for w in range(20)]
    with engine.begin() as conn:
        repository.save_incidents(conn, incidents)


def test_verified_reports_feed_the_early_warning_rules(engine: sa.Engine) -> None:
    observatory(engine)
    _weekly_history(engine)
    add_rule(engine, SYSTEM_VIEWER, RuleSpec("Gunfire weekly", "ears_c1", "week", 2,
                                             {"iccs": ["0901"]}))
    today = SURGE + dt.timedelta(weeks=1)
    references = [submit(engine, f"surge-{i:016d}", occurred_on=SURGE.isoformat()).reference
                  for i in range(6)]
    fired = [review.verify(engine, ANA, review.report_id_for(engine, ref),
                           today=today).alerts_fired for ref in references]
    with engine.connect() as conn:
        alerts = conn.execute(sa.select(alert_schema.alert.c.observed,
                                        alert_schema.alert.c.period_start)).all()
    assert sum(fired) == 1
    assert [(a.observed, str(a.period_start)[:10]) for a in alerts] == [(6, SURGE.isoformat())]
