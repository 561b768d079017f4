"""Stockpiles (issue 6 §4; IATG 03.10, ISACS/MOSAIC 05.20): sites, ammunition lots, custody.

One function per user action; each takes ``engine`` and ``viewer`` (``WEAPONS`` to read,
``EDIT_WEAPONS`` to write), runs in one transaction and writes the audit log on every change:

* :func:`add_site` — a stockpile, evidence room, armoury… with custodian, capacity, security;
* :func:`receive_lot` — an ammunition lot arrives at a site (new lot or more of a known one);
* :func:`move` — weapons and ammunition released from one site and received at another (or
  taken into custody: no origin; or leaving custody: no destination), with chain of custody.
  A weapon can only leave the site it is in, a lot only by the quantity the site holds, and a
  weapon's movements are never back-dated; any broken rule refuses the whole movement;
* :func:`inventory` — weapons and lots a site holds now, each lot with its expiry status;
* :func:`expiring_lots` — lots past, or within *N* days of, their shelf life;
* :func:`weapon_site` — the site a weapon is in now.

Stock counts are in :mod:`salus.usecases.weapons.stock_counts`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

import sqlalchemy as sa

from salus.domain.accounts.roles import Viewer
from salus.domain.weapons import stockpiles as sp
from salus.domain.weapons.registry import IN_STATE_CUSTODY, WeaponStatus
from salus.storage import repository as repo
from salus.storage import schema as t
from salus.storage.weapons import schema as arms
from salus.storage.weapons import stock_schema as st
from salus.usecases import scope
from salus.usecases.errors import Conflict
from salus.usecases.weapons import stock_common as c

CUSTODY_STATUSES = frozenset({*IN_STATE_CUSTODY, WeaponStatus.DEACTIVATED,
                              WeaponStatus.UNREGISTERED})
"""Statuses of a weapon a site may hold: seized, found, surrendered, stored, deactivated, and
unregistered (state-owned, never on the civilian register)."""

REASONS_IN = ("intake", "receipt")
REASONS_BETWEEN = ("transfer",)
REASONS_OUT = ("destruction", "return_to_owner", "court", "expended", "other")


@dataclass(frozen=True, slots=True)
class SiteSpec:
    code: str
    name: str
    kind: str
    area_code: str
    security_level: str
    custodian: str | None = None
    capacity: int | None = None
    notes: str | None = None


@dataclass(frozen=True, slots=True)
class MovementSpec:
    """A movement: ``from_site`` None takes items into custody, ``to_site`` None releases them
    from state custody (``reason`` says why). ``weapons`` are ids or uids; ``lots`` are
    ``(lot_id, quantity)`` pairs."""

    from_site: str | None
    to_site: str | None
    released_by: str
    received_by: str
    released_on: dt.date
    received_on: dt.date | None = None
    weapons: tuple[int | str, ...] = ()
    lots: tuple[tuple[int, int], ...] = ()
    reason: str = "transfer"
    document_reference: str | None = None
    notes: str | None = None


@dataclass(frozen=True, slots=True)
class HeldWeapon:
    id: int
    uid: str
    category: str
    manufacturer: str | None
    model: str | None
    calibre: str | None
    serial_number: str | None
    status: str | None
    since: dt.date


@dataclass(frozen=True, slots=True)
class HeldLot:
    lot_id: int
    lot_number: str
    manufacturer: str
    calibre: str
    year_of_manufacture: int
    hazard_division: str
    quantity: int
    expires_on: dt.date
    expiry_status: str
    site_code: str = ""


@dataclass(frozen=True, slots=True)
class Inventory:
    """What a site holds now (book inventory)."""

    site_code: str
    site_name: str
    weapons: tuple[HeldWeapon, ...] = ()
    lots: tuple[HeldLot, ...] = ()
    capacity: int | None = None


# ---------------------------------------------------------------- sites


def add_site(engine: sa.Engine, viewer: Viewer, spec: SiteSpec) -> int:
    """Create a storage site; return its id."""
    c.require_write(viewer)
    c.fail_problems(sp.site_problems(spec.code, spec.name, spec.kind, spec.security_level,
                                     spec.capacity))
    s = st.storage_site
    with engine.begin() as conn:
        area_id = c.area_id_for(conn, viewer, spec.area_code)
        if conn.scalar(sa.select(s.c.id).where(s.c.code == spec.code)) is not None:
            raise Conflict(f"a storage site with code {spec.code!r} exists")
        values = {k: v for k, v in asdict(spec).items() if k != "area_code"}
        values.update(area_id=area_id, created_by=viewer.username, created_at=repo.now())
        site_id = c.new_id(conn.execute(s.insert().values(**values)))
        repo.audit(conn, viewer.username, "create", "storage_site", str(site_id), None,
                   c.jsonable(asdict(spec)))
    return site_id


def list_sites(engine: sa.Engine, viewer: Viewer) -> list[dict[str, Any]]:
    """Every site in the viewer's area scope, with its area code and what it holds."""
    c.require_read(viewer)
    s = st.storage_site
    lots = (sa.select(st.ammunition_stock.c.site_id,
                      sa.func.sum(st.ammunition_stock.c.quantity).label("rounds"))
            .group_by(st.ammunition_stock.c.site_id).subquery())
    held = _held_weapons().subquery()
    weapons = (sa.select(held.c.site_id, sa.func.count().label("weapons"))
               .group_by(held.c.site_id).subquery())
    q = (sa.select(s, t.area.c.code.label("area_code"),
                   sa.func.coalesce(weapons.c.weapons, 0).label("weapons"),
                   sa.func.coalesce(lots.c.rounds, 0).label("rounds"))
         .join(t.area, t.area.c.id == s.c.area_id)
         .outerjoin(weapons, weapons.c.site_id == s.c.id)
         .outerjoin(lots, lots.c.site_id == s.c.id)
         .where(*scope.area_condition(s.c.area_id, viewer)).order_by(s.c.code))
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(q).mappings()]


