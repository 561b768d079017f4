"""Data-version counters (issue 11, revision 0019): the database bumps the counter of the data a
write touches, in the write's own transaction, whatever the write path — a use case, raw SQL, a
rolled-back transaction (nothing), and on PostgreSQL without making concurrent writers wait."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import sqlalchemy as sa
from support_db import new_store_url
from weapons_support import add_areas, add_incident

from salus.storage import versions
from salus.storage.db import open_store


def counters(engine: sa.Engine) -> dict[str, int]:
    return dict(zip(versions.COUNTERS, versions.of_engine(engine, versions.COUNTERS),
                    strict=True))


def changed(before: dict[str, int], after: dict[str, int]) -> set[str]:
    return {name for name in before if after[name] != before[name]}


def test_an_incident_write_moves_the_incidents_counter_and_no_other(engine: sa.Engine) -> None:
    add_areas(engine)
    before = counters(engine)
    add_incident(engine, "R1-A", dt.date(2024, 3, 1))
    after = counters(engine)
    assert changed(before, after) == {"incidents"}
    assert after["incidents"] > before["incidents"]


def test_areas_raw_sql_updates_and_deletions_each_move_their_counter(engine: sa.Engine) -> None:
    before = counters(engine)
    add_areas(engine)
    assert changed(before, counters(engine)) == {"areas"}
    uid = add_incident(engine, "R1-A", dt.date(2024, 3, 1))
    for statement in ("UPDATE incident SET attempted = true WHERE uid = :uid",
                      "DELETE FROM incident_weapon WHERE incident_id IN "
                      "(SELECT id FROM incident WHERE uid = :uid)",
                      "DELETE FROM incident WHERE uid = :uid"):
        before = counters(engine)
        with engine.begin() as conn:
            conn.execute(sa.text(statement), {"uid": uid})
        assert changed(before, counters(engine)) == {"incidents"}, statement


def test_a_rolled_back_write_leaves_every_counter_as_it_was(engine: sa.Engine) -> None:
    add_areas(engine)
    before = counters(engine)
    with pytest.raises(RuntimeError), engine.begin() as conn:
        conn.execute(sa.text("UPDATE area SET name = 'Renamed' WHERE code = 'R1'"))
        raise RuntimeError("the import failed half-way")
    assert counters(engine) == before


def test_a_reader_sees_the_counter_and_the_rows_of_one_snapshot(engine: sa.Engine) -> None:
    """Until the writer commits, a reader sees neither its rows nor its counter."""
    add_areas(engine)
    with engine.connect() as reader:
        version, = versions.current(reader, ["incidents"])
        count = reader.scalar(sa.text("SELECT count(*) FROM incident"))
        add_incident(engine, "R2-A", dt.date(2024, 5, 2))  # another connection commits
        reader.rollback()
        assert versions.current(reader, ["incidents"])[0] > version
        assert reader.scalar(sa.text("SELECT count(*) FROM incident")) == count + 1


def test_an_unknown_counter_is_refused_by_name(engine: sa.Engine) -> None:
    with engine.connect() as conn, pytest.raises(versions.UnknownCounterError, match="'incident'"):
        versions.current(conn, ["incident"])


@pytest.mark.parametrize("backend", ["postgresql"])  # SQLite has a single writer by design
def test_on_postgresql_a_long_import_does_not_make_another_writer_wait(
        request: pytest.FixtureRequest, backend: str) -> None:
    """The counter's row is locked at COMMIT only: a writer whose transaction stays open (a long
    import) does not block a form save, and both bump the counter once each."""
    engine = open_store(new_store_url(request, backend))
    try:
        add_areas(engine)
        start, = versions.of_engine(engine, ["incidents"])
        long_import = engine.connect()
        transaction = long_import.begin()
        long_import.execute(sa.text(
            "UPDATE area SET name = name WHERE code = 'C'"))  # touches another counter too
        long_import.execute(sa.text(
            "INSERT INTO incident_weapon (incident_id, category, count) "
            "SELECT id, 'rifle', 1 FROM incident WHERE false"))  # a statement on incidents
        done = threading.Event()

        def form_save() -> None:
            with engine.begin() as conn:
                conn.execute(sa.text("SET LOCAL lock_timeout = '3s'"))
            add_incident(engine, "R1-B", dt.date(2024, 6, 3))
            done.set()

        saver = threading.Thread(target=form_save)
        saver.start()
        saver.join(timeout=20)
        assert done.is_set(), "the form save waited for the open import"
        assert versions.of_engine(engine, ["incidents"]) == (start + 1,)
        transaction.commit()
        long_import.close()
        assert versions.of_engine(engine, ["incidents"]) == (start + 2,)
        with engine.connect() as conn:
            assert conn.scalar(sa.text("SELECT count(*) FROM data_version_pending")) == 0
    finally:
        engine.dispose()
