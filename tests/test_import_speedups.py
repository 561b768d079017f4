"""The bulk write path stores exactly what SQLAlchemy's own inserts store.

``repository.save_incidents`` reserves ids and writes plain tuples on the driver's cursor
(SQLite) or with COPY (PostgreSQL); here it is compared, column by column and on SQLite storage
class by storage class, with a reference writer that inserts the same incidents through
SQLAlchemy Core one statement at a time.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st
from import_support import seed_areas, write_xlsx

from salus.domain.incidents.model import (
    AgeRange,
    DatePrecision,
    Incident,
    LocationPrecision,
    OccurrenceDate,
    Outcome,
    Person,
    Point,
    Role,
    Sensitivity,
    Sex,
    SourceRecord,
    Weapon,
)
from salus.ingestion import load_mapping, readers
from salus.ingestion.errors import FileImportError
from salus.storage import repository as repo
from salus.storage import schema as t

STAMP = dt.datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=dt.UTC)
TABLES = (t.incident, t.incident_source, t.person, t.incident_weapon)


def _incidents() -> list[Incident]:
    out = []
    for i in range(12):
        persons = [Person(Role.VICTIM, Sex.MALE, AgeRange(18, None), "x:18+", Outcome.KILLED)
                   for _ in range(i % 3)]
        if i % 4 == 0:
            persons.append(Person(Role.PERPETRATOR, Sex.FEMALE, AgeRange.exact(30),
                                  outcome=Outcome.UNHARMED, given_name="Ana", family_name="Ñ",
                                  date_of_birth=dt.date(1990, 1, 2), nationality="COL"))
        out.append(Incident(
            occurred=OccurrenceDate.of(dt.date(2020, 1 + i, 15), list(DatePrecision)[i % 5]),
            area_code="XX-01" if i % 2 else "XX-02", iccs_code="0101",
            source=SourceRecord("police", "Test", f"R{i}", "http://x" if i % 3 else None),
            attempted=bool(i % 2), occurred_time=dt.time(1, 2, 3, 4) if i % 3 == 1 else None,
            reported_on=dt.date(2021, 3, 4) if i % 2 else None,
            point=Point(0.25 + i / 100, 0.5, LocationPrecision.EXACT) if i % 5 == 0 else None,
            weapons=[Weapon("firearm", "illicit", 2, "ARMA")] if i % 2 else [],
            persons=persons, narrative="texte é" if i % 4 == 1 else None,
            sensitivity=Sensitivity.PUBLIC, declared_killed=i if i % 3 == 2 else None,
            killed_low=1 if i % 6 == 5 else None, killed_high=3 if i % 6 == 5 else None,
            uid=f"00000000-0000-0000-0000-{i:012d}",
            source_attributes={"Agencia": f"Estación {i}", "Nota": "sí"} if i % 3 == 0 else {}))
    return out


def _reference_write(conn: sa.Connection, incidents: list[Incident]) -> None:
    """The plain SQLAlchemy Core way: one INSERT per incident, then its children."""
    ids = repo.area_ids(conn)
    for inc in incidents:
        pt = inc.point
        iid = conn.execute(t.incident.insert().values(
            uid=inc.uid, occurred_on=inc.occurred.start, occurred_until=inc.occurred.end,
            date_precision=inc.occurred.precision.value, occurred_time=inc.occurred_time,
            reported_on=inc.reported_on, area_id=ids[inc.area_code],
            longitude=pt.longitude if pt else None, latitude=pt.latitude if pt else None,
            location_precision=pt.precision.value if pt else None, iccs_code=inc.iccs_code,
            attempted=inc.attempted, iccs_context=inc.iccs_context,
            misuse_context=inc.misuse_context, location_type=inc.location_type,
            weapon_category=inc.weapons[0].category if inc.weapons else None,
            narrative=inc.narrative, sensitivity=inc.sensitivity.value,
            declared_killed=inc.declared_killed, declared_injured=inc.declared_injured,
            killed_low=inc.killed_low, killed_high=inc.killed_high,
            content_hash=inc.content_hash(), import_batch_id=None, created_at=STAMP,
            updated_at=STAMP, source_attributes=inc.source_attributes or None,
        )).inserted_primary_key[0]
        s = inc.source
        conn.execute(t.incident_source.insert().values(
            incident_id=iid, source_type=s.source_type, source_name=s.source_name,
            record_id=s.record_id, url=s.url))
        for p in inc.persons:
            conn.execute(t.person.insert().values(**repo._person_row(p, iid)))
        for w in inc.weapons:
            conn.execute(t.incident_weapon.insert().values(
                incident_id=iid, category=w.category, legal_status=w.legal_status,
                count=w.count, description=w.description))


def _dump(conn: sa.Connection) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the four tables; on SQLite the raw stored values and their storage class;
    ids made relative to the table's first id (PostgreSQL sequences do not roll back)."""
    out = {}
    for table in TABLES:
        names = [c.name for c in table.c]
        if conn.dialect.name == "sqlite":
            cols = ", ".join(f'typeof("{n}"), "{n}"' for n in names)
            rows = [tuple(r) for r in conn.exec_driver_sql(
                f'SELECT {cols} FROM "{table.name}" ORDER BY id')]
        else:
            rows = [tuple(r) for r in conn.execute(sa.select(table).order_by(table.c.id))]
        out[table.name] = rows
    base = {name: _first_id(conn, name) for name in ("incident", "person",
                                                       "incident_source", "incident_weapon")}
    return {"rows": out, "base": base}  # type: ignore[dict-item]


