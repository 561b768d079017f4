"""Reviewing citizen reports: the queue, one report, verify / reject / duplicate, publish.

``verify_reports`` moves an ``unverified`` report to ``verified``, ``rejected`` or
``duplicate`` (of another report), with the verifier and notes, and sees the reporter's contact
and address (each such read is audited); ``publish_reports`` releases a verified report — a
separate step, by a separate permission — with an optional edited public text. Verifying turns
the report into an incident (source type ``citizen_report``, record id = the reference) through
:func:`salus.usecases.incidents.write.create_incident`, then runs the early-warning rules as a
committed import does (:func:`salus.usecases.alerts.workflow.after_import`). Every change is a
``citizen_report_event`` row and an audit-log entry; a decision also queues the reporter's
reply (issue 13) when they gave a number and agreed to be contacted. A verifier bound to an
area sees and decides only reports located in its subtree.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from salus.domain.accounts.roles import Permission, Viewer
from salus.domain.citizen_reports import CATEGORIES, MAX_DESCRIPTION, TRANSITIONS
from salus.storage import repository
from salus.storage import schema as t
from salus.storage.citizen_reports.schema import citizen_report as cr
from salus.storage.citizen_reports.schema import citizen_report_event as ev
from salus.storage.citizen_reports.schema import citizen_report_photo as ph
from salus.usecases.citizen_reports.outbox import queue_report_update
from salus.usecases.citizen_reports.public import coarse_areas
from salus.usecases.errors import Conflict, NotFound, ValidationFailed, require
from salus.usecases.incidents.write import create_incident
from salus.usecases.paging import (
    CursorPage,
    Page,
    PageRequest,
    SeekRequest,
    count_capped,
    seek_by_key,
)
from salus.usecases.scope import area_condition, area_id_of, area_in_scope, subtree

SOURCE_NAME = "salus-citizen-reports"
REPLY_EVENTS = {"verified": "verified", "rejected": "rejected", "duplicate": "duplicate",
                "publish": "published"}
"""Decisions that send the reporter a message (with consent and a number), in the decision's
transaction (:mod:`salus.usecases.citizen_reports.outbox`)."""


def can_review(viewer: Viewer) -> bool:
    return viewer.can(Permission.VERIFY_REPORTS) or viewer.can(Permission.PUBLISH_REPORTS)


def _require_review(viewer: Viewer) -> None:
    require(can_review(viewer), "your role does not review citizen reports")


@dataclass(frozen=True, slots=True)
class ReportFilter:
    status: str | None = "unverified"
    category: str | None = None
    channel: str | None = None
    area_code: str | None = None
    spam: bool | None = None
    published: bool | None = None


@dataclass(frozen=True, slots=True)
class ReportSummary:
    id: int
    reference: str
    channel: str
    received_at: dt.datetime
    category: str
    area_code: str | None
    status: str
    published: bool
    spam_flags: list[str]
    excerpt: str


@dataclass(frozen=True, slots=True)
class ReportDetail:
    fields: dict[str, Any]
    photos: list[dict[str, Any]]
    events: list[dict[str, Any]]
    identity: dict[str, Any] | None = None
    """Contact, address, raw submission: only for ``verify_reports``."""
    moves: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class VerifyResult:
    incident_uid: str
    alerts_fired: int


def _where(conn: sa.Connection, viewer: Viewer, f: ReportFilter) -> list[Any]:
    where: list[Any] = list(area_condition(cr.c.area_id, viewer))
    for column, value in ((cr.c.status, f.status), (cr.c.category, f.category),
                          (cr.c.channel, f.channel)):
        if value:
            where.append(column == value)
    if f.area_code:
        area_id = area_id_of(conn, f.area_code)
        where.append(cr.c.area_id.in_(subtree(area_id)) if area_id else sa.false())
    if f.spam is not None:
        flagged = sa.func.length(sa.cast(cr.c.spam_flags, sa.Text)) > 2
        where.append(flagged if f.spam else sa.not_(flagged))
    if f.published is not None:
        where.append(cr.c.published.is_(f.published))
    return where


def seek_reports(engine: sa.Engine, viewer: Viewer, f: ReportFilter,
                 request: SeekRequest | None = None) -> CursorPage[ReportSummary]:
    """:func:`list_reports` by keyset pages (issue 11): newest first by ``(received_at, id)``
    with cursors to the next and previous pages (:func:`~salus.usecases.paging.seek_by_key`)
    and the total exact up to :data:`~salus.usecases.paging.COUNT_CAP`, then estimated or
    "more than" (:func:`~salus.usecases.paging.count_capped`)."""
    _require_review(viewer)
    request = request or SeekRequest()
    with engine.connect() as conn:
        where = _where(conn, viewer, f)
        total = count_capped(conn, sa.select(cr.c.id).where(*where))
        q = (sa.select(cr, t.area.c.code.label("area_code"))
             .outerjoin(t.area, t.area.c.id == cr.c.area_id).where(*where))
        rows, next_, prev = seek_by_key(conn, q, cr.c.received_at, cr.c.id, request,
                                        "citizen_reports")
    items = [_summary(r._mapping) for r in rows]
    return CursorPage(items, total, request.per_page, next_, prev,
                      None if request.cursor else (request.page or 1))


def _summary(r: Any) -> ReportSummary:
    return ReportSummary(r["id"], r["reference"], r["channel"], r["received_at"],
                         r["category"], r["area_code"], r["status"], bool(r["published"]),
                         list(r["spam_flags"] or []), str(r["description"])[:120])


def list_reports(engine: sa.Engine, viewer: Viewer, f: ReportFilter,
                 paging: PageRequest | None = None) -> Page[ReportSummary]:
    """The review queue, newest first (no identifying data in the list)."""
    _require_review(viewer)
    paging = paging or PageRequest()
    with engine.connect() as conn:
        where = _where(conn, viewer, f)
        total = conn.scalar(sa.select(sa.func.count()).select_from(cr).where(*where)) or 0
        rows = conn.execute(
            sa.select(cr, t.area.c.code.label("area_code"))
            .outerjoin(t.area, t.area.c.id == cr.c.area_id).where(*where)
            .order_by(cr.c.received_at.desc(), cr.c.id.desc())
            .limit(paging.per_page).offset(paging.offset)).mappings().all()
    return Page([_summary(r) for r in rows], int(total), paging.page, paging.per_page)


def _load(conn: sa.Connection, viewer: Viewer, report_id: int) -> dict[str, Any]:
    row = conn.execute(sa.select(cr).where(cr.c.id == report_id)).mappings().first()
    if row is None:
        raise NotFound("no such report")
    if viewer.area_id is not None and (row["area_id"] is None
                                       or not area_in_scope(conn, viewer, row["area_id"])):
        raise NotFound("no such report")
    return dict(row)


IDENTIFYING = ("contact", "client_ip", "raw")
HIDDEN = ("client_hash", "phone_hash", "text_hash", "idempotency_key")


def get_report(engine: sa.Engine, viewer: Viewer, report_id: int) -> ReportDetail:
    """One report with its photos and history; the reporter's data only for verifiers (the
    read is audited)."""
    _require_review(viewer)
    with engine.begin() as conn:
        row = _load(conn, viewer, report_id)
        places = coarse_areas(conn, {row["area_id"]} if row["area_id"] else set())
        area = conn.execute(sa.select(t.area.c.code, t.area.c.name)
                            .where(t.area.c.id == row["area_id"])).first()
        dup = conn.scalar(sa.select(cr.c.reference).where(cr.c.id == row["duplicate_of"]))
        photos = [dict(p) for p in conn.execute(
            sa.select(ph.c.id, ph.c.content_type, ph.c.size, ph.c.sha256)
            .where(ph.c.report_id == report_id).order_by(ph.c.id)).mappings()]
        events = [dict(e) for e in conn.execute(
            sa.select(ev).where(ev.c.report_id == report_id).order_by(ev.c.id)).mappings()]
        identity = None
        if viewer.can(Permission.VERIFY_REPORTS):
            identity = {k: row[k] for k in IDENTIFYING}
            if row["contact"] or row["client_ip"]:
                repository.audit(conn, viewer.username, "read", "citizen_report",
                                 row["reference"], None, {"fields": ["contact", "client_ip"]})
    fields = {k: v for k, v in row.items() if k not in IDENTIFYING + HIDDEN}
    fields |= {"area_code": area.code if area else None, "area_name": area.name if area else None,
               "coarse_area": places.get(row["area_id"]), "duplicate_of_reference": dup}
    return ReportDetail(fields, photos, events, identity, _moves(viewer, row))


def _moves(viewer: Viewer, row: dict[str, Any]) -> list[str]:
    moves = sorted(TRANSITIONS[row["status"]]) if viewer.can(Permission.VERIFY_REPORTS) else []
    if viewer.can(Permission.PUBLISH_REPORTS) and row["status"] == "verified":
        moves.append("unpublish" if row["published"] else "publish")
    return moves


def report_id_for(engine: sa.Engine, reference: str) -> int:
    with engine.connect() as conn:
        found = conn.scalar(sa.select(cr.c.id).where(cr.c.reference == reference.strip()))
    if found is None:
        raise NotFound(f"no report with reference {reference!r}")
    return int(found)


def photo(engine: sa.Engine, viewer: Viewer, report_id: int,
          photo_id: int) -> tuple[str, bytes]:
    """A report's photo (content type, bytes): verifiers only, as it may show people."""
    require(viewer.can(Permission.VERIFY_REPORTS), "only verifiers open citizens' photos")
    with engine.connect() as conn:
        _load(conn, viewer, report_id)
        row = conn.execute(sa.select(ph.c.content_type, ph.c.data).where(
            ph.c.id == photo_id, ph.c.report_id == report_id)).first()
    if row is None:
        raise NotFound("no such photo")
    return str(row.content_type), bytes(row.data)


