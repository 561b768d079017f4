"""Repositories: write and read domain objects in the store, in the caller's transaction.

Every function takes an open :class:`sqlalchemy.Connection`; the caller decides the transaction
(an import is one transaction: all rows or none). Writes are idempotent on natural keys:
areas by code, population by (area, year, sex, age range), incidents by
(source type, source name, source record id).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from salus.domain.incidents.model import Area, Incident, PopulationCount
from salus.storage import schema as t

BATCH = 5000


@dataclass(slots=True)
class WriteCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def __iadd__(self, other: WriteCounts) -> WriteCounts:
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged
        return self


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# ---------------------------------------------------------------- areas


def area_ids(conn: sa.Connection) -> dict[str, int]:
    """Code → id of every area."""
    return {code: i for code, i in conn.execute(sa.select(t.area.c.code, t.area.c.id))}


def area_levels(conn: sa.Connection) -> dict[str, int]:
    """Code → level of every area (imports check codes and parent levels against it)."""
    return {code: lvl for code, lvl in conn.execute(sa.select(t.area.c.code, t.area.c.level))}


def save_areas(conn: sa.Connection, areas: Sequence[Area]) -> WriteCounts:
    """Insert or update areas by code (parents may come in any order), then rebuild ancestry."""
    counts = WriteCounts()
    existing = {r.code: r for r in conn.execute(sa.select(t.area))}
    pending = list(areas)
    ids = {code: r.id for code, r in existing.items()}
    while pending:
        ready = [a for a in pending if a.parent_code is None or a.parent_code in ids]
        if not ready:
            missing = sorted({a.parent_code or "" for a in pending})
            raise ValueError(f"parent area(s) not found: {', '.join(missing[:10])}")
        for a in ready:
            counts += _save_area(conn, a, existing.get(a.code), ids)
        pending = [a for a in pending if a.code not in ids]
    rebuild_ancestry(conn)
    return counts


def _save_area(conn: sa.Connection, a: Area, old: Any, ids: dict[str, int]) -> WriteCounts:
    values = _area_values(a, ids)
    if old is None:
        ids[a.code] = conn.execute(t.area.insert().values(**values)).inserted_primary_key[0]  # type: ignore[index]
        return WriteCounts(inserted=1)
    if all(getattr(old, k) == v for k, v in values.items()):
        return WriteCounts(unchanged=1)
    conn.execute(t.area.update().where(t.area.c.id == old.id).values(**values))
    return WriteCounts(updated=1)


def _area_values(a: Area, ids: dict[str, int]) -> dict[str, Any]:
    bbox: tuple[float | None, ...] = (None, None, None, None)
    geometry = None
    if a.geometry is not None:
        from salus.domain.geometry import bounds

        geometry = json.dumps(a.geometry, separators=(",", ":"))
        bbox = bounds(a.geometry)
    return {
        "code": a.code, "name": a.name, "names": a.names or {}, "level": a.level,
        "parent_id": ids.get(a.parent_code) if a.parent_code else None,
        "geometry": geometry, "min_lon": bbox[0], "min_lat": bbox[1],
        "max_lon": bbox[2], "max_lat": bbox[3],
        "source_attributes": a.source_attributes or None,
    }


def rebuild_ancestry(conn: sa.Connection) -> None:
    """Recompute the closure table (each area is its own ancestor at its own level)."""
    rows = list(conn.execute(sa.select(t.area.c.id, t.area.c.parent_id, t.area.c.level)))
    parent = {r.id: r.parent_id for r in rows}
    level = {r.id: r.level for r in rows}
    closure = []
    for area_id in parent:
        current: int | None = area_id
        while current is not None:
            closure.append({"area_id": area_id, "ancestor_id": current,
                            "ancestor_level": level[current]})
            current = parent[current]
    conn.execute(t.area_ancestor.delete())
    for chunk in _chunks(closure):
        conn.execute(t.area_ancestor.insert(), chunk)


def area_geometries(conn: sa.Connection) -> dict[str, dict[str, Any]]:
    """Code → GeoJSON geometry of every area that has one."""
    q = sa.select(t.area.c.code, t.area.c.geometry).where(t.area.c.geometry.is_not(None))
    return {code: json.loads(g) for code, g in conn.execute(q)}


# ---------------------------------------------------------------- population


def save_population(conn: sa.Connection, rows: Iterable[PopulationCount],
                    batch_id: int | None = None) -> WriteCounts:
    """Upsert population cells keyed by (area, year, sex, age_min, age_max)."""
    ids = area_ids(conn)
    key = (t.population.c.area_id, t.population.c.year, t.population.c.sex,
           t.population.c.age_min, t.population.c.age_max)
    existing = {tuple(r[:5]): (r[5], r[6], r[7] or None) for r in
                conn.execute(sa.select(*key, t.population.c.population, t.population.c.id,
                                       t.population.c.source_attributes))}
    counts, inserts = WriteCounts(), []
    for p in rows:
        k = (ids[p.area_code], p.year, p.sex, p.age_min or 0,
             t.OPEN_AGE if p.age_max is None else p.age_max)
        attributes = p.source_attributes or None
        if k not in existing:
            names = ("area_id", "year", "sex", "age_min", "age_max")
            inserts.append(dict(zip(names, k, strict=True))
                           | {"population": p.population, "import_batch_id": batch_id,
                              "source_attributes": attributes})
            existing[k] = (p.population, -1, attributes)
            counts.inserted += 1
        elif existing[k][0] == p.population and existing[k][2] == attributes:
            counts.unchanged += 1
        else:
            conn.execute(t.population.update().where(t.population.c.id == existing[k][1])
                         .values(population=p.population, import_batch_id=batch_id,
                                 source_attributes=attributes))
            counts.updated += 1
    for chunk in _chunks(inserts):
        conn.execute(t.population.insert(), chunk)
    return counts


# ---------------------------------------------------------------- incidents


def existing_incident_keys(conn: sa.Connection) -> dict[tuple[str, str, str], tuple[int, str]]:
    """Natural key → (incident id, content hash) of every stored incident."""
    q = (sa.select(t.incident_source.c.source_type, t.incident_source.c.source_name,
                   t.incident_source.c.record_id, t.incident.c.id, t.incident.c.content_hash)
         .join(t.incident, t.incident.c.id == t.incident_source.c.incident_id))
    return {(r[0], r[1], r[2]): (r[3], r[4]) for r in conn.execute(q)}


KEY_LOOKUP_CHUNK = 500


def stored_incident_keys(conn: sa.Connection, keys: Iterable[tuple[str, str, str]]
                         ) -> dict[tuple[str, str, str], tuple[int, str]]:
    """:func:`existing_incident_keys` restricted to ``keys`` (natural keys): what a chunk of a
    streamed import needs, read through the unique index ``uq_incident_source_key`` and then
    the incidents' primary key (two look-ups by index, not a join a planner could turn into a
    scan) instead of holding every stored key in memory."""
    wanted: dict[tuple[str, str], list[str]] = {}
    for source_type, source_name, record_id in keys:
        wanted.setdefault((source_type, source_name), []).append(record_id)
    s, i = t.incident_source, t.incident
    found: dict[int, tuple[str, str, str]] = {}
    for (source_type, source_name), ids in wanted.items():
        for start in range(0, len(ids), KEY_LOOKUP_CHUNK):
            q = (sa.select(s.c.record_id, s.c.incident_id)
                 .where(s.c.source_type == source_type, s.c.source_name == source_name,
                        s.c.record_id.in_(ids[start:start + KEY_LOOKUP_CHUNK])))
            for record_id, iid in conn.execute(q):
                found[iid] = (source_type, source_name, record_id)
    out: dict[tuple[str, str, str], tuple[int, str]] = {}
    iids = list(found)
    for start in range(0, len(iids), KEY_LOOKUP_CHUNK):
        q = sa.select(i.c.id, i.c.content_hash).where(
            i.c.id.in_(iids[start:start + KEY_LOOKUP_CHUNK]))
        for iid, digest in conn.execute(q):
            out[found[iid]] = (iid, digest)
    return out


def save_incidents(conn: sa.Connection, incidents: Iterable[Incident],
                   batch_id: int | None = None,
                   known: dict[tuple[str, str, str], tuple[int, str]] | None = None,
                   digest_of: Callable[[Incident], str] | None = None,
                   area_id: dict[str, int] | None = None) -> WriteCounts:
    """Insert new incidents, replace changed ones, skip unchanged ones (idempotent re-import).

    ``known`` is the result of :func:`existing_incident_keys` and ``area_id`` of
    :func:`area_ids`; pass them when calling in chunks. ``digest_of`` computes the content hash
    (default :meth:`Incident.content_hash`; bulk imports pass an equal but faster function).
    """
    ids = area_ids(conn) if area_id is None else area_id
    known = existing_incident_keys(conn) if known is None else known
    digest_of = digest_of or Incident.content_hash
    counts, fresh, stamp = WriteCounts(), [], now()
    for inc in incidents:
        digest = digest_of(inc)
        old = known.get(inc.natural_key())
        if old is not None and old[1] == digest:
            counts.unchanged += 1
            continue
        if old is not None:
            uid = conn.execute(sa.delete(t.incident).where(t.incident.c.id == old[0])
                               .returning(t.incident.c.uid)).scalar()
            inc.uid = inc.uid or uid
            counts.updated += 1
        else:
            counts.inserted += 1
        fresh.append((inc, digest))
        known[inc.natural_key()] = (-1, digest)
    for chunk in _chunks(fresh):
        _insert_incidents(conn, chunk, ids, batch_id, stamp)
    return counts


INCIDENT_COLUMNS = (
    "id", "uid", "occurred_on", "occurred_until", "date_precision", "occurred_time",
    "reported_on", "area_id", "longitude", "latitude", "location_precision", "iccs_code",
    "attempted", "iccs_context", "misuse_context", "location_type", "weapon_category",
    "narrative", "sensitivity", "declared_killed", "declared_injured", "killed_low",
    "killed_high", "content_hash", "import_batch_id", "created_at", "updated_at",
    "source_attributes")
SOURCE_COLUMNS = ("incident_id", "source_type", "source_name", "record_id", "url")
PERSON_COLUMNS = ("incident_id", "role", "sex", "age_min", "age_max", "age_band", "outcome",
                  "relationship", "conflict_status", "nationality", "given_name",
                  "family_name", "date_of_birth", "related_victim")
WEAPON_COLUMNS = ("incident_id", "category", "legal_status", "count", "description",
                  "serial_number", "weapon_uid")


def _insert_incidents(conn: sa.Connection, chunk: Sequence[tuple[Incident, str]],
                      area_id: dict[str, int], batch_id: int | None, stamp: dt.datetime) -> None:
    """Insert a chunk of incidents with their sources, persons and weapons.

    Incident ids are reserved first (:func:`_reserve_ids`: the ids the database itself would
    have given), so the child rows are built in the same pass, as plain tuples, and written
    by :func:`_insert_rows` without SQLAlchemy's per-row parameter handling.
    """
    new_ids = _reserve_ids(conn, len(chunk))
    incidents, sources, persons, weapons = [], [], [], []
    person_rows: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    for iid, (inc, digest) in zip(new_ids, chunk, strict=True):
        incidents.append(_incident_tuple(inc, digest, iid, area_id[inc.area_code], batch_id,
                                         stamp))
        s = inc.source
        sources.append((iid, s.source_type, s.source_name, s.record_id, s.url))
        for p in inc.persons:
            persons.append((iid, *_person_values(p, person_rows)))
        for w in inc.weapons:
            weapons.append((iid, w.category, w.legal_status, w.count, w.description,
                            w.serial_number, w.registry_uid))
    _insert_rows(conn, t.incident, INCIDENT_COLUMNS, incidents)
    _insert_rows(conn, t.incident_source, SOURCE_COLUMNS, sources)
    _insert_rows(conn, t.person, PERSON_COLUMNS, persons)
    _insert_rows(conn, t.incident_weapon, WEAPON_COLUMNS, weapons)


def _reserve_ids(conn: sa.Connection, n: int) -> list[int]:
    """The next ``n`` incident ids, in order: what the inserts would have been given.

    SQLite gives a new row ``max(id) + 1`` (an ``INTEGER PRIMARY KEY`` without
    AUTOINCREMENT), and an import holds the write lock for its whole transaction, so reading
    ``max(id)`` once per chunk is exact. PostgreSQL draws them from the column's sequence.
    """
    if n == 0:
        return []
    if conn.dialect.name == "sqlite":
        top = conn.exec_driver_sql("SELECT max(id) FROM incident").scalar() or 0
        return list(range(top + 1, top + 1 + n))
    if conn.dialect.name == "postgresql":
        q = sa.text("SELECT nextval(pg_get_serial_sequence('incident', 'id')) "
                    "FROM generate_series(1, :n)")
        return sorted(int(i) for i in conn.execute(q, {"n": n}).scalars())
    raise NotImplementedError(f"bulk incident insert on {conn.dialect.name}")


def _incident_tuple(inc: Incident, digest: str, iid: int, area_id: int, batch_id: int | None,
                    stamp: dt.datetime) -> tuple[Any, ...]:
    pt = inc.point
    occurred = inc.occurred
    return (
        iid, inc.uid or str(uuid.uuid4()), occurred.start, occurred.end,
        occurred.precision.value, inc.occurred_time, inc.reported_on, area_id,
        pt.longitude if pt else None, pt.latitude if pt else None,
        pt.precision.value if pt else None, inc.iccs_code, inc.attempted, inc.iccs_context,
        inc.misuse_context, inc.location_type,
        inc.weapons[0].category if inc.weapons else None, inc.narrative,
        inc.sensitivity.value, inc.declared_killed, inc.declared_injured, inc.killed_low,
        inc.killed_high, digest, batch_id, stamp, stamp, inc.source_attributes or None)


def _person_values(p: Any, seen: dict[tuple[Any, ...], tuple[Any, ...]]) -> tuple[Any, ...]:
    """A person's columns but ``incident_id`` (alike victims share one tuple)."""
    age = p.age
    key = (p.role, p.sex, age, age.low.__class__, age.high.__class__, p.age_band, p.outcome,
           p.relationship, p.conflict_status, p.nationality, p.given_name, p.family_name,
           p.date_of_birth, p.date_of_birth.__class__, p.related_victim)
    values = seen.get(key)
    if values is None:
        row = _person_row(p, 0)
        values = seen[key] = tuple(row[c] for c in PERSON_COLUMNS[1:])
    return values


