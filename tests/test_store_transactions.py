"""Store transactions: savepoints, concurrent writers and DDL, on SQLite and PostgreSQL.

pysqlite's legacy transaction control emits no ``BEGIN`` before a SAVEPOINT, a read or DDL, so
a savepoint that opened a transaction committed on its own. :mod:`salus.storage.db` emits the
``BEGIN`` itself: ``BEGIN IMMEDIATE`` for ``engine.begin()``, a deferred ``BEGIN`` for reads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from salus.storage import repository as repo
from salus.storage import schema as t
from salus.storage.db import alembic_config, open_store

setting = t.observatory_setting


class Undo(Exception):  # noqa: N818 - a control-flow signal, not an error
    pass


def _put(conn: sa.Connection, key: str, value: object) -> None:
    conn.execute(setting.insert().values(key=key, value=value, updated_at=repo.now()))


def _keys(engine: sa.Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.scalars(sa.select(setting.c.key)))


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[sa.Engine]:
    engine = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    yield engine
    engine.dispose()


def _with_busy_timeout(conn: sa.Connection, ms: int) -> sa.Connection:
    """``conn`` waiting at most ``ms`` for a lock (set on the driver: no transaction begins)."""
    conn.connection.driver_connection.execute(f"PRAGMA busy_timeout = {ms}")  # type: ignore[union-attr]
    return conn


def test_a_savepoint_that_opens_a_transaction_is_rolled_back_with_it(engine: sa.Engine) -> None:
    with pytest.raises(Undo), engine.begin() as conn:
        with conn.begin_nested():
            _put(conn, "first", 1)
        _put(conn, "second", 2)
        raise Undo
    assert _keys(engine) == set()


def test_a_rolled_back_savepoint_inside_a_committed_transaction_keeps_the_outer_writes(
        engine: sa.Engine) -> None:
    with engine.begin() as conn:
        with conn.begin_nested():
            _put(conn, "kept-in-savepoint", 1)
        _put(conn, "outer-before", 2)
        with pytest.raises(Undo), conn.begin_nested():
            _put(conn, "undone", 3)
            raise Undo
        _put(conn, "outer-after", 4)
    assert _keys(engine) == {"kept-in-savepoint", "outer-before", "outer-after"}


def test_a_savepoint_that_fails_on_a_constraint_leaves_the_transaction_usable(
        engine: sa.Engine) -> None:
    with engine.begin() as conn:
        _put(conn, "taken", 1)
        with pytest.raises(sa.exc.IntegrityError), conn.begin_nested():
            _put(conn, "taken", 2)
        _put(conn, "after", 3)
    with engine.connect() as conn:
        assert repo.get_setting(conn, "taken") == 1
    assert _keys(engine) == {"taken", "after"}


def test_ddl_in_a_rolled_back_transaction_leaves_no_table(engine: sa.Engine) -> None:
    with pytest.raises(Undo), engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE scratch_ddl (x INTEGER)"))
        conn.execute(sa.text("INSERT INTO scratch_ddl (x) VALUES (1)"))
        raise Undo
    assert "scratch_ddl" not in sa.inspect(engine).get_table_names()


def _in_threads(n: int, work: Callable[[int], None]) -> list[BaseException]:
    errors: list[BaseException] = []
    start = threading.Barrier(n)

    def run(worker: int) -> None:
        start.wait()
        try:
            work(worker)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_writers_that_read_first_keep_every_committed_write_and_none_is_refused(
        engine: sa.Engine) -> None:
    """4 threads x 50 transactions, each reading the counter and then writing; every fifth
    rolls back. SQLite serialises them (``BEGIN IMMEDIATE``; its ``FOR UPDATE`` is a no-op),
    PostgreSQL locks the counter row. A deferred ``BEGIN`` on SQLite fails here with
    "database is locked"; pysqlite's legacy mode (reads outside the transaction) loses updates."""
    threads, each = 4, 50
    with engine.begin() as conn:
        _put(conn, "counter", 0)
    counter = sa.select(setting.c.value).where(setting.c.key == "counter")

    def work(worker: int) -> None:
        for i in range(each):
            try:
                with engine.begin() as conn:
                    value = conn.execute(counter.with_for_update()).scalar_one()
                    _put(conn, f"w{worker}-{i}", value)
                    conn.execute(setting.update().where(setting.c.key == "counter")
                                 .values(value=value + 1))
                    if i % 5 == 4:
                        raise Undo
            except Undo:
                pass

    assert _in_threads(threads, work) == []
    committed = threads * each * 4 // 5
    with engine.connect() as conn:
        assert conn.execute(counter).scalar_one() == committed
        values = sorted(conn.scalars(sa.select(setting.c.value)
                                     .where(setting.c.key != "counter")))
    assert values == list(range(committed))


def test_a_read_does_not_wait_for_an_open_write_transaction(sqlite_store: sa.Engine) -> None:
    with sqlite_store.begin() as writer:
        _put(writer, "uncommitted", 1)
        with sqlite_store.connect() as reader:
            _with_busy_timeout(reader, 0)
            assert reader.scalar(sa.select(sa.func.count()).select_from(setting)) == 0
    assert _keys(sqlite_store) == {"uncommitted"}


def test_a_transaction_opened_with_begin_holds_the_write_lock_before_its_first_statement(
        sqlite_store: sa.Engine) -> None:
    with sqlite_store.begin(), sqlite_store.connect() as other:
        _with_busy_timeout(other, 0)
        with pytest.raises(sa.exc.OperationalError, match="database is locked"):
            _put(other, "refused", 1)
    with sqlite_store.begin() as conn:
        _put(conn, "accepted", 1)
    assert _keys(sqlite_store) == {"accepted"}


def test_stores_opened_at_once_on_a_new_sqlite_file_are_migrated_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    engines: list[sa.Engine] = []

    def work(_worker: int) -> None:
        engines.append(open_store(url))

    assert _in_threads(3, work) == []
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    for engine in engines:
        with engine.connect() as conn:
            assert conn.scalars(sa.text("SELECT version_num FROM alembic_version")).all() == [head]
            assert repo.get_setting(conn, "missing", "default") == "default"
        engine.dispose()
