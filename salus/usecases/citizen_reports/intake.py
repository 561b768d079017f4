"""Receiving citizen reports: web form, JSON API and SMS gateways (issue 7, section 3).

Durability: a report is committed before the caller may acknowledge it (the functions return
only after ``COMMIT``); the reference code comes back with it. Retries: every submission
carries an idempotency key (``web:<form token>``, ``api:<Idempotency-Key>``,
``sms:<gateway>:<message id>``) under a unique constraint, so a retry — sequential or
concurrent — gets the first submission's reference and adds no row.

Protection: token buckets per client address and per phone number
(:mod:`salus.storage.citizen_reports.intake_buckets`), spam signals stored as flags (a flagged
report is kept,
never silently dropped), phone numbers and addresses hashed with a keyed HMAC; the address
itself is kept only for non-anonymous web reports, for verifiers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from shapely.geometry import Point, shape

from salus.domain.citizen_reports import (
    LANGUAGES,
    LIMIT_LOOKUP,
    MAX_DESCRIPTION,
    REPLIES,
    new_reference,
    normalise_phone,
    parse_message,
    parse_status_request,
    spam_signals,
    status_reply,
)
from salus.storage import repository
from salus.storage import schema as t
from salus.storage.citizen_reports import intake_buckets
from salus.storage.citizen_reports.schema import citizen_report as cr
from salus.storage.citizen_reports.schema import citizen_report_event as ev
from salus.storage.citizen_reports.schema import citizen_report_photo as ph
from salus.storage.writer import write_transaction
from salus.usecases.citizen_reports import settings as cfg
from salus.usecases.citizen_reports.input import BAD_CHARS, ReportInput, check_report
from salus.usecases.errors import Conflict, RateLimited, ValidationFailed
from salus.usecases.scope import area_id_of


@dataclass(frozen=True, slots=True)
class Envelope:
    """How a submission arrived: channel, idempotency key (namespaced), the body verbatim."""

    channel: str
    key: str
    raw: str
    client_ip: str | None = None
    language: str | None = None
    """The reporter's language (the page's, the keyword's): replies are written in it."""


@dataclass(frozen=True, slots=True)
class Receipt:
    """The acknowledgement: ``created`` is False when this was a retry of a stored report."""

    reference: str
    created: bool


@dataclass(frozen=True, slots=True)
class MessageReceipt:
    receipt: Receipt
    reply: str
    category: str


def find_receipt(engine: sa.Engine, key: str, raw: str | None = None) -> Receipt | None:
    """The report already stored under ``key``, if any.

    With ``raw`` (the body of a web or API submission), a key already used for a different
    body is a :class:`Conflict` (409), not a silent acknowledgement of the first report: the
    client reused an idempotency key for another report, which would otherwise be lost.
    """
    with engine.connect() as conn:
        return _receipt(conn, key, raw)


def _receipt(conn: sa.Connection, key: str, raw: str | None) -> Receipt | None:
    """:func:`find_receipt` on an open connection."""
    found = conn.execute(sa.select(cr.c.reference, cr.c.raw)
                         .where(cr.c.idempotency_key == key)).first()
    if found is None:
        return None
    if raw is not None and found.raw != _raw(raw):
        raise Conflict("this idempotency key was already used for a different report; "
                       "send a new report with a new key")
    return Receipt(str(found.reference), False)


def known_areas(engine: sa.Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.scalars(sa.select(t.area.c.code)))


def _known(engine: sa.Engine, code: object) -> set[str]:
    """The submitted area code if it exists (one indexed lookup, not the whole area list)."""
    with engine.connect() as conn:
        return _known_in(conn, code)


def _known_in(conn: sa.Connection, code: object) -> set[str]:
    if not isinstance(code, str) or not code.strip() or len(code) > 64:
        return set()
    return {code.strip()} if area_id_of(conn, code.strip()) is not None else set()


def submit_report(engine: sa.Engine, envelope: Envelope, data: Mapping[str, Any],
                  photo: bytes | None = None, today: dt.date | None = None) -> Receipt:
    """Check and store one web or API submission; ValidationFailed lists every field error,
    RateLimited when the client or the contact number has sent too many.

    The reads (an earlier receipt, the area, the limits) share one read connection; the
    write transaction that follows holds only the statements that must be atomic."""
    with engine.connect() as conn:
        earlier = _receipt(conn, envelope.key, envelope.raw)
        if earlier is not None:
            return earlier
        checked, errors = check_report(data, photo, today=today,
                                       known_areas=_known_in(conn, data.get("area_code")))
        if checked is None:
            raise ValidationFailed(errors)
        prepared = _prepare(conn, checked)
    return _store(engine, envelope, checked, checked.phone, prepared=prepared)


