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
from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from salus import i18n
from salus.analytics.indicators.definitions import load_definitions
from salus.api import context as ctx
from salus.api.csrf import verify_csrf
from salus.api.deps import OptionalRowId, RowId
from salus.domain import plans as sp
from salus.domain.accounts.roles import Permission, Viewer
from salus.domain.taxonomy import load as load_taxonomy
from salus.i18n import N_
from salus.usecases.indicators.dashboard import definitions_folder
from salus.usecases.plans import assessments as ua
from salus.usecases.plans import editing as up
from salus.usecases.plans import views as plan_views
from salus.web.forms import Field, Finding, FormReader, render_form, submit
from salus.web.pages import needs

router = APIRouter(include_in_schema=False)
Editor = Annotated[Viewer, Depends(needs(Permission.EDIT_PLANS))]
Values = Mapping[str, Any]
LIST_FIELDS = frozenset({"partners", "raised_by"})


async def _read(request: Request) -> FormReader:
    """The submitted form; check boxes (partners, raised_by) as lists."""
    return FormReader(await request.form(), lists=LIST_FIELDS)


LINK_PARTS = ("indicator", "filters", "measure", "months")


def _field_of(error: str) -> str:
    """The form field a use-case error names (``link.filters`` → ``link_filters``)."""
    if error.startswith("link."):
        part = re.split(r"[.\[]", error[5:])[0]
        return "link_" + (part if part in LINK_PARTS else "indicator")
    if error.startswith("scores."):
        return "score_" + error[7:]
    return error


def _page(request: Request, title: str, action: str, fields: Sequence[Field], values: Values,
          errors: Sequence[Finding] = (), back: str = "/plans", **extra: Any) -> Response:
    return render_form(request, title, action, fields, values, errors, back=back,
                       field_of=_field_of, **extra)


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


def _assessment_page(request: Request, values: Values,
                     errors: Sequence[Finding] = ()) -> Response:
    return _page(request, N_("New assessment"), "/assessments/new", _assessment_fields(),
                 values, errors)


@router.get("/assessments/new")
def assessment_form(request: Request, viewer: Editor, area: str = "") -> Response:
    return _assessment_page(request, {"area": area[:40], "status": "in_progress"})


@router.post("/assessments/new", dependencies=[Depends(verify_csrf)])
async def assessment_create(request: Request, viewer: Editor) -> Response:
    r = await _read(request)

    def write() -> str:
        start, end = r.date("period_start"), r.date("period_end")
        r.done()
        assert start is not None and end is not None
        new = ua.create_assessment(ctx.engine(request), viewer, ua.AssessmentSpec(
            r.text("area"), r.text("title"), start, end, r.text("status") or "in_progress"))
        return f"/assessments/{new}"

    return submit(write, lambda errors: _assessment_page(request, r.values, errors))


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


def _participants(r: FormReader) -> list[dict[str, Any]]:
    grid = _grid()
    out = []
    for group, _g in grid["groups"]:
        for sex, _s in grid["sexes"]:
            for age, _a in grid["ages"]:
                text = r.text(f"n.{group}.{sex}.{age}")
                if not text:
                    continue
                if not text.isdigit():
                    r.add("participants", f"{group} / {sex} / {age}: {text!r} is not a "
                                          "whole number >= 0")
                    continue
                out.append({"sex": sex, "age_group": age, "constituency": group,
                            "count": int(text)})
    return out


def _consultation_page(request: Request, view: ua.AssessmentView, values: Values,
                       errors: Sequence[Finding] = ()) -> Response:
    return _page(request, N_("Add a consultation"), f"/assessments/{view.id}/consultations/new",
                 _consultation_fields(), values, errors, back=f"/assessments/{view.id}",
                 subject=view.title, template="plans/consultation_form.html",
                 also=("participants",), grid=_grid())


@router.get("/assessments/{assessment_id}/consultations/new")
def consultation_form(request: Request, viewer: Editor, assessment_id: RowId) -> Response:
    view = ua.get_assessment(ctx.engine(request), viewer, assessment_id)
    return _consultation_page(request, view, {})


@router.post("/assessments/{assessment_id}/consultations/new",
             dependencies=[Depends(verify_csrf)])
