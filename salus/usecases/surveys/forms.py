"""Create a survey, import its XLSForm versions, map its questions to SDG 16 indicators.

A survey (``code``, title, the area it covers) has form versions (each XLSForm import keeps
the whole form, labels in every language) and waves of submissions (:mod:`.data`). The
indicator mapping says which answers count in each SDG 16 survey indicator's numerator and
denominator (:mod:`salus.domain.surveys.indicators`). Every write is audited.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from salus.domain.accounts.roles import Viewer
from salus.domain.surveys.forms import Form
from salus.domain.surveys.indicators import get_indicator, load_indicators, parse_mapping
from salus.ingestion.surveys.xlsform import FormReadError, read_xlsform
from salus.storage import schema as t
from salus.storage.surveys import schema as s
from salus.usecases.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from salus.usecases.scope import area_condition, area_in_scope
from salus.usecases.surveys.common import (
    SurveyRef,
    audit,
    can_read,
    can_write,
    checked,
    for_write,
    new_id,
    now,
    required_text,
    survey_ref,
    visible,
)

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True, slots=True)
class SurveySpec:
    code: str
    title: str
    area: str | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class FormSummary:
    version: str
    form_id: str
    title: str
    languages: tuple[str, ...]
    questions: int
    choice_lists: int
    repeats: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class WaveSummary:
    label: str
    form_version: str
    respondents: int
    has_design: bool
    period_start: str | None
    period_end: str | None


@dataclass(frozen=True, slots=True)
class SurveySummary:
    code: str
    title: str
    area_code: str | None
    forms: int
    waves: int


@dataclass(frozen=True, slots=True)
class SurveyDetail:
    code: str
    title: str
    description: str | None
    area_code: str | None
    forms: tuple[FormSummary, ...]
    waves: tuple[WaveSummary, ...]
    indicator_map: Mapping[str, Any]


def create_survey(engine: sa.Engine, viewer: Viewer, spec: SurveySpec) -> int:
    """Open a survey; a viewer bound to an area creates surveys of its subtree only."""
    can_write(viewer)
    code = required_text(spec.code, "code", 64)
    if not _CODE.match(code):
        raise ValidationFailed([{"field": "code", "code": "invalid", "message":
                                 f"{code!r}: use letters, digits, '.', '-' or '_'"}])
    title = required_text(spec.title, "title")
    with engine.begin() as conn:
        area_id = _area(conn, viewer, spec.area)
        if conn.execute(sa.select(s.survey.c.id).where(s.survey.c.code == code)).first():
            raise Conflict(f"a survey {code!r} already exists")
        values: dict[str, object] = {"code": code, "title": title, "area_id": area_id,
                  "description": (spec.description or "").strip() or None,
                  "indicator_map": {}, "created_by": viewer.username, "created_at": now()}
        survey_id = new_id(conn.execute(s.survey.insert().values(values)))
        audit(conn, viewer, "create", "survey", survey_id,
              {"code": code, "title": title, "area_id": area_id})
    return survey_id


def _area(conn: sa.Connection, viewer: Viewer, code: str | None) -> int | None:
    if not code:
        if viewer.area_id is not None:
            raise PermissionDenied("a user bound to an area creates surveys of that area")
        return None
    found = conn.execute(sa.select(t.area.c.id).where(t.area.c.code == code)).scalar()
    if found is None:
        raise ValidationFailed([{"field": "area", "code": "unknown",
                                 "message": f"no area with code {code!r}"}])
    if not area_in_scope(conn, viewer, int(found)):
        raise PermissionDenied("this area is outside your area")
    return int(found)


def import_form(engine: sa.Engine, viewer: Viewer, code: str, content: bytes,
                file_name: str) -> FormSummary:
    """Read an XLSForm with pyxform and keep it as a new version of the survey's form.

    A version already imported is a conflict (give the form's ``settings`` sheet a new
    ``version``); a workbook pyxform refuses is a validation error with pyxform's message.
    """
    try:
        form = read_xlsform(content, file_name)
    except FormReadError as exc:
        raise ValidationFailed([{"field": "file", "code": "invalid", "message": str(exc)}],
                               str(exc)) from None
    with engine.begin() as conn:
        ref = for_write(conn, viewer, code)
        f = s.survey_form
        if conn.execute(sa.select(f.c.id).where(f.c.survey_id == ref.id,
                                                f.c.version == form.version)).first():
            raise Conflict(f"version {form.version!r} of this form is already imported")
        values = {"survey_id": ref.id, "form_id": form.form_id, "version": form.version,
                  "title": form.title, "default_language": form.default_language,
                  "languages": list(form.languages), "definition": form.to_json(),
                  "file_name": file_name[:300], "imported_by": viewer.username,
                  "imported_at": now()}
        form_row = new_id(conn.execute(f.insert().values(values)))
        audit(conn, viewer, "import_form", "survey_form", form_row,
              {"survey": code, "version": form.version, "questions": len(form.questions)})
    return summary(form)


def summary(form: Form) -> FormSummary:
    return FormSummary(form.version, form.form_id, form.title, form.languages,
                       len(form.questions), len(form.choices), form.repeats)


def get_form(engine: sa.Engine, viewer: Viewer, code: str, version: str | None = None) -> Form:
    """A version of the survey's form (the newest when ``version`` is None)."""
    can_read(viewer)
    with engine.connect() as conn:
        ref = survey_ref(conn, viewer, code)
        return form_of(conn, ref, version)