def _person_row(p: Any, iid: int) -> dict[str, Any]:
    high = p.age.high
    return {
        "incident_id": iid, "role": p.role.value, "sex": p.sex.value,
        "age_min": p.age.low,
        "age_max": t.OPEN_AGE if p.age.low is not None and high is None else high,
        "age_band": p.age_band, "outcome": p.outcome.value, "relationship": p.relationship,
        "conflict_status": p.conflict_status, "nationality": p.nationality,
        "given_name": p.given_name, "family_name": p.family_name,
        "date_of_birth": p.date_of_birth, "related_victim": p.related_victim,
    }


def reserve_ids(conn: sa.Connection, table: sa.Table, n: int) -> list[int]:
    """The next ``n`` ids of ``table``, in order, for a bulk insert that writes them itself
    (rows that reference each other are then written without reading ids back).

    SQLite gives a new row ``max(id) + 1`` (an ``INTEGER PRIMARY KEY`` without AUTOINCREMENT)
    and a bulk write holds the write lock for its whole transaction, so ``max(id)`` read once is
    exact; PostgreSQL draws them from the column's sequence (as :func:`_reserve_ids`)."""
    if n == 0:
        return []
    if conn.dialect.name == "sqlite":
        top = conn.exec_driver_sql(f'SELECT max(id) FROM "{table.name}"').scalar() or 0
        return list(range(top + 1, top + 1 + n))
    if conn.dialect.name == "postgresql":
        q = sa.text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) "
                    "FROM generate_series(1, :n)")
        return sorted(int(i) for i in conn.execute(q, {"t": table.name, "n": n}).scalars())
    raise NotImplementedError(f"bulk insert on {conn.dialect.name}")