async def consultation_create(request: Request, viewer: Editor, assessment_id: RowId) -> Response:
    engine = ctx.engine(request)
    view = ua.get_assessment(engine, viewer, assessment_id)
    r = await _read(request)

    def write() -> str:
        held = r.date("held_on")
        people = _participants(r)
        r.done()
        assert held is not None
        ua.add_consultation(engine, viewer, assessment_id, ua.ConsultationSpec(
            r.text("kind"), held, r.text("place"), people, r.optional("facilitator"),
            r.optional("notes")))
        return f"/assessments/{assessment_id}"

    return submit(write, lambda errors: _consultation_page(request, view, r.values, errors))


# ---------------------------------------------------------------- problem


SCORES = {"frequency": N_("Frequency"), "severity": N_("Severity"),
          "concern": N_("Community concern"), "feasibility": N_("Feasibility")}


def _problem_fields(view: ua.AssessmentView) -> list[Field]:
    held = [(str(c["id"]), f"{c['held_on']} · {c['place']}") for c in view.consultations]
    return [Field("category", N_("Category"), "select", _codes("problem_category")),
            Field("title", N_("Title")), Field("description", N_("Description"), "textarea"),
            Field("location", N_("Place")),
            Field("root_causes", N_("Root causes (one per line)"), "textarea"),
            Field("raised_by", N_("Raised by"), "checks", _codes("constituency")),
            Field("consultation_id", N_("Consultation"), "select", held, blank=True),
            *[Field(f"score_{name}", text, "number") for name, text in SCORES.items()]]


def _scores(r: FormReader) -> dict[str, float | None]:
    """Criterion scores 1–5; an empty one stays unscored (concern is then derived)."""
    return {name: r.number(f"score_{name}", required=False) for name in SCORES}


def _problem_page(request: Request, view: ua.AssessmentView, values: Values,
                  errors: Sequence[Finding] = ()) -> Response:
    return _page(request, N_("Add a problem"), f"/assessments/{view.id}/problems/new",
                 _problem_fields(view), values, errors, back=f"/assessments/{view.id}",
                 subject=view.title)


@router.get("/assessments/{assessment_id}/problems/new")
def problem_form(request: Request, viewer: Editor, assessment_id: RowId) -> Response:
    view = ua.get_assessment(ctx.engine(request), viewer, assessment_id)
    return _problem_page(request, view, {})


@router.post("/assessments/{assessment_id}/problems/new", dependencies=[Depends(verify_csrf)])
async def problem_create(request: Request, viewer: Editor, assessment_id: RowId) -> Response:
    engine = ctx.engine(request)
    view = ua.get_assessment(engine, viewer, assessment_id)
    r = await _read(request)

    def write() -> str:
        scores = _scores(r)
        r.done()
        held = r.reference("consultation_id")
        sources = [{"constituency": g, "consultation_id": held} for g in r.items("raised_by")]
        ua.add_problem(engine, viewer, assessment_id, ua.ProblemSpec(
            r.text("category"), r.text("title"), sources, r.text("root_causes").splitlines(),
            r.optional("description"), r.optional("location"), scores))
        return f"/assessments/{assessment_id}"

    return submit(write, lambda errors: _problem_page(request, view, r.values, errors))


# ---------------------------------------------------------------- plan


def _plan_fields() -> list[Field]:
    return [Field("area", N_("Area code")), Field("title", N_("Title")),
            Field("period_start", N_("Start"), "date"), Field("period_end", N_("End"), "date"),
            Field("status", N_("Status"), "select", _plain(sp.PLAN_STATUSES))]


def _plan_page(request: Request, values: Values, errors: Sequence[Finding] = (),
               subject: str | None = None) -> Response:
    return _page(request, N_("New plan"), "/plans/new", _plan_fields(), values, errors,
                 subject=subject, hidden={"assessment_id": values.get("assessment_id", "")})


