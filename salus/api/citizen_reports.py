"""Citizen reports over ``/api/v1``: JSON submissions, the SMS/messaging gateway intake and the
public-safe list of verified reports (all on ``public_router``: anyone may send a report).

``POST /api/v1/citizen-reports`` takes the web form's fields as JSON with an
``Idempotency-Key`` header (16–200 visible ASCII characters): a retry with the same key gets
the same reference (``200``; the first answer is ``201``).

``POST /api/v1/intake/messages`` takes one message from an SMS or messaging gateway::

    {"gateway": "twilio-ng", "message_id": "SM123", "from": "+2348000000",
     "received_at": "2024-05-01T10:00:00Z", "text": "REPORT shooting NG-LA-01 shots at night"}

signed with the gateway's shared secret: header ``X-Salus-Signature: sha256=<hex HMAC-SHA256
of the exact body>``. The answer carries ``reply`` (the text to send back to the sender).
See ``docs/citizen-reports.md``.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from salus.api import context as ctx
from salus.api.context import PUBLIC_VIEWER
from salus.api.deps import Db, RowId, ViewerDep
from salus.api.errors import problem
from salus.api.intake_threads import run_intake
from salus.domain.citizen_reports import MAX_SMS_TEXT, parse_reference
from salus.usecases.citizen_reports import intake, network, operator
from salus.usecases.citizen_reports import settings as cfg
from salus.usecases.citizen_reports.input import BAD_CHARS
from salus.usecases.citizen_reports.public import recent_reports
from salus.usecases.errors import NotAuthenticated, RateLimited, ValidationFailed

public_router = APIRouter(tags=["citizen reports"])
router = APIRouter(tags=["citizen reports"])
MAX_JSON = 64 * 1024
KEY = re.compile(r"^[\x21-\x7e]{16,200}$")
SIGNATURE_HEADER = "x-salus-signature"


def _invalid(field: str, message: str, code: str = "value.invalid") -> ValidationFailed:
    return ValidationFailed([{"field": field, "code": code, "message": message}])


async def _body(request: Request) -> bytes:
    """The request body, refused (413) beyond ``MAX_JSON`` bytes without reading it all."""
    length = request.headers.get("content-length", "")
    if length.isdigit() and int(length) > MAX_JSON:
        raise _TooLargeError()
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_JSON:
            raise _TooLargeError()
        chunks.append(chunk)
    return b"".join(chunks)


class _TooLargeError(Exception):
    pass


def _json_object(body: bytes) -> tuple[dict[str, Any], str]:
    """The JSON object of a UTF-8 body, and the body as text (kept verbatim)."""
    try:
        text = body.decode("utf-8")
        value = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise _invalid("body", "the body is not UTF-8 JSON") from exc
    if not isinstance(value, dict):
        raise _invalid("body", "the body must be a JSON object")
    return value, text


def _too_large(request: Request) -> JSONResponse:
    return problem(413, "Payload too large", f"at most {MAX_JSON} bytes", request.url.path)


@public_router.post("/citizen-reports", status_code=201)
async def submit_report(request: Request) -> JSONResponse:
    """Submit a citizen report (fields as on the web form; no photo on this path)."""
    key = request.headers.get("idempotency-key", "")
    if not KEY.match(key):
        raise _invalid("Idempotency-Key", "send an Idempotency-Key header of 16-200 visible "
                       "ASCII characters", "value.missing" if not key else "value.invalid")
    try:
        body = await _body(request)
    except _TooLargeError:
        return _too_large(request)
    data, text = _json_object(body)
    envelope = intake.Envelope("api", f"api:{key}", text, ctx.client_address(request))
    receipt = await run_intake(intake.submit_report, ctx.engine(request), envelope, data)
    return JSONResponse({"reference": receipt.reference, "created": receipt.created},
                        status_code=201 if receipt.created else 200)


def _message_fields(data: dict[str, Any]) -> tuple[str, str, str, str]:
    errors = []
    out = []
    for name, limit in (("gateway", 40), ("message_id", 200), ("from", 64),
                        ("text", MAX_SMS_TEXT * 4)):
        value = data.get(name)
        if not isinstance(value, str) or (not value.strip() and name != "text"):
            errors.append({"field": name, "code": "value.missing",
                           "message": f"{name} is required (a string)"})
        elif name != "text" and BAD_CHARS.search(value):
            errors.append({"field": name, "code": "value.characters",
                           "message": "contains characters that are not allowed"})
        elif len(value) > limit:
            errors.append({"field": name, "code": "value.too_long",
                           "message": f"at most {limit} characters"})
        else:
            out.append(value.strip() if name != "text" else value)
    if errors:
        raise ValidationFailed(errors)
    return out[0], out[1], out[2], out[3]


@public_router.post("/intake/messages")
async def receive_message(request: Request) -> JSONResponse:
    """One message from an SMS/messaging gateway (signed); the reply text comes back."""
    try:
        body = await _body(request)
    except _TooLargeError:
        return _too_large(request)
    data, raw = _json_object(body)
    gateway = data.get("gateway") if isinstance(data.get("gateway"), str) else ""
    engine = ctx.engine(request)
    secret = await run_in_threadpool(cfg.gateway_secret, engine, str(gateway))
    if not cfg.signature_valid(secret, body, request.headers.get(SIGNATURE_HEADER)):
        raise NotAuthenticated("unknown gateway or bad X-Salus-Signature")
    gateway, message_id, sender, text = _message_fields(data)
    try:
        result = await run_intake(intake.submit_message, engine, gateway, message_id,
                                  sender, text, raw)
    except RateLimited as exc:
        response = problem(429, "Too many attempts", exc.detail, request.url.path,
                           reply=intake.limit_reply(text))
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    receipt = result.receipt
    return JSONResponse({"reference": receipt.reference, "created": receipt.created,
                         "category": result.category, "reply": result.reply},
                        status_code=201 if receipt.created else 200)


@public_router.get("/citizen-reports/published")
def published_reports(request: Request, area: str,
                      limit: Annotated[int, Query(ge=1, le=100)] = 10) -> list[dict[str, Any]]:
    """Verified and published reports of an area's subtree, without identifying data."""
    rows = recent_reports(ctx.engine(request), PUBLIC_VIEWER, area[:64], limit, public=True)
    return [asdict(r) | {"occurred_on": r.occurred_on.isoformat()} for r in rows]


