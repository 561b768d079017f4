"""Weapons linked to incidents, and firearm incidents broken down by the legal status of the
weapon (issue 6 §7).

A registry weapon is linked to an incident in a role (``used``, ``seized_at``, ``found_at``).
For the breakdown, each firearm incident of the period gets one legal-status code of
``taxonomies/firearm_legal_status.yaml``:

1. If registry weapons are linked to it, the status each had **on the day of the incident**
   (its lifecycle replayed up to that day, leaving out events of the incident itself, such as
   the seizure that followed it): registered → ``legal``; reported lost or stolen (diverted),
   never registered, or taken from state custody → ``illegal``; deactivated (so reactivated to
   be used) → ``illegally_modified_or_converted``.
2. Otherwise the ``legal_status`` declared on the incident's firearm rows (``incident_weapon``),
   and ``unknown`` where none is declared.

An incident with several weapons takes the most serious status (converted > illegal > legal >
unknown). Firearm incidents are those with a firearm or light weapon (``weapon.yaml`` branches
``firearm`` and ``light_weapon``) on the incident or its weapon rows, or a linked registry weapon.
Counting is done in SQL except for the (few) incidents with registry links, whose weapons'
histories are replayed by :func:`salus.domain.weapons.lifecycle.status_on`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from salus.domain import taxonomy
from salus.domain.accounts.roles import Permission, Viewer
from salus.domain.weapons.lifecycle import status_on
from salus.domain.weapons.registry import (
    ArmsRuleError,
    IncidentRole,
    WeaponStatus,
    weapon_categories,
)
from salus.storage import schema as t
from salus.storage.weapons import schema as w
from salus.usecases.errors import require
from salus.usecases.weapons.common import (
    area_for,
    audit,
    can_edit,
    can_read,
    fail,
    lifecycle,
    scoped,
    weapon_row,
)
from salus.usecases.weapons.lifecycle import link_in

RANK = {"unknown": 0, "legal": 1, "illegal": 2, "illegally_modified_or_converted": 3}
"""Seriousness of a legal status: an incident with several weapons takes the highest."""
CODES = {rank: code for code, rank in RANK.items()}


def legal_status_of(status: WeaponStatus | None) -> str:
    """The ``firearm_legal_status`` code of a weapon whose registry status was ``status``."""
    if status is WeaponStatus.REGISTERED:
        return "legal"
    if status is WeaponStatus.DEACTIVATED:
        return "illegally_modified_or_converted"
    return "illegal"


def link_incident(engine: sa.Engine, viewer: Viewer, weapon_uid: str, incident_uid: str,
                  role: IncidentRole = IncidentRole.USED) -> bool:
    """Link a registry weapon to an incident (idempotent); True when a new link was made."""
    can_edit(viewer)
    with engine.begin() as conn:
        weapon = weapon_row(conn, viewer, weapon_uid)
        if conn.scalar(sa.select(t.incident.c.id).where(t.incident.c.uid == incident_uid)) is None:
            fail(ArmsRuleError("incident.unknown", "incident_uid", incident_uid,
                               "no incident with this id"))
        added = link_in(conn, viewer, weapon["id"], incident_uid, IncidentRole(role))
        if added:
            audit(conn, viewer.username, "link_incident", "weapon", weapon_uid, None,
                       {"incident": incident_uid, "role": IncidentRole(role).value})
    return added


def weapon_incidents(engine: sa.Engine, viewer: Viewer, weapon_uid: str
                     ) -> list[dict[str, Any]]:
    """The incidents a weapon is linked to: ``{incident_uid, role, occurred_on, area_code}``."""
    can_read(viewer)
    wi, i = w.weapon_incident, t.incident
    with engine.connect() as conn:
        weapon = weapon_row(conn, viewer, weapon_uid)
        rows = conn.execute(
            sa.select(wi.c.incident_uid, wi.c.role, i.c.occurred_on, t.area.c.code)
            .outerjoin(i, i.c.uid == wi.c.incident_uid)
            .outerjoin(t.area, t.area.c.id == i.c.area_id)
            .where(wi.c.weapon_id == weapon["id"]).order_by(wi.c.id)).all()
    return [{"incident_uid": r[0], "role": r[1], "occurred_on": r[2], "area_code": r[3]}
            for r in rows]


@dataclass(frozen=True, slots=True)
class LegalStatusRow:
    code: str
    label: str
    incidents: int
    from_registry: int
    """Incidents whose status came from the registry (the rest: as declared on the incident)."""


@dataclass(frozen=True, slots=True)
class LegalStatusBreakdown:
    date_from: dt.date
    date_to: dt.date
    area_code: str | None
    rows: list[LegalStatusRow] = field(default_factory=list)
    registry_statuses: dict[str, int] = field(default_factory=dict)
    """For registry-linked incidents: the weapons' registry status on the day, by status."""

    @property
    def total(self) -> int:
        return sum(r.incidents for r in self.rows)


