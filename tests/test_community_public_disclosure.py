"""The public community pages cannot give a suppressed count back by subtraction
(complementary suppression, issue 15 item 3), on SQLite and PostgreSQL.

The small observatory of :mod:`web_support` (country C → regions R1, R2 → districts R1-A …
R2-B, 6 incidents a district a year in 2023 and 2024: per district and year 3 in ICCS section
01, 2 in 02 and 1 in 03), plus burglaries (section 05) in 2024: 6 in R1-B and the small part,
1 in R1-A. Any area has a community page, so R1's "Incidents by offence section" is the sum of
R1-A's and R1-B's: R1's 7 burglaries less R1-B's 6 would give R1-A's 1 back, and the four
districts' 03 ("<5" each) under C's "<5" are each exactly 1.

An anonymous visitor opens every area's page; the test reads every figure of the section
tables (this year and the year before), tries every subtraction between an area and its
sub-areas and the linear programming audit (:func:`salus.analytics.disclosure.recoverable_cells`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import html
import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from support_db import new_store
from web_support import _incident, client, seed

from salus.analytics import disclosure
from salus.domain.accounts.roles import Viewer
from salus.domain.incidents import model as m
from salus.storage import repository
from salus.usecases.plans import community_figures

ANA = Viewer.for_role("ana", "analyst")
CHILDREN = {"C": ["R1", "R2"], "R1": ["R1-A", "R1-B"], "R2": ["R2-A", "R2-B"],
            "R1-A": [], "R1-B": [], "R2-A": [], "R2-B": []}
BURGLARIES = {"R1-A": 1, "R1-B": 6}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def observatory(request: pytest.FixtureRequest) -> Iterator[sa.Engine]:
    engine = new_store(request, request.param)
    seed(engine, per_district=6)
    burglaries = [dataclasses.replace(
        _incident(code, 2024, k, dt, m), iccs_code="0501",  # type: ignore[type-var]
        source=m.SourceRecord("police", "test", f"{code}-burglary-{k}"))
        for code, n in BURGLARIES.items() for k in range(n)]
    with engine.begin() as conn:
        repository.save_incidents(conn, burglaries)  # type: ignore[arg-type]
    yield engine
    engine.dispose()


def section_table(page: str) -> dict[tuple[str, int], str]:
    """The figures of the page's "Incidents by offence section" table: (offence, 0 for this
    year or 1 for the year before) → the text shown."""
    table = re.search(r'<table class="data" id="sections">(.*?)</table>', page, re.S)
    assert table is not None
    out: dict[tuple[str, int], str] = {}
    for row in re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td>", table.group(1)):
        label, now, before = (html.unescape(v).strip() for v in row)
        out[label, 0], out[label, 1] = now, before
    return out


def exact_counts(engine: sa.Engine) -> dict[str, dict[tuple[str, int], int]]:
    """What the analyst sees (unsuppressed), keyed like :func:`section_table`."""
    from salus.usecases.scope import area_id_of

    out: dict[str, dict[tuple[str, int], int]] = {}
    with engine.connect() as conn:
        ids = {code: area_id_of(conn, code) for code in CHILDREN}
    for code, area_id in ids.items():
        assert area_id is not None
        rows = community_figures.section_counts(engine, ANA, area_id, dt.date(2024, 1, 1),
                                                dt.date(2024, 12, 31))
        out[code] = {}
        for r in rows:
            label = community_figures.section_label(r.section)
            out[code][label, 0], out[code][label, 1] = int(r.current), int(r.previous)
    return out


def test_no_suppressed_section_count_can_be_worked_out_from_the_community_pages(
        observatory: sa.Engine) -> None:
    visitor = client(observatory)
    shown = {code: section_table(visitor.get(f"/public/communities/{code}").text)
             for code in CHILDREN}
    exact = exact_counts(observatory)
    burglary = community_figures.section_label("05")
    assert exact["R1-A"][burglary, 0] == 1 and shown["R1-A"][burglary, 0] == "<5"
    keys = sorted({key for table in exact.values() for key in table})
    index = {(code, key): i for i, (code, key) in enumerate(
        (code, key) for code in CHILDREN for key in keys)}
    text = [shown[code].get(key, "0") for code, key in index]
    counts = [exact[code].get(key, 0) for code, key in index]
    for (code, key), value in zip(index, text, strict=True):
        assert value in ("<5", "c") or int(value) == exact[code].get(key, 0), (code, key)
    hidden = [not value.isdigit() for value in text]
    relations = [disclosure.Relation(index[code, key], tuple(index[k, key] for k in kids))
                 for code, kids in CHILDREN.items() if kids for key in keys]
    for rel in relations:  # every subtraction: an area and its sub-areas, one figure unknown
        unknown = [c for c in (rel.total, *rel.parts) if hidden[c]]
        assert len(unknown) != 1, [list(index)[c] for c in (rel.total, *rel.parts)]
    assert "c" in text  # complements were needed, and read "c"
    assert disclosure.recoverable_cells(counts, hidden, relations,
                                        small=[v == "<5" for v in text]) == []
    api = client(observatory, public=True).get("/api/v1/public/communities/R1").json()
    assert {(community_figures.section_label(s["section"]), 0): s["current"]
            for s in api["sections"]} == {k: v for k, v in shown["R1"].items() if k[1] == 0}
    assert all(s["change_pct"] is None for s in api["sections"]
               if not (s["current"].isdigit() and s["previous"].isdigit()))


def figure_table(page: str) -> dict[tuple[str, str], tuple[str, str]]:
    """The indicator figures of a community page: (indicator, group) → (count, previous)."""
    table = re.search(r'<table class="data figures">(.*?)</table>', page, re.S)
    assert table is not None
    rows = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td><td>.*?</td>"
                      r"<td>(.*?)</td>", table.group(1))
    return {(html.unescape(a), html.unescape(b)): (html.unescape(c), html.unescape(d))
            for a, b, c, d in rows}


def test_an_indicator_figure_withheld_as_a_complement_reads_c_not_a_small_count(
        observatory: sa.Engine) -> None:
    from salus.usecases.plans.community_page import community_page

    visitor = client(observatory)
    seen = []
    for code in CHILDREN:
        shown = figure_table(visitor.get(f"/public/communities/{code}").text)
        exact = {(f.title, f.group): f for f in community_page(observatory, ANA, code).figures
                 if f.group is None}
        for (title, group), (count, _previous) in shown.items():
            if group != "All" or (title, None) not in exact:
                continue
            n = int(exact[title, None].count)
            seen.append((code, count, n))
            assert count == str(n) or count == "c" or (count == "<5" and 1 <= n <= 4), \
                (code, title, count, n)
    assert any(count == "c" and n >= 5 for _, count, n in seen), seen
