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
from salus.domain.surveys.design import (
    LONELY_PSU,
    REPLICATE_TYPES,
    DesignRuleError,
    DesignSpec,
    Margin,
    Replicates,
    parse_margin,
)
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
                  [(v, v) for v in LONELY_PSU]),
            Field("calibration", N_("Calibration totals: CSV, the variables then 'total' "
                                    "(a blank line between margins)"), "textarea"),
            Field("population_year", N_("Or calibrate to the population table of year")),
            Field("population_by", N_("Population totals by (area, sex, age_band; "
                                      "comma-separated)")),
            Field("calibration_method", N_("Calibration"), "select",
                  [(v, v) for v in CALIBRATION_METHODS]),
            Field("replicates", N_("Replicate weights (R's svrepdesign type)"), "select",
                  [("", "—"), *((v, v) for v in REPLICATE_TYPES)]),
            Field("replicate_weights", N_("Replicate weight columns, comma-separated (empty: "
                                          "created from the design)")),
            Field("scale", N_("Replicate variance scale (empty: R's default)")),
            Field("rscales", N_("Scale of each replicate, comma-separated")),
            Field("mse", N_("Centre replicate variances at the full-sample estimate"),
                  "checkbox"),
            Field("fay_rho", N_("Fay's rho")),
            Field("replicate_count", N_("Bootstrap replicates to create")),
            Field("seed", N_("Bootstrap seed"))]


CALIBRATION_METHODS = ("raking", "poststratify", "linear")


def _margins_text(margins: Sequence[Margin]) -> str:
    """Calibration targets as the form shows them: CSV blocks, a blank line between."""
    blocks = []
    for m in margins:
        lines = [",".join([*m.variables, "total"])]
        lines += [",".join([*cell, f"{total:g}"]) for cell, total in m.totals.items()]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _margins(r: FormReader) -> tuple[Margin, ...]:
    """The calibration textarea read as margins (CSV blocks with a 'total' column)."""
    out: list[Margin] = []
    blocks = [b for b in r.text("calibration").replace("\r", "").split("\n\n") if b.strip()]
    for block in blocks:
        rows = [[c.strip() for c in line.split(",")] for line in block.splitlines()
                if line.strip()]
        if rows[0][-1].lower() != "total" or len(rows[0]) < 2:
            r.add("calibration", N_("Each margin starts with a header: its variables, then "
                                    "'total'."))
            return ()
        try:
            out.append(parse_margin(rows[0][:-1], [[*row[:-1], row[-1].replace(" ", "")]
                                                   for row in rows[1:]]))
        except DesignRuleError as exc:
            r.errors.append({"field": "calibration", "code": "invalid", "message": str(exc),
                             "value": r.values.get("calibration")})
            return ()
    return tuple(out)


def _replicates(r: FormReader) -> Replicates | None:
    method = r.choice("replicates", REPLICATE_TYPES, required=False)
    if method is None:
        return None
    rscales: list[float] = []
    for part in r.text("rscales").split(","):
        if part.strip():
            try:
                rscales.append(float(part))
            except ValueError:
                r.add("rscales", N_("Give numbers separated by commas."))
    fay = r.number("fay_rho", required=False)
    return Replicates(method=method, columns=_items(r.text("replicate_weights")),
                      scale=r.number("scale", required=False), rscales=tuple(rscales) or None,
                      mse=bool(r.optional("mse")), fay_rho=0.0 if fay is None else fay,
                      count=r.integer("replicate_count") or 50, seed=r.integer("seed"))


def _design_page(request: Request, code: str, wave: str, values: Values,
                 errors: Sequence[Finding] = ()) -> Response:
    return render_form(request, N_("Survey design"), f"/surveys/{code}/waves/{wave}/design",
                       _design_fields(), values, errors, back=f"/surveys/{code}",
                       subject=f"{code} · {wave}", field_of=lambda f: {"design": "strata",
                                                            "count": "replicate_count"}.get(f, f))


@router.get("/surveys/{code}/waves/{wave}/design")
def design_form(request: Request, viewer: Importer, code: str, wave: str) -> Response:
    try:
        spec = design.get_design(ctx.engine(request), viewer, code, wave)
        values: Values = {"weights": spec.weights or "", "strata": spec.strata or "",
                          "ids": ", ".join(spec.ids), "fpc": ", ".join(spec.fpc),
                          "nest": spec.nest, "lonely_psu": spec.lonely_psu,
                          "calibration": _margins_text(spec.calibration),
                          "calibration_method": spec.calibration_method}
        rep = spec.replicates
        if rep is not None:
            values.update(replicates=rep.method, replicate_weights=", ".join(rep.columns),
                          scale="" if rep.scale is None else f"{rep.scale:g}",
                          rscales=", ".join(f"{v:g}" for v in rep.rscales or ()),
                          mse=rep.mse, fay_rho=f"{rep.fay_rho:g}",
                          replicate_count=str(rep.count),
                          seed="" if rep.seed is None else str(rep.seed))
    except Exception:  # noqa: BLE001 - no design yet: an empty form
        values = {"weights": "weight", "lonely_psu": "fail", "calibration_method": "raking"}
    return _design_page(request, code, wave, values)


@router.post("/surveys/{code}/waves/{wave}/design", dependencies=[Depends(verify_csrf)])
async def design_save(request: Request, viewer: Importer, code: str, wave: str) -> Response:
    r = FormReader(await request.form())

    def write() -> str:
        lonely = r.choice("lonely_psu", LONELY_PSU) or "fail"
        method = r.choice("calibration_method", CALIBRATION_METHODS, required=False)
        margins = _margins(r)
        replicates = _replicates(r)
        year = r.integer("population_year")
        if year is not None and margins:
            r.add("population_year", N_("Give calibration totals or a population year, not "
                                        "both."))
        r.done()
        if year is not None:
            margins = design.population_margins(
                ctx.engine(request), viewer, code, wave, year,
                _items(r.text("population_by")) or ("sex", "age_band"), method or "raking")
        design.set_design(ctx.engine(request), viewer, code, wave, DesignSpec(
            weights=r.optional("weights"), strata=r.optional("strata"),
            ids=_items(r.text("ids")), fpc=_items(r.text("fpc")),
            nest=bool(r.optional("nest")), lonely_psu=lonely, calibration=margins,
            calibration_method=method or "raking", replicates=replicates))
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
