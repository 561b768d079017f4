"""Weapon records (issue 6 §1): record a weapon with its markings, read and list weapons, add
markings, photos and documents.

Records follow the International Tracing Instrument (§§7–10) and ISACS/MOSAIC 05.30: unique
marking at manufacture (manufacturer, country, serial number, year, model, calibre), import
marking (country, year), category from the UN small-arms and light-weapons categories, component
and obliterated markings. ``serial_key`` / ``manufacturer_key`` are computed with
:mod:`salus.domain.weapons.serials`; a readable serial is unique within a manufacturer.

Every function takes ``engine`` and the acting :class:`~salus.domain.accounts.roles.Viewer`;
functions whose
name ends in ``_in`` take an open connection instead so an import can run many of them in one
transaction. Owners never appear here: see :mod:`salus.usecases.weapons.owners`.

Where the other registry actions live (all take ``engine, viewer, ...``):

- ``weapons`` (here): :func:`record_weapon`, :func:`get_weapon`, :func:`list_weapons`,
  :func:`find_weapons`, :func:`add_marking`, :func:`add_attachment`, :func:`attachment_content`;
- ``weapons_owners``: ``add_owner``, ``get_owner``, ``list_owners``, ``issue_licence``,
  ``change_licence``, ``get_licence``, ``expiring_licences``;
- ``weapons_lifecycle``: ``record_event`` (with ``EventInput``), ``register_to_owner``,
  ``transfer_weapon``, ``correct_event``; ``weapons_history.history``;
- ``weapons_campaigns``: ``add_campaign``, ``list_campaigns``, ``add_destruction_batch``,
  ``destroy_in_batch``, ``get_batch``;
- ``weapons_check``: ``check_weapon`` ("registered and to whom", audited),
  ``last_legal_holder``;
- ``weapons_links``: ``link_incident``, ``weapon_incidents``, ``incidents_by_legal_status``;
- ``weapons_export``: ``export_rows`` / ``export_csv`` (owners pseudonymised);
- ``weapons_import``: ``import_registry`` (CSV/XLSX with a YAML mapping).

Errors: :class:`~salus.usecases.errors.ValidationFailed` (``errors`` list ``{field, code,
message, value}``) for a broken rule, :class:`~salus.usecases.errors.NotFound`,
:class:`~salus.usecases.errors.PermissionDenied`; nothing is written when one is raised.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from salus.domain.accounts.roles import Permission, Viewer
from salus.domain.weapons import serials
from salus.domain.weapons.registry import (
    ArmsRuleError,
    Component,
    Marking,
    MarkingKind,
    WeaponRecord,
)
from salus.domain.weapons.rules import country_code, weapon_errors
from salus.storage import repository as repo
from salus.storage import schema as t
from salus.storage.weapons import schema as w
from salus.usecases.errors import NotFound
from salus.usecases.paging import (
    CursorPage,
    Page,
    PageRequest,
    SeekRequest,
    count_capped,
    seek_by_id,
)
from salus.usecases.weapons.common import (
    area_for,
    audit,
    can_edit,
    can_read,
    check,
    fail,
    new_id,
    scoped,
    today,
    weapon_row,
)

MEDIA_TYPES: dict[str, tuple[bytes, ...]] = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/webp": (b"RIFF",),
    "image/tiff": (b"II*\x00", b"MM\x00*"),
    "application/pdf": (b"%PDF-",),
}
"""Accepted photo and document types with the magic bytes their content must start with."""


@dataclass(frozen=True, slots=True)
class WeaponSummary:
    """A weapon as lists and pages show it (no owner data)."""

    uid: str
    category: str
    manufacturer: str | None
    model: str | None
    calibre: str | None
    serial_number: str | None
    serial_obliterated: bool
    country_of_manufacture: str | None
    year_of_manufacture: int | None
    import_country: str | None
    import_year: int | None
    status: str | None
    area_code: str | None
    area_name: str | None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class MarkingView:
    id: int
    kind: str
    component: str | None
    text: str
    obliterated: bool


@dataclass(frozen=True, slots=True)
class AttachmentView:
    """An attachment's metadata; fetch the bytes with :func:`attachment_content`."""

    id: int
    file_name: str
    media_type: str
    size: int
    sha256: str
    description: str | None
    created_by: str
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class WeaponDetail:
    """One weapon with its markings and attachments (history: ``weapons_lifecycle.history``)."""

    weapon: WeaponSummary
    markings: list[MarkingView] = field(default_factory=list)
    attachments: list[AttachmentView] = field(default_factory=list)
    source_attributes: dict[str, str] = field(default_factory=dict)
    """Columns of the imported file no mapping field took ("Other columns from the source
    file" on the weapon's page); empty for viewers without ``WEAPON_OWNERS``."""


