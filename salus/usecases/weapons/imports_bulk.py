"""The set-based path of the registry import (issue 11): the rows of a file in chunks, each
chunk's existing weapons, owners, licences, histories and holdings read with one query per table,
every row checked in Python with the same rule functions the row-by-row use cases call, and the
chunk written with multi-row inserts (``executemany``; SQLAlchemy's *insertmanyvalues* on SQLite
and psycopg) in the import's one transaction.

One set of rules, two entry points: a row is accepted here only when every rule the use cases
apply says yes — :func:`~salus.domain.weapons.rules.weapon_errors`,
:func:`~salus.domain.weapons.rules.owner_errors`,
:func:`~salus.domain.weapons.rules.licence_errors`,
:func:`~salus.domain.weapons.rules.usable_licence_errors`,
:func:`~salus.domain.weapons.lifecycle.check_new_event` (the lifecycle state machine),
:func:`~salus.usecases.weapons.common.area_for` (area code and scope) and the import's own
comparisons (:data:`COMPARED`). Any row that breaks a rule, or that needs an action the bulk
path does not write itself (a transfer, an event closing a holding, new source attributes of a
recorded weapon, a destruction), is handed to the row-by-row path after the rows before it are
written, so its outcome and its refusal (code, row, column, value, message) are the use cases'
own by construction.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any, Protocol

import sqlalchemy as sa

from salus.domain.accounts.roles import Viewer
from salus.domain.weapons.lifecycle import CLOSES_HOLDING, check_new_event
from salus.domain.weapons.registry import (
    ArmsRuleError,
    EventType,
    IdDocumentType,
    LicenceAction,
    LicenceRecord,
    LicenceStatus,
    LicenceType,
    LifecycleEvent,
    OwnerKind,
    OwnerRecord,
)
from salus.domain.weapons.rules import (
    country_code,
    licence_errors,
    owner_errors,
    usable_licence_errors,
    weapon_errors,
)
from salus.ingestion import weapons as reader
from salus.storage import repository as repo
from salus.storage import schema as t
from salus.storage.weapons import schema as w
from salus.storage.weapons.search import insert_indexed_once
from salus.usecases.errors import ValidationFailed
from salus.usecases.scope import subtree
from salus.usecases.weapons.common import area_for, plain, today
from salus.usecases.weapons.records import keys_of, weapon_values

COMPARED = ("category", "model", "calibre", "country_of_manufacture", "year_of_manufacture",
            "import_country", "import_year")
"""Weapon fields a re-imported row must agree with (where both the row and the store have one)."""
AUDIT_COLUMNS = ("at", "actor", "action", "entity", "entity_id", "before", "after")
_ENCODER = getattr(json.encoder, "c_make_encoder", None)
_encode = None if _ENCODER is None else _ENCODER(
    None, json.JSONEncoder().default, json.encoder.encode_basestring_ascii, None, ": ", ", ",
    False, False, True)


def json_text(value: Any) -> str:
    """``json.dumps(value)`` (the text SQLAlchemy's ``JSON`` type binds: ``None`` is ``null``)
    from one encoder made once, not one per call: a third of its time, and a tenth of a first
    import writes a hundred thousand audit events with two JSON columns each."""
    if _encode is None:  # no C accelerator
        return json.dumps(value)
    return "".join(_encode(value, 0))


def _as_text(table: sa.Table) -> sa.Table:
    """``table`` with its JSON columns typed as text, to insert :func:`json_text` strings (SQLite
    stores that text as the JSON type would; PostgreSQL's ``COPY`` parses it into ``jsonb``)."""
    return sa.Table(table.name, sa.MetaData(), *(
        sa.Column(c.name, sa.Text() if isinstance(c.type, sa.JSON) else c.type)
        for c in table.c))


_AUDIT = _as_text(t.audit_event)
_EVENT = _as_text(w.weapon_event)
CHUNK = 5000
"""Rows read, checked and written together (one look-up query per table per chunk)."""
E = EventType


def normalised(record: Any) -> dict[str, Any]:
    """The :data:`COMPARED` fields of a weapon record as the store keeps them."""
    out = {name: getattr(record, name) for name in COMPARED}
    for name in ("country_of_manufacture", "import_country"):
        if out[name]:
            out[name] = country_code(out[name], name)
    return out


@contextmanager
def gc_paused(pause: bool = True) -> Iterator[None]:
    """Python's cyclic garbage collector paused while a large file is read and written: the
    parsed rows and the chunk's records are millions of live objects that each full collection
    would walk again, for nothing (they hold no cycles); a third of the CPU time of a 10,000-row
    import. Collection resumes as it was afterwards."""
    was = gc.isenabled()
    if pause:
        gc.disable()
    try:
        yield
    finally:
        if pause and was:
            gc.enable()


class Counts(Protocol):
    """The counters of an import report this path adds to."""

    weapons_added: int
    weapons_existing: int
    owners_added: int
    licences_added: int
    registrations: int
    transfers: int
    events: int


class _Fallback(Exception):  # noqa: N818 - a control-flow signal, not an error
    """This row goes through the row-by-row use cases."""


@dataclass(eq=False)
class _Weapon:
    uid: str
    area_id: int | None
    year: int | None
    status: str | None
    compared: dict[str, Any]
    source_attributes: Any
    history: list[LifecycleEvent]
    id: int | None = None
    holding: _Holding | None = None
    new_values: dict[str, Any] | None = None


@dataclass(eq=False)
class _Owner:
    key: int
    uid: str
    kind: str
    family_name: str | None
    entity_name: str | None
    area_id: int | None
    id: int | None = None
    new_values: dict[str, Any] | None = None


@dataclass(eq=False)
class _Licence:
    number: str
    owner: _Owner
    issued_on: dt.date
    expires_on: dt.date
    status: str
    id: int | None = None


@dataclass(eq=False)
class _Holding:
    owner: _Owner
    id: int | None = None


@dataclass(eq=False)
class _Event:
    weapon: _Weapon
    values: dict[str, Any]
    holding: _Holding | None
    id: int | None = None


@dataclass
class _Chunk:
    """What one chunk knows: the store's records its rows name, and what it will write."""

    weapons_by_key: dict[tuple[str, str], list[_Weapon]] = field(default_factory=dict)
    weapons_by_record: dict[str, list[_Weapon]] = field(default_factory=dict)
    owners_by_doc: dict[tuple[str | None, str | None], _Owner] = field(default_factory=dict)
    owners_by_reg: dict[str, _Owner] = field(default_factory=dict)
    licences: dict[str, _Licence] = field(default_factory=dict)
    new_weapons: list[_Weapon] = field(default_factory=list)
    markings: list[tuple[_Weapon, dict[str, Any]]] = field(default_factory=list)
    new_owners: list[_Owner] = field(default_factory=list)
    new_licences: list[tuple[_Licence, dict[str, Any]]] = field(default_factory=list)
    new_holdings: list[tuple[_Holding, _Weapon, _Licence, dt.date]] = field(default_factory=list)
    events: list[_Event] = field(default_factory=list)
    status_of: dict[int, _Weapon] = field(default_factory=dict)
    audits: list[tuple[str, str, str | None, dict[str, Any] | None,
                       Callable[[], dict[str, Any]]]] = field(default_factory=list)


@dataclass
class BulkImport:
    """Applies a file's rows to an open transaction (see the module docstring); ``fallback``
    applies one row through the row-by-row use cases (in its own savepoint, errors reported)."""

    conn: sa.Connection
    viewer: Viewer
    report: Counts
    fallback: Callable[[reader.ParsedRow], None]
    chunk_size: int = CHUNK
    day: dt.date = field(default_factory=today)
    _areas: dict[str | None, int | None] = field(default_factory=dict)
    _scope: frozenset[int] | None = None
    _next_key: int = -1
    _written: int = 0
    _analysed_at: int = 0

    def run(self, rows: Sequence[reader.ParsedRow]) -> None:
        if self.viewer.area_id is not None:
            self._scope = frozenset(self.conn.scalars(subtree(self.viewer.area_id)))
        start, size = 0, min(64, self.chunk_size)
        while start < len(rows):
            part = rows[start:start + size]
            done = self._chunk(part)
            start += done
            # after a row went the slow way, look ahead in small chunks again
            size = min(self.chunk_size, size * 4) if done == len(part) else 64

    # ------------------------------------------------------------ one chunk

    def _chunk(self, rows: Sequence[reader.ParsedRow]) -> int:
        """Apply rows until one needs the row-by-row path; returns how many were applied."""
        chunk = self._load(rows)
        for n, row in enumerate(rows):
            try:
                self._row(chunk, row)
            except (_Fallback, ArmsRuleError, ValidationFailed, ValueError):
                self._write(chunk)
                self.fallback(row)
                return n + 1
        self._write(chunk)
        return len(rows)

    def _load(self, rows: Sequence[reader.ParsedRow]) -> _Chunk:
        chunk = _Chunk()
        serials: set[str] = set()
        records: set[str] = set()
        docs: set[tuple[str, str]] = set()
        regs: set[str] = set()
        numbers: set[str] = set()
        for row in rows:
            _, serial = keys_of(row.weapon)
            if serial:
                serials.add(serial)
            if row.weapon.source_record and row.weapon.source_record.strip():
                records.add(row.weapon.source_record.strip())
            if row.owner is not None:
                if row.owner.id_document_number and row.owner.id_document_type is not None:
                    docs.add((IdDocumentType(row.owner.id_document_type).value,
                              row.owner.id_document_number))
                if row.owner.registration_number:
                    regs.add(row.owner.registration_number)
            if row.licence is not None and row.licence.number:
                numbers.add(row.licence.number)
        c = w.weapon.c
        found: dict[int, sa.RowMapping] = {}
        for column, values in ((c.serial_key, serials), (c.source_record, records)):
            for part in _parts(values):
                for r in self.conn.execute(sa.select(
                        c.id, c.uid, c.area_id, c.status, c.manufacturer_key, c.serial_key,
                        c.source_record, c.source_attributes, *(c[n] for n in COMPARED))
                        # locked as the use cases lock a weapon before adding to its history
                        .where(column.in_(part)).with_for_update()).mappings().all():
                    found[r["id"]] = r
        weapons = {i: self._stored_weapon(r) for i, r in found.items()}
        self._histories(weapons)
        for r in found.values():
            weapon = weapons[r["id"]]
            if r["manufacturer_key"] and r["serial_key"]:
                chunk.weapons_by_key.setdefault((r["manufacturer_key"], r["serial_key"]),
                                                []).append(weapon)
            if r["source_record"]:
                chunk.weapons_by_record.setdefault(r["source_record"], []).append(weapon)
        owners = self._owners(chunk, docs, regs)
        self._licences(chunk, numbers, owners)
        self._holdings(weapons, owners)
        return chunk

    def _stored_weapon(self, r: sa.RowMapping) -> _Weapon:
        return _Weapon(str(r["uid"]), r["area_id"], r["year_of_manufacture"], r["status"],
                       {n: r[n] for n in COMPARED}, r["source_attributes"], [], id=r["id"])

    def _histories(self, weapons: dict[int, _Weapon]) -> None:
        e = w.weapon_event
        for part in _parts(weapons):
            for r in self.conn.execute(
                    sa.select(e.c.id, e.c.weapon_id, e.c.event_type, e.c.occurred_on,
                              e.c.details, e.c.corrects_event_id, e.c.incident_uid)
                    .where(e.c.weapon_id.in_(part)).order_by(e.c.weapon_id, e.c.id)).all():
                weapons[r.weapon_id].history.append(LifecycleEvent(
                    EventType(r.event_type), r.occurred_on, id=r.id, corrects=r.corrects_event_id,
                    incident_uid=r.incident_uid, details=dict(r.details or {})))

    def _owners(self, chunk: _Chunk, docs: set[tuple[str, str]], regs: set[str]
                ) -> dict[int, _Owner]:
        o = w.arms_owner
        out: dict[int, _Owner] = {}
        # the unique index uq_arms_owner_document leads with the type: both columns are given
        # (a few more owners may come back; they are looked up by their exact pair)
        conditions = [sa.and_(o.c.id_document_type.in_(sorted({t for t, _ in part})),
                              o.c.id_document_number.in_([n for _, n in part]))
                      for part in _parts(docs)]
        conditions += [o.c.registration_number.in_(part) for part in _parts(regs)]
        # sorted here, not by ORDER BY id: that makes PostgreSQL walk the whole primary key
        # in order rather than probe the identity index
        for condition in conditions:
            for r in sorted(self.conn.execute(sa.select(
                    o.c.id, o.c.uid, o.c.kind, o.c.family_name, o.c.entity_name,
                    o.c.area_id, o.c.registration_number, o.c.id_document_type,
                    o.c.id_document_number).where(condition)).all(), key=lambda r: r.id):
                if r.id in out:
                    continue
                owner = out[r.id] = _Owner(r.id, str(r.uid), r.kind, r.family_name,
                                           r.entity_name, r.area_id, id=r.id)
                chunk.owners_by_doc.setdefault(
                    (r.id_document_type, r.id_document_number), owner)
                if r.registration_number is not None:
                    chunk.owners_by_reg.setdefault(r.registration_number, owner)
        return out

    def _licences(self, chunk: _Chunk, numbers: set[str], owners: dict[int, _Owner]) -> None:
        lic, o = w.licence, w.arms_owner
        for part in _parts(numbers):
            for r in self.conn.execute(sa.select(
                    lic.c.id, lic.c.number, lic.c.owner_id, lic.c.issued_on, lic.c.expires_on,
                    lic.c.status, o.c.uid, o.c.kind, o.c.family_name, o.c.entity_name,
                    o.c.area_id).join(o, o.c.id == lic.c.owner_id)
                    .where(lic.c.number.in_(part))).all():
                owner = owners.get(r.owner_id) or _Owner(
                    r.owner_id, str(r.uid), r.kind, r.family_name, r.entity_name, r.area_id,
                    id=r.owner_id)
                owners[r.owner_id] = owner
                chunk.licences[r.number] = _Licence(r.number, owner, r.issued_on, r.expires_on,
                                                    r.status, id=r.id)

    def _holdings(self, weapons: dict[int, _Weapon], owners: dict[int, _Owner]) -> None:
        h, o = w.weapon_holding, w.arms_owner
        for part in _parts(weapons):
            for r in sorted(self.conn.execute(
                    sa.select(h.c.id, h.c.weapon_id, h.c.owner_id, o.c.uid, o.c.kind,
                              o.c.family_name, o.c.entity_name, o.c.area_id)
                    .join(o, o.c.id == h.c.owner_id)
                    .where(h.c.weapon_id.in_(part), h.c.to_date.is_(None))).all(),
                    key=lambda r: r.id):
                owner = owners.setdefault(r.owner_id, _Owner(
                    r.owner_id, str(r.uid), r.kind, r.family_name, r.entity_name, r.area_id,
                    id=r.owner_id))
                weapons[r.weapon_id].holding = _Holding(owner, id=r.id)  # the latest wins

    # ------------------------------------------------------------ one row

    def _in_scope(self, area_id: int | None) -> bool:
        return self._scope is None or (area_id is not None and area_id in self._scope)

    def _area(self, code: str | None) -> int | None:
        """:func:`area_for` (unknown or out-of-scope codes refused), once per code."""
        if code not in self._areas:
            self._areas[code] = area_for(self.conn, self.viewer, code)
        return self._areas[code]

    def _row(self, chunk: _Chunk, row: reader.ParsedRow) -> None:
        """Check one row against the chunk's state and queue its writes; raises (before changing
        anything) when the row needs the row-by-row path."""
        weapon, new = self._weapon(chunk, row)
        history, status = list(weapon.history), weapon.status
        holding = weapon.holding
        queued: list[Callable[[], None]] = []
        audits: list[Any] = []
        if new:
            queued.append(lambda: self._add_weapon(chunk, weapon, row))
        elif dict(row.weapon.source_attributes or {}) not in ({}, weapon.source_attributes):
            raise _Fallback  # new source attributes: an update the use case writes
        elif not self._in_scope(weapon.area_id):
            raise _Fallback
        event: _Event | None = None
        if row.event is not None and row.event_date is not None and (new or not any(
                e.event_type is row.event and e.occurred_on == row.event_date
                for e in weapon.history)):
            kind = EventType(row.event)
            if kind in {E.REGISTERED, E.TRANSFERRED, E.CORRECTION, E.DESTROYED} or (
                    kind in CLOSES_HOLDING and holding is not None):
                raise _Fallback
            new_event = LifecycleEvent(kind, row.event_date)
            after = check_new_event(history, new_event, year_of_manufacture=weapon.year,
                                    today=self.day)
            event = _Event(weapon, {
                "event_type": kind.value, "occurred_on": row.event_date, "area_id": None,
                "place": row.event_place, "case_reference": None, "incident_uid": None,
                "details": {}, "campaign_id": None, "destruction_batch_id": None,
                "agency": None, "corrects_event_id": None}, holding)
            audits.append(self._event_audit(weapon, event, status, after))
            history.append(new_event)
            status = None if after is None else after.value
        registration: tuple[_Holding, _Licence, _Event] | None = None
        registration_audit: Any = None
        owner_new = licence_new = False
        if row.owner is not None and row.licence is not None and row.registered_on is not None:
            owner, owner_new = self._owner(chunk, row.owner)
            lic, licence_new = self._licence(chunk, owner, row.licence)
            if holding is None:
                usable = usable_licence_errors(lic.status, lic.issued_on, lic.expires_on,
                                               lic.owner.key, owner.key, row.registered_on,
                                               lic.number)
                if usable or not self._in_scope(owner.area_id):
                    raise _Fallback
                new_event = LifecycleEvent(E.REGISTERED, row.registered_on)
                after = check_new_event(history, new_event, year_of_manufacture=weapon.year,
                                        today=self.day)
                assert after is not None
                hold = _Holding(owner)
                registration = (hold, lic, _Event(weapon, {
                    "event_type": E.REGISTERED.value, "occurred_on": row.registered_on,
                    "area_id": None, "place": None, "case_reference": None,
                    "incident_uid": None, "details": {"licence": lic.number},
                    "campaign_id": None, "destruction_batch_id": None, "agency": None,
                    "corrects_event_id": None}, hold))
                registration_audit = self._event_audit(weapon, registration[2], status, after)
                history.append(new_event)
                status = after.value
            elif holding.owner.key != owner.key:
                raise _Fallback  # a transfer: the use case writes it
        # every check passed: change the chunk's state and queue the writes, in the use cases'
        # order (weapon, event, owner, licence, registration)
        for step in queued:
            step()
        if event is not None:
            chunk.events.append(event)
            chunk.audits.append(audits[0])
        if row.owner is not None and row.licence is not None and row.registered_on is not None:
            if owner_new:
                self._add_owner(chunk, owner, row.owner)
            if licence_new:
                self._add_licence(chunk, lic, row.licence)
            if registration is not None:
                hold, lic, reg_event = registration
                chunk.new_holdings.append((hold, weapon, lic, reg_event.values["occurred_on"]))
                chunk.events.append(reg_event)
                chunk.audits.append(registration_audit)
                weapon.holding = hold
                self.report.registrations += 1
        weapon.history, weapon.status = history, status
        if not new and weapon.id is not None and (event is not None or registration is not None):
            chunk.status_of[weapon.id] = weapon
        self.report.weapons_added += new
        self.report.weapons_existing += not new
        self.report.events += event is not None

    def _weapon(self, chunk: _Chunk, row: reader.ParsedRow) -> tuple[_Weapon, bool]:
        """The recorded weapon the row names (compared as the import compares it), or a new one
        checked with :func:`weapon_errors` (not yet added to the chunk)."""
        maker_key, serial_key = keys_of(row.weapon)
        record = (row.weapon.source_record or "").strip()
        if not (maker_key and serial_key) and not row.weapon.source_record:
            raise _Fallback  # import.no_key
        matches: list[_Weapon] = []
        if maker_key and serial_key:
            matches += chunk.weapons_by_key.get((maker_key, serial_key), [])
        if row.weapon.source_record:
            matches += [m for m in chunk.weapons_by_record.get(record, []) if m not in matches]
        if len(matches) > 1:
            raise _Fallback
        if matches:
            found = matches[0]
            mine = normalised(row.weapon)  # reads the COMPARED fields only
            for name in COMPARED:
                if mine[name] is not None and found.compared[name] is not None and \
                        mine[name] != found.compared[name]:
                    raise _Fallback  # import.differs
            return found, False
        if weapon_errors(row.weapon, self.day):
            raise _Fallback
        if any(not m.text.strip() for m in row.weapon.markings):
            raise _Fallback
        values = weapon_values(row.weapon, maker_key, serial_key) | {
            "uid": new_uid(), "area_id": self._area(row.weapon.area_code),
            "status": None, "created_by": self.viewer.username}
        weapon = _Weapon(values["uid"], values["area_id"], row.weapon.year_of_manufacture,
                         None, {n: values[n] for n in COMPARED}, values["source_attributes"],
                         [], new_values=values)
        return weapon, True

    def _add_weapon(self, chunk: _Chunk, weapon: _Weapon, row: reader.ParsedRow) -> None:
        assert weapon.new_values is not None
        values = weapon.new_values
        if values["manufacturer_key"] and values["serial_key"]:
            chunk.weapons_by_key[(values["manufacturer_key"], values["serial_key"])] = [weapon]
        if values["source_record"]:
            chunk.weapons_by_record[values["source_record"]] = [weapon]
        chunk.new_weapons.append(weapon)
        for m in row.weapon.markings:
            chunk.markings.append((weapon, {
                "kind": m.kind.value, "component": None if m.component is None
                else m.component.value, "text": m.text.strip(), "obliterated": m.obliterated,
                "created_by": self.viewer.username}))
        chunk.audits.append(("create", "weapon", weapon.uid, None, lambda: dict(values)))

    def _event_audit(self, weapon: _Weapon, event: _Event, before: str | None,
                     after: Any) -> tuple[str, str, str | None, dict[str, Any] | None,
                                          Callable[[], dict[str, Any]]]:
        status = None if after is None else after.value
        on = plain(event.values["occurred_on"])
        return (f"weapon.{event.values['event_type']}", "weapon", weapon.uid,
                {"status": before},
                lambda: {"status": status, "event_id": event.id, "occurred_on": on})

    def _owner(self, chunk: _Chunk, owner: OwnerRecord) -> tuple[_Owner, bool]:
        """The owner with the row's identity (the import's natural key), or a new one checked
        with :func:`owner_errors`; a different name on a recorded identity goes the slow way."""
        if owner.kind is OwnerKind.ENTITY:
            found = chunk.owners_by_reg.get(owner.registration_number or "") \
                if owner.registration_number is not None else None
        else:
            doc = None if owner.id_document_type is None \
                else IdDocumentType(owner.id_document_type).value
            found = chunk.owners_by_doc.get((doc, owner.id_document_number)) \
                if doc is not None and owner.id_document_number is not None else None
        if found is not None:
            name = "entity_name" if owner.kind is OwnerKind.ENTITY else "family_name"
            if (getattr(owner, name) or "").strip().casefold() != \
                    (getattr(found, name) or "").casefold():
                raise _Fallback  # import.differs
            return found, False
        if owner_errors(owner, self.day):
            raise _Fallback
        area_id = self._area(owner.area_code)
        self._next_key -= 1
        return _Owner(self._next_key, new_uid(), OwnerKind(owner.kind).value,
                      owner.family_name, owner.entity_name, area_id), True

    def _add_owner(self, chunk: _Chunk, owner: _Owner, record: OwnerRecord) -> None:
        doc = None if record.id_document_type is None \
            else IdDocumentType(record.id_document_type).value
        owner.new_values = {
            "uid": owner.uid, "kind": owner.kind, "given_name": record.given_name,
            "family_name": record.family_name, "entity_name": record.entity_name,
            "registration_number": record.registration_number, "id_document_type": doc,
            "id_document_number": record.id_document_number,
            "date_of_birth": record.date_of_birth, "address": record.address,
            "area_id": owner.area_id, "created_by": self.viewer.username}
        if record.kind is OwnerKind.ENTITY:
            chunk.owners_by_reg[record.registration_number or ""] = owner
        else:
            chunk.owners_by_doc[(doc, record.id_document_number)] = owner
        if record.registration_number is not None:
            chunk.owners_by_reg.setdefault(record.registration_number, owner)
        chunk.new_owners.append(owner)
        self.report.owners_added += 1
        kind, code = record.kind.value, record.area_code
        chunk.audits.append(("create", "arms_owner", owner.uid, None,
                             lambda: {"kind": kind, "area_code": code}))

    def _licence(self, chunk: _Chunk, owner: _Owner, lic: LicenceRecord
                 ) -> tuple[_Licence, bool]:
        found = chunk.licences.get(lic.number)
        if found is not None:
            if found.owner.key != owner.key:
                raise _Fallback  # licence.other_owner
            if (lic.issued_on, lic.expires_on) != (found.issued_on, found.expires_on):
                raise _Fallback  # import.differs
            return found, False
        if licence_errors(lic) or not self._in_scope(owner.area_id):
            raise _Fallback
        if lic.area_code:
            self._area(lic.area_code)
        return _Licence(lic.number, owner, lic.issued_on, lic.expires_on,
                        LicenceStatus.ACTIVE.value), True

    def _add_licence(self, chunk: _Chunk, found: _Licence, lic: LicenceRecord) -> None:
        area_id = self._area(lic.area_code) if lic.area_code else found.owner.area_id
        chunk.licences[lic.number] = found
        chunk.new_licences.append((found, {
            "number": lic.number, "licence_type": LicenceType(lic.licence_type).value,
            "issued_on": lic.issued_on, "expires_on": lic.expires_on,
            "conditions": lic.conditions, "issuing_authority": lic.issuing_authority,
            "status": LicenceStatus.ACTIVE.value, "area_id": area_id,
            "created_by": self.viewer.username}))
        self.report.licences_added += 1
        after = {"owner": found.owner.uid, "licence_type": lic.licence_type.value,
                 "issued_on": plain(lic.issued_on), "expires_on": plain(lic.expires_on)}
        chunk.audits.append(("issue", "licence", lic.number, None, lambda: after))

    # ------------------------------------------------------------ writing a chunk

    def _write(self, chunk: _Chunk) -> None:
        """Write what the chunk queued (:meth:`_write_rows`), the data-version counters bumped
        once for the chunk rather than once a row (:func:`counters_bumped_once`)."""
        if not (chunk.new_weapons or chunk.markings or chunk.new_owners or chunk.new_licences
                or chunk.new_holdings or chunk.events or chunk.status_of or chunk.audits):
            return
        with counters_bumped_once(self.conn, WRITTEN):
            self._write_rows(chunk)

    def _write_rows(self, chunk: _Chunk) -> None:
        """Write what the chunk queued: ids reserved, then one multi-row insert per table
        (``executemany`` on SQLite, ``COPY`` on PostgreSQL) in the order of the foreign keys, the
        recorded weapons' new statuses, and the audit events in the rows' order."""
        conn, stamp, user = self.conn, repo.now(), self.viewer.username
        _ids(conn, w.weapon, chunk.new_weapons)
        if chunk.new_weapons:
            insert_indexed_once(conn, lambda: _write(conn, w.weapon, [{
                **(x.new_values or {}), "id": x.id, "status": x.status, "created_at": stamp,
                "updated_at": stamp} for x in chunk.new_weapons]),
                int(chunk.new_weapons[0].id or 0), int(chunk.new_weapons[-1].id or 0))
        _write(conn, w.weapon_marking, [v | {"weapon_id": x.id, "created_at": stamp}
                                        for x, v in chunk.markings])
        _ids(conn, w.arms_owner, chunk.new_owners)
        _write(conn, w.arms_owner, [{**(x.new_values or {}), "id": x.id, "created_at": stamp}
                                    for x in chunk.new_owners])
        for owner in chunk.new_owners:
            assert owner.id is not None
            owner.key = owner.id
        licences = [lic for lic, _ in chunk.new_licences]
        _ids(conn, w.licence, licences)
        _write(conn, w.licence, [v | {"id": x.id, "owner_id": x.owner.id, "created_at": stamp}
                                 for x, v in chunk.new_licences])
        _write(conn, w.licence_event, [{
            "licence_id": x.id, "action": LicenceAction.ISSUED.value,
            "occurred_on": x.issued_on, "from_status": None,
            "to_status": LicenceStatus.ACTIVE.value, "expires_on": x.expires_on,
            "reason": None, "recorded_by": user, "recorded_at": stamp} for x in licences])
        _ids(conn, w.weapon_holding, [h for h, *_ in chunk.new_holdings])
        _write(conn, w.weapon_holding, [{
            "id": h.id, "weapon_id": wp.id, "owner_id": h.owner.id, "licence_id": lic.id,
            "from_date": on, "to_date": None, "created_by": user, "created_at": stamp}
            for h, wp, lic, on in chunk.new_holdings])
        _ids(conn, w.weapon_event, chunk.events)
        _write(conn, _EVENT, [x.values | {
            "details": json_text(x.values["details"]), "id": x.id, "weapon_id": x.weapon.id,
            "recorded_by": user, "recorded_at": stamp,
            "holding_id": None if x.holding is None else x.holding.id} for x in chunk.events])
        if chunk.status_of:
            conn.execute(
                w.weapon.update().where(w.weapon.c.id == sa.bindparam("b_id"))
                .values(status=sa.bindparam("b_status"), updated_at=stamp),
                [{"b_id": i, "b_status": x.status} for i, x in chunk.status_of.items()])
        if chunk.audits:
            repo.insert_rows(conn, _AUDIT, AUDIT_COLUMNS, [
                (stamp, user, action, entity, entity_id, json_text(before), json_text(after()))
                for action, entity, entity_id, before, after in chunk.audits])
        # the owners' look-up by (type, number) needs fresh statistics on PostgreSQL, or it scans
        # every owner of the type (statistics on weapon made it choose the trigram index for
        # serial_key IN …, far slower: that table is left alone)
        self._written += len(chunk.new_owners)
        if self._written >= 2 * self._analysed_at + CHUNK:  # O(log n) times in an import
            repo.refresh_statistics(conn, (w.arms_owner,))
            self._analysed_at = self._written
        for x in chunk.new_weapons:
            x.new_values = None
        chunk.new_weapons.clear()


WRITTEN = (w.weapon, w.weapon_marking, w.arms_owner, w.licence, w.licence_event,
           w.weapon_holding, w.weapon_event)
"""The registry tables a chunk inserts into."""
_TRIGGER_BODY = re.compile(r"\bBEGIN\b(.*)\bEND\s*$", re.IGNORECASE | re.DOTALL)


@contextmanager
def counters_bumped_once(conn: sa.Connection, tables: Sequence[sa.Table]) -> Iterator[None]:
    """Run a multi-row insert into ``tables`` with SQLite's data-version row triggers (revision
    0019: ``AFTER INSERT … BEGIN UPDATE data_version …; END``, one counter update per inserted
    row) dropped, then run each distinct trigger body once and re-create the triggers.

    The counter still moves in the same transaction as the rows, so every cache keyed on it
    misses afterwards, as the triggers intend; it moves once a chunk instead of once a row (the
    row triggers tripled SQLite's insert time of a registry import: 130,000 counter updates for
    20,000 rows). As :func:`~salus.storage.weapons.search.insert_indexed_once` does for the
    serial index: SQLite DDL is transactional and the import holds the write lock, so a
    rollback restores the triggers and no other writer inserts meanwhile. PostgreSQL's counter
    triggers are statement triggers (one per ``COPY``): nothing to do there."""
    if conn.dialect.name != "sqlite":
        yield
        return
    names = ", ".join(f"'{table.name}'" for table in tables)
    triggers = [(name, sql) for name, sql in conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'dv\\_%' "
        f"ESCAPE '\\' AND tbl_name IN ({names}) ORDER BY name").all()
        if " AFTER INSERT " in " ".join(str(sql).upper().split())]
    for name, _ in triggers:
        conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
    yield
    bodies: list[str] = []
    for _, sql in triggers:
        found = _TRIGGER_BODY.search(str(sql))
        body = found.group(1).strip().rstrip(";").strip() if found else ""
        if body and body not in bodies:
            bodies.append(body)
    for body in bodies:
        conn.exec_driver_sql(body)
    for _, sql in triggers:
        conn.exec_driver_sql(str(sql))


def _ids(conn: sa.Connection, table: sa.Table, items: Sequence[Any]) -> None:
    """Give each new record the id its row will have (:func:`repo.reserve_ids`)."""
    for item, new_id in zip(items, repo.reserve_ids(conn, table, len(items)), strict=True):
        item.id = new_id


def _write(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """One multi-row insert of ``rows`` (dicts with the same keys, made tuples by one
    ``itemgetter``: a generator per row cost a tenth of a first import)."""
    if rows:
        columns = list(rows[0])
        if len(columns) == 1:
            repo.insert_rows(conn, table, columns, [(r[columns[0]],) for r in rows])
            return
        values = itemgetter(*columns)
        repo.insert_rows(conn, table, columns, [values(r) for r in rows])


def new_uid() -> str:
    """A random (version 4) UUID as text, as ``str(uuid.uuid4())`` gives, in half its
    time (one ``os.urandom`` call and a slice of its hex digits, no ``UUID`` object)."""
    raw = bytearray(os.urandom(16))
    raw[6] = raw[6] & 0x0F | 0x40
    raw[8] = raw[8] & 0x3F | 0x80
    h = raw.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _parts(values: Iterable[Any], size: int = 900) -> Iterable[list[Any]]:
    items = sorted(values)
    for start in range(0, len(items), size):
        yield items[start:start + size]

