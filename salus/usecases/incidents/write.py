"""Creating and editing incidents from the web form or the API, with validation and audit."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from salus.domain.accounts.roles import SYSTEM_VIEWER, Permission, Viewer
from salus.storage import repository
from salus.storage import schema as t
from salus.usecases.area_picker import areas_named
from salus.usecases.errors import Conflict, NotFound, ValidationFailed, require
from salus.usecases.incidents.detail import IncidentDetail, _detail, _load, snapshot
from salus.usecases.incidents.input import IDENTIFYING, build_incident, weapon_rows
from salus.usecases.scope import area_id_of, area_in_scope
from salus.usecases.weapons.search import link_by_serial

WEB_SOURCE = "salus-web"


def _clean(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v not in (None, "")}


def _known_areas(conn: sa.Connection) -> set[str]:
    return set(conn.execute(sa.select(t.area.c.code)).scalars())


def _check_scope(conn: sa.Connection, viewer: Viewer, area_code: str | None) -> None:
    area_id = area_id_of(conn, area_code) if area_code else None
    if area_id is not None and not area_in_scope(conn, viewer, area_id):
        raise ValidationFailed([{"field": "area_code", "code": "area.out_of_scope",
                                 "message": "this area is outside the area you work in",
                                 "severity": "error"}])


def _error(field: str, code: str, message: str) -> dict[str, Any]:
    return {"field": field, "code": code, "message": message, "severity": "error"}


def _resolve_area(conn: sa.Connection, viewer: Viewer, values: dict[str, Any]) -> None:
    """An area given by its name (the picker without JavaScript) becomes its code."""
    typed = str(values.get("area_code") or "").strip()
    if not typed or area_id_of(conn, typed) is not None:
        return
    found = areas_named(conn, viewer, typed)
    if len(found) == 1:
        values["area_code"] = found[0].code
    elif found:
        which = ", ".join(f"{a.name} ({a.code}, in {a.parent_name or '-'})" for a in found[:10])
        raise ValidationFailed([_error("area_code", "area.ambiguous",
                                       f"{len(found)} areas are named {typed!r}: {which}; "
                                       "choose one by its code")])


def _weapon_field(n: int, flat: bool) -> str:
    return "weapon_serial" if flat else f"weapons[{n}].serial_number"


def _link_weapons(engine: sa.Engine, viewer: Viewer,
                  values: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Each weapon's serial number matched to the registry (tolerant search, exact matches):
    ``values`` with ``weapons`` rows carrying ``registry_uid``, and an error naming the value
    for a serial that matches no weapon or several."""
    rows, flat = weapon_rows(values), not values.get("weapons")
    errors: list[dict[str, Any]] = []
    for n, row in enumerate(rows, start=1):
        serial = str(row.get("serial_number") or "").strip()
        row.pop("registry_uid", None)
        if not serial:
            continue
        try:
            row["registry_uid"] = link_by_serial(engine, viewer, serial).uid
        except ValidationFailed as exc:
            errors += [_error(_weapon_field(n, flat), f"weapon.{e['code']}",
                              f"serial {serial!r}: {e['message']}") for e in exc.errors]
    return values | {"weapons": rows}, errors


def _check_key(conn: sa.Connection, key: tuple[str, str, str], uid: str) -> None:
    s = t.incident_source
    q = (sa.select(t.incident.c.uid).join(s, s.c.incident_id == t.incident.c.id)
         .where(s.c.source_type == key[0], s.c.source_name == key[1], s.c.record_id == key[2]))
    other = conn.execute(q).scalar()
    if other is not None and other != uid:
        raise Conflict(f"another incident ({other}) has this source record")