@dataclass(frozen=True, slots=True)
class WeaponFilter:
    """Filters of :func:`list_weapons`; ``serial`` matches the canonical key exactly."""

    category: str | None = None
    status: str | None = None
    manufacturer: str | None = None
    serial: str | None = None
    area_code: str | None = None


def keys_of(record: WeaponRecord) -> tuple[str | None, str | None]:
    """``(manufacturer_key, serial_key)``: None for a blank manufacturer, and for a serial that
    is obliterated or absent (so it never takes part in the uniqueness rule)."""
    maker = serials.manufacturer_key(record.manufacturer) if record.manufacturer else ""
    serial = record.serial_number or ""
    key = serials.serial_key(serial) if serial.strip() and not record.serial_obliterated else ""
    return maker or None, key or None


def record_weapon(engine: sa.Engine, viewer: Viewer, record: WeaponRecord) -> str:
    """Record a weapon and its markings; returns its public ``uid``.

    Refused (``ValidationFailed``): unknown category or country code, implausible years, an
    import year before manufacture, a readable serial already recorded for the same manufacturer
    (``serial.duplicate``), an unknown or out-of-scope area.
    """
    with engine.begin() as conn:
        return record_weapon_in(conn, viewer, record)


def record_weapon_in(conn: sa.Connection, viewer: Viewer, record: WeaponRecord) -> str:
    can_edit(viewer)
    check(weapon_errors(record, today()))
    maker_key, serial_key = keys_of(record)
    _refuse_duplicate(conn, record, maker_key, serial_key)
    uid, stamp = str(uuid.uuid4()), repo.now()
    values = weapon_values(record, maker_key, serial_key) | {
        "uid": uid, "area_id": area_for(conn, viewer, record.area_code), "status": None,
        "created_by": viewer.username, "created_at": stamp, "updated_at": stamp}
    weapon_id = new_id(conn.execute(w.weapon.insert(), dict(**values)))
    for marking in record.markings:
        _insert_marking(conn, viewer, weapon_id, marking)
    audit(conn, viewer.username, "create", "weapon", uid, None,
               {k: v for k, v in values.items() if k not in ("created_at", "updated_at")})
    return uid


def weapon_values(r: WeaponRecord, maker_key: str | None, serial_key: str | None
                   ) -> dict[str, Any]:
    return {
        "category": r.category, "manufacturer": _text(r.manufacturer),
        "manufacturer_key": maker_key, "model": _text(r.model), "calibre": _text(r.calibre),
        "serial_number": _text(r.serial_number), "serial_key": serial_key,
        "serial_obliterated": r.serial_obliterated,
        "country_of_manufacture": _country(r.country_of_manufacture, "country_of_manufacture"),
        "year_of_manufacture": r.year_of_manufacture,
        "import_country": _country(r.import_country, "import_country"),
        "import_year": r.import_year, "description": _text(r.description),
        "source_record": _text(r.source_record),
        "source_attributes": dict(r.source_attributes) or None,
    }


def _text(value: str | None) -> str | None:
    return value.strip() or None if value is not None else None


def _country(value: str | None, name: str) -> str | None:
    return country_code(value, name) if value and value.strip() else None


def _refuse_duplicate(conn: sa.Connection, record: WeaponRecord, maker_key: str | None,
                      serial_key: str | None) -> None:
    if maker_key is None or serial_key is None:
        return
    other = conn.scalar(sa.select(w.weapon.c.uid).where(
        w.weapon.c.manufacturer_key == maker_key, w.weapon.c.serial_key == serial_key))
    if other is not None:
        fail(ArmsRuleError("serial.duplicate", "serial_number", record.serial_number,
                           f"manufacturer {record.manufacturer!r} already has a weapon with "
                           f"this serial number (weapon {other})"))


def _insert_marking(conn: sa.Connection, viewer: Viewer, weapon_id: int, m: Marking) -> int:
    if not m.text.strip():
        fail(ArmsRuleError("required", "marking.text", m.text, "a marking needs its text"))
    return new_id(conn.execute(w.weapon_marking.insert(), dict(
        weapon_id=weapon_id, kind=MarkingKind(m.kind).value,
        component=None if m.component is None else Component(m.component).value,
        text=m.text.strip(), obliterated=m.obliterated, created_by=viewer.username,
        created_at=repo.now())))


