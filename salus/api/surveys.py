"""``/api/v1/surveys``: create surveys, upload XLSForms and exports, define designs, estimate.

Thin adapters over :mod:`salus.usecases.surveys` (forms, data, design, estimates); results
are the use cases' dataclasses as JSON. ``public_router`` serves estimates to anyone, with
suppressed cells blank (``/api/v1/public/surveys/...``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Query, UploadFile
from pydantic import BaseModel, Field

from salus.analytics.surveys.domains import Thresholds
from salus.analytics.surveys.errors import SurveyDesignError
from salus.api.deps import Db, RowId, ViewerDep
from salus.api.schemas import ERRORS
from salus.domain.accounts.roles import PUBLIC_VIEWER, Viewer
from salus.domain.surveys.design import DesignRuleError, DesignSpec, Replicates, parse_margin
from salus.usecases.errors import ValidationFailed
from salus.usecases.plans.survey_link import take_survey_results
from salus.usecases.surveys import data, design, estimates, forms, maps

router = APIRouter(tags=["surveys"], responses=ERRORS)
public_router = APIRouter(tags=["surveys"], responses=ERRORS)
Code = Annotated[str, Field(max_length=64)]
By = Annotated[list[Literal["sex", "age_band", "disability", "area"]], Query()]
Ci = Literal["logit", "wald", "wilson", "beta", "likelihood"]
MAX_BYTES = data.MAX_BYTES


class SurveyIn(BaseModel):
    code: Code
    title: str = Field(max_length=200)
    area: str | None = Field(None, max_length=64)
    description: str | None = Field(None, max_length=5000)


class MarginIn(BaseModel):
    variables: list[str] = Field(max_length=4)
    rows: list[list[str | float]] = Field(description="each: the variables' values, then the "
                                                      "population total")


class ReplicatesIn(BaseModel):
    """R's ``svrepdesign`` (``columns`` given) or ``as.svrepdesign`` (no columns)."""

    method: Literal["JK1", "JKn", "bootstrap", "BRR", "Fay"]
    columns: list[str] = Field([], max_length=1000,
                               description="replicate weight columns (full weights); empty: "
                                           "created from the design")
    scale: float | None = Field(None, gt=0)
    rscales: list[float] | None = Field(None, max_length=1000)
    mse: bool = False
    fay_rho: float = Field(0.0, ge=0, lt=1)
    count: int = Field(50, ge=2, le=1000, description="bootstrap replicates (created)")
    seed: int | None = Field(None, ge=0, le=2**32 - 1)


class DesignIn(BaseModel):
    weights: str | None = "weight"
    strata: str | None = None
    ids: list[str] = []
    fpc: list[str] = []
    nest: bool = False
    lonely_psu: Literal["fail", "remove", "adjust", "average", "certainty"] = "fail"
    calibration: list[MarginIn] = []
    calibration_method: Literal["raking", "poststratify", "linear"] = "raking"
    replicates: ReplicatesIn | None = None


class ConditionIn(BaseModel):
    question: str = Field(max_length=200)
    values: list[str]


class MappingIn(BaseModel):
    numerator: list[ConditionIn] = Field(min_length=1)
    denominator: list[ConditionIn] = []


def _options(by: Sequence[str], area_level: int | None, min_n: int, max_cv: float,
             ci: str) -> estimates.Options:
    try:
        thresholds = Thresholds(min_n=min_n, flag_n=max(min_n, 50), max_cv=max_cv,
                                flag_cv=min(0.2, max_cv))
    except SurveyDesignError as exc:
        raise ValidationFailed([{"field": "thresholds", "code": "invalid",
                                 "message": str(exc)}]) from None
    return estimates.Options(by=tuple(dict.fromkeys(by)), area_level=area_level,
                             thresholds=thresholds, ci=ci)


@router.get("/surveys")
def list_surveys(viewer: ViewerDep, engine: Db) -> list[dict[str, Any]]:
    """The surveys the viewer can see."""
    return [asdict(s) for s in forms.list_surveys(engine, viewer)]


@router.get("/surveys/indicators")
def list_indicators() -> list[dict[str, str]]:
    """The SDG 16 survey indicators (id, SDG number, title)."""
    return [{"id": i, "sdg": sdg, "title": title} for i, sdg, title in forms.indicators()]


