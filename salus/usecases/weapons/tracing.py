"""Tracing requests (issue 6 §5; International Tracing Instrument §§ 14–23).

A request concerns one *recovery* of a weapon — an effective ``seized``, ``found`` or
``surrendered`` event of its lifecycle (corrections applied) — and is addressed first to the
national records, then to the manufacturer, the exporting or importing State, or INTERPOL
iARMS (``investigation`` records an origin the competent authority established itself). Its
status moves along :data:`salus.domain.weapons.tracing.TRANSITIONS`; its outcome, point of
diversion and
how the origin was established are checked by :func:`salus.domain.weapons.tracing.trace_problems`.

* :func:`create_request`, :func:`update_request` — ``EDIT_WEAPONS``; audited;
* :func:`answer_from_national_records` — the registry answers a national-records request: the
  last legal holder (``weapon_holding``) and any loss or theft reported after it. It reads
  owners' data, so it also needs ``WEAPON_OWNERS`` and is audited as an owner read;
* :func:`get_request`, :func:`list_requests` — ``WEAPONS``; the last legal holder is shown only
  to ``WEAPON_OWNERS`` viewers (and that read is audited).

SDG 16.4.2 is computed by :mod:`salus.usecases.weapons.sdg_16_4_2`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from salus.domain.accounts.roles import Permission, Viewer
from salus.domain.weapons import tracing as tr
from salus.domain.weapons.lifecycle import effective_history
from salus.domain.weapons.registry import EventType, LifecycleEvent
from salus.storage import repository as repo
from salus.storage.weapons import schema as arms
from salus.storage.weapons import stock_schema as st
from salus.usecases import scope
from salus.usecases.errors import NotFound, PermissionDenied
from salus.usecases.weapons import stock_common as c
from salus.usecases.weapons.common import lifecycle
from salus.usecases.weapons.owners import audit_owner_read

EDITABLE = ("recipient", "status", "sent_on", "response_on", "response", "outcome",
            "point_of_diversion", "established_by", "notes")
"""Fields :func:`update_request` may change."""
OUTSIDE_REQUESTS = frozenset({"manufacturer", "exporting_state", "importing_state",
                              "interpol_iarms"})


@dataclass(frozen=True, slots=True)
class TraceInput:
    """A new tracing request. ``weapon`` is an id or uid; ``recovery_event_id`` the seizure,
    finding or surrender it concerns (default: the weapon's latest one)."""

    weapon: int | str
    requested_to: str
    recovery_event_id: int | None = None
    recipient: str | None = None
    status: str = "draft"
    sent_on: dt.date | None = None
    response_on: dt.date | None = None
    response: str | None = None
    outcome: str = "pending"
    point_of_diversion: str | None = None
    established_by: str | None = None
    notes: str | None = None


@dataclass(frozen=True, slots=True)
class Holder:
    """The last legal holder, as shown to ``WEAPON_OWNERS`` viewers."""

    owner_uid: str
    name: str


@dataclass(frozen=True, slots=True)
class TraceView:
    id: int
    reference: str
    weapon_id: int
    weapon_uid: str
    serial_number: str | None
    recovery_event_id: int
    recovery: str
    recovered_on: dt.date
    requested_to: str
    recipient: str | None
    status: str
    sent_on: dt.date | None
    response_on: dt.date | None
    response: str | None
    outcome: str
    point_of_diversion: str | None
    established_by: str | None
    holder_known: bool
    """Whether the records gave a last legal holder (shown to everyone)."""
    last_legal_holder: Holder | None
    """Who it is (None unless the viewer may see owners)."""
    notes: str | None
    created_by: str
    updated_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Recovery:
    event_id: int
    kind: str
    on: dt.date
    area_code: str | None = None
    """The area a correction moved the event to (None: as recorded)."""


# ---------------------------------------------------------------- recoveries


def recoveries(conn: sa.Connection, weapon_id: int) -> list[Recovery]:
    """A weapon's effective seizures, findings and surrenders (corrections applied)."""
    return recoveries_of(conn, [weapon_id]).get(weapon_id, [])


def recoveries_of(conn: sa.Connection, weapon_ids: list[int]) -> dict[int, list[Recovery]]:
    """Effective recoveries of several weapons, read in one query."""
    e = arms.weapon_event
    histories: dict[int, list[LifecycleEvent]] = {}
    rows = conn.execute(sa.select(e.c.weapon_id, e.c.id, e.c.event_type, e.c.occurred_on,
                                  e.c.details, e.c.corrects_event_id, e.c.incident_uid)
                        .where(e.c.weapon_id.in_(weapon_ids)).order_by(e.c.id))
    for r in rows:
        histories.setdefault(int(r.weapon_id), []).append(LifecycleEvent(
            EventType(r.event_type), r.occurred_on, id=r.id, corrects=r.corrects_event_id,
            incident_uid=r.incident_uid, details=dict(r.details or {})))
    return {weapon_id: [Recovery(int(x.id), x.event_type.value, x.occurred_on,
                                 x.details.get("area_code"))
                        for x in effective_history(events)
                        if x.id is not None and x.event_type.value in tr.RECOVERY_KINDS]
            for weapon_id, events in histories.items()}


def _recovery(conn: sa.Connection, weapon: Any, event_id: int | None) -> Recovery:
    found = recoveries(conn, weapon["id"])
    label = c.weapon_label(weapon)
    if not found:
        c.fail("weapon", "not_recovered", f"weapon {label} was never seized, found or "
                                          f"surrendered: there is nothing to trace",
               weapon["id"])
    if event_id is None:
        return found[-1]
    for r in found:
        if r.event_id == event_id:
            return r
    c.fail("recovery_event_id", "not_a_recovery", f"event {event_id} is not a seizure, finding "
                                                  f"or surrender of weapon {label}", event_id)


# ---------------------------------------------------------------- writing


def create_request(engine: sa.Engine, viewer: Viewer, inp: TraceInput,
                   today: dt.date | None = None) -> TraceView:
    """Record a tracing request; return it (its reference is ``TR-<year>-<id>``)."""
    c.require_write(viewer)
    today = today or c.today_utc()
    with engine.begin() as conn:
        weapon = c.weapon_rows(conn, [inp.weapon], viewer)[0]
        rec = _recovery(conn, weapon, inp.recovery_event_id)
        state = tr.TraceState(inp.requested_to, inp.status, inp.sent_on, inp.response_on,
                              inp.outcome, inp.point_of_diversion, inp.established_by)
        c.fail_problems(tr.trace_problems(state, rec.on, today))
        _check_order(conn, inp.requested_to, rec)
        values = {k: v for k, v in dataclasses.asdict(inp).items()
                  if k not in ("weapon", "recovery_event_id")}
        now = repo.now()
        request_id = c.new_id(conn.execute(st.trace_request.insert().values(
            reference=f"new-{uuid.uuid4()}", weapon_id=weapon["id"],
            recovery_event_id=rec.event_id, created_by=viewer.username, created_at=now,
            updated_by=viewer.username, updated_at=now, **values)))
        reference = f"TR-{rec.on.year}-{request_id:05d}"
        conn.execute(st.trace_request.update().where(st.trace_request.c.id == request_id)
                     .values(reference=reference))
        repo.audit(conn, viewer.username, "create", "trace_request", reference, None,
                   c.jsonable({**values, "weapon_id": weapon["id"],
                               "recovery_event_id": rec.event_id}))
        return _views(conn, viewer, [st.trace_request.c.id == request_id])[0]


def _check_order(conn: sa.Connection, requested_to: str, rec: Recovery) -> None:
    """The national records are asked first (ITI: a State checks its own records before
    asking others)."""
    if requested_to not in OUTSIDE_REQUESTS:
        return
    t = st.trace_request
    asked = conn.scalar(sa.select(sa.func.count()).select_from(t).where(
        t.c.recovery_event_id == rec.event_id, t.c.requested_to == "national_records"))
    if not asked:
        c.fail("requested_to", "records_first", f"ask the national records before the "
                                                f"{requested_to.replace('_', ' ')}",
               requested_to)


def update_request(engine: sa.Engine, viewer: Viewer, reference: str,
                   changes: Mapping[str, Any], today: dt.date | None = None) -> TraceView:
    """Change a request's status, dates, response or outcome; the whole request must still
    satisfy the rules, and the status may only move along the allowed transitions."""
    c.require_write(viewer)
    today = today or c.today_utc()
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        c.fail(unknown[0], "not_editable", f"{unknown[0]} cannot be changed; editable: "
                                           f"{', '.join(EDITABLE)}", unknown[0])
    with engine.begin() as conn:
        old = _row(conn, viewer, reference)
        return _apply(conn, viewer, old, dict(changes), today)


def _apply(conn: sa.Connection, viewer: Viewer, old: sa.RowMapping, changes: dict[str, Any],
           today: dt.date) -> TraceView:
    new = {**dict(old), **changes}
    problem = tr.transition_problem(old["status"], new["status"])
    c.fail_problems([problem] if problem else [])
    state = tr.TraceState(new["requested_to"], new["status"], new["sent_on"],
                          new["response_on"], new["outcome"], new["point_of_diversion"],
                          new["established_by"])
    c.fail_problems(tr.trace_problems(state, _recovered_on(conn, old), today))
    conn.execute(st.trace_request.update().where(st.trace_request.c.id == old["id"]).values(
        **changes, updated_by=viewer.username, updated_at=repo.now()))
    repo.audit(conn, viewer.username, "update", "trace_request", old["reference"],
               c.jsonable({k: old[k] for k in changes}), c.jsonable(changes))
    return _views(conn, viewer, [st.trace_request.c.id == old["id"]])[0]


def _recovered_on(conn: sa.Connection, row: Any) -> dt.date:
    """When the request's recovery happened (its effective date; the recorded one if a later
    correction voided the event)."""
    for r in recoveries(conn, row["weapon_id"]):
        if r.event_id == row["recovery_event_id"]:
            return r.on
    recorded: dt.date = conn.execute(sa.select(arms.weapon_event.c.occurred_on).where(
        arms.weapon_event.c.id == row["recovery_event_id"])).scalar_one()
    return recorded


def answer_from_national_records(engine: sa.Engine, viewer: Viewer, reference: str,
                                 today: dt.date | None = None) -> TraceView:
    """Answer a national-records request from the registry (see
    :func:`salus.domain.weapons.tracing.answer_from_records`): the last legal holder, and an illicit
    origin where a loss or theft was reported after it. ``answered`` when the outcome is
    conclusive, ``partially_answered`` when the officer must still decide."""
    c.require_write(viewer)
    if not viewer.can(Permission.WEAPON_OWNERS):
        raise PermissionDenied("a records check reads owners' data: it needs weapon_owners")
    today = today or c.today_utc()
    with engine.begin() as conn:
        row = _row(conn, viewer, reference)
        if row["requested_to"] != "national_records":
            c.fail("requested_to", "not_records", f"request {reference} is addressed to "
                                                  f"{row['requested_to']}, not the national "
                                                  f"records", row["requested_to"])
        recovered_on = _recovered_on(conn, row)
        answer = tr.answer_from_records(
            _records_history(conn, row["weapon_id"], row["recovery_event_id"]), recovered_on)
        changes = {"status": "answered" if answer.outcome != "pending" else
                   "partially_answered", "sent_on": row["sent_on"] or today,
                   "response_on": today, "response": answer.summary, "outcome": answer.outcome,
                   "point_of_diversion": answer.point_of_diversion,
                   "established_by": answer.established_by}
        view = _apply(conn, viewer, row, changes, today)
        conn.execute(st.trace_request.update().where(st.trace_request.c.id == row["id"])
                     .values(last_legal_holder_id=answer.last_legal_holder))
        owner = _owner_uid(conn, answer.last_legal_holder)
        audit_owner_read(conn, viewer, [owner] if owner else [], "trace_request",
                         {"reference": reference})
        return dataclasses.replace(view, holder_known=owner is not None,
                                   last_legal_holder=_holder(conn, answer.last_legal_holder))


def _records_history(conn: sa.Connection, weapon_id: int, recovery_event_id: int
                     ) -> list[tr.HolderEvent]:
    """The weapon's effective lifecycle before the traced recovery, registrations and transfers
    carrying the owner of their holding."""
    e, h = arms.weapon_event, arms.weapon_holding
    owners = {int(i): int(o) for i, o in conn.execute(
        sa.select(e.c.id, h.c.owner_id).join(h, h.c.id == e.c.holding_id)
        .where(e.c.weapon_id == weapon_id, e.c.event_type.in_(("registered", "transferred"))))}
    out = []
    for ev in effective_history(lifecycle(conn, weapon_id)):
        if ev.id == recovery_event_id:
            break
        out.append(tr.HolderEvent(ev.event_type.value, ev.occurred_on,
                                  owners.get(ev.id) if ev.id is not None else None))
    return out


def _owner_uid(conn: sa.Connection, owner_id: int | None) -> str | None:
    if owner_id is None:
        return None
    return conn.scalar(sa.select(arms.arms_owner.c.uid).where(arms.arms_owner.c.id == owner_id))


def _holder(conn: sa.Connection, owner_id: int | None) -> Holder | None:
    if owner_id is None:
        return None
    o = arms.arms_owner
    r = conn.execute(sa.select(o).where(o.c.id == owner_id)).mappings().one()
    name = r["entity_name"] if r["kind"] == "entity" else " ".join(
        p for p in (r["given_name"], r["family_name"]) if p)
    return Holder(r["uid"], name or "")


# ---------------------------------------------------------------- reading


def _row(conn: sa.Connection, viewer: Viewer, reference: str) -> sa.RowMapping:
    t, w = st.trace_request, arms.weapon
    row = conn.execute(sa.select(t).join(w, w.c.id == t.c.weapon_id).where(
        t.c.reference == reference, *scope.area_condition(w.c.area_id, viewer))
    ).mappings().first()
    if row is None:
        raise NotFound(f"no tracing request {reference!r}")
    return row


def _views(conn: sa.Connection, viewer: Viewer, where: list[sa.ColumnElement[bool]]
           ) -> list[TraceView]:
    t, w, e = st.trace_request, arms.weapon, arms.weapon_event
    rows = conn.execute(
        sa.select(t, w.c.uid.label("weapon_uid"), w.c.serial_number,
                  e.c.event_type.label("recovery"), e.c.occurred_on.label("recovered_on"))
        .join(w, w.c.id == t.c.weapon_id).join(e, e.c.id == t.c.recovery_event_id)
        .where(*where, *scope.area_condition(w.c.area_id, viewer)).order_by(t.c.id)
    ).mappings().all()
    sees = viewer.can(Permission.WEAPON_OWNERS)
    holders = {r["last_legal_holder_id"]: _holder(conn, r["last_legal_holder_id"])
               for r in rows if sees and r["last_legal_holder_id"] is not None}
    fields = {f.name for f in dataclasses.fields(TraceView)} - {"holder_known",
                                                                "last_legal_holder"}
    return [TraceView(**{k: r[k] for k in fields},
                      holder_known=r["last_legal_holder_id"] is not None,
                      last_legal_holder=holders.get(r["last_legal_holder_id"]))
            for r in rows]


def get_request(engine: sa.Engine, viewer: Viewer, reference: str) -> TraceView:
    """One request (the last legal holder shown to ``WEAPON_OWNERS`` viewers, audited)."""
    c.require_read(viewer)
    with engine.begin() as conn:
        row = _row(conn, viewer, reference)
        view = _views(conn, viewer, [st.trace_request.c.id == row["id"]])[0]
        _audit_holders(conn, viewer, [view])
        return view


def list_requests(engine: sa.Engine, viewer: Viewer, *, weapon: int | str | None = None,
                  status: str | None = None, outcome: str | None = None) -> list[TraceView]:
    """Requests, oldest first, optionally of one weapon, status or outcome."""
    c.require_read(viewer)
    t = st.trace_request
    with engine.begin() as conn:
        where: list[sa.ColumnElement[bool]] = []
        if weapon is not None:
            where.append(t.c.weapon_id == c.weapon_rows(conn, [weapon], viewer)[0]["id"])
        if status is not None:
            where.append(t.c.status == status)
        if outcome is not None:
            where.append(t.c.outcome == outcome)
        views = _views(conn, viewer, where)
        _audit_holders(conn, viewer, views)
        return views


def _audit_holders(conn: sa.Connection, viewer: Viewer, views: list[TraceView]) -> None:
    shown = sorted({v.last_legal_holder.owner_uid for v in views if v.last_legal_holder})
    audit_owner_read(conn, viewer, shown, "trace_request")



@dataclass(frozen=True, slots=True)
class Untraced:
    """A recovery no tracing request has been made about yet."""

    event_id: int
    weapon_uid: str
    serial_number: str | None
    recovery: str
    recovered_on: dt.date


def untraced_recoveries(engine: sa.Engine, viewer: Viewer, limit: int = 100) -> list[Untraced]:
    """Seizures, findings and surrenders with no tracing request, newest first (the officer's
    work list). Recoveries voided or re-typed by a correction are left out."""
    c.require_read(viewer)
    e, w, t = arms.weapon_event, arms.weapon, st.trace_request
    corrected = sa.select(e.c.corrects_event_id).where(e.c.event_type == "correction",
                                                       e.c.corrects_event_id.isnot(None))
    asked = sa.select(t.c.id).where(t.c.recovery_event_id == e.c.id).exists()
    q = (sa.select(e.c.id, w.c.uid, w.c.serial_number, e.c.event_type, e.c.occurred_on)
         .join(w, w.c.id == e.c.weapon_id)
         .where(e.c.event_type.in_(tr.RECOVERY_KINDS), ~asked, e.c.id.not_in(corrected),
                *scope.area_condition(w.c.area_id, viewer))
         .order_by(e.c.occurred_on.desc(), e.c.id.desc()).limit(limit))
    with engine.connect() as conn:
        return [Untraced(*r) for r in conn.execute(q)]
