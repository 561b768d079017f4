"""The survey list, a survey's page, and the uploads of its XLSForm and its submissions.

Uploads are plain multipart forms with the CSRF token; each calls one use case
(:func:`salus.usecases.surveys.forms.import_form`, :func:`salus.usecases.surveys.data.import_data`)
and shows what it says: the form's languages and questions, or every row error of a refused
export (nothing written).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from salus import i18n
from salus.api import context as ctx
from salus.api.csrf import verify_csrf
from salus.domain.accounts.roles import Permission, Viewer
from salus.domain.surveys.forms import pick_label
from salus.usecases.errors import UseCaseError, ValidationFailed
from salus.usecases.surveys import data, forms
from salus.web.pages import needs
from salus.web.templating import render

router = APIRouter(include_in_schema=False)
Reader = Annotated[Viewer, Depends(needs(Permission.INDICATORS))]
Importer = Annotated[Viewer, Depends(needs(Permission.IMPORT))]
MAX_SHOWN = 500


@router.get("/surveys")
def survey_list(request: Request, viewer: Reader) -> Response:
    return render(request, "surveys/list.html",
                  surveys=forms.list_surveys(ctx.engine(request), viewer))


def survey_page(request: Request, viewer: Viewer, code: str, status: int = 200,
                **extra: Any) -> Response:
    engine = ctx.engine(request)
    detail = forms.get_survey(engine, viewer, code)
    questions: list[dict[str, str]] = []
    if detail.forms:
        form = forms.get_form(engine, viewer, code)
        lang = i18n.current_language.get()
        questions = [{"name": q.name, "type": q.type, "label": pick_label(q.labels, lang),
                      "labels": " · ".join(f"{k}: {v}" for k, v in q.labels.items())}
                     for q in form.questions]
    context: dict[str, Any] = {"survey": detail, "questions": questions, "report": None,
                               "error": None, "max_shown": MAX_SHOWN,
                               "indicators": forms.indicators()}
    context.update(extra)
    return render(request, "surveys/survey.html", status_code=status, **context)


@router.get("/surveys/{code}")
def survey(request: Request, viewer: Reader, code: str) -> Response:
    return survey_page(request, viewer, code)


@router.post("/surveys/{code}/form", dependencies=[Depends(verify_csrf)])
async def upload_form(request: Request, viewer: Importer, code: str,
                      file: Annotated[UploadFile, File()]) -> Response:
    content = await file.read(data.MAX_BYTES + 1)
    try:
        forms.import_form(ctx.engine(request), viewer, code, content, file.filename or "form")
    except (ValidationFailed, UseCaseError) as exc:
        if not isinstance(exc, ValidationFailed) and exc.status != 409:
            raise
        return survey_page(request, viewer, code, 422, error=exc.detail if not isinstance(
            exc, ValidationFailed) else "; ".join(e["message"] for e in exc.errors))
    return RedirectResponse(f"/surveys/{code}", status_code=303)


@router.post("/surveys/{code}/data", dependencies=[Depends(verify_csrf)])
async def upload_data(request: Request, viewer: Importer, code: str,
                      wave: Annotated[str, Form(max_length=64)],
                      file: Annotated[UploadFile, File()],
                      repeats: Annotated[list[UploadFile] | None, File()] = None,
                      area_column: Annotated[str, Form(max_length=200)] = "") -> Response:
    files = [(file.filename or "data.csv", await file.read(data.MAX_BYTES + 1))]
    for extra in repeats or []:
        if extra.filename:
            files.append((extra.filename, await extra.read(data.MAX_BYTES + 1)))
    roles = {"area": area_column.strip()} if area_column.strip() else {}
    try:
        report = data.import_data(ctx.engine(request), viewer, code, wave, files, roles)
    except ValidationFailed as exc:
        return survey_page(request, viewer, code, 422,
                           error="; ".join(e["message"] for e in exc.errors))
    return survey_page(request, viewer, code, 200 if report.written else 422, report=report)
