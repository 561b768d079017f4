"""One incident: detail (with masking and audited reads), create, edit, history.

Permissions: ``read_records`` to see, ``create_records`` / ``edit_records`` to write, always
inside the viewer's area scope (records outside it answer "not found", so their existence is
not revealed). Identifying fields follow :meth:`Viewer.sees_identities`; an editor who may not
see them cannot erase them either (the stored values are kept).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from salus.domain.accounts.roles import Permission, Viewer
from salus.domain.incidents.classification import Classification, classify_persons, has_context
from salus.domain.incidents.model import Outcome, Person, Role, Sex
from salus.storage import repository
from salus.storage import schema as t
from salus.storage.weapons.schema import weapon as registry_weapon
from salus.usecases.accounts.audit import AuditEvent, record_history
from salus.usecases.errors import NotFound, require
from salus.usecases.incidents.input import IDENTIFYING
from salus.usecases.scope import area_in_scope


@dataclass(frozen=True, slots=True)
class IncidentDetail:
    uid: str
    fields: dict[str, Any]
    persons: list[dict[str, Any]]
    weapons: list[dict[str, Any]]
    source: dict[str, Any]
    identities_hidden: bool
    warnings: list[dict[str, Any]] = field(default_factory=list)
    classification: dict[str, Any] = field(default_factory=dict)
    """Derived femicide / domestic-violence classes with their reasons
    (:mod:`salus.domain.incidents.classification`): ``femicide``, ``domestic_violence``,
    ``reasons`` [{kind, victim, basis, perpetrator}]."""


REGISTRY = ("uid", "serial_number", "manufacturer", "model", "calibre", "status")
"""What an incident page shows of a linked registry weapon: its marking, never its owner."""


def _load(conn: sa.Connection, uid: str) -> tuple[Any, list[Any], list[Any], Any]:
    i = t.incident
    row = conn.execute(sa.select(i, t.area.c.code.label("area_code"),
                                 t.area.c.name.label("area_name"))
                       .join(t.area, t.area.c.id == i.c.area_id).where(i.c.uid == uid)).first()
    if row is None:
        raise NotFound("no such incident")
    persons = conn.execute(sa.select(t.person).where(t.person.c.incident_id == row.id)
                           .order_by(t.person.c.id)).all()
    w, r = t.incident_weapon, registry_weapon
    weapons = conn.execute(sa.select(w, *(r.c[k].label(f"registry_{k}") for k in REGISTRY))
                           .outerjoin(r, r.c.uid == w.c.weapon_uid)
                           .where(w.c.incident_id == row.id).order_by(w.c.id)).all()
    source = conn.execute(sa.select(t.incident_source)
                          .where(t.incident_source.c.incident_id == row.id)).first()
    return row, list(persons), list(weapons), source


def _person(p: Any, show: bool) -> dict[str, Any]:
    out = {k: v for k, v in p._mapping.items() if k not in ("id", "incident_id")}
    if out.get("age_max") == t.OPEN_AGE:
        out["age_max"] = None
    if not show:
        for key in IDENTIFYING:
            out.pop(key, None)
    return out


def _detail(row: Any, persons: list[Any], weapons: list[Any], source: Any,
            viewer: Viewer) -> IncidentDetail:
    show = viewer.sees_identities(row.sensitivity)
    fields = {k: v for k, v in row._mapping.items()
              if k not in ("id", "area_id", "content_hash", "import_batch_id")}
    if not viewer.sees_narrative(row.sensitivity):
        fields.pop("narrative")
    # a source file's other columns may name persons: shown with identities only
    attributes = fields.pop("source_attributes", None) or {}
    if show:
        fields["source_attributes"] = attributes
    fields["attempted"] = bool(fields["attempted"])
    hidden = not show and any(getattr(p, k) for p in persons for k in IDENTIFYING)
    hidden = hidden or ("narrative" not in fields and bool(row.narrative))
    hidden = hidden or (not show and bool(attributes))
    src = {k: getattr(source, k) for k in ("source_type", "source_name", "record_id", "url")}
    return IncidentDetail(row.uid, fields, [_person(p, show) for p in persons],
                          [_weapon(w) for w in weapons], src, hidden,
                          classification=_classification(row, persons))


def _weapon(w: Any) -> dict[str, Any]:
    out = {k: w._mapping[k] for k in ("category", "legal_status", "count", "description",
                                      "serial_number")}
    out["registry_uid"] = w.weapon_uid
    out["registry"] = ({k: w._mapping[f"registry_{k}"] for k in REGISTRY}
                       if w.registry_uid is not None else None)
    return out


def _classification(row: Any, persons: list[Any]) -> dict[str, Any]:
    found: Classification = classify_persons(
        [Person(Role(p.role), Sex(p.sex), outcome=Outcome(p.outcome),
                relationship=p.relationship, related_victim=p.related_victim)
         for p in persons],
        homicide=str(row.iccs_code).startswith("0101") and not row.attempted,
        context=has_context(row.iccs_context, row.misuse_context, row.sensitivity))
    return {"femicide": found.femicide, "domestic_violence": found.domestic_violence,
            "reasons": [{"kind": r.kind, "victim": r.victim, "basis": r.basis,
                         "perpetrator": r.perpetrator} for r in found.reasons]}


def _reads_identities(detail: IncidentDetail) -> bool:
    return any(p.get(k) for p in detail.persons for k in IDENTIFYING) or (
        detail.fields.get("sensitivity") == "gbv" and bool(detail.fields.get("narrative")))


def get_incident(engine: sa.Engine, viewer: Viewer, uid: str) -> IncidentDetail:
    """The incident as the viewer may see it; a read of identifying data is audited."""
    require(viewer.can(Permission.READ_RECORDS), "your role does not read records")
    with engine.begin() as conn:
        row, persons, weapons, source = _load(conn, uid)
        if not area_in_scope(conn, viewer, row.area_id):
            raise NotFound("no such incident")
        detail = _detail(row, persons, weapons, source, viewer)
        if _reads_identities(detail):
            repository.audit(conn, viewer.username, "read_identities", "incident", uid)
    return detail


def history(engine: sa.Engine, viewer: Viewer, uid: str) -> list[AuditEvent]:
    """The audit trail of one incident, snapshots masked like the record itself."""
    detail = get_incident(engine, viewer, uid)
    events = record_history(engine, "incident", uid)
    if detail.identities_hidden:
        events = [_mask_event(e) for e in events]
    return events


def _mask_event(e: AuditEvent) -> AuditEvent:
    def clean(snapshot: dict[str, Any] | None) -> dict[str, Any] | None:
        if snapshot is None:
            return None
        out = {k: v for k, v in snapshot.items() if k not in ("narrative", "source_attributes")}
        out["persons"] = [{k: v for k, v in p.items() if k not in IDENTIFYING}
                          for p in snapshot.get("persons", [])]
        return out

    return AuditEvent(e.id, e.at, e.actor, e.action, e.entity, e.entity_id, clean(e.before),
                      clean(e.after))


def snapshot(detail: IncidentDetail) -> dict[str, Any]:
    """JSON-ready copy of a record for the audit log's before/after."""
    def plain(v: Any) -> Any:
        return v.isoformat() if hasattr(v, "isoformat") else v

    fields = {k: plain(v) for k, v in detail.fields.items()
              if k not in ("created_at", "updated_at", "area_name")}
    return fields | {"persons": [{k: plain(v) for k, v in p.items()} for p in detail.persons],
                     "weapons": detail.weapons, "source": detail.source}
