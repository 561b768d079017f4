"""Collection campaigns and destruction events (issue 6 §3, issue 13).

A **collection campaign** (ISACS/MOSAIC 05.40 *Collection of illicit and unwanted SALW*: voluntary
surrender, amnesty, weapons-for-development, buy-back) has a name, a kind, an area, start and end
dates, its collection locations and the collecting agency; each weapon handed in during it is a
``surrendered`` event naming it (:func:`record_surrender`), checked by the same lifecycle rules
as any event.

A **destruction batch** follows ISACS/MOSAIC 05.50 *Destruction: weapons*: certificate number,
method (``taxonomies/destruction_method.yaml``), date, place, verifying body and witnesses, and the
collecting agency. It holds weapons — destroying them "in a batch" records a ``destroyed`` event
for each through :func:`salus.usecases.weapons.lifecycle.record_event_in` (the row-by-row rules:
a weapon still registered to an owner, already destroyed or dated after the batch is refused) in
one transaction, all or none — and loose parts by kind and ammunition by calibre, by quantity
(:func:`add_items`). Weapons are named by uid or by serial number as read: the serial is folded
as the tolerant search folds it (:func:`salus.domain.weapons.serials.serial_key`: case, spaces,
punctuation and confusable characters), and only an exact key match counts.

Area scope (:mod:`salus.usecases.scope`): a viewer bound to an area creates campaigns and batches
in its subtree (its own area by default), and sees and uses only those; records without an area
are visible to unbound viewers only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from salus.domain.accounts.roles import Viewer
from salus.domain.weapons.collection import (
    CampaignKind,
    DestructionItem,
    ItemKind,
    item_errors,
    method_errors,
    text_errors,
)
from salus.domain.weapons.registry import ArmsRuleError, DestructionMethod, EventType
from salus.domain.weapons.serials import manufacturer_key, serial_key
from salus.storage import repository as repo
from salus.storage import schema as t
from salus.storage.weapons import schema as w
from salus.usecases.errors import NotFound, ValidationFailed
from salus.usecases.weapons.common import (
    area_for,
    audit,
    can_edit,
    can_read,
    check,
    fail,
    new_id,
    plain,
    scoped,
)
from salus.usecases.weapons.lifecycle import EventInput, Recorded, record_event_in

MAX_LIST = 20_000
"""Most weapons one destruction list (web form or call) may name."""


@dataclass(frozen=True, slots=True)
class CampaignInput:
    name: str
    starts_on: dt.date
    ends_on: dt.date
    area_code: str | None = None
    locations: tuple[str, ...] = ()
    description: str | None = None
    kind: str = CampaignKind.VOLUNTARY_SURRENDER.value
    """A code of ``collection_campaign_kind.yaml`` (MOSAIC 05.40)."""
    collecting_agency: str | None = None


@dataclass(frozen=True, slots=True)
class CampaignView:
    name: str
    starts_on: dt.date
    ends_on: dt.date
    area_code: str | None
    locations: list[str]
    description: str | None
    surrendered: int
    """Weapons surrendered in the campaign."""
    kind: str = CampaignKind.VOLUNTARY_SURRENDER.value
    collecting_agency: str | None = None


@dataclass(frozen=True, slots=True)
class BatchInput:
    certificate_number: str
    method: DestructionMethod | str
    """A code of ``destruction_method.yaml`` (checked by :func:`add_destruction_batch`)."""
    destroyed_on: dt.date
    place: str
    witnesses: tuple[str, ...] = ()
    area_code: str | None = None
    notes: str | None = None
    verifying_body: str | None = None
    """The body that verified and certified the destruction (MOSAIC 05.50)."""
    collecting_agency: str | None = None


@dataclass(frozen=True, slots=True)
class ItemView:
    """Parts of one kind or ammunition of one calibre destroyed in a batch."""

    kind: str
    part_kind: str | None
    calibre: str | None
    quantity: int
    description: str | None


@dataclass(frozen=True, slots=True)
class BatchView:
    certificate_number: str
    method: str
    destroyed_on: dt.date
    place: str
    area_code: str | None
    witnesses: list[str]
    notes: str | None
    weapons: list[str] = field(default_factory=list)
    """Uids of the weapons destroyed in the batch."""
    verifying_body: str | None = None
    collecting_agency: str | None = None
    items: list[ItemView] = field(default_factory=list)

    @property
    def parts(self) -> int:
        return sum(i.quantity for i in self.items if i.kind == ItemKind.PART.value)

    @property
    def rounds(self) -> int:
        return sum(i.quantity for i in self.items if i.kind == ItemKind.AMMUNITION.value)


@dataclass(frozen=True, slots=True)
class BatchSummary:
    """A batch as the list shows it: what it destroyed, counted."""

    certificate_number: str
    method: str
    destroyed_on: dt.date
    place: str
    area_code: str | None
    collecting_agency: str | None
    verifying_body: str | None
    weapons: int
    parts: int
    rounds: int


# ---------------------------------------------------------------- campaigns


def add_campaign(engine: sa.Engine, viewer: Viewer, c: CampaignInput) -> int:
    """Create a collection campaign (MOSAIC 05.40); refused for a blank or used name, an
    unknown kind, an end before the start or an area outside the viewer's scope."""
    can_edit(viewer)
    errors = []
    if not c.name.strip():
        errors.append(ArmsRuleError("required", "name", c.name, "a campaign needs a name"))
    if c.kind not in {k.value for k in CampaignKind}:
        errors.append(ArmsRuleError("campaign.kind", "kind", c.kind,
                                    f"one of {', '.join(k.value for k in CampaignKind)}"))
    errors += text_errors({"name": c.name, "description": c.description,
                           "collecting_agency": c.collecting_agency, "locations": c.locations,
                           "area_code": c.area_code})
    if c.ends_on < c.starts_on:
        errors.append(ArmsRuleError("campaign.end_before_start", "ends_on", c.ends_on,
                                    f"the campaign starts on {c.starts_on.isoformat()}"))
    check(errors)
    cc = w.collection_campaign
    with engine.begin() as conn:
        if conn.scalar(sa.select(cc.c.id).where(cc.c.name == c.name.strip())) is not None:
            fail(ArmsRuleError("campaign.duplicate", "name", c.name, "this campaign exists"))
        values = {"name": c.name.strip(), "starts_on": c.starts_on, "ends_on": c.ends_on,
                  "area_id": area_for(conn, viewer, c.area_code),
                  "locations": [x.strip() for x in c.locations if x.strip()],
                  "description": c.description, "kind": CampaignKind(c.kind).value,
                  "collecting_agency": (c.collecting_agency or "").strip() or None}
        campaign_id = new_id(conn.execute(cc.insert(), dict(
            **values, created_by=viewer.username, created_at=repo.now())))
        audit(conn, viewer.username, "create", "collection_campaign", str(campaign_id),
                   None, {k: plain(v) for k, v in values.items()})
    return campaign_id


