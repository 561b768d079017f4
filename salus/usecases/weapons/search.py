"""Search the registry by serial number, tolerant of misreadings (issue 6, search).

``search_weapons`` folds the query with :func:`salus.domain.weapons.serials.parse_pattern`
(confusable
letters and digits share one key: O/Q/0, I/L/1, S/5, B/8, Z/2, G/6) and ranks what it finds:

1. ``exact``   — the serial key equals the query's key (a misreading such as ``8O5`` for ``BOS``
   is still exact: both fold to ``805``);
2. ``pattern`` — the query has wildcards (``?`` one unknown character, e.g. an obliterated digit;
   ``*`` any run: ``*123*`` finds 123 anywhere) and the key fits it;
   ``partial`` — the query has no wildcard and a longer key starts with it (the rest of the
   marking was not read);
3. ``near``    — only when nothing matched exactly: the key is one edit from the query's
   (Damerau: one character substituted, missing, extra, or two adjacent characters swapped),
   looked up as the few hundred exact keys one edit away
   (:func:`~salus.domain.weapons.serials.near_variants`), so it stays index-backed.

Within a rank, hits are ordered by serial key. When more than ``limit`` weapons match, the result
says so (``truncated``) and shows ``limit`` of them. A manufacturer narrows the search through its
folded key, so "Crvena Zastava" and "Zastava Arms" select the same maker. Requires
``Permission.WEAPONS``; a viewer bound to an area sees weapons registered in its subtree only.
Hits carry the marking and status, never the owner. Every search is written to the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from salus.domain.accounts.roles import Permission, Viewer
from salus.domain.weapons.serials import (
    ANY_RUN,
    SerialPattern,
    expand_unknowns,
    manufacturer_key,
    manufacturer_name,
    near_variants,
    parse_pattern,
)
from salus.storage import repository as repo
from salus.storage import schema as t
from salus.storage.weapons import search as store
from salus.storage.weapons.schema import weapon
from salus.usecases.errors import ValidationFailed, require
from salus.usecases.scope import area_condition

MATCHES = ("exact", "pattern", "partial", "near")
"""Match kinds, best first."""
MIN_KNOWN = 2
"""A query must give at least this many known characters."""
MIN_PARTIAL = 3
"""Shortest query also searched for as the start of longer serials."""
MIN_NEAR = 4
"""Shortest query for which one-edit neighbours are searched."""
MAX_EXPANSION = 2500
"""A pattern of ``?`` only (no ``*``) with at most this many expansions (two unknown characters)
and a known prefix under three characters is looked up as its expanded keys: at 5M weapons that
is 2-17 ms where a one-character prefix range or a single trigram takes 50-350 ms."""
MAX_LIMIT = 500
LINK_CHUNK = 2000
"""Serial keys looked up per query when an import links its weapons to the registry."""
MAX_QUERY = 100


@dataclass(frozen=True, slots=True)
class WeaponHit:
    """One weapon found: its marking and status, and how it matched (no owner data)."""

    weapon_id: int
    uid: str
    match: str
    serial_number: str | None
    serial_key: str | None
    manufacturer: str | None
    manufacturer_key: str | None
    manufacturer_name: str | None
    model: str | None
    calibre: str | None
    category: str
    status: str | None
    country_of_manufacture: str | None
    year_of_manufacture: int | None


@dataclass(frozen=True, slots=True)
class WeaponSearch:
    """What a search found, best matches first."""

    query: str
    pattern: str
    manufacturer: str | None
    manufacturer_key: str | None
    hits: tuple[WeaponHit, ...]
    truncated: bool


def search_weapons(engine: sa.Engine, viewer: Viewer, query: str,
                   manufacturer: str | None = None, limit: int = 50) -> WeaponSearch:
    """Weapons whose serial number matches ``query`` (see the module docstring)."""
    require(viewer.can(Permission.WEAPONS), "searching the weapons registry needs the "
                                            "'weapons' permission")
    return _search(engine, viewer, query, manufacturer, limit)


def _search(engine: sa.Engine, viewer: Viewer, query: str, manufacturer: str | None,
            limit: int) -> WeaponSearch:
    pattern = _checked_pattern(query, limit)
    maker = manufacturer_key(manufacturer) if manufacturer and manufacturer.strip() else None
    scope = store.Scope(maker, area_condition(weapon.c.area_id, viewer))
    with engine.begin() as conn:
        found = _ranked(conn, pattern, scope, limit + 1)
        repo.audit(conn, viewer.username, "search", "weapon", None, None,
                   {"query": query, "manufacturer": manufacturer, "hits": len(found[:limit])})
    return WeaponSearch(query, pattern.text, manufacturer, maker, tuple(found[:limit]),
                        len(found) > limit)


def _checked_pattern(query: str, limit: int) -> SerialPattern:
    errors: list[dict[str, object]] = []
    pattern = parse_pattern(query)
    if len(query) > MAX_QUERY:
        errors.append({"field": "query", "code": "too_long", "value": query[:20] + "…",
                       "message": f"a serial query has at most {MAX_QUERY} characters"})
    elif pattern.known_characters < MIN_KNOWN:
        errors.append({"field": "query", "code": "too_vague", "value": query,
                       "message": f"give at least {MIN_KNOWN} known letters or digits "
                                  "(use ? for an unreadable character, * for any run)"})
    if not 1 <= limit <= MAX_LIMIT:
        errors.append({"field": "limit", "code": "invalid", "value": limit,
                       "message": f"limit must be between 1 and {MAX_LIMIT}"})
    if errors:
        raise ValidationFailed(errors)
    return pattern


def _ranked(conn: sa.Connection, pattern: SerialPattern, scope: store.Scope,
            room: int) -> list[WeaponHit]:
    tiers: list[tuple[str, list[sa.RowMapping]]] = []
    seen: set[int] = set()

    def add(match: str, rows: list[sa.RowMapping]) -> None:
        fresh = [r for r in rows if r["id"] not in seen]
        seen.update(r["id"] for r in fresh)
        tiers.append((match, sorted(fresh, key=lambda r: (r["serial_key"], r["id"]))))

    if pattern.has_wildcards:
        keys = expand_unknowns(pattern, MAX_EXPANSION)
        if keys is not None and len(pattern.literal_prefix) < MIN_PARTIAL:
            add("pattern", store.find_keys(conn, keys, scope, room))
        else:
            add("pattern", store.find_pattern(conn, pattern, scope, room))
        return _hits(tiers)
    key = pattern.text
    add("exact", store.find_keys(conn, {key}, scope, room))
    exact = len(seen)
    if len(key) >= MIN_PARTIAL:
        longer = SerialPattern(key + ANY_RUN)
        add("partial", store.find_pattern(conn, longer, scope, room + exact))
    if not exact and len(seen) < room and len(key) >= MIN_NEAR:
        add("near", store.find_keys(conn, near_variants(key), scope, room))
    return _hits(tiers)[:room]


def _hits(tiers: list[tuple[str, list[sa.RowMapping]]]) -> list[WeaponHit]:
    return [WeaponHit(weapon_id=r["id"], uid=r["uid"], match=match,
                      serial_number=r["serial_number"], serial_key=r["serial_key"],
                      manufacturer=r["manufacturer"], manufacturer_key=r["manufacturer_key"],
                      manufacturer_name=manufacturer_name(r["manufacturer_key"] or ""),
                      model=r["model"], calibre=r["calibre"], category=r["category"],
                      status=r["status"], country_of_manufacture=r["country_of_manufacture"],
                      year_of_manufacture=r["year_of_manufacture"])
            for match, rows in tiers for r in rows]


def weapon_by_serial(engine: sa.Engine, viewer: Viewer, serial: str,
                     manufacturer: str | None = None) -> WeaponHit:
    """The one weapon whose serial number is ``serial``, read as :func:`search_weapons` reads
    it (case, spaces, punctuation and confusable characters folded: ``cli 2`` finds
    ``CLI-2``); only ``exact`` matches count. None or several (the same serial from two makers:
    give ``manufacturer``) is a clear error naming the candidates."""
    require(viewer.can(Permission.WEAPONS), "searching the weapons registry needs the "
                                            "'weapons' permission")
    return _by_serial(engine, viewer, serial, manufacturer)


def link_by_serial(engine: sa.Engine, viewer: Viewer, serial: str,
                   manufacturer: str | None = None) -> WeaponHit:
    """The registry weapon an incident's weapon is, found as :func:`weapon_by_serial` finds it.

    For the people who record incidents (``create_records`` / ``edit_records``) as well as the
    registry's users: a hit carries the marking and status, never the owner, and only weapons
    registered in the viewer's area scope are found. The search is audited."""
    require(viewer.can(Permission.WEAPONS) or viewer.can(Permission.CREATE_RECORDS)
            or viewer.can(Permission.EDIT_RECORDS),
            "linking a weapon to the registry needs a role that records incidents or weapons")
    return _by_serial(engine, viewer, serial, manufacturer)


