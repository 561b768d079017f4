"""``/api/v1/imports``: bulk import of incidents, areas, population or weapons (dry run or
commit); the answer lists the file's columns the mapping does not name (``unmapped_columns``),
which are kept with each record."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Request, UploadFile

from salus.api import context as ctx
from salus.api.deps import Db, ViewerDep
from salus.api.schemas import ERRORS
from salus.usecases.imports import jobs as import_jobs
from salus.usecases.warm import after_write

router = APIRouter(tags=["imports"], responses=ERRORS)


def _errors(items: list[Any]) -> list[dict[str, Any]]:
    return [{"row": e.row, "column": e.column, "value": e.value, "code": e.code,
             "message": e.message, "severity": e.severity} for e in items]


@router.get("/imports/mappings")
def list_mappings(viewer: ViewerDep) -> list[dict[str, str]]:
    """The shipped column mappings (name, kind, description)."""
    import_jobs.check_import(viewer)
    return [{"name": n, "kind": k, "description": d} for n, k, d in import_jobs.mappings()]


@router.get("/imports")
def list_batches(viewer: ViewerDep, engine: Db) -> list[dict[str, Any]]:
    """The latest import batches (newest first)."""
    return import_jobs.list_batches(engine, viewer)


@router.post("/imports")
async def import_(request: Request, viewer: ViewerDep, engine: Db,
                  file: Annotated[UploadFile, File()],
                  kind: Annotated[Literal["incidents", "areas", "population", "weapons"], Form()],
                  mapping: Annotated[str, Form(max_length=200)] = "",
                  mapping_yaml: Annotated[str | None, Form(max_length=200_000)] = None,
                  dry_run: Annotated[bool, Form()] = True,
                  skip_invalid: Annotated[bool, Form()] = False) -> dict[str, Any]:
    """Upload a file; ``dry_run`` (the default) validates every row and writes nothing."""
    staged = import_jobs.stage(ctx.state(request).staging, viewer, kind,
                               file.filename or "upload", file.file, mapping, mapping_yaml)
    if dry_run:
        p = import_jobs.preview(engine, viewer, staged)
        return {"dry_run": True, "rows_read": p.rows_read, "records": p.records,
                "rejected": p.rejected, "errors": _errors(p.errors),
                "warnings": _errors(p.warnings), "absent_columns": p.absent_columns,
                "unmapped_columns": p.unmapped_columns}
    report = import_jobs.commit(engine, viewer, staged, skip_invalid)
    after_write(engine, report.written)
    return {"dry_run": False, **report.summary(), "errors": _errors(report.errors),
            "warnings": _errors(report.warnings)}