def _campaign_query(viewer: Viewer) -> sa.Select[Any]:
    cc, e = w.collection_campaign, w.weapon_event
    count = (sa.select(sa.func.count()).where(e.c.campaign_id == cc.c.id)
             .correlate(cc).scalar_subquery())
    return (sa.select(cc, t.area.c.code.label("area_code"), count.label("surrendered"))
            .outerjoin(t.area, t.area.c.id == cc.c.area_id)
            .where(*scoped(cc.c.area_id, viewer)))


def _campaign_view(r: Any) -> CampaignView:
    return CampaignView(r.name, r.starts_on, r.ends_on, r.area_code, list(r.locations or []),
                        r.description, int(r.surrendered), r.kind, r.collecting_agency)


def list_campaigns(engine: sa.Engine, viewer: Viewer) -> list[CampaignView]:
    """Every campaign in the viewer's scope with the number of weapons surrendered in it,
    newest first."""
    can_read(viewer)
    cc = w.collection_campaign
    with engine.connect() as conn:
        rows = conn.execute(_campaign_query(viewer)
                            .order_by(cc.c.starts_on.desc(), cc.c.id.desc())).all()
    return [_campaign_view(r) for r in rows]


def get_campaign(engine: sa.Engine, viewer: Viewer, name: str) -> CampaignView:
    """One campaign in the viewer's scope (NotFound otherwise)."""
    can_read(viewer)
    check(text_errors({"name": name}))
    with engine.connect() as conn:
        row = conn.execute(_campaign_query(viewer).where(
            w.collection_campaign.c.name == name)).first()
    if row is None:
        raise NotFound(f"no collection campaign {name!r}")
    return _campaign_view(row)


def record_surrender(engine: sa.Engine, viewer: Viewer, campaign: str, weapon: str,
                     on: dt.date, *, place: str | None = None, area_code: str | None = None,
                     manufacturer: str | None = None, agency: str | None = None) -> Recorded:
    """Record that ``weapon`` (a uid, or a serial number as read) was handed in during
    ``campaign`` on ``on``: a ``surrendered`` event through the lifecycle rules (the campaign's
    dates bound the day; its collecting agency is the event's unless ``agency`` is given)."""
    can_edit(viewer)
    check(text_errors({"campaign": campaign, "place": place, "agency": agency}))
    with engine.begin() as conn:
        uid = resolve_weapon(conn, viewer, weapon, manufacturer)
        return record_event_in(conn, viewer, uid, EventInput(
            EventType.SURRENDERED, on, area_code=area_code, place=place, campaign=campaign,
            agency=agency))


