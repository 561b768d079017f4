"""A small multi-source observatory for the reconciliation web and API tests.

The demo generator's police, forensic and media records of the same deaths (a few hundred
victim records in 2024) plus the test cast of :mod:`web_support` (``ana`` analyst, ``dora``
data entry, ``monty`` community monitor bound to area ``VD01``, ``pub`` public, ``admin``).
One store per test module and backend, built once: tests add jobs and decisions to it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from support_db import new_store
from web_support import add_cast

from salus.demo.build import build_demo
from salus.storage import schema as t

SOURCES = ("police", "forensic", "media")
INCIDENTS = 120
SCOPED_AREA = "VD01"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def observatory(request: pytest.FixtureRequest,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[sa.Engine]:
    """The demo's 2024 records of three sources and the cast (one store per module)."""
    engine = new_store(request, request.param)
    build_demo(engine, incidents=INCIDENTS, years=(2024, 2024))
    add_cast(engine, scoped_area=SCOPED_AREA)
    yield engine
    engine.dispose()


def records_per_source(engine: sa.Engine) -> dict[str, int]:
    """Hand count: victims recorded as killed in 2024, per source type, straight from SQL."""
    p, i, s = t.person, t.incident, t.incident_source
    query = (sa.select(s.c.source_type, sa.func.count(p.c.id))
             .select_from(p.join(i, i.c.id == p.c.incident_id)
                          .join(s, s.c.incident_id == i.c.id))
             .where(p.c.role == "victim", p.c.outcome == "killed",
                    i.c.occurred_on.between(dt.date(2024, 1, 1), dt.date(2024, 12, 31)))
             .group_by(s.c.source_type))
    with engine.connect() as conn:
        return {str(k): int(v) for k, v in conn.execute(query)}


def clusters_per_source(engine: sa.Engine, job_id: int) -> dict[str, int]:
    """Hand count: distinct clusters of the job holding at least one record of each source."""
    r = t.linkage_record
    query = (sa.select(r.c.source, sa.func.count(sa.distinct(r.c.cluster_key)))
             .where(r.c.job_id == job_id).group_by(r.c.source))
    with engine.connect() as conn:
        return {str(k): int(v) for k, v in conn.execute(query)}


def linked_pair(engine: sa.Engine, job_id: int) -> tuple[str, str]:
    """The job's strongest stored link between two records of different sources."""
    p = t.linkage_pair
    with engine.connect() as conn:
        rows = conn.execute(sa.select(p.c.record_key_l, p.c.record_key_r)
                            .where(p.c.job_id == job_id, p.c.match_probability >= 0.5)
                            .order_by(p.c.match_probability.desc(), p.c.id)).all()
    for left, right in rows:
        if left.split("|")[0] != right.split("|")[0]:
            return str(left), str(right)
    raise AssertionError("the job kept no link across sources")


def cluster_of(engine: sa.Engine, job_id: int, key: str) -> str:
    r = t.linkage_record
    with engine.connect() as conn:
        return str(conn.execute(sa.select(r.c.cluster_key).where(
            r.c.job_id == job_id, r.c.record_key == key)).scalar_one())


def job_count(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(t.linkage_job))
                   .scalar_one())


def cells(html: str, area: str) -> dict[str, str]:
    """The cells of the reconciled table's row for ``area`` (by ``data-source``/``data-col``)."""
    row = re.search(rf'<tr[^>]*data-area="{re.escape(area)}">(.*?)</tr>', html, re.S)
    assert row, f"no row for {area}"
    found = re.findall(r'data-(?:source|col)="([^"]+)">([^<]*)<', row.group(1))
    return {k: v.strip() for k, v in found}
