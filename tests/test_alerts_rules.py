"""Alert rules on incident series: a planted surge fires once, whatever the method."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alerts_support import LAST_WEEK, TODAY, plant_surge, seed_weekly

from salus.domain.accounts.roles import SYSTEM_VIEWER, Viewer
from salus.storage import alerts as a
from salus.storage import schema as t
from salus.usecases.alerts import workflow as alerts
from salus.usecases.errors import PermissionDenied, ValidationFailed


def _rule(engine: sa.Engine, method: str = "ears_c1", **kw: object) -> int:
    spec = alerts.RuleSpec(name=f"all violence {method}", method=method, period_unit="week",
                           area_level=2, **kw)  # type: ignore[arg-type]
    return alerts.add_rule(engine, SYSTEM_VIEWER, spec)


def test_a_planted_surge_fires_once_and_rerunning_does_not_duplicate(engine: sa.Engine) -> None:
    seed_weekly(engine)
    plant_surge(engine)
    _rule(engine)
    first = alerts.run_rules(engine, today=TODAY)
    assert [f["period_start"] for f in first.fired] == [LAST_WEEK]
    fired = alerts.list_alerts(engine, SYSTEM_VIEWER)
    assert len(fired) == 1
    assert fired[0]["area_code"] == "R1-A" and fired[0]["period_start"] == LAST_WEEK
    assert fired[0]["status"] == "new" and fired[0]["method"] == "ears_c1"
    assert fired[0]["observed"] > fired[0]["upper_bound"] > fired[0]["expected"]
    assert fired[0]["parameters"]["baseline"] == 7
    second = alerts.run_rules(engine, today=TODAY)
    assert second.fired == [] and second.already_known == 1
    with engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(a.alert)) == 1


@pytest.mark.parametrize("method", ["ears_c3", "cusum"])
def test_other_methods_find_the_surge_in_the_right_district(engine: sa.Engine,
                                                            method: str) -> None:
    seed_weekly(engine)
    plant_surge(engine, "R2-B")
    _rule(engine, method)
    report = alerts.run_rules(engine, today=TODAY)
    codes = {r["area_code"] for r in alerts.list_alerts(engine, SYSTEM_VIEWER)}
    assert "R2-B" in codes and len(report.fired) >= 1


def test_a_calm_series_fires_nothing_and_the_filter_ignores_other_crimes(
        engine: sa.Engine) -> None:
    seed_weekly(engine)
    from alerts_support import add_incidents
    add_incidents(engine, "R1-A", LAST_WEEK, 40, iccs="0501")
    _rule(engine, filter={"iccs": ["01", "02"]})
    assert alerts.run_rules(engine, today=TODAY).fired == []


def test_farrington_without_enough_history_is_skipped_not_crashed(engine: sa.Engine) -> None:
    seed_weekly(engine, weeks=10)
    _rule(engine, "farrington_flexible")
    alerts.add_rule(engine, SYSTEM_VIEWER, alerts.RuleSpec(
        "typo", "ears_c1", area_level=2, parameters={"baseline": 3, "baseline_typo": 3}))
    report = alerts.run_rules(engine, today=TODAY)
    assert report.fired == []
    assert "needs" in report.skipped["all violence farrington_flexible"]
    assert "baseline_typo" in report.skipped["typo"]


def test_rules_are_validated_and_only_managers_add_them(engine: sa.Engine) -> None:
    with pytest.raises(ValidationFailed):
        alerts.add_rule(engine, SYSTEM_VIEWER,
                        alerts.RuleSpec("daily", "farrington", period_unit="day"))
    with pytest.raises(ValidationFailed):
        alerts.add_rule(engine, SYSTEM_VIEWER, alerts.RuleSpec("x", "magic"))
    clerk = Viewer.for_role("dora", "data_entry")
    with pytest.raises(PermissionDenied):
        alerts.add_rule(engine, clerk, alerts.RuleSpec("x", "ears_c1"))
    with engine.connect() as conn:
        assert conn.scalar(sa.select(sa.func.count()).select_from(t.audit_event)) == 0


def test_the_alert_page_series_ends_with_the_alert_s_own_expected_and_threshold(
        engine: sa.Engine) -> None:
    from salus.usecases.alerts import views as alert_views

    seed_weekly(engine)
    plant_surge(engine)
    _rule(engine)
    alert_id = alerts.run_rules(engine, today=TODAY).fired[0]["id"]
    alert = alerts.get_alert(engine, alert_id, SYSTEM_VIEWER)
    series = alert_views.series(engine, alert)
    assert series["labels"][-1] == LAST_WEEK.isoformat() and len(series["labels"]) == 20
    assert series["observed"][-1] == alert["observed"]
    assert series["expected"][-1] == pytest.approx(alert["expected"], abs=1e-4)
    assert series["upper"][-1] == pytest.approx(alert["upper_bound"], abs=1e-4)
    assert series["upper"][:11] == [None] * 11 and None not in series["upper"][11:]


def test_the_import_hook_runs_every_rule_and_never_raises(engine: sa.Engine) -> None:
    seed_weekly(engine)
    plant_surge(engine)
    _rule(engine)
    report = alerts.after_import(engine, today=TODAY)
    assert report is not None and len(report.fired) == 1
    broken = sa.create_engine("sqlite:///file:missing?mode=ro&uri=true")
    assert alerts.after_import(broken, today=TODAY) is None