@router.get("/plans/new")
def plan_form(request: Request, viewer: Editor, assessment: OptionalRowId = None) -> Response:
    values: dict[str, Any] = {"status": "adopted"}
    subject = None
    if assessment is not None:
        view = ua.get_assessment(ctx.engine(request), viewer, assessment)
        values.update(area=view.area_code, assessment_id=str(view.id),
                      period_start=(view.period_end + dt.timedelta(days=1)).isoformat())
        subject = view.title
    return _plan_page(request, values, subject=subject)


@router.post("/plans/new", dependencies=[Depends(verify_csrf)])
async def plan_create(request: Request, viewer: Editor) -> Response:
    r = await _read(request)

    def write() -> str:
        start, end = r.date("period_start"), r.date("period_end")
        r.done()
        assert start is not None and end is not None
        new = up.create_plan(ctx.engine(request), viewer, up.PlanSpec(
            r.text("area"), r.text("title"), start, end, r.reference("assessment_id"),
            r.text("status") or "adopted"))
        return f"/plans/{new}"

    return submit(write, lambda errors: _plan_page(request, r.values, errors))


# ---------------------------------------------------------------- objective, action, indicator


def _plan_view(request: Request, viewer: Viewer, plan_id: RowId) -> plan_views.PlanView:
    return plan_views.get_plan(ctx.engine(request), viewer, plan_id)


def _problems_of(request: Request, viewer: Viewer, plan: Any) -> list[tuple[str, str]]:
    if plan.assessment_id is None:
        return []
    view = ua.get_assessment(ctx.engine(request), viewer, plan.assessment_id)
    return [(str(p.id), p.title) for p in view.problems]


def _objective_page(request: Request, viewer: Viewer, plan: Any, values: Values,
                    errors: Sequence[Finding] = ()) -> Response:
    fields = [Field("title", N_("Title")),
              Field("problem_id", N_("Problem"), "select", _problems_of(request, viewer, plan),
                    blank=True)]
    return _page(request, N_("Add an objective"), f"/plans/{plan.id}/objectives/new", fields,
                 values, errors, back=f"/plans/{plan.id}", subject=plan.title)


@router.get("/plans/{plan_id}/objectives/new")
def objective_form(request: Request, viewer: Editor, plan_id: RowId) -> Response:
    return _objective_page(request, viewer, _plan_view(request, viewer, plan_id), {})


@router.post("/plans/{plan_id}/objectives/new", dependencies=[Depends(verify_csrf)])
async def objective_create(request: Request, viewer: Editor, plan_id: RowId) -> Response:
    plan = _plan_view(request, viewer, plan_id)
    r = await _read(request)

    def write() -> str:
        up.add_objective(ctx.engine(request), viewer, plan_id, r.text("title"),
                         r.reference("problem_id"))
        return f"/plans/{plan_id}"

    return submit(write, lambda errors: _objective_page(request, viewer, plan, r.values, errors))


def _objectives(plan: Any) -> list[tuple[str, str]]:
    return [(str(o.id), o.title) for o in plan.objectives]


def _action_page(request: Request, plan: Any, values: Values,
                 errors: Sequence[Finding] = ()) -> Response:
    actors = _codes("responsible_actor")
    fields = [Field("objective_id", N_("Objective"), "select", _objectives(plan)),
              Field("title", N_("Title")),
              Field("responsible", N_("Responsible"), "select", actors),
              Field("partners", N_("Partners"), "checks", actors),
              Field("start_on", N_("Start"), "date"), Field("due_on", N_("Due"), "date"),
              Field("budget", N_("Budget"), "number"), Field("currency", N_("Currency")),
              Field("funding_source", N_("Funding source")),
              Field("status", N_("Status"), "select", _codes("action_status"))]
    return _page(request, N_("Add an action"), f"/plans/{plan.id}/actions/new", fields,
                 values, errors, back=f"/plans/{plan.id}", subject=plan.title)


@router.get("/plans/{plan_id}/actions/new")
def action_form(request: Request, viewer: Editor, plan_id: RowId) -> Response:
    return _action_page(request, _plan_view(request, viewer, plan_id), {"status": "planned"})


