"""Keyset (cursor) pages and capped totals of the incident list (issue 11), on SQLite and
PostgreSQL: the use case, the REST API and the web page."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
import re
from typing import Any

import pytest
import sqlalchemy as sa
from web_support import client, shared_observatory, sign_in  # noqa: F401  (fixture)

from salus.domain.accounts.roles import Viewer
from salus.usecases import paging
from salus.usecases.errors import UseCaseError
from salus.usecases.incidents import persons
from salus.usecases.incidents.query import (
    IncidentFilter,
    IncidentRow,
    iter_incidents,
    seek_incidents,
)
from salus.usecases.paging import CursorPage, PageRequest, SeekRequest

ADMIN = Viewer.for_role("admin", "admin")
SORTS = ("-date", "date", "offence", "-area", "-victims", "updated")
FILTERS = (IncidentFilter(), IncidentFilter(area="R2"), IncidentFilter(iccs="0101"),
           IncidentFilter(q="market"), IncidentFilter(date_from=dt.date(2024, 3, 1)))


def _bound(engine: sa.Engine, code: str) -> Viewer:
    """A regional officer bound to area ``code`` (the area scope applies)."""
    with engine.connect() as conn:
        area_id = conn.scalar(sa.text("select id from area where code = :c"), {"c": code})
    return Viewer.for_role("officer", "analyst", area_id=int(area_id), area_code=code)


def _walk(engine: sa.Engine, viewer: Viewer, f: IncidentFilter,
          per_page: int) -> tuple[list[CursorPage[IncidentRow]], list[CursorPage[IncidentRow]]]:
    """Every page forward by ``next`` from the first, then back by ``prev`` from the last."""
    forward = [seek_incidents(engine, viewer, f, SeekRequest(per_page))]
    while forward[-1].next:
        forward.append(seek_incidents(engine, viewer, f, SeekRequest(per_page,
                                                                     forward[-1].next)))
        assert len(forward) < 100
    back = [forward[-1]]
    while back[-1].prev:
        back.append(seek_incidents(engine, viewer, f, SeekRequest(per_page, back[-1].prev)))
        assert len(back) < 100
    return forward, back


@pytest.mark.parametrize("cap", [10_000, 5], ids=["counted", "beyond the cap"])
@pytest.mark.parametrize("sort", SORTS)
def test_walking_the_list_forward_then_back_gives_every_row_once_in_order(
        shared_observatory: sa.Engine, sort: str, cap: int,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Both ways of picking a page: gathering the few matches first (the total counted) and
    walking the order's index (beyond the count's cap)."""
    engine = shared_observatory
    monkeypatch.setattr(paging, "COUNT_CAP", cap)
    for viewer in (ADMIN, _bound(engine, "R1")):
        for base in FILTERS:
            f = dataclasses.replace(base, sort=sort)
            expected = [r.uid for r in iter_incidents(engine, viewer, f)]
            assert expected or (viewer is not ADMIN and f.area == "R2"), f
            forward, back = _walk(engine, viewer, f, per_page=7)
            walked = [r.uid for p in forward for r in p.items]
            assert walked == expected, (sort, f)
            assert all(len(p.items) == 7 for p in forward[:-1]) and forward[-1].next is None
            assert forward[0].prev is None
            backward = [r.uid for p in reversed(back) for r in p.items]
            assert backward == expected, (sort, f)
            assert back[-1].prev is None
            if len(expected) <= cap:
                assert forward[0].total == paging.Total(len(expected), "exact")
            else:
                assert forward[0].total.kind in ("estimate", "more_than")
            assert len(set(walked)) == len(walked)


def test_a_regional_officer_walks_only_its_region(shared_observatory: sa.Engine) -> None:  # noqa: F811
    engine = shared_observatory
    forward, _ = _walk(engine, _bound(engine, "R1"), IncidentFilter(), per_page=5)
    areas = {r.area_code for p in forward for r in p.items}
    assert areas == {"R1-A", "R1-B"}
    assert sum(len(p.items) for p in forward) == forward[0].total.count == 24


def _token(*parts: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(parts)).encode()).decode().rstrip("=")


BAD_CURSORS = {
    "not base64 json": "%%%not-a-cursor",
    "another order": _token(1, "date", "n", "2024-01-01", 3),
    "a key that is not a date": _token(1, "-date", "n", "yesterday", 3),
    "an id that is not a number": _token(1, "-date", "n", "2024-01-01", "3 or 1=1"),
    "a negative id": _token(1, "-date", "n", "2024-01-01", -1),
    "an unknown direction": _token(1, "-date", "x", "2024-01-01", 3),
    "an unknown version": _token(2, "-date", "n", "2024-01-01", 3),
}


@pytest.mark.parametrize("why", sorted(BAD_CURSORS))
def test_a_tampered_cursor_is_refused_naming_the_parameter_and_value(
        shared_observatory: sa.Engine, why: str) -> None:  # noqa: F811
    token = BAD_CURSORS[why]
    with pytest.raises(UseCaseError) as refused:
        seek_incidents(shared_observatory, ADMIN, IncidentFilter(), SeekRequest(5, token))
    assert refused.value.status == 400
    assert refused.value.detail.startswith(f"cursor: {token!r} is not a valid cursor")
    c = client(shared_observatory)
    sign_in(c, "admin")
    r = c.get("/api/v1/incidents", params={"cursor": token})
    assert r.status_code == 400 and r.headers["content-type"] == "application/problem+json"
    assert "cursor" in r.json()["detail"] and token in r.json()["detail"]
    page = c.get("/incidents", params={"cursor": token})
    assert page.status_code == 400 and "not a valid cursor" in page.text


