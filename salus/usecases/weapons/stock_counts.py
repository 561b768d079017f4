"""Stock counts (IATG 03.10 §10; ISACS/MOSAIC 05.20): a signed physical count of a site and its
discrepancy report against the book inventory.

The book inventory is taken *as of the count date*: the weapons whose latest movement released
on or before that day put them in the site (and that the registry still has in state custody),
and each lot's quantity moved into the site minus the quantity moved out up to that day. The
count records every line (matches too) so the report can be printed again unchanged. A count
never corrects the books: discrepancies are investigated, and resolved by movements or by
lifecycle events (e.g. a weapon reported lost).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

import sqlalchemy as sa

from salus.domain.accounts.roles import Viewer
from salus.domain.weapons import stockpiles as sp
from salus.storage import repository as repo
from salus.storage.weapons import schema as arms
from salus.storage.weapons import stock_schema as st
from salus.usecases import scope
from salus.usecases.errors import NotFound
from salus.usecases.weapons import stock_common as c
from salus.usecases.weapons.stockpiles import held_weapon_ids


@dataclass(frozen=True, slots=True)
class CountSpec:
    """What the counter found: registry weapons (ids or uids), weapons not in the registry
    (descriptions), and ``(lot_id, quantity)`` per lot."""

    site_code: str
    counted_on: dt.date
    counted_by: str
    signature: str
    weapons: tuple[int | str, ...] = ()
    unregistered: tuple[str, ...] = ()
    lots: tuple[tuple[int, int], ...] = ()
    notes: str | None = None


@dataclass(frozen=True, slots=True)
class CountLine:
    finding: str
    """``match``, ``missing``, ``unexpected`` (weapons) or ``match``, ``difference`` (lots)."""
    weapon_id: int | None
    lot_id: int | None
    label: str
    book_quantity: int
    counted_quantity: int

    @property
    def difference(self) -> int:
        return self.counted_quantity - self.book_quantity


@dataclass(frozen=True, slots=True)
class CountReport:
    """A stock count and its discrepancy report."""

    count_id: int
    site_code: str
    counted_on: dt.date
    counted_by: str
    signature: str
    lines: tuple[CountLine, ...]

    @property
    def missing(self) -> list[CountLine]:
        return [line for line in self.lines if line.finding == "missing"]

    @property
    def unexpected(self) -> list[CountLine]:
        return [line for line in self.lines if line.finding == "unexpected"]

    @property
    def lot_differences(self) -> list[CountLine]:
        return [line for line in self.lines if line.finding == "difference"]

    @property
    def clean(self) -> bool:
        return not (self.missing or self.unexpected or self.lot_differences)


def record_count(engine: sa.Engine, viewer: Viewer, spec: CountSpec,
                 today: dt.date | None = None) -> CountReport:
    """Record a signed count of a site; return its discrepancy report."""
    c.require_write(viewer)
    _check(spec, today or c.today_utc())
    with engine.begin() as conn:
        site = c.site_row(conn, viewer, spec.site_code)
        counted = c.weapon_rows(conn, spec.weapons, viewer)
        _check_lots(conn, spec.lots)
        book = held_weapon_ids(conn, site["id"], spec.counted_on)
        book_lots = lot_book(conn, site["id"], spec.counted_on)
        report = sp.count_discrepancy(book, [w["id"] for w in counted], book_lots,
                                      dict(spec.lots))
        count_id = _write(conn, viewer, spec, site["id"], report)
        _lines(conn, count_id, book, [w["id"] for w in counted], book_lots,
                       dict(spec.lots), spec.unregistered)
        repo.audit(conn, viewer.username, "create", "stock_count", str(count_id), None,
                   c.jsonable({**asdict(spec), "missing": report.missing_weapons,
                               "unexpected": report.unexpected_weapons}))
        return _report(conn, count_id)


def _check(spec: CountSpec, today: dt.date) -> None:
    for name in ("counted_by", "signature"):
        if not getattr(spec, name).strip():
            c.fail(name, "required", f"{name.replace('_', ' ')} is required: a count is "
                                     f"signed by the person who counted")
    if spec.counted_on > today:
        c.fail("counted_on", "future", f"count date {spec.counted_on} is in the future",
               spec.counted_on)
    if len(set(spec.weapons)) != len(spec.weapons):
        c.fail("weapons", "duplicate", "a weapon is counted twice")
    lot_ids = [lot for lot, _ in spec.lots]
    if len(set(lot_ids)) != len(lot_ids):
        c.fail("lots", "duplicate", "a lot is counted twice")
    for lot_id, quantity in spec.lots:
        if quantity < 0:
            c.fail("lots", "negative", f"counted quantity {quantity} of lot {lot_id} is "
                                       f"negative", quantity)


def _check_lots(conn: sa.Connection, lots: tuple[tuple[int, int], ...]) -> None:
    ids = {lot for lot, _ in lots}
    known = set(conn.scalars(sa.select(st.ammunition_lot.c.id)
                             .where(st.ammunition_lot.c.id.in_(ids))))
    unknown = sorted(ids - known)
    if unknown:
        c.fail("lots", "unknown", f"no ammunition lot {', '.join(map(str, unknown))}", unknown)


def lot_book(conn: sa.Connection, site_id: int, as_of: dt.date | None = None) -> dict[int, int]:
    """Lot → quantity a site held on ``as_of`` (moved in minus moved out), lots above zero."""
    i, m = st.stock_movement_item, st.stock_movement
    signed = sa.case((m.c.to_site_id == site_id, i.c.quantity), else_=-i.c.quantity)
    q = (sa.select(i.c.lot_id, sa.func.sum(signed).label("quantity"))
         .join(m, m.c.id == i.c.movement_id)
         .where(i.c.lot_id.isnot(None),
                sa.or_(m.c.to_site_id == site_id, m.c.from_site_id == site_id),
                *([m.c.released_on <= as_of] if as_of else []))
         .group_by(i.c.lot_id))
    return {int(r.lot_id): int(r.quantity) for r in conn.execute(q) if r.quantity}


def _write(conn: sa.Connection, viewer: Viewer, spec: CountSpec, site_id: int,
           report: sp.Discrepancy) -> int:
    return c.new_id(conn.execute(st.stock_count.insert().values(
        site_id=site_id, counted_on=spec.counted_on, counted_by=spec.counted_by,
        signature=spec.signature,
        missing_weapons=len(report.missing_weapons),
        unexpected_weapons=len(report.unexpected_weapons) + len(spec.unregistered),
        lot_differences=len(report.lot_differences), notes=spec.notes,
        created_by=viewer.username, created_at=repo.now())))


def _lines(conn: sa.Connection, count_id: int, book: list[int], counted: list[int],
           book_lots: dict[int, int], counted_lots: dict[int, int],
           unregistered: tuple[str, ...]) -> int:
    rows: list[dict[str, Any]] = []
    base = {"count_id": count_id, "weapon_id": None, "lot_id": None, "description": None}
    for wid in sorted(set(book) | set(counted)):
        finding = ("match" if wid in book and wid in counted else
                   "missing" if wid in book else "unexpected")
        rows.append({**base, "weapon_id": wid, "book_quantity": int(wid in book),
                     "counted_quantity": int(wid in counted), "finding": finding})
    rows += [{**base, "description": text, "book_quantity": 0, "counted_quantity": 1,
              "finding": "unexpected"} for text in unregistered]
    for lot in sorted(set(book_lots) | set(counted_lots)):
        b, n = book_lots.get(lot, 0), counted_lots.get(lot, 0)
        rows.append({**base, "lot_id": lot, "book_quantity": b, "counted_quantity": n,
                     "finding": "match" if b == n else "difference"})
    if rows:
        conn.execute(st.stock_count_line.insert(), rows)
    return len(rows)


def _report(conn: sa.Connection, count_id: int) -> CountReport:
    cnt, site = st.stock_count, st.storage_site
    head = conn.execute(sa.select(cnt, site.c.code).join(site, site.c.id == cnt.c.site_id)
                        .where(cnt.c.id == count_id)).mappings().first()
    if head is None:
        raise NotFound(f"no stock count {count_id}")
    line, w, lot = st.stock_count_line, arms.weapon, st.ammunition_lot
    rows = conn.execute(
        sa.select(line, w.c.serial_number, w.c.uid, lot.c.lot_number, lot.c.manufacturer)
        .outerjoin(w, w.c.id == line.c.weapon_id).outerjoin(lot, lot.c.id == line.c.lot_id)
        .where(line.c.count_id == count_id).order_by(line.c.id)).mappings()
    lines = tuple(CountLine(r["finding"], r["weapon_id"], r["lot_id"], _label(r),
                            int(r["book_quantity"]), int(r["counted_quantity"])) for r in rows)
    return CountReport(count_id, head["code"], head["counted_on"], head["counted_by"],
                       head["signature"], lines)


def _label(r: Any) -> str:
    if r["weapon_id"] is not None:
        return f"weapon {r['serial_number'] or r['uid']} (#{r['weapon_id']})"
    if r["lot_id"] is not None:
        return f"lot {r['lot_number']} ({r['manufacturer']})"
    return f"unregistered: {r['description']}"


def count_report(engine: sa.Engine, viewer: Viewer, count_id: int) -> CountReport:
    """A recorded count and its discrepancy report."""
    c.require_read(viewer)
    with engine.connect() as conn:
        site_area = conn.scalar(sa.select(st.storage_site.c.area_id)
                                .join(st.stock_count, st.stock_count.c.site_id
                                      == st.storage_site.c.id)
                                .where(st.stock_count.c.id == count_id))
        if site_area is None or not scope.area_in_scope(conn, viewer, site_area):
            raise NotFound(f"no stock count {count_id}")
        return _report(conn, count_id)


def list_counts(engine: sa.Engine, viewer: Viewer, site_code: str | None = None
                ) -> list[dict[str, Any]]:
    """Counts newest first (one site, or every site in the viewer's scope)."""
    c.require_read(viewer)
    cnt, site = st.stock_count, st.storage_site
    q = (sa.select(cnt, site.c.code.label("site_code")).join(site, site.c.id == cnt.c.site_id)
         .where(*scope.area_condition(site.c.area_id, viewer))
         .order_by(cnt.c.counted_on.desc(), cnt.c.id.desc()))
    if site_code is not None:
        q = q.where(site.c.code == site_code)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(q).mappings()]
