"""Use cases: export the indicator engine's tables to Parquet, and compute indicators on that
export with DuckDB or Spark (issue 11, "beyond one machine").

The indicator engine is written in ibis (:mod:`salus.analytics.indicators.query`), so the same
YAML definitions run on any ibis backend that can read the tables it reads
(:data:`EXPORT_COLUMNS`). :func:`export_parquet` writes those tables, and only those columns,
as one Parquet file each, streamed from the store in chunks (a server-side cursor on
PostgreSQL; SQLite hands rows over as they are read), so a store of millions of records is
exported in bounded memory. The export is one read transaction (``REPEATABLE READ`` on
PostgreSQL, a WAL snapshot on SQLite): every file shows the same moment of the store. A
``manifest.json`` records the row counts, the export time, the schema revision and the store's
data-version counters (:mod:`salus.storage.versions`, when the store has them).

:func:`open_parquet` opens one export, or several (one folder per country), on DuckDB in
process or on a Spark session; the folders' tables are read as one table each (a union on
read). Row ids of each store start at 1, so with several folders every id is renumbered on
read as ``id * n + i`` (``n`` folders, ``i`` the folder's position): joins stay within a
folder and nothing collides. Area codes must be unique across the folders (checked on open).

Nothing here writes to a store. Public output goes through the same result builder and the
same suppression (:func:`salus.usecases.indicators.compute.compute_indicator`), so small
counts are suppressed on Spark exactly as on the store.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from salus.analytics.disclosure import DEFAULT_THRESHOLD
from salus.analytics.indicators.query import COLUMNS
from salus.analytics.indicators.result import IndicatorResult
from salus.analytics.periods import Period
from salus.storage import schema
from salus.storage.db import normalise_url
from salus.usecases.errors import UseCaseError
from salus.usecases.indicators.store_copy import arrow_type, read_snapshot

if TYPE_CHECKING:
    import ibis

EXPORT_COLUMNS: dict[str, tuple[str, ...]] = {
    **COLUMNS,
    "incident_source": ("incident_id", "source_type"),
    "observatory_setting": ("key", "value"),
}
"""What an export holds: the engine's tables (:data:`~salus.analytics.indicators.query.COLUMNS`),
the incidents' source types (the ``source`` filter) and the observatory settings (the primary
series, :func:`~salus.usecases.indicators.compute.with_primary_series`)."""

ID_COLUMNS: dict[str, tuple[str, ...]] = {
    "area": ("id", "parent_id"),
    "area_ancestor": ("area_id", "ancestor_id"),
    "population": ("area_id",),
    "incident": ("id", "area_id"),
    "person": ("incident_id",),
    "incident_source": ("incident_id",),
}
"""Row-id columns renumbered when several exports are read as one."""

MANIFEST = "manifest.json"
FORMAT = 1
"""Version of the export's layout (files, columns, manifest); bumped when it changes."""
ENGINES = ("duckdb", "spark")
CHUNK_ROWS = 50_000


class ParquetExportError(UseCaseError, ValueError):
    """An export that cannot be written or read (the message names the folder and why)."""

    status = 422
    title = "Invalid Parquet export"


@dataclass(frozen=True, slots=True)
class ExportManifest:
    """What :func:`export_parquet` wrote (also saved as ``manifest.json`` in the folder)."""

    folder: Path
    rows: dict[str, int]
    exported_at: str
    schema_revision: str | None
    data_version: dict[str, int] | None
    format: int = FORMAT
    columns: dict[str, list[str]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "exported_at": self.exported_at,
            "schema_revision": self.schema_revision,
            "data_version": self.data_version,
            "rows": self.rows,
            "columns": self.columns,
        }


# ---------------------------------------------------------------------------------- export


def export_parquet(
    store: sa.Engine | str, out: str | Path, *, chunk_rows: int = CHUNK_ROWS
) -> ExportManifest:
    """Write the tables the indicator engine reads as Parquet files in ``out``.

    One file per table of :data:`EXPORT_COLUMNS` (``incident.parquet``…), written with
    pyarrow's ``ParquetWriter`` one row group per ``chunk_rows`` rows: memory holds one chunk,
    whatever the store's size. ``out`` is created; files of an earlier export there are
    replaced (each is written under a temporary name and renamed when complete, the manifest
    last, so a folder with a manifest holds a complete export).
    """
    if chunk_rows < 1:
        raise ParquetExportError(f"chunk_rows must be at least 1, not {chunk_rows}")
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise ParquetExportError(f"--out {str(folder)!r} is a file, not a folder")
    engine = store if isinstance(store, sa.Engine) else sa.create_engine(normalise_url(store))
    try:
        with read_snapshot(engine) as conn:
            absent = [n for n in EXPORT_COLUMNS if not sa.inspect(conn).has_table(n)]
            if absent:
                shown = engine.url.render_as_string(hide_password=True)
                raise ParquetExportError(
                    f"{shown} has no table {absent[0]!r}: not a Salus store, or one not yet "
                    "migrated (run `salus init --db …`)"
                )
            folder.mkdir(parents=True, exist_ok=True)
            (folder / MANIFEST).unlink(missing_ok=True)
            rows = {
                name: _export_table(conn, name, columns, folder, chunk_rows)
                for name, columns in EXPORT_COLUMNS.items()
            }
            manifest = ExportManifest(
                folder=folder,
                rows=rows,
                exported_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                schema_revision=_revision(conn),
                data_version=_data_version(conn),
                columns={name: list(columns) for name, columns in EXPORT_COLUMNS.items()},
            )
    finally:
        if not isinstance(store, sa.Engine):
            engine.dispose()
    partial = folder / (MANIFEST + ".part")
    partial.write_text(json.dumps(manifest.to_json(), indent=2) + "\n", encoding="utf-8")
    partial.replace(folder / MANIFEST)
    return manifest


