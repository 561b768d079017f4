"""Shared fixtures: a fresh store on SQLite and on PostgreSQL for every test that asks for one.

PostgreSQL: ``SALUS_TEST_POSTGRES_URL`` (default: the local server, trust auth). Each test run
creates its own database ``salus_test_<random>`` and drops it at the end, so runs never see each
other's data. Where no server answers, PostgreSQL tests are skipped with the reason, and under
``CI=true`` every skip counts as a failure.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from support_db import (
    DATA_DIR,
    POSTGRES_ADMIN_URL,
    postgres_unavailable_reason,
    reset_postgres,
)

from salus.storage.db import create_engine, open_store


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """URL of a fresh PostgreSQL database for this test run (dropped afterwards)."""
    reason = postgres_unavailable_reason()
    if reason:
        pytest.skip(reason)
    name = f"salus_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A migrated, empty store: a SQLite file, or the run's PostgreSQL database reset."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'salus.db'}"
        open_store(url).dispose()
        yield url
    else:
        url = request.getfixturevalue("postgres_database")
        reset_postgres(url).dispose()
        yield url


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    eng = open_store(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def shared_data() -> Path:
    """The project's shared folder of real public data (skipped where it is absent)."""
    if not DATA_DIR.is_dir():
        pytest.skip(f"shared data folder not found at {DATA_DIR} (set SALUS_SHARED_DATA)")
    return DATA_DIR


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    """Under CI=true a skipped test is a failed test: CI must exercise every backend."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI", "").lower() in ("1", "true", "yes") and report.skipped:
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"skipped under CI (counts as a failure): {reason}"
