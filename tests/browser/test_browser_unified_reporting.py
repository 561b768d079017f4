"""In a real browser (issue 13, unified reporting): a clerk records an arrest in flagrante at a
school, finds it in the incident list filtered by record type and place type, and an analyst
groups SDG 16.1.1 by place type on the indicators page; the figures equal raw SQL counts."""

from __future__ import annotations

import sqlalchemy as sa
from browser_shots import shot
from test_browser_dashboard import sign_in


def _count(engine: sa.Engine, sql: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text(sql)).scalar_one() or 0)


def test_a_clerk_records_an_arrest_in_flagrante_and_finds_it_counted_by_place(  # type: ignore[no-untyped-def]
        page, browser_store: sa.Engine) -> None:
    sign_in(page, "dora")
    page.goto("/incidents/new")
    page.fill("#in-occurred_on", "2024-05-10")
    page.fill("#area-search", "district r1-a")
    page.click(".area-match[data-code='R1-A']")
    page.select_option("#in-iccs_code", "PA01")
    page.select_option("#in-location_type", "school")
    page.select_option("select[name=persons-0-role]", "perpetrator")
    page.select_option("select[name=persons-0-sex]", "male")
    page.select_option("select[name=persons-0-outcome]", "unharmed")
    page.click("#save-incident")
    page.wait_for_selector("#saved")
    assert "Arrest in flagrante delicto" in page.inner_text("main")

    page.goto("/incidents")
    page.select_option("#f-record-type", "police_action")
    page.select_option("#f-place-type", "school")
    page.click("#incident-filters button.primary")
    page.wait_for_url("**record_type=police_action**")
    expected = _count(browser_store, "SELECT COUNT(*) FROM incident WHERE iccs_code LIKE 'PA%'"
                                     " AND location_type = 'school'")
    assert expected >= 1
    assert page.inner_text("#count-police_action") == str(expected)
    assert page.inner_text("#count-crime") == "0"
    assert page.locator("#incidents tbody tr").count() == expected
    assert "Educational establishment" in page.inner_text("#incidents tbody")
    shot(page, "incidents-police-actions-at-schools")


def test_an_analyst_groups_homicide_victims_by_place_type(  # type: ignore[no-untyped-def]
        page, browser_store: sa.Engine) -> None:
    sign_in(page, "ana")
    page.goto("/indicators")
    page.select_option("#ind-id", "sdg-16-1-1")
    page.fill("#ind-period", "2024")
    page.fill("#ind-by", "place_type")
    page.click("#indicator-form button.primary")
    page.wait_for_selector("#indicator-table")
    rows = {r.locator("td").nth(0).inner_text(): r.locator("td").nth(2).inner_text()
            for r in page.locator("#indicator-table tbody tr").all()}
    recorded = _count(browser_store, """
        SELECT COUNT(*) FROM person p JOIN incident i ON i.id = p.incident_id
        WHERE p.role = 'victim' AND p.outcome = 'killed' AND i.iccs_code LIKE '0101%'
          AND i.attempted = 0 AND i.location_type IS NULL
          AND i.occurred_on BETWEEN '2024-01-01' AND '2024-12-31'""")
    assert recorded > 0
    assert rows["Not recorded"] == str(recorded)
    assert rows["Educational establishment"] == "0"
    shot(page, "indicator-sdg-16-1-1-by-place-type")
