"""Keyset pages of the citizen-report review queue (issue 11) on SQLite and PostgreSQL: cursors
over ``(received_at, id)`` walk every report once, newest first, forward and back (ties on the
time included), for an analyst and for a monitor bound to region R1."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from citizen_reports_support import ANA, monty, observatory, submit
from web_support import client, sign_in

from salus.usecases.citizen_reports import review
from salus.usecases.errors import UseCaseError
from salus.usecases.paging import PageRequest, SeekRequest, Total


def _reports(engine: sa.Engine, reports: int = 23) -> None:
    observatory(engine)
    for n in range(reports):
        submit(engine, f"k{n}", description=f"Report number {n} of shots near the school",
               area_code=("R1-A", "R2-A", "R1-B")[n % 3])
    with engine.begin() as conn:                          # ties on the time, broken by id
        conn.execute(sa.text("update citizen_report set received_at = (select min(received_at)"
                             " from citizen_report) where mod(id, 4) = 0"))


def test_walking_the_review_queue_gives_every_report_once_newest_first(
        engine: sa.Engine) -> None:
    _reports(engine)
    for viewer in (ANA, monty(engine)):
        for f in (review.ReportFilter(None), review.ReportFilter("unverified"),
                  review.ReportFilter(None, area_code="R1-B")):
            listed = [r.id for r in review.list_reports(engine, viewer, f,
                                                        PageRequest(1, 500)).items]
            assert listed
            pages = [review.seek_reports(engine, viewer, f, SeekRequest(5))]
            while pages[-1].next:
                pages.append(review.seek_reports(engine, viewer, f,
                                                 SeekRequest(5, pages[-1].next)))
            back = [pages[-1]]
            while back[-1].prev:
                back.append(review.seek_reports(engine, viewer, f,
                                                SeekRequest(5, back[-1].prev)))
            assert [r.id for p in pages for r in p.items] == listed, (viewer.username, f)
            assert [r.id for p in reversed(back) for r in p.items] == listed
            assert pages[0].total == Total(len(listed))
    bound = review.seek_reports(engine, monty(engine), review.ReportFilter(None),
                                SeekRequest(50))
    assert {r.area_code for r in bound.items} == {"R1-A", "R1-B"}
    with pytest.raises(UseCaseError, match=r"^cursor: 'abc' is not a valid cursor"):
        review.seek_reports(engine, ANA, review.ReportFilter(None), SeekRequest(5, "abc"))


def test_the_queue_page_counts_and_links_to_the_next_page(engine: sa.Engine) -> None:
    _reports(engine, 53)                                  # the page shows 50
    c = client(engine)
    sign_in(c, "ana")
    html = c.get("/reports/review", params={"status": ""}).text
    assert '<p id="report-count" data-total-kind="exact">53 reports</p>' in html
    assert 'rel="prev"' not in html
    found = re.search(r'href="\?([^"]*cursor=[^"]+)" rel="next"', html)
    assert found is not None
    second = c.get("/reports/review?" + found.group(1).replace("&amp;", "&"))
    assert second.status_code == 200 and 'rel="prev"' in second.text
    assert len(re.findall(r'href="/reports/review/\d+"', second.text)) == 3
