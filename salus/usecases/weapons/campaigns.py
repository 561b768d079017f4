"""Voluntary collection campaigns and destruction batches (issue 6 §3).

A collection campaign (SALIENT-style voluntary civilian disarmament) has a name, an area, start
and end dates and its collection locations; a surrender may name it. A destruction batch follows
ISACS/MOSAIC 05.50: method, date, place, witnesses and the certificate number; destroying weapons
"in a batch" records a ``destroyed`` event for each of them in one transaction — all or none.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from salus.domain.accounts.roles import Viewer
from salus.domain.weapons.registry import ArmsRuleError, DestructionMethod, EventType
from salus.storage import repository as repo
from salus.storage import schema as t
from salus.storage.weapons import schema as w
from salus.usecases.errors import ValidationFailed
from salus.usecases.weapons.common import (
    area_for,
    audit,
    can_edit,
    can_read,
    check,
    fail,
    new_id,
    plain,
)
from salus.usecases.weapons.lifecycle import EventInput, Recorded, record_event_in


@dataclass(frozen=True, slots=True)
class CampaignInput:
    name: str
    starts_on: dt.date
    ends_on: dt.date
    area_code: str | None = None
    locations: tuple[str, ...] = ()
    description: str | None = None


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


@dataclass(frozen=True, slots=True)
class BatchInput:
    certificate_number: str
    method: DestructionMethod
    destroyed_on: dt.date
    place: str
    witnesses: tuple[str, ...] = ()
    area_code: str | None = None
    notes: str | None = None


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


def add_campaign(engine: sa.Engine, viewer: Viewer, c: CampaignInput) -> int:
    """Create a collection campaign; refused for a blank or used name or an end before start."""
    can_edit(viewer)
    errors = []
    if not c.name.strip():
        errors.append(ArmsRuleError("required", "name", c.name, "a campaign needs a name"))
    if c.ends_on < c.starts_on:
        errors.append(ArmsRuleError("campaign.end_before_start", "ends_on", c.ends_on,
                                    f"the campaign starts on {c.starts_on.isoformat()}"))
    check(errors)
    cc = w.collection_campaign
    with engine.begin() as conn:
        if conn.scalar(sa.select(cc.c.id).where(cc.c.name == c.name)) is not None:
            fail(ArmsRuleError("campaign.duplicate", "name", c.name, "this campaign exists"))
        values = {"name": c.name.strip(), "starts_on": c.starts_on, "ends_on": c.ends_on,
                  "area_id": area_for(conn, viewer, c.area_code),
                  "locations": list(c.locations), "description": c.description}
        campaign_id = new_id(conn.execute(cc.insert(), dict(
            **values, created_by=viewer.username, created_at=repo.now())))
        audit(conn, viewer.username, "create", "collection_campaign", str(campaign_id),
                   None, {k: plain(v) for k, v in values.items()})
    return campaign_id


def list_campaigns(engine: sa.Engine, viewer: Viewer) -> list[CampaignView]:
    """Every campaign with the number of weapons surrendered in it, newest first."""
    can_read(viewer)
    cc, e = w.collection_campaign, w.weapon_event
    count = (sa.select(sa.func.count()).where(e.c.campaign_id == cc.c.id)
             .correlate(cc).scalar_subquery())
    with engine.connect() as conn:
        rows = conn.execute(sa.select(cc, t.area.c.code.label("area_code"),
                                      count.label("surrendered"))
                            .outerjoin(t.area, t.area.c.id == cc.c.area_id)
                            .order_by(cc.c.starts_on.desc(), cc.c.id.desc())).all()
    return [CampaignView(r.name, r.starts_on, r.ends_on, r.area_code, list(r.locations or []),
                         r.description, int(r.surrendered)) for r in rows]


def add_destruction_batch(engine: sa.Engine, viewer: Viewer, b: BatchInput) -> str:
    """Create a destruction batch (MOSAIC 05.50); returns its certificate number. Refused: blank
    certificate or place, an unknown method, a future date, a certificate already used."""
    can_edit(viewer)
    check(_batch_errors(b))
    db = w.destruction_batch
    with engine.begin() as conn:
        if conn.scalar(sa.select(db.c.id).where(
                db.c.certificate_number == b.certificate_number)) is not None:
            fail(ArmsRuleError("batch.duplicate", "certificate_number", b.certificate_number,
                               "a batch with this certificate exists"))
        values = {"certificate_number": b.certificate_number.strip(),
                  "method": DestructionMethod(b.method).value, "destroyed_on": b.destroyed_on,
                  "place": b.place.strip(), "area_id": area_for(conn, viewer, b.area_code),
                  "witnesses": [x.strip() for x in b.witnesses if x.strip()], "notes": b.notes}
        conn.execute(db.insert(), dict(**values, created_by=viewer.username,
                                        created_at=repo.now()))
        audit(conn, viewer.username, "create", "destruction_batch", b.certificate_number,
                   None, {k: plain(v) for k, v in values.items()})
    return b.certificate_number


def _batch_errors(b: BatchInput) -> list[ArmsRuleError]:
    out = []
    for name in ("certificate_number", "place"):
        if not str(getattr(b, name) or "").strip():
            out.append(ArmsRuleError("required", name, getattr(b, name), "is required"))
    if b.method not in {m.value for m in DestructionMethod}:
        out.append(ArmsRuleError("batch.method", "method", b.method,
                                 f"one of {', '.join(m.value for m in DestructionMethod)}"))
    if b.destroyed_on > dt.datetime.now(dt.UTC).date():
        out.append(ArmsRuleError("date.future", "destroyed_on", b.destroyed_on,
                                 "the destruction date is in the future"))
    return out


def destroy_in_batch(engine: sa.Engine, viewer: Viewer, certificate_number: str,
                     weapon_uids: Sequence[str]) -> list[Recorded]:
    """Record the destruction of each weapon in the batch, in one transaction: if one weapon
    cannot be destroyed (e.g. it is still registered to an owner), nothing is recorded and the
    error names that weapon."""
    can_edit(viewer)
    db = w.destruction_batch
    out = []
    with engine.begin() as conn:
        batch = conn.execute(sa.select(db).where(
            db.c.certificate_number == certificate_number)).first()
        if batch is None:
            fail(ArmsRuleError("batch.unknown", "destruction_certificate", certificate_number,
                               "no destruction batch with this certificate number"))
        for uid in weapon_uids:
            event = EventInput(EventType.DESTROYED, batch.destroyed_on, place=batch.place,
                               destruction_certificate=certificate_number)
            try:
                out.append(record_event_in(conn, viewer, uid, event))
            except ValidationFailed as exc:
                raise ValidationFailed([e | {"weapon": uid} for e in exc.errors],
                                       f"weapon {uid}: {exc.detail}") from exc
    return out


def get_batch(engine: sa.Engine, viewer: Viewer, certificate_number: str) -> BatchView:
    """A destruction batch with the weapons destroyed in it."""
    can_read(viewer)
    db, e = w.destruction_batch, w.weapon_event
    with engine.connect() as conn:
        row = conn.execute(sa.select(db, t.area.c.code.label("area_code"))
                           .outerjoin(t.area, t.area.c.id == db.c.area_id)
                           .where(db.c.certificate_number == certificate_number)).first()
        if row is None:
            fail(ArmsRuleError("batch.unknown", "destruction_certificate", certificate_number,
                               "no destruction batch with this certificate number"))
        uids = conn.execute(sa.select(w.weapon.c.uid).join(e, e.c.weapon_id == w.weapon.c.id)
                            .where(e.c.destruction_batch_id == row.id).order_by(e.c.id)
                            ).scalars().all()
    return _batch_view(row, list(uids))


def _batch_view(row: Any, uids: list[str]) -> BatchView:
    return BatchView(row.certificate_number, row.method, row.destroyed_on, row.place,
                     row.area_code, list(row.witnesses or []), row.notes, uids)