# ---------------------------------------------------------------- lots


def receive_lot(engine: sa.Engine, viewer: Viewer, site_code: str, lot: sp.LotSpec, *,
                received_by: str, received_on: dt.date, released_by: str = "supplier",
                today: dt.date | None = None) -> int:
    """Record an ammunition lot arriving at a site; return the lot id. A lot already known
    (same manufacturer and lot number) must match what is on file; its quantity is added."""
    c.require_write(viewer)
    today = today or c.today_utc()
    c.fail_problems(sp.lot_problems(lot, today))
    if lot.quantity <= 0:
        c.fail("quantity", "not_positive", f"a receipt brings at least one round, not "
                                           f"{lot.quantity}", lot.quantity)
    with engine.begin() as conn:
        site = c.site_row(conn, viewer, site_code)
        lot_id = _lot_id(conn, viewer, lot)
        spec = MovementSpec(None, site_code, released_by, received_by, received_on,
                            lots=((lot_id, lot.quantity),), reason="receipt")
        _write_movement(conn, viewer, spec, None, site, today)
    return lot_id


def _lot_id(conn: sa.Connection, viewer: Viewer, lot: sp.LotSpec) -> int:
    t_lot = st.ammunition_lot
    old = conn.execute(sa.select(t_lot).where(
        t_lot.c.manufacturer == lot.manufacturer,
        t_lot.c.lot_number == lot.lot_number)).mappings().first()
    values = {"calibre": lot.calibre, "year_of_manufacture": lot.year_of_manufacture,
              "manufactured_on": lot.manufactured_on, "shelf_life_years": lot.shelf_life_years,
              "hazard_division": lot.hazard_division}
    if old is not None:
        for name, value in values.items():
            if old[name] != value:
                c.fail(name, "mismatch", f"lot {lot.lot_number} of {lot.manufacturer} is on "
                                         f"file with {name} {old[name]}, not {value}", value)
        return int(old["id"])
    expires = sp.expiry_date(lot.year_of_manufacture, lot.shelf_life_years, lot.manufactured_on)
    lot_id = c.new_id(conn.execute(t_lot.insert().values(
        lot_number=lot.lot_number, manufacturer=lot.manufacturer, expires_on=expires,
        created_by=viewer.username, created_at=repo.now(), **values)))
    repo.audit(conn, viewer.username, "create", "ammunition_lot", str(lot_id), None,
               c.jsonable({**values, "lot_number": lot.lot_number,
                           "manufacturer": lot.manufacturer, "expires_on": expires}))
    return lot_id


