"""Write forms of surveys: a new survey, a wave's design, an indicator's question mapping.

Each form reads text (:class:`salus.web.forms.FormReader`) and calls one use case; a refusal
shows the form again with the message beside its field, nothing written.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from salus.api import context as ctx
from salus.api.csrf import verify_csrf
from salus.domain.accounts.roles import Permission, Viewer
from salus.domain.surveys.design import LONELY_PSU, DesignSpec
from salus.i18n import N_
from salus.usecases.surveys import design, forms
from salus.web.forms import Field, Finding, FormReader, Values, render_form, submit
from salus.web.pages import needs

router = APIRouter(include_in_schema=False)
Importer = Annotated[Viewer, Depends(needs(Permission.IMPORT))]


def _items(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in text.split(",") if p.strip())


SURVEY_FIELDS = [Field("code", N_("Code")), Field("title", N_("Title")),
                 Field("area", N_("Area code (the area the survey covers)")),
                 Field("description", N_("Description"), "textarea")]


def _survey_page(request: Request, values: Values, errors: Sequence[Finding] = ()) -> Response:
    return render_form(request, N_("New survey"), "/surveys/new", SURVEY_FIELDS, values,
                       errors, back="/surveys")


@router.get("/surveys/new")
def new_survey(request: Request, viewer: Importer) -> Response:
    return _survey_page(request, {})


@router.post("/surveys/new", dependencies=[Depends(verify_csrf)])
async def create_survey(request: Request, viewer: Importer) -> Response:
    r = FormReader(await request.form())

    def write() -> str:
        forms.create_survey(ctx.engine(request), viewer, forms.SurveySpec(
            r.text("code"), r.text("title"), r.optional("area"), r.optional("description")))
        return f"/surveys/{r.text('code')}"

    return submit(write, lambda errors: _survey_page(request, r.values, errors))


def _design_fields() -> list[Field]:
    return [Field("weights", N_("Weight variable")),
            Field("strata", N_("Stratum variable")),
            Field("ids", N_("Cluster variables, PSU first (comma-separated)")),
            Field("fpc", N_("Finite population correction, one per stage")),
            Field("nest", N_("PSU ids are unique only within strata"), "checkbox"),
            Field("lonely_psu", N_("A stratum with one PSU"), "select",
                  [(v, v) for v in LONELY_PSU])]


def _design_page(request: Request, code: str, wave: str, values: Values,
                 errors: Sequence[Finding] = ()) -> Response:
    return render_form(request, N_("Survey design"), f"/surveys/{code}/waves/{wave}/design",
                       _design_fields(), values, errors, back=f"/surveys/{code}",
                       subject=f"{code} · {wave}", field_of=lambda f: "strata"
                       if f == "design" else f)


@router.get("/surveys/{code}/waves/{wave}/design")
def design_form(request: Request, viewer: Importer, code: str, wave: str) -> Response:
    try:
        spec = design.get_design(ctx.engine(request), viewer, code, wave)
        values: Values = {"weights": spec.weights or "", "strata": spec.strata or "",
                          "ids": ", ".join(spec.ids), "fpc": ", ".join(spec.fpc),
                          "nest": spec.nest, "lonely_psu": spec.lonely_psu}
    except Exception:  # noqa: BLE001 - no design yet: an empty form
        values = {"weights": "weight", "lonely_psu": "fail"}
    return _design_page(request, code, wave, values)


@router.post("/surveys/{code}/waves/{wave}/design", dependencies=[Depends(verify_csrf)])
async def design_save(request: Request, viewer: Importer, code: str, wave: str) -> Response:
    r = FormReader(await request.form())

    def write() -> str:
        lonely = r.choice("lonely_psu", LONELY_PSU) or "fail"
        r.done()
        design.set_design(ctx.engine(request), viewer, code, wave, DesignSpec(
            weights=r.optional("weights"), strata=r.optional("strata"),
            ids=_items(r.text("ids")), fpc=_items(r.text("fpc")),
            nest=bool(r.optional("nest")), lonely_psu=lonely))
        return f"/surveys/{code}"

    return submit(write, lambda errors: _design_page(request, code, wave, r.values, errors))


def _mapping_fields() -> list[Field]:
    return [Field("indicator", N_("Indicator"), "select",
                  [(i, f"{sdg} {title}") for i, sdg, title in forms.indicators()]),
            Field("numerator_question", N_("Numerator: question")),
            Field("numerator_values", N_("Numerator: answers that count (comma-separated)")),
            Field("denominator_question", N_("Denominator: question (empty: all who "
                                             "answered)")),
            Field("denominator_values", N_("Denominator: answers that count"))]


def _mapping_page(request: Request, code: str, values: Values,
                  errors: Sequence[Finding] = ()) -> Response:
    return render_form(request, N_("Indicator questions"), f"/surveys/{code}/map",
                       _mapping_fields(), values, errors, back=f"/surveys/{code}",
                       subject=code, field_of=lambda f: "numerator_question"
                       if f in ("mapping", "question", "values") else f)


@router.get("/surveys/{code}/map")
def mapping_form(request: Request, viewer: Importer, code: str) -> Response:
    return _mapping_page(request, code, {"indicator": "sdg-16-1-4"})


@router.post("/surveys/{code}/map", dependencies=[Depends(verify_csrf)])
async def mapping_save(request: Request, viewer: Importer, code: str) -> Response:
    r = FormReader(await request.form())

    def write() -> str:
        indicator = r.required("indicator")
        r.done()
        mapping = {"numerator": [{"question": r.text("numerator_question"),
                                  "values": list(_items(r.text("numerator_values")))}],
                   "denominator": [{"question": r.text("denominator_question"),
                                    "values": list(_items(r.text("denominator_values")))}]
                   if r.text("denominator_question") else []}
        forms.set_indicator_mapping(ctx.engine(request), viewer, code, indicator, mapping)
        return f"/surveys/{code}"

    return submit(write, lambda errors: _mapping_page(request, code, r.values, errors))
