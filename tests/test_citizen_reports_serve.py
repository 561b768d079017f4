"""Citizen-report intake under ``salus serve --workers 2`` (issue 11): 50 concurrent clients,
every report stored exactly once, every concurrent retry answered with the first reference
(SQLite and PostgreSQL; the server is a real process, the clients real threads)."""

from __future__ import annotations

import random
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import sqlalchemy as sa
from test_serve_workers import _server

from salus.domain.incidents.model import Area
from salus.storage import repository
from salus.storage import schema as t
from salus.storage.citizen_reports.schema import citizen_report as cr
from salus.storage.citizen_reports.schema import citizen_report_event as ev
from salus.storage.db import open_store
from salus.usecases.citizen_reports.settings import LIMITS_SETTING

REPORTS = 50
REFERENCE = re.compile(r'id="reference">(R-[0-9A-Z]{8})<')


def _prepare(db_url: str) -> None:
    engine = open_store(db_url)
    with engine.begin() as conn:
        repository.save_areas(conn, [Area("C", "Country", 0), Area("D1", "District 1", 2, "C"),
                                     Area("D2", "District 2", 2, "C")])
        repository.set_setting(conn, LIMITS_SETTING, {"client": [1e6, 1e6],
                                                      "phone": [1e6, 1e6]}, "test")
    engine.dispose()


def _send(base: str, n: int) -> tuple[str, str | None]:
    """Report ``n`` (even: the web form, odd: the JSON API) under its own key; the key
    (namespaced as stored) and the reference the server acknowledged."""
    data = {"category": "shooting", "area_code": f"D{n % 2 + 1}", "occurred_on": "2024-05-01",
            "description": f"Report {n}: shots fired near the market after dark"}
    key = f"concurrent-report-{n:04d}-key"
    if n % 2:
        r = httpx.post(base + "/api/v1/citizen-reports", json=data,
                       headers={"Idempotency-Key": key}, timeout=120)
        ref = r.json().get("reference") if r.status_code in (200, 201) else None
        return "api:" + key, ref
    r = httpx.post(base + "/report", data=data | {"submission_key": key}, timeout=120)
    found = REFERENCE.search(r.text) if r.status_code == 200 else None
    return "web:" + key, found.group(1) if found else None


def test_fifty_concurrent_clients_of_two_workers_store_each_report_once(
        db_url: str, tmp_path: Path) -> None:
    _prepare(db_url)
    sends = [n for n in range(REPORTS) for _twice in range(2)]   # every report sent twice
    random.Random(11).shuffle(sends)                              # at overlapping times
    with _server(db_url, tmp_path / "serve.log") as (base, _proc), ThreadPoolExecutor(50) as pool:
        answers = list(pool.map(lambda n: _send(base, n), sends))

    assert all(ref is not None for _key, ref in answers), answers
    acknowledged: dict[str, set[str | None]] = {}
    for key, ref in answers:
        acknowledged.setdefault(key, set()).add(ref)
    assert len(acknowledged) == REPORTS
    assert all(len(refs) == 1 for refs in acknowledged.values()), acknowledged

    engine = open_store(db_url)
    try:
        with engine.connect() as conn:
            stored = conn.execute(sa.select(cr.c.idempotency_key, cr.c.reference, cr.c.id)).all()
            events = conn.execute(sa.select(ev.c.report_id).where(ev.c.action == "received")
                                  ).scalars().all()
            audits = conn.execute(sa.select(t.audit_event.c.entity_id).where(
                t.audit_event.c.entity == "citizen_report",
                t.audit_event.c.action == "submit")).scalars().all()
    finally:
        engine.dispose()
    assert {key: {ref} for key, ref, _id in stored} == acknowledged
    assert len(stored) == REPORTS                                # no duplicate row
    assert sorted(events) == sorted(report_id for _k, _r, report_id in stored)
    assert sorted(audits) == sorted(ref for _k, ref, _id in stored)