def _first_id(conn: sa.Connection, name: str) -> int:
    return conn.exec_driver_sql(f'SELECT min(id) FROM "{name}"').scalar() or 0


def _relative(dump: dict[str, Any], dialect: str) -> dict[str, list[tuple[Any, ...]]]:
    if dialect == "sqlite":
        return dump["rows"]  # type: ignore[no-any-return]
    base = dump["base"]
    out = {}
    for name, rows in dump["rows"].items():
        fixed = []
        for r in rows:
            r = list(r)
            r[0] -= base[name]
            if name != "incident":
                r[1] -= base["incident"]
            fixed.append(tuple(r))
        out[name] = fixed
    return out


def test_bulk_incident_writes_store_what_sqlalchemy_stores(engine, monkeypatch):
    seed_areas(engine)
    monkeypatch.setattr(repo, "now", lambda: STAMP)
    with engine.connect() as conn, conn.begin() as tx:
        _reference_write(conn, _incidents())
        expected = _dump(conn)
        tx.rollback()
    with engine.connect() as conn, conn.begin() as tx:
        counts = repo.save_incidents(conn, _incidents())
        got = _dump(conn)
        tx.rollback()
    assert counts.inserted == 12
    dialect = engine.dialect.name
    assert _relative(got, dialect) == _relative(expected, dialect)
    if dialect == "sqlite":  # the same ids the database would have given, storage classes
        assert got["rows"] == expected["rows"]
        stored = got["rows"]["incident"][0]
        updated_at = 2 * [c.name for c in t.incident.c].index("updated_at") + 1
        assert stored[5] == "2020-01-15" and stored[updated_at].startswith("2024-05-06 07:08:09")
        assert stored[-1] == '{"Agencia": "Estaci\\u00f3n 0", "Nota": "s\\u00ed"}'  # JSON text


def test_ids_continue_after_stored_and_replaced_incidents(engine):
    seed_areas(engine)
    incidents = _incidents()
    with engine.begin() as conn:
        repo.save_incidents(conn, incidents[:6])
    changed = _incidents()[:8]
    changed[0].narrative = "corrected"
    with engine.begin() as conn:
        counts = repo.save_incidents(conn, changed)
    assert (counts.inserted, counts.updated, counts.unchanged) == (2, 1, 5)
    with engine.connect() as conn:
        rows = conn.execute(sa.select(t.incident.c.id, t.incident.c.uid)
                            .order_by(t.incident.c.id)).all()
        # the replaced one is deleted and re-inserted with its uid after the stored ones
        assert [r.id - rows[0].id for r in rows] == [0, 1, 2, 3, 4, 5, 6, 7]
        assert [r.uid for r in rows[5:]] == [changed[0].uid, changed[6].uid, changed[7].uid]
        persons = conn.execute(sa.select(sa.func.count()).select_from(t.person)).scalar()
    assert persons == sum(len(i.persons) for i in changed)


