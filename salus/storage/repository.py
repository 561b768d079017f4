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

from salus.domain.model import Area, Incident, PopulationCount
from salus.storage import schema as t

BATCH = 5000
UID_LOOKUP = 1000


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
        ids[a.code] = conn.execute(t.area.insert().values(**values)).inserted_primary_key[0]
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
    existing = {tuple(r[:5]): (r[5], r[6]) for r in
                conn.execute(sa.select(*key, t.population.c.population, t.population.c.id))}
    counts, inserts = WriteCounts(), []
    for p in rows:
        k = (ids[p.area_code], p.year, p.sex, p.age_min or 0,
             t.OPEN_AGE if p.age_max is None else p.age_max)
        if k not in existing:
            names = ("area_id", "year", "sex", "age_min", "age_max")
            inserts.append(dict(zip(names, k, strict=True))
                           | {"population": p.population, "import_batch_id": batch_id})
            existing[k] = (p.population, -1)
            counts.inserted += 1
        elif existing[k][0] == p.population:
            counts.unchanged += 1
        else:
            conn.execute(t.population.update().where(t.population.c.id == existing[k][1])
                         .values(population=p.population, import_batch_id=batch_id))
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


def _insert_incidents(conn: sa.Connection, chunk: Sequence[tuple[Incident, str]],
                      area_id: dict[str, int], batch_id: int | None, stamp: dt.datetime) -> None:
    rows = [_incident_row(inc, digest, area_id[inc.area_code], batch_id, stamp)
            for inc, digest in chunk]
    new_ids = _insert_returning_ids(conn, rows)
    sources, persons, weapons = [], [], []
    for iid, (inc, _) in zip(new_ids, chunk, strict=True):
        s = inc.source
        sources.append({"incident_id": iid, "source_type": s.source_type,
                        "source_name": s.source_name, "record_id": s.record_id, "url": s.url})
        persons += [_person_row(p, iid) for p in inc.persons]
        weapons += [{"incident_id": iid, "category": w.category, "legal_status": w.legal_status,
                     "count": w.count, "description": w.description} for w in inc.weapons]
    _bulk_insert(conn, t.incident_source, sources)
    for table, values in ((t.person, persons), (t.incident_weapon, weapons)):
        for part in _chunks(values):
            _bulk_insert(conn, table, part)


def _insert_returning_ids(conn: sa.Connection, rows: list[dict[str, Any]]) -> list[int]:
    """Insert incident rows and return their ids in order.

    A plain executemany, then the ids looked up by ``uid`` (unique, generated here): SQLite has
    no ordered multi-row RETURNING, so ``returning(sort_by_parameter_order=True)`` would run one
    INSERT per row — ten times slower on a bulk import.
    """
    _bulk_insert(conn, t.incident, rows)
    uids = [r["uid"] for r in rows]
    found: dict[str, int] = {}
    for start in range(0, len(uids), UID_LOOKUP):
        part = uids[start:start + UID_LOOKUP]
        q = sa.select(t.incident.c.uid, t.incident.c.id).where(t.incident.c.uid.in_(part))
        found.update((u, i) for u, i in conn.execute(q))
    return [found[u] for u in uids]


def _bulk_insert(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """``executemany`` of rows that all have the same keys.

    On SQLite the statement is compiled once and each column's bind processor applied
    directly: SQLAlchemy's per-row parameter handling costs more than SQLite's own insert.
    Other dialects use SQLAlchemy's batched "insertmanyvalues" path.
    """
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        conn.execute(table.insert(), rows)
        return
    compiled = table.insert().compile(dialect=conn.dialect, column_keys=list(rows[0]))
    names = list(compiled.positiontup or ())
    processors = [table.c[n].type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
                  for n in names]
    columns = [[r[n] for r in rows] if f is None else [f(r[n]) for r in rows]
               for n, f in zip(names, processors, strict=True)]
    conn.exec_driver_sql(str(compiled), list(zip(*columns, strict=True)))


def _incident_row(inc: Incident, digest: str, area_id: int, batch_id: int | None,
                  stamp: dt.datetime) -> dict[str, Any]:
    pt = inc.point
    return {
        "uid": inc.uid or str(uuid.uuid4()),
        "occurred_on": inc.occurred.start, "occurred_until": inc.occurred.end,
        "date_precision": inc.occurred.precision.value, "occurred_time": inc.occurred_time,
        "reported_on": inc.reported_on, "area_id": area_id,
        "longitude": pt.longitude if pt else None, "latitude": pt.latitude if pt else None,
        "location_precision": pt.precision.value if pt else None,
        "iccs_code": inc.iccs_code, "attempted": inc.attempted,
        "iccs_context": inc.iccs_context, "misuse_context": inc.misuse_context,
        "location_type": inc.location_type,
        "weapon_category": inc.weapons[0].category if inc.weapons else None,
        "narrative": inc.narrative, "sensitivity": inc.sensitivity.value,
        "declared_killed": inc.declared_killed, "declared_injured": inc.declared_injured,
        "killed_low": inc.killed_low, "killed_high": inc.killed_high,
        "content_hash": digest, "import_batch_id": batch_id,
        "created_at": stamp, "updated_at": stamp,
    }


def _person_row(p: Any, iid: int) -> dict[str, Any]:
    high = p.age.high
    return {
        "incident_id": iid, "role": p.role.value, "sex": p.sex.value,
        "age_min": p.age.low,
        "age_max": t.OPEN_AGE if p.age.low is not None and high is None else high,
        "age_band": p.age_band, "outcome": p.outcome.value, "relationship": p.relationship,
        "conflict_status": p.conflict_status, "nationality": p.nationality,
        "given_name": p.given_name, "family_name": p.family_name,
        "date_of_birth": p.date_of_birth,
    }


# ---------------------------------------------------------------- batches and audit


def start_batch(conn: sa.Connection, kind: str, file_name: str, sha256: str,
                mapping: str | None, actor: str = "cli") -> int:
    result = conn.execute(t.import_batch.insert().values(
        kind=kind, file_name=file_name, file_sha256=sha256, mapping=mapping, actor=actor,
        started_at=now()))
    return int(result.inserted_primary_key[0])


def finish_batch(conn: sa.Connection, batch_id: int, rows_read: int, counts: WriteCounts,
                 rejected: int) -> None:
    conn.execute(t.import_batch.update().where(t.import_batch.c.id == batch_id).values(
        finished_at=now(), rows_read=rows_read, inserted=counts.inserted,
        updated=counts.updated, unchanged=counts.unchanged, rejected=rejected))


def audit(conn: sa.Connection, actor: str, action: str, entity: str, entity_id: str | None,
          before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> None:
    """Append one event to the audit log (never updated or deleted)."""
    conn.execute(t.audit_event.insert().values(at=now(), actor=actor, action=action,
                                               entity=entity, entity_id=entity_id,
                                               before=before, after=after))


def _chunks(rows: Sequence[dict[str, Any]] | list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(rows), BATCH):
        yield list(rows[start:start + BATCH])
