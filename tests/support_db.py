"""Where the test databases and the shared data are (imported by conftest and by tests)."""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa

from salus.storage.db import create_engine, open_store

POSTGRES_ADMIN_URL = os.environ.get(
    "SALUS_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
DATA_DIR = Path(os.environ.get("SALUS_SHARED_DATA", SHARED_DATA))


def postgres_unavailable_reason() -> str | None:
    try:
        engine = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means "no server here"
        return f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}: {exc.__class__.__name__}"
    return None


def reset_postgres(url: str) -> sa.Engine:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))
    engine.dispose()
    return open_store(url)
