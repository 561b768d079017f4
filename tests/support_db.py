"""Test stores: one migrated template per backend and test process, copied for every store.

Migrating a store takes 0.3 s on SQLite and 1–3 s on PostgreSQL; copying a migrated one takes
under a millisecond (a SQLite file copy) or about 0.1 s (PostgreSQL ``CREATE DATABASE …
TEMPLATE``). So each test process (each pytest-xdist worker) migrates one template per backend
and hands out copies:

- :meth:`StoreFactory.new_url` — a fresh, empty, migrated store of its own (module- and
  session-scoped fixtures that fill a store once); on PostgreSQL a database released by a
  fixture that has finished is emptied and handed out again, so a process keeps a handful of
  databases and drops them at its end (each DROP DATABASE makes the server checkpoint);
- :meth:`StoreFactory.scratch_url` — the per-test store behind conftest's ``db_url``: on SQLite a
  copy of the template in the test's folder; on PostgreSQL one database per process that is
  emptied before each test (only the tables a test wrote to are truncated, and used sequences
  restarted), which is faster than a database per test.

The backends of a run come from ``--backend`` (or ``SALUS_TEST_BACKENDS``): ``sqlite``,
``postgresql`` or ``all`` (the default). PostgreSQL: ``SALUS_TEST_POSTGRES_URL`` names the server
(default: the local one, trust auth); every database a run creates is dropped at its end.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from salus.config import Settings
from salus.storage.db import create_engine, open_store

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


class SuiteSettings(Settings):
    """The test suite's own settings, beside every Salus setting (docs/settings.md lists them):
    ``SALUS_TEST_POSTGRES_URL``, ``SALUS_TEST_BACKENDS``, ``SALUS_SHARED_DATA``."""

    test_postgres_url: str = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
    test_backends: str = "all"
    shared_data: Path = SHARED_DATA


_SUITE = SuiteSettings()
POSTGRES_ADMIN_URL = _SUITE.test_postgres_url
DATA_DIR = _SUITE.shared_data
BACKENDS = ("sqlite", "postgresql")
"""Parameters of every store fixture: ``@pytest.fixture(params=BACKENDS)``; conftest deselects
the tests of the backends a run leaves out."""


def selected_backends(chosen: str | None) -> set[str]:
    """The backends this run tests: ``--backend`` or ``SALUS_TEST_BACKENDS`` (default: all)."""
    chosen = chosen or SuiteSettings().test_backends
    names = set(BACKENDS) if chosen == "all" else {n.strip() for n in chosen.split(",")}
    unknown = sorted(names - set(BACKENDS))
    if unknown or not names:
        raise ValueError(f"backend {chosen!r}: choose from {', '.join(BACKENDS)} or all")
    return names


def postgres_unavailable_reason() -> str | None:
    try:
        engine = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means "no server here"
        return f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}: {exc.__class__.__name__}"
    return None


def new_store_url(request: pytest.FixtureRequest, backend: str) -> str:
    """A fresh, empty, migrated store of its own, for a fixture of any scope."""
    if backend == "postgresql":
        request.getfixturevalue("postgres_ready")
    factory: StoreFactory = request.getfixturevalue("stores")
    url = factory.new_url(backend)
    request.addfinalizer(lambda: factory.release(url))
    return url


def new_store(request: pytest.FixtureRequest, backend: str) -> sa.Engine:
    """:func:`new_store_url`, opened."""
    return open_store(new_store_url(request, backend))


UNSYNCED = "SET synchronous_commit = off"
"""Test databases do not wait for the WAL to reach the disk at each commit (nothing is lost
unless the server crashes, and then the run is lost anyway): PostgreSQL tests write a lot."""


class StoreFactory:
    """Migrated stores for one test process, copied from a template per backend."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.tag = uuid.uuid4().hex[:10]
        self._sqlite_template: Path | None = None
        self._pg_template: str | None = None
        self._pg_databases: list[str] = []
        self._pg_admin: sa.Engine | None = None
        self._scratch: tuple[sa.Engine, str] | None = None
        self._free: list[str] = []
        self._count = 0

    # --- SQLite -------------------------------------------------------------------------
    def _sqlite_copy(self, folder: Path) -> str:
        if self._sqlite_template is None:
            template = self.folder / "template.db"
            open_store(f"sqlite:///{template}").dispose()
            self._sqlite_template = template
        folder.mkdir(parents=True, exist_ok=True)
        self._count += 1
        target = folder / f"salus-{self._count}.db"
        shutil.copyfile(self._sqlite_template, target)
        return f"sqlite:///{target}"

    # --- PostgreSQL ---------------------------------------------------------------------
    def _admin(self) -> sa.Engine:
        if self._pg_admin is None:
            self._pg_admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        return self._pg_admin

    def _pg_url(self, name: str) -> str:
        return self._admin().url.set(database=name).render_as_string(hide_password=False)

    def _pg_copy(self) -> str:
        admin = self._admin()
        if self._pg_template is None:
            template = f"salus_tpl_{self.tag}"
            with admin.connect() as conn:
                conn.execute(sa.text(f'CREATE DATABASE "{template}"'))
                conn.execute(sa.text(f'ALTER DATABASE "{template}" {UNSYNCED}'))
            self._pg_databases.append(template)
            open_store(self._pg_url(template)).dispose()
            self._pg_template = template
        self._count += 1
        name = f"salus_t_{self.tag}_{self._count}"
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}" TEMPLATE "{self._pg_template}"'))
            conn.execute(sa.text(f'ALTER DATABASE "{name}" {UNSYNCED}'))
        self._pg_databases.insert(0, name)
        return self._pg_url(name)

    # --- what fixtures use ----------------------------------------------------------------
    def new_url(self, backend: str) -> str:
        """A fresh, empty, migrated store of its own (PostgreSQL: a released one, emptied)."""
        if backend == "sqlite":
            return self._sqlite_copy(self.folder / "stores")
        while self._free:
            url = self._free.pop()
            engine = create_engine(url)
            emptied = empty_postgres(engine)
            engine.dispose()
            if emptied:
                return url
        return self._pg_copy()

    def release(self, url: str) -> None:
        """A store from :meth:`new_url` is no longer used: PostgreSQL databases are reused
        (dropping one makes the server checkpoint, seconds on a busy machine)."""
        if url.startswith("postgresql"):
            self._free.append(url)

    def scratch_url(self, backend: str, folder: Path) -> str:
        """An empty migrated store for one test (see the module docstring)."""
        if backend == "sqlite":
            return self._sqlite_copy(folder)
        if self._scratch is None:
            url = self._pg_copy()
            self._scratch = (create_engine(url), url)
            return url
        engine, url = self._scratch
        if not empty_postgres(engine):
            engine.dispose()
            url = self._pg_copy()
            self._scratch = (create_engine(url), url)
        return url

    def close(self) -> None:
        if self._scratch is not None:
            self._scratch[0].dispose()
        if self._pg_admin is None:
            return
        with self._pg_admin.connect() as conn:
            for name in self._pg_databases:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self._pg_admin.dispose()


