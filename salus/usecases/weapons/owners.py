"""Owners and licences of the civilian registry (issue 6 §2).

Owners are persons (names, identity document, date of birth, address) or legal entities (name,
registration number). Their personal data is seen only by roles with ``WEAPON_OWNERS``, and every
read of it is written to the audit log as ``weapon_owner.read`` (who, when, which owners, in
which context). Licences have a type, issue and expiry dates, conditions and a status; every
change (issue, renewal, suspension, reinstatement, revocation) is appended to ``licence_event``.

Errors as in :mod:`salus.usecases.weapons.records`; nothing is written when one is raised.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from salus.domain.accounts.roles import Permission, Viewer
from salus.domain.weapons.registry import (
    ArmsRuleError,
    IdDocumentType,
    LicenceAction,
    LicenceRecord,
    LicenceStatus,
    LicenceType,
    OwnerKind,
    OwnerRecord,
    licence_status,
)
from salus.domain.weapons.rules import licence_change, licence_errors, owner_errors
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
    can_see_owners,
    check,
    fail,
    licence_row,
    new_id,
    owner_row,
    plain,
    scoped,
    today,
)

OWNER_READ = "weapon_owner.read"
"""Audit action of every read of owners' personal data."""


@dataclass(frozen=True, slots=True)
class OwnerView:
    """An owner with personal data (``WEAPON_OWNERS`` only)."""

    uid: str
    kind: str
    name: str
    given_name: str | None
    family_name: str | None
    entity_name: str | None
    registration_number: str | None
    id_document_type: str | None
    id_document_number: str | None
    date_of_birth: dt.date | None
    address: str | None
    area_code: str | None


@dataclass(frozen=True, slots=True)
class LicenceView:
    number: str
    licence_type: str
    issued_on: dt.date
    expires_on: dt.date
    status: str
    """The status today: ``expired`` for an active licence past its expiry date."""
    conditions: str | None
    issuing_authority: str | None
    owner_uid: str
    area_code: str | None


@dataclass(frozen=True, slots=True)
class LicenceEventView:
    action: str
    occurred_on: dt.date
    from_status: str | None
    to_status: str
    expires_on: dt.date | None
    reason: str | None
    recorded_by: str


@dataclass(frozen=True, slots=True)
class OwnerDetail:
    owner: OwnerView
    licences: list[LicenceView] = field(default_factory=list)
    weapons: list[str] = field(default_factory=list)
    """Uids of the weapons registered to the owner now (open holdings)."""


@dataclass(frozen=True, slots=True)
class ExpiringLicence:
    """A licence expiring soon; ``owner_name`` only for ``WEAPON_OWNERS`` (read audited)."""

    number: str
    licence_type: str
    expires_on: dt.date
    days_left: int
    owner_uid: str
    owner_name: str | None
    area_code: str | None
    weapons: int


def audit_owner_read(conn: sa.Connection, viewer: Viewer, owner_uids: list[str],
                     context: str, asked: dict[str, Any] | None = None) -> None:
    """One audit entry per read of owners' personal data (nothing when no owner was shown)."""
    if not owner_uids:
        return
    entity_id = owner_uids[0] if len(owner_uids) == 1 else None
    audit(conn, viewer.username, OWNER_READ, "arms_owner", entity_id, asked,
               {"context": context, "owners": owner_uids})


# ---------------------------------------------------------------- owners


def add_owner(engine: sa.Engine, viewer: Viewer, owner: OwnerRecord) -> str:
    """Register a person or legal entity as a (potential) weapon owner; returns its uid.

    Refused: missing family name / identity document (persons) or name / registration number
    (entities), a date of birth in the future, an identity document or registration number
    already registered (``owner.duplicate``)."""
    with engine.begin() as conn:
        return add_owner_in(conn, viewer, owner)


def add_owner_in(conn: sa.Connection, viewer: Viewer, owner: OwnerRecord) -> str:
    can_edit(viewer)
    can_see_owners(viewer)
    check(owner_errors(owner, today()))
    existing = owner_uid_by_identity(conn, owner)
    if existing is not None:
        name, value = _identity_field(owner)
        fail(ArmsRuleError("owner.duplicate", name, value,
                           f"an owner with this {name.replace('_', ' ')} is registered "
                           f"({existing})"))
    uid = str(uuid.uuid4())
    doc_type = None if owner.id_document_type is None else IdDocumentType(owner.id_document_type)
    conn.execute(w.arms_owner.insert(), dict(
        uid=uid, kind=OwnerKind(owner.kind).value, given_name=owner.given_name,
        family_name=owner.family_name, entity_name=owner.entity_name,
        registration_number=owner.registration_number,
        id_document_type=None if doc_type is None else doc_type.value,
        id_document_number=owner.id_document_number, date_of_birth=owner.date_of_birth,
        address=owner.address, area_id=area_for(conn, viewer, owner.area_code),
        created_by=viewer.username, created_at=repo.now()))
    audit(conn, viewer.username, "create", "arms_owner", uid, None,
               {"kind": owner.kind.value, "area_code": owner.area_code})
    return uid


