"""Import a file of incidents, areas or population: validate everything, write all or nothing.

Incidents are streamed: :func:`import_file` reads, checks and writes a file chunk by chunk in
ONE transaction (:func:`_import_streaming`), committed only when the whole file is good, so
memory stays bounded at any size and a killed import leaves nothing. Areas, population and
incident mappings that collapse identical rows are read and validated whole first
(:mod:`salus.ingestion.pipeline`), then all good records are written in ONE transaction with
the repository functions, together with an ``import_batch`` row and an audit event. By
default any error aborts the import with nothing written; with ``skip_invalid`` the valid rows
are written and the rest reported. Writes are idempotent on natural keys, so importing the
same file twice reports 0 inserted, 0 updated, N unchanged. An exception during the write (a
constraint violation, a killed connection) rolls the whole transaction back: the store is as
it was.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hashlib
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from salus.domain.accounts.roles import Viewer
from salus.domain.geometry import AreaLocator
from salus.ingestion.errors import FileImportError, MappingError, RowError
from salus.ingestion.mapping import Mapping, load_mapping
from salus.ingestion.pipeline import (
    PipelineResult,
    Progress,
    StoreContext,
    run_pipeline,
    stream_pipeline,
    streamable,
)
from salus.storage import repository as repo
from salus.storage import schema as t
from salus.usecases.scope import subtree
from salus.usecases.weapons.search import link_imported_weapons

WRITE_CHUNK = 5000
INCIDENT_TABLES = (t.incident, t.incident_source, t.person, t.incident_weapon)
"""Analysed (PostgreSQL) each time a streamed import has doubled what it wrote: the look-ups of
the next chunks are then planned for the tables' real size, not for the empty tables the
transaction started with (:func:`salus.storage.repository.refresh_statistics`)."""
SQLITE_CACHE_KIB = 256 * 1024


@dataclass(slots=True)
class ImportReport:
    """What an import did: rows read and skipped, records written, errors and warnings."""

    kind: str
    file: str
    mapping: str
    written: bool = False
    batch_id: int | None = None
    header_row: int | None = None
    rows_read: int = 0
    rows_skipped: dict[str, int] = field(default_factory=dict)
    rows_rejected: int = 0
    records: int = 0
    victims: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    absent_columns: list[str] = field(default_factory=list)
    unmapped_columns: list[str] = field(default_factory=list)
    """Source columns no mapping field takes: kept with each record (``source_attributes``)."""
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        """Nothing was written because of errors."""
        return not self.written and bool(self.errors)

    def summary(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("errors", "warnings"):
            data[key] = len(data[key])
        return data


def import_file(engine: sa.Engine, kind: str, path: str | Path, mapping: str | Path | Mapping,
                *, skip_invalid: bool = False, actor: str = "cli", date_format: str | None = None,
                encoding: str | None = None, progress: Progress | None = None,
                today: dt.date | None = None, viewer: Viewer | None = None,
                file_name: str | None = None, streaming: bool = True) -> ImportReport:
    """Import ``path`` as ``kind`` with ``mapping`` (a shipped name, a YAML path or a Mapping).

    Raises :class:`MappingError` for a wrong mapping (unknown name, other kind); every problem
    of the file itself is reported in :attr:`ImportReport.errors`. With a ``viewer`` (the
    permission is checked by :mod:`salus.usecases.imports.jobs`), the batch and the audit event
    name that user, and a user bound to an area gets a row error (``area.out_of_scope``) for
    each row of another area. ``file_name`` names the file in the batch and the audit event
    (an upload's own name, where ``path`` is the staged copy).

    Incidents are streamed (:func:`_import_streaming`: memory bounded whatever the file's
    size) unless the mapping collapses identical rows or ``streaming`` is False (the
    whole-file path, kept for that mapping option and to compare the two in the tests).
    """
    if viewer is not None:
        actor = viewer.username
    started = time.perf_counter()
    m = mapping if isinstance(mapping, Mapping) else load_mapping(mapping)
    if m.kind != kind:
        raise MappingError(f"mapping {m.name} is for {m.kind}, not {kind}")
    m = m.with_overrides(date_format=date_format, encoding=encoding)
    source = Path(path)
    report = ImportReport(kind, str(source), m.name)
    if streaming and streamable(m):
        with _no_cyclic_gc():
            _import_streaming(engine, report, m, source, actor, progress, today, viewer,
                              skip_invalid, file_name)
        if report.written:
            run_alerts_after_import(engine, today)
        report.seconds = time.perf_counter() - started
        return report
    with _no_cyclic_gc():
        try:
            result = run_pipeline(source, m, store_context(engine, kind, today, viewer),
                                  progress)
        except FileImportError as exc:
            report.errors = [exc.error]
            report.seconds = time.perf_counter() - started
            return report
        _fill(report, result)
        if result.objects and (skip_invalid or not report.errors):
            _write(engine, report, result, m, source, actor, progress, file_name, viewer)
    if report.written and kind == "incidents":
        run_alerts_after_import(engine, today)
    report.seconds = time.perf_counter() - started
    return report


def run_alerts_after_import(engine: sa.Engine, today: dt.date | None) -> None:
    """Early warning runs after every committed incident import (it never fails the import)."""
    from salus.usecases.alerts.workflow import after_import

    after_import(engine, today)


@contextlib.contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while an import builds millions of objects.

    The objects an import keeps (incidents, persons…) are all alive until it ends, yet each
    full collection walks them all again: about a quarter of the CPU time of a large import.
    Reference counting still frees everything that is not in a cycle; the collector runs again
    (and is as it was) afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def store_context(engine: sa.Engine, kind: str, today: dt.date | None = None,
                  viewer: Viewer | None = None,
                  conn: sa.Connection | None = None) -> StoreContext:
    """What the pipeline needs of the store: area codes and levels, lazy point-in-area checks,
    and the codes of the viewer's subtree when it is bound to an area (the one scope rule of
    :mod:`salus.usecases.scope`). With ``conn``, everything is read through that connection
    (a streamed import reads and writes in one transaction)."""
    scope = None
    with contextlib.nullcontext(conn) if conn is not None else engine.connect() as c:
        levels = repo.area_levels(c)
        if viewer is not None and viewer.area_id is not None:
            scope = frozenset(c.execute(sa.select(t.area.c.code).where(
                t.area.c.id.in_(subtree(viewer.area_id)))).scalars())
    locator = _LazyLocator(engine, conn).contains if kind == "incidents" else None
    return StoreContext(levels, locator, today or dt.datetime.now(dt.UTC).date(), scope,
                        viewer.area_code if viewer is not None else None)


class _LazyLocator:
    """Point-in-area checks that load the polygons on the first point only: files without
    coordinates (most police tables) never pay for parsing megabytes of GeoJSON."""

    def __init__(self, engine: sa.Engine, conn: sa.Connection | None = None) -> None:
        self._engine = engine
        self._conn = conn
        self._locator: AreaLocator | None = None

    def contains(self, longitude: float, latitude: float, area_code: str) -> bool | None:
        if self._locator is None:
            if self._conn is not None:
                self._locator = AreaLocator(repo.area_geometries(self._conn))
            else:
                with self._engine.connect() as conn:
                    self._locator = AreaLocator(repo.area_geometries(conn))
        return self._locator.contains(longitude, latitude, area_code)


class _RollbackError(Exception):
    """Leaves a streamed import's transaction without committing (errors were found)."""


