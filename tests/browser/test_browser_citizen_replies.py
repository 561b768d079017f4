"""In a real browser (issue 13): a reporter sends a report from the French form, agrees to be
told, looks it up by its reference and sees only its status; an analyst verifies it; the outbox
worker sends one text to the provider; the status page then says it was confirmed. A hotline
operator enters a caller's report, and the review page names the operator."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from browser_shots import shot
from browser_support import watch_csp
from citizen_reports_support import lift_limits
from sms_provider_support import Provider
from test_browser_dashboard import sign_in

from salus.config import SmsSettings
from salus.usecases.citizen_reports.outbox import send_outbox
from salus.usecases.citizen_reports.provider import HttpProvider

DESCRIPTION = "Des coups de feu près du marché, Moussa a été blessé"


@pytest.fixture
def second_page(browser: Any, base_url: str) -> Iterator[Any]:
    """Another person's browser (its own cookies), watched for CSP violations too."""
    context = browser.new_context(base_url=base_url, viewport={"width": 1360, "height": 900},
                                  locale="en-GB")
    context.set_default_timeout(20_000)
    pg = context.new_page()
    refused = watch_csp(pg)
    yield pg
    context.close()
    assert refused == [], "the Content-Security-Policy blocked something on these pages"


def _status(page: Any, reference: str) -> str:
    page.goto("/report/status")
    page.fill("#in-reference", reference)
    page.click("#status-form button[type=submit]")
    page.wait_for_selector("#status-result")
    return str(page.inner_text("main"))


def test_a_reporter_follows_their_report_from_the_form_to_the_text_message(
        page: Any, second_page: Any, browser_store: sa.Engine) -> None:
    lift_limits(browser_store)
    page.goto("/report?lang=fr")
    page.select_option("#in-category", "shooting")
    page.fill("#in-description", DESCRIPTION)
    page.select_option("#in-area_code", "R1-A")
    page.fill("#in-contact", "+234 800 000 0777")
    page.check("#in-reply_consent")
    page.click("#report-form button[type=submit]")
    reference = page.inner_text("#reference").strip()
    page.click("text=Voir l'état d'un signalement")
    shown = _status(page, reference)
    assert "Reçu, en attente de vérification" in shown
    assert "Moussa" not in shown and "marché" not in shown and "R1-A" not in shown
    shot(page, "report-status-received")

    sign_in(second_page, "ana")
    second_page.goto("/reports/review?status=unverified")
    second_page.click(f"text={reference}")
    second_page.click("#form-verified button")
    second_page.wait_for_selector("#report-status")
    assert "Verified" in second_page.inner_text("#report-status")

    provider = Provider()
    try:
        run = send_outbox(browser_store, HttpProvider(provider.url), SmsSettings())
    finally:
        provider.close()
    mine = [p for p in provider.received if p["to"] == "+2348000000777"]
    assert run.sent >= 1 and len(mine) == 1
    assert mine[0]["text"] == f"Votre signalement {reference} a été vérifié et confirmé. Merci."
    second_page.reload()
    assert "verified: sent" in second_page.inner_text("#report-replies")
    assert "Vérifié et confirmé" in _status(page, reference)
    shot(page, "report-status-confirmed")


def test_a_hotline_operator_enters_a_callers_report_and_it_names_them(
        page: Any, second_page: Any) -> None:
    sign_in(page, "dora")
    page.goto("/reports/operator")
    page.select_option("#in-reported_via", "radio")
    page.select_option("#in-language", "es")
    page.select_option("#in-category", "threat")
    page.fill("#in-description", "Caller says the night watch was threatened at the gate")
    page.select_option("#in-area_code", "R2-B")
    page.click("#operator-form button[type=submit]")
    reference = page.inner_text("#reference").strip()
    shot(page, "operator-report-recorded")
    sign_in(second_page, "ana")
    second_page.goto("/reports/review?channel=operator&status=all")
    second_page.click(f"text={reference}")
    facts = second_page.inner_text("#report-facts")
    assert "operator: radio" in facts and "dora" in second_page.inner_text("#report-entered-by")


@pytest.fixture(scope="module")
def alert_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, sa.Engine, int]]:
    """Its own observatory, in which verified citizen reports of a gunfire surge in R1-A fired
    an alert, served by uvicorn."""
    from browser_support import serve
    from citizen_reports_support import observatory
    from test_citizen_reports_replies import _alert

    from salus.storage.db import open_store
    from salus.web.app import create_app

    engine = open_store(f"sqlite:///{tmp_path_factory.mktemp('network') / 's.db'}")
    observatory(engine)
    alert_id = _alert(engine)
    with serve(create_app(engine)) as url:
        yield url, engine, alert_id
    engine.dispose()


def test_an_analyst_registers_focal_points_and_broadcasts_an_alert_to_its_area(
        browser: Any, alert_site: tuple[str, sa.Engine, int]) -> None:
    url, engine, alert_id = alert_site
    context = browser.new_context(base_url=url, viewport={"width": 1360, "height": 900})
    context.set_default_timeout(20_000)
    page = context.new_page()
    refused = watch_csp(page)
    sign_in(page, "ana")
    for name, area, phone, language in (("Awa", "R1-A", "+2348000000201", "fr"),
                                        ("Chen", "R2-A", "+2348000000202", "zh")):
        page.goto("/network")
        page.fill("#in-name", name)
        page.fill("#in-area_code", area)
        page.select_option("#in-role", "focal_point")
        page.select_option("#in-channel", "sms")
        page.fill("#in-phone", phone)
        page.uncheck("#field-languages input[value=en]")
        page.check(f"#field-languages input[value={language}]")
        page.click("#member-form button[type=submit]")
        page.wait_for_selector(f"#members >> text={name}")
    page.goto(f"/alerts/{alert_id}")
    page.fill("#broadcast-form input[name=note]", "Évitez la route du marché.")
    page.click("#broadcast-form button")
    page.wait_for_selector("#deliveries")
    assert "Waiting" in page.inner_text("#deliveries")
    provider = Provider()
    try:
        send_outbox(engine, HttpProvider(provider.url), SmsSettings())
    finally:
        provider.close()
    page.reload()
    rows = page.locator("#deliveries tbody tr").all_inner_texts()
    shot(page, "alert-broadcast-delivered")
    context.close()
    assert len(rows) == 1 and "Awa" in rows[0] and "Sent" in rows[0]
    assert [(p["to"], p["language"]) for p in provider.received] == [("+2348000000201", "fr")]
    assert provider.received[0]["text"].endswith("Évitez la route du marché.")
    assert refused == [], "the Content-Security-Policy blocked something on these pages"