def _identity_field(owner: OwnerRecord) -> tuple[str, str | None]:
    if owner.kind is OwnerKind.ENTITY:
        return "registration_number", owner.registration_number
    return "id_document_number", owner.id_document_number


def owner_uid_by_identity(conn: sa.Connection, owner: OwnerRecord) -> str | None:
    """The uid of the owner with the same identity document (persons) or registration number
    (entities), if any — the natural key imports use to stay idempotent."""
    o = w.arms_owner
    if owner.kind is OwnerKind.ENTITY:
        cond = o.c.registration_number == owner.registration_number
    else:
        doc = None if owner.id_document_type is None else IdDocumentType(owner.id_document_type)
        cond = sa.and_(o.c.id_document_type == (None if doc is None else doc.value),
                       o.c.id_document_number == owner.id_document_number)
    found = conn.scalar(sa.select(o.c.uid).where(cond))
    return None if found is None else str(found)


def _owner_query() -> sa.Select[Any]:
    o = w.arms_owner
    return (sa.select(o, t.area.c.code.label("area_code"))
            .select_from(o.outerjoin(t.area, t.area.c.id == o.c.area_id)))


def _owner_view(r: Any) -> OwnerView:
    name = (r.entity_name if r.kind == OwnerKind.ENTITY.value
            else " ".join(p for p in (r.given_name, r.family_name) if p))
    return OwnerView(r.uid, r.kind, name or "", r.given_name, r.family_name, r.entity_name,
                     r.registration_number, r.id_document_type, r.id_document_number,
                     r.date_of_birth, r.address, r.area_code)


def get_owner(engine: sa.Engine, viewer: Viewer, uid: str) -> OwnerDetail:
    """An owner with licences and currently registered weapons (``WEAPON_OWNERS``; audited)."""
    can_see_owners(viewer)
    o = w.arms_owner
    with engine.begin() as conn:
        row = conn.execute(_owner_query().where(o.c.uid == uid, *scoped(o.c.area_id, viewer))
                           ).first()
        if row is None:
            raise NotFound(f"no owner {uid!r}")
        licences = _licences(conn, [w.licence.c.owner_id == row.id])
        h = w.weapon_holding
        weapons = conn.execute(sa.select(w.weapon.c.uid).join(h, h.c.weapon_id == w.weapon.c.id)
                               .where(h.c.owner_id == row.id, h.c.to_date.is_(None))
                               .order_by(h.c.id)).scalars().all()
        audit_owner_read(conn, viewer, [uid], "get_owner")
    return OwnerDetail(_owner_view(row), licences, list(weapons))


def _owner_where(viewer: Viewer, name: str | None) -> list[sa.ColumnElement[bool]]:
    o = w.arms_owner
    where = list(scoped(o.c.area_id, viewer))
    if name:
        pattern = f"%{name.lower()}%"
        where.append(sa.or_(*(sa.func.lower(c).like(pattern)
                              for c in (o.c.given_name, o.c.family_name, o.c.entity_name))))
    return where


def seek_owners(engine: sa.Engine, viewer: Viewer, name: str | None = None,
                request: SeekRequest | None = None) -> CursorPage[OwnerView]:
    """:func:`list_owners` by keyset pages (issue 11): by id, cursors to the next and previous
    pages (:func:`~salus.usecases.paging.seek_by_id`), the total exact up to
    :data:`~salus.usecases.paging.COUNT_CAP` then estimated or "more than"; the owners shown
    are audited as :func:`list_owners` does."""
    can_see_owners(viewer)
    request = request or SeekRequest()
    o = w.arms_owner
    where = _owner_where(viewer, name)
    with engine.begin() as conn:
        total = count_capped(conn, sa.select(o.c.id).where(*where))
        rows, next_, prev = seek_by_id(conn, _owner_query().where(*where), o.c.id, request,
                                       "owners", descending=False)
        audit_owner_read(conn, viewer, [r.uid for r in rows], "list_owners", {"name": name})
    return CursorPage([_owner_view(r) for r in rows], total, request.per_page, next_, prev,
                      None if request.cursor else (request.page or 1))