@router.post("/surveys", status_code=201)
def create_survey(viewer: ViewerDep, engine: Db, body: SurveyIn) -> dict[str, Any]:
    """Open a survey."""
    forms.create_survey(engine, viewer, forms.SurveySpec(body.code, body.title, body.area,
                                                         body.description))
    return {"code": body.code}


@router.get("/surveys/indicators/{indicator}/areas")
def indicator_areas(viewer: ViewerDep, engine: Db, indicator: str,
                    level: Annotated[int, Query(ge=0, le=10)],
                    survey: Annotated[str | None, Query(max_length=64)] = None,
                    wave: Annotated[str | None, Query(max_length=64)] = None,
                    min_n: Annotated[int, Query(ge=0, le=100_000)] = 30,
                    max_cv: Annotated[float, Query(gt=0, le=10)] = 0.3) -> dict[str, Any]:
    """A survey indicator by area at ``level`` (proportions 0–1, SE, CI, n, flags) from
    each survey's latest wave with a design that maps it, beside the incident indicators."""
    return asdict(maps.indicator_by_area(engine, viewer, indicator, level, survey, wave,
                                         _options([], level, min_n, max_cv, "logit")))


@router.get("/surveys/{code}")
def get_survey(viewer: ViewerDep, engine: Db, code: str) -> dict[str, Any]:
    """A survey: form versions, waves (with or without a design) and indicator mapping."""
    return asdict(forms.get_survey(engine, viewer, code))


@router.post("/surveys/{code}/forms", status_code=201)
async def upload_form(viewer: ViewerDep, engine: Db, code: str,
                      file: Annotated[UploadFile, File()]) -> dict[str, Any]:
    """Upload an XLSForm (read with pyxform); a new version of the survey's form."""
    content = await file.read(MAX_BYTES + 1)
    return asdict(forms.import_form(engine, viewer, code, content, file.filename or "form"))


@router.get("/surveys/{code}/form")
def get_form(viewer: ViewerDep, engine: Db, code: str,
             version: Annotated[str | None, Query(max_length=100)] = None) -> dict[str, Any]:
    """The form as stored: questions, choice lists, labels in every language."""
    return forms.get_form(engine, viewer, code, version).to_json()


@router.post("/surveys/{code}/waves/{wave}/data")
async def upload_data(viewer: ViewerDep, engine: Db, code: str, wave: str,
                      file: Annotated[UploadFile, File()],
                      repeats: Annotated[list[UploadFile] | None, File()] = None,
                      columns: Annotated[str, Form(max_length=2000, description=
                                                   "ROLE=COLUMN pairs, comma-separated")] = "",
                      form_version: Annotated[str | None, Form(max_length=100)] = None,
                      period_start: Annotated[dt.date | None, Form()] = None,
                      period_end: Annotated[dt.date | None, Form()] = None,
                      dry_run: Annotated[bool, Form()] = False) -> dict[str, Any]:
    """Upload a KoBo/ODK export (and repeat files); every row error, nothing written if any."""
    files = [(file.filename or "data.csv", await file.read(MAX_BYTES + 1))]
    for extra in repeats or []:
        files.append((extra.filename or "repeat.csv", await extra.read(MAX_BYTES + 1)))
    report = data.import_data(engine, viewer, code, wave, files, _pairs(columns), form_version,
                              (period_start, period_end), dry_run)
    return asdict(report)


def _pairs(text: str) -> dict[str, str]:
    out = {}
    for item in filter(None, (p.strip() for p in text.split(","))):
        role, sep, column = item.partition("=")
        if not sep:
            raise ValidationFailed([{"field": "columns", "code": "invalid",
                                     "message": f"{item!r}: write ROLE=COLUMN"}])
        out[role.strip()] = column.strip()
    return out


