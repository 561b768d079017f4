"""Helpers for the import tests: a tiny area tree, files written in tmp_path, table counts."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from salus.domain.incidents.model import Area
from salus.storage import repository as repo
from salus.storage import schema as t

SQUARE = {"type": "Polygon",
          "coordinates": [[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]]]}

INCIDENT_MAPPING = """
name: test-incidents
kind: incidents
columns:
  record_id: [id, ID]
  occurred_on: [date, fecha]
  area_code: [area, municipio]
  weapon: [weapon, arma]
  sex: [sex, sexo]
  count: [count, cantidad]
values:
  weapon: {ARMA DE FUEGO: firearm, ARMA BLANCA: sharp, CONTUNDENTE: blunt}
  sex: {MASCULINO: male, FEMENINO: female, NO REPORTA: unknown}
defaults:
  iccs_code: "0101"
  source_type: police
  source_name: Test police
  outcome: killed
dates:
  formats: ["%d/%m/%Y"]
"""

HEADER = ["id", "date", "area", "weapon", "sex", "count"]
GOOD_ROWS = [
    ["A1", "01/02/2020", "XX-01", "ARMA DE FUEGO", "MASCULINO", "2"],
    ["A2", "03/02/2020", "XX-02", "ARMA BLANCA", "FEMENINO", "1"],
    ["A3", "05/02/2020", "XX-01", "CONTUNDENTE", "NO REPORTA", "1"],
]


def seed_areas(engine: sa.Engine) -> None:
    """Country XX with two provinces; XX-01 has a unit-square polygon."""
    with engine.begin() as conn:
        repo.save_areas(conn, [
            Area("XX", "Testland", 0),
            Area("XX-01", "North", 1, "XX", geometry=SQUARE),
            Area("XX-02", "South", 1, "XX"),
        ])


def write_mapping(folder: Path, text: str = INCIDENT_MAPPING, name: str = "m.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def write_csv(path: Path, rows: Sequence[Sequence[Any]], *, encoding: str = "utf-8",
              delimiter: str = ",") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)
    return path


def write_xlsx(path: Path, rows: Sequence[Sequence[Any]]) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


def count(engine: sa.Engine, table: sa.Table) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


def snapshot(engine: sa.Engine) -> dict[str, int]:
    """Row counts of every table an import writes (to show that nothing changed)."""
    tables = (t.area, t.population, t.incident, t.incident_source, t.person,
              t.incident_weapon, t.import_batch, t.audit_event)
    return {table.name: count(engine, table) for table in tables}