def _import_streaming(engine: sa.Engine, report: ImportReport, m: Mapping, source: Path,
                      actor: str, progress: Progress | None, today: dt.date | None,
                      viewer: Viewer | None, skip_invalid: bool,
                      file_name: str | None) -> None:
    """Read, check and write a file of incidents chunk by chunk in ONE transaction.

    Only one chunk of records (:data:`WRITE_CHUNK`) is held at a time, and what is stored is
    looked up per chunk (the natural keys of the chunk), so memory does not grow with the file
    nor with the store. The rules are those of :func:`run_pipeline` (the same loop). Records
    are written as they come while no error has been met (or with ``skip_invalid``); at the
    end, errors without ``skip_invalid``, or nothing to write, roll the transaction back, so
    the store is as it was — as it is when the process is killed mid-file (the transaction
    is never committed). On PostgreSQL the tables are analysed each time the import has
    doubled what it wrote (:data:`INCIDENT_TABLES`). Otherwise the batch totals and the audit
    event are written and the whole is committed at once.
    """
    name = file_name or source.name
    sha = file_sha256(source)
    counts = repo.WriteCounts()
    with engine.connect() as conn:
        try:
            with conn.begin():
                context = store_context(engine, "incidents", today, viewer, conn)
                try:
                    stream = stream_pipeline(source, m, context, progress)
                except FileImportError as exc:
                    report.errors = [exc.error]
                    raise _RollbackError from None
                batch = repo.start_batch(conn, "incidents", name, sha, m.name, actor)
                ids = repo.area_ids(conn)
                written = good = 0
                analysed = WRITE_CHUNK // 2
                with _large_cache(conn):
                    try:
                        for chunk in stream.chunks(WRITE_CHUNK):
                            good += len(chunk.objects)
                            if not chunk.objects or (stream.has_errors() and not skip_invalid):
                                continue
                            digests: dict[int, str] = dict(zip(
                                map(id, chunk.objects), chunk.digests, strict=True))
                            known = repo.stored_incident_keys(
                                conn, [i.natural_key() for i in chunk.objects])
                            counts += repo.save_incidents(
                                conn, chunk.objects, batch, known,
                                digest_of=_digest_of(digests), area_id=ids)
                            written += len(chunk.objects)
                            if written >= analysed * 2:
                                repo.refresh_statistics(conn, INCIDENT_TABLES)
                                analysed = written
                            if progress is not None:
                                progress("write", written, None)
                    except FileImportError as exc:
                        report.errors = [exc.error]
                        raise _RollbackError from None
                result = stream.result()
                _fill(report, result)
                report.records = good
                if not written or (report.errors and not skip_invalid):
                    raise _RollbackError
                link_imported_weapons(conn, batch, viewer)
                repo.finish_batch(conn, batch, report.rows_read, counts, report.rows_rejected)
                _audit(conn, report, m, name, actor, batch, counts)
        except _RollbackError:
            return
    report.written = True


