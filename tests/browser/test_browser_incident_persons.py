"""In a real browser (issue 13): a data-entry user adds person rows to the incident form, picks
the area by its name or by a click on the form's map, links the weapon by its serial and sees
the derived femicide class."""

from __future__ import annotations

import sqlalchemy as sa
from browser_shots import shot
from test_browser_dashboard import sign_in

from salus.domain.accounts.roles import SYSTEM_VIEWER
from salus.domain.weapons.registry import WeaponRecord
from salus.usecases.weapons import records


def _person(page, n: int, role: str, sex: str, outcome: str,  # type: ignore[no-untyped-def]
            relationship: str = "", of: str = "") -> None:
    page.select_option(f"select[name=persons-{n}-role]", role)
    page.select_option(f"select[name=persons-{n}-sex]", sex)
    page.select_option(f"select[name=persons-{n}-outcome]", outcome)
    page.select_option(f"select[name=persons-{n}-relationship]", relationship)
    page.fill(f"input[name=persons-{n}-related_victim]", of)


def test_a_clerk_adds_person_rows_picks_the_area_by_name_and_sees_a_femicide(  # type: ignore[no-untyped-def]
        page, browser_store: sa.Engine) -> None:
    records.record_weapon(browser_store, SYSTEM_VIEWER, WeaponRecord(
        category="revolver_pistol", manufacturer="Zastava", model="M88",
        serial_number="BR-7731", area_code="R1-B"))
    sign_in(page, "dora")
    page.goto("/incidents/new")
    page.fill("#in-occurred_on", "2024-06-14")
    page.fill("#area-search", "district r1-b")
    page.click(".area-match[data-code='R1-B']")
    assert page.input_value("#in-area_code") == "R1-B"
    assert "District R1-B" in page.inner_text("#area-chosen")
    page.select_option("#in-iccs_code", "0101")
    page.select_option("#in-weapon", "revolver_pistol")
    page.select_option("#in-weapon_legal_status", "illegal")
    page.fill("#in-weapon_serial", "br 7731")
    assert page.locator("div.person").count() == 2
    _person(page, 0, "victim", "female", "killed")
    _person(page, 1, "victim", "male", "injured")
    for _ in range(3):
        page.click("#add-person")                      # no round trip: the page stays
    assert page.locator("div.person").count() == 5
    _person(page, 2, "perpetrator", "male", "unharmed", "intimate_partner", "1")
    _person(page, 3, "witness", "female", "unharmed")
    page.click("#person-4 input.remove-person")         # the spare row goes away
    assert page.locator("div.person").count() == 4
    shot(page, "incident-form-persons")
    page.click("#save-incident")
    page.wait_for_selector("#saved")
    roles = page.locator("#persons tbody td:first-child").all_inner_texts()
    assert roles == ["Victim 1", "Victim 2", "Perpetrator", "Witness"]
    assert "R1-B" in page.inner_text("main")
    assert page.inner_text("#femicide") == "gender-related killing (femicide)"
    assert "by her intimate partner" in page.inner_text("#classification-reasons")
    weapons = page.inner_text("#weapons")
    assert "registry weapon BR-7731" in weapons and "Illegal" in weapons
    shot(page, "incident-femicide")


def test_a_clerk_clicks_an_area_on_the_forms_map_and_the_incident_and_edit_map_show_it(  # type: ignore[no-untyped-def]
        page) -> None:
    sign_in(page, "dora")
    page.goto("/incidents/new")
    page.wait_for_selector("#area-map.map-ready")
    assert page.get_attribute("#area-map", "data-features") == "4"     # the four districts
    page.fill("#in-occurred_on", "2024-07-02")
    page.select_option("#in-iccs_code", "0101")
    shape = page.locator("#area-map path[data-code='R2-A']")
    box = shape.bounding_box()
    assert box is not None
    # the pixel of the polygon's centre (a square: inside it), as Leaflet projects it
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    assert page.inner_text(".leaflet-tooltip") == "District R2-A (R2-A)"
    page.mouse.click(x, y)
    assert page.input_value("#in-area_code") == "R2-A"
    assert page.inner_text("#area-chosen") == "District R2-A (R2-A)"
    assert shape.get_attribute("stroke-width") == "3"                     # the chosen shape
    assert page.get_attribute("#area-map path[data-code='R1-B']", "stroke-width") == "1"
    shot(page, "incident-form-area-map")
    page.click("#save-incident")
    page.wait_for_selector("#saved")
    assert "District R2-A R2-A" in page.inner_text("main")
    page.click("#edit-incident")                       # the edit form's map shows the area chosen
    page.wait_for_selector("#area-map.map-ready")
    assert page.get_attribute("#area-map path[data-code='R2-A']", "stroke-width") == "3"
    assert page.get_attribute("#area-map path[data-code='R2-B']", "stroke-width") == "1"
