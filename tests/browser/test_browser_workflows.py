"""In a real browser: import a file with errors, fix it and commit; a scoped user's view."""

from __future__ import annotations

from pathlib import Path

from browser_shots import shot
from test_browser_dashboard import sign_in

MAPPING = """name: browser-test
kind: incidents
columns:
  record_id: id
  occurred_on: date
  area_code: area
  iccs_code: offence
defaults:
  source_type: police
  source_name: browser upload
"""


def test_an_import_with_errors_is_fixed_and_committed(page, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, "ana")
    bad = tmp_path / "police.csv"
    bad.write_text("id,date,area,offence\nB1,2024-03-01,R1-A,0101\nB2,2999-01-01,XX,0101\n"
                   "B3,2024-03-02,R2-B,9999\n", encoding="utf-8")
    page.goto("/imports")
    page.set_input_files("#upload-file", str(bad))
    page.fill("#upload-mapping-yaml", MAPPING)
    page.click("#preview-import")
    page.wait_for_selector("#preview-errors")
    assert page.locator("#preview-errors tbody tr").count() == 3
    assert "3 rows read, 1 records ready, 3 errors" in page.inner_text("#preview-summary")
    shot(page, "import-preview-errors")
    good = tmp_path / "police-fixed.csv"
    good.write_text("id,date,area,offence\nB1,2024-03-01,R1-A,0101\nB2,2024-01-09,R1-B,0101\n"
                    "B3,2024-03-02,R2-B,0102\n", encoding="utf-8")
    page.set_input_files("#upload-file", str(good))
    page.fill("#upload-mapping-yaml", MAPPING)
    page.click("#preview-import")
    page.wait_for_selector("#commit-import")
    assert "3 records ready, 0 errors" in page.inner_text("#preview-summary")
    page.click("#commit-import")
    page.wait_for_selector("#import-result")
    assert "3 new" in page.inner_text("#import-result")
    shot(page, "import-committed")


def test_a_scoped_monitor_sees_only_their_region_and_no_identities(page) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, "monty")
    nav = page.inner_text("nav.main")
    assert "Import" not in nav and "Users" not in nav and "Audit" not in nav
    page.goto("/incidents?sensitivity=gbv")
    rows = page.locator("#incidents tbody tr")
    assert rows.count() > 0
    areas = page.locator("#incidents tbody td:nth-child(2)").all_inner_texts()
    assert all("R1-" in a for a in areas)
    assert "hidden" in page.inner_text("#incidents")
    rows.first.locator("a").first.click()
    page.wait_for_selector("#identities-hidden")
    assert "Zainab" not in page.content()
    shot(page, "incident-monitor-hidden")
    page.goto("/users")
    assert "Forbidden" in page.inner_text("main")
