"""The store: migrations, area tree, population and incident writes, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
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
    Weapon,
)
from salus.storage import repository as repo
from salus.storage import schema as t
from salus.storage.db import open_store

TREE = [
    Area("VD0101", "North-1", 2, "VD01"),
    Area("VD", "Verdania", 0, names={"fr": "Verdanie"}),
    Area("VD01", "North", 1, "VD"),
    Area("VD02", "South", 1, "VD"),
]


def _incident(record_id: str, area: str = "VD0101", victims: int = 1) -> Incident:
    return Incident(
        occurred=OccurrenceDate.of(dt.date(2023, 4, 5), "day"),
        area_code=area,
        iccs_code="0101",
        source=SourceRecord("police", "NP", record_id),
        persons=[Person(sex=Sex.MALE, age=AgeRange(18, None), outcome=Outcome.KILLED)
                 for _ in range(victims)],
        weapons=[Weapon("firearm")],
    )


def test_opening_a_store_twice_leaves_the_schema_at_the_same_revision(db_url: str) -> None:
    engine = open_store(db_url)
    with engine.connect() as conn:
        first = conn.execute(sa.text("select version_num from alembic_version")).scalar()
    engine.dispose()
    engine = open_store(db_url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("select version_num from alembic_version")).scalar() == first
    engine.dispose()


def test_areas_given_children_first_are_saved_with_their_ancestry(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        counts = repo.save_areas(conn, TREE)
        ids = repo.area_ids(conn)
        ancestors = {
            (r.ancestor_id, r.ancestor_level)
            for r in conn.execute(sa.select(t.area_ancestor)
                                  .where(t.area_ancestor.c.area_id == ids["VD0101"]))
        }
    assert counts.inserted == 4
    assert ancestors == {(ids["VD0101"], 2), (ids["VD01"], 1), (ids["VD"], 0)}


def test_saving_the_same_areas_again_changes_nothing(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        repo.save_areas(conn, TREE)
        again = repo.save_areas(conn, TREE)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 4)


def test_an_area_whose_parent_is_missing_is_refused(engine: sa.Engine) -> None:
    with pytest.raises(ValueError, match="ZZ"), engine.begin() as conn:
        repo.save_areas(conn, [Area("ZZ01", "Orphan", 1, "ZZ")])


def test_population_cells_are_upserted_by_area_year_sex_and_age(engine: sa.Engine) -> None:
    cells = [PopulationCount("VD01", 2023, 1000, "male", 0, 14),
             PopulationCount("VD01", 2023, 1200, "female", 60, None)]
    with engine.begin() as conn:
        repo.save_areas(conn, TREE)
        first = repo.save_population(conn, cells)
        second = repo.save_population(conn, [PopulationCount("VD01", 2023, 1100, "male", 0, 14)])
        stored = sorted(conn.execute(sa.select(t.population.c.sex, t.population.c.age_max,
                                               t.population.c.population)))
    assert (first.inserted, second.updated) == (2, 1)
    assert stored == [("female", t.OPEN_AGE, 1200), ("male", 14, 1100)]


def test_incidents_are_written_with_their_victims_weapons_and_source(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        repo.save_areas(conn, TREE)
        counts = repo.save_incidents(conn, [_incident("A", victims=3), _incident("B")])
        persons = conn.execute(sa.select(sa.func.count()).select_from(t.person)).scalar()
        weapons = conn.execute(sa.select(sa.func.count()).select_from(t.incident_weapon)).scalar()
        keys = repo.existing_incident_keys(conn)
    assert counts.inserted == 2
    assert (persons, weapons) == (4, 2)
    assert set(keys) == {("police", "NP", "A"), ("police", "NP", "B")}


def test_re_saving_an_incident_is_unchanged_and_a_corrected_one_is_replaced(
    engine: sa.Engine,
) -> None:
    with engine.begin() as conn:
        repo.save_areas(conn, TREE)
        repo.save_incidents(conn, [_incident("A", victims=2)])
        uid = conn.execute(sa.select(t.incident.c.uid)).scalar()
        same = repo.save_incidents(conn, [_incident("A", victims=2)])
        fixed = repo.save_incidents(conn, [_incident("A", victims=1)])
        persons = conn.execute(sa.select(sa.func.count()).select_from(t.person)).scalar()
        uid_after = conn.execute(sa.select(t.incident.c.uid)).scalar()
    assert (same.unchanged, fixed.updated, persons) == (1, 1, 1)
    assert uid_after == uid


def test_a_failed_transaction_leaves_the_store_as_it_was(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        repo.save_areas(conn, TREE)
    with pytest.raises(KeyError), engine.begin() as conn:
        repo.save_incidents(conn, [_incident("A"), _incident("B", area="NOWHERE")])
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.incident)).scalar() == 0


def test_the_audit_log_records_who_did_what(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        repo.audit(conn, "alice", "import", "incident", "batch-1", after={"inserted": 3})
        row = conn.execute(sa.select(t.audit_event)).one()
    assert (row.actor, row.action, row.after) == ("alice", "import", {"inserted": 3})
