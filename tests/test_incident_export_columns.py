"""Incident exports carry the record type (crime, police action, misdemeanour) and the place
type of each incident, by column name, with formulas still neutralised (CSV and HXL; the
GeoJSON properties carry the same columns)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import sqlalchemy as sa
from alerts_support import add_areas, incident_rows

from salus.domain.accounts.roles import SYSTEM_VIEWER
from salus.storage import schema as t
from salus.usecases.incidents.export import export_incidents
from salus.usecases.incidents.query import IncidentFilter

HEADER = ["uid", "occurred_on", "date_precision", "area_code", "area_name", "iccs_code",
          "record_type", "attempted", "iccs_context", "misuse_context", "weapon_category",
          "location_type", "sensitivity", "victims", "killed", "longitude", "latitude",
          "narrative"]
DAY = dt.date(2024, 3, 2)


def _seed(engine: sa.Engine) -> None:
    ids = add_areas(engine)
    rows = incident_rows(ids["R1-A"], DAY, 1, "0101") + incident_rows(ids["R1-B"], DAY, 1,
                                                                        "PA01")
    rows[0] |= {"uid": "crime-1", "location_type": "school"}
    rows[1] |= {"uid": "arrest-1", "location_type": "=1+2"}  # a hostile code, as imported
    with engine.begin() as conn:
        conn.execute(t.incident.insert(), rows)


def _export(engine: sa.Engine, fmt: str) -> str:
    return "".join(export_incidents(engine, SYSTEM_VIEWER, IncidentFilter(), fmt))


def test_the_csv_export_names_the_record_type_and_the_place_type_of_each_incident(
        engine: sa.Engine) -> None:
    _seed(engine)
    lines = list(csv.reader(io.StringIO(_export(engine, "csv"))))
    assert lines[0] == HEADER
    rows = {r["uid"]: r for r in (dict(zip(HEADER, line, strict=True)) for line in lines[1:])}
    assert (rows["crime-1"]["record_type"], rows["crime-1"]["location_type"]) == (
        "crime", "school")
    assert rows["crime-1"]["iccs_code"] == "0101" and rows["crime-1"]["area_code"] == "R1-A"
    assert (rows["arrest-1"]["record_type"], rows["arrest-1"]["location_type"]) == (
        "police_action", "'=1+2")


def test_the_hxl_and_geojson_exports_carry_the_same_two_columns(engine: sa.Engine) -> None:
    _seed(engine)
    lines = list(csv.reader(io.StringIO(_export(engine, "hxl"))))
    assert lines[0] == HEADER and len(lines[1]) == len(HEADER)
    tags = dict(zip(HEADER, lines[1], strict=True))
    assert (tags["record_type"], tags["location_type"]) == ("#event+type+record", "#loc+type")
    features = json.loads(_export(engine, "geojson"))["features"]
    props = {f["properties"]["uid"]: f["properties"] for f in features}
    assert props["arrest-1"]["record_type"] == "police_action"
    assert props["crime-1"]["location_type"] == "school"