# ---------------------------------------------------------------- movements


def move(engine: sa.Engine, viewer: Viewer, spec: MovementSpec,
         today: dt.date | None = None) -> int:
    """Record a movement with its chain of custody; return its id. Refuses the whole movement
    (nothing written) when any item breaks a rule."""
    c.require_write(viewer)
    today = today or c.today_utc()
    _check_spec(spec, today)
    with engine.begin() as conn:
        origin = c.site_row(conn, viewer, spec.from_site) if spec.from_site else None
        target = c.site_row(conn, viewer, spec.to_site) if spec.to_site else None
        return _write_movement(conn, viewer, spec, origin, target, today)


def _check_spec(spec: MovementSpec, today: dt.date) -> None:
    if spec.from_site is None and spec.to_site is None:
        c.fail("to_site", "required", "a movement needs a site it leaves or a site it reaches")
    if spec.from_site is not None and spec.from_site == spec.to_site:
        c.fail("to_site", "same_site", f"a movement from {spec.from_site} to itself")
    allowed = (REASONS_IN if spec.from_site is None else
               REASONS_OUT if spec.to_site is None else REASONS_BETWEEN)
    if spec.reason not in allowed:
        c.fail("reason", "invalid", f"reason {spec.reason!r} does not fit this movement; "
                                    f"one of {', '.join(allowed)}", spec.reason)
    for name in ("released_by", "received_by"):
        if not getattr(spec, name).strip():
            c.fail(name, "required", f"{name.replace('_', ' ')} is required (chain of custody)")
    if not spec.weapons and not spec.lots:
        c.fail("items", "required", "a movement moves at least one weapon or lot")
    for lot_id, quantity in spec.lots:
        if quantity <= 0:
            c.fail("quantity", "not_positive",
                   f"lot {lot_id}: quantity {quantity} must be a positive number", quantity)
    if len(set(spec.weapons)) != len(spec.weapons):
        c.fail("weapons", "duplicate", "a weapon is listed twice")
    try:
        sp.check_dates(spec.released_on, spec.received_on, today)
    except sp.StockError as exc:
        raise c.from_stock_error(exc) from None


def _write_movement(conn: sa.Connection, viewer: Viewer, spec: MovementSpec,
                    origin: sa.RowMapping | None, target: sa.RowMapping | None,
                    today: dt.date) -> int:
    weapons = c.weapon_rows(conn, spec.weapons, viewer)
    _check_weapons(conn, weapons, origin, spec.released_on)
    changes = _lot_changes(conn, spec, origin, target)
    m = st.stock_movement
    movement_id = c.new_id(conn.execute(m.insert().values(
        from_site_id=origin["id"] if origin else None, to_site_id=target["id"] if target else None,
        reason=spec.reason, released_by=spec.released_by, received_by=spec.received_by,
        released_on=spec.released_on, received_on=spec.received_on or spec.released_on,
        document_reference=spec.document_reference, notes=spec.notes,
        created_by=viewer.username, created_at=repo.now())))
    items = [{"movement_id": movement_id, "weapon_id": w["id"], "lot_id": None, "quantity": 1}
             for w in weapons]
    items += [{"movement_id": movement_id, "weapon_id": None, "lot_id": lot_id,
               "quantity": qty} for lot_id, qty in spec.lots]
    conn.execute(st.stock_movement_item.insert(), items)
    _apply_lot_changes(conn, changes)
    repo.audit(conn, viewer.username, "create", "stock_movement", str(movement_id), None,
               c.jsonable({**asdict(spec), "weapons": [w["id"] for w in weapons]}))
    return movement_id


