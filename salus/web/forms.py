"""Web forms, one way for every write form of the web app.

* :class:`Field` describes one input (name, label, kind, choices); the ``_form.html`` macros
  render it with its messages beside it, and :func:`render_form` renders a whole form page
  (``form.html``: title, CSRF token, fields, Save and Cancel).
* :class:`FormReader` turns the submitted text into typed values (dates, numbers, choices), keeps
  the values for redisplay and collects ``{field, code, message, value}`` errors like the use
  cases' own; :meth:`FormReader.done` raises them together as :class:`ValidationFailed`.
* :func:`submit` runs the use case: a redirect when it succeeds, the form again (422, values
  kept, messages beside their fields) when it refuses. Nothing is written on a refusal.

The rules stay in the use cases; a form only reads text and calls one.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from salus import i18n
from salus.i18n import N_
from salus.usecases.errors import ValidationFailed
from salus.web.templating import render

Values = dict[str, Any]
Finding = dict[str, Any]
Options = Sequence[tuple[str, str]]
MAX_TEXT = 5000



REQUIRED = N_("This field is required.")
BAD_DATE = N_("Give the date as YYYY-MM-DD.")
BAD_WHOLE = N_("Give a whole number.")
BAD_NUMBER = N_("Give a number.")
T = TypeVar("T")
BAD_CHOICE = N_("Choose one of the listed values.")
SAVE = N_("Save")


@dataclass(frozen=True, slots=True)
class Field:
    """One input of a form.

    ``kind``: text, textarea, date, number (decimal), integer, select, checks (several check
    boxes, the value is a list) or checkbox. ``label`` and, with ``translate``, the option
    texts are gettext message ids translated when the page is rendered; ``blank`` adds an
    empty "—" choice to a select. ``attrs`` are extra HTML attributes of the input.
    """

    name: str
    label: str
    kind: str = "text"
    options: Options = ()
    blank: bool = False
    translate: bool = False
    attrs: Mapping[str, str] = field(default_factory=dict)


class FormReader:
    """The submitted values of a form (kept for redisplay) read into typed values.

    ``names``: the fields to keep (default: every submitted one); ``lists``: fields whose
    repeated values form a list (check boxes). Text is stripped and cut at ``max_length``.
    """

    def __init__(self, form: Mapping[str, Any], names: Iterable[str] | None = None,
                 lists: Collection[str] = (), max_length: int = MAX_TEXT) -> None:
        keys = list(names) if names is not None else [k for k in form if k != "csrf_token"]
        getlist = getattr(form, "getlist", None)
        self.values: Values = {}
        for key in keys:
            if key in lists:
                items = getlist(key) if getlist else form.get(key) or []
                self.values[key] = [str(v).strip()[:max_length] for v in items]
            else:
                self.values[key] = str(form.get(key) or "").strip()[:max_length]
        self.errors: list[Finding] = []

    def add(self, name: str, message: str, code: str = "invalid") -> None:
        """An error of field ``name`` (``message`` is a message id, translated here)."""
        self.errors.append({"field": name, "code": code, "message": i18n.gettext(message),
                            "value": self.values.get(name)})

    def text(self, name: str) -> str:
        value = self.values.get(name)
        return value if isinstance(value, str) else ""

    def optional(self, name: str) -> str | None:
        """The text, or None when the field is empty."""
        return self.text(name) or None

    def items(self, name: str) -> list[str]:
        value = self.values.get(name)
        return list(value) if isinstance(value, list) else []

    def required(self, name: str) -> str:
        if not self.text(name):
            self.add(name, REQUIRED, "required")
        return self.text(name)

    def _parsed(self, name: str, required: bool, parse: Callable[[str], T],
                message: str) -> T | None:
        """The field read by ``parse``; None when it is empty (a ``required`` finding when it
        must be given) or unreadable (a finding with ``message``)."""
        raw = self.text(name)
        if not raw:
            if required:
                self.add(name, REQUIRED, "required")
            return None
        try:
            return parse(raw)
        except ValueError:
            self.add(name, message)
            return None

    def date(self, name: str, required: bool = True) -> dt.date | None:
        return self._parsed(name, required, dt.date.fromisoformat, BAD_DATE)

    def integer(self, name: str, required: bool = False) -> int | None:
        return self._parsed(name, required, int, BAD_WHOLE)

    def number(self, name: str, required: bool = True) -> float | None:
        """A decimal number (a decimal comma is accepted)."""
        return self._parsed(name, required, lambda raw: float(raw.replace(",", ".")),
                            BAD_NUMBER)

    def choice(self, name: str, allowed: Iterable[str], required: bool = True) -> str | None:
        raw = self.text(name)
        if not raw and not required:
            return None
        if raw not in set(allowed):
            self.add(name, BAD_CHOICE)
            return None
        return raw

    def reference(self, name: str) -> int | None:
        """The id chosen in a select of records (None when none is chosen)."""
        raw = self.text(name)
        return int(raw) if raw.isdigit() else None

    def done(self) -> None:
        """Raise the collected errors, if any (nothing has been written yet)."""
        if self.errors:
            raise ValidationFailed(self.errors)


def place_errors(findings: Iterable[Finding], names: Collection[str] | None = None,
                 field_of: Callable[[str], str] | None = None
                 ) -> tuple[dict[str, list[Finding]], list[Finding]]:
    """Errors beside their fields, and those that name no field of the form.

    A use case may name a part of a field (``partners[1]``, ``link.filters``): ``field_of``
    maps such a name to the form's field; otherwise the part before ``.`` or ``[`` is used.
    With ``names`` None every error goes beside the field it names.
    """
    beside: dict[str, list[Finding]] = {}
    general: list[Finding] = []
    for finding in findings:
        raw = str(finding.get("field") or "")
        name = field_of(raw) if field_of else raw
        if names is not None and name not in names:
            name = re.split(r"[.\[]", raw)[0]
        if name and (names is None or name in names):
            beside.setdefault(name, []).append(finding)
        else:
            general.append(finding)
    return beside, general


def render_form(request: Request, title: str, action: str, fields: Sequence[Field],
                values: Mapping[str, Any], errors: Sequence[Finding] = (), *, back: str,
                back_label: str | None = None, subject: str | None = None,
                hidden: Mapping[str, Any] | None = None, submit_label: str = SAVE,
                nav: str | None = None, template: str = "form.html",
                also: Collection[str] = (), field_of: Callable[[str], str] | None = None,
                **extra: Any) -> Response:
    """A form page: 200, or 422 with each error beside its field when ``errors`` is set.

    ``subject`` is shown under the title (linked to ``back`` unless ``back_label`` names the
    link); ``nav`` is a template included above the title; ``template`` may extend
    ``form.html`` (its ``more`` block) with inputs of its own whose errors are named in
    ``also``.
    """
    names = {f.name for f in fields} | set(also)
    beside, general = place_errors(errors, names, field_of)
    return render(request, template, status_code=422 if errors else 200, title=title,
                  action=action, fields=fields, values=values, errors=beside,
                  general=general, refused=bool(errors), back=back, back_label=back_label,
                  subject=subject, hidden=hidden or {}, submit_label=submit_label, nav=nav,
                  **extra)


def submit(write: Callable[[], str], refused: Callable[[list[Finding]], Response]) -> Response:
    """Run ``write`` (one use case call; returns where to go next) and redirect there; a
    refusal renders ``refused`` with the errors instead."""
    try:
        target = write()
    except ValidationFailed as exc:
        return refused(exc.errors)
    return RedirectResponse(target, status_code=303)
