"""Read a form's submissions (KoBoToolbox / ODK exports) into respondents, with row errors.

Input: the sheets of the export (:mod:`.tables`: the main sheet first, then one sheet or file
per repeat group), the :class:`Form` they answer, the areas of the store (code or name →
code) and the columns of the respondent roles (:mod:`salus.domain.surveys.respondents`).

Each answer is checked against its question: a select_one value must be one of the list's
choice names, each of a select_multiple's space-separated values too, integers and decimals
must read as numbers. Each problem is a :class:`RowError` naming the spreadsheet row (the
header is row 1), the column and the value. Repeat rows are linked to their submission by
``_parent_index`` = the main sheet's ``_index`` (KoBo) and kept with it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from salus.domain.surveys.forms import NUMERIC, SELECT_MULTIPLE, SELECT_ONE, Form, Question
from salus.domain.surveys.respondents import (
    Respondent,
    RespondentRuleError,
    read_age,
    read_band,
    read_flag,
    read_number,
    read_sex,
    sdg_band,
)
from salus.ingestion.errors import RowError, failure
from salus.ingestion.surveys.columns import ColumnPlan, answer_keys, plan_columns
from salus.ingestion.surveys.tables import Sheet

TRUE = frozenset({"1", "true", "yes"})
FALSE = frozenset({"0", "false", "no", ""})


@dataclass(slots=True)
class SubmissionsRead:
    respondents: list[Respondent] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    rows_read: int = 0
    repeat_rows: int = 0
    unknown_columns: list[str] = field(default_factory=list)
    roles: dict[str, str] = field(default_factory=dict)


def read_submissions(form: Form, sheets: Sequence[Sheet], areas: Mapping[str, str],
                     roles: Mapping[str, str] | None = None) -> SubmissionsRead:
    """Respondents and every row error of an export (nothing is dropped silently)."""
    if not sheets:
        raise failure("file.empty", "no submissions file", column="(file)")
    main, repeats = sheets[0], sheets[1:]
    keys = answer_keys(form)
    questions = [q for q in form.questions if q.repeat is None]
    plan = plan_columns(form, main.header, questions, dict(roles or {}), main.name)
    if not plan.answers and not plan.splits:
        raise failure("column.missing", f"{main.name}: no column is a question of the form "
                      f"{form.form_id!r} version {form.version!r}: are these its submissions?",
                      column="(header)", value=", ".join(main.header[:5]))
    out = SubmissionsRead(rows_read=len(main.rows),
                          unknown_columns=[main.header[i] for i in plan.extra],
                          roles={r: main.header[i] for r, i in plan.roles.items()})
    reader = _RowReader(form, keys, main, plan, areas, out.errors)
    by_index: dict[str, dict[str, list[dict[str, Any]]]] = {}
    seen: set[str] = set()
    for number, row in enumerate(main.rows, start=2):
        respondent = reader.respondent(number, row)
        if respondent.key in seen:
            out.errors.append(_error(number, main.header[plan.key or 0], respondent.key,
                                     "row.duplicate", "a second submission with this key"))
        seen.add(respondent.key)
        index = row[plan.index].strip() if plan.index is not None else str(number - 1)
        holder: dict[str, list[dict[str, Any]]] = {}
        by_index[index] = holder
        out.respondents.append(replace(respondent, repeats=holder))
    for sheet in repeats:
        out.repeat_rows += _read_repeat(form, keys, sheet, areas, by_index, out.errors)
    return out


class _RowReader:
    def __init__(self, form: Form, keys: Mapping[str, str], sheet: Sheet, plan: ColumnPlan,
                 areas: Mapping[str, str], errors: list[RowError]) -> None:
        self.form, self.keys, self.sheet, self.plan = form, keys, sheet, plan
        self.areas, self.errors = areas, errors
        self.prefix = ""

    def answers(self, number: int, row: Sequence[str]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        area = self.plan.roles.get("area")
        for i, q in self.plan.answers.items():
            text = row[i].strip()
            if i == area:  # checked against the area tree, not the form's choices
                out[self.keys[q.path]] = text
            elif text:
                value = _checked(self.form, q, text, number,
                                 self.prefix + self.sheet.header[i], self.errors)
                if value is not None:
                    out[self.keys[q.path]] = value
        for path, columns in self.plan.splits.items():
            key = self.keys[path]
            if key in out:
                continue
            chosen = [c for i, c in columns
                      if _split(row[i], number, self.prefix + self.sheet.header[i], self.errors)]
            if any(row[i].strip() for i, _ in columns):
                out[key] = chosen
        return out

    def respondent(self, number: int, row: Sequence[str]) -> Respondent:
        plan, header = self.plan, self.sheet.header
        values: dict[str, Any] = {}
        start = len(self.errors)
        answers = self.answers(number, row)
        flagged = {e.column for e in self.errors[start:]}
        for role, i in plan.roles.items():
            try:
                values.update(self._role(role, row[i]))
            except RespondentRuleError as exc:
                if header[i] not in flagged:  # one error per cell
                    self.errors.append(_error(number, header[i], row[i], exc.code, str(exc)))
        if "weight" in plan.roles and values.get("weight") is None \
                and row[plan.roles["weight"]].strip() == "":
            self.errors.append(_error(number, header[plan.roles["weight"]], "",
                                      "value.missing", "the sampling weight is missing"))
        if values.get("age") is not None and "age_band" not in values:
            values["age_band"] = sdg_band(values["age"])
        key = row[plan.key].strip() if plan.key is not None else ""
        extra = {header[i]: row[i] for i in plan.extra if row[i].strip()}
        return Respondent(row=number, key=key or f"row-{number}", answers=answers,
                          extra=extra, **values)

    def _role(self, role: str, raw: str) -> dict[str, Any]:
        text = raw.strip()
        if role == "area":
            return {"area_code": self._area(text)}
        if role == "sex":
            return {"sex": read_sex(text, self._labels("sex", text))}
        if role == "age":
            return {"age": read_age(text)}
        if role == "age_band":
            return {"age_band": read_band(text)}
        if role == "disability":
            return {"disability": read_flag(text)}
        if role in ("weight", "fpc"):
            return {role: read_number(text, positive=True)}
        return {role: text or None}

    def _area(self, text: str) -> str:
        if not text:
            raise RespondentRuleError("value.missing", "the respondent's area is missing")
        for candidate in [text, *self._labels("area", text).values()]:
            found = self.areas.get(candidate.strip().lower())
            if found:
                return found
        raise RespondentRuleError("area.unknown", f"{text!r} is neither the code nor the name "
                                                  "of an area of the observatory")

    def _labels(self, role: str, value: str) -> Mapping[str, str]:
        column = self.plan.roles.get(role)
        q = self.plan.answers.get(column) if column is not None else None
        if q is None or not q.list_name:
            return {}
        for c in self.form.choices.get(q.list_name, ()):
            if c.name == value:
                return c.labels
        return {}


def _checked(form: Form, q: Question, text: str, number: int, column: str,
             errors: list[RowError]) -> Any:
    names = form.choice_names(q.list_name) if q.list_name else ()
    if q.type == SELECT_ONE and names:
        if text not in names:
            errors.append(_error(number, column, text, "code.unknown",
                                 f"{text!r} is not a choice of {q.list_name!r} "
                                 f"({', '.join(names[:12])})"))
            return None
        return text
    if q.type == SELECT_MULTIPLE:
        chosen = text.split()
        bad = [v for v in chosen if names and v not in names]
        if bad:
            errors.append(_error(number, column, text, "code.unknown",
                                 f"{bad[0]!r} is not a choice of {q.list_name!r}"))
            return None
        return chosen
    if q.type in NUMERIC:
        try:
            number_value = float(text)
        except ValueError:
            errors.append(_error(number, column, text, "number.invalid",
                                 f"{text!r} is not a number ({q.type} question)"))
            return None
        if q.type == "integer":
            if not number_value.is_integer():
                errors.append(_error(number, column, text, "number.invalid",
                                     f"{text!r} is not a whole number"))
                return None
            return int(number_value)
        return number_value
    return text


def _split(raw: str, number: int, column: str, errors: list[RowError]) -> bool:
    text = raw.strip().lower()
    if text.endswith(".0"):
        text = text[:-2]
    if text in TRUE:
        return True
    if text not in FALSE:
        errors.append(_error(number, column, raw, "value.invalid",
                             f"{raw!r} is not 0 or 1 (a select_multiple option column)"))
    return False


def _read_repeat(form: Form, keys: Mapping[str, str], sheet: Sheet, areas: Mapping[str, str],
                 by_index: dict[str, dict[str, list[dict[str, Any]]]],
                 errors: list[RowError]) -> int:
    repeat = _repeat_of(form, sheet.name)
    if repeat is None:
        errors.append(_error(None, f"{sheet.name}", "", "value.invalid",
                             f"sheet {sheet.name!r} is not a repeat group of the form "
                             f"({', '.join(form.repeats) or 'none'}); not read", warn=True))
        return 0
    questions = [q for q in form.questions if q.repeat == repeat]
    plan = plan_columns(form, sheet.header, questions, None, sheet.name)
    if plan.parent_index is None:
        raise failure("column.missing", f"sheet {sheet.name!r} has no _parent_index column to "
                      "link its rows to their submissions", column="_parent_index")
    reader = _RowReader(form, keys, sheet, plan, areas, errors)
    reader.prefix = f"{sheet.name}:"
    for number, row in enumerate(sheet.rows, start=2):
        parent = row[plan.parent_index].strip()
        if parent not in by_index:
            errors.append(_error(number, f"{sheet.name}:_parent_index", parent, "value.invalid",
                                 f"no submission has _index {parent!r}"))
            continue
        by_index[parent].setdefault(repeat, []).append(reader.answers(number, row))
    return len(sheet.rows)


def _repeat_of(form: Form, sheet_name: str) -> str | None:
    for path in form.repeats:
        if sheet_name in (path, path.rsplit("/", 1)[-1]) or path.endswith(sheet_name[:31]):
            return path
    return None


def _error(row: int | None, column: str, value: str, code: str, message: str,
           warn: bool = False) -> RowError:
    return RowError(row, column, value, code, message, "warning" if warn else "error")
