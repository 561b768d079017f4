"""Imports from the web and the API: stage an upload, preview it (dry run), then commit.

The preview runs the same pipeline as :func:`salus.usecases.imports.files.import_file` (read, map,
build, validate every row) without writing; the commit calls ``import_file`` itself, so what
is written, batched and audited is exactly what ``salus import`` would do.

Weapons files go through the registry importer (:func:`salus.usecases.weapons.imports.
import_registry`: all rows or none, its preview is its dry run) with its own mappings.

Who imports what (``docs/import.md``, "Who may import"): the ``import`` permission imports
incidents; areas and population are reference data and need ``edit_areas`` too; weapons need
``edit_weapons`` (the registry roles). A user bound
to an area imports within its subtree only: each row of another area is a row error
(``area.out_of_scope``, naming row, column and value), and an areas import, which reshapes the
tree, is refused. The batch and the audit event name the user who committed.
"""

from __future__ import annotations

import io
import json
import re
import secrets
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa

from salus.domain.accounts.roles import Permission, Viewer
from salus.ingestion import weapons as weapons_reader
from salus.ingestion.errors import FileImportError, MappingError, RowError
from salus.ingestion.limits import current as current_limits
from salus.ingestion.limits import size as size_text
from salus.ingestion.mapping import load_mapping, shipped_mappings
from salus.ingestion.pipeline import run_pipeline
from salus.storage import schema as t
from salus.usecases.errors import NotFound, PermissionDenied, ValidationFailed, require
from salus.usecases.imports.files import ImportReport, import_file, store_context
from salus.usecases.incidents.export import table_csv
from salus.usecases.weapons import imports as weapons_import

KINDS = ("incidents", "areas", "population", "weapons")
COPY_BLOCK = 1 << 20


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
    unmapped_columns: list[str] = field(default_factory=list)
    """Source columns no mapping field takes: kept with each record as source attributes."""


def mappings(kind: str | None = None) -> list[tuple[str, str, str]]:
    """(name, kind, description) of every shipped mapping."""
    out = []
    for name in shipped_mappings():
        m = load_mapping(name)
        if kind is None or m.kind == kind:
            out.append((name, m.kind, getattr(m, "description", "") or ""))
    if kind in (None, "weapons"):
        out += [(name, "weapons", weapons_reader.load(name).description)
                for name in weapons_reader.shipped()]
    return out


REFERENCE_KINDS = ("areas", "population")


def check_import(viewer: Viewer, kind: str | None = None) -> None:
    """Refuse (:class:`~salus.usecases.errors.PermissionDenied`) an import the viewer may not
    run; without a kind, a viewer who may import no kind at all."""
    if kind is None:
        require(bool(kinds_for(viewer)), "your role does not import files")
        return
    if kind == "weapons":
        require(viewer.can(Permission.EDIT_WEAPONS), "your role does not edit the weapons "
                "registry")
        return
    require(viewer.can(Permission.IMPORT), "your role does not import files")
    if kind in REFERENCE_KINDS:
        require(viewer.can(Permission.EDIT_AREAS),
                "areas and population are reference data: your role does not import them")
    if kind == "areas":
        require(viewer.area_id is None,
                "an areas import reshapes the area tree: users bound to an area cannot run it")


def kinds_for(viewer: Viewer) -> list[str]:
    """The kinds of records the viewer may import (what the upload form offers)."""
    out = []
    for kind in KINDS:
        try:
            check_import(viewer, kind)
        except PermissionDenied:
            continue
        out.append(kind)
    return out


def _mapping_spec(folder: Path, kind: str, mapping: str, mapping_yaml: str | None) -> str:
    if mapping_yaml and mapping_yaml.strip():
        path = folder / "mapping.yaml"
        path.write_text(mapping_yaml, encoding="utf-8")
        return str(path)
    if mapping not in (weapons_reader.shipped() if kind == "weapons" else shipped_mappings()):
        raise ValidationFailed([{"field": "mapping", "code": "mapping.unknown",
                                 "message": "choose a mapping or write one"}])
    return mapping


def upload_limit() -> int:
    """The largest upload, in bytes (``SALUS_IMPORT_MAX_UPLOAD_MB``)."""
    return current_limits().max_upload_bytes


def stage(staging: Path, viewer: Viewer, kind: str, file_name: str, content: bytes | IO[bytes],
          mapping: str, mapping_yaml: str | None = None) -> Staged:
    """Keep an upload (and a written mapping) under ``staging`` for preview and commit.

    ``content`` may be a binary file (the web framework's upload, spooled to disk): it is
    copied in 1 MiB blocks and refused (``file.size``, nothing kept) once it passes the upload
    limit, so that an upload is never held in memory whole.
    """
    check_import(viewer)
    if kind not in KINDS:
        raise ValidationFailed([{"field": "kind", "code": "code.unknown",
                                 "message": f"one of {', '.join(KINDS)}"}])
    check_import(viewer, kind)
    token = secrets.token_urlsafe(16)
    folder = staging / token
    folder.mkdir(parents=True)
    safe_name = re.sub(r"[^\w.\-]+", "_", Path(file_name or "upload.csv").name)[:120]
    staged = Staged(token, folder, kind, safe_name,
                    _mapping_spec(folder, kind, mapping, mapping_yaml), viewer.username)
    try:
        _copy_upload(content, staged.path, upload_limit())
    except ValidationFailed:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    (folder / "staged.json").write_text(json.dumps(
        {"kind": kind, "file_name": safe_name, "mapping": staged.mapping,
         "owner": viewer.username}), encoding="utf-8")
    return staged