def _check_weapons(conn: sa.Connection, weapons: list[sa.RowMapping],
                   origin: sa.RowMapping | None, released_on: dt.date) -> None:
    if not weapons:
        return
    where = current_locations(conn, [w["id"] for w in weapons])
    for w in weapons:
        site, last_on = where.get(w["id"], (None, None))
        label = c.weapon_label(w)
        try:
            sp.check_release(label, site, origin["id"] if origin else None,
                             origin["code"] if origin else "-")
        except sp.StockError as exc:
            raise c.from_stock_error(exc) from None
        if last_on is not None and released_on < last_on:
            c.fail("released_on", "back_dated", f"weapon {label} last moved on {last_on}; a "
                                                f"later movement cannot be dated {released_on}",
                   released_on)
        if origin is None and w["status"] not in CUSTODY_STATUSES:
            c.fail("weapons", "not_in_custody",
                   f"weapon {label} is {w['status'] or 'without history'}: record its seizure, "
                   f"finding or surrender before taking it into a site", w["id"])


def current_locations(conn: sa.Connection, weapon_ids: list[int], as_of: dt.date | None = None
                      ) -> dict[int, tuple[int | None, dt.date]]:
    """Weapon id → (site id or None, date of its latest movement) for weapons that ever moved.

    The latest movement of a weapon is its highest id (never back-dated); with ``as_of``, the
    latest released on or before that day.
    """
    i, m = st.stock_movement_item, st.stock_movement
    latest = (sa.select(i.c.weapon_id, sa.func.max(i.c.movement_id).label("mid"))
              .join(m, m.c.id == i.c.movement_id)
              .where(i.c.weapon_id.in_(weapon_ids),
                     *([m.c.released_on <= as_of] if as_of else []))
              .group_by(i.c.weapon_id).subquery())
    q = sa.select(latest.c.weapon_id, m.c.to_site_id, m.c.received_on).join(
        m, m.c.id == latest.c.mid)
    return {int(r.weapon_id): (r.to_site_id, r.received_on) for r in conn.execute(q)}


def _lot_changes(conn: sa.Connection, spec: MovementSpec, origin: sa.RowMapping | None,
                 target: sa.RowMapping | None) -> list[tuple[int, int, int]]:
    """(lot, site, change) rows to apply, after checking no quantity goes negative."""
    changes: list[tuple[int, int, int]] = []
    for lot_id, qty in spec.lots:
        lot = conn.execute(sa.select(st.ammunition_lot).where(st.ammunition_lot.c.id == lot_id)
                           ).mappings().first()
        if lot is None:
            c.fail("lots", "unknown", f"no ammunition lot {lot_id}", lot_id)
        if origin is not None:
            book = _stock(conn, lot_id, origin["id"])
            try:
                sp.remaining_quantity(book, -qty, lot=lot["lot_number"], site=origin["code"])
            except sp.StockError as exc:
                raise c.from_stock_error(exc) from None
            changes.append((lot_id, origin["id"], -qty))
        if target is not None:
            changes.append((lot_id, target["id"], qty))
    return changes


def _stock(conn: sa.Connection, lot_id: int, site_id: int) -> int:
    s = st.ammunition_stock
    value = conn.scalar(sa.select(s.c.quantity).where(s.c.lot_id == lot_id,
                                                      s.c.site_id == site_id))
    return int(value or 0)


def _apply_lot_changes(conn: sa.Connection, changes: list[tuple[int, int, int]]) -> None:
    s = st.ammunition_stock
    for lot_id, site_id, change in changes:
        key = (s.c.lot_id == lot_id, s.c.site_id == site_id)
        if conn.scalar(sa.select(s.c.quantity).where(*key)) is None:
            conn.execute(s.insert().values(lot_id=lot_id, site_id=site_id, quantity=change))
        else:
            conn.execute(s.update().where(*key).values(quantity=s.c.quantity + change))


# ---------------------------------------------------------------- reading


def _held_weapons(as_of: dt.date | None = None) -> sa.Select[Any]:
    """(weapon_id, site_id, since) of every weapon a site holds: the destination of its latest
    movement, while the registry still has it in state custody (not destroyed or returned)."""
    i, m, w = st.stock_movement_item, st.stock_movement, arms.weapon
    latest = (sa.select(i.c.weapon_id, sa.func.max(i.c.movement_id).label("mid"))
              .join(m, m.c.id == i.c.movement_id)
              .where(i.c.weapon_id.isnot(None), *([m.c.released_on <= as_of] if as_of else []))
              .group_by(i.c.weapon_id).subquery())
    return (sa.select(latest.c.weapon_id, m.c.to_site_id.label("site_id"),
                      m.c.received_on.label("since"))
            .join(m, m.c.id == latest.c.mid).join(w, w.c.id == latest.c.weapon_id)
            .where(m.c.to_site_id.isnot(None),
                   w.c.status.in_([s.value for s in CUSTODY_STATUSES])))