def _language(value: object) -> str | None:
    return value if isinstance(value, str) and value in LANGUAGES else None


def submit_message(engine: sa.Engine, gateway: str, message_id: str, sender: str, text: str,
                   raw: str) -> MessageReceipt:
    """Store one text message from an authenticated gateway. Never rejected for its form: an
    unparsable message becomes an ``unclassified`` report, its text kept whole.

    A status request (``STATUS R-…`` and its equivalents, :data:`STATUS_KEYWORDS`) stores
    nothing: the reply carries the report's status label and nothing else.

    The sender is answered on the number they wrote from, so an SMS report counts as consent to
    receive the messages about it (``reply_consent``); they are in the keyword's language."""
    request = parse_status_request(text)
    if request is not None:
        return _status_message(engine, sender, request.language, request.reference)
    key = f"sms:{gateway}:{message_id}"
    parsed = parse_message(text, known_areas(engine))
    earlier = find_receipt(engine, key)
    if earlier is None:
        phone = normalise_phone(sender)
        description = BAD_CHARS.sub("\ufffd", parsed.description)[:MAX_DESCRIPTION]
        report = ReportInput(parsed.category, description, parsed.area_code, None, None, None,
                             False, BAD_CHARS.sub("", sender)[:200] or None, phone or sender,
                             "", None, reply_consent=phone is not None)
        earlier = _store(engine, Envelope("sms", key, raw, language=parsed.language), report,
                         report.phone, actor=f"sms:{gateway}")
    reply = REPLIES.get(parsed.language, REPLIES["en"])[0].format(ref=earlier.reference)
    return MessageReceipt(earlier, reply, parsed.category)


def limit_reply(text: str) -> str:
    """The reply to a sender over the limit, in the language of the message's keyword."""
    request = parse_status_request(text)
    if request is not None:
        return LIMIT_LOOKUP.get(request.language, LIMIT_LOOKUP["en"])
    return REPLIES.get(parse_message(text, set()).language, REPLIES["en"])[1]


def _status_message(engine: sa.Engine, sender: str, language: str,
                    reference: str | None) -> MessageReceipt:
    status = None
    if reference is not None:
        phone = normalise_phone(sender) or sender
        status = lookup_status(engine, reference, "phone:" + phone)
    reply = status_reply(language, reference, status)
    return MessageReceipt(Receipt(reference or "", False), reply, "status")


def lookup_status(engine: sa.Engine, reference: str, requester: str) -> str | None:
    """The status of the report ``reference`` (``unverified``, ``verified``, ``rejected`` or
    ``duplicate``) and nothing else, or None when no report has it.

    ``requester`` (``ip:<address>`` or ``phone:<number>``, kept only as a keyed hash) takes a
    token from its ``lookup`` bucket first, so guessing references is slow: with 40 random bits
    per reference (2^40 ≈ 1.1e12), 30 guesses an hour from one address or number hit one of
    10,000 stored reports about once in 400 years (one of a million: once in 4 years), and a
    hit reveals one status word.
    RateLimited when the bucket is empty.
    """
    digest = cfg.keyed_hash(cfg.hash_key(engine), requester)
    with engine.begin() as conn:
        limit = cfg.limits(conn)["lookup"]
        bucket = f"lookup:{digest}"
        now = time.time()
        if not intake_buckets.take(conn, bucket, limit.capacity, limit.per_second, now):
            wait = intake_buckets.seconds_until_token(conn, bucket, limit.per_second, now)
            raise RateLimited("too many look-ups from this device or number; try again later",
                              retry_after=wait)
    with engine.connect() as conn:
        found = conn.scalar(sa.select(cr.c.status).where(cr.c.reference == reference))
    return str(found) if found is not None else None


def _text_hash(text: str) -> str:
    return hashlib.sha256(" ".join(text.lower().split()).encode("utf-8")).hexdigest()


def _raw(value: str) -> str:
    return BAD_CHARS.sub("\ufffd", value)


def raw_form(fields: Mapping[str, Any]) -> str:
    """A web submission's fields as received (JSON), for ``citizen_report.raw``."""
    return _raw(json.dumps(dict(fields), ensure_ascii=False, sort_keys=True, default=str))