def _export_table(
    conn: sa.Connection, name: str, columns: Sequence[str], folder: Path, chunk_rows: int
) -> int:
    """Stream one table's ``columns`` into ``folder/name.parquet``; return its row count."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = schema.metadata.tables[name]
    arrow_schema = pa.schema([(c, arrow_type(table.c[c].type)) for c in columns])
    json_columns = [c for c in columns if isinstance(table.c[c].type, sa.JSON)]
    order = list(table.primary_key.columns)
    query = sa.select(*[table.c[c] for c in columns]).order_by(*order)
    target, partial = folder / f"{name}.parquet", folder / f"{name}.parquet.part"
    count = 0
    with pq.ParquetWriter(partial, arrow_schema) as writer:
        result = conn.execution_options(yield_per=chunk_rows).execute(query)
        for chunk in result.partitions(chunk_rows):
            data = {c: [row[i] for row in chunk] for i, c in enumerate(columns)}
            for c in json_columns:
                data[c] = [None if v is None else json.dumps(v, sort_keys=True)
                           for v in data[c]]
            writer.write_batch(pa.RecordBatch.from_pydict(data, schema=arrow_schema))
            count += len(chunk)
        if count == 0:
            writer.write_table(arrow_schema.empty_table())
    partial.replace(target)
    return count


def _revision(conn: sa.Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


def _data_version(conn: sa.Connection) -> dict[str, int] | None:
    """The store's data-version counters, or None for a store without them (before 0019)."""
    if not sa.inspect(conn).has_table("data_version"):
        return None
    table = schema.metadata.tables["data_version"]
    return {str(k): int(v) for k, v in conn.execute(sa.select(table.c.name, table.c.version))}


# ------------------------------------------------------------------------------------ read


