"""Police actions and misdemeanours (arrests, seizures… codes PA…, MI…) are not crimes: they
move neither an early-warning series, nor the space-time clusters, nor a community page's
incident counts, as the indicator engine already left them out
(:func:`salus.domain.incidents.offences.crime_conditions`).

The areas and series of :mod:`alerts_support`: four districts, a calm weekly series of
assaults (ICCS 0101), on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alerts_support import LAST_WEEK, TODAY, add_areas, add_grid, add_incidents, seed_weekly

from salus.domain.accounts.roles import PUBLIC_VIEWER, SYSTEM_VIEWER, Viewer
from salus.domain.incidents.offences import crime_conditions, names_police_codes
from salus.usecases.alerts import clusters
from salus.usecases.alerts import workflow as alerts
from salus.usecases.alerts.series import count_series, first_recorded
from salus.usecases.plans.community_figures import section_counts

ANA = Viewer.for_role("ana", "analyst")
DAY = LAST_WEEK + dt.timedelta(days=1)


def _week_total(engine: sa.Engine, spec: dict[str, list[str]]) -> float:
    with engine.connect() as conn:
        series = count_series(conn, spec, 2, "week", LAST_WEEK, DAY)
    return float(series.counts.sum())


def test_a_police_action_moves_no_alert_series_unless_the_rule_names_police_codes(
        engine: sa.Engine) -> None:
    add_areas(engine)
    add_incidents(engine, "R1-A", DAY, 3, iccs="0101")
    before = _week_total(engine, {})
    add_incidents(engine, "R1-A", DAY, 5, iccs="PA01")  # five arrests in flagrante
    add_incidents(engine, "R1-A", DAY, 2, iccs="MI0101")
    assert before == 3
    assert _week_total(engine, {}) == 3
    assert _week_total(engine, {"iccs": ["01"]}) == 3
    assert _week_total(engine, {"iccs": ["PA"]}) == 5
    assert _week_total(engine, {"iccs": ["01", "MI"]}) == 5
    with engine.connect() as conn:
        assert first_recorded(conn, {}) == DAY


def test_a_surge_of_seizures_fires_no_crime_alert_where_a_surge_of_assaults_does(
        engine: sa.Engine) -> None:
    seed_weekly(engine)
    add_incidents(engine, "R1-A", DAY, 25, iccs="PA03")
    alerts.add_rule(engine, SYSTEM_VIEWER, alerts.RuleSpec("crime", "ears_c1", area_level=2))
    assert alerts.run_rules(engine, today=TODAY).fired == []
    add_incidents(engine, "R1-A", DAY, 25, iccs="0101")
    assert len(alerts.run_rules(engine, today=TODAY).fired) == 1


def test_a_police_action_changes_no_community_section_count(engine: sa.Engine) -> None:
    ids = add_areas(engine)
    add_incidents(engine, "R1-A", DAY, 6, iccs="0101")
    add_incidents(engine, "R1-A", DAY - dt.timedelta(days=30), 6, iccs="0501")
    start, end = DAY - dt.timedelta(days=6), DAY
    before = section_counts(engine, ANA, ids["R1"], start, end)
    public_before = section_counts(engine, PUBLIC_VIEWER, ids["R1"], start, end)
    add_incidents(engine, "R1-A", DAY, 7, iccs="PA01")
    add_incidents(engine, "R1-A", DAY, 7, iccs="MI0101")
    after = section_counts(engine, ANA, ids["R1"], start, end)
    assert [(s.section, s.current) for s in before] == [("01", "6")]
    assert after == before
    assert section_counts(engine, PUBLIC_VIEWER, ids["R1"], start, end) == public_before


def test_a_burst_of_arrests_is_no_space_time_cluster_of_crimes(engine: sa.Engine) -> None:
    add_grid(engine, size=3)
    for code in ("G00", "G11", "G22"):
        add_incidents(engine, code, DAY - dt.timedelta(days=20), 1, iccs="0101")
    add_incidents(engine, "G01", DAY, 30, iccs="PA01")
    view = clusters.clusters(engine, SYSTEM_VIEWER, level=1, days=30, replicates=0)
    assert view.total == 3 and view.last == DAY - dt.timedelta(days=20)
    police = clusters.clusters(engine, SYSTEM_VIEWER, level=1, days=30, offence="PA",
                               replicates=0)
    assert police.total == 30 and police.last == DAY


def test_the_shared_rule_keeps_crimes_and_knows_which_prefixes_name_police_codes() -> None:
    column = sa.column("code", sa.String)
    query = sa.select(column).where(*crime_conditions(column))
    compiled = str(query.compile(compile_kwargs={"literal_binds": True}))
    assert "'PA'" in compiled and "'MI'" in compiled
    assert names_police_codes(["01", "pa01"]) and names_police_codes(["MI"])
    assert not names_police_codes(["01", "0501"]) and not names_police_codes([])
