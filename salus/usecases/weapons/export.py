"""Exports of the registry with owners pseudonymised (issue 6 §7).

An export never carries owners' names, documents, dates of birth or addresses — whoever runs it.
Each owner appears as a pseudonym ``P-`` + the first 16 hex digits of HMAC-SHA256(key, owner uid)
(RFC 2104), with a random 256-bit key kept per store in the observatory settings
(``weapons.pseudonym_key``): the same owner gets the same pseudonym in every export of this
store, so analysts can count weapons per holder, but without the key nobody can go back from a
pseudonym to the owner, and — unlike a plain hash of an identity number — nobody can confirm a
guess by hashing a known document number. The key itself is never written to the audit log.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import secrets
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa

from salus.domain.accounts.roles import Viewer
from salus.domain.spreadsheet import safe_record
from salus.domain.weapons.registry import licence_status
from salus.storage import repository as repo
from salus.storage import schema as t
from salus.storage.weapons import schema as w
from salus.usecases.weapons.common import area_for, can_read, scoped, today

KEY_SETTING = "weapons.pseudonym_key"
COLUMNS = ("weapon_uid", "category", "manufacturer", "model", "calibre", "serial_number",
           "serial_obliterated", "country_of_manufacture", "year_of_manufacture",
           "import_country", "import_year", "status", "area_code", "owner_pseudonym",
           "licence_type", "licence_status", "held_since")


def pseudonym_key(conn: sa.Connection) -> bytes:
    """This store's pseudonymisation key, created on first use (a 256-bit random value)."""
    value = repo.get_setting(conn, KEY_SETTING)
    if value is None:
        value = secrets.token_hex(32)
        try:
            with conn.begin_nested():
                conn.execute(t.observatory_setting.insert().values(
                    key=KEY_SETTING, value=value, updated_at=repo.now()))
        except sa.exc.IntegrityError:  # another export created it meanwhile
            return bytes.fromhex(str(repo.get_setting(conn, KEY_SETTING)))
        repo.audit(conn, "system", "setting", "observatory_setting", KEY_SETTING, None,
                   {"value": "(new random key, not logged)"})
    return bytes.fromhex(str(value))


def pseudonym(key: bytes, owner_uid: str) -> str:
    """The export pseudonym of one owner under ``key`` (keyed HMAC-SHA256, truncated)."""
    return "P-" + hmac.new(key, owner_uid.encode(), hashlib.sha256).hexdigest()[:16]


def export_rows(engine: sa.Engine, viewer: Viewer, area_code: str | None = None
                ) -> list[dict[str, Any]]:
    """One row per weapon in scope (``WEAPONS``) with its current holder as a pseudonym."""
    can_read(viewer)
    with engine.begin() as conn:
        key = pseudonym_key(conn)
        rows = conn.execute(_query(conn, viewer, area_code)).all()
        repo.audit(conn, viewer.username, "export", "weapon", None,
                   {"area_code": area_code}, {"rows": len(rows)})
    day = today()
    return [_row(r, key, day) for r in rows]


def _query(conn: sa.Connection, viewer: Viewer, area_code: str | None) -> sa.Select[Any]:
    wp, h, o, lic = w.weapon, w.weapon_holding, w.arms_owner, w.licence
    where = list(scoped(wp.c.area_id, viewer))
    if area_code:
        area_id = area_for(conn, viewer, area_code)
        where.append(wp.c.area_id.in_(sa.select(t.area_ancestor.c.area_id).where(
            t.area_ancestor.c.ancestor_id == area_id)))
    return (sa.select(wp, t.area.c.code.label("area_code"), o.c.uid.label("owner_uid"),
                      lic.c.licence_type, lic.c.status.label("licence_stored"),
                      lic.c.expires_on, h.c.from_date)
            .select_from(wp.outerjoin(t.area, t.area.c.id == wp.c.area_id)
                         .outerjoin(h, sa.and_(h.c.weapon_id == wp.c.id, h.c.to_date.is_(None)))
                         .outerjoin(o, o.c.id == h.c.owner_id)
                         .outerjoin(lic, lic.c.id == h.c.licence_id))
            .where(*where).order_by(wp.c.id))


def _row(r: Any, key: bytes, day: Any) -> dict[str, Any]:
    held = r.owner_uid is not None
    return {
        "weapon_uid": r.uid, "category": r.category, "manufacturer": r.manufacturer,
        "model": r.model, "calibre": r.calibre, "serial_number": r.serial_number,
        "serial_obliterated": r.serial_obliterated,
        "country_of_manufacture": r.country_of_manufacture,
        "year_of_manufacture": r.year_of_manufacture, "import_country": r.import_country,
        "import_year": r.import_year, "status": r.status, "area_code": r.area_code,
        "owner_pseudonym": pseudonym(key, r.owner_uid) if held else None,
        "licence_type": r.licence_type if held else None,
        "licence_status": licence_status(r.licence_stored, r.expires_on, day).value
        if held else None,
        "held_since": r.from_date.isoformat() if held else None,
    }


def export_csv(engine: sa.Engine, viewer: Viewer, area_code: str | None = None) -> str:
    """:func:`export_rows` as CSV text (UTF-8, header row)."""
    return "".join(_csv_lines(export_rows(engine, viewer, area_code)))


def _csv_lines(rows: list[dict[str, Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS)
    writer.writeheader()
    for row in rows:
        writer.writerow(safe_record(row))
    yield buffer.getvalue()
