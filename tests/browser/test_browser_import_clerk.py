"""In a real browser (issue 13): a police-station clerk bound to region R1 uploads its
spreadsheet, sees the extra column listed as kept and the other region's row refused, commits
its own rows and finds the column's value on the incident's page."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from browser_shots import shot
from test_browser_dashboard import sign_in
from web_support import PASSWORD

from salus.domain.accounts.roles import SYSTEM_VIEWER
from salus.usecases.accounts import users as accounts

MAPPING = """name: station-browser
kind: incidents
columns:
  record_id: Case
  occurred_on: Date
  area_code: District
  iccs_code: Offence
defaults:
  source_type: police
  source_name: station browser
"""


def test_a_clerk_uploads_its_spreadsheet_and_finds_the_kept_column_on_the_incident(
        page, browser_store: sa.Engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    accounts.create_user(browser_store, SYSTEM_VIEWER, "clerk-north", PASSWORD, "data_entry",
                         area_code="R1")
    sign_in(page, "clerk-north")
    assert "Import" in page.inner_text("nav.main")
    page.goto("/imports")
    assert "R1" in page.inner_text("#import-scope")
    sheet = tmp_path / "station.csv"
    sheet.write_text("Case,Date,District,Offence,Collecting agency\n"
                     "BR-1,2022-03-01,R1-A,0101,Station 7 North\n"
                     "BR-2,2022-03-02,R2-A,0101,Station 9 South\n", encoding="utf-8")
    page.set_input_files("#upload-file", str(sheet))
    page.fill("#upload-mapping-yaml", MAPPING)
    page.click("#preview-import")
    page.wait_for_selector("#unmapped-columns")
    assert "Collecting agency" in page.inner_text("#unmapped-columns")
    error = page.inner_text("#preview-errors tbody tr")
    assert "District" in error and "R2-A" in error and "area.out_of_scope" in error
    shot(page, "import-clerk-preview")
    page.check("#skip-invalid")
    page.click("#commit-import")
    page.wait_for_selector("#import-result")
    assert "1 new" in page.inner_text("#import-result")
    assert "Collecting agency" in page.inner_text("#kept-columns")
    with browser_store.connect() as conn:
        uid = conn.execute(sa.text("select i.uid from incident i join incident_source s on "
                                   "s.incident_id = i.id where s.record_id = 'BR-1'")).scalar()
        refused = conn.execute(sa.text("select count(*) from incident_source "
                                       "where record_id = 'BR-2'")).scalar()
    assert refused == 0
    page.goto(f"/incidents/{uid}")
    kept = page.inner_text("#source-attributes")
    assert "Collecting agency" in kept and "Station 7 North" in kept
    shot(page, "import-clerk-incident")