def form_of(conn: sa.Connection, ref: SurveyRef, version: str | None) -> Form:
    f = s.survey_form
    q = sa.select(f.c.definition).where(f.c.survey_id == ref.id)
    q = q.where(f.c.version == version) if version else q.order_by(f.c.id.desc())
    found = conn.execute(q.limit(1)).scalar()
    if found is None:
        raise NotFound(f"survey {ref.code!r} has no form"
                       + (f" version {version!r}" if version else " yet"))
    return Form.from_json(found)


def list_surveys(engine: sa.Engine, viewer: Viewer) -> list[SurveySummary]:
    can_read(viewer)
    sv, a = s.survey, t.area
    forms = sa.select(sa.func.count()).where(s.survey_form.c.survey_id == sv.c.id)
    waves = sa.select(sa.func.count()).where(s.survey_wave.c.survey_id == sv.c.id)
    q = (sa.select(sv.c.code, sv.c.title, sv.c.area_id, a.c.code.label("area_code"),
                   forms.scalar_subquery().label("forms"),
                   waves.scalar_subquery().label("waves"))
         .select_from(sv.outerjoin(a, a.c.id == sv.c.area_id)).order_by(sv.c.code))
    with engine.connect() as conn:
        rows = [r for r in conn.execute(q) if visible(conn, viewer, r.area_id)]
    return [SurveySummary(r.code, r.title, r.area_code, int(r.forms), int(r.waves))
            for r in rows]


def get_survey(engine: sa.Engine, viewer: Viewer, code: str) -> SurveyDetail:
    can_read(viewer)
    with engine.connect() as conn:
        ref = survey_ref(conn, viewer, code)
        row = conn.execute(sa.select(s.survey, t.area.c.code.label("area_code"))
                           .select_from(s.survey.outerjoin(t.area,
                                                           t.area.c.id == s.survey.c.area_id))
                           .where(s.survey.c.id == ref.id)).one()
        forms = conn.execute(sa.select(s.survey_form.c.definition)
                             .where(s.survey_form.c.survey_id == ref.id)
                             .order_by(s.survey_form.c.id)).scalars().all()
        waves = _waves(conn, ref.id)
    return SurveyDetail(row.code, row.title, row.description, row.area_code,
                        tuple(summary(Form.from_json(d)) for d in forms), waves,
                        dict(row.indicator_map or {}))


def _waves(conn: sa.Connection, survey_id: int) -> tuple[WaveSummary, ...]:
    w, f, d = s.survey_wave, s.survey_form, s.survey_design
    q = (sa.select(w.c.label, f.c.version, w.c.respondents, w.c.period_start, w.c.period_end,
                   d.c.wave_id.label("design"))
         .select_from(w.join(f, f.c.id == w.c.form_id).outerjoin(d, d.c.wave_id == w.c.id))
         .where(w.c.survey_id == survey_id).order_by(w.c.id))
    return tuple(WaveSummary(r.label, r.version, int(r.respondents), r.design is not None,
                             None if r.period_start is None else str(r.period_start)[:10],
                             None if r.period_end is None else str(r.period_end)[:10])
                 for r in conn.execute(q))


def set_indicator_mapping(engine: sa.Engine, viewer: Viewer, code: str, indicator_id: str,
                          mapping: Mapping[str, Any]) -> dict[str, Any]:
    """Say which answers count for an indicator; each question must be in the newest form
    and each value one of its choices."""
    parsed = checked(lambda: parse_mapping(mapping, indicator_id))
    checked(lambda: get_indicator(indicator_id))
    with engine.begin() as conn:
        ref = for_write(conn, viewer, code)
        form = form_of(conn, ref, None)
        _check_questions(form, parsed.numerator + parsed.denominator)
        current = dict(conn.execute(sa.select(s.survey.c.indicator_map)
                                    .where(s.survey.c.id == ref.id)).scalar() or {})
        current[indicator_id] = parsed.to_json()
        conn.execute(s.survey.update().where(s.survey.c.id == ref.id)
                     .values(indicator_map=current))
        audit(conn, viewer, "map_indicator", "survey", ref.id,
              {"indicator": indicator_id, **parsed.to_json()})
    return parsed.to_json()


def _check_questions(form: Form, conditions: tuple[Any, ...]) -> None:
    errors = []
    for c in conditions:
        q = form.question(c.question)
        if q is None:
            errors.append({"field": "question", "code": "unknown",
                           "message": f"{c.question!r} is not a question of the form"})
            continue
        names = form.choice_names(q.list_name) if q.list_name else ()
        bad = [v for v in c.values if names and v not in names]
        if bad:
            errors.append({"field": "values", "code": "unknown",
                           "message": f"{bad[0]!r} is not a choice of {c.question!r} "
                                      f"({', '.join(names)})"})
    if errors:
        raise ValidationFailed(errors)


def indicators() -> list[tuple[str, str, str]]:
    """The SDG 16 survey indicators: id, SDG number, title."""
    return [(i.id, i.sdg, i.title) for i in load_indicators().values()]


def scope_filter(viewer: Viewer) -> list[sa.ColumnElement[bool]]:
    return area_condition(s.survey_respondent.c.area_id, viewer)