def _save(conn: sa.Connection, data: dict[str, Any], uid: str,
          link_errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    incident, findings = build_incident(data, uid=uid, known_areas=_known_areas(conn))
    if incident is None or link_errors:
        raise ValidationFailed([f for f in findings if f["severity"] == "error"] + link_errors)
    _check_key(conn, incident.natural_key(), uid)
    conn.execute(sa.delete(t.incident).where(t.incident.c.uid == uid))
    repository.save_incidents(conn, [incident], known={})
    return [f for f in findings if f["severity"] != "error"]


def _full(conn: sa.Connection, uid: str) -> IncidentDetail:
    row, persons, weapons, source = _load(conn, uid)
    return _detail(row, persons, weapons, source, SYSTEM_VIEWER)


def create_incident(engine: sa.Engine, viewer: Viewer,
                    data: Mapping[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """Validate and store a new incident; returns its uid and the validation warnings."""
    require(viewer.can(Permission.CREATE_RECORDS), "your role does not create records")
    uid = str(uuid.uuid4())
    values = {"source_type": "other", "source_name": WEB_SOURCE, "record_id": uid} | _clean(data)
    if not viewer.can(Permission.IDENTITIES):
        values["persons"] = [{k: v for k, v in p.items() if k not in IDENTIFYING}
                             for p in values.get("persons") or []]
    values, link_errors = _link_weapons(engine, viewer, values)
    with engine.begin() as conn:
        _resolve_area(conn, viewer, values)
        _check_scope(conn, viewer, values.get("area_code"))
        warnings = _save(conn, values, uid, link_errors)
        repository.audit(conn, viewer.username, "create", "incident", uid, None,
                         snapshot(_full(conn, uid)))
    return uid, warnings


def _keep_hidden(old: IncidentDetail, values: dict[str, Any], viewer: Viewer) -> None:
    """Carry over what the editor could not see, so an edit never erases it."""
    sensitivity = str(old.fields["sensitivity"])
    if not viewer.sees_identities(sensitivity):
        values["sensitivity"] = sensitivity
        persons = list(values.get("persons") or [])
        for n, person in enumerate(persons):
            if n < len(old.persons):
                persons[n] = dict(person) | {k: old.persons[n].get(k) for k in IDENTIFYING}
        values["persons"] = persons
    if not viewer.sees_narrative(sensitivity):
        values["narrative"] = old.fields.get("narrative")


def update_incident(engine: sa.Engine, viewer: Viewer, uid: str,
                    data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Replace an incident's fields (same uid); returns the validation warnings."""
    require(viewer.can(Permission.EDIT_RECORDS), "your role does not edit records")
    data, link_errors = _link_weapons(engine, viewer, dict(data))
    with engine.begin() as conn:
        old = _full(conn, uid)
        old_area = area_id_of(conn, str(old.fields["area_code"]))
        if old_area is None or not area_in_scope(conn, viewer, old_area):
            raise NotFound("no such incident")
        values = dict(old.source) | _clean(data)
        _keep_hidden(old, values, viewer)
        _resolve_area(conn, viewer, values)
        _check_scope(conn, viewer, values.get("area_code"))
        warnings = _save(conn, values, uid, link_errors)
        # an edit keeps the creation time and the columns its source file had beyond the form
        conn.execute(t.incident.update().where(t.incident.c.uid == uid)
                     .values(created_at=old.fields["created_at"],
                             source_attributes=old.fields.get("source_attributes") or None))
        repository.audit(conn, viewer.username, "update", "incident", uid, snapshot(old),
                         snapshot(_full(conn, uid)))
    return warnings


def form_values(detail: IncidentDetail) -> dict[str, Any]:
    """The flat field values an edit form starts from."""
    f = detail.fields
    values = {k: f.get(k) for k in ("occurred_on", "date_precision", "area_code", "iccs_code",
                                    "attempted", "iccs_context", "misuse_context",
                                    "location_type", "narrative", "sensitivity",
                                    "declared_killed", "declared_injured", "reported_on",
                                    "longitude", "latitude", "location_precision")}
    first = detail.weapons[0] if detail.weapons else {}
    values["weapon"] = first.get("category")
    values["weapon_legal_status"] = first.get("legal_status")
    values["weapon_serial"] = first.get("serial_number")
    values |= {k: detail.source[k] for k in ("source_type", "source_name", "record_id")}
    values["persons"] = [p | {"age": p.get("age_min") if p.get("age_min") == p.get("age_max")
                              else None} for p in detail.persons]
    return values
