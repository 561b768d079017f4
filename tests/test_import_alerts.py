"""Early warning runs after every committed incident import."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa
from import_support import HEADER, seed_areas, write_csv, write_mapping

from salus.domain.accounts.roles import SYSTEM_VIEWER
from salus.storage import alerts as alert_schema
from salus.usecases.alerts.workflow import RuleSpec, add_rule
from salus.usecases.imports.files import import_file

MONDAY = dt.date(2024, 1, 1)


def _rows() -> list[list[str]]:
    """One homicide a week in XX-01 for 20 weeks, then 12 in the 21st week."""
    rows = [[f"W{w}", (MONDAY + dt.timedelta(weeks=w)).strftime("%d/%m/%Y"), "XX-01",
             "ARMA DE FUEGO", "MASCULINO", "1"] for w in range(20)]
    surge = MONDAY + dt.timedelta(weeks=20)
    rows += [[f"S{i}", surge.strftime("%d/%m/%Y"), "XX-01", "ARMA DE FUEGO", "MASCULINO", "1"]
             for i in range(12)]
    return rows


def test_an_import_with_a_surge_fires_the_matching_alert_rule(
    engine: sa.Engine, tmp_path: Path
) -> None:
    seed_areas(engine)
    add_rule(engine, SYSTEM_VIEWER, RuleSpec("Homicides weekly", "ears_c1", "week", 1,
                                             {"iccs": ["0101"]}))
    path = write_csv(tmp_path / "surge.csv", [HEADER, *_rows()])
    today = MONDAY + dt.timedelta(weeks=21)
    report = import_file(engine, "incidents", path, write_mapping(tmp_path), today=today)
    assert report.written and not report.errors
    with engine.connect() as conn:
        alerts = conn.execute(sa.select(alert_schema.alert.c.observed)).scalars().all()
    assert alerts == [12]
