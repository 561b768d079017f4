"""Incident exports: CSV, GeoJSON and HXL-tagged CSV of the viewer's filtered list.

Exports never contain person identities (the list has none); GBV narratives are left out for
viewers who may not read them, as on screen.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

import sqlalchemy as sa

from salus.domain.accounts.roles import Viewer
from salus.domain.spreadsheet import safe_row
from salus.usecases.incidents.query import IncidentFilter, IncidentRow, iter_incidents

COLUMNS = ("uid", "occurred_on", "date_precision", "area_code", "area_name", "iccs_code",
           "record_type", "attempted", "iccs_context", "misuse_context", "weapon_category",
           "location_type", "sensitivity", "victims", "killed", "longitude", "latitude",
           "narrative")
"""The exported columns, by name. ``record_type`` (``crime``, ``police_action`` or
``misdemeanour``, :func:`salus.domain.incidents.offences.record_type`) tells crimes from police
actions sharing the offence column; ``location_type`` is the place-type code (school,
dwelling…). Both were added in the middle of the row: read the file by column name."""
HXL_TAGS = {"uid": "#event+id", "occurred_on": "#date+occurred",
            "date_precision": "#date+precision", "area_code": "#adm+code",
            "area_name": "#adm+name", "iccs_code": "#event+type+code",
            "record_type": "#event+type+record", "attempted": "#event+attempted",
            "iccs_context": "#event+context", "misuse_context": "#event+context+firearm",
            "weapon_category": "#weapon+type", "location_type": "#loc+type",
            "sensitivity": "#meta+sensitivity", "victims": "#affected+victims",
            "killed": "#affected+killed", "longitude": "#geo+lon", "latitude": "#geo+lat",
            "narrative": "#description"}
FORMATS = {"csv": "text/csv; charset=utf-8", "hxl": "text/csv; charset=utf-8",
           "geojson": "application/geo+json"}


def _values(row: IncidentRow) -> list[Any]:
    data = asdict(row)
    return ["" if data[c] is None else data[c] for c in COLUMNS]


def _csv_lines(rows: Iterator[IncidentRow], hxl: bool) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    if hxl:
        writer.writerow([HXL_TAGS[c] for c in COLUMNS])
    for n, row in enumerate(rows, start=1):
        writer.writerow(safe_row(_values(row)))
        if n % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _geojson(rows: Iterator[IncidentRow]) -> Iterator[str]:
    yield '{"type":"FeatureCollection","features":['
    first = True
    for row in rows:
        props = {c: v for c, v in zip(COLUMNS, _values(row), strict=True)
                 if c not in ("longitude", "latitude")}
        geometry = (None if row.longitude is None or row.latitude is None else
                    {"type": "Point", "coordinates": [row.longitude, row.latitude]})
        feature = {"type": "Feature", "geometry": geometry, "properties": props}
        yield ("" if first else ",") + json.dumps(feature, default=str, ensure_ascii=False)
        first = False
    yield "]}"


def export_incidents(engine: sa.Engine, viewer: Viewer, f: IncidentFilter,
                     fmt: str) -> Iterator[str]:
    """Chunks of the export in ``fmt`` (``csv``, ``geojson`` or ``hxl``)."""
    rows = iter_incidents(engine, viewer, f)
    if fmt == "geojson":
        return _geojson(rows)
    return _csv_lines(rows, hxl=fmt == "hxl")


def table_csv(header: list[str], rows: list[list[Any]]) -> str:
    """A small table (dashboard breakdowns, indicator rows) as CSV text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(safe_row(row) for row in rows)
    return buffer.getvalue()