def _by_serial(engine: sa.Engine, viewer: Viewer, serial: str,
               manufacturer: str | None) -> WeaponHit:
    if parse_pattern(serial).has_wildcards:
        raise ValidationFailed([{"field": "serial", "code": "pattern", "value": serial,
                                 "message": "give the whole serial, without ? or *"}])
    found = _search(engine, viewer, serial, manufacturer, limit=MAX_LIMIT)
    exact = [h for h in found.hits if h.match == "exact"]
    if len(exact) == 1:
        return exact[0]
    if not exact:
        near = ", ".join(f"{h.serial_number} ({h.uid})" for h in found.hits[:5])
        raise ValidationFailed([{"field": "serial", "code": "not_found", "value": serial,
                                 "message": f"no weapon with serial {serial!r}"
                                            + (f"; close: {near}" if near else "")}])
    which = ", ".join(f"{h.serial_number} {h.manufacturer or '?'} ({h.uid})" for h in exact[:10])
    raise ValidationFailed([{"field": "serial", "code": "ambiguous", "value": serial,
                             "message": f"{len(exact)} weapons have serial {serial!r}: {which};"
                                        " give the manufacturer or the uid"}])


def link_imported_weapons(conn: sa.Connection, batch_id: int, viewer: Viewer | None) -> int:
    """Link the weapons of one incident import batch to the registry by their serial numbers.

    Read as :func:`link_by_serial` reads them (folded key, exact matches only, the importer's
    area scope); a serial that matches no weapon or several is left unlinked (the serial stays
    on the record). Runs in the import's transaction; returns how many weapons were linked."""
    iw, inc = t.incident_weapon, t.incident
    rows = conn.execute(sa.select(iw.c.id, iw.c.serial_number)
                        .join(inc, inc.c.id == iw.c.incident_id)
                        .where(inc.c.import_batch_id == batch_id,
                               iw.c.serial_number.is_not(None), iw.c.weapon_uid.is_(None))).all()
    keys: dict[str, list[int]] = {}
    for row_id, serial in rows:
        pattern = parse_pattern(str(serial))
        if not pattern.has_wildcards and pattern.known_characters >= MIN_KNOWN:
            keys.setdefault(pattern.text, []).append(row_id)
    if not keys:
        return 0
    scope = store.Scope(None, area_condition(weapon.c.area_id, viewer) if viewer else [])
    found: dict[str, list[str]] = {}
    wanted = sorted(keys)
    for start in range(0, len(wanted), LINK_CHUNK):
        chunk = wanted[start:start + LINK_CHUNK]
        for hit in store.find_keys(conn, chunk, scope, limit=2**62):  # every match counts
            found.setdefault(hit["serial_key"], []).append(hit["uid"])
    linked = 0
    for key, uids in found.items():
        if len(uids) == 1:
            conn.execute(iw.update().where(iw.c.id.in_(keys[key])).values(weapon_uid=uids[0]))
            linked += len(keys[key])
    return linked