def refresh_statistics(conn: sa.Connection, tables: Sequence[sa.Table]) -> None:
    """Let the query planner see what this transaction has written so far (PostgreSQL:
    ``ANALYZE``, which counts the transaction's own new rows). A bulk import that grows a table
    from nothing to 100,000 rows in one transaction is otherwise planned for an empty table: a
    look-up by ``(id_document_type, id_document_number) IN …`` then scans every owner of the
    type. SQLite's planner needs no statistics to use these indexes: nothing to do."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("ANALYZE " + ", ".join(f'"{t.name}"' for t in tables))


def insert_rows(conn: sa.Connection, table: sa.Table, columns: Sequence[str],
                rows: list[tuple[Any, ...]]) -> None:
    """Insert plain tuples in one multi-row write (``executemany`` on SQLite, ``COPY`` on
    PostgreSQL), each value bound as SQLAlchemy's insert binds it — a ``None`` in a JSON column
    included (JSON ``null`` unless the column says ``none_as_null``)."""
    _insert_rows(conn, table, columns, rows, json_none=True)


def _insert_rows(conn: sa.Connection, table: sa.Table, columns: Sequence[str],
                 rows: list[tuple[Any, ...]], *, json_none: bool = False) -> None:
    """Insert plain tuples, each value converted as SQLAlchemy's column type would bind it.

    SQLite: ``executemany`` on the connection's own DBAPI cursor (same transaction).
    PostgreSQL with psycopg 3: ``COPY ... FROM STDIN``. Otherwise SQLAlchemy's executemany.
    """
    if not rows:
        return
    rows = _bind(conn.dialect, table, columns, rows, json_none=json_none)
    names = ", ".join(f'"{c}"' for c in columns)
    raw = conn.connection.driver_connection
    dbapi = conn.dialect.loaded_dbapi
    if conn.dialect.name == "sqlite":
        sql = f'INSERT INTO "{table.name}" ({names}) VALUES ({", ".join("?" * len(columns))})'
        cursor = raw.cursor()  # type: ignore[union-attr]
        try:
            cursor.executemany(sql, rows)
        except dbapi.Error as exc:
            raise _wrapped(sql, exc, dbapi) from exc
        finally:
            cursor.close()
        return
    if conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg":
        sql = f'COPY "{table.name}" ({names}) FROM STDIN'
        try:
            with raw.cursor() as cursor, cursor.copy(sql) as copy:  # type: ignore[union-attr]
                for row in rows:
                    copy.write_row(row)
        except dbapi.Error as exc:
            raise _wrapped(sql, exc, dbapi) from exc
        return
    conn.execute(table.insert(), [dict(zip(columns, r, strict=True)) for r in rows])


def _wrapped(sql: str, exc: Exception, dbapi: Any) -> sa.exc.StatementError:
    """A driver error as SQLAlchemy would raise it (``IntegrityError``, ``DataError``…)."""
    return sa.exc.DBAPIError.instance(sql, None, exc, dbapi.Error)


_PROCESSORS: dict[tuple[str, sa.Table, tuple[str, ...]], list[tuple[int, Any]]] = {}
"""Bind processors by dialect, table object (not its name: two ``Table`` objects may name one
table with other column types) and columns."""


def _bind(dialect: sa.Dialect, table: sa.Table, columns: Sequence[str],
          rows: list[tuple[Any, ...]], *, json_none: bool = False) -> list[tuple[Any, ...]]:
    """Rows with each column's bind processor applied (those columns only, column-wise);
    ``json_none``: a ``None`` in a JSON column is bound too (JSON ``null`` or SQL NULL, as the
    column says), not passed on as SQL NULL."""
    key = (dialect.name, table, tuple(columns))
    processors = _PROCESSORS.get(key)
    if processors is None:
        processors = _PROCESSORS[key] = [
            (i, f) for i, c in enumerate(columns)
            if (f := table.c[c].type.dialect_impl(dialect).bind_processor(dialect)) is not None]
    if not processors:
        return rows
    cols = list(zip(*rows, strict=True))
    for i, f in processors:
        cache: dict[Any, Any] = {}
        out: list[Any] = []
        none = f(None) if json_none and isinstance(table.c[columns[i]].type, sa.JSON) else None
        for v in cols[i]:
            if v is None:
                out.append(none)
                continue
            if v.__class__ is dict:  # a JSON object (source attributes): not hashable
                out.append(f(v))
                continue
            try:
                w = cache[(v.__class__, v)]
            except KeyError:
                w = cache[(v.__class__, v)] = f(v)
            out.append(w)
        cols[i] = tuple(out)
    return list(zip(*cols, strict=True))


# ---------------------------------------------------------------- batches and audit


def start_batch(conn: sa.Connection, kind: str, file_name: str, sha256: str,
                mapping: str | None, actor: str = "cli") -> int:
    result = conn.execute(t.import_batch.insert().values(
        kind=kind, file_name=file_name, file_sha256=sha256, mapping=mapping, actor=actor,
        started_at=now()))
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def finish_batch(conn: sa.Connection, batch_id: int, rows_read: int, counts: WriteCounts,
                 rejected: int) -> None:
    conn.execute(t.import_batch.update().where(t.import_batch.c.id == batch_id).values(
        finished_at=now(), rows_read=rows_read, inserted=counts.inserted,
        updated=counts.updated, unchanged=counts.unchanged, rejected=rejected))


def audit(conn: sa.Connection, actor: str, action: str, entity: str, entity_id: str | None,
          before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> None:
    """Append one event to the audit log (never updated or deleted).

    The values are bound parameters of one INSERT, so SQLAlchemy compiles it once and caches it
    (imports write thousands of events).
    """
    conn.execute(t.audit_event.insert(), {"at": now(), "actor": actor, "action": action,
                                          "entity": entity, "entity_id": entity_id,
                                          "before": before, "after": after})


def _chunks(rows: Sequence[dict[str, Any]] | list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(rows), BATCH):
        yield list(rows[start:start + BATCH])


# ---------------------------------------------------------------- observatory settings


def get_setting(conn: sa.Connection, key: str, default: Any = None) -> Any:
    """The stored value of an observatory setting, or ``default``."""
    q = sa.select(t.observatory_setting.c.value).where(t.observatory_setting.c.key == key)
    row = conn.execute(q).first()
    return default if row is None else row[0]


def set_setting(conn: sa.Connection, key: str, value: Any, actor: str = "cli") -> None:
    """Store an observatory setting (audited with its previous value)."""
    before = get_setting(conn, key)
    conn.execute(t.observatory_setting.delete().where(t.observatory_setting.c.key == key))
    conn.execute(t.observatory_setting.insert().values(key=key, value=value, updated_at=now()))
    audit(conn, actor, "setting", "observatory_setting", key,
          before=None if before is None else {"value": before}, after={"value": value})