# ---------------------------------------------------------------- weapons named by serial


def resolve_weapon(conn: sa.Connection, viewer: Viewer, ref: str,
                   manufacturer: str | None = None, field_name: str = "weapon") -> str:
    """The uid of the weapon ``ref`` names in the viewer's scope: its uid, else its serial
    number read as the tolerant search reads it (folded key, exact matches only). None found,
    or the same serial from two makers without ``manufacturer``, is an error naming them."""
    ref = (ref or "").strip()
    if not ref:
        fail(ArmsRuleError("required", field_name, ref, "give a uid or a serial number"))
    check(text_errors({field_name: ref, "manufacturer": manufacturer}))
    wt = w.weapon
    in_scope = scoped(wt.c.area_id, viewer)
    uid = conn.scalar(sa.select(wt.c.uid).where(wt.c.uid == ref, *in_scope))
    if uid is not None:
        return str(uid)
    key = serial_key(ref)
    q = sa.select(wt.c.uid, wt.c.serial_number, wt.c.manufacturer).where(
        wt.c.serial_key == key, *in_scope)
    if manufacturer and manufacturer.strip():
        q = q.where(wt.c.manufacturer_key == manufacturer_key(manufacturer))
    found = conn.execute(q.limit(11)).all() if key else []
    if len(found) == 1:
        return str(found[0].uid)
    if not found:
        fail(ArmsRuleError("weapon.unknown", field_name, ref,
                           "no weapon with this uid or serial number in your scope"))
    which = ", ".join(f"{r.serial_number} {r.manufacturer or '?'} ({r.uid})" for r in found[:10])
    fail(ArmsRuleError("weapon.ambiguous", field_name, ref,
                       f"{len(found)} weapons have this serial: {which}; give the "
                       "manufacturer or the uid"))


# ---------------------------------------------------------------- destruction batches


def add_destruction_batch(engine: sa.Engine, viewer: Viewer, b: BatchInput) -> str:
    """Create a destruction batch (MOSAIC 05.50); returns its certificate number. Refused: blank
    certificate or place, an unknown method, a future date, a certificate already used, an area
    outside the viewer's scope."""
    can_edit(viewer)
    check(_batch_errors(b))
    db = w.destruction_batch
    with engine.begin() as conn:
        if conn.scalar(sa.select(db.c.id).where(
                db.c.certificate_number == b.certificate_number.strip())) is not None:
            fail(ArmsRuleError("batch.duplicate", "certificate_number", b.certificate_number,
                               "a batch with this certificate exists"))
        values = {"certificate_number": b.certificate_number.strip(),
                  "method": DestructionMethod(b.method).value, "destroyed_on": b.destroyed_on,
                  "place": b.place.strip(), "area_id": area_for(conn, viewer, b.area_code),
                  "witnesses": [x.strip() for x in b.witnesses if x.strip()], "notes": b.notes,
                  "verifying_body": (b.verifying_body or "").strip() or None,
                  "collecting_agency": (b.collecting_agency or "").strip() or None}
        conn.execute(db.insert(), dict(**values, created_by=viewer.username,
                                        created_at=repo.now()))
        certificate = b.certificate_number.strip()
        audit(conn, viewer.username, "create", "destruction_batch", certificate,
                   None, {k: plain(v) for k, v in values.items()})
    return certificate


def _batch_errors(b: BatchInput) -> list[ArmsRuleError]:
    out = []
    for name in ("certificate_number", "place"):
        if not str(getattr(b, name) or "").strip():
            out.append(ArmsRuleError("required", name, getattr(b, name), "is required"))
    out += method_errors(str(b.method))
    out += text_errors({"certificate_number": b.certificate_number, "place": b.place,
                        "witnesses": b.witnesses, "notes": b.notes, "area_code": b.area_code,
                        "verifying_body": b.verifying_body,
                        "collecting_agency": b.collecting_agency})
    if b.destroyed_on > dt.datetime.now(dt.UTC).date():
        out.append(ArmsRuleError("date.future", "destroyed_on", b.destroyed_on,
                                 "the destruction date is in the future"))
    return out


