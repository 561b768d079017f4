"""Victims recorded on both sides of a period's edge: a job links records a few days beyond its
edges and attributes each cluster to the period of its earliest record, so the 2024 and 2025
jobs count such a victim once between them, and neither loses it."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa

from salus.analytics.reconcile.linkage.periods import MARGIN_DAYS, attribute_periods
from salus.demo.build import build_demo
from salus.domain.incidents.model import (
    AgeRange,
    DatePrecision,
    Incident,
    OccurrenceDate,
    Outcome,
    Person,
    Role,
    Sex,
    SourceRecord,
    Weapon,
)
from salus.storage import repository
from salus.storage import schema as t
from salus.usecases.reconcile.jobs import NothingToReconcile, parse_period, run_reconciliation
from salus.usecases.reconcile.records import Scope

SOURCES = ("police", "forensic", "media")
POLICE = ("police", "Verdania National Police")
FORENSIC = ("forensic", "National Institute of Legal Medicine")


def _death(source: tuple[str, str], record_id: str, day: dt.date, area: str, given: str,
           family: str, age: int) -> Incident:
    victim = Person(Role.VICTIM, Sex.MALE, AgeRange.exact(age), None, Outcome.KILLED,
                    given_name=given, family_name=family)
    return Incident(occurred=OccurrenceDate(day, DatePrecision.DAY), area_code=area,
                    iccs_code="0101", source=SourceRecord(*source, record_id),
                    weapons=[Weapon("firearm")], persons=[victim])


# Two victims whose records straddle New Year, one each way, and one wholly inside 2025's
# margin that only the 2024 job reads (it must not be counted by 2024).
BOUNDARY = (
    (POLICE, "EDGE-P-1", dt.date(2024, 12, 31), "Aurelio", "Quintanilla Berrío", 41),
    (FORENSIC, "EDGE-F-1", dt.date(2025, 1, 2), "Aurelio", "Quintanilla Berrio", 41),
    (FORENSIC, "EDGE-F-2", dt.date(2024, 12, 30), "Teodoro", "Villalustre Anzures", 33),
    (POLICE, "EDGE-P-2", dt.date(2025, 1, 1), "Teodoro", "Villalustre Anzures", 33),
    (POLICE, "EDGE-P-3", dt.date(2025, 1, 3), "Casimiro", "Ulloa Bethencourt", 58),
)


def _key(source: tuple[str, str], record_id: str) -> str:
    return f"{source[0]}|{source[1]}|{record_id}|1"


@pytest.fixture
def two_years(engine: sa.Engine) -> sa.Engine:
    build_demo(engine, incidents=240, years=(2024, 2025))
    with engine.connect() as conn:
        area = conn.execute(sa.select(t.area.c.code).order_by(t.area.c.level.desc(),
                                                              t.area.c.code)).scalars().first()
    assert area is not None
    incidents = [_death(s, r, d, area, g, f, a) for s, r, d, g, f, a in BOUNDARY]
    with engine.begin() as conn:
        repository.save_incidents(conn, incidents)
    return engine


def _stored(engine: sa.Engine, job_id: int) -> pd.DataFrame:
    r = t.linkage_record
    with engine.connect() as conn:
        rows = conn.execute(sa.select(r.c.record_key, r.c.cluster_key, r.c.period)
                            .where(r.c.job_id == job_id)).all()
    return pd.DataFrame(rows, columns=["record_key", "cluster_key", "period"])


def _job(engine: sa.Engine, period: str) -> pd.DataFrame:
    start, end = parse_period(period)
    summary = run_reconciliation(engine, Scope(SOURCES, start, end))
    stored = _stored(engine, summary.job_id)
    total = summary.table[summary.table["area"] == "all"].iloc[0]
    assert total["unique"] == stored["cluster_key"].nunique()
    return stored


def test_consecutive_years_count_a_victim_recorded_on_both_sides_of_new_year_once(
        two_years: sa.Engine) -> None:
    jobs = {"2024": _job(two_years, "2024"), "2025": _job(two_years, "2025")}
    aurelio = (_key(POLICE, "EDGE-P-1"), _key(FORENSIC, "EDGE-F-1"))
    teodoro = (_key(FORENSIC, "EDGE-F-2"), _key(POLICE, "EDGE-P-2"))
    for keys in (aurelio, teodoro):  # earliest records are of 31 and 30 December 2024
        owner = jobs["2024"].set_index("record_key")
        assert set(keys) <= set(owner.index), "the 2024 job keeps both records"
        assert owner.loc[keys[0], "cluster_key"] == owner.loc[keys[1], "cluster_key"]
        assert (owner.loc[list(keys), "period"] == "2024").all()
        assert not set(keys) & set(jobs["2025"]["record_key"]), "2025 does not count it again"
    casimiro = _key(POLICE, "EDGE-P-3")
    assert casimiro not in set(jobs["2024"]["record_key"])
    assert jobs["2025"].set_index("record_key").loc[casimiro, "period"] == "2025"
    _assert_each_record_counted_once(two_years, pd.concat(jobs.values()))


def _assert_each_record_counted_once(two_years: sa.Engine, together: pd.DataFrame) -> None:
    p, i, s = t.person, t.incident, t.incident_source
    query = (sa.select(s.c.source_type, s.c.source_name, s.c.record_id)
             .select_from(p.join(i, i.c.id == p.c.incident_id)
                          .join(s, s.c.incident_id == i.c.id))
             .where(p.c.role == "victim", p.c.outcome == "killed",
                    s.c.source_type.in_(SOURCES)))
    with two_years.connect() as conn:
        recorded = {f"{a}|{b}|{c}|" for a, b, c in conn.execute(query)}
    stored = {k.rsplit("|", 1)[0] + "|" for k in together["record_key"]}
    assert recorded <= stored
    assert together["record_key"].is_unique, "no record is counted by both years"


def test_a_scope_with_records_only_beyond_its_edges_is_refused(engine: sa.Engine) -> None:
    scope = Scope(SOURCES, dt.date(2025, 1, 1), dt.date(2025, 1, 5))
    assert scope.read_from == dt.date(2025, 1, 1) - dt.timedelta(days=MARGIN_DAYS)
    build_demo(engine, incidents=120, years=(2024, 2024))  # late December is in the margin
    with pytest.raises(NothingToReconcile):
        run_reconciliation(engine, scope)


def test_a_cluster_belongs_to_the_period_of_its_earliest_record() -> None:
    records = pd.DataFrame({
        "record_id": ["a", "b", "c", "d", "e"],
        "occurred_on": ["2024-12-31", "2025-01-02", "2025-01-01", "2024-12-29", "2025-01-04"],
        "period": ["2024", None, None, "2024", None],
    })
    clusters = pd.DataFrame({"record_id": ["a", "b", "c", "d", "e"],
                             "cluster_id": ["a", "a", "c", "c", "e"]})
    out = attribute_periods(clusters, records).set_index("record_id")
    assert list(out.index) == ["a", "b", "c", "d"], "a cluster wholly beyond the edge is left"
    assert (out["period"] == "2024").all()