@public_router.post("/citizen-reports/status")
async def report_status(request: Request) -> JSONResponse:
    """A report's status by its reference: ``{"reference", "status"}`` and nothing else (404
    when no report has it; 429 with ``Retry-After`` past the look-up limit)."""
    try:
        body = await _body(request)
    except _TooLargeError:
        return _too_large(request)
    data, _text = _json_object(body)
    typed = data.get("reference")
    reference = parse_reference(typed) if isinstance(typed, str) and len(typed) < 40 else None
    if reference is None:
        raise _invalid("reference", "a reference is R- and 8 letters or digits")
    try:
        status = await run_intake(intake.lookup_status, ctx.engine(request), reference,
                                  "ip:" + (ctx.client_address(request) or ""))
    except RateLimited as exc:
        response = problem(429, "Too many attempts", exc.detail, request.url.path)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    if status is None:
        return problem(404, "Not found", f"no report has the reference {reference}",
                       request.url.path)
    return JSONResponse({"reference": reference, "status": status})


# ---------------------------------------------------------------- signed-in staff

@router.post("/citizen-reports/operator", status_code=201)
async def operator_report(request: Request, viewer: ViewerDep) -> JSONResponse:
    """A report a hotline operator enters for a caller: the form's fields plus ``reported_via``
    (phone, walk_in, radio, letter, other) and ``language``; ``Idempotency-Key`` header."""
    key = request.headers.get("idempotency-key", "")
    if not KEY.match(key):
        raise _invalid("Idempotency-Key", "send an Idempotency-Key header of 16-200 visible "
                       "ASCII characters", "value.missing" if not key else "value.invalid")
    try:
        body = await _body(request)
    except _TooLargeError:
        return _too_large(request)
    data, text = _json_object(body)
    receipt = await run_intake(operator.enter_report, ctx.engine(request), viewer, key,
                               data, text)
    return JSONResponse({"reference": receipt.reference, "created": receipt.created},
                        status_code=201 if receipt.created else 200)


@router.get("/network-members")
def members(viewer: ViewerDep, engine: Db, area: str | None = None,
            active: bool = False) -> list[dict[str, Any]]:
    """Safety-network members of the caller's area scope (optionally of one area's subtree)."""
    return [asdict(m) for m in network.list_members(engine, viewer, area, active)]


@router.post("/network-members", status_code=201)
def add_member(viewer: ViewerDep, engine: Db, body: dict[str, Any]) -> dict[str, Any]:
    """Register a member: name, area_code, channel, phone/email, languages, role, active."""
    member_id = network.add_member(engine, viewer, body)
    return asdict(network.get_member(engine, viewer, member_id))


@router.get("/network-members/{member_id}")
def member(viewer: ViewerDep, engine: Db, member_id: RowId) -> dict[str, Any]:
    return asdict(network.get_member(engine, viewer, member_id))


@router.put("/network-members/{member_id}")
def update_member(viewer: ViewerDep, engine: Db, member_id: RowId,
                  body: dict[str, Any]) -> dict[str, Any]:
    """Replace a member's fields (all of them, as on the form)."""
    network.update_member(engine, viewer, member_id, body)
    return asdict(network.get_member(engine, viewer, member_id))


@router.delete("/network-members/{member_id}", status_code=204)
def delete_member(viewer: ViewerDep, engine: Db, member_id: RowId) -> None:
    network.delete_member(engine, viewer, member_id)


@router.post("/network/broadcasts")
def broadcast(viewer: ViewerDep, engine: Db, body: dict[str, Any]) -> dict[str, Any]:
    """Send an alert to the active members of its area: ``{"alert_id": 12, "note": "..."}``;
    the answer says how many messages were queued and each member's delivery status."""
    alert_id = body.get("alert_id")
    if not isinstance(alert_id, int) or isinstance(alert_id, bool):
        raise _invalid("alert_id", "the id of an alert (an integer)")
    note = body.get("note") if isinstance(body.get("note"), str) else None
    queued = network.broadcast(engine, viewer, alert_id, note)
    return {"alert_id": alert_id, "queued": queued,
            "deliveries": [asdict(d) for d in network.deliveries(engine, viewer, alert_id)]}


@router.get("/network/broadcasts/{alert_id}")
def deliveries(viewer: ViewerDep, engine: Db, alert_id: RowId) -> list[dict[str, Any]]:
    """Each member's message of an alert's broadcasts and its delivery status."""
    return [asdict(d) for d in network.deliveries(engine, viewer, alert_id)]