def _digest_of(digests: dict[int, str]) -> Callable[[Any], str]:
    """The pipeline's digest of each record of a chunk (by object identity)."""
    return lambda incident: digests[id(incident)]


def _audit(conn: sa.Connection, report: ImportReport, m: Mapping, name: str, actor: str,
           batch: int, counts: repo.WriteCounts) -> None:
    report.batch_id = batch
    report.inserted, report.updated, report.unchanged = (counts.inserted, counts.updated,
                                                         counts.unchanged)
    repo.audit(conn, actor, "import", "import_batch", str(batch),
               after={"kind": report.kind, "file": name, "mapping": m.name,
                      "rows_read": report.rows_read, "inserted": counts.inserted,
                      "updated": counts.updated, "unchanged": counts.unchanged,
                      "rejected": report.rows_rejected,
                      "unmapped_columns": report.unmapped_columns})


def _fill(report: ImportReport, result: PipelineResult) -> None:
    report.header_row = result.header_row
    report.rows_read = result.stats.data_rows
    report.rows_skipped = result.stats.skipped()
    report.rows_rejected = result.rejected_rows
    report.records = len(result.objects)
    report.victims = result.victims
    report.errors = sorted(result.errors, key=_order)
    report.warnings = sorted(result.warnings, key=_order)
    report.absent_columns = result.absent_columns
    report.unmapped_columns = result.unmapped_columns


def _order(error: RowError) -> tuple[int, str]:
    return (error.row or 0, error.column)


def _write(engine: sa.Engine, report: ImportReport, result: PipelineResult, m: Mapping,
           source: Path, actor: str, progress: Progress | None,
           file_name: str | None = None, viewer: Viewer | None = None) -> None:
    """One transaction: batch row, records, batch totals, audit event (all or nothing)."""
    name = file_name or source.name
    with engine.begin() as conn:
        batch = repo.start_batch(conn, report.kind, name, file_sha256(source), m.name, actor)
        counts = _save(conn, result, batch, progress, viewer)
        repo.finish_batch(conn, batch, report.rows_read, counts, report.rows_rejected)
        _audit(conn, report, m, name, actor, batch, counts)
    report.written = True


def _save(conn: sa.Connection, result: PipelineResult, batch: int,
          progress: Progress | None, viewer: Viewer | None = None) -> repo.WriteCounts:
    if result.kind == "areas":
        return repo.save_areas(conn, result.objects)
    if result.kind == "population":
        return repo.save_population(conn, result.objects, batch)
    digests = {id(inc): d for inc, d in zip(result.objects, result.digests, strict=True)}
    known, ids = repo.existing_incident_keys(conn), repo.area_ids(conn)
    counts = repo.WriteCounts()
    total = len(result.objects)
    with _large_cache(conn):
        for start in range(0, total, WRITE_CHUNK):
            chunk = result.objects[start:start + WRITE_CHUNK]
            counts += repo.save_incidents(conn, chunk, batch, known,
                                          digest_of=lambda inc: digests[id(inc)], area_id=ids)
            if progress is not None:
                progress("write", min(start + WRITE_CHUNK, total), total)
    link_imported_weapons(conn, batch, viewer)  # serials read in the file → registry weapons
    return counts


@contextlib.contextmanager
def _large_cache(conn: sa.Connection) -> Iterator[None]:
    """On SQLite, a page cache large enough for the indexes a big import touches (a
    connection setting, not a durability one: the default 2 MB makes every index insert of a
    million-row import evict and re-read pages), restored afterwards."""
    if conn.dialect.name != "sqlite":
        yield
        return
    before = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size = {int(before or -2000)}")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