@dataclass(frozen=True, slots=True)
class _Prepared:
    """What a write needs that can be read before its transaction: the report's area (found
    by code, or by point in polygon) and the intake limits."""

    area_id: int | None
    limits: dict[str, cfg.Limit]


def _prepare(conn: sa.Connection, report: ReportInput) -> _Prepared:
    return _Prepared(_area_id(conn, report), cfg.limits(conn))


def _store(engine: sa.Engine, envelope: Envelope, report: ReportInput, phone: str | None,
           actor: str = "public", operator: str | None = None,
           prepared: _Prepared | None = None) -> Receipt:
    """Store a checked report in one short transaction (queued behind the process's other
    writers on SQLite, :func:`salus.storage.writer.write_transaction`): the report, its
    ``received`` event and audit entry, then the rate-limit tokens — all or nothing, and the
    bucket rows (one per client address: every request from one address updates the same row)
    are locked only for the last statements before ``COMMIT``."""
    key = cfg.hash_key(engine)
    client_hash = cfg.keyed_hash(key, "ip:" + envelope.client_ip) if envelope.client_ip else None
    phone_hash = cfg.keyed_hash(key, "phone:" + phone) if phone else None
    if prepared is None:
        with engine.connect() as conn:
            prepared = _prepare(conn, report)
    for _attempt in range(3):
        try:
            with write_transaction(engine) as conn:
                reference = _insert(conn, envelope, report, client_hash, phone_hash, actor,
                                    operator, prepared.area_id)
                _rate_limit(conn, envelope.channel, client_hash, phone_hash, operator,
                            prepared.limits)
            return Receipt(reference, True)
        except sa.exc.IntegrityError:
            raw = None if envelope.channel == "sms" else envelope.raw
            earlier = find_receipt(engine, envelope.key, raw)
            if earlier is not None:   # a concurrent identical submission won the race
                return earlier
    raise Conflict("the report could not be stored; send it again")


def _rate_limit(conn: sa.Connection, channel: str, client_hash: str | None,
                phone_hash: str | None, operator: str | None = None,
                limit: dict[str, cfg.Limit] | None = None) -> None:
    """Take a token from each bucket that applies (all or none: the transaction rolls back).
    A signed-in operator's reports take from that operator's own bucket only: many callers
    share one hotline desk's address, and the caller's number is not the operator's."""
    now = time.time()
    if limit is None:
        limit = cfg.limits(conn)
    buckets = []
    if operator is not None:
        buckets.append((f"operator:{operator}", limit["operator"]))
    elif client_hash and channel != "sms":   # a gateway's address is the gateway's
        buckets.append((f"client:{client_hash}", limit["client"]))
    if phone_hash and operator is None:
        buckets.append((f"phone:{phone_hash}", limit["phone"]))
    for bucket, lim in buckets:
        if not intake_buckets.take(conn, bucket, lim.capacity, lim.per_second, now):
            wait = intake_buckets.seconds_until_token(conn, bucket, lim.per_second, now)
            raise RateLimited("too many reports from this device or number; try again later",
                              retry_after=wait)


def _repeats(conn: sa.Connection, text_hash: str, client_hash: str | None,
             phone_hash: str | None) -> int:
    senders = [c for c in ((cr.c.client_hash, client_hash), (cr.c.phone_hash, phone_hash))
               if c[1]]
    if not senders:
        return 0
    since = repository.now() - dt.timedelta(days=1)
    return int(conn.scalar(sa.select(sa.func.count()).select_from(cr).where(
        cr.c.text_hash == text_hash, cr.c.received_at >= since,
        sa.or_(*(column == value for column, value in senders)))) or 0)