def _move(conn: sa.Connection, viewer: Viewer, row: dict[str, Any], action: str,
          changes: dict[str, Any], note: str | None, expect: dict[str, Any]) -> None:
    """Apply ``changes`` if the report is still as ``expect`` says (else Conflict); record
    the event and the audit entry."""
    result = conn.execute(cr.update().where(cr.c.id == row["id"], *(
        cr.c[k] == v for k, v in expect.items())).values(**changes))
    if result.rowcount != 1:
        raise Conflict("someone else changed this report meanwhile; reload it")
    conn.execute(ev.insert().values(report_id=row["id"], at=repository.now(),
                                    actor=viewer.username, action=action,
                                    from_status=row["status"],
                                    to_status=changes.get("status", row["status"]), note=note))
    before = {k: _jsonable(row[k]) for k in changes}
    after = {k: _jsonable(v) for k, v in changes.items()}
    repository.audit(conn, viewer.username, action, "citizen_report", row["reference"],
                     before, after | ({"note": note} if note else {}))
    queue_report_update(conn, row, REPLY_EVENTS.get(action, ""))


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date | dt.datetime) else value


def _note(note: str | None) -> str | None:
    note = (note or "").strip()
    if len(note) > 2000:
        raise ValidationFailed([{"field": "note", "code": "value.too_long",
                                 "message": "at most 2000 characters"}])
    return note or None