def incidents_by_legal_status(engine: sa.Engine, viewer: Viewer, date_from: dt.date,
                              date_to: dt.date, area_code: str | None = None,
                              language: str = "en") -> LegalStatusBreakdown:
    """Firearm incidents of ``[date_from, date_to]`` (in the viewer's scope, optionally under
    ``area_code``) counted by the legal status of the weapon (see the module docstring)."""
    require(viewer.can(Permission.WEAPONS) or viewer.can(Permission.READ_RECORDS),
            "your role does not read incidents or the weapons registry")
    with engine.connect() as conn:
        base = _firearm_incidents(conn, viewer, date_from, date_to, area_code)
        registry, statuses = _registry_codes(conn, base)
        declared = _declared_codes(conn, base)
    tax = taxonomy.load("firearm_legal_status")
    rows = [LegalStatusRow(code, tax.label(code, language),
                           registry[code] + declared[code], registry[code])
            for code in ("legal", "illegal", "illegally_modified_or_converted", "unknown")]
    return LegalStatusBreakdown(date_from, date_to, area_code, rows, dict(statuses))


def _firearm_incidents(conn: sa.Connection, viewer: Viewer, date_from: dt.date,
                       date_to: dt.date, area_code: str | None) -> sa.Subquery:
    i, iw, wi = t.incident, t.incident_weapon, w.weapon_incident
    firearms = sorted(weapon_categories())
    where = [i.c.occurred_on >= date_from, i.c.occurred_on <= date_to,
             *scoped(i.c.area_id, viewer),
             sa.or_(i.c.weapon_category.in_(firearms),
                    sa.exists().where(iw.c.incident_id == i.c.id, iw.c.category.in_(firearms)),
                    sa.exists().where(wi.c.incident_uid == i.c.uid))]
    if area_code:
        area_id = area_for(conn, viewer, area_code)
        where.append(i.c.area_id.in_(sa.select(t.area_ancestor.c.area_id).where(
            t.area_ancestor.c.ancestor_id == area_id)))
    return sa.select(i.c.id, i.c.uid, i.c.occurred_on).where(*where).subquery()


def _registry_codes(conn: sa.Connection, base: sa.Subquery) -> tuple[Counter[str], Counter[str]]:
    wi = w.weapon_incident
    links = conn.execute(sa.select(base.c.uid, base.c.occurred_on, wi.c.weapon_id)
                         .join(wi, wi.c.incident_uid == base.c.uid)).all()
    histories = {wid: lifecycle(conn, wid) for wid in {r.weapon_id for r in links}}
    best: dict[str, int] = {}
    statuses: Counter[str] = Counter()
    for r in links:
        status = status_on(histories[r.weapon_id], r.occurred_on, ignore_incident=r.uid)
        statuses[status.value if status is not None else "unrecorded"] += 1
        best[r.uid] = max(best.get(r.uid, 0), RANK[legal_status_of(status)])
    return Counter(CODES[rank] for rank in best.values()), statuses


def _declared_codes(conn: sa.Connection, base: sa.Subquery) -> Counter[str]:
    iw, wi = t.incident_weapon, w.weapon_incident
    firearms = sorted(weapon_categories())
    rank = sa.case(*((iw.c.legal_status == code, value) for code, value in RANK.items()
                     if value), else_=0)
    per_incident = (
        sa.select(base.c.id, sa.func.coalesce(sa.func.max(rank), 0).label("rank"))
        .select_from(base.outerjoin(iw, sa.and_(iw.c.incident_id == base.c.id,
                                                 iw.c.category.in_(firearms))))
        .where(~sa.exists().where(wi.c.incident_uid == base.c.uid))
        .group_by(base.c.id).subquery())
    rows = conn.execute(sa.select(per_incident.c.rank, sa.func.count())
                        .group_by(per_incident.c.rank)).all()
    return Counter({CODES[int(r[0])]: int(r[1]) for r in rows})
