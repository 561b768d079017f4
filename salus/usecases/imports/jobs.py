"""Imports from the web and the API: stage an upload, preview it (dry run), then commit.

The preview runs the same pipeline as :func:`salus.usecases.imports.files.import_file` (read, map,
build, validate every row) without writing; the commit calls ``import_file`` itself, so what
is written, batched and audited is exactly what ``salus import`` would do. Imports write
anywhere in the tree, so they are for unscoped users with the ``import`` permission.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from salus.domain.accounts.roles import Permission, Viewer
from salus.ingestion.errors import FileImportError, MappingError, RowError
from salus.ingestion.mapping import load_mapping, shipped_mappings
from salus.ingestion.pipeline import run_pipeline
from salus.storage import schema as t
from salus.usecases.errors import NotFound, ValidationFailed, require
from salus.usecases.imports.files import ImportReport, import_file, store_context
from salus.usecases.incidents.export import table_csv

KINDS = ("incidents", "areas", "population")
MAX_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Staged:
    token: str
    folder: Path
    kind: str
    file_name: str
    mapping: str
    owner: str

    @property
    def path(self) -> Path:
        return self.folder / ("data" + Path(self.file_name).suffix.lower())


@dataclass(slots=True)
class Preview:
    staged: Staged
    rows_read: int = 0
    records: int = 0
    rejected: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    absent_columns: list[str] = field(default_factory=list)


def mappings(kind: str | None = None) -> list[tuple[str, str, str]]:
    """(name, kind, description) of every shipped mapping."""
    out = []
    for name in shipped_mappings():
        m = load_mapping(name)
        if kind is None or m.kind == kind:
            out.append((name, m.kind, getattr(m, "description", "") or ""))
    return out


def _check(viewer: Viewer) -> None:
    require(viewer.can(Permission.IMPORT), "your role does not import files")
    require(viewer.area_id is None, "imports write anywhere; users bound to an area cannot")


def _mapping_spec(folder: Path, mapping: str, mapping_yaml: str | None) -> str:
    if mapping_yaml and mapping_yaml.strip():
        path = folder / "mapping.yaml"
        path.write_text(mapping_yaml, encoding="utf-8")
        return str(path)
    if mapping not in shipped_mappings():
        raise ValidationFailed([{"field": "mapping", "code": "mapping.unknown",
                                 "message": "choose a mapping or write one"}])
    return mapping


def stage(staging: Path, viewer: Viewer, kind: str, file_name: str, content: bytes,
          mapping: str, mapping_yaml: str | None = None) -> Staged:
    """Keep an upload (and a written mapping) under ``staging`` for preview and commit."""
    _check(viewer)
    if kind not in KINDS:
        raise ValidationFailed([{"field": "kind", "code": "code.unknown",
                                 "message": f"one of {', '.join(KINDS)}"}])
    if not content or len(content) > MAX_BYTES:
        raise ValidationFailed([{"field": "file", "code": "file.size",
                                 "message": "the file is empty or larger than 50 MB"}])
    token = secrets.token_urlsafe(16)
    folder = staging / token
    folder.mkdir(parents=True)
    safe_name = re.sub(r"[^\w.\-]+", "_", Path(file_name or "upload.csv").name)[:120]
    staged = Staged(token, folder, kind, safe_name, _mapping_spec(folder, mapping,
                                                                  mapping_yaml), viewer.username)
    staged.path.write_bytes(content)
    (folder / "staged.json").write_text(json.dumps(
        {"kind": kind, "file_name": safe_name, "mapping": staged.mapping,
         "owner": viewer.username}), encoding="utf-8")
    return staged


def load_staged(staging: Path, viewer: Viewer, token: str) -> Staged:
    _check(viewer)
    folder = staging / token
    meta_file = folder / "staged.json"
    if not re.fullmatch(r"[\w\-]{10,40}", token) or not meta_file.is_file():
        raise NotFound("this upload has expired; upload the file again")
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    if meta["owner"] != viewer.username:
        raise NotFound("this upload has expired; upload the file again")
    return Staged(token, folder, meta["kind"], meta["file_name"], meta["mapping"], meta["owner"])


def preview(engine: sa.Engine, viewer: Viewer, staged: Staged) -> Preview:
    """Validate every row without writing anything."""
    _check(viewer)
    out = Preview(staged)
    try:
        m = load_mapping(staged.mapping)
        if m.kind != staged.kind:
            raise MappingError(f"mapping {m.name} is for {m.kind}, not {staged.kind}")
        result = run_pipeline(staged.path, m, store_context(engine, staged.kind))
    except MappingError as exc:
        out.errors = [RowError(None, "mapping", "", "mapping.invalid", str(exc))]
        return out
    except FileImportError as exc:
        out.errors = [exc.error]
        return out
    out.rows_read, out.records = result.stats.data_rows, len(result.objects)
    out.rejected = result.rejected_rows
    out.errors = sorted(result.errors, key=lambda e: (e.row or 0, e.column))
    out.warnings = sorted(result.warnings, key=lambda e: (e.row or 0, e.column))
    out.absent_columns = list(result.absent_columns)
    return out


def commit(engine: sa.Engine, viewer: Viewer, staged: Staged,
           skip_invalid: bool = False) -> ImportReport:
    """Write the staged file with ``import_file`` (one transaction, batch row, audit event)."""
    _check(viewer)
    try:
        return import_file(engine, staged.kind, staged.path, staged.mapping,
                           skip_invalid=skip_invalid, actor=viewer.username)
    except MappingError as exc:
        raise ValidationFailed([{"field": "mapping", "code": "mapping.invalid",
                                 "message": str(exc)}]) from exc


def errors_csv(errors: list[RowError], warnings: list[RowError] | None = None) -> str:
    """Every row error (and warning) as CSV: row, column, value, code, message, severity."""
    rows = [[e.row or "", e.column, e.value, e.code, e.message, e.severity]
            for e in [*errors, *(warnings or [])]]
    return table_csv(["row", "column", "value", "code", "message", "severity"], rows)


def list_batches(engine: sa.Engine, viewer: Viewer, limit: int = 100) -> list[dict[str, Any]]:
    require(viewer.can(Permission.IMPORT), "your role does not import files")
    b = t.import_batch
    with engine.connect() as conn:
        rows = conn.execute(sa.select(b).order_by(b.c.id.desc()).limit(limit)).all()
    return [dict(r._mapping) for r in rows]