def _decide(engine: sa.Engine, viewer: Viewer, report_id: int, status: str,
            note: str | None, extra: dict[str, Any] | None = None) -> None:
    require(viewer.can(Permission.VERIFY_REPORTS), "your role does not verify reports")
    note = _note(note)
    with engine.begin() as conn:
        row = _load(conn, viewer, report_id)
        if status not in TRANSITIONS[row["status"]]:
            raise Conflict(f"a {row['status']} report cannot become {status}")
        changes = {"status": status, "verifier": viewer.username,
                   "verified_at": repository.now(), "notes": note, **(extra or {})}
        _move(conn, viewer, row, status, changes, note, {"status": row["status"]})


def reject(engine: sa.Engine, viewer: Viewer, report_id: int, note: str | None = None) -> None:
    _decide(engine, viewer, report_id, "rejected", note)


def mark_duplicate(engine: sa.Engine, viewer: Viewer, report_id: int, of_reference: str,
                   note: str | None = None) -> None:
    """Mark a report as a duplicate of the report with reference ``of_reference``."""
    with engine.connect() as conn:
        other = conn.scalar(sa.select(cr.c.id).where(cr.c.reference == of_reference.strip()))
    if other is None or other == report_id:
        raise ValidationFailed([{"field": "duplicate_of", "code": "report.unknown",
                                 "message": "give the reference of another report"}])
    _decide(engine, viewer, report_id, "duplicate", note, {"duplicate_of": other})