def list_owners(engine: sa.Engine, viewer: Viewer, name: str | None = None,
                paging: PageRequest | None = None) -> Page[OwnerView]:
    """Owners in scope whose name contains ``name`` (case-insensitive); audited."""
    can_see_owners(viewer)
    paging = paging or PageRequest()
    o = w.arms_owner
    where = _owner_where(viewer, name)
    with engine.begin() as conn:
        total = conn.scalar(sa.select(sa.func.count()).select_from(o).where(*where))
        rows = conn.execute(_owner_query().where(*where).order_by(o.c.id)
                            .limit(paging.per_page).offset(paging.offset)).all()
        audit_owner_read(conn, viewer, [r.uid for r in rows], "list_owners", {"name": name})
    return Page([_owner_view(r) for r in rows], int(total or 0), paging.page, paging.per_page)


# ---------------------------------------------------------------- licences


def issue_licence(engine: sa.Engine, viewer: Viewer, owner_uid: str,
                  lic: LicenceRecord) -> str:
    """Issue a licence to an owner; returns its number. Refused: expiry on or before issue
    (``licence.expiry_before_issue``), a number already used (``licence.duplicate``)."""
    with engine.begin() as conn:
        return issue_licence_in(conn, viewer, owner_uid, lic)


def issue_licence_in(conn: sa.Connection, viewer: Viewer, owner_uid: str,
                     lic: LicenceRecord) -> str:
    can_edit(viewer)
    can_see_owners(viewer)
    check(licence_errors(lic))
    owner = owner_row(conn, viewer, owner_uid)
    if conn.scalar(sa.select(w.licence.c.id).where(w.licence.c.number == lic.number)):
        fail(ArmsRuleError("licence.duplicate", "number", lic.number,
                           "a licence with this number exists"))
    area_id = area_for(conn, viewer, lic.area_code) if lic.area_code else owner["area_id"]
    licence_id = new_id(conn.execute(w.licence.insert(), dict(
        number=lic.number, owner_id=owner["id"], licence_type=LicenceType(lic.licence_type).value,
        issued_on=lic.issued_on, expires_on=lic.expires_on, conditions=lic.conditions,
        issuing_authority=lic.issuing_authority, status=LicenceStatus.ACTIVE.value,
        area_id=area_id, created_by=viewer.username, created_at=repo.now())))
    _licence_event(conn, viewer, licence_id, LicenceAction.ISSUED, lic.issued_on, None,
                   LicenceStatus.ACTIVE, lic.expires_on, None)
    audit(conn, viewer.username, "issue", "licence", lic.number, None,
               {"owner": owner_uid, "licence_type": lic.licence_type.value,
                "issued_on": plain(lic.issued_on), "expires_on": plain(lic.expires_on)})
    return lic.number


def _licence_event(conn: sa.Connection, viewer: Viewer, licence_id: int,
                   action: LicenceAction, on: dt.date, before: LicenceStatus | None,
                   after: LicenceStatus, expires_on: dt.date | None,
                   reason: str | None) -> None:
    conn.execute(w.licence_event.insert(), dict(
        licence_id=licence_id, action=action.value, occurred_on=on,
        from_status=None if before is None else before.value, to_status=after.value,
        expires_on=expires_on, reason=reason, recorded_by=viewer.username,
        recorded_at=repo.now()))


def change_licence(engine: sa.Engine, viewer: Viewer, number: str, action: LicenceAction,
                   on: dt.date, *, expires_on: dt.date | None = None,
                   reason: str | None = None) -> LicenceView:
    """Renew (with a new ``expires_on``), suspend, reinstate or revoke a licence; the change is
    appended to ``licence_event``. Refused: a change not allowed from the licence's status
    (a revoked licence stays revoked), a renewal that does not extend the licence."""
    can_edit(viewer)
    with engine.begin() as conn:
        row = licence_row(conn, number)
        _owner_uid(conn, viewer, row["owner_id"])
        before = licence_status(row["status"], row["expires_on"], on)
        try:
            status, new_expiry = licence_change(row["status"], row["expires_on"], action, on,
                                                expires_on)
        except ArmsRuleError as exc:
            fail(exc)
        conn.execute(w.licence.update().where(w.licence.c.id == row["id"])
                     .values(status=status.value, expires_on=new_expiry))
        _licence_event(conn, viewer, row["id"], action, on, before, status,
                       new_expiry if action is LicenceAction.RENEWED else None, reason)
        audit(conn, viewer.username, action.value, "licence", number,
                   {"status": row["status"], "expires_on": plain(row["expires_on"])},
                   {"status": status.value, "expires_on": plain(new_expiry), "reason": reason})
        return _licences(conn, [w.licence.c.id == row["id"]], on)[0]


