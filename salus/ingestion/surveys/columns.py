"""Which column of a submissions export is which question, split option or respondent role.

Exports name a question by its path among groups, written ``group/question`` (KoBoToolbox,
"XML values and headers" with groups), ``group-question`` (ODK Central) or ``group.question``,
or by its bare name (KoBo without groups). A select_multiple question comes as one column of
space-separated choice names, as one 0/1 column per choice (``question/choice`` or
``question.choice``), or both. Columns that are none of these (``_id``, ``_submission_time``,
``_validation_status``, a column the form does not have) are kept as they came.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from salus.domain.surveys.forms import SELECT_MULTIPLE, Form, Question
from salus.domain.surveys.respondents import DEFAULT_COLUMNS, ROLES
from salus.ingestion.errors import failure

SEPARATORS = ("/", "-", ".")
KEY_COLUMNS = ("_uuid", "meta/instanceid", "instanceid", "_id", "key")


@dataclass(slots=True)
class ColumnPlan:
    """Column indexes of one sheet by what they hold."""

    answers: dict[int, Question] = field(default_factory=dict)
    splits: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    roles: dict[str, int] = field(default_factory=dict)
    extra: list[int] = field(default_factory=list)
    index: int | None = None
    parent_index: int | None = None
    key: int | None = None


def answer_keys(form: Form) -> dict[str, str]:
    """The key each question's answer is stored under: its name, or its path where two
    questions share a name (in different groups)."""
    counts: dict[str, int] = {}
    for q in form.questions:
        counts[q.name] = counts.get(q.name, 0) + 1
    return {q.path: q.name if counts[q.name] == 1 else q.path for q in form.questions}


def _variants(text: str) -> list[str]:
    return [text.replace("/", sep) for sep in SEPARATORS]


def _lookups(questions: Sequence[Question], form: Form
             ) -> tuple[dict[str, Question], dict[str, tuple[Question, str]]]:
    whole: dict[str, Question] = {}
    split: dict[str, tuple[Question, str]] = {}
    for q in questions:
        for key in [*_variants(q.path), q.name]:
            whole.setdefault(key.lower(), q)
        if q.type == SELECT_MULTIPLE and q.list_name:
            for choice in form.choice_names(q.list_name):
                for key in [*_variants(q.path), q.name]:
                    for sep in ("/", "."):
                        split.setdefault(f"{key}{sep}{choice}".lower(), (q, choice))
    return whole, split


def plan_columns(form: Form, header: Sequence[str], questions: Sequence[Question],
                 roles: Mapping[str, str] | None, sheet: str) -> ColumnPlan:
    """Sort the columns of one sheet; an unknown role name or a role column absent from the
    header is a file error naming the column."""
    plan = ColumnPlan()
    whole, split = _lookups(questions, form)
    plan.roles = _roles(header, roles, sheet) if roles is not None else {}
    for i, raw in enumerate(header):
        name = raw.strip().lower()
        if name == "_index":
            plan.index = i
        elif name == "_parent_index":
            plan.parent_index = i
        if name in whole:
            plan.answers[i] = whole[name]
        elif name in split:
            q, choice = split[name]
            plan.splits.setdefault(q.path, []).append((i, choice))
        elif i not in plan.roles.values():
            plan.extra.append(i)
    lowered = [h.strip().lower() for h in header]
    plan.key = next((lowered.index(k) for k in KEY_COLUMNS if k in lowered), None)
    return plan


def _roles(header: Sequence[str], given: Mapping[str, str], sheet: str) -> dict[str, int]:
    lowered = [h.strip().lower() for h in header]
    found: dict[str, int] = {}
    for role, column in given.items():
        if role not in ROLES:
            raise failure("mapping.invalid", f"{role!r} is not a respondent role (known: "
                          f"{', '.join(ROLES)})", column=role, value=column)
        if column.strip().lower() not in lowered:
            raise failure("column.missing", f"{sheet}: no column {column!r} for the {role}",
                          column=column, value=column)
        found[role] = lowered.index(column.strip().lower())
    for role, names in DEFAULT_COLUMNS.items():
        if role in found:
            continue
        for i, h in enumerate(lowered):
            if h.rsplit("/", 1)[-1] in names:
                found[role] = i
                break
    return found
