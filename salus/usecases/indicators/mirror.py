"""The analytical mirror: a DuckDB copy of what the indicator engine reads, per data version.

Issue 11 asks for any indicator request at a million victims in under 200 ms, with the figures
the store itself gives. The engine is written in ibis (:mod:`salus.analytics.indicators.query`)
and gives identical results on SQLite, PostgreSQL and DuckDB, so the fast path is the same
expressions on a columnar, vectorised engine: DuckDB, over a copy of the only tables and
columns the engine reads (:data:`MIRROR_COLUMNS`).

- **One copy per data version.** The store's ``incidents`` and ``areas`` counters
  (:mod:`salus.storage.versions`, bumped by the database in the transaction of every write)
  name the copy: ``<store>-i<incidents>-a<areas>.duckdb`` in the mirror folder. The counters
  are read in the same read snapshot as the rows copied (a WAL read transaction on SQLite,
  ``REPEATABLE READ`` on PostgreSQL), so a file's name never claims newer data than it holds.
- **Used only when current.** :func:`connect_for_indicators` reads the store's counters (one
  small query) and uses the mirror only when a file of exactly that version exists; otherwise
  the request runs on the store as before (correct, slower) and a rebuild starts in a
  background thread, one per store and process (single flight). A write therefore never lets a
  stale copy answer: its transaction moves the counter that names the copy.
- **Built atomically, by one builder.** A builder takes an exclusive file lock
  (``fcntl.flock``) in the mirror folder, so the processes of ``salus serve --workers N`` build
  once; it writes ``<name>.tmp``, checkpoints and closes it, then renames it into place
  (``os.replace`` is atomic on one file system), and removes the store's older copies.
  Readers open the file read-only (a process keeps one DuckDB handle per file and gives each
  request its own cursor).
- **What is not copied.** The observatory settings (the primary series) do not move the
  counters, so they are read from the store at each request (:func:`primary_sources`) and the
  mirror holds no ``observatory_setting`` table.

The copy streams each table in chunks of :data:`CHUNK_ROWS` rows through Arrow into DuckDB (the
SQLite and PostgreSQL scanners of DuckDB are extensions that would be downloaded; Salus
downloads nothing). Settings: ``SALUS_ANALYTICS_MIRROR`` (``on``, ``off``, ``sync``: build in
the request's own thread, for tests and scripts) and ``SALUS_ANALYTICS_MIRROR_DIR``
(``docs/settings.md``); ``salus indicators mirror`` builds or refreshes it by hand.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import hashlib
import logging
import os
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from salus.analytics.indicators.query import COLUMNS
from salus.storage import repository, versions
from salus.storage import schema as t
from salus.storage.db import create_engine, normalise_url
from salus.usecases.errors import UseCaseError
from salus.usecases.indicators.store_copy import arrow_type, read_snapshot

if TYPE_CHECKING:
    import duckdb
    import ibis
    import pyarrow as pa

    from salus.config import AnalyticsSettings

log = logging.getLogger(__name__)

MIRROR_COLUMNS: dict[str, tuple[str, ...]] = {
    **COLUMNS,
    "incident_source": ("incident_id", "source_type"),
}
"""What a mirror holds: the engine's tables and the incidents' source types (``source``
filter). All of them move the ``incidents`` or ``areas`` counter when written."""

MODES = ("on", "off", "sync")
CHUNK_ROWS = 100_000
SUFFIX = ".duckdb"
FORMAT = 1
"""Layout of a mirror file (tables, columns); part of its name, so a new layout is rebuilt."""


class MirrorError(UseCaseError, ValueError):
    """A mirror that cannot be built or a setting that cannot be used (the message says why)."""

    status = 422
    title = "Analytical mirror unavailable"


@dataclass(frozen=True, slots=True)
class MirrorFile:
    """One built mirror: its file, the data version it holds and its row counts."""

    path: Path
    version: tuple[int, ...]
    rows: dict[str, int]
    seconds: float = 0.0


# ------------------------------------------------------------------------------ settings


def _settings() -> AnalyticsSettings:
    from salus.config import AnalyticsSettings

    return AnalyticsSettings()


def mode(chosen: AnalyticsSettings | None = None) -> str:
    """``SALUS_ANALYTICS_MIRROR``: ``on`` (default), ``off`` or ``sync``."""
    value = (chosen or _settings()).mirror.strip().lower()
    if value not in MODES:
        raise MirrorError(
            f"SALUS_ANALYTICS_MIRROR={value!r}: choose from {', '.join(MODES)}")
    return value


def folder_of(engine: sa.Engine, chosen: AnalyticsSettings | None = None) -> Path:
    """Where the store's mirror files live: ``SALUS_ANALYTICS_MIRROR_DIR``, else beside the
    SQLite file (``<file>.mirror/``), else the user's cache folder
    (``$XDG_CACHE_HOME/salus/mirror``, ``~/.cache/salus/mirror``)."""
    folder = (chosen or _settings()).mirror_dir
    if folder is not None:
        return Path(folder)
    if engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:"):
        db = Path(str(engine.url.database)).resolve()
        return db.with_name(db.name + ".mirror")
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "salus" / "mirror"


def mirrorable(engine: sa.Engine) -> bool:
    """Whether the store can have a mirror: a SQLite file or a PostgreSQL database."""
    if engine.dialect.name == "postgresql":
        return True
    return engine.dialect.name == "sqlite" and engine.url.database not in (None, "", ":memory:")


# ------------------------------------------------------------------------------- naming


def _identity(conn: sa.Connection) -> str:
    """The store's URL (no password) and what tells a recreated database from the old one:
    the SQLite file's device and inode, PostgreSQL's database oid."""
    engine = conn.engine
    url = engine.url.render_as_string(hide_password=True)
    if engine.dialect.name == "sqlite":
        stat = os.stat(str(engine.url.database))
        return f"{url}|{stat.st_dev}:{stat.st_ino}"
    oid = conn.execute(sa.text(
        "SELECT oid FROM pg_database WHERE datname = current_database()")).scalar()
    return f"{url}|{oid}"


def _prefix(identity: str) -> str:
    """The file-name prefix of one store's mirrors."""
    return f"m{FORMAT}-{hashlib.sha256(identity.encode()).hexdigest()[:16]}"


