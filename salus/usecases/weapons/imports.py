"""Importing registry files: weapons with their owners, licences, registration and first event
(issue 6 §7), atomically and idempotently.

The file is read by :mod:`salus.ingestion.weapons` with a YAML mapping; each row then goes
through the same use-case functions as the web form (``record_weapon_in``, ``add_owner_in``,
``issue_licence_in``, ``register_to_owner_in`` / ``transfer_weapon_in``, ``record_event_in``), so
every registry rule applies. **Atomic**: all rows are written in one transaction; if any row has
an error, nothing is written and the report lists every error with its row, column and value.
**Idempotent**: a weapon already recorded (same manufacturer and serial key, or the same
``record_id``), an owner with the same identity document or registration number, a licence with
the same number, a registration to the same owner and an event of the same type and date are
recognised and left as they are, so importing the same file twice changes nothing. A row that
contradicts what is recorded (another category, year, owner name, licence dates…) is an error,
not an overwrite: registry records are evidence and are corrected by an officer.
**Nothing dropped**: the file's columns that the mapping does not name are listed in the report
(``unmapped_columns``) and kept with each weapon as ``source_attributes``; a re-import whose
row carries other values for them replaces the kept ones (counted in ``attributes_updated``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from salus.domain.accounts.roles import Permission, Viewer
from salus.domain.weapons.registry import ArmsRuleError, LicenceRecord, OwnerKind, OwnerRecord
from salus.ingestion import weapons as reader
from salus.ingestion.errors import RowError
from salus.storage import repository as repo
from salus.storage.weapons import schema as w
from salus.usecases.errors import ValidationFailed, require
from salus.usecases.weapons.common import (
    audit,
    can_edit,
    fail,
)
from salus.usecases.weapons.imports_bulk import COMPARED, BulkImport, gc_paused, normalised
from salus.usecases.weapons.lifecycle import (
    EventInput,
    current_holding,
    record_event_in,
    register_to_owner_in,
    transfer_weapon_in,
)
from salus.usecases.weapons.owners import add_owner_in, issue_licence_in, owner_uid_by_identity
from salus.usecases.weapons.records import keys_of, record_weapon_in

FIELD_OF = {"licence": "licence_number", "expires_on": "licence_expires_on",
            "occurred_on": "event_date", "owner": "id_document_number", "number":
            "licence_number", "from_owner": "id_document_number", "to_owner": "id_document_number",
            "event_type": "event", "marking.text": "marking"}
"""Use-case error fields → import fields (to name the source column)."""


@dataclass
class ImportReport:
    """What an import did (or would have done: ``committed`` is False on errors or a dry run)."""

    file_name: str
    mapping: str
    rows_read: int = 0
    weapons_added: int = 0
    weapons_existing: int = 0
    owners_added: int = 0
    licences_added: int = 0
    registrations: int = 0
    transfers: int = 0
    events: int = 0
    attributes_updated: int = 0
    unmapped_columns: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    committed: bool = False


class _Rollback(Exception):  # noqa: N818 - a control-flow signal, not an error
    pass


def import_registry(engine: sa.Engine, viewer: Viewer, path: str | Path,
                    mapping: str | Path = "weapons-registry", *,
                    dry_run: bool = False, file_name: str | None = None,
                    bulk: bool = True) -> ImportReport:
    """Import a registry file (see the module docstring). Rows that could be read are checked
    against the registry even when other rows could not, so one run reports every error.
    Raises ``FileImportError`` for a file that cannot be read, ``MappingError`` for a bad
    mapping. ``file_name`` names the file in the batch and the report (an upload's own name,
    where ``path`` is the staged copy). ``bulk`` (the default) takes the set-based path of
    :mod:`salus.usecases.weapons.imports_bulk`; ``bulk=False`` sends every row through the use
    cases one by one (the same outcome and the same refusals, much slower)."""
    can_edit(viewer)
    with gc_paused(bulk):
        return _import(engine, viewer, path, mapping, dry_run, file_name, bulk)


def _import(engine: sa.Engine, viewer: Viewer, path: str | Path, mapping: str | Path,
            dry_run: bool, file_name: str | None, bulk: bool) -> ImportReport:
    parsed = reader.read_file(path, reader.load(mapping))
    if file_name:
        parsed.file_name = file_name
    report = ImportReport(parsed.file_name, parsed.mapping, parsed.rows_read,
                          unmapped_columns=parsed.unmapped_columns, errors=list(parsed.errors))
    if any(r.owner is not None for r in parsed.rows):
        require(viewer.can(Permission.WEAPON_OWNERS),
                "this file has owners: only registry roles import owners' personal data")
    try:
        with engine.begin() as conn:
            # the batch row first, so that its started_at is when the import started
            batch = repo.start_batch(conn, "weapons", parsed.file_name, parsed.sha256,
                                     parsed.mapping, viewer.username)
            if bulk:
                BulkImport(conn, viewer, report,
                           lambda row: _apply_row(conn, viewer, row, report)).run(parsed.rows)
            else:
                for row in parsed.rows:
                    _apply_row(conn, viewer, row, report)
            if report.errors or dry_run:
                raise _Rollback
            _finish_batch(conn, viewer, batch, report)
    except _Rollback:
        return _rolled_back(report)
    report.committed = True
    return report


def _rolled_back(report: ImportReport) -> ImportReport:
    if not report.errors:
        return report
    return ImportReport(report.file_name, report.mapping, report.rows_read,
                        unmapped_columns=report.unmapped_columns, errors=report.errors)


def _finish_batch(conn: sa.Connection, viewer: Viewer, batch: int,
                  report: ImportReport) -> None:
    counts = repo.WriteCounts(inserted=report.weapons_added, unchanged=report.weapons_existing)
    repo.finish_batch(conn, batch, report.rows_read, counts, 0)
    audit(conn, viewer.username, "import", "weapon", str(batch), None,
               {k: v for k, v in dataclasses.asdict(report).items() if k != "errors"})


def _apply_row(conn: sa.Connection, viewer: Viewer, row: reader.ParsedRow,
               report: ImportReport) -> None:
    counts = dataclasses.replace(report, errors=[])
    try:
        with conn.begin_nested():
            _apply(conn, viewer, row, counts)
    except ValidationFailed as exc:
        report.errors += [_row_error(row, e) for e in exc.errors]
        return
    for name in ("weapons_added", "weapons_existing", "owners_added", "licences_added",
                 "registrations", "transfers", "events", "attributes_updated"):
        setattr(report, name, getattr(counts, name))


def _row_error(row: reader.ParsedRow, e: dict[str, Any]) -> RowError:
    name = FIELD_OF.get(str(e.get("field")), str(e.get("field")))
    column = row.columns.get(name, name)
    value = "" if e.get("value") is None else str(e.get("value"))
    return RowError(row.row, column, value, str(e.get("code", "value.invalid")),
                    str(e.get("message", "")))


def _apply(conn: sa.Connection, viewer: Viewer, row: reader.ParsedRow,
           report: ImportReport) -> None:
    weapon_uid, new = _weapon(conn, viewer, row)
    report.weapons_added += new
    report.weapons_existing += not new
    if not new:
        report.attributes_updated += _attributes(conn, viewer, weapon_uid, row)
    if row.event is not None and row.event_date is not None and (
            new or not _has_event(conn, weapon_uid, row)):
        record_event_in(conn, viewer, weapon_uid,
                        EventInput(row.event, row.event_date, place=row.event_place))
        report.events += 1
    if row.owner is None or row.licence is None or row.registered_on is None:
        return
    owner_uid = _owner(conn, viewer, row.owner, report)
    _licence(conn, viewer, owner_uid, row.licence, report)
    _registration(conn, viewer, weapon_uid, owner_uid, row, report)


def _weapon(conn: sa.Connection, viewer: Viewer, row: reader.ParsedRow) -> tuple[str, bool]:
    maker_key, serial_key = keys_of(row.weapon)
    c = w.weapon.c
    conds = []
    if maker_key and serial_key:
        conds.append(sa.and_(c.manufacturer_key == maker_key, c.serial_key == serial_key))
    if row.weapon.source_record:
        conds.append(c.source_record == row.weapon.source_record.strip())
    if not conds:
        fail(ArmsRuleError("import.no_key", "record_id", None,
                           "a row needs a manufacturer and a readable serial number, or a "
                           "record id, so that importing it again finds the same weapon"))
    found = conn.execute(sa.select(w.weapon).where(sa.or_(*conds))).mappings().first()
    if found is None:
        return record_weapon_in(conn, viewer, row.weapon), True
    probe = dataclasses.replace(row.weapon, markings=())
    stored_new = normalised(probe)
    for name in COMPARED:
        mine, theirs = stored_new.get(name), found[name]
        if mine is not None and theirs is not None and mine != theirs:
            fail(ArmsRuleError("import.differs", name, mine,
                               f"weapon {found['uid']} is recorded with {name} {theirs!r}"))
    return str(found["uid"]), False


def _attributes(conn: sa.Connection, viewer: Viewer, weapon_uid: str,
                row: reader.ParsedRow) -> bool:
    """Replace a recorded weapon's source attributes with the row's when they differ (the
    file's other columns are not registry evidence: the latest file's values are kept)."""
    new = dict(row.weapon.source_attributes) or None
    c = w.weapon.c
    old = conn.scalar(sa.select(c.source_attributes).where(c.uid == weapon_uid)) or None
    if new is None or new == old:
        return False
    conn.execute(w.weapon.update().where(c.uid == weapon_uid)
                 .values(source_attributes=new, updated_at=repo.now()))
    audit(conn, viewer.username, "update", "weapon", weapon_uid, {"source_attributes": old},
          {"source_attributes": new})
    return True


def _has_event(conn: sa.Connection, weapon_uid: str, row: reader.ParsedRow) -> bool:
    e = w.weapon_event
    assert row.event is not None
    return conn.scalar(sa.select(e.c.id).join(w.weapon, w.weapon.c.id == e.c.weapon_id).where(
        w.weapon.c.uid == weapon_uid, e.c.event_type == row.event.value,
        e.c.occurred_on == row.event_date)) is not None


def _owner(conn: sa.Connection, viewer: Viewer, owner: OwnerRecord,
           report: ImportReport) -> str:
    uid = owner_uid_by_identity(conn, owner)
    if uid is None:
        report.owners_added += 1
        return add_owner_in(conn, viewer, owner)
    o = w.arms_owner
    stored = conn.execute(sa.select(o).where(o.c.uid == uid)).mappings().one()
    name = "entity_name" if owner.kind is OwnerKind.ENTITY else "family_name"
    if (getattr(owner, name) or "").strip().casefold() != (stored[name] or "").casefold():
        fail(ArmsRuleError("import.differs", name, getattr(owner, name),
                           "the owner with this identity document is recorded under another "
                           "name"))
    return uid


def _licence(conn: sa.Connection, viewer: Viewer, owner_uid: str, lic: LicenceRecord,
             report: ImportReport) -> None:
    stored = conn.execute(sa.select(w.licence, w.arms_owner.c.uid.label("owner_uid"))
                          .join(w.arms_owner, w.arms_owner.c.id == w.licence.c.owner_id)
                          .where(w.licence.c.number == lic.number)).mappings().first()
    if stored is None:
        issue_licence_in(conn, viewer, owner_uid, lic)
        report.licences_added += 1
        return
    if stored["owner_uid"] != owner_uid:
        fail(ArmsRuleError("licence.other_owner", "licence_number", lic.number,
                           "this licence number belongs to another owner"))
    for name in ("issued_on", "expires_on"):
        if getattr(lic, name) != stored[name]:
            fail(ArmsRuleError("import.differs", f"licence_{name}", getattr(lic, name),
                               f"licence {lic.number} is recorded with {name} "
                               f"{stored[name].isoformat()}"))


def _registration(conn: sa.Connection, viewer: Viewer, weapon_uid: str, owner_uid: str,
                  row: reader.ParsedRow, report: ImportReport) -> None:
    assert row.licence is not None and row.registered_on is not None
    weapon_id = conn.scalar(sa.select(w.weapon.c.id).where(w.weapon.c.uid == weapon_uid))
    holding = current_holding(conn, int(weapon_id or 0))
    if holding is None:
        register_to_owner_in(conn, viewer, weapon_uid, owner_uid, row.licence.number,
                             row.registered_on)
        report.registrations += 1
        return
    holder = conn.scalar(sa.select(w.arms_owner.c.uid).where(
        w.arms_owner.c.id == holding["owner_id"]))
    if holder == owner_uid:
        return
    transfer_weapon_in(conn, viewer, weapon_uid, str(holder), owner_uid, row.licence.number,
                       row.registered_on)
    report.transfers += 1