def add_marking(engine: sa.Engine, viewer: Viewer, weapon_uid: str, marking: Marking) -> int:
    """Add one marking (e.g. a confiscation or deactivation mark, a component serial)."""
    can_edit(viewer)
    with engine.begin() as conn:
        weapon = weapon_row(conn, viewer, weapon_uid)
        marking_id = _insert_marking(conn, viewer, weapon["id"], marking)
        audit(conn, viewer.username, "add_marking", "weapon", weapon_uid, None,
                   {"kind": marking.kind.value, "text": marking.text,
                    "component": marking.component, "obliterated": marking.obliterated})
    return marking_id


def _summary_query() -> sa.Select[Any]:
    return (sa.select(w.weapon, t.area.c.code.label("area_code"),
                      t.area.c.name.label("area_name"))
            .select_from(w.weapon.outerjoin(t.area, t.area.c.id == w.weapon.c.area_id)))


def _summary(row: Any) -> WeaponSummary:
    m = row._mapping if hasattr(row, "_mapping") else row
    return WeaponSummary(**{name: m[name] for name in WeaponSummary.__slots__})


def get_weapon(engine: sa.Engine, viewer: Viewer, uid: str) -> WeaponDetail:
    """One weapon with its markings and attachment metadata (``WEAPONS``)."""
    can_read(viewer)
    with engine.connect() as conn:
        row = conn.execute(_summary_query().where(
            w.weapon.c.uid == uid, *scoped(w.weapon.c.area_id, viewer))).first()
        if row is None:
            raise NotFound(f"no weapon {uid!r}")
        markings = conn.execute(sa.select(w.weapon_marking).where(
            w.weapon_marking.c.weapon_id == row.id).order_by(w.weapon_marking.c.id)).all()
        a = w.weapon_attachment
        files = conn.execute(sa.select(*(c for c in a.c if c.name != "content"))
                             .where(a.c.weapon_id == row.id).order_by(a.c.id)).all()
    return WeaponDetail(
        _summary(row),
        [MarkingView(m.id, m.kind, m.component, m.text, m.obliterated) for m in markings],
        [AttachmentView(f.id, f.file_name, f.media_type, f.size, f.sha256, f.description,
                        f.created_by, f.created_at) for f in files],
        # a file's other columns may hold owners' personal data: shown to registry roles only
        dict(row.source_attributes or {}) if viewer.can(Permission.WEAPON_OWNERS) else {})


def find_weapons(engine: sa.Engine, viewer: Viewer, ref: str) -> list[WeaponSummary]:
    """Weapons whose uid is ``ref`` or whose serial key equals the key of ``ref`` (exact;
    tolerant search is ``weapon_search``)."""
    can_read(viewer)
    key = serials.serial_key(ref)
    cond = w.weapon.c.uid == ref.strip()
    if key:
        cond = sa.or_(cond, w.weapon.c.serial_key == key)
    with engine.connect() as conn:
        rows = conn.execute(_summary_query().where(cond, *scoped(w.weapon.c.area_id, viewer))
                            .order_by(w.weapon.c.id).limit(100)).all()
    return [_summary(r) for r in rows]


def list_weapons(engine: sa.Engine, viewer: Viewer, f: WeaponFilter | None = None,
                 paging: PageRequest | None = None) -> Page[WeaponSummary]:
    """Weapons in the viewer's scope, newest first, filtered by category, status,
    manufacturer (its key), serial (its key) and area (with its subtree)."""
    can_read(viewer)
    f, paging = f or WeaponFilter(), paging or PageRequest()
    with engine.connect() as conn:
        where = [*scoped(w.weapon.c.area_id, viewer), *_filter(conn, f)]
        total = conn.scalar(sa.select(sa.func.count()).select_from(w.weapon).where(*where))
        rows = conn.execute(_summary_query().where(*where).order_by(w.weapon.c.id.desc())
                            .limit(paging.per_page).offset(paging.offset)).all()
    return Page([_summary(r) for r in rows], int(total or 0), paging.page, paging.per_page)


