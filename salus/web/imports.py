"""Import page: upload, choose or write a mapping, dry-run preview with every row error, commit."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response

from salus.api import context as ctx
from salus.api.csrf import verify_csrf
from salus.domain.accounts.roles import Viewer
from salus.usecases.errors import ValidationFailed
from salus.usecases.imports import jobs as import_jobs
from salus.usecases.warm import after_write
from salus.web.pages import page_viewer
from salus.web.templating import render

router = APIRouter(include_in_schema=False)


def importer(request: Request) -> Viewer:
    """The viewer, who must be allowed to import some kind of records (403 page otherwise)."""
    viewer = page_viewer(request)
    import_jobs.check_import(viewer)
    return viewer


Importer = Annotated[Viewer, Depends(importer)]
MAX_SHOWN = 1000


def _page(request: Request, viewer: Viewer, status: int = 200, **extra: object) -> Response:
    context: dict[str, object] = {"mappings": import_jobs.mappings(), "preview": None,
                                  "kinds": import_jobs.kinds_for(viewer),
                                  "report": None, "error": None, "max_shown": MAX_SHOWN,
                                  "batches": import_jobs.list_batches(ctx.engine(request),
                                                                      viewer, 20)}
    context.update(extra)
    return render(request, "import.html", status_code=status, **context)


@router.get("/imports")
def import_page(request: Request, viewer: Importer) -> Response:
    return _page(request, viewer)


@router.post("/imports/preview", dependencies=[Depends(verify_csrf)])
async def preview(request: Request, viewer: Importer, file: Annotated[UploadFile, File()],
                  kind: Annotated[str, Form()], mapping: Annotated[str, Form()] = "",
                  mapping_yaml: Annotated[str, Form()] = "") -> Response:
    try:
        staged = import_jobs.stage(ctx.state(request).staging, viewer, kind,
                                   file.filename or "upload", file.file, mapping, mapping_yaml)
    except ValidationFailed as exc:
        return _page(request, viewer, 422, error=exc)
    result = import_jobs.preview(ctx.engine(request), viewer, staged)
    return _page(request, viewer, preview=result)


@router.get("/imports/{token}/errors.csv")
def errors_csv(request: Request, viewer: Importer, token: str) -> Response:
    staged = import_jobs.load_staged(ctx.state(request).staging, viewer, token)
    result = import_jobs.preview(ctx.engine(request), viewer, staged)
    return Response(import_jobs.errors_csv(result.errors, result.warnings),
                    media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition":
                             f'attachment; filename="{staged.file_name}-errors.csv"'})


@router.post("/imports/{token}/commit", dependencies=[Depends(verify_csrf)])
def commit(request: Request, viewer: Importer, token: str,
           skip_invalid: Annotated[str, Form()] = "") -> Response:
    staged = import_jobs.load_staged(ctx.state(request).staging, viewer, token)
    report = import_jobs.commit(ctx.engine(request), viewer, staged, skip_invalid == "on")
    after_write(ctx.engine(request), report.written)
    return _page(request, viewer, report=report, staged=staged)
