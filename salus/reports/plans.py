"""A community safety plan as a document: HTML (Jinja2) and PDF (WeasyPrint), in one language.

:func:`plan_html` renders :class:`~salus.usecases.plans.views.PlanView` with the template
``templates/plan.html`` in the requested language (strings from the ``plans.po`` catalogs,
code labels from ``salus/domain/plan_codes``; Arabic is laid out right to left).
:func:`plan_pdf` prints that HTML with WeasyPrint; fonts come from the system (Noto fonts cover
Arabic and Chinese where installed).
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import jinja2

from salus import i18n
from salus.domain import plans as sp
from salus.usecases.plans.views import PlanView

FORMATS = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}


@cache
def _environment() -> jinja2.Environment:
    folder = str(resources.files("salus.reports").joinpath("templates"))
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(folder),
                             autoescape=jinja2.select_autoescape(["html"]),
                             extensions=["jinja2.ext.i18n"], trim_blocks=True,
                             lstrip_blocks=True)
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(number=i18n.number, fmt_date=i18n.date)
    return env


def plan_html(plan: PlanView, language: str = "en") -> str:
    """The plan as a standalone HTML document in ``language``."""
    if language not in i18n.LANGUAGES:
        raise ValueError(f"unknown language {language!r} (known: {', '.join(i18n.LANGUAGES)})")
    token = i18n.current_language.set(language)
    try:
        return _environment().get_template("plan.html").render(
            plan=plan, lang=language, dir="rtl" if language in i18n.RTL_LANGUAGES else "ltr",
            code=lambda list_id, value: sp.label(list_id, value, language),
            percent=_percent)
    finally:
        i18n.current_language.reset(token)


def _percent(share: float | None) -> str:
    return "—" if share is None else i18n.percent(share)


def plan_pdf(plan: PlanView, language: str = "en") -> bytes:
    """The plan as PDF bytes (WeasyPrint)."""
    from weasyprint import HTML

    pdf: Any = HTML(string=plan_html(plan, language)).write_pdf()
    return bytes(pdf)


def render(plan: PlanView, fmt: str, language: str = "en") -> bytes:
    """``html`` or ``pdf`` bytes of the plan."""
    if fmt == "html":
        return plan_html(plan, language).encode("utf-8")
    if fmt == "pdf":
        return plan_pdf(plan, language)
    raise ValueError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")