def batch_row(conn: sa.Connection, viewer: Viewer, certificate_number: str) -> sa.Row[Any]:
    """The batch with this certificate in the viewer's scope (``batch.unknown`` otherwise)."""
    check(text_errors({"destruction_certificate": certificate_number}))
    db = w.destruction_batch
    row = conn.execute(sa.select(db).where(db.c.certificate_number == certificate_number,
                                           *scoped(db.c.area_id, viewer))).first()
    if row is None:
        fail(ArmsRuleError("batch.unknown", "destruction_certificate", certificate_number,
                           "no destruction batch with this certificate number"))
    return row


def destroy_in_batch(engine: sa.Engine, viewer: Viewer, certificate_number: str,
                     weapon_uids: Sequence[str]) -> list[Recorded]:
    """Record the destruction of each weapon in the batch, in one transaction: if one weapon
    cannot be destroyed (e.g. it is still registered to an owner), nothing is recorded and the
    error names that weapon."""
    can_edit(viewer)
    with engine.begin() as conn:
        return destroy_in_batch_in(conn, viewer, certificate_number, weapon_uids)


def destroy_in_batch_in(conn: sa.Connection, viewer: Viewer, certificate_number: str,
                        weapon_uids: Sequence[str]) -> list[Recorded]:
    can_edit(viewer)
    batch = batch_row(conn, viewer, certificate_number)
    out = []
    for uid in weapon_uids:
        event = EventInput(EventType.DESTROYED, batch.destroyed_on, place=batch.place,
                           destruction_certificate=certificate_number)
        try:
            out.append(record_event_in(conn, viewer, uid, event))
        except ValidationFailed as exc:
            raise ValidationFailed([e | {"weapon": uid} for e in exc.errors],
                                   f"weapon {uid}: {exc.detail}") from exc
        except NotFound as exc:
            fail(ArmsRuleError("weapon.unknown", "weapon", uid, str(exc.detail)))
    return out


def destroy_listed(engine: sa.Engine, viewer: Viewer, certificate_number: str,
                   refs: Sequence[str]) -> list[Recorded]:
    """Destroy the weapons of a list in the batch: each line a uid or a serial number as read
    (:func:`resolve_weapon`). Every line that names no weapon, or one that cannot be destroyed,
    is an error naming its line and value; nothing is written unless every line is accepted."""
    can_edit(viewer)
    lines = [(n, r.strip()) for n, r in enumerate(refs, 1) if r.strip()]
    if len(lines) > MAX_LIST:
        fail(ArmsRuleError("batch.too_many", "weapons", len(lines),
                           f"at most {MAX_LIST:,} weapons per list; import a file instead"))
    with engine.begin() as conn:
        batch_row(conn, viewer, certificate_number)
        errors: list[dict[str, Any]] = []
        uids: list[str] = []
        seen: dict[str, int] = {}
        for n, ref in lines:
            try:
                uid = resolve_weapon(conn, viewer, ref, field_name="weapons")
            except ValidationFailed as exc:
                errors += [e | {"line": n, "message": f"line {n}: {e['message']}"}
                           for e in exc.errors]
                continue
            if uid in seen:
                errors.append({"field": "weapons", "code": "weapon.repeated", "value": ref,
                               "line": n, "message": f"line {n}: the same weapon as line "
                                                     f"{seen[uid]}"})
                continue
            seen[uid] = n
            uids.append(uid)
        if errors:
            raise ValidationFailed(errors, "; ".join(e["message"] for e in errors[:20]))
        lines_of = {uid: n for uid, n in seen.items()}
        try:
            return destroy_in_batch_in(conn, viewer, certificate_number, uids)
        except ValidationFailed as exc:
            found = [e | {"field": "weapons", "line": lines_of.get(e.get("weapon", ""), 0),
                          "message": f"line {lines_of.get(e.get('weapon', ''), '?')}: "
                                     f"{e['message']}"} for e in exc.errors]
            raise ValidationFailed(found, "; ".join(e["message"] for e in found)) from exc


def add_items(engine: sa.Engine, viewer: Viewer, certificate_number: str,
              items: Sequence[DestructionItem]) -> int:
    """Add parts (by kind) and ammunition (by calibre) destroyed in the batch; every line is
    checked (:func:`salus.domain.weapons.collection.item_errors`) and nothing is written unless
    all pass. Returns the number of lines added."""
    can_edit(viewer)
    with engine.begin() as conn:
        return add_items_in(conn, viewer, certificate_number, items)