def publish(engine: sa.Engine, viewer: Viewer, report_id: int, public_text: str | None = None,
            unpublish: bool = False) -> None:
    """Release a verified report to public pages (or withdraw it).

    Only a reviewed ``public_text`` is ever published (the publisher's version of the report,
    names and other identifying details removed), never the reporter's own description: the
    first publication needs one; publishing again keeps the reviewed text unless a new one is
    given.
    """
    require(viewer.can(Permission.PUBLISH_REPORTS), "your role does not publish reports")
    text = (public_text or "").strip() or None
    if text is not None and len(text) > MAX_DESCRIPTION:
        raise ValidationFailed([{"field": "public_text", "code": "value.too_long",
                                 "message": f"at most {MAX_DESCRIPTION} characters"}])
    with engine.begin() as conn:
        row = _load(conn, viewer, report_id)
        if row["status"] != "verified":
            raise Conflict("only a verified report can be published")
        if unpublish:
            changes: dict[str, Any] = {"published": False}
        else:
            reviewed = text or row["public_text"]
            if not reviewed:
                raise ValidationFailed([{
                    "field": "public_text", "code": "required",
                    "message": "write the text the public will read, with anything that could "
                               "identify someone removed; the reporter's own words are never "
                               "published as they stand"}])
            changes = {"published": True, "published_by": viewer.username,
                       "published_at": repository.now(), "public_text": reviewed}
        _move(conn, viewer, row, "unpublish" if unpublish else "publish", changes, None,
              {"status": "verified", "published": bool(row["published"])})


def incident_data(row: dict[str, Any], iccs_code: str | None, area_code: str | None,
                  occurred_on: str | None) -> dict[str, Any]:
    """The incident a verified report becomes (the verifier's choices first)."""
    category = CATEGORIES.get(row["category"])
    received = row["received_at"]
    received_day = received.date() if isinstance(received, dt.datetime) else received
    return {
        "occurred_on": occurred_on or (row["occurred_on"] or received_day).isoformat(),
        "date_precision": "day", "area_code": area_code,
        "iccs_code": iccs_code or (category.iccs_code if category else None),
        "iccs_context": category.iccs_context if category else None,
        "sensitivity": category.sensitivity if category else "restricted",
        "narrative": row["description"] or None, "reported_on": received_day.isoformat(),
        "source_type": "citizen_report", "source_name": SOURCE_NAME,
        "record_id": row["reference"],
        "longitude": row["longitude"], "latitude": row["latitude"],
        "location_precision": "settlement" if row["longitude"] is not None else None,
    }


def verify(engine: sa.Engine, viewer: Viewer, report_id: int, *, iccs_code: str | None = None,
           area_code: str | None = None, occurred_on: str | None = None,
           note: str | None = None, today: dt.date | None = None) -> VerifyResult:
    """Verify a report: it becomes an incident, then the alert rules run."""
    require(viewer.can(Permission.VERIFY_REPORTS), "your role does not verify reports")
    note = _note(note)
    with engine.connect() as conn:
        row = _load(conn, viewer, report_id)
        current_area = conn.scalar(sa.select(t.area.c.code).where(t.area.c.id == row["area_id"]))
    if "verified" not in TRANSITIONS[row["status"]]:
        raise Conflict(f"a {row['status']} report cannot be verified")
    data = incident_data(row, (iccs_code or "").strip() or None,
                         (area_code or "").strip() or current_area, (occurred_on or "").strip()
                         or None)
    try:
        uid, _warnings = create_incident(engine, viewer, data)
    except sa.exc.IntegrityError as exc:
        raise Conflict("an incident already exists for this report") from exc
    try:
        with engine.begin() as conn:
            area_id = area_id_of(conn, str(data["area_code"]))
            _move(conn, viewer, row, "verified",
                  {"status": "verified", "verifier": viewer.username, "area_id": area_id,
                   "verified_at": repository.now(), "notes": note, "incident_uid": uid},
                  note, {"status": "unverified"})
    except Conflict:
        with engine.begin() as conn:   # someone decided first: withdraw our incident
            conn.execute(t.incident.delete().where(t.incident.c.uid == uid))
            repository.audit(conn, viewer.username, "delete", "incident", uid, None,
                             {"reason": "report decided concurrently"})
        raise
    return VerifyResult(uid, _run_alerts(engine, today))


def _run_alerts(engine: sa.Engine, today: dt.date | None) -> int:
    """Early warning sees the new incident, as after a committed import."""
    from salus.usecases.alerts.workflow import after_import

    report = after_import(engine, today)
    return len(report.fired) if report else 0
