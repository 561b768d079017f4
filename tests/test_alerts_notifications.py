"""Notifications: e-mail and webhook delivered once each, retried after a failure, recorded."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from alerts_support import TODAY, plant_surge, seed_weekly
from notify_servers import FlakyWebhook, SmtpSink, smtp_sink

from salus.domain.accounts.roles import SYSTEM_VIEWER
from salus.storage import alerts as a
from salus.usecases.alerts import notify
from salus.usecases.alerts import workflow as alerts

FAST = notify.NotifySettings(max_attempts=3, backoff_s=0.01, timeout_s=5)


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpSink]:
    yield from smtp_sink(monkeypatch)


def _notifications(engine: sa.Engine) -> list[sa.Row]:
    with engine.connect() as conn:
        return conn.execute(sa.select(a.notification).order_by(a.notification.c.id)).all()


def test_email_and_webhook_are_delivered_once_with_a_retry_after_a_failure(
        engine: sa.Engine, smtp: SmtpSink) -> None:
    hook = FlakyWebhook(fail_first=1)
    seed_weekly(engine)
    plant_surge(engine)
    alerts.add_rule(engine, SYSTEM_VIEWER, alerts.RuleSpec(
        "surge", "ears_c1", area_level=2, recipients=("duty@observatory.test",),
        webhook_url=hook.url))
    report = alerts.run_rules(engine, today=TODAY, settings=FAST)
    assert report.notifications == {"sent": 2, "failed": 0}
    assert len(smtp.messages) == 1 and smtp.messages[0]["to"] == ["duty@observatory.test"]
    assert "District R1-A" in smtp.messages[0]["data"]
    assert hook.attempts == 2 and len(hook.received) == 1
    sent = hook.received[0]["alert"]
    assert sent["area_code"] == "R1-A" and sent["observed"] > sent["upper_bound"]
    rows = {r.channel: r for r in _notifications(engine)}
    assert rows["webhook"].attempts == 2 and rows["webhook"].status == "sent"
    assert "503" in rows["webhook"].last_error
    assert rows["email"].attempts == 1 and rows["email"].last_error is None
    assert rows["email"].sent_at is not None

    again = alerts.run_rules(engine, today=TODAY, settings=FAST)
    assert again.notifications == {"sent": 0, "failed": 0}
    assert len(smtp.messages) == 1 and len(hook.received) == 1 and len(_notifications(engine)) == 2
    hook.shutdown()
    hook.server_close()


def test_a_target_that_keeps_failing_stops_after_the_bounded_attempts(engine: sa.Engine) -> None:
    hook = FlakyWebhook(fail_first=99)
    seed_weekly(engine)
    plant_surge(engine)
    alerts.add_rule(engine, SYSTEM_VIEWER, alerts.RuleSpec("surge", "ears_c1", area_level=2,
                                                           webhook_url=hook.url))
    report = alerts.run_rules(engine, today=TODAY, settings=FAST)
    assert report.notifications == {"sent": 0, "failed": 1}
    (row,) = _notifications(engine)
    assert row.status == "failed" and row.attempts == 3 and "503" in row.last_error
    alerts.run_rules(engine, today=TODAY, settings=FAST)
    assert hook.attempts == 3
    hook.shutdown()
    hook.server_close()