def add_items_in(conn: sa.Connection, viewer: Viewer, certificate_number: str,
                 items: Sequence[DestructionItem],
                 attributes: Sequence[dict[str, str]] | None = None) -> int:
    can_edit(viewer)
    batch = batch_row(conn, viewer, certificate_number)
    errors = []
    for n, item in enumerate(items, 1):
        for e in item_errors(item):
            errors.append(e.as_dict() | {"line": n, "message": f"line {n}: {e}"})
    if errors:
        raise ValidationFailed(errors, "; ".join(e["message"] for e in errors[:20]))
    rows = [{"batch_id": batch.id, "kind": ItemKind(i.kind).value,
             "part_kind": i.part_kind if ItemKind(i.kind) is ItemKind.PART else None,
             "calibre": (i.calibre or "").strip() or None
             if ItemKind(i.kind) is ItemKind.AMMUNITION else None,
             "quantity": i.quantity, "description": i.description,
             "source_attributes": (attributes[n] or None) if attributes else None,
             "created_by": viewer.username, "created_at": repo.now()}
            for n, i in enumerate(items)]
    if rows:
        conn.execute(w.destruction_item.insert(), rows)
        audit(conn, viewer.username, "destruction_batch.items", "destruction_batch",
              certificate_number, None,
              {"lines": len(rows), "parts": sum(r["quantity"] for r in rows
                                                 if r["kind"] == ItemKind.PART.value),
               "rounds": sum(r["quantity"] for r in rows
                             if r["kind"] == ItemKind.AMMUNITION.value)})
    return len(rows)


def list_batches(engine: sa.Engine, viewer: Viewer) -> list[BatchSummary]:
    """Every destruction batch in the viewer's scope with the weapons, parts and rounds it
    destroyed, newest first."""
    can_read(viewer)
    db, e, di = w.destruction_batch, w.weapon_event, w.destruction_item
    weapons = (sa.select(sa.func.count()).where(e.c.destruction_batch_id == db.c.id)
               .correlate(db).scalar_subquery())

    def quantity(kind: ItemKind) -> sa.ScalarSelect[Any]:
        return (sa.select(sa.func.coalesce(sa.func.sum(di.c.quantity), 0))
                .where(di.c.batch_id == db.c.id, di.c.kind == kind.value)
                .correlate(db).scalar_subquery())

    q = (sa.select(db, t.area.c.code.label("area_code"), weapons.label("n_weapons"),
                   quantity(ItemKind.PART).label("n_parts"),
                   quantity(ItemKind.AMMUNITION).label("n_rounds"))
         .outerjoin(t.area, t.area.c.id == db.c.area_id).where(*scoped(db.c.area_id, viewer))
         .order_by(db.c.destroyed_on.desc(), db.c.id.desc()))
    with engine.connect() as conn:
        rows = conn.execute(q).all()
    return [BatchSummary(r.certificate_number, r.method, r.destroyed_on, r.place, r.area_code,
                         r.collecting_agency, r.verifying_body, int(r.n_weapons),
                         int(r.n_parts), int(r.n_rounds)) for r in rows]


def get_batch(engine: sa.Engine, viewer: Viewer, certificate_number: str) -> BatchView:
    """A destruction batch in the viewer's scope with the weapons, parts and ammunition
    destroyed in it."""
    can_read(viewer)
    check(text_errors({"destruction_certificate": certificate_number}))
    db, e, di = w.destruction_batch, w.weapon_event, w.destruction_item
    with engine.connect() as conn:
        row = conn.execute(sa.select(db, t.area.c.code.label("area_code"))
                           .outerjoin(t.area, t.area.c.id == db.c.area_id)
                           .where(db.c.certificate_number == certificate_number,
                                  *scoped(db.c.area_id, viewer))).first()
        if row is None:
            fail(ArmsRuleError("batch.unknown", "destruction_certificate", certificate_number,
                               "no destruction batch with this certificate number"))
        uids = conn.execute(sa.select(w.weapon.c.uid).join(e, e.c.weapon_id == w.weapon.c.id)
                            .where(e.c.destruction_batch_id == row.id).order_by(e.c.id)
                            ).scalars().all()
        items = conn.execute(sa.select(di).where(di.c.batch_id == row.id).order_by(di.c.id)
                             ).all()
    return _batch_view(row, list(uids), [ItemView(i.kind, i.part_kind, i.calibre,
                                                  int(i.quantity), i.description)
                                         for i in items])


def _batch_view(row: Any, uids: list[str], items: list[ItemView]) -> BatchView:
    return BatchView(row.certificate_number, row.method, row.destroyed_on, row.place,
                     row.area_code, list(row.witnesses or []), row.notes, uids,
                     row.verifying_body, row.collecting_agency, items)
