"""The public SDG 16.4.2 figures cannot give a suppressed count back by subtraction
(complementary suppression, issue 15 item 3), on SQLite and PostgreSQL.

Recoveries of 2024 (areas XX > R1 > {R1-A, R1-B}, XX > R2 > {R2-A}), none traced:

- R1-A: 10 seized, 2 found (the small part: all 12 = seized 10 + found 2);
- R1-B: 6 seized;
- R2-A: 7 seized, 1 surrendered (R2 = R2-A: a small part again, and one level up
  XX's surrendered = R2's).

A public visitor runs the report for every area and for the whole; the test reads every
published figure of every CSV, tries every subtraction that the tables' additive relations
allow (a kind's arms = the sum of its outcomes, its traced arms = its ``traced_illicit`` cell,
the totals = the sums of the kinds, an area = the sum of its sub-areas) and the linear
programming audit (:func:`salus.analytics.disclosure.recoverable_cells`).
"""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa
from arms_stock_support import (
    ANALYST,
    PUBLIC,
    reset,
    stock_engine_fixture,  # noqa: F401 - fixture
)
from tracing_support import event, weapon

from salus.analytics import disclosure
from salus.usecases.weapons import sdg_16_4_2 as sdg

AREAS: dict[str | None, list[str]] = {None: ["XX"], "XX": ["R1", "R2"], "R1": ["R1-A", "R1-B"],
                                      "R2": ["R2-A"], "R1-A": [], "R1-B": [], "R2-A": []}
RECOVERIES = [("R1-A", "seized", 10), ("R1-A", "found", 2), ("R1-B", "seized", 6),
              ("R2-A", "seized", 7), ("R2-A", "surrendered", 1)]


@pytest.fixture(scope="module")
def registry(stock_engine: sa.Engine) -> sa.Engine:
    reset(stock_engine)
    n = 0
    for area, kind, count in RECOVERIES:
        for _ in range(count):
            n += 1
            event(stock_engine, weapon(stock_engine, f"SN-{n:03d}", area=area), kind,
                  "2024-03-01", area=area)
    return stock_engine


def published(engine: sa.Engine, area: str | None) -> dict[sdg.CellKey, str]:
    """Every figure of the public CSV of ``area``'s report, as text."""
    text = sdg.report_16_4_2(engine, PUBLIC, "2024", area).csv()
    out: dict[sdg.CellKey, str] = {}
    for row in csv.DictReader(io.StringIO(text)):
        out["arms", row["recovery"], row["outcome"]] = row["arms"]
        if row["traced"] != "":
            out["traced", row["recovery"], row["outcome"]] = row["traced"]
        if row["proportion"] != "":
            assert row["arms"].isdigit() and row["traced"].isdigit(), row  # else p * arms
    return out


def test_no_suppressed_16_4_2_figure_can_be_worked_out_from_the_published_reports(
        registry: sa.Engine) -> None:
    shown = {area: published(registry, area) for area in AREAS}
    exact = {area: sdg.published_cells(sdg.report_16_4_2(registry, ANALYST, "2024",
                                                         area).result) for area in AREAS}
    assert shown[None]["arms", "found", "all"] == "<5"  # the small part is there
    assert exact[None]["arms", "found", "all"] == 2
    index = {(area, key): i for i, (area, key) in enumerate(
        (area, key) for area in AREAS for key in exact[area])}
    relations: list[disclosure.Relation] = []
    for area in AREAS:
        relations += sdg.table_relations({key: index[area, key] for key in exact[area]})
        if AREAS[area]:
            relations += [disclosure.Relation(index[area, key], tuple(
                index[child, key] for child in AREAS[area])) for key in exact[area]]
    text = [shown[area][key] for area, key in index]
    assert set(text) - {str(n) for n in range(100)} <= {"<5", "c"}
    hidden = [not value.isdigit() for value in text]
    for rel in relations:  # every subtraction: a relation with one figure unpublished
        cells = (rel.total, *rel.parts)
        unknown = [c for c in cells if hidden[c]]
        assert len(unknown) != 1, [list(index)[c] for c in cells]
    counts = [exact[area][key] for area, key in index]
    assert [shown[a][k] for a, k in index if hidden[index[a, k]] and counts[index[a, k]] >= 5]
    assert disclosure.recoverable_cells(counts, hidden, relations,
                                        small=[v == "<5" for v in text]) == []
    analyst = sdg.report_16_4_2(registry, ANALYST, "2024").rows()
    assert analyst[0]["arms"] == 26 and analyst[2]["arms"] == 2  # exact for the staff


def test_public_16_4_2_is_one_calendar_year_so_no_report_is_a_part_or_a_sum_of_another(
        registry: sa.Engine) -> None:
    """A quarter is a part of its year and a range the sum of its years: publishing either
    beside the year would give a withheld figure back by subtraction."""
    from salus.usecases.errors import ValidationFailed

    for period in ("2024-Q1", "2024-03", "2023..2024"):
        with pytest.raises(ValidationFailed) as refused:
            sdg.report_16_4_2(registry, PUBLIC, period)
        assert "public_year" in str(refused.value.errors), period
    assert sdg.report_16_4_2(registry, PUBLIC, "2024").public
    assert not sdg.report_16_4_2(registry, ANALYST, "2024-Q1").public  # staff: any period
