"""Keyset pages of the audit log (issue 11) on SQLite and PostgreSQL: cursors walk every
event once, newest first, forward and back, filtered by actor or record; the page shows the
total it counted and links to the next page."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from web_support import add_cast, client, sign_in

from salus.domain.accounts.roles import Viewer
from salus.storage.repository import audit
from salus.usecases import paging
from salus.usecases.accounts.audit import AuditFilter, list_events, seek_events
from salus.usecases.errors import PermissionDenied
from salus.usecases.paging import PageRequest, SeekRequest

ADMIN = Viewer.for_role("root", "admin")


def _seed(engine: sa.Engine, events: int = 30) -> None:
    with engine.begin() as conn:
        for n in range(events):
            audit(conn, ("ana", "dora")[n % 2], ("create", "update", "read")[n % 3],
                  ("incident", "user")[n % 2], f"rec-{n % 4}", None, {"n": n})


@pytest.mark.parametrize("f", [AuditFilter(), AuditFilter(actor="ana"),
                               AuditFilter(entity="user", entity_id="rec-1"),
                               AuditFilter(action="read")], ids=repr)
def test_walking_the_audit_log_gives_every_event_once_newest_first(
        engine: sa.Engine, f: AuditFilter) -> None:
    _seed(engine)
    expected = [e.id for e in list_events(engine, ADMIN, f, PageRequest(1, 500)).items]
    assert expected and expected == sorted(expected, reverse=True)
    pages = [seek_events(engine, ADMIN, f, SeekRequest(4))]
    while pages[-1].next:
        pages.append(seek_events(engine, ADMIN, f, SeekRequest(4, pages[-1].next)))
    back = [pages[-1]]
    while back[-1].prev:
        back.append(seek_events(engine, ADMIN, f, SeekRequest(4, back[-1].prev)))
    assert [e.id for p in pages for e in p.items] == expected
    assert [e.id for p in reversed(back) for e in p.items] == expected
    assert pages[0].total == paging.Total(len(expected))
    with pytest.raises(PermissionDenied):
        seek_events(engine, Viewer.for_role("ana", "analyst"), f)


def test_the_audit_page_shows_its_total_and_a_next_link(
        engine: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    _seed(engine, 120)                                       # the page shows 100
    add_cast(engine)
    c = client(engine)
    sign_in(c, "admin")
    with engine.connect() as conn:
        n = conn.scalar(sa.text("select count(*) from audit_event"))
    page = c.get("/audit").text
    assert f'<p id="event-count" data-total-kind="exact">{n} events</p>' in page
    found = re.search(r'href="\?(cursor=[^"]+)" rel="next"', page)
    assert found is not None
    second = c.get("/audit?" + found.group(1))
    assert second.status_code == 200 and 'rel="prev"' in second.text
    monkeypatch.setattr(paging, "COUNT_CAP", 10)
    if engine.dialect.name == "postgresql":              # statistics for the planner's guess
        with engine.begin() as conn:
            conn.execute(sa.text("analyze audit_event"))
    capped = c.get("/audit?actor=ana").text
    kind = "estimate" if engine.dialect.name == "postgresql" else "more_than"
    assert f'data-total-kind="{kind}"' in capped
    if kind == "estimate":                               # 60 of ana's events seeded, all sampled
        assert re.search(r"about (6\d) events \(estimate\)", capped)
    else:
        assert "more than 10 events" in capped
    assert c.get("/audit?cursor=bm90LWEtY3Vyc29y").status_code == 400
