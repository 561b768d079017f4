"""Read an XLSForm workbook with pyxform (the ODK reference implementation) into a :class:`Form`.

pyxform's ``xls2json_backends.get_xlsform`` reads the workbook (XLSX, XLS, CSV or markdown)
and ``xls2json.workbook_to_json`` applies the XLSForm rules (type aliases such as
``select one``/``select_one``, groups and repeats, ``label::Language (code)`` columns, choice
lists, settings); we walk the JSON it returns. Errors pyxform raises (a misspelt sheet, a
``select_one`` naming an unknown list, an unclosed group) become :class:`FormReadError` with
pyxform's own message.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping
from typing import Any

from pyxform.errors import PyXFormError
from pyxform.xls2json import workbook_to_json
from pyxform.xls2json_backends import get_xlsform

from salus.domain.surveys.forms import (
    DEFAULT_LANGUAGE,
    SELECT_MULTIPLE,
    SELECT_ONE,
    Choice,
    Form,
    Question,
)
from salus.ingestion.errors import FileImportError
from salus.ingestion.limits import check_zip
from salus.ingestion.limits import current as current_limits

TYPES = {"select one": SELECT_ONE, "select all that apply": SELECT_MULTIPLE,
         "select one from file": SELECT_ONE, "select multiple from file": SELECT_MULTIPLE}
SKIPPED = frozenset({"note", "calculate", "start", "end", "today", "deviceid", "username",
                     "phonenumber", "simserial", "subscriberid", "audit"})
MAX_BYTES = 20_000_000


class FormReadError(ValueError):
    """The workbook is not a valid XLSForm; the message is pyxform's or names the sheet."""


def read_xlsform(content: bytes, file_name: str = "form.xlsx") -> Form:
    """The form in an XLSForm workbook's bytes (``.xlsx``, ``.xls`` or ``.csv``)."""
    if len(content) > MAX_BYTES:
        raise FormReadError(f"{file_name}: the form is larger than {MAX_BYTES:,} bytes")
    if content.startswith(b"PK"):  # an XLSX: its zip directory first (issue 15, zip bombs)
        try:
            check_zip(content, current_limits(), file_name)
        except FileImportError as exc:
            raise FormReadError(str(exc)) from None
    warnings: list[str] = []
    try:
        book = get_xlsform(io.BytesIO(content))
        data = workbook_to_json(book, form_name="data", warnings=warnings)
    except PyXFormError as exc:
        raise FormReadError(f"{file_name}: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - a broken workbook raises anything from the readers
        raise FormReadError(f"{file_name}: not an XLSForm workbook ({exc})") from None
    return _form(data, file_name)


def _form(data: Mapping[str, Any], file_name: str) -> Form:
    groups: dict[str, dict[str, str]] = {}
    repeats: list[str] = []
    questions = list(_walk(data.get("children", []), "", None, groups, repeats))
    choices = {name: tuple(Choice(str(c["name"]), _labels(c.get("label")))
                           for c in items)
               for name, items in (data.get("choices") or {}).items()}
    languages = _languages(questions, choices, groups)
    default = str(data.get("default_language") or DEFAULT_LANGUAGE)
    if default not in languages and languages and default == DEFAULT_LANGUAGE:
        default = languages[0]
    if not questions:
        raise FormReadError(f"{file_name}: the survey sheet has no question")
    return Form(form_id=str(data.get("id_string") or data.get("name") or "form"),
                title=str(data.get("title") or data.get("id_string") or file_name),
                version=str(data.get("version") or "1"), default_language=default,
                languages=tuple(languages), questions=tuple(questions), choices=choices,
                groups=groups, repeats=tuple(repeats))


def _walk(children: list[Mapping[str, Any]], prefix: str, repeat: str | None,
          groups: dict[str, dict[str, str]], repeats: list[str]) -> Iterator[Question]:
    for child in children:
        kind = str(child.get("type", ""))
        name = str(child.get("name", ""))
        path = f"{prefix}{name}"
        if kind in ("group", "repeat"):
            if name == "meta" and child.get("control", {}).get("bodyless"):
                continue
            groups[path] = _labels(child.get("label"))
            inner = repeat
            if kind == "repeat":
                repeats.append(path)
                inner = path
            yield from _walk(child.get("children", []), f"{path}/", inner, groups, repeats)
            continue
        if kind in SKIPPED or not name:
            continue
        required = str(child.get("bind", {}).get("required", "")).lower() in ("yes", "true",
                                                                               "true()")
        yield Question(name=name, path=path, type=TYPES.get(kind, kind),
                       labels=_labels(child.get("label")),
                       list_name=child.get("list_name") or child.get("itemset"),
                       repeat=repeat, required=required)


def _labels(label: Any) -> dict[str, str]:
    if label is None:
        return {}
    if isinstance(label, dict):
        return {str(k): str(v) for k, v in label.items()}
    return {DEFAULT_LANGUAGE: str(label)}


def _languages(questions: list[Question], choices: Mapping[str, tuple[Choice, ...]],
               groups: Mapping[str, Mapping[str, str]]) -> list[str]:
    seen: dict[str, None] = {}
    for labels in [q.labels for q in questions] + [c.labels for v in choices.values()
                                                   for c in v] + list(groups.values()):
        seen.update(dict.fromkeys(labels))
    return list(seen)