def _copy_upload(content: bytes | IO[bytes], target: Path, limit: int) -> None:
    """Copy an upload to ``target`` block by block; refuse it empty or past ``limit``."""
    source = io.BytesIO(content) if isinstance(content, bytes) else content
    written = 0
    with target.open("wb") as out:
        for block in iter(lambda: source.read(COPY_BLOCK), b""):
            written += len(block)
            if written > limit:
                raise ValidationFailed([{"field": "file", "code": "file.size", "message":
                                         f"the file is larger than {size_text(limit)} "
                                         "(SALUS_IMPORT_MAX_UPLOAD_MB)"}])
            out.write(block)
    if not written:
        raise ValidationFailed([{"field": "file", "code": "file.size",
                                 "message": "the file is empty"}])


def load_staged(staging: Path, viewer: Viewer, token: str) -> Staged:
    check_import(viewer)
    folder = staging / token
    meta_file = folder / "staged.json"
    if not re.fullmatch(r"[\w\-]{10,40}", token) or not meta_file.is_file():
        raise NotFound("this upload has expired; upload the file again")
    meta = json.loads(meta_file.read_text(encoding="utf-8"))
    if meta["owner"] != viewer.username:
        raise NotFound("this upload has expired; upload the file again")
    check_import(viewer, meta["kind"])
    return Staged(token, folder, meta["kind"], meta["file_name"], meta["mapping"], meta["owner"])


def preview(engine: sa.Engine, viewer: Viewer, staged: Staged) -> Preview:
    """Validate every row without writing anything."""
    check_import(viewer, staged.kind)
    if staged.kind == "weapons":
        return _weapons_preview(engine, viewer, staged)
    out = Preview(staged)
    try:
        m = load_mapping(staged.mapping)
        if m.kind != staged.kind:
            raise MappingError(f"mapping {m.name} is for {m.kind}, not {staged.kind}")
        result = run_pipeline(staged.path, m,
                              store_context(engine, staged.kind, viewer=viewer))
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
    out.unmapped_columns = list(result.unmapped_columns)
    return out


def commit(engine: sa.Engine, viewer: Viewer, staged: Staged,
           skip_invalid: bool = False) -> ImportReport:
    """Write the staged file with ``import_file`` (one transaction, batch row, audit event)."""
    check_import(viewer, staged.kind)
    if staged.kind == "weapons":
        return _weapons_commit(engine, viewer, staged)
    try:
        return import_file(engine, staged.kind, staged.path, staged.mapping,
                           skip_invalid=skip_invalid, viewer=viewer,
                           file_name=staged.file_name)
    except MappingError as exc:
        raise ValidationFailed([{"field": "mapping", "code": "mapping.invalid",
                                 "message": str(exc)}]) from exc


def import_as(engine: sa.Engine, viewer: Viewer, kind: str, path: str | Path, mapping: str,
              **options: Any) -> ImportReport:
    """``import_file`` on behalf of an account (``salus import … --user``): its role and area
    scope apply as on the web (raises ``Forbidden``, or ``MappingError`` for a wrong mapping)."""
    check_import(viewer, kind)
    return import_file(engine, kind, path, mapping, viewer=viewer, **options)


def _weapons_run(engine: sa.Engine, viewer: Viewer, staged: Staged,
                 dry_run: bool) -> weapons_import.ImportReport:
    try:
        return weapons_import.import_registry(engine, viewer, staged.path, staged.mapping,
                                              dry_run=dry_run, file_name=staged.file_name)
    except MappingError as exc:
        error = RowError(None, "mapping", "", "mapping.invalid", str(exc))
    except FileImportError as exc:
        error = exc.error
    return weapons_import.ImportReport(staged.file_name, staged.mapping, errors=[error])


def _weapons_preview(engine: sa.Engine, viewer: Viewer, staged: Staged) -> Preview:
    """The registry importer's dry run as a preview (every row checked, nothing written)."""
    r = _weapons_run(engine, viewer, staged, dry_run=True)
    rejected = len({e.row for e in r.errors if e.row is not None})
    records = r.weapons_added + r.weapons_existing if not r.errors else r.rows_read - rejected
    return Preview(staged, r.rows_read, max(records, 0), rejected, list(r.errors),
                   unmapped_columns=list(r.unmapped_columns))


def _weapons_commit(engine: sa.Engine, viewer: Viewer, staged: Staged) -> ImportReport:
    """Run the registry importer (all rows or none) and report as the other kinds do:
    new weapons as inserted, weapons whose kept source columns changed as updated."""
    r = _weapons_run(engine, viewer, staged, dry_run=False)
    report = ImportReport("weapons", staged.file_name, r.mapping, written=r.committed,
                          rows_read=r.rows_read, errors=list(r.errors),
                          unmapped_columns=list(r.unmapped_columns))
    report.records = r.weapons_added + r.weapons_existing
    report.inserted, report.updated = r.weapons_added, r.attributes_updated
    report.unchanged = r.weapons_existing - r.attributes_updated
    report.rows_rejected = len({e.row for e in r.errors if e.row is not None})
    return report


def errors_csv(errors: list[RowError], warnings: list[RowError] | None = None) -> str:
    """Every row error (and warning) as CSV: row, column, value, code, message, severity."""
    rows = [[e.row or "", e.column, e.value, e.code, e.message, e.severity]
            for e in [*errors, *(warnings or [])]]
    return table_csv(["row", "column", "value", "code", "message", "severity"], rows)


def list_batches(engine: sa.Engine, viewer: Viewer, limit: int = 100) -> list[dict[str, Any]]:
    """The latest batches; a user bound to an area sees its own only."""
    check_import(viewer)
    b = t.import_batch
    q = sa.select(b).order_by(b.c.id.desc()).limit(limit)
    if viewer.area_id is not None:
        q = q.where(b.c.actor == viewer.username)
    with engine.connect() as conn:
        rows = conn.execute(q).all()
    return [dict(r._mapping) for r in rows]
