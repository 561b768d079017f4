"""Shared fixtures: migrated stores on SQLite and PostgreSQL, copied from a template per run.

- ``db_url`` / ``engine``: an empty migrated store for one test, on each backend of the run;
- ``stores``: the :class:`support_db.StoreFactory` of this test process, for module- and
  session-scoped fixtures (``stores.new_url(backend)``);
- ``--backend sqlite|postgresql|all`` chooses the backends (default: all); markers ``browser``,
  ``spark`` and ``slow`` let a developer run the fast part alone (``make test-fast``).

Where PostgreSQL does not answer, its tests are skipped with the reason, and under ``CI=true``
every skip counts as a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

# pytest-xdist workers inherit COLUMNS=80, which Rich would fix as the CLI console's width when
# salus.cli is imported; without it the width follows each CliRunner's environment, as in one
# process.
os.environ.pop("COLUMNS", None)
os.environ.pop("LINES", None)
# Indicators run on the store itself in tests unless a test asks for the DuckDB mirror
# (SALUS_ANALYTICS_MIRROR=sync in tests/test_indicators_mirror.py): a background build thread
# would otherwise outlive its test and read a store the fixtures are emptying or dropping.
os.environ["SALUS_ANALYTICS_MIRROR"] = "off"

MARKED_BY_PATH = {
    "browser": ("tests/browser/",),
    "spark": ("tests/test_linkage_spark.py",),
    # real data (../shared/data), demo builds and linkage jobs: seconds per test
    "slow": ("tests/test_linkage_spark.py", "tests/test_import_colombia.py",
             "tests/test_import_speedups.py", "tests/test_import_ucdp.py",
             "tests/test_demo_store.py", "tests/test_demo_generator.py",
             "tests/test_demo_pages.py",
             "tests/test_weapons_demo.py", "tests/test_plans_demo.py",
             "tests/test_reconcile_", "tests/test_linkage_febrl.py",
             "tests/test_api_schemathesis.py"),
}
LONG_FIRST = ("spark", "slow", "browser")
"""Modules with these markers are handed to the test processes first, so that the longest
ones do not start last and leave one process working alone at the end of the run."""


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--backend", choices=["sqlite", "postgresql", "all"], default=None,
                     help="store backend(s) to test (default: SALUS_TEST_BACKENDS or all)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark tests by where they live; leave out the backends this run does not test."""
    from support_db import BACKENDS, selected_backends

    root = Path(str(config.rootpath))
    chosen = selected_backends(config.getoption("--backend"))
    kept, left_out = [], []
    for item in items:
        where = Path(str(item.path)).relative_to(root).as_posix()
        for marker, prefixes in MARKED_BY_PATH.items():
            if where.startswith(prefixes):
                item.add_marker(marker)
        params = getattr(item, "callspec", None)
        backends = {v for v in (params.params.values() if params else ()) if v in BACKENDS}
        (left_out if backends - chosen else kept).append(item)
    if left_out:
        config.hook.pytest_deselected(items=left_out)
    module_rank: dict[Path, int] = {}
    for item in kept:
        module_rank[item.path] = min(module_rank.get(item.path, len(LONG_FIRST)), _rank(item))
    items[:] = sorted(kept, key=lambda item: module_rank[item.path])


def _rank(item: pytest.Item) -> int:
    """0 for spark, 1 for slow, 2 for browser tests, 3 for the rest (a module takes its
    lowest; the sort is stable, so a module's tests keep their order and stay together)."""
    for rank, marker in enumerate(LONG_FIRST):
        if item.get_closest_marker(marker) is not None:
            return rank
    return len(LONG_FIRST)


@pytest.fixture(scope="session")
def stores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """Migrated stores for this test process (one template per backend, copied)."""
    from support_db import StoreFactory

    factory = StoreFactory(tmp_path_factory.mktemp("stores"))
    yield factory
    factory.close()


@pytest.fixture(scope="session")
def postgres_ready() -> None:
    """Skip (under CI: fail) the PostgreSQL tests where no server answers."""
    from support_db import postgres_unavailable_reason

    reason = postgres_unavailable_reason()
    if reason:
        pytest.skip(reason)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty store for this test."""
    if request.param == "postgresql":
        request.getfixturevalue("postgres_ready")
    factory = request.getfixturevalue("stores")
    return str(factory.scratch_url(request.param, tmp_path))


@pytest.fixture
def engine(db_url: str) -> Iterator[sa.Engine]:
    from salus.storage.db import open_store

    eng = open_store(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def shared_data() -> Path:
    """The project's shared folder of real public data (skipped where it is absent)."""
    from support_db import DATA_DIR

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