def read_manifest(folder: str | Path) -> dict[str, Any]:
    """The manifest of an export folder (refused if absent, unreadable or of another format)."""
    path = Path(folder) / MANIFEST
    if not path.is_file():
        raise ParquetExportError(
            f"{str(folder)!r} holds no Parquet export (no {MANIFEST}; run `salus export parquet`)"
        )
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ParquetExportError(f"{str(path)!r}: unreadable manifest ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        found = manifest.get("format") if isinstance(manifest, dict) else None
        raise ParquetExportError(
            f"{str(path)!r}: export format {found!r}, this version reads format {FORMAT}; "
            "export the store again"
        )
    return manifest


def open_parquet(
    folders: str | Path | Sequence[str | Path],
    engine: str = "duckdb",
    *,
    session: Any = None,
) -> ibis.BaseBackend:
    """An ibis connection whose tables are those of one or several exports.

    ``engine``: ``duckdb`` (in process, reads the files where they lie) or ``spark`` (the
    given ``session``, else a local-mode one, :func:`local_spark`). On Spark the tables are
    temporary views of the session, so one session serves one opened export at a time.
    Close a DuckDB connection with ``disconnect()``; a Spark one is left running.
    """
    paths = [Path(folders)] if isinstance(folders, str | os.PathLike) else [
        Path(f) for f in folders]
    if not paths:
        raise ParquetExportError("no export folder given")
    if engine not in ENGINES:
        raise ParquetExportError(f"engine {engine!r}: choose from {', '.join(ENGINES)}")
    for path in paths:
        read_manifest(path)
        _check_files(path)
    _check_combinable(paths)
    import ibis

    if engine == "duckdb":
        con: ibis.BaseBackend = ibis.duckdb.connect()
    else:
        con = ibis.pyspark.connect(session if session is not None else local_spark())
    for name in EXPORT_COLUMNS:
        _register(con, name, paths)
    return con


def _register(con: ibis.BaseBackend, name: str, paths: Sequence[Path]) -> None:
    """``name`` as one table over every folder's file (ids renumbered when several)."""
    if len(paths) == 1:
        con.read_parquet(str(paths[0] / f"{name}.parquet"), table_name=name)  # type: ignore[attr-defined]
        return
    parts = []
    for i, path in enumerate(paths):
        part = con.read_parquet(  # type: ignore[attr-defined]
            str(path / f"{name}.parquet"), table_name=f"{name}__export{i}")
        renumbered = {c: part[c] * len(paths) + i for c in ID_COLUMNS.get(name, ())}
        parts.append(part.mutate(**renumbered) if renumbered else part)
    union = parts[0].union(*parts[1:], distinct=False)
    if name == "observatory_setting":
        union = union.distinct()
    con.create_view(name, union, overwrite=True)  # type: ignore[attr-defined]


def _check_files(folder: Path) -> None:
    """Every table's file is there and readable, with the columns the engine reads."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    for name, columns in EXPORT_COLUMNS.items():
        path = folder / f"{name}.parquet"
        try:
            found = pq.read_schema(path).names
        except (OSError, pa.ArrowException) as exc:
            raise ParquetExportError(
                f"{str(path)!r}: not a readable Parquet file ({exc})") from None
        missing = [c for c in columns if c not in found]
        if missing:
            raise ParquetExportError(
                f"{str(path)!r}: column {missing[0]!r} is missing (the file has "
                f"{', '.join(found) or 'no columns'}); export the store again"
            )


def _check_combinable(paths: Sequence[Path]) -> None:
    """Several exports read as one: area codes unique, one primary series."""
    if len(paths) < 2:
        return
    import pyarrow.parquet as pq

    seen: dict[str, Path] = {}
    settings: dict[str, tuple[str, Path]] = {}
    for path in paths:
        codes = pq.read_table(path / "area.parquet", columns=["code"]).column("code")
        for code in codes.to_pylist():
            if code in seen:
                raise ParquetExportError(
                    f"area code {code!r} is in both {str(seen[code])!r} and {str(path)!r}: "
                    "exports read together need unique area codes (prefix them by country)"
                )
            seen[code] = path
        table = pq.read_table(path / "observatory_setting.parquet").to_pylist()
        for row in table:
            key, value = str(row["key"]), str(row["value"])
            if key in settings and settings[key][0] != value:
                raise ParquetExportError(
                    f"observatory setting {key!r} is {settings[key][0]} in "
                    f"{str(settings[key][1])!r} but {value} in {str(path)!r}: "
                    "exports read together need the same setting"
                )
            settings[key] = (value, path)


@cache
def local_spark(cores: int | None = None, memory: str = "2g", partitions: int = 4,
                small: bool = False) -> Any:
    """A local-mode Spark session on this machine, created once per process.

    Bound to the loopback interface (``spark.driver.bindAddress``), no web UI, a temporary
    warehouse folder; it contacts no cluster and downloads nothing. Refused with a clear
    reason where no Java runtime is installed. On a cluster, build the session there and
    pass it to :func:`open_parquet` instead. ``small``: inputs of a few rows (tests), where
    generating and compiling code for each query costs more than running it, so whole-stage
    code generation and adaptive execution are off. Spark keeps the first session of a
    process (``getOrCreate``): later calls with other settings get that one.
    """
    from salus.analytics.reconcile.linkage.spark import (
        SparkConfig,
        SparkUnavailable,
        local_builder,
    )

    try:
        builder, _scratch = local_builder(
            "salus-indicators", SparkConfig(memory=memory, partitions=partitions, cores=cores))
    except SparkUnavailable as exc:
        raise ParquetExportError(str(exc)) from exc
    if small:
        builder = (builder.config("spark.sql.codegen.wholeStage", "false")
                   .config("spark.sql.codegen.factoryMode", "NO_CODEGEN")
                   .config("spark.sql.adaptive.enabled", "false"))
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def compute_on_parquet(
    folders: str | Path | Sequence[str | Path],
    indicator_id: str,
    *,
    engine: str = "duckdb",
    session: Any = None,
    period: str | Period,
    by: Sequence[str] | str | None = None,
    filters: Mapping[str, Any] | None = None,
    level: int | None = None,
    public: bool = False,
    suppression_threshold: int = DEFAULT_THRESHOLD,
    annualise: bool = False,
    definitions: Sequence[str | Path] = (),
) -> IndicatorResult:
    """Compute one indicator over Parquet exports (arguments as
    :func:`~salus.usecases.indicators.compute.compute_indicator`, plus ``engine`` and
    ``session`` as :func:`open_parquet`): the same engine, result builder and suppression."""
    from salus.usecases.indicators.compute import compute_indicator

    con = open_parquet(folders, engine, session=session)
    try:
        return compute_indicator(
            con, indicator_id, period=period, by=by, filters=filters, level=level,
            public=public, suppression_threshold=suppression_threshold, annualise=annualise,
            definitions=definitions,
        )
    finally:
        if engine == "duckdb":
            con.disconnect()
