"""Forms that create community safety assessments and plans in the web app.

New assessment, consultation (participants by sex × age group × constituency), problem, plan,
objective, action and indicator (optionally linked to a computed indicator). Each form only
parses the submitted text and calls the existing use case (:mod:`salus.usecases.plans.assessments`,
:mod:`salus.usecases.plans.editing`), which validates, checks ``edit_plans`` and the area scope, and
audits. Refused input re-renders the form with the message beside its field and the values
kept; nothing is written. Plain HTML forms with CSRF tokens, no JavaScript needed.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import FormData

from salus import i18n
from salus.analytics.indicators.definitions import load_definitions
from salus.api import context as ctx
from salus.api.csrf import verify_csrf
from salus.domain import plans as sp
from salus.domain.accounts.roles import Permission, Viewer
from salus.domain.taxonomy import load as load_taxonomy
from salus.usecases.errors import ValidationFailed
from salus.usecases.indicators.dashboard import definitions_folder
from salus.usecases.plans import assessments as ua
from salus.usecases.plans import editing as up
from salus.usecases.plans import views as plan_views
from salus.web.pages import needs
from salus.web.templating import N_, render

router = APIRouter(include_in_schema=False)
Editor = Annotated[Viewer, Depends(needs(Permission.EDIT_PLANS))]
Values = dict[str, Any]
MAX_TEXT = 5000


@dataclass(frozen=True, slots=True)
class Field:
    """One input of a form: ``kind`` is text, textarea, date, number, select or checks."""

    name: str
    label: str
    kind: str = "text"
    options: Sequence[tuple[str, str]] = ()


# ---------------------------------------------------------------- parsing


class FormErrors:
    """Field errors collected while parsing, raised together as one validation error."""

    def __init__(self) -> None:
        self.errors: list[dict[str, str]] = []

    def add(self, name: str, message: str) -> None:
        self.errors.append({"field": name, "code": "invalid", "message": message})

    def raise_any(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)


def _text(form: Values, name: str) -> str:
    return str(form.get(name, "")).strip()[:MAX_TEXT]


def _date(form: Values, name: str, errors: FormErrors, required: bool = True) -> dt.date | None:
    text = _text(form, name)
    if not text:
        if required:
            errors.add(name, "a date is required")
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        errors.add(name, f"{text!r} is not a date (YYYY-MM-DD)")
        return None


def _float(form: Values, name: str, errors: FormErrors) -> float:
    text = _text(form, name)
    try:
        return float(text.replace(",", "."))
    except ValueError:
        errors.add(name, f"{text!r} is not a number" if text else "a number is required")
        return 0.0


def _id(form: Values, name: str) -> int | None:
    text = _text(form, name)
    return int(text) if text.isdigit() else None


def _values(form: FormData) -> Values:
    """Submitted values as strings; repeated names (check boxes) as lists."""
    out: Values = {}
    for key in form:
        items = [str(v)[:MAX_TEXT] for v in form.getlist(key)]
        out[key] = items if key in LIST_FIELDS else items[-1]
    return out


LIST_FIELDS = frozenset({"partners", "raised_by"})


def _field_of(error: str, names: set[str]) -> str:
    """The form field a use-case error names (``partners[1]`` → ``partners``)."""
    if error.startswith("link."):
        key = "link_" + re.split(r"[.\[]", error[5:])[0]
        return key if key in names else "link_indicator"
    if error.startswith("scores."):
        return "score_" + error[7:] if "score_" + error[7:] in names else ""
    head = re.split(r"[.\[]", error)[0]
    return head if head in names else ""


def _form_page(request: Request, title: str, action: str, fields: Sequence[Field],
               values: Values, error: ValidationFailed | None = None,
               back: str = "/plans", **extra: Any) -> Response:
    names = {f.name for f in fields} | ({"participants"} if "grid" in extra else set())
    beside: dict[str, list[str]] = {}
    general: list[str] = []
    for e in error.errors if error else []:
        name = _field_of(str(e.get("field", "")), names)
        if name:
            beside.setdefault(name, []).append(str(e.get("message", "")))
        else:
            general.append(f"{e.get('field', '')}: {e.get('message', '')}")
    return render(request, "plans/form.html", status_code=422 if error else 200,
                  form_title=title, action=action, fields=fields, values=values,
                  errors=beside, general=general, refused=error is not None, back=back, **extra)


def _submit(request: Request, page: Callable[..., Response], values: Values,
            write: Callable[[], str]) -> Response:
    """Run ``write`` (a use case call returning where to go next); refusals re-render."""
    try:
        target = write()
    except ValidationFailed as exc:
        return page(values, exc)
    return RedirectResponse(target, status_code=303)


def _lang() -> str:
    return i18n.current_language.get()


def _codes(list_id: str) -> list[tuple[str, str]]:
    return [(c.code, c.label(_lang())) for c in sp.codes(list_id)]


def _plain(items: Sequence[str]) -> list[tuple[str, str]]:
    return [(i, i) for i in items]


# ---------------------------------------------------------------- assessment


def _assessment_fields() -> list[Field]:
    return [Field("area", N_("Area code")), Field("title", N_("Title")),
            Field("period_start", N_("Start"), "date"), Field("period_end", N_("End"), "date"),
            Field("status", N_("Status"), "select", _plain(sp.ASSESSMENT_STATUSES))]


@router.get("/assessments/new")
def assessment_form(request: Request, viewer: Editor, area: str = "") -> Response:
    return _form_page(request, N_("New assessment"), "/assessments/new", _assessment_fields(),
                      {"area": area[:40], "status": "in_progress"})


@router.post("/assessments/new", dependencies=[Depends(verify_csrf)])
async def assessment_create(request: Request, viewer: Editor) -> Response:
    values = _values(await request.form())

    def page(v: Values, e: ValidationFailed) -> Response:
        return _form_page(request, N_("New assessment"), "/assessments/new",
                          _assessment_fields(), v, e)

    def write() -> str:
        errors = FormErrors()
        start = _date(values, "period_start", errors)
        end = _date(values, "period_end", errors)
        errors.raise_any()
        assert start is not None and end is not None
        new = ua.create_assessment(ctx.engine(request), viewer, ua.AssessmentSpec(
            _text(values, "area"), _text(values, "title"), start, end,
            _text(values, "status") or "in_progress"))
        return f"/assessments/{new}"

    return _submit(request, page, values, write)


# ---------------------------------------------------------------- consultation


def _consultation_fields() -> list[Field]:
    return [Field("kind", N_("Kind"), "select", _codes("consultation_kind")),
            Field("held_on", N_("Date"), "date"), Field("place", N_("Place")),
            Field("facilitator", N_("Facilitator")), Field("notes", N_("Notes"), "textarea")]


def _grid() -> dict[str, Any]:
    """The participant table: a row per constituency × sex, a column per age group."""
    sexes = load_taxonomy("sex")
    return {"sexes": [(c.code, c.label(_lang())) for c in sexes],
            "ages": _codes("age_group"), "groups": _codes("constituency")}


def _participants(values: Values, errors: FormErrors) -> list[dict[str, Any]]:
    grid = _grid()
    out = []
    for group, _g in grid["groups"]:
        for sex, _s in grid["sexes"]:
            for age, _a in grid["ages"]:
                text = _text(values, f"n.{group}.{sex}.{age}")
                if not text:
                    continue
                if not text.isdigit():
                    errors.add("participants", f"{group} / {sex} / {age}: {text!r} is not a "
                                               "whole number >= 0")
                    continue
                out.append({"sex": sex, "age_group": age, "constituency": group,
                            "count": int(text)})
    return out


@router.get("/assessments/{assessment_id}/consultations/new")
def consultation_form(request: Request, viewer: Editor, assessment_id: int) -> Response:
    view = ua.get_assessment(ctx.engine(request), viewer, assessment_id)
    return _consultation_page(request, view, {})


def _consultation_page(request: Request, view: ua.AssessmentView, values: Values,
                       error: ValidationFailed | None = None) -> Response:
    return _form_page(request, N_("Add a consultation"),
                      f"/assessments/{view.id}/consultations/new", _consultation_fields(),
                      values, error, back=f"/assessments/{view.id}", subject=view.title,
                      grid=_grid())


@router.post("/assessments/{assessment_id}/consultations/new",
             dependencies=[Depends(verify_csrf)])
async def consultation_create(request: Request, viewer: Editor, assessment_id: int) -> Response:
    engine = ctx.engine(request)
    view = ua.get_assessment(engine, viewer, assessment_id)
    values = _values(await request.form())

    def write() -> str:
        errors = FormErrors()
        held = _date(values, "held_on", errors)
        people = _participants(values, errors)
        errors.raise_any()
        assert held is not None
        ua.add_consultation(engine, viewer, assessment_id, ua.ConsultationSpec(
            _text(values, "kind"), held, _text(values, "place"), people,
            _text(values, "facilitator") or None, _text(values, "notes") or None))
        return f"/assessments/{assessment_id}"

    return _submit(request, lambda v, e: _consultation_page(request, view, v, e), values, write)


# ---------------------------------------------------------------- problem


def _problem_fields(view: ua.AssessmentView) -> list[Field]:
    held = [(str(c["id"]), f"{c['held_on']} · {c['place']}") for c in view.consultations]
    return [Field("category", N_("Category"), "select", _codes("problem_category")),
            Field("title", N_("Title")), Field("description", N_("Description"), "textarea"),
            Field("location", N_("Place")),
            Field("root_causes", N_("Root causes (one per line)"), "textarea"),
            Field("raised_by", N_("Raised by"), "checks", _codes("constituency")),
            Field("consultation_id", N_("Consultation"), "select", [("", "—"), *held]),
            *[Field(f"score_{name}", text, "number") for name, text in SCORES.items()]]


SCORES = {"frequency": N_("Frequency"), "severity": N_("Severity"),
          "concern": N_("Community concern"), "feasibility": N_("Feasibility")}


def _scores(values: Values, errors: FormErrors) -> dict[str, float | None]:
    """Criterion scores 1–5; an empty one stays unscored (concern is then derived)."""
    out: dict[str, float | None] = {}
    for name in SCORES:
        out[name] = _float(values, f"score_{name}", errors) if _text(
            values, f"score_{name}") else None
    return out


def _problem_page(request: Request, view: ua.AssessmentView, values: Values,
                  error: ValidationFailed | None = None) -> Response:
    return _form_page(request, N_("Add a problem"), f"/assessments/{view.id}/problems/new",
                      _problem_fields(view), values, error, back=f"/assessments/{view.id}",
                      subject=view.title)


@router.get("/assessments/{assessment_id}/problems/new")
def problem_form(request: Request, viewer: Editor, assessment_id: int) -> Response:
    view = ua.get_assessment(ctx.engine(request), viewer, assessment_id)
    return _problem_page(request, view, {})


@router.post("/assessments/{assessment_id}/problems/new", dependencies=[Depends(verify_csrf)])
async def problem_create(request: Request, viewer: Editor, assessment_id: int) -> Response:
    engine = ctx.engine(request)
    view = ua.get_assessment(engine, viewer, assessment_id)
    values = _values(await request.form())

    def write() -> str:
        errors = FormErrors()
        scores = _scores(values, errors)
        errors.raise_any()
        held = _id(values, "consultation_id")
        sources = [{"constituency": g, "consultation_id": held}
                   for g in values.get("raised_by", [])]
        ua.add_problem(engine, viewer, assessment_id, ua.ProblemSpec(
            _text(values, "category"), _text(values, "title"), sources,
            _text(values, "root_causes").splitlines(),
            _text(values, "description") or None, _text(values, "location") or None, scores))
        return f"/assessments/{assessment_id}"

    return _submit(request, lambda v, e: _problem_page(request, view, v, e), values, write)


# ---------------------------------------------------------------- plan


def _plan_fields() -> list[Field]:
    return [Field("area", N_("Area code")), Field("title", N_("Title")),
            Field("period_start", N_("Start"), "date"), Field("period_end", N_("End"), "date"),
            Field("status", N_("Status"), "select", _plain(sp.PLAN_STATUSES))]


def _plan_page(request: Request, values: Values, error: ValidationFailed | None = None,
               subject: str | None = None) -> Response:
    return _form_page(request, N_("New plan"), "/plans/new", _plan_fields(), values, error,
                      subject=subject, hidden={"assessment_id": values.get("assessment_id", "")})


@router.get("/plans/new")
def plan_form(request: Request, viewer: Editor, assessment: int | None = None) -> Response:
    values: Values = {"status": "adopted"}
    subject = None
    if assessment is not None:
        view = ua.get_assessment(ctx.engine(request), viewer, assessment)
        values.update(area=view.area_code, assessment_id=str(view.id),
                      period_start=(view.period_end + dt.timedelta(days=1)).isoformat())
        subject = view.title
    return _plan_page(request, values, subject=subject)


@router.post("/plans/new", dependencies=[Depends(verify_csrf)])
async def plan_create(request: Request, viewer: Editor) -> Response:
    values = _values(await request.form())

    def write() -> str:
        errors = FormErrors()
        start = _date(values, "period_start", errors)
        end = _date(values, "period_end", errors)
        errors.raise_any()
        assert start is not None and end is not None
        new = up.create_plan(ctx.engine(request), viewer, up.PlanSpec(
            _text(values, "area"), _text(values, "title"), start, end,
            _id(values, "assessment_id"), _text(values, "status") or "adopted"))
        return f"/plans/{new}"

    return _submit(request, lambda v, e: _plan_page(request, v, e), values, write)


# ---------------------------------------------------------------- objective, action, indicator


def _plan_view(request: Request, viewer: Viewer, plan_id: int) -> plan_views.PlanView:
    return plan_views.get_plan(ctx.engine(request), viewer, plan_id)


def _problems_of(request: Request, viewer: Viewer, plan: Any) -> list[tuple[str, str]]:
    if plan.assessment_id is None:
        return [("", "—")]
    view = ua.get_assessment(ctx.engine(request), viewer, plan.assessment_id)
    return [("", "—"), *[(str(p.id), p.title) for p in view.problems]]


def _objective_page(request: Request, viewer: Viewer, plan: Any, values: Values,
                    error: ValidationFailed | None = None) -> Response:
    fields = [Field("title", N_("Title")),
              Field("problem_id", N_("Problem"), "select", _problems_of(request, viewer, plan))]
    return _form_page(request, N_("Add an objective"), f"/plans/{plan.id}/objectives/new",
                      fields, values, error, back=f"/plans/{plan.id}", subject=plan.title)


@router.get("/plans/{plan_id}/objectives/new")
def objective_form(request: Request, viewer: Editor, plan_id: int) -> Response:
    return _objective_page(request, viewer, _plan_view(request, viewer, plan_id), {})


@router.post("/plans/{plan_id}/objectives/new", dependencies=[Depends(verify_csrf)])
async def objective_create(request: Request, viewer: Editor, plan_id: int) -> Response:
    plan = _plan_view(request, viewer, plan_id)
    values = _values(await request.form())

    def write() -> str:
        up.add_objective(ctx.engine(request), viewer, plan_id, _text(values, "title"),
                         _id(values, "problem_id"))
        return f"/plans/{plan_id}"

    return _submit(request, lambda v, e: _objective_page(request, viewer, plan, v, e),
                   values, write)


def _objectives(plan: Any, optional: bool) -> list[tuple[str, str]]:
    found = [(str(o.id), o.title) for o in plan.objectives]
    return [("", "—"), *found] if optional else found


def _action_page(request: Request, plan: Any, values: Values,
                 error: ValidationFailed | None = None) -> Response:
    actors = _codes("responsible_actor")
    fields = [Field("objective_id", N_("Objective"), "select", _objectives(plan, False)),
              Field("title", N_("Title")),
              Field("responsible", N_("Responsible"), "select", actors),
              Field("partners", N_("Partners"), "checks", actors),
              Field("start_on", N_("Start"), "date"), Field("due_on", N_("Due"), "date"),
              Field("budget", N_("Budget"), "number"), Field("currency", N_("Currency")),
              Field("funding_source", N_("Funding source")),
              Field("status", N_("Status"), "select", _codes("action_status"))]
    return _form_page(request, N_("Add an action"), f"/plans/{plan.id}/actions/new", fields,
                      values, error, back=f"/plans/{plan.id}", subject=plan.title)


@router.get("/plans/{plan_id}/actions/new")
def action_form(request: Request, viewer: Editor, plan_id: int) -> Response:
    return _action_page(request, _plan_view(request, viewer, plan_id), {"status": "planned"})


@router.post("/plans/{plan_id}/actions/new", dependencies=[Depends(verify_csrf)])
async def action_create(request: Request, viewer: Editor, plan_id: int) -> Response:
    plan = _plan_view(request, viewer, plan_id)
    values = _values(await request.form())

    def write() -> str:
        errors = FormErrors()
        start = _date(values, "start_on", errors, required=False)
        due = _date(values, "due_on", errors, required=False)
        objective = _id(values, "objective_id")
        if objective is None:
            errors.add("objective_id", "choose an objective (add one first)")
        errors.raise_any()
        assert objective is not None
        up.add_action(ctx.engine(request), viewer, plan_id, up.ActionSpec(
            objective, _text(values, "title"), _text(values, "responsible"),
            list(values.get("partners", [])), start, due, _text(values, "budget") or None,
            _text(values, "currency") or None, _text(values, "funding_source") or None,
            _text(values, "status") or "planned"))
        return f"/plans/{plan_id}"

    return _submit(request, lambda v, e: _action_page(request, plan, v, e), values, write)


DIRECTIONS = {"decrease": N_("Decrease"), "increase": N_("Increase")}
MEASURES = {"count": N_("Count"), "rate": N_("Rate per 100,000")}


def _indicator_page(request: Request, plan: Any, values: Values,
                    error: ValidationFailed | None = None) -> Response:
    known = sorted(load_definitions([definitions_folder()]))
    fields = [Field("objective_id", N_("Objective"), "select", _objectives(plan, True)),
              Field("name", N_("Name")), Field("unit", N_("Unit")),
              Field("direction", N_("Direction"), "select", list(DIRECTIONS.items())),
              Field("baseline", N_("Baseline"), "number"),
              Field("baseline_on", N_("Baseline date"), "date"),
              Field("target", N_("Target"), "number"),
              Field("target_on", N_("Target date"), "date"),
              Field("link_indicator", N_("Linked indicator"), "select",
                    [("", "—"), *_plain(known)]),
              Field("link_filters", N_("Filters (key=value, one per line)"), "textarea"),
              Field("link_measure", N_("Measure"), "select", list(MEASURES.items())),
              Field("link_months", N_("Months"), "number")]
    return _form_page(request, N_("Add an indicator"), f"/plans/{plan.id}/indicators/new",
                      fields, values, error, back=f"/plans/{plan.id}", subject=plan.title,
                      translated={"direction", "link_measure"})


def _filters(text: str, errors: FormErrors) -> dict[str, Any]:
    """``key=value`` lines; a value with commas is a list of codes."""
    out: dict[str, Any] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip() or not value.strip():
            errors.add("link_filters", f"{line.strip()!r} is not key=value")
            continue
        items = [v.strip() for v in value.split(",") if v.strip()]
        out[key.strip()] = items[0] if len(items) == 1 else items
    return out


def _link(values: Values, errors: FormErrors) -> Mapping[str, Any] | None:
    indicator = _text(values, "link_indicator")
    filters = _filters(_text(values, "link_filters"), errors)
    if not indicator:
        if filters:
            errors.add("link_filters", "filters need a linked indicator")
        return None
    months_text = _text(values, "link_months") or "12"
    months: Any = int(months_text) if months_text.isdigit() else months_text
    return {"indicator": indicator, "filters": filters,
            "measure": _text(values, "link_measure") or "count", "months": months}


@router.get("/plans/{plan_id}/indicators/new")
def indicator_form(request: Request, viewer: Editor, plan_id: int) -> Response:
    return _indicator_page(request, _plan_view(request, viewer, plan_id),
                           {"link_months": "12", "direction": "decrease"})


@router.post("/plans/{plan_id}/indicators/new", dependencies=[Depends(verify_csrf)])
async def indicator_create(request: Request, viewer: Editor, plan_id: int) -> Response:
    plan = _plan_view(request, viewer, plan_id)
    values = _values(await request.form())

    def write() -> str:
        errors = FormErrors()
        baseline = _float(values, "baseline", errors)
        target = _float(values, "target", errors)
        baseline_on = _date(values, "baseline_on", errors)
        target_on = _date(values, "target_on", errors)
        link = _link(values, errors)
        errors.raise_any()
        assert baseline_on is not None and target_on is not None
        up.add_indicator(ctx.engine(request), viewer, plan_id, up.IndicatorSpec(
            _text(values, "name"), _text(values, "unit"), _text(values, "direction"),
            baseline, baseline_on, target, target_on, _id(values, "objective_id"), link))
        return f"/plans/{plan_id}"

    return _submit(request, lambda v, e: _indicator_page(request, plan, v, e), values, write)