def _insert(conn: sa.Connection, envelope: Envelope, report: ReportInput,
            client_hash: str | None, phone_hash: str | None, actor: str,
            operator: str | None, area_id: int | None) -> str:
    text_hash = _text_hash(report.description)
    flags = spam_signals(report.description, honeypot=report.honeypot,
                         repeats=_repeats(conn, text_hash, client_hash, phone_hash)).flags
    reference, received = new_reference(), repository.now()
    report_id = conn.execute(cr.insert().values(
        reference=reference, idempotency_key=envelope.key, channel=envelope.channel,
        received_at=received, raw=_raw(envelope.raw), category=report.category,
        description=report.description, area_id=area_id, longitude=report.longitude,
        latitude=report.latitude, occurred_on=report.occurred_on, anonymous=report.anonymous,
        contact=report.contact, client_ip=None if report.anonymous or envelope.channel == "sms"
        else envelope.client_ip, client_hash=client_hash, phone_hash=phone_hash,
        text_hash=text_hash, spam_flags=list(flags), status="unverified", published=False,
        language=_language(envelope.language), reply_consent=report.reply_consent,
        entered_by=operator, reported_via=report.reported_via,
    )).inserted_primary_key[0]  # type: ignore[index]
    if report.photo is not None:
        conn.execute(ph.insert().values(
            report_id=report_id, content_type=report.photo.content_type,
            size=len(report.photo.data), sha256=hashlib.sha256(report.photo.data).hexdigest(),
            data=report.photo.data))
    conn.execute(ev.insert().values(report_id=report_id, at=received, actor=actor,
                                    action="received", from_status=None,
                                    to_status="unverified", note=None))
    repository.audit(conn, actor, "submit", "citizen_report", reference, None,
                     {"channel": envelope.channel, "category": report.category,
                      "area_id": area_id, "spam_flags": list(flags)}
                     | ({"entered_by": operator, "reported_via": report.reported_via}
                        if operator else {}))
    return reference


def _area_id(conn: sa.Connection, report: ReportInput) -> int | None:
    if report.area_code:
        return area_id_of(conn, report.area_code)
    if report.longitude is None or report.latitude is None:
        return None
    return locate(conn, report.longitude, report.latitude)


def locate(conn: sa.Connection, longitude: float, latitude: float) -> int | None:
    """The deepest area whose polygon covers the point (bounding boxes filter in SQL)."""
    a = t.area
    rows = conn.execute(
        sa.select(a.c.id, a.c.geometry).where(
            a.c.geometry.is_not(None), a.c.min_lon <= longitude, a.c.max_lon >= longitude,
            a.c.min_lat <= latitude, a.c.max_lat >= latitude)
        .order_by(a.c.level.desc())).all()
    point = Point(longitude, latitude)
    for area_id, geometry in rows:
        if shape(json.loads(geometry)).covers(point):
            return int(area_id)
    return None


FORM_LEVELS = (2, 3)
"""The form offers admin-2 and admin-3 areas (districts, municipalities, camps)."""


def area_choices(engine: sa.Engine,
                 language: str = "en") -> list[tuple[str | None, list[tuple[str, str]]]]:
    """The areas a citizen picks from, as (group label, [(code, name)]) by name: each admin-2
    area heads a group with its admin-3 areas; the deepest level alone when the observatory
    has no admin-2/3 areas."""
    a = t.area
    with engine.connect() as conn:
        levels = set(conn.scalars(sa.select(a.c.level).distinct()))
        wanted = [lv for lv in FORM_LEVELS if lv in levels] or ([max(levels)] if levels else [])
        rows = conn.execute(sa.select(a.c.id, a.c.parent_id, a.c.level, a.c.code, a.c.name,
                                      a.c.names).where(a.c.level.in_(wanted))).all()
    def label(r: Any) -> str:
        return str((r.names or {}).get(language) or r.name)

    heads = {r.id: r for r in rows if r.level == min(wanted)}
    groups: dict[int | None, list[tuple[str, str]]] = {}
    for r in rows:
        head = r.id if r.id in heads else (r.parent_id if r.parent_id in heads else None)
        groups.setdefault(head, []).append((r.code, label(r)))
    out: list[tuple[str | None, list[tuple[str, str]]]] = []
    for head, members in groups.items():
        members.sort(key=lambda c: (c[0] != (heads[head].code if head in heads else None),
                                    c[1].casefold()))
        out.append((label(heads[head]) if head in heads and len(wanted) > 1 else None, members))
    return sorted(out, key=lambda g: (g[0] or g[1][0][1]).casefold())


def form_map(engine: sa.Engine) -> dict[str, Any]:
    """The polygons of the form's areas as GeoJSON (loaded only when a citizen opens the map)."""
    from salus.domain.accounts.roles import PUBLIC_VIEWER
    from salus.usecases.areas import area_geojson

    with engine.connect() as conn:
        levels = set(conn.scalars(sa.select(t.area.c.level).distinct()))
    level = next((lv for lv in FORM_LEVELS if lv in levels), max(levels) if levels else 0)
    return area_geojson(engine, PUBLIC_VIEWER, level)