@router.put("/surveys/{code}/waves/{wave}/design")
def put_design(viewer: ViewerDep, engine: Db, code: str, wave: str,
               body: DesignIn) -> dict[str, Any]:
    """Define the wave's design (R's svydesign arguments, calibration targets, replicate
    weights as R's svrepdesign / as.svrepdesign)."""
    try:
        margins = tuple(parse_margin(m.variables, m.rows) for m in body.calibration)
    except DesignRuleError as exc:
        raise ValidationFailed([{"field": exc.field, "code": "invalid",
                                 "message": str(exc)}]) from None
    spec = DesignSpec(weights=body.weights, strata=body.strata, ids=tuple(body.ids),
                      fpc=tuple(body.fpc), nest=body.nest, lonely_psu=body.lonely_psu,
                      calibration=margins, calibration_method=body.calibration_method,
                      replicates=None if body.replicates is None else Replicates(
                          method=body.replicates.method, columns=tuple(body.replicates.columns),
                          scale=body.replicates.scale,
                          rscales=None if body.replicates.rscales is None
                          else tuple(body.replicates.rscales),
                          mse=body.replicates.mse, fay_rho=body.replicates.fay_rho,
                          count=body.replicates.count, seed=body.replicates.seed))
    return design.set_design(engine, viewer, code, wave, spec).to_json()


@router.get("/surveys/{code}/waves/{wave}/design")
def get_design(viewer: ViewerDep, engine: Db, code: str, wave: str) -> dict[str, Any]:
    return design.get_design(engine, viewer, code, wave).to_json()


@router.put("/surveys/{code}/indicators/{indicator}")
def put_mapping(viewer: ViewerDep, engine: Db, code: str, indicator: str,
                body: MappingIn) -> dict[str, Any]:
    """Which answers count in the indicator's numerator and denominator for this survey."""
    return forms.set_indicator_mapping(engine, viewer, code, indicator, body.model_dump())


def _estimate(viewer: Viewer, engine: Any, code: str, wave: str, indicator: str,
              options: estimates.Options) -> dict[str, Any]:
    return asdict(estimates.estimate_indicator(engine, viewer, code, wave, indicator, options))


@router.get("/surveys/{code}/waves/{wave}/estimates/{indicator}")
def get_estimates(viewer: ViewerDep, engine: Db, code: str, wave: str, indicator: str,
                  by: By = [],  # noqa: B006 - FastAPI copies query defaults
                  area_level: Annotated[int | None, Query(ge=0, le=10)] = None,
                  min_n: Annotated[int, Query(ge=0, le=100_000)] = 30,
                  max_cv: Annotated[float, Query(gt=0, le=10)] = 0.3,
                  ci: Ci = "logit") -> dict[str, Any]:
    """Estimates (proportions 0–1) by domain with SE, CI, deff, CV, unweighted n and flags."""
    return _estimate(viewer, engine, code, wave, indicator,
                     _options(by, area_level, min_n, max_cv, ci))


@router.get("/surveys/{code}/compare/{indicator}")
def get_comparison(viewer: ViewerDep, engine: Db, code: str, indicator: str,
                   first: Annotated[str, Query(max_length=64)],
                   second: Annotated[str, Query(max_length=64)],
                   by: By = [],  # noqa: B006 - FastAPI copies query defaults
                   area_level: Annotated[int | None, Query(ge=0, le=10)] = None
                   ) -> dict[str, Any]:
    """``second - first`` by domain, with the standard error of the difference."""
    return asdict(estimates.compare_waves(engine, viewer, code, first, second, indicator,
                                          _options(by, area_level, 30, 0.3, "logit")))


@public_router.get("/public/surveys/{code}/waves/{wave}/estimates/{indicator}")
def public_estimates(engine: Db, code: str, wave: str, indicator: str,
                     by: By = [],  # noqa: B006 - FastAPI copies query defaults
                     area_level: Annotated[int | None, Query(ge=0, le=10)] = None
                     ) -> dict[str, Any]:
    """Published estimates for anyone: suppressed cells are blank (n < 30 or CV > 0.3)."""
    return _estimate(PUBLIC_VIEWER, engine, code, wave, indicator,
                     _options(by, area_level, 30, 0.3, "logit"))


class TakeIn(BaseModel):
    survey: Code
    wave: str | None = Field(None, max_length=64)


@router.post("/assessments/{assessment_id}/survey-results", status_code=201)
def take_results(viewer: ViewerDep, engine: Db, assessment_id: RowId,
                 body: TakeIn) -> dict[str, Any]:
    """The assessment takes the linked survey's indicators for its community (no retyping)."""
    return asdict(take_survey_results(engine, viewer, assessment_id, body.survey, body.wave))
