"""In a real browser: sign in, filter the dashboard, the map draws the areas, Arabic is RTL."""

from __future__ import annotations

from browser_shots import shot
from web_support import PASSWORD


def sign_in(page, username: str) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def test_an_analyst_signs_in_and_filters_the_dashboard(page) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, "ana")
    # the dashboard opens on the latest year with incidents, and other browser tests of the
    # session add incidents dated today to the same store: look at the seeded year, 2024
    page.goto("/?year=2024")
    page.wait_for_selector("#kpi-victims .value")
    page.wait_for_selector("#chart-sex svg")
    page.wait_for_selector("#map.map-ready")
    assert int(page.get_attribute("#map", "data-features")) == 2          # the two regions
    assert page.locator("#map path.leaflet-interactive").count() == 2
    total = page.inner_text("#kpi-victims .value")
    shot(page, "dashboard-analyst")
    page.select_option("#f-offence", "0101")
    page.click("#apply-filters")
    page.wait_for_url("**offence=0101**")
    page.wait_for_selector("#kpi-victims .value")
    assert page.inner_text("#kpi-victims .value") != total
    page.wait_for_selector("#chart-trend svg")
    shot(page, "dashboard-homicide")


def test_clicking_a_region_drills_down_to_its_districts(page) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, "ana")
    page.wait_for_selector("#map.map-ready")
    page.locator("#map path.leaflet-interactive").first.click()
    page.wait_for_url("**area=R*")
    page.wait_for_selector("#map.map-ready")
    assert int(page.get_attribute("#map", "data-features")) == 2          # its two districts
    shot(page, "dashboard-drilldown")


def test_arabic_switches_the_layout_to_right_to_left(page) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, "ana")
    page.select_option("#language", "ar")
    page.wait_for_function("document.documentElement.dir === 'rtl'")
    page.wait_for_selector("#map.map-ready")
    page.wait_for_selector("#chart-weapon svg")
    assert page.inner_text("nav.main a >> nth=0") == "لوحة المعلومات"
    brand = page.locator(".brand").bounding_box()
    assert brand["x"] > 900                       # the brand sits on the right in RTL
    shot(page, "dashboard-arabic")
    page.select_option("#language", "en")
    page.wait_for_function("document.documentElement.dir === 'ltr'")
