"""Importing a destruction list into a destruction batch (issue 13; ISACS/MOSAIC 05.50).

The list (CSV, XLSX or XLS, thousands of rows) is read by
:mod:`salus.ingestion.weapons_destruction`: each row a weapon (uid or serial number), parts by
kind or ammunition by calibre with a quantity. Each weapon is found as the web form finds it
(:func:`salus.usecases.weapons.campaigns.resolve_weapon`: uid, else the serial folded as the
tolerant search folds it, exact matches only) and destroyed through
:func:`salus.usecases.weapons.lifecycle.record_event_in` — the same lifecycle rules as one event
recorded by hand (a weapon still registered to an owner, already destroyed, or whose last event
is after the batch's date is refused). Parts and ammunition go through
:func:`salus.usecases.weapons.campaigns.add_items_in`.

**All or nothing** (the project's import rule): every row is checked in one transaction; if any
row has an error, the transaction is rolled back, nothing is written, and the report lists every
error with its row (as the spreadsheet numbers it), column and value. A weapon named twice in
the list is an error on its second row. **Nothing dropped**: the file's columns that no field
reads are listed in the report and kept — on each weapon's ``destroyed`` event
(``details.source_attributes``) and on each part or ammunition line (``source_attributes``).
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa

from salus.domain.accounts.roles import Viewer
from salus.domain.weapons.collection import DestructionItem, ItemKind
from salus.domain.weapons.registry import EventType
from salus.domain.weapons.serials import manufacturer_key, serial_key
from salus.ingestion import weapons_destruction as reader
from salus.ingestion.errors import FileImportError, RowError
from salus.ingestion.limits import current as current_limits
from salus.ingestion.limits import size as size_text
from salus.storage.weapons import schema as w
from salus.usecases.errors import NotFound, ValidationFailed
from salus.usecases.weapons.campaigns import add_items_in, batch_row, resolve_weapon
from salus.usecases.weapons.common import audit, can_edit, scoped
from salus.usecases.weapons.lifecycle import EventInput, record_event_in

CHUNK = 500
"""References looked up per query."""
FIELD_COLUMN = {"part_kind": "part_kind", "calibre": "calibre", "quantity": "quantity",
                "kind": "item"}
"""Error fields of a destruction line → the list's field that names the column."""


@dataclass
class DestructionImportReport:
    """What an import did (``committed`` is False on errors or a dry run)."""

    file_name: str
    certificate_number: str
    rows_read: int = 0
    weapons: int = 0
    parts: int = 0
    rounds: int = 0
    unmapped_columns: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    committed: bool = False


def import_destruction_list(engine: sa.Engine, viewer: Viewer, path: str | Path,
                            certificate_number: str, *, dry_run: bool = False,
                            sheet: str | None = None) -> DestructionImportReport:
    """Destroy the weapons, parts and ammunition of a list in the batch ``certificate_number``
    (in the viewer's scope), all rows or none. File-level problems raise
    :class:`~salus.ingestion.errors.FileImportError`; an unknown batch ``ValidationFailed``."""
    can_edit(viewer)
    parsed = reader.read_list(path, sheet)
    report = DestructionImportReport(parsed.file_name, certificate_number, parsed.rows_read,
                                     unmapped_columns=list(parsed.unmapped_columns),
                                     errors=list(parsed.errors))
    with engine.connect() as conn:
        transaction = conn.begin()
        try:
            batch = batch_row(conn, viewer, certificate_number)
            _weapons(conn, viewer, parsed, batch, report)
            _items(conn, viewer, parsed, certificate_number, report)
            if report.errors or dry_run:
                transaction.rollback()
                return report
            audit(conn, viewer.username, "import", "destruction_batch", certificate_number,
                  None, {"file": parsed.file_name, "rows": parsed.rows_read,
                         "weapons": report.weapons, "parts": report.parts,
                         "rounds": report.rounds,
                         "unmapped_columns": report.unmapped_columns})
            transaction.commit()
        except BaseException:
            if transaction.is_active:
                transaction.rollback()
            raise
    report.committed = True
    return report


def import_destruction_upload(engine: sa.Engine, viewer: Viewer, file_name: str,
                              content: IO[bytes], certificate_number: str, *,
                              dry_run: bool = False) -> DestructionImportReport:
    """:func:`import_destruction_list` for an upload (web, API): copied to a temporary file in
    1 MiB blocks and refused (``file.size``) past ``SALUS_IMPORT_MAX_UPLOAD_MB`` or empty."""
    can_edit(viewer)
    suffix = Path(file_name or "upload.csv").suffix.lower()
    if not re.fullmatch(r"\.(csv|txt|xlsx|xls)", suffix):
        raise ValidationFailed([{"field": "file", "code": "file.format", "value": file_name,
                                 "message": "a destruction list is a CSV, XLSX or XLS file"}])
    limit = current_limits().max_upload_bytes
    with tempfile.TemporaryDirectory(prefix="salus-destruction-") as folder:
        target = Path(folder) / f"list{suffix}"
        written = 0
        with target.open("wb") as out:
            for block in iter(lambda: content.read(1 << 20), b""):
                written += len(block)
                if written > limit:
                    raise ValidationFailed([{"field": "file", "code": "file.size",
                                             "message": f"the file is larger than "
                                                        f"{size_text(limit)} "
                                                        "(SALUS_IMPORT_MAX_UPLOAD_MB)"}])
                out.write(block)
        if not written:
            raise ValidationFailed([{"field": "file", "code": "file.size",
                                     "message": "the file is empty"}])
        try:
            report = import_destruction_list(engine, viewer, target, certificate_number,
                                             dry_run=dry_run)
        except FileImportError as exc:
            e = exc.error
            raise ValidationFailed([{"field": "file", "code": e.code, "value": e.value,
                                     "row": e.row, "column": e.column,
                                     "message": e.message}], e.message) from exc
    report.file_name = Path(file_name).name
    return report