@pytest.mark.parametrize("size", [1, 3])
def test_a_constraint_violation_in_the_bulk_path_is_sqlalchemys_error(engine, size):
    seed_areas(engine)
    incidents = _incidents()[:size]
    with engine.begin() as conn:
        repo.save_incidents(conn, incidents)
    clash = _incidents()[:size]
    for inc in clash:
        inc.source.record_id += "-new"  # new natural keys, same uids: the unique uid clashes
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
        repo.save_incidents(conn, clash)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.incident)).scalar() == size


# ---------------------------------------------------------------- XLSX: calamine = openpyxl


def _framed(path: Path, options: Any, calamine: bool, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setattr(readers, "USE_CALAMINE", calamine)
    table = readers.read_table(path, options)
    rows = list(table.rows)
    return table.columns, table.tags, rows, table.stats, table.format


def test_calamine_reads_the_cells_openpyxl_reads(tmp_path, monkeypatch):
    pytest.importorskip("python_calamine")
    rows = [["title"], [], ["id", "n", "x", "when", "at", "flag", "blank", "t"],
            ["a", 5, 2.5, dt.date(2020, 1, 2), dt.datetime(2020, 1, 2, 3, 4, 5), True, None,
             dt.time(6, 7)],
            ["b", 5001000, -0.1, dt.datetime(2021, 3, 4), None, False, "", "x"],
            [None, None, None], ["TOTAL", 10]]
    path = write_xlsx(tmp_path / "cells.xlsx", rows)
    options = readers.ReadOptions()
    assert readers._calamine_rows(path, None) is not None  # not a fallback to openpyxl
    assert _framed(path, options, True, monkeypatch) == _framed(path, options, False,
                                                                monkeypatch)


def test_calamine_frames_every_colombian_workbook_as_openpyxl(shared_data, monkeypatch):
    pytest.importorskip("python_calamine")
    police = load_mapping("colombia-police-homicides").read
    files = [(shared_data / "colombia" / "raw" / f"homicidios_{year}.xlsx", police)
             for year in range(2011, 2020)]
    files.append((shared_data / "colombia" / "population" / "poblacion_2018_2023.xlsx",
                  load_mapping("colombia-dane-municipalities").read))
    for path, options in files:
        assert readers._calamine_rows(path, options.sheet) is not None, path.name
        assert _framed(path, options, True, monkeypatch) == _framed(path, options, False,
                                                                    monkeypatch), path.name


def test_a_workbook_calamine_cannot_open_falls_back_to_openpyxls_error(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(FileImportError) as info:
        readers.read_table(path)
    assert info.value.error.code == "file.format" and "cannot be read as XLSX" in str(
        info.value.error.message)


# ---------------------------------------------------------------- record-id hash


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(["area_code", "occurred_on", "sex", "weapon", "ñame",
                                        "a\"b", "age_band"]),
                       st.one_of(st.none(), st.text(max_size=6), st.integers(), st.floats()),
                       min_size=1))
def test_the_record_hash_is_the_documented_json_digest(cells):
    import hashlib
    import json

    from salus.ingestion.binding import Bound, BoundField
    from salus.ingestion.text import cell_text

    fields = [BoundField(name, name, lambda row, k=name: row.get(k), str) for name in cells]
    bound = Bound(load_mapping("colombia-police-homicides"), fields, {}, fields, [], {})
    data = {name: cell_text(value) for name, value in cells.items()}
    blob = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert bound.record_hash(cells) == hashlib.sha256(blob.encode("utf-8")).hexdigest()
