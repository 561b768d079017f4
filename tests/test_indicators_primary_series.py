"""The primary series: one death recorded by several institutions is counted once."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from salus.domain.incidents.model import (
    AgeRange,
    Area,
    Incident,
    OccurrenceDate,
    Outcome,
    Person,
    PopulationCount,
    Sex,
    SourceRecord,
)
from salus.storage import repository as repo
from salus.usecases.indicators.compute import compute_indicator


def _death(source: str, record: str, day: int) -> Incident:
    return Incident(
        occurred=OccurrenceDate.of(dt.date(2023, 3, day), "day"),
        area_code="P1",
        iccs_code="0101",
        source=SourceRecord(source, source.title(), record),
        persons=[Person(sex=Sex.MALE, age=AgeRange.exact(25), outcome=Outcome.KILLED)],
    )


def _store(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        repo.save_areas(conn, [Area("P", "Patria", 0), Area("P1", "Uno", 1, "P")])
        repo.save_population(conn, [PopulationCount("P1", 2023, 100_000)])
        # two deaths known to the police; the forensic institute recorded one of them again
        repo.save_incidents(conn, [_death("police", "a", 1), _death("police", "b", 2),
                                   _death("forensic", "f-1", 1)])


def _victims(engine: sa.Engine, **kw: object) -> int:
    result = compute_indicator(engine, "sdg-16-1-1", period="2023", by=[], **kw)  # type: ignore[arg-type]
    return sum(int(r.victims) for r in result.rows)


def test_without_a_primary_series_every_source_record_counts(engine: sa.Engine) -> None:
    _store(engine)
    assert _victims(engine) == 3


def test_the_primary_series_setting_counts_only_its_sources(engine: sa.Engine) -> None:
    _store(engine)
    with engine.begin() as conn:
        repo.set_setting(conn, "primary_sources", ["police"])
    assert _victims(engine) == 2


def test_a_request_naming_its_sources_overrides_the_primary_series(engine: sa.Engine) -> None:
    _store(engine)
    with engine.begin() as conn:
        repo.set_setting(conn, "primary_sources", ["police"])
    assert _victims(engine, filters={"source": ["forensic"]}) == 1
