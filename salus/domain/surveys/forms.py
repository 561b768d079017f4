"""An XLSForm as Salus keeps it: the questions, choice lists and labels in every language.

The XLSForm standard (https://xlsform.org) describes a form in a workbook with a ``survey``
sheet (one row per question, ``begin_group``/``end_group`` and ``begin_repeat``/``end_repeat``
rows around nested questions), a ``choices`` sheet (``list_name``, ``name``, labels) and a
``settings`` sheet (``form_title``, ``form_id``, ``version``, ``default_language``). Labels in
several languages sit in columns such as ``label::English (en)`` and ``label::Français (fr)``;
their language names are kept as the form writes them, and :func:`language_code` reads the
two-letter code in brackets so a page in French shows the French label.

The workbook is read with pyxform (:mod:`salus.ingestion.surveys.xlsform`); this module is the
plain result, stored as JSON (:meth:`Form.to_json` / :meth:`Form.from_json`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

DEFAULT_LANGUAGE = "default"
"""The language key of labels written without a language suffix (pyxform's ``default``)."""

SELECT_ONE = "select_one"
SELECT_MULTIPLE = "select_multiple"
NUMERIC = ("integer", "decimal", "range")
_CODE = re.compile(r"\(([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)?)\)\s*$")

Labels = Mapping[str, str]


def language_code(language: str) -> str:
    """The code of an XLSForm language name: ``"Français (fr)"`` → ``"fr"``; else the name."""
    found = _CODE.search(language)
    return found.group(1).lower() if found else language.strip().lower()


def pick_label(labels: Labels, language: str | None, fallback: str = "") -> str:
    """The label in ``language`` (a code such as ``fr`` or a form's language name), else the
    form's first label, else ``fallback``."""
    if language:
        for name, text in labels.items():
            if name == language or language_code(name) == language.lower():
                return text
    return next(iter(labels.values()), fallback)


@dataclass(frozen=True, slots=True)
class Choice:
    name: str
    labels: Labels = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Question:
    """One question: ``path`` is its place among groups (``safety/feel_safe``); ``repeat``
    the path of the repeat group it belongs to (None for the main submission)."""

    name: str
    path: str
    type: str
    labels: Labels = field(default_factory=dict)
    list_name: str | None = None
    repeat: str | None = None
    required: bool = False

    @property
    def is_select(self) -> bool:
        return self.type in (SELECT_ONE, SELECT_MULTIPLE)


@dataclass(frozen=True, slots=True)
class Form:
    """A form version: settings, questions in form order and choice lists by name."""

    form_id: str
    title: str
    version: str
    default_language: str
    languages: tuple[str, ...]
    questions: tuple[Question, ...]
    choices: Mapping[str, tuple[Choice, ...]]
    groups: Mapping[str, Labels] = field(default_factory=dict)
    repeats: tuple[str, ...] = ()

    def question(self, name: str) -> Question | None:
        """The question whose name or path is ``name``."""
        for q in self.questions:
            if name in (q.name, q.path):
                return q
        return None

    def choice_names(self, list_name: str) -> tuple[str, ...]:
        return tuple(c.name for c in self.choices.get(list_name, ()))

    def choice_label(self, list_name: str, name: str, language: str | None = None) -> str:
        for c in self.choices.get(list_name, ()):
            if c.name == name:
                return pick_label(c.labels, language, name)
        return name

    def to_json(self) -> dict[str, Any]:
        """Plain JSON: what the ``survey_form`` row stores."""
        return {
            "form_id": self.form_id, "title": self.title, "version": self.version,
            "default_language": self.default_language, "languages": list(self.languages),
            "questions": [{"name": q.name, "path": q.path, "type": q.type,
                           "labels": dict(q.labels), "list_name": q.list_name,
                           "repeat": q.repeat, "required": q.required}
                          for q in self.questions],
            "choices": {k: [{"name": c.name, "labels": dict(c.labels)} for c in v]
                        for k, v in self.choices.items()},
            "groups": {k: dict(v) for k, v in self.groups.items()},
            "repeats": list(self.repeats),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Form:
        return cls(
            form_id=str(data["form_id"]), title=str(data["title"]),
            version=str(data["version"]), default_language=str(data["default_language"]),
            languages=tuple(data["languages"]),
            questions=tuple(Question(**q) for q in data["questions"]),
            choices={k: tuple(Choice(**c) for c in v) for k, v in data["choices"].items()},
            groups=dict(data.get("groups", {})), repeats=tuple(data.get("repeats", ())),
        )