def seek_weapons(engine: sa.Engine, viewer: Viewer, f: WeaponFilter | None = None,
                 request: SeekRequest | None = None) -> CursorPage[WeaponSummary]:
    """:func:`list_weapons` by keyset pages (issue 11): newest first by id, cursors to the next
    and previous pages (:func:`~salus.usecases.paging.seek_by_id`), the total exact up to
    :data:`~salus.usecases.paging.COUNT_CAP` then estimated
    (:func:`~salus.usecases.paging.count_capped`)."""
    can_read(viewer)
    f, request = f or WeaponFilter(), request or SeekRequest()
    with engine.connect() as conn:
        where = [*scoped(w.weapon.c.area_id, viewer), *_filter(conn, f)]
        total = count_capped(conn, sa.select(w.weapon.c.id).where(*where))
        rows, next_, prev = seek_by_id(conn, _summary_query().where(*where), w.weapon.c.id,
                                       request, "weapons")
    return CursorPage([_summary(r) for r in rows], total, request.per_page, next_, prev,
                      None if request.cursor else (request.page or 1))


def _filter(conn: sa.Connection, f: WeaponFilter) -> list[sa.ColumnElement[bool]]:
    c = w.weapon.c
    out: list[sa.ColumnElement[bool]] = []
    if f.category:
        out.append(c.category == f.category)
    if f.status:
        out.append(c.status == f.status)
    if f.manufacturer:
        out.append(c.manufacturer_key == serials.manufacturer_key(f.manufacturer))
    if f.serial:
        out.append(c.serial_key == serials.serial_key(f.serial))
    if f.area_code:
        area = conn.scalar(sa.select(t.area.c.id).where(t.area.c.code == f.area_code))
        out.append(c.area_id.in_(sa.select(t.area_ancestor.c.area_id).where(
            t.area_ancestor.c.ancestor_id == (area if area is not None else -1))))
    return out


def add_attachment(engine: sa.Engine, viewer: Viewer, weapon_uid: str, file_name: str,
                   media_type: str, content: bytes, description: str | None = None) -> int:
    """Store a photo or document with a weapon (bytes in the database, at most
    :data:`~salus.storage.weapons.schema.MAX_ATTACHMENT_BYTES`); returns its id. The same content
    twice on one weapon is refused."""
    can_edit(viewer)
    check(_attachment_errors(file_name, media_type, content))
    digest = hashlib.sha256(content).hexdigest()
    with engine.begin() as conn:
        weapon = weapon_row(conn, viewer, weapon_uid)
        a = w.weapon_attachment
        if conn.scalar(sa.select(a.c.id).where(a.c.weapon_id == weapon["id"],
                                                a.c.sha256 == digest)) is not None:
            fail(ArmsRuleError("attachment.duplicate", "content", file_name,
                               "this file is already attached to the weapon"))
        attachment_id = new_id(conn.execute(a.insert(), dict(
            weapon_id=weapon["id"], file_name=file_name, media_type=media_type,
            size=len(content), sha256=digest, content=content, description=description,
            created_by=viewer.username, created_at=repo.now())))
        audit(conn, viewer.username, "attach", "weapon", weapon_uid, None,
                   {"file_name": file_name, "media_type": media_type, "size": len(content),
                    "sha256": digest})
    return attachment_id


def _attachment_errors(file_name: str, media_type: str, content: bytes) -> list[ArmsRuleError]:
    if not file_name.strip():
        return [ArmsRuleError("required", "file_name", file_name, "a file name is required")]
    if media_type not in MEDIA_TYPES:
        return [ArmsRuleError("attachment.media_type", "media_type", media_type,
                              f"accepted types: {', '.join(MEDIA_TYPES)}")]
    if len(content) > w.MAX_ATTACHMENT_BYTES:
        return [ArmsRuleError("attachment.too_large", "content", len(content),
                              f"{len(content)} bytes; at most {w.MAX_ATTACHMENT_BYTES} bytes")]
    webp_ok = media_type != "image/webp" or content[8:12] == b"WEBP"
    if not content.startswith(MEDIA_TYPES[media_type]) or not webp_ok:
        return [ArmsRuleError("attachment.content", "content", file_name,
                              f"the content is not a {media_type} file")]
    return []


def attachment_content(engine: sa.Engine, viewer: Viewer, weapon_uid: str,
                       attachment_id: int) -> tuple[AttachmentView, bytes]:
    """Metadata and bytes of one attachment of a weapon in the viewer's scope."""
    can_read(viewer)
    a = w.weapon_attachment
    with engine.connect() as conn:
        weapon = weapon_row(conn, viewer, weapon_uid)
        row = conn.execute(sa.select(a).where(a.c.id == attachment_id,
                                              a.c.weapon_id == weapon["id"])).first()
    if row is None:
        raise NotFound(f"no attachment {attachment_id} on weapon {weapon_uid}")
    view = AttachmentView(row.id, row.file_name, row.media_type, row.size, row.sha256,
                          row.description, row.created_by, row.created_at)
    return view, bytes(row.content)