def _name(prefix: str, version: tuple[int, ...]) -> str:
    return f"{prefix}-i{version[0]}-a{version[1]}{SUFFIX}"


def _state(engine: sa.Engine) -> tuple[str, tuple[int, ...]] | None:
    """(prefix, current version) of the store, or None for a store without counters."""
    with engine.connect() as conn:
        return _state_on(conn)


def _state_on(conn: sa.Connection) -> tuple[str, tuple[int, ...]] | None:
    try:
        version = versions.current(conn, versions.INDICATORS)
    except sa.exc.DBAPIError:  # before revision 0019: no data_version table
        return None
    return _prefix(_identity(conn)), version


def current_file(engine: sa.Engine) -> Path | None:
    """The mirror file holding the store's current data version, if it is built."""
    state = _state(engine)
    if state is None:
        return None
    path = folder_of(engine) / _name(*state)
    return path if path.is_file() else None


# -------------------------------------------------------------------------------- build


def build(engine: sa.Engine, *, chunk_rows: int = CHUNK_ROWS) -> MirrorFile:
    """Build the mirror of the store's current data version (nothing if it is built already).

    Holds the folder's lock for the store while building (another process waits, then finds
    the file built); reads the counters and every table in one read snapshot; writes a
    temporary file and renames it into place; removes the store's older mirrors and any
    temporary file a killed builder left behind.
    """
    if not mirrorable(engine):
        raise MirrorError(
            f"{engine.dialect.name} store {engine.url.render_as_string(hide_password=True)!r}"
            " cannot have a mirror (a SQLite file or PostgreSQL only)")
    if chunk_rows < 1:
        raise MirrorError(f"chunk_rows must be at least 1, not {chunk_rows}")
    folder = folder_of(engine)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise MirrorError(f"mirror folder {str(folder)!r}: {exc.strerror}") from None
    state = _state(engine)
    if state is None:
        raise MirrorError("the store has no data-version counters (upgrade its schema)")
    prefix = state[0]
    started = time.perf_counter()
    with _file_lock(folder / f"{prefix}.lock"):
        with read_snapshot(engine) as conn:
            version = versions.current(conn, versions.INDICATORS)
            target = folder / _name(prefix, version)
            if target.is_file():
                _remove_others(folder, prefix, keep=target)
                return MirrorFile(target, version, {}, 0.0)
            partial = target.with_name(target.name + ".tmp")
            _unlink(partial)
            _unlink(partial.with_name(partial.name + ".wal"))
            rows = _copy(conn, partial, chunk_rows)
        os.replace(partial, target)
        _remove_others(folder, prefix, keep=target)
    seconds = time.perf_counter() - started
    log.info("analytics mirror %s built in %.1f s (%s)", target.name, seconds, rows)
    return MirrorFile(target, version, rows, seconds)


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """An exclusive lock across processes (``flock``; released when the file is closed,
    also when the process dies)."""
    with open(path, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _copy(conn: sa.Connection, path: Path, chunk_rows: int) -> dict[str, int]:
    """Copy :data:`MIRROR_COLUMNS` from the store into a new DuckDB file at ``path``."""
    import duckdb

    rows: dict[str, int] = {}
    target = duckdb.connect(str(path))
    try:
        for name, columns in MIRROR_COLUMNS.items():
            rows[name] = _copy_table(conn, target, name, columns, chunk_rows)
        target.execute("CHECKPOINT")
    except BaseException:
        target.close()
        _unlink(path)
        raise
    target.close()
    return rows


def _copy_table(conn: sa.Connection, target: duckdb.DuckDBPyConnection, name: str,
                columns: Sequence[str], chunk_rows: int) -> int:
    """Stream one table in primary-key order, ``chunk_rows`` rows at a time.

    Rows are read with the driver's own cursor on the snapshot's connection (no SQLAlchemy row
    processing: a third of the time): SQLite hands dates over as ISO text and booleans as
    integers, which Arrow casts to the column's type; PostgreSQL reads through a server-side
    cursor, so memory holds one chunk.
    """
    import pyarrow as pa

    table = t.metadata.tables[name]
    arrow_schema = pa.schema([(c, arrow_type(table.c[c].type)) for c in columns])
    ddl = ", ".join(f'"{c}" {_duck_type(arrow_schema.field(c).type)}' for c in columns)
    target.execute(f'CREATE TABLE "{name}" ({ddl})')
    order = ", ".join(f'"{c.name}"' for c in table.primary_key.columns)
    listed = ", ".join(f'"{c}"' for c in columns)
    sql = f'SELECT {listed} FROM "{name}" ORDER BY {order}'
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    if conn.dialect.name == "postgresql":
        cursor = dbapi.cursor(name=f"salus_mirror_{name}")  # type: ignore[call-arg]
    else:
        cursor = dbapi.cursor()
    count = 0
    try:
        cursor.execute(sql)
        while chunk := cursor.fetchmany(chunk_rows):
            values = list(zip(*chunk, strict=True))
            arrays = []
            for i, field in enumerate(arrow_schema):
                try:
                    arrays.append(pa.array(values[i], type=field.type))
                except (pa.ArrowInvalid, pa.ArrowTypeError):  # ISO text, 0/1 integers
                    arrays.append(pa.array(values[i]).cast(field.type))
            target.register("salus_chunk", pa.Table.from_arrays(arrays, schema=arrow_schema))
            target.execute(f'INSERT INTO "{name}" SELECT * FROM salus_chunk')
            target.unregister("salus_chunk")
            count += len(chunk)
            if _stopping.is_set():
                raise MirrorError("the process is exiting: mirror build abandoned")
    finally:
        cursor.close()
    return count


def _duck_type(kind: pa.DataType) -> str:
    import pyarrow as pa

    if pa.types.is_boolean(kind):
        return "BOOLEAN"
    if pa.types.is_integer(kind):
        return "BIGINT"
    if pa.types.is_floating(kind):
        return "DOUBLE"
    if pa.types.is_timestamp(kind):
        return "TIMESTAMPTZ"
    if pa.types.is_date(kind):
        return "DATE"
    return "VARCHAR"


def _remove_others(folder: Path, prefix: str, keep: Path) -> None:
    """Delete the store's mirrors other than ``keep`` (open readers keep reading them:
    an unlinked file lives on until closed)."""
    for path in folder.glob(f"{prefix}-*"):
        if path != keep:
            _unlink(path)


def _unlink(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


# ------------------------------------------------------------------ background refresh

_lock = threading.Lock()
_stopping = threading.Event()
_running: dict[str, threading.Thread] = {}
_handles: dict[Path, duckdb.DuckDBPyConnection] = {}
_engines: dict[str, sa.Engine] = {}


def refresh_in_background(engine: sa.Engine) -> threading.Thread | None:
    """Start :func:`build` in a daemon thread unless one runs already for this store in this
    process (single flight); the thread, or None when one was running."""
    key = engine.url.render_as_string(hide_password=False)
    with _lock:
        running = _running.get(key)
        if running is not None and running.is_alive():
            return None
        thread = threading.Thread(target=_build_quietly, args=(engine, key),
                                  name="salus-mirror", daemon=True)
        _running[key] = thread
    thread.start()
    return thread


@atexit.register
def _abandon_builds() -> None:
    """At exit, stop background builds at their next chunk (their temporary file is removed)
    rather than kill a thread inside DuckDB: a command that computed one indicator does not
    wait for a mirror it will not use."""
    _stopping.set()
    wait_for_refresh(timeout=30)


def wait_for_refresh(timeout: float | None = None) -> None:
    """Wait for this process's background builds (tests, benchmarks, shutdown)."""
    with _lock:
        threads = list(_running.values())
    for thread in threads:
        thread.join(timeout)


def _build_quietly(engine: sa.Engine, key: str) -> None:
    try:
        build(engine)
    except Exception:  # a failed build leaves requests on the store; say why in the log
        if not _stopping.is_set():
            log.exception("analytics mirror of %s not built",
                          engine.url.render_as_string(hide_password=True))
    finally:
        with _lock:
            if _running.get(key) is threading.current_thread():
                del _running[key]


# ------------------------------------------------------------------------------- read


def _reader(path: Path) -> duckdb.DuckDBPyConnection:
    """This process's read-only handle on ``path`` (opened once; each request takes a
    cursor of it)."""
    import duckdb

    with _lock:
        handle = _handles.get(path)
        if handle is None:
            for old in [p for p in _handles if p.parent == path.parent
                        and p.name.rsplit("-i", 1)[0] == path.name.rsplit("-i", 1)[0]]:
                del _handles[old]  # a newer version of the same store: let the old one go
            handle = duckdb.connect(str(path), read_only=True)
            _handles[path] = handle
        return handle


def engine_of(store: sa.Engine | str) -> sa.Engine:
    """An engine for ``store`` (a URL's engine is made once per process)."""
    if isinstance(store, sa.Engine):
        return store
    with _lock:
        engine = _engines.get(store)
        if engine is None:
            engine = create_engine(normalise_url(store))
            _engines[store] = engine
        return engine


def primary_sources(conn: sa.Connection) -> list[str]:
    """The ``primary_sources`` observatory setting, read from the store (settings do not
    move the data-version counters, so the mirror does not hold them)."""
    import json

    value = repository.get_setting(conn, "primary_sources")
    if isinstance(value, str):
        value = json.loads(value)
    return [str(v) for v in value or []]


@contextlib.contextmanager
def open_current(
    store: sa.Engine | str,
) -> Iterator[tuple[ibis.BaseBackend, list[str], str] | None]:
    """An ibis connection on the store's current mirror, the store's primary sources and the
    mirror's file name (the store and data version it holds: a key for cached results), or
    None where the request must run on the store: the mirror is off, the store cannot have
    one, or it is not built for the current data version (then a rebuild is started in the
    background; with ``SALUS_ANALYTICS_MIRROR=sync`` it is built here first)."""
    config = _settings()
    chosen = mode(config)
    if chosen == "off":
        yield None
        return
    engine = engine_of(store)
    if not mirrorable(engine):
        yield None
        return
    with engine.connect() as conn:
        state = _state_on(conn)
        sources = primary_sources(conn) if state is not None else []
    if state is None:
        yield None
        return
    path: Path | None = folder_of(engine, config) / _name(*state)
    if path is not None and not path.is_file():
        path = None
    if path is None and chosen == "sync":
        path = build(engine).path
    elif path is None:
        refresh_in_background(engine)
        yield None
        return
    if path is None:  # pragma: no cover - build returns the file it made
        yield None
        return
    import duckdb
    import ibis

    try:
        cursor = _reader(path).cursor()
    except duckdb.Error:  # removed between the look-up and the open: a newer one is built
        log.info("analytics mirror %s vanished before it was opened", path.name)
        yield None
        return
    try:
        yield ibis.duckdb.from_connection(cursor), sources, path.name
    finally:
        cursor.close()


def describe(store: sa.Engine | str) -> dict[str, Any]:
    """What ``salus indicators mirror --status`` prints: mode, folder, file, whether current."""
    engine = engine_of(store)
    state = _state(engine) if mirrorable(engine) else None
    folder = folder_of(engine)
    out: dict[str, Any] = {"mode": mode(), "folder": str(folder), "version": None,
                           "file": None, "current": False}
    if state is None:
        return out
    out["version"] = dict(zip(versions.INDICATORS, state[1], strict=True))
    path = folder / _name(*state)
    out["file"] = str(path)
    out["current"] = path.is_file()
    return out

