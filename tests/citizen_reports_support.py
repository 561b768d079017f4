"""Helpers for the citizen-report tests: a small observatory, submissions, signed messages.

The cast of :mod:`web_support`: ``ana`` analyst (verifies and publishes), ``monty`` community
monitor bound to region R1 (verifies, does not publish), ``dora`` data entry (neither).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from web_support import add_cast, seed

from salus.domain.accounts.roles import Viewer
from salus.storage import repository
from salus.storage.citizen_reports.schema import citizen_report
from salus.usecases.citizen_reports import intake
from salus.usecases.citizen_reports.settings import LIMITS_SETTING, signature

GOOD = {"category": "shooting", "description": "Shots fired near the market after dark",
        "area_code": "R1-A"}
ANA = Viewer.for_role("ana", "analyst")
DORA = Viewer.for_role("dora", "data_entry")
SECRET = "gateway-secret-for-tests"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def observatory(engine: sa.Engine, *, limits: bool = False) -> None:
    """Areas C → R1, R2 → four districts, the cast; intake limits lifted unless ``limits``."""
    seed(engine, per_district=0)
    add_cast(engine, scoped_area="R1")
    if not limits:
        lift_limits(engine)


def lift_limits(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        repository.set_setting(conn, LIMITS_SETTING, {"client": [1e9, 1e9],
                                                      "phone": [1e9, 1e9]})


def monty(engine: sa.Engine) -> Viewer:
    with engine.connect() as conn:
        r1 = conn.scalar(sa.text("SELECT id FROM area WHERE code = 'R1'"))
    return Viewer.for_role("monty", "community_monitor", area_id=r1, area_code="R1")


def submit(engine: sa.Engine, key: str, ip: str = "10.0.0.1", photo: bytes | None = None,
           **fields: Any) -> intake.Receipt:
    data = GOOD | fields
    envelope = intake.Envelope("web", f"web:{key}", intake.raw_form(data), ip)
    return intake.submit_report(engine, envelope, data, photo)


def count(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(sa.select(sa.func.count()).select_from(citizen_report)) or 0)


def row(engine: sa.Engine, reference: str) -> dict[str, Any]:
    with engine.connect() as conn:
        found = conn.execute(sa.select(citizen_report).where(
            citizen_report.c.reference == reference)).mappings().one()
    return dict(found)


def form_key(html: str) -> str:
    found = re.search(r'name="submission_key" value="([^"]+)"', html)
    assert found, "no submission key on the form"
    return found.group(1)


def reference_in(html: str) -> str:
    found = re.search(r'id="reference">(R-[0-9A-Z]{8})<', html)
    assert found, "no reference on the page"
    return found.group(1)


def message(text: str, message_id: str = "m-1", sender: str = "+2348000000001",
            gateway: str = "gw") -> bytes:
    return json.dumps({"gateway": gateway, "message_id": message_id, "from": sender,
                       "received_at": "2024-05-01T10:00:00Z", "text": text},
                      ensure_ascii=False).encode("utf-8")


def signed(body: bytes, secret: str = SECRET) -> dict[str, str]:
    return {"X-Salus-Signature": signature(secret, body), "Content-Type": "application/json"}


# ---------------------------------------------------------------- one store per module

@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[sa.Engine]:
    """A seeded store with the cast and lifted intake limits, built once per module and
    backend (migrating a fresh PostgreSQL schema takes seconds); tests use their own keys,
    addresses and areas so they do not see each other's reports."""
    from support_db import new_store

    engine = new_store(request, request.param)
    observatory(engine)
    yield engine
    engine.dispose()
