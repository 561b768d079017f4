"""Stockpiles and tracing of the demo registry (part of :mod:`salus.demo.weapons.store`).

Sites and stock counts go through :mod:`salus.usecases.weapons.stockpiles` and
:mod:`salus.usecases.weapons.stock_counts`; the many custody movements, ammunition receipts and
tracing
requests are inserted in bulk (the rows :func:`salus.usecases.weapons.stockpiles.move` and
:func:`salus.usecases.weapons.tracing.create_request` write), each tracing request checked first by
:func:`salus.domain.weapons.tracing.trace_problems`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import sqlalchemy as sa

from salus.demo.errors import StoreNotEmptyError
from salus.demo.weapons.bulk import ACTOR, Written, insert_rows
from salus.demo.weapons.model import ArmsData, Event
from salus.domain.accounts.roles import Viewer
from salus.domain.weapons import stockpiles as sp
from salus.domain.weapons import tracing as tr
from salus.storage import repository as repo
from salus.storage.weapons import schema as arms_schema
from salus.storage.weapons import stock_schema as arms_stock_schema
from salus.usecases.weapons import stock_counts, stockpiles

st = arms_stock_schema
SECURITY = {"stockpile": "high", "armoury": "high", "evidence_room": "medium"}
CUSTODY = ("seized", "found", "surrendered", "stored")
RECOVERY = ("seized", "found", "surrendered")
RECIPIENTS = {"national_records": "National Firearms Registry", "interpol_iarms": "INTERPOL",
              "exporting_state": "Exporting State (national contact point)"}


def add_sites(engine: sa.Engine, viewer: Viewer, data: ArmsData) -> dict[str, int]:
    """Create the storage sites; code → id."""
    return {s.key: stockpiles.add_site(engine, viewer, stockpiles.SiteSpec(
        s.key, s.name, s.kind, s.area, SECURITY[s.kind], custodian="Officer in charge",
        capacity=6000 if s.kind == "stockpile" else 1500)) for s in data.sites}


def write_stock(conn: sa.Connection, data: ArmsData, written: Written, sites: dict[str, int],
                today: dt.date) -> None:
    _custody(conn, data, written, sites)
    _lots(conn, data, sites)
    _traces(conn, data, written, today)


def held(data: ArmsData) -> dict[str, list[Event]]:
    """Weapons still in state custody at the end, with their storage events."""
    last: dict[str, Event] = {}
    stored: dict[str, list[Event]] = defaultdict(list)
    for e in data.events:
        last[e.weapon] = e
        if e.kind == "stored":
            stored[e.weapon].append(e)
    return {k: stored[k] for k, e in last.items() if e.kind in CUSTODY and stored[k]}


def _movement(origin: int | None, target: int | None, on: dt.date, reason: str,
              reference: str) -> dict[str, Any]:
    return {"from_site_id": origin, "to_site_id": target, "reason": reason,
            "released_by": "Arresting officer" if origin is None else "Site custodian",
            "received_by": "Site custodian", "released_on": on, "received_on": on,
            "document_reference": reference, "notes": None, "created_by": ACTOR,
            "created_at": repo.now()}


def _custody(conn: sa.Connection, data: ArmsData, written: Written,
             sites: dict[str, int]) -> None:
    """One movement per (origin, destination, day) for the weapons the state still holds."""
    moves: dict[tuple[str | None, str, dt.date], list[int]] = defaultdict(list)
    for key, stored in sorted(held(data).items()):
        origin: str | None = None
        for e in stored:
            if e.site != origin:
                moves[(origin, str(e.site), e.on)].append(written.weapons[key])
                origin = e.site
    order = sorted(moves, key=lambda m: (m[2], m[1], m[0] or ""))
    rows = [_movement(sites[o] if o else None, sites[t], on,
                      "intake" if o is None else "transfer", f"CoC-{on.isoformat()}-{t}")
            for o, t, on in order]
    ids = insert_rows(conn, st.stock_movement, rows)
    items = [{"movement_id": mid, "weapon_id": wid, "lot_id": None, "quantity": 1}
             for mid, key in zip(ids, order, strict=True) for wid in moves[key]]
    if items:
        conn.execute(st.stock_movement_item.insert(), items)


def _lots(conn: sa.Connection, data: ArmsData, sites: dict[str, int]) -> None:
    """Each lot received at its site a year after manufacture (a receipt movement)."""
    stamp = repo.now()
    rows = []
    for lot in data.lots:
        problems = sp.lot_problems(sp.LotSpec(lot.lot_number, lot.calibre, lot.manufacturer,
                                              lot.year, lot.shelf_life_years,
                                              lot.hazard_division, lot.quantity),
                                   dt.date(lot.year + 1, 3, 1))
        if problems:
            raise ValueError(f"demo lot {lot.lot_number}: {problems[0]}")
        rows.append({"lot_number": lot.lot_number, "manufacturer": lot.manufacturer,
                     "calibre": lot.calibre, "year_of_manufacture": lot.year,
                     "manufactured_on": None, "shelf_life_years": lot.shelf_life_years,
                     "expires_on": sp.expiry_date(lot.year, lot.shelf_life_years),
                     "hazard_division": lot.hazard_division, "created_by": ACTOR,
                     "created_at": stamp})
    lot_ids = insert_rows(conn, st.ammunition_lot, rows)
    receipts = insert_rows(conn, st.stock_movement, [
        _movement(None, sites[lot.site], dt.date(lot.year + 1, 3, 1), "receipt",
                  f"REC-{lot.lot_number}") for lot in data.lots])
    conn.execute(st.stock_movement_item.insert(), [
        {"movement_id": mid, "weapon_id": None, "lot_id": lid, "quantity": lot.quantity}
        for lot, lid, mid in zip(data.lots, lot_ids, receipts, strict=True)])
    conn.execute(st.ammunition_stock.insert(), [
        {"lot_id": lid, "site_id": sites[lot.site], "quantity": lot.quantity}
        for lot, lid in zip(data.lots, lot_ids, strict=True)])


def _traces(conn: sa.Connection, data: ArmsData, written: Written, today: dt.date) -> None:
    first: dict[str, Event] = {}
    for e in data.events:
        if e.kind in RECOVERY:
            first.setdefault(e.weapon, e)
    makers = {w.key: w.make for w in data.weapons}
    rows, stamp = [], repo.now()
    for n, req in enumerate(data.traces, start=1):
        recovery = first[req.weapon]
        state = tr.TraceState(req.recipient, req.status, req.sent_on, req.answered_on,
                              req.outcome, req.diversion_point, req.established_by)
        problems = tr.trace_problems(state, recovery.on, today)
        if problems:
            raise ValueError(f"demo trace {req.key}: {problems[0]}")
        rows.append({
            "reference": f"TR-{recovery.on.year}-{n:05d}", "weapon_id": written.weapons[req.weapon],
            "recovery_event_id": written.events[(req.weapon, recovery.seq)],
            "requested_to": req.recipient,
            "recipient": makers[req.weapon] if req.recipient == "manufacturer"
            else RECIPIENTS.get(req.recipient), "status": req.status, "sent_on": req.sent_on,
            "response_on": req.answered_on, "response": None, "outcome": req.outcome,
            "point_of_diversion": req.diversion_point, "established_by": req.established_by,
            "last_legal_holder_id": written.owners.get(req.last_legal_holder or ""),
            "notes": None, "created_by": ACTOR, "created_at": stamp, "updated_by": ACTOR,
            "updated_at": stamp})
    if rows:
        conn.execute(st.trace_request.insert(), rows)


def record_counts(engine: sa.Engine, viewer: Viewer, data: ArmsData, written: Written) -> None:
    """The last December's counts through the use case: every weapon on the books found but
    the missing ones, every lot as booked."""
    uid_of = {written.weapons[k]: written.weapon_uids[k] for k in written.weapons}
    for count in data.counts:
        with engine.connect() as conn:
            site_id = int(conn.scalar(sa.select(st.storage_site.c.id)
                                      .where(st.storage_site.c.code == count.site)) or 0)
            book = stockpiles.held_weapon_ids(conn, site_id, count.on)
            lots = stock_counts.lot_book(conn, site_id, count.on)
        missing = {written.weapon_uids[k] for k in count.missing}
        counted = tuple(uid_of[i] for i in book if uid_of[i] not in missing)
        stock_counts.record_count(engine, viewer, stock_counts.CountSpec(
            count.site, count.on, count.counted_by, count.counted_by, counted, (),
            tuple(sorted(lots.items())), count.note))


def clear(conn: sa.Connection, prefix: str) -> None:
    """Delete the registry and stockpile rows of a demo (refused if any weapon is not one)."""
    w = arms_schema.weapon
    other = conn.scalar(sa.select(sa.func.count()).select_from(w).where(
        sa.or_(w.c.source_record.is_(None), w.c.source_record.not_like(f"{prefix}%"))))
    if other:
        raise StoreNotEmptyError(f"the weapons registry holds {other} weapons that are not the "
                                 "demo's; it will not be cleared")
    tables: list[Any] = [*reversed(arms_stock_schema.STOCK_TABLES),
                         *reversed(arms_schema.REGISTRY_TABLES)]
    for table in tables:
        conn.execute(table.delete())
