"""Pages on SQLite and PostgreSQL: dashboard panels, incidents, import, areas, indicators,
the page permission matrix (no identifying field on any page a role may open) and public mode."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from web_support import (
    GBV_NAME,
    GBV_NARRATIVE,
    PLAIN_NAME,
    add_cast,
    client,
    seed,
    shared_observatory,
    sign_in,
)

__all__ = ["shared_observatory"]

ALL = ("admin", "ana", "dora", "monty", "pub")
PAGES: dict[str, tuple[str, ...]] = {
    "/": ALL,
    "/dashboard/panel/headline?year=2024": ALL,
    "/dashboard/panel/map?year=2024": ALL,
    "/dashboard/panel/sex?year=2024": ALL,
    "/incidents": ("admin", "ana", "dora", "monty"),
    "/incidents?q=narrative-marker": ("admin", "ana", "dora", "monty"),
    "/incidents/{gbv}": ("admin", "ana", "dora", "monty"),
    "/incidents/{gbv}/edit": ("admin", "ana", "dora"),
    "/incidents/new": ("admin", "ana", "dora", "monty"),
    "/imports": ("admin", "ana", "dora"),
    "/areas": ALL,
    "/indicators": ALL,
    "/indicators?id=sdg-16-1-1&period=2024&by=area": ALL,
    "/alerts": ("admin", "ana", "dora", "monty"),
    "/hotspots?level=2": ("admin", "ana", "dora", "monty"),
    "/clusters?level=2": ("admin", "ana", "dora", "monty"),
    "/tension": ("admin", "ana", "dora", "monty"),
    "/audit": ("admin",),
    "/users": ("admin",),
    "/account": ALL,
}
SEES = {"admin": {GBV_NAME, GBV_NARRATIVE, PLAIN_NAME}, "ana": {PLAIN_NAME},
        "dora": {PLAIN_NAME}, "monty": set(), "pub": set()}


@pytest.fixture
def observatory(engine: sa.Engine) -> sa.Engine:
    """A fresh store for tests that write."""
    seed(engine, per_district=6)
    add_cast(engine, scoped_area="R1")
    return engine


def _gbv_uid(engine: sa.Engine) -> str:
    q = sa.text("select i.uid from incident i join area a on a.id = i.area_id "
                "where i.sensitivity = 'gbv' and a.code like 'R1%' order by i.id")
    with engine.connect() as conn:
        return str(conn.execute(q).scalars().first())


def test_every_role_opens_exactly_its_pages_and_sees_no_identity_it_lacks(
        shared_observatory: sa.Engine) -> None:
    observatory = shared_observatory
    gbv = _gbv_uid(observatory)
    for username in ALL:
        c = client(observatory)
        sign_in(c, username)
        for template, allowed in PAGES.items():
            path = template.format(gbv=gbv)
            r = c.get(path, follow_redirects=False)
            assert r.status_code == (200 if username in allowed else 403), (username, path)
            hidden = {GBV_NAME, GBV_NARRATIVE, PLAIN_NAME} - SEES[username]
            assert not [m for m in hidden if m in r.text], (username, path)


def test_the_dashboard_shows_headline_figures_and_csv_links(
        shared_observatory: sa.Engine) -> None:
    observatory = shared_observatory
    c = client(observatory)
    sign_in(c, "ana")
    page = c.get("/?year=2024").text
    for panel in ("headline", "trend", "map", "sex", "age", "weapon", "context"):
        assert f'hx-get="/dashboard/panel/{panel}?year=2024"' in page
    headline = c.get("/dashboard/panel/headline?year=2024").text
    assert '<div class="value">24</div>' in headline      # 4 districts × 6 victims
    assert "format=csv" in headline
    sex = c.get("/dashboard/panel/sex?year=2024").text
    assert "data-chart=" in sex and "Female" in sex
    csv_text = c.get("/api/v1/dashboard/sex?year=2024&format=csv").text
    assert csv_text.splitlines()[0].startswith("sex,incidents,victims")


def test_the_indicators_page_without_a_choice_lists_every_indicator_and_selects_none(
        shared_observatory: sa.Engine) -> None:
    c = client(shared_observatory)
    sign_in(c, "ana")
    page = c.get("/indicators").text
    assert 'id="indicator-list"' in page
    assert "/indicators?id=sdg-16-1-1&amp;period=2024" in page
    assert "selected>" not in page.split('id="ind-id"')[1].split("</select>")[0]


def test_a_scoped_user_sees_only_their_region_on_the_dashboard(
        shared_observatory: sa.Engine) -> None:
    observatory = shared_observatory
    c = client(observatory)
    sign_in(c, "monty")
    headline = c.get("/dashboard/panel/headline?year=2024&area=R2").text
    assert '<div class="value">12</div>' in headline       # R1 only, whatever was asked
    assert "R2-A" not in c.get("/dashboard/panel/map?year=2024").text


def test_a_scoped_monitor_finds_no_other_region_on_the_early_warning_pages(
        shared_observatory: sa.Engine) -> None:
    pages = ("/hotspots?level=2&days=3660&end=2024-12-31", "/clusters?level=2&days=730",
             "/tension", "/alerts?status=all")
    ana, monty = client(shared_observatory), client(shared_observatory)
    sign_in(ana, "ana")
    sign_in(monty, "monty")                                # bound to R1
    assert "R2-A" in ana.get(pages[0]).text
    for path in pages:
        assert "R2-" not in monty.get(path).text, path


def test_the_incident_form_shows_each_message_beside_its_field(observatory: sa.Engine) -> None:
    c = client(observatory)
    csrf = sign_in(c, "dora")
    r = c.post("/incidents/new", data={"csrf_token": csrf, "occurred_on": "2999-01-01",
                                        "area_code": "NOPE", "iccs_code": "0101",
                                        "persons-0-age": "abc", "persons-0-sex": "male"})
    assert r.status_code == 422
    fields = dict(re.findall(r'data-field="([^"]+)">([^<]+)<', r.text))
    assert set(fields) == {"occurred_on", "area_code", "persons-0-age"}
    r = c.post("/incidents/new", data={"csrf_token": csrf, "occurred_on": "2024-02-03",
                                        "area_code": "R1-A", "iccs_code": "0101",
                                        "persons-0-age": "40", "persons-0-sex": "male",
                                        "persons-0-outcome": "killed"}, follow_redirects=True)
    assert r.status_code == 200 and 'id="saved"' in r.text
    assert "create" in r.text                               # the record's history


def test_the_import_page_previews_every_row_error_then_commits(observatory: sa.Engine) -> None:
    c = client(observatory)
    csrf = sign_in(c, "ana")
    mapping = ("name: tiny\nkind: incidents\ncolumns:\n  record_id: id\n  occurred_on: date\n"
               "  area_code: area\n  iccs_code: offence\ndefaults:\n  source_type: police\n"
               "  source_name: upload\n")
    data = b"id,date,area,offence\n1,2024-01-01,R1-A,0101\n2,2999-01-01,ZZ,0101\n"
    r = c.post("/imports/preview", files={"file": ("x.csv", data, "text/csv")},
               data={"csrf_token": csrf, "kind": "incidents", "mapping_yaml": mapping})
    assert "2 rows read, 1 records ready, 2 errors" in r.text
    token = re.search(r"/imports/([\w-]+)/errors.csv", r.text).group(1)  # type: ignore[union-attr]
    errors = c.get(f"/imports/{token}/errors.csv").text.splitlines()
    assert errors[0] == "row,column,value,code,message,severity" and len(errors) == 3
    r = c.post(f"/imports/{token}/commit", data={"csrf_token": csrf})
    assert "Nothing was written" in r.text
    r = c.post(f"/imports/{token}/commit", data={"csrf_token": csrf, "skip_invalid": "on"})
    assert "1 new" in r.text
    other = client(observatory)
    other_csrf = sign_in(other, "admin")
    assert other.post(f"/imports/{token}/commit",
                      data={"csrf_token": other_csrf}).status_code == 404


def test_public_mode_has_no_login_no_records_and_suppresses_small_counts(
        engine: sa.Engine) -> None:
    seed(engine, per_district=6)
    c = client(engine, public=True)
    assert c.get("/").status_code == 200
    for path in ("/login", "/incidents", "/imports", "/users", "/audit", "/api/v1/persons"):
        assert c.get(path, follow_redirects=False).status_code == 404, path
    map_panel = c.get("/dashboard/panel/map?year=2024&offence=0101&area=R1").text
    # 3 victims in each district: "<5", or "c" where "<5" would give them away (12 in all
    # over three months that read "<5" are 4 each; issue 15, item 3)
    for district in ("R1-A", "R1-B"):
        assert re.search(rf'District {district}</td><td class="num">(&lt;5|c)<', map_panel)
    page = c.get("/indicators?id=sdg-16-1-1&period=2024&by=area").text
    for district in ("R1-A", "R1-B", "R2-A", "R2-B"):  # incidents and victims: 3 each
        assert re.search(rf'District {district}</td>(<td class="num">(&lt;5|c)</td>){{2}}', page)
    assert PLAIN_NAME not in page