@router.post("/plans/{plan_id}/actions/new", dependencies=[Depends(verify_csrf)])
async def action_create(request: Request, viewer: Editor, plan_id: RowId) -> Response:
    plan = _plan_view(request, viewer, plan_id)
    r = await _read(request)

    def write() -> str:
        start, due = r.date("start_on", required=False), r.date("due_on", required=False)
        objective = r.reference("objective_id")
        if objective is None:
            r.add("objective_id", "choose an objective (add one first)")
        r.done()
        assert objective is not None
        up.add_action(ctx.engine(request), viewer, plan_id, up.ActionSpec(
            objective, r.text("title"), r.text("responsible"), r.items("partners"), start, due,
            r.optional("budget"), r.optional("currency"), r.optional("funding_source"),
            r.text("status") or "planned"))
        return f"/plans/{plan_id}"

    return submit(write, lambda errors: _action_page(request, plan, r.values, errors))


DIRECTIONS = {"decrease": N_("Decrease"), "increase": N_("Increase")}
MEASURES = {"count": N_("Count"), "rate": N_("Rate per 100,000")}


def _indicator_page(request: Request, plan: Any, values: Values,
                    errors: Sequence[Finding] = ()) -> Response:
    known = sorted(load_definitions([definitions_folder()]))
    fields = [Field("objective_id", N_("Objective"), "select", _objectives(plan), blank=True),
              Field("name", N_("Name")), Field("unit", N_("Unit")),
              Field("direction", N_("Direction"), "select", list(DIRECTIONS.items()),
                    translate=True),
              Field("baseline", N_("Baseline"), "number"),
              Field("baseline_on", N_("Baseline date"), "date"),
              Field("target", N_("Target"), "number"),
              Field("target_on", N_("Target date"), "date"),
              Field("link_indicator", N_("Linked indicator"), "select", _plain(known),
                    blank=True),
              Field("link_filters", N_("Filters (key=value, one per line)"), "textarea"),
              Field("link_measure", N_("Measure"), "select", list(MEASURES.items()),
                    translate=True),
              Field("link_months", N_("Months"), "integer")]
    return _page(request, N_("Add an indicator"), f"/plans/{plan.id}/indicators/new", fields,
                 values, errors, back=f"/plans/{plan.id}", subject=plan.title)


def _filters(r: FormReader) -> dict[str, Any]:
    """``key=value`` lines; a value with commas is a list of codes."""
    out: dict[str, Any] = {}
    for line in r.text("link_filters").splitlines():
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip() or not value.strip():
            r.add("link_filters", f"{line.strip()!r} is not key=value")
            continue
        items = [v.strip() for v in value.split(",") if v.strip()]
        out[key.strip()] = items[0] if len(items) == 1 else items
    return out


def _link(r: FormReader) -> Mapping[str, Any] | None:
    indicator = r.text("link_indicator")
    filters = _filters(r)
    if not indicator:
        if filters:
            r.add("link_filters", "filters need a linked indicator")
        return None
    months_text = r.text("link_months") or "12"
    months: Any = int(months_text) if months_text.isdigit() else months_text
    return {"indicator": indicator, "filters": filters,
            "measure": r.text("link_measure") or "count", "months": months}


@router.get("/plans/{plan_id}/indicators/new")
def indicator_form(request: Request, viewer: Editor, plan_id: RowId) -> Response:
    return _indicator_page(request, _plan_view(request, viewer, plan_id),
                           {"link_months": "12", "direction": "decrease"})


@router.post("/plans/{plan_id}/indicators/new", dependencies=[Depends(verify_csrf)])
async def indicator_create(request: Request, viewer: Editor, plan_id: RowId) -> Response:
    plan = _plan_view(request, viewer, plan_id)
    r = await _read(request)

    def write() -> str:
        baseline, target = r.number("baseline"), r.number("target")
        baseline_on, target_on = r.date("baseline_on"), r.date("target_on")
        link = _link(r)
        r.done()
        assert baseline is not None and target is not None
        assert baseline_on is not None and target_on is not None
        up.add_indicator(ctx.engine(request), viewer, plan_id, up.IndicatorSpec(
            r.text("name"), r.text("unit"), r.text("direction"), baseline, baseline_on,
            target, target_on, r.reference("objective_id"), link))
        return f"/plans/{plan_id}"

    return submit(write, lambda errors: _indicator_page(request, plan, r.values, errors))
