"""Stores and requests shared by the Parquet export tests (DuckDB and Spark; no tests here).

The fictional observatory of :mod:`test_indicators_support` (Costa Ficticia, ``XC``) with what
every shipped indicator counts: a misdemeanour and a police action, a conflict death listed by
person and one declared by its source only (UCDP style), and a media record of incident B that
the primary series (``primary_sources: [police]``) leaves out. :func:`second_country` is the
same observatory under the codes ``XD…``, for exports read together.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import sqlalchemy as sa
from test_indicators_support import AREAS, F, M, incident, incidents, population, victim

from salus.domain.incidents.model import Incident, SourceRecord
from salus.storage import repository as repo
from salus.usecases.indicators.compute import list_indicators


def extra_incidents() -> list[Incident]:
    """Records only some indicators count (see the module doc)."""
    conflict = incident("U1", "2023-06-15", "XC0201", [], iccs="0107")
    conflict.declared_killed = 3
    media_b = incident("B", "2023-03-05", "XC0101", [victim(F, 35), victim(M, 40)],
                       weapon="sharp")
    media_b.source = SourceRecord("media", "Diario Ficticio", "B-media")
    return [
        incident("M1", "2023-04-10", "XC0102", [], iccs="MI01"),
        incident("P1", "2023-10-02", "XC0101", [], iccs="PA01"),
        incident("C1", "2023-08-20", "XC0101", [victim(M, 24)], iccs="0107",
                 weapon="assault_rifle", context="armed_conflict"),
        conflict,
        media_b,
    ]


def build(engine: sa.Engine, prefix: str = "XC") -> None:
    """Write the observatory into an empty store, its area codes starting with ``prefix``."""
    def code(c: str | None) -> str | None:
        return None if c is None else prefix + c[2:]

    areas = [dataclasses.replace(a, code=str(code(a.code)), parent_code=code(a.parent_code),
                                 name=f"{a.name} {prefix}")
             for a in AREAS]
    pops = [dataclasses.replace(p, area_code=str(code(p.area_code))) for p in population()]
    events = []
    for item in [*incidents(), *extra_incidents()]:
        item.area_code = str(code(item.area_code))
        item.source = dataclasses.replace(item.source, record_id=prefix + item.source.record_id)
        events.append(item)
    with engine.begin() as conn:
        repo.save_areas(conn, areas)
        repo.save_population(conn, pops)
        repo.save_incidents(conn, events)
        repo.set_setting(conn, "primary_sources", ["police"])


def requests(area: str = "XC01") -> list[tuple[str, dict[str, Any]]]:
    """Every shipped indicator by its own grouping, by area and quarter at level 1, and by sex
    over one department; then public answers and filters."""
    out: list[tuple[str, dict[str, Any]]] = []
    for definition in list_indicators():
        out += [
            (definition.id, {"period": "2023"}),
            (definition.id, {"period": "2022..2023", "by": "area,quarter", "level": 1}),
            (definition.id, {"period": "2023", "by": "sex", "filters": {"area": area}}),
        ]
    out += [
        ("sdg-16-1-1", {"period": "2023", "by": "area,sex"}),
        ("sdg-16-1-1", {"period": "2023", "by": "area", "level": 1, "public": True}),
        ("sdg-16-1-1", {"period": "2023-Q1", "by": "week"}),
        ("sdg-16-1-1", {"period": "2023", "by": "month", "filters": {"source": "media"}}),
        ("sdg-16-1-2", {"period": "2023", "by": "cause,conflict_status"}),
        ("homicide-incidents", {"period": "2023-01-01..2023-06-30", "by": "area,weapon",
                                "filters": {"sex": "male"}}),
        ("firearm-deaths-by-context", {"period": "2023", "by": "misuse_context"}),
    ]
    return out