def _owner_uid(conn: sa.Connection, viewer: Viewer, owner_id: int) -> str:
    o = w.arms_owner
    uid = conn.scalar(sa.select(o.c.uid).where(o.c.id == owner_id, *scoped(o.c.area_id, viewer)))
    if uid is None:
        raise NotFound("no such licence in your area")
    return str(uid)


def _licences(conn: sa.Connection, where: list[sa.ColumnElement[bool]],
              on: dt.date | None = None) -> list[LicenceView]:
    lic, o = w.licence, w.arms_owner
    day = on or today()
    rows = conn.execute(
        sa.select(lic, o.c.uid.label("owner_uid"), t.area.c.code.label("area_code"))
        .join(o, o.c.id == lic.c.owner_id).outerjoin(t.area, t.area.c.id == lic.c.area_id)
        .where(*where).order_by(lic.c.issued_on, lic.c.id)).all()
    return [LicenceView(r.number, r.licence_type, r.issued_on, r.expires_on,
                        licence_status(r.status, r.expires_on, day).value, r.conditions,
                        r.issuing_authority, r.owner_uid, r.area_code) for r in rows]


def get_licence(engine: sa.Engine, viewer: Viewer, number: str
                ) -> tuple[LicenceView, list[LicenceEventView]]:
    """A licence and its history of changes (``WEAPONS``; the owner is given by uid only)."""
    can_read(viewer)
    with engine.connect() as conn:
        row = licence_row(conn, number)
        _owner_uid(conn, viewer, row["owner_id"])
        view = _licences(conn, [w.licence.c.id == row["id"]])[0]
        e = w.licence_event
        events = conn.execute(sa.select(e).where(e.c.licence_id == row["id"])
                              .order_by(e.c.id)).all()
    return view, [LicenceEventView(r.action, r.occurred_on, r.from_status, r.to_status,
                                   r.expires_on, r.reason, r.recorded_by) for r in events]


def expiring_licences(engine: sa.Engine, viewer: Viewer, within_days: int = 30,
                      area_code: str | None = None, on: dt.date | None = None
                      ) -> list[ExpiringLicence]:
    """Active licences expiring within ``within_days`` of ``on`` (default today), soonest first,
    in the viewer's scope and optionally under ``area_code`` — the renewal reminder list.
    Owners' names are included for ``WEAPON_OWNERS`` viewers, and that read is audited."""
    can_read(viewer)
    day = on or today()
    lic = w.licence
    with engine.begin() as conn:
        where = [lic.c.status == LicenceStatus.ACTIVE.value, lic.c.expires_on >= day,
                 lic.c.expires_on <= day + dt.timedelta(days=within_days),
                 *scoped(lic.c.area_id, viewer)]
        if area_code:
            area_id = area_for(conn, viewer, area_code)
            where.append(lic.c.area_id.in_(sa.select(t.area_ancestor.c.area_id).where(
                t.area_ancestor.c.ancestor_id == area_id)))
        rows = conn.execute(_expiring_query(where)).all()
        names = viewer.can(Permission.WEAPON_OWNERS)
        if names:
            audit_owner_read(conn, viewer, sorted({r.owner_uid for r in rows}),
                             "expiring_licences", {"within_days": within_days,
                                                   "area_code": area_code})
    return [ExpiringLicence(r.number, r.licence_type, r.expires_on, (r.expires_on - day).days,
                            r.owner_uid, _name(r) if names else None, r.area_code,
                            int(r.weapons)) for r in rows]


def _expiring_query(where: list[sa.ColumnElement[bool]]) -> sa.Select[Any]:
    lic, o, h = w.licence, w.arms_owner, w.weapon_holding
    held = (sa.select(sa.func.count()).where(h.c.licence_id == lic.c.id, h.c.to_date.is_(None))
            .correlate(lic).scalar_subquery())
    return (sa.select(lic.c.number, lic.c.licence_type, lic.c.expires_on,
                      o.c.uid.label("owner_uid"), o.c.kind, o.c.given_name, o.c.family_name,
                      o.c.entity_name, t.area.c.code.label("area_code"), held.label("weapons"))
            .join(o, o.c.id == lic.c.owner_id).outerjoin(t.area, t.area.c.id == lic.c.area_id)
            .where(*where).order_by(lic.c.expires_on, lic.c.number))


def _name(r: Any) -> str:
    if r.kind == OwnerKind.ENTITY.value:
        return str(r.entity_name or "")
    return " ".join(p for p in (r.given_name, r.family_name) if p)