def test_the_api_pages_by_cursor_and_keeps_numbered_pages_within_reach(
        shared_observatory: sa.Engine) -> None:  # noqa: F811
    c = client(shared_observatory)
    sign_in(c, "admin")
    numbered = c.get("/api/v1/incidents", params={"per_page": 5, "page": 2}).json()
    assert numbered["total"] == 48 and numbered["total_kind"] == "exact"
    assert numbered["page"] == 2 and numbered["pages"] == 10 and len(numbered["items"]) == 5
    seen: list[str] = []
    url: str | None = "/api/v1/incidents?per_page=10&sort=-date&area=R1"
    while url:
        body = c.get(url).json()
        seen += [i["uid"] for i in body["items"]]
        assert body["page"] in (1, None)
        url = body["next_url"]
        assert url is None or ("area=R1" in url and "cursor=" in url)
    listed = [r.uid for r in iter_incidents(shared_observatory, ADMIN, IncidentFilter(area="R1"))]
    assert seen == listed and len(seen) == 24
    too_deep = c.get("/api/v1/incidents", params={"per_page": 50, "page": 300})
    assert too_deep.status_code == 400
    assert too_deep.json()["detail"].startswith("page: 300 is out of reach of numbered pages")


def test_a_total_beyond_the_cap_says_more_than_or_estimate(
        shared_observatory: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    engine = shared_observatory
    monkeypatch.setattr(paging, "COUNT_CAP", 10)
    page = seek_incidents(engine, ADMIN, IncidentFilter(), SeekRequest(5))
    recent = IncidentFilter(area="R1-A", date_from=dt.date(2024, 1, 1))
    small = seek_incidents(engine, ADMIN, recent, SeekRequest(5))
    assert small.total == paging.Total(6, "exact")
    c = client(engine)
    sign_in(c, "admin")
    html = c.get("/incidents").text
    counts = re.search(r'<span id="incident-count"[^>]*>([^<]*)</span>', html)
    assert counts is not None
    if engine.dialect.name == "postgresql":
        assert page.total.kind == "estimate" and page.total.count > 10
        assert counts.group(1) == f"about {page.total.count:,} incidents (estimate)"
        assert re.search(r'<b id="count-crime" title="estimate">~[\d,]+</b>', html)
    else:
        assert page.total == paging.Total(10, "more_than")
        assert counts.group(1) == "more than 10 incidents"
        assert 'id="record-type-counts"' not in html       # no estimate on SQLite
    api = c.get("/api/v1/incidents").json()
    assert (api["total"], api["total_kind"]) == (page.total.count, page.total.kind)
    monkeypatch.setattr(paging, "COUNT_CAP", 10_000)
    exact = c.get("/incidents").text
    assert '<span id="incident-count" data-total-kind="exact">48 incidents</span>' in exact
    assert '<b id="count-crime">48</b>' in exact


def test_the_web_page_walks_by_next_and_previous_links(shared_observatory: sa.Engine) -> None:  # noqa: F811
    c = client(shared_observatory)
    sign_in(c, "admin")
    first = c.get("/incidents", params={"per_page": 10, "area": "R2"}).text
    assert 'rel="prev"' not in first
    found = re.search(r'href="\?([^"]*cursor=[^"]*)" rel="next"', first)
    assert found is not None
    link = found.group(1).replace("&amp;", "&")
    assert "area=R2" in link and "&page=" not in link and not link.startswith("page=")
    second = c.get("/incidents?" + link).text
    assert 'rel="prev"' in second and 'rel="next"' in second
    uids = re.findall(r'href="/incidents/([0-9a-f-]{36})"', first + second)
    listed = [r.uid for r in iter_incidents(shared_observatory, ADMIN, IncidentFilter(area="R2"))]
    assert uids == listed[:20]


def test_the_persons_api_walks_by_cursor_in_the_callers_scope(
        shared_observatory: sa.Engine) -> None:  # noqa: F811
    engine = shared_observatory
    for viewer in (ADMIN, _bound(engine, "R1")):
        f = persons.PersonFilter(role="victim")
        listed = persons.list_persons(engine, viewer, f, PageRequest(1, 500)).items
        pages = [persons.seek_persons(engine, viewer, f, SeekRequest(7))]
        while pages[-1].next:
            pages.append(persons.seek_persons(engine, viewer, f, SeekRequest(7, pages[-1].next)))
        back = [pages[-1]]
        while back[-1].prev:
            back.append(persons.seek_persons(engine, viewer, f, SeekRequest(7, back[-1].prev)))
        assert [x for p in pages for x in p.items] == listed
        assert [x for p in reversed(back) for x in p.items] == listed
        assert pages[0].total == paging.Total(len(listed)) and "id" not in listed[0]
    assert len(listed) == 24                                  # R1's victims only
    c = client(engine)
    sign_in(c, "admin")
    seen: list[object] = []
    url: str | None = "/api/v1/persons?per_page=10&role=victim"
    while url:
        body = c.get(url).json()
        seen += body["items"]
        url = body["next_url"]
    assert len(seen) == 48 and body["total_kind"] == "exact"
    assert c.get("/api/v1/persons", params={"cursor": "e30"}).status_code == 400