def held_weapon_ids(conn: sa.Connection, site_id: int, as_of: dt.date | None = None
                    ) -> list[int]:
    held = _held_weapons(as_of).subquery()
    return [int(x) for x in conn.scalars(sa.select(held.c.weapon_id)
                                         .where(held.c.site_id == site_id))]


def inventory(engine: sa.Engine, viewer: Viewer, site_code: str,
              today: dt.date | None = None, within_days: int = sp.EXPIRY_WARNING_DAYS
              ) -> Inventory:
    """The book inventory of a site: weapons held now and ammunition lots with quantity > 0."""
    c.require_read(viewer)
    today = today or c.today_utc()
    w = arms.weapon
    with engine.connect() as conn:
        site = c.site_row(conn, viewer, site_code)
        held = _held_weapons().subquery()
        rows = conn.execute(
            sa.select(w.c.id, w.c.uid, w.c.category, w.c.manufacturer, w.c.model, w.c.calibre,
                      w.c.serial_number, w.c.status, held.c.since)
            .join(held, held.c.weapon_id == w.c.id)
            .where(held.c.site_id == site["id"]).order_by(w.c.id)).mappings()
        weapons = tuple(HeldWeapon(**r) for r in rows)
        lots = tuple(_lots(conn, today, within_days, site_ids=[site["id"]]))
    return Inventory(site["code"], site["name"], weapons, lots, site["capacity"])


def _lots(conn: sa.Connection, today: dt.date, within_days: int, *,
          site_ids: list[int] | None = None, expiring_only: bool = False,
          viewer: Viewer | None = None) -> list[HeldLot]:
    lot, s, site = st.ammunition_lot, st.ammunition_stock, st.storage_site
    q = (sa.select(lot.c.id.label("lot_id"), lot.c.lot_number, lot.c.manufacturer, lot.c.calibre,
                   lot.c.year_of_manufacture, lot.c.hazard_division, s.c.quantity,
                   lot.c.expires_on, site.c.code.label("site_code"))
         .join(s, s.c.lot_id == lot.c.id).join(site, site.c.id == s.c.site_id)
         .where(s.c.quantity > 0).order_by(lot.c.expires_on, site.c.code, lot.c.lot_number))
    if site_ids is not None:
        q = q.where(s.c.site_id.in_(site_ids))
    if expiring_only:
        q = q.where(lot.c.expires_on <= today + dt.timedelta(days=within_days))
    if viewer is not None:
        q = q.where(*scope.area_condition(site.c.area_id, viewer))
    return [HeldLot(**r, expiry_status=sp.expiry_status(r["expires_on"], today, within_days))
            for r in conn.execute(q).mappings()]


def expiring_lots(engine: sa.Engine, viewer: Viewer, today: dt.date | None = None,
                  within_days: int = sp.EXPIRY_WARNING_DAYS) -> list[HeldLot]:
    """Lots still held somewhere that are past their shelf life or within ``within_days`` of it
    (IATG 07.20: withdraw and propose for destruction), soonest first."""
    c.require_read(viewer)
    if within_days < 0:
        c.fail("within_days", "negative", f"within {within_days} days: cannot be negative",
               within_days)
    today = today or c.today_utc()
    with engine.connect() as conn:
        return _lots(conn, today, within_days, expiring_only=True, viewer=viewer)


def weapon_site(engine: sa.Engine, viewer: Viewer, weapon: int | str) -> str | None:
    """Code of the site that holds a weapon now (None: in no site)."""
    c.require_read(viewer)
    with engine.connect() as conn:
        row = c.weapon_rows(conn, [weapon], viewer)[0]
        held = _held_weapons().subquery()
        site_id = conn.scalar(sa.select(held.c.site_id).where(held.c.weapon_id == row["id"]))
        if site_id is None:
            return None
        return conn.scalar(sa.select(st.storage_site.c.code)
                           .where(st.storage_site.c.id == site_id))