def _weapons(conn: sa.Connection, viewer: Viewer, parsed: reader.DestructionList,
             batch: Any, report: DestructionImportReport) -> None:
    lines = [x for x in parsed.lines if x.kind == "weapon" and x.ref is not None]
    found = _candidates(conn, viewer, [str(x.ref) for x in lines])
    seen: dict[str, int] = {}
    for line in lines:
        try:
            uid = _resolved(conn, viewer, found, str(line.ref), line.manufacturer)
        except ValidationFailed as exc:
            report.errors += [RowError(line.row, line.ref_column, str(line.ref), e["code"],
                                       _message(e)) for e in exc.errors]
            continue
        if uid in seen:
            report.errors.append(RowError(line.row, line.ref_column, str(line.ref),
                                          "row.duplicate", f"the same weapon as row {seen[uid]}"))
            continue
        seen[uid] = line.row
        details = {"source_attributes": line.attributes} if line.attributes else {}
        event = EventInput(EventType.DESTROYED, batch.destroyed_on, place=batch.place,
                           destruction_certificate=batch.certificate_number, details=details)
        try:
            record_event_in(conn, viewer, uid, event)
        except ValidationFailed as exc:
            report.errors += [RowError(line.row, line.ref_column, str(line.ref), e["code"],
                                       _message(e)) for e in exc.errors]
            continue
        except NotFound as exc:
            report.errors.append(RowError(line.row, line.ref_column, str(line.ref),
                                          "weapon.unknown", str(exc.detail)))
            continue
        report.weapons += 1


@dataclass(frozen=True, slots=True)
class _Candidates:
    """Weapons in scope that the list's references may name: by uid, and by serial key."""

    uids: set[str]
    by_key: dict[str, list[tuple[str, str | None]]]
    """serial key → [(uid, manufacturer key)]."""


def _candidates(conn: sa.Connection, viewer: Viewer, refs: list[str]) -> _Candidates:
    """Look every reference up at once (500 a query) instead of two queries a row: on a
    database server each statement costs a round trip."""
    wt = w.weapon
    in_scope = scoped(wt.c.area_id, viewer)
    uids: set[str] = set()
    by_key: dict[str, list[tuple[str, str | None]]] = {}
    keys = sorted({k for r in refs if (k := serial_key(r))})
    wanted = sorted({r.strip() for r in refs if r.strip()})
    for start in range(0, len(wanted), CHUNK):
        uids |= set(conn.scalars(sa.select(wt.c.uid).where(
            wt.c.uid.in_(wanted[start:start + CHUNK]), *in_scope)))
    for start in range(0, len(keys), CHUNK):
        for row in conn.execute(sa.select(wt.c.uid, wt.c.serial_key, wt.c.manufacturer_key)
                                .where(wt.c.serial_key.in_(keys[start:start + CHUNK]),
                                       *in_scope)):
            by_key.setdefault(str(row.serial_key), []).append(
                (str(row.uid), row.manufacturer_key))
    return _Candidates(uids, by_key)


def _resolved(conn: sa.Connection, viewer: Viewer, found: _Candidates, ref: str,
              manufacturer: str | None) -> str:
    """The uid a reference names, from the looked-up candidates; anything but exactly one
    match is left to :func:`resolve_weapon`, whose error names the candidates."""
    ref = ref.strip()
    if ref in found.uids:
        return ref
    matches = found.by_key.get(serial_key(ref), [])
    if manufacturer and manufacturer.strip():
        maker = manufacturer_key(manufacturer)
        matches = [m for m in matches if m[1] == maker]
    if len(matches) == 1:
        return matches[0][0]
    return resolve_weapon(conn, viewer, ref, manufacturer)


def _items(conn: sa.Connection, viewer: Viewer, parsed: reader.DestructionList,
           certificate_number: str, report: DestructionImportReport) -> None:
    lines = [x for x in parsed.lines if x.kind != "weapon"]
    if not lines:
        return
    items = [DestructionItem(ItemKind(x.kind), x.quantity or 0, x.part_kind, x.calibre)
             for x in lines]
    try:
        add_items_in(conn, viewer, certificate_number, items, [x.attributes for x in lines])
    except ValidationFailed as exc:
        for e in exc.errors:
            line = lines[int(e.get("line", 1)) - 1]
            name = FIELD_COLUMN.get(str(e.get("field")), str(e.get("field")))
            column = parsed.columns.get(name) or " | ".join(reader.COLUMNS.get(name, (name,)))
            report.errors.append(RowError(line.row, column, "" if e.get("value") is None
                                          else str(e.get("value")), e["code"],
                                          _message(e).split(": ", 1)[-1]))
        return
    for x in lines:
        if x.kind == ItemKind.PART.value:
            report.parts += x.quantity or 0
        else:
            report.rounds += x.quantity or 0


def _message(error: dict[str, Any]) -> str:
    """A use-case error's message without its ``field=value:`` prefix (the report names both)."""
    text = str(error.get("message", ""))
    return text.split(": ", 1)[1] if "=" in text.split(": ", 1)[0] and ": " in text else text