_PROBES: dict[str, str] = {}
KEPT_TABLES = ("alembic_version", "data_version", "data_version_pending")
"""Tables an emptied store keeps: the schema's revision and the data-version counters (their
rows are the counters themselves; emptying moves them on instead)."""


def empty_postgres(engine: sa.Engine) -> bool:
    """Empty the tables a test wrote to and restart the sequences it used.

    Rows are deleted (with foreign-key triggers off for the transaction: every table with rows
    is emptied) rather than truncated: for small tables DELETE is many times faster than
    TRUNCATE, which creates new files for each table and those its foreign keys reach.

    False when that cannot be done within a few seconds (a test left a transaction open) or
    at all (a server user that may not switch off foreign-key triggers): the caller then takes
    a new copy of the template instead.
    """
    probes = _PROBES.get(str(engine.url))
    if probes is None:
        tables = [t for t in sa.inspect(engine).get_table_names() if t not in KEPT_TABLES]
        probes = " UNION ALL ".join(f"SELECT '{t}' WHERE EXISTS (SELECT 1 FROM \"{t}\")"
                                    for t in tables)
        _PROBES[str(engine.url)] = probes
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("SET LOCAL lock_timeout = '5s'"))
            conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
            for table in conn.execute(sa.text(probes)).scalars().all():
                conn.execute(sa.text(f'DELETE FROM "{table}"'))
            used = conn.execute(sa.text(
                "SELECT sequencename FROM pg_sequences "
                "WHERE schemaname = 'public' AND last_value IS NOT NULL")).scalars().all()
            for sequence in used:
                conn.execute(sa.text(f'ALTER SEQUENCE "{sequence}" RESTART'))
            # the triggers were off: move every data version on, so that no cache keyed on
            # one serves the previous test's figures for this emptied store
            conn.execute(sa.text("UPDATE data_version SET version = version + 1"))
    except sa.exc.DBAPIError:  # a lock still held, or a server user that may not do this
        return False
    return True
