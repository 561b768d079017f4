"""Interface languages: gettext catalogs, locale negotiation and locale-aware formatting.

Catalogs are the ``locales/<lang>/LC_MESSAGES/*.po`` files in the package: ``messages.po`` for the
core pages and one more file per feature area (``weapons.po``, ``plans.po`` …), merged in name
order. They are read with Babel and compiled in memory on first use, so a fresh clone needs no
build step.
Taxonomy labels come from the code-list files, which carry the six languages themselves.
The current language is a context variable set once per request.
"""

from __future__ import annotations

import datetime as dt
import gettext as _gettext
import io
from contextvars import ContextVar
from functools import cache
from importlib import resources

from babel import Locale, negotiate_locale
from babel.dates import format_date, format_datetime
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent

LANGUAGES: dict[str, str] = {"en": "English", "fr": "Français", "es": "Español",
                             "ru": "Русский", "ar": "العربية", "zh": "中文"}
DEFAULT_LANGUAGE = "en"
RTL_LANGUAGES = frozenset({"ar"})

current_language: ContextVar[str] = ContextVar("salus_language", default=DEFAULT_LANGUAGE)


def N_(message: str) -> str:  # noqa: N802 - the name gettext's tools know
    """Mark a message for the catalogs without translating it here (translated where shown).

    The one no-op marker: ``pybabel extract -k N_`` collects what it marks.
    """
    return message


def po_path(language: str) -> str:
    """The core catalog of ``language`` (``messages.po``)."""
    folder = resources.files("salus.i18n").joinpath("locales", language, "LC_MESSAGES")
    return str(folder.joinpath("messages.po"))


def po_paths(language: str) -> list[str]:
    """Every catalog file of ``language``: ``messages.po`` first, then the feature catalogs."""
    folder = resources.files("salus.i18n").joinpath("locales", language, "LC_MESSAGES")
    names = sorted(item.name for item in folder.iterdir() if item.name.endswith(".po"))
    names.sort(key=lambda name: name != "messages.po")
    return [str(folder.joinpath(name)) for name in names]


def read_catalogs(language: str) -> Catalog:
    """All catalogs of ``language`` merged into one (a later file never overrides a translation)."""
    merged = Catalog(locale=language)
    for path in po_paths(language):
        with open(path, "rb") as handle:
            part = read_po(handle, locale=language)
        for message in part:
            if message.id and message.string and message.id not in merged:
                merged[message.id] = message
    return merged


@cache
def translations(language: str) -> _gettext.NullTranslations:
    """The compiled catalog of ``language`` (English and unknown languages: identity)."""
    if language not in LANGUAGES or language == DEFAULT_LANGUAGE:
        return _gettext.NullTranslations()
    buffer = io.BytesIO()
    write_mo(buffer, read_catalogs(language), use_fuzzy=False)
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


def gettext(message: str) -> str:
    return translations(current_language.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(current_language.get()).ngettext(singular, plural, n)


def negotiate(accept_language: str | None, *preferred: str | None) -> str:
    """The first of ``preferred`` that Salus speaks, else the browser's best match, else English."""
    for choice in preferred:
        if choice in LANGUAGES:
            return choice
    if accept_language:
        wanted = [part.split(";")[0].strip() for part in accept_language.split(",")]
        found = negotiate_locale([w for w in wanted if w], list(LANGUAGES), sep="-")
        if found:
            return found
        found = negotiate_locale([w.split("-")[0] for w in wanted if w], list(LANGUAGES))
        if found:
            return found
    return DEFAULT_LANGUAGE


def direction(language: str) -> str:
    return "rtl" if language in RTL_LANGUAGES else "ltr"


def number(value: float | int | None, digits: int = 0) -> str:
    """``value`` formatted in the current language (``—`` for None)."""
    if value is None:
        return "—"
    fmt = "#,##0" if digits == 0 else "#,##0." + "0" * digits
    return format_decimal(value, format=fmt, locale=_locale())


def percent(value: float | None) -> str:
    if value is None:
        return "—"
    return format_percent(value, format="#,##0.0%", locale=_locale())


def date(value: dt.date | None, style: str = "medium") -> str:
    if value is None:
        return ""
    return format_date(value, format=style, locale=_locale())


def month(value: dt.date) -> str:
    return format_date(value, format="MMM y", locale=_locale())


def datetime(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    return format_datetime(value, format="medium", locale=_locale())


@cache
def _locale_for(language: str) -> Locale:
    return Locale.parse(language)


def _locale() -> Locale:
    return _locale_for(current_language.get())


def label(taxonomy_id: str, code: str | None) -> str:
    """The label of a code-list entry in the current language (the code when unknown)."""
    if code is None:
        return ""
    from salus.domain import taxonomy

    if taxonomy_id == "iccs" and code.upper().startswith(("PA", "MI")):
        taxonomy_id = "police_action"  # the list beside ICCS (salus.domain.incidents.offences)
    try:
        return taxonomy.load(taxonomy_id).label(code, current_language.get())
    except (KeyError, taxonomy.UnknownTaxonomy):
        return code


def month_abbr(month_number: int) -> str:
    """Stand-alone abbreviated month name (``Mar``, ``mars``, ``3月``)."""
    return format_date(dt.date(2000, month_number, 1), format="LLL", locale=_locale())
