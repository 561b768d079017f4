"""Six languages: complete catalogs, negotiation, per-user choice, RTL Arabic, Babel formats."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from babel.messages.extract import extract_from_dir
from web_support import client, shared_observatory, sign_in

from salus import i18n

__all__ = ["shared_observatory"]
ROOT = Path(__file__).resolve().parents[1]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None, "_n": None,
            "_mark": None}


def _extracted() -> set[str]:
    method_map = [("salus/web/**.py", "python"), ("salus/web/templates/**.html", "jinja2")]
    options = {"salus/web/templates/**.html": {"extensions": "jinja2.ext.i18n",
                                               "trimmed": "true"}}
    found = extract_from_dir(str(ROOT), method_map, options, keywords=KEYWORDS)
    return {msg if isinstance(msg, str) else msg[0] for _f, _l, msg, _c, _x in found}


@pytest.mark.parametrize("language", ["fr", "es", "ru", "ar", "zh"])
def test_every_interface_string_is_translated(language: str) -> None:
    """Fails when a template gains a string the catalog lacks (regenerate: docs/web.md)."""
    catalog = i18n.read_catalogs(language)
    translated = {m.id for m in catalog if m.id and m.string}
    missing = sorted(_extracted() - translated)
    assert not missing, f"{language}: {missing[:10]}"


def test_the_browser_language_is_used_before_sign_in(shared_observatory: sa.Engine) -> None:
    c = client(shared_observatory)
    page = c.get("/login", headers={"Accept-Language": "es-CO,es;q=0.9,en;q=0.5"}).text
    assert '<html lang="es" dir="ltr">' in page and "Iniciar sesión" in page


def test_arabic_is_laid_out_right_to_left(shared_observatory: sa.Engine) -> None:
    c = client(shared_observatory)
    page = c.get("/login?lang=ar").text
    assert '<html lang="ar" dir="rtl">' in page and "تسجيل الدخول" in page


def test_a_user_s_choice_is_kept_on_the_account(shared_observatory: sa.Engine) -> None:
    c = client(shared_observatory)
    csrf = sign_in(c, "ana")
    c.post("/language", data={"language": "zh", "csrf_token": csrf, "next": "/"})
    other = client(shared_observatory)
    sign_in(other, "ana")
    assert '<html lang="zh"' in other.get("/account").text
    c.post("/language", data={"language": "en", "csrf_token": csrf, "next": "/"})


def test_numbers_dates_and_code_labels_follow_the_language(
        shared_observatory: sa.Engine) -> None:
    c = client(shared_observatory)
    sign_in(c, "admin")
    french = c.get("/dashboard/panel/sex?year=2024&lang=fr").text
    assert "Féminin" in french and "Victimes par sexe" in french
    russian = c.get("/incidents?lang=ru").text
    assert "Инциденты" in russian
    token = i18n.current_language.set("fr")
    try:
        assert i18n.number(1234567.5, 1) == "1\u202f234\u202f567,5"
    finally:
        i18n.current_language.reset(token)


def test_field_messages_are_translated(shared_observatory: sa.Engine) -> None:
    c = client(shared_observatory)
    csrf = sign_in(c, "dora")
    r = c.post("/incidents/new?lang=fr", data={"csrf_token": csrf, "occurred_on": "2999-01-01",
                                                "area_code": "R1-A", "iccs_code": "0101"})
    assert "La date est dans le futur." in r.text


def test_the_public_site_switches_language_without_an_account(engine: sa.Engine) -> None:
    c = client(engine, public=True)
    page = c.get("/", headers={"Accept-Language": "ru"}).text
    assert 'name="lang"' in page and "Панель" in page
    arabic = c.get("/?lang=ar")
    assert 'dir="rtl"' in arabic.text
    assert '<html lang="ar"' in c.get("/indicators").text   # the choice is remembered



def test_the_language_is_negotiated_once_before_every_page_and_api_route(
        engine: sa.Engine) -> None:
    """Routes never set the language: a page route and an API route added here, which do
    nothing about it, already run in the negotiated language."""
    from fastapi import FastAPI
    from fastapi.responses import PlainTextResponse

    c = client(engine)
    assert isinstance(c.app, FastAPI)

    def probe() -> PlainTextResponse:
        return PlainTextResponse(f"{i18n.current_language.get()} {i18n.gettext('Save')}")

    c.app.add_api_route("/language-probe", probe)
    c.app.add_api_route("/api/v1/language-probe", probe)
    assert c.get("/language-probe", headers={"Accept-Language": "fr"}).text == "fr Enregistrer"
    assert c.get("/api/v1/language-probe?lang=ar").text.startswith("ar ")
    assert c.get("/api/v1/language-probe").text == "en Save"
