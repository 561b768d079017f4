"""Citizen reports on the web: the public form (``public_router``) and the review queue.

The form (``/report``) is a small server-rendered page that works without JavaScript; a
script of a few lines adds "use my location" and an optional map loaded only on request.
A hidden token generated when the form is rendered is the submission's idempotency key, so
a resent form (refresh, retry on a weak connection) shows the first reference again. The
acknowledgement is rendered only after the report is committed. No CSRF token on this form:
it grants nothing a direct POST could not, and it must work when cookies are refused.

The queue (``/reports/review``) needs ``verify_reports`` or ``publish_reports``; its actions
are CSRF-protected posts.
"""

from __future__ import annotations

import re
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.formparsers import MultiPartException

from salus import i18n
from salus.api import context as ctx
from salus.api.csrf import verify_csrf
from salus.api.deps import Cursor, NumberedPage, RowId
from salus.api.intake_threads import run_intake
from salus.domain.accounts.roles import Viewer
from salus.domain.citizen_reports import FORM_CATEGORIES, MAX_PHOTO_BYTES, parse_reference
from salus.i18n import N_
from salus.usecases.citizen_reports import intake, operator, outbox, review
from salus.usecases.errors import (
    Conflict,
    PermissionDenied,
    RateLimited,
    UseCaseError,
    ValidationFailed,
)
from salus.usecases.paging import SeekRequest
from salus.web.forms import Field
from salus.web.pages import page_viewer
from salus.web.templating import render

public_router = APIRouter(include_in_schema=False)
router = APIRouter(include_in_schema=False)

MAX_BODY = MAX_PHOTO_BYTES + 64 * 1024
FORM_FIELDS = ("category", "description", "area_code", "longitude", "latitude", "occurred_on",
               "anonymous", "contact", "reply_consent", "website")
KEY_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,100}$")
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")



CATEGORY_LABELS = {
    "killing": N_("Killing or death"), "shooting": N_("Gunfire or weapon use"),
    "assault": N_("Physical assault"), "threat": N_("Threats, intimidation or harassment"),
    "sexual_violence": N_("Sexual violence"),
    "domestic_violence": N_("Domestic or family violence"), "robbery": N_("Robbery"),
    "kidnapping": N_("Kidnapping or abduction"),
    "unrest": N_("Unrest, riot or intercommunal tension"), "other": N_("Other"),
    "unclassified": N_("Not yet classified"),
}
MESSAGES = {
    "value.missing": N_("This field is required."),
    "value.invalid": N_("This value is not valid."),
    "value.characters": N_("This text contains characters that are not allowed."),
    "value.too_long": N_("This text is too long."),
    "value.too_short": N_("Please describe what happened in a few words."),
    "value.range": N_("This point is not on the map."),
    "code.unknown": N_("Choose one of the listed values."),
    "area.unknown": N_("This area is not known."),
    "date.future": N_("The date is in the future."),
    "date.too_old": N_("The date is more than ten years ago."),
    "contact.anonymous": N_("Leave the contact empty to report anonymously."),
    "photo.too_large": N_("The photo is larger than 2 MB."),
    "photo.type": N_("The file is not a JPEG, PNG, GIF or WebP image."),
    "form.unreadable": N_("The form could not be read. Please send it again."),
    "form.too_large": N_("The submission is too large (the photo may be at most 2 MB)."),
    "form.type": N_("Send the form as a web form."),
    "report.unknown": N_("Give the reference of another report."),
    "operator.limit": N_("You have entered many reports in a short time; wait a moment."),
    "consent.phone": N_("Give a phone number to receive messages about your report."),
    "area.scope": N_("This area is outside the area your account covers."),
}
INVALID = N_("This value is not valid.")
STATUS_LABELS = {"unverified": N_("Unverified"), "verified": N_("Verified"),
                 "rejected": N_("Rejected"), "duplicate": N_("Duplicate")}
PUBLIC_STATUS = {"unverified": N_("Received, waiting to be checked"),
                 "verified": N_("Checked and confirmed"),
                 "rejected": N_("Checked, could not be confirmed"),
                 "duplicate": N_("Already reported by someone else")}
"""What the public status look-up says (the reporter's words, not the workflow's)."""


def _fields() -> dict[str, Field]:
    """The public form's plain fields, drawn by the shared field macro (the area list with
    its groups, the photo and the honeypot are drawn by the page itself)."""
    fields = [
        Field("category", N_("What happened?"), "select",
              [(c, CATEGORY_LABELS[c]) for c in FORM_CATEGORIES], blank=True, translate=True,
              attrs={"required": "required"}),
        Field("description", N_("Describe it"), "textarea",
              attrs={"rows": "5", "maxlength": "4000", "required": "required"}),
        Field("latitude", N_("Latitude"), "number"),
        Field("longitude", N_("Longitude"), "number"),
        Field("occurred_on", N_("When? (optional)"), "date"),
        Field("anonymous", N_("Report anonymously"), "checkbox"),
        Field("contact", N_("Phone or e-mail, if we may contact you (optional)"),
              attrs={"maxlength": "200", "autocomplete": "tel"}),
        Field("reply_consent", N_("Send me a text message when my report has been checked"),
              "checkbox")]
    return {f.name: f for f in fields}


def _form_page(request: Request, status: int = 200, values: dict[str, Any] | None = None,
               errors: dict[str, list[str]] | None = None, key: str | None = None,
               notice: str | None = None) -> Response:
    """The form; ``errors`` are the use case's codes by field, shown as this form's own
    messages (no code is passed on, so no generic message replaces them)."""
    lang = i18n.current_language.get()
    beside = {name: [{"field": name, "message": i18n.gettext(MESSAGES.get(code, INVALID))}
                     for code in codes] for name, codes in (errors or {}).items()}
    return render(request, "citizen_reports/form.html", status_code=status, fields=_fields(),
                  areas=intake.area_choices(ctx.engine(request), lang), values=values or {},
                  errors=beside, key=key or secrets.token_urlsafe(24), notice=notice)


@public_router.get("/report")
def report_form(request: Request) -> Response:
    return _form_page(request)


def _form_error(request: Request, status: int, code: str) -> Response:
    return _form_page(request, status, errors={"form": [code]})


async def _read_form(request: Request) -> tuple[dict[str, Any], bytes | None] | Response:
    """The posted fields and photo, or the page explaining why the post cannot be read."""
    length = request.headers.get("content-length", "")
    if not length:      # browsers always send the length of a form; an unbounded upload is not read
        return _form_error(request, 411, "form.unreadable")
    if not length.isdigit() or int(length) > MAX_BODY:
        return _form_error(request, 413, "form.too_large")
    if not request.headers.get("content-type", "").lower().startswith(FORM_TYPES):
        return _form_error(request, 415, "form.type")
    try:
        form = await request.form(max_files=2, max_fields=40, max_part_size=64 * 1024)
        photo = form.get("photo")
        data = await photo.read(MAX_PHOTO_BYTES + 1) if isinstance(photo, UploadFile) else None
    except (MultiPartException, StarletteHTTPException, ValueError, UnicodeError, KeyError):
        return _form_error(request, 400, "form.unreadable")
    fields: dict[str, Any] = {}
    for name in (*FORM_FIELDS, "submission_key"):
        value = form.get(name)
        fields[name] = value if isinstance(value, str) or value is None else object()
    return fields, data


@public_router.post("/report")
async def submit(request: Request) -> Response:
    read = await _read_form(request)
    if isinstance(read, Response):
        return read
    fields, photo = read
    key = fields.pop("submission_key")
    if not isinstance(key, str) or not KEY_PATTERN.match(key):
        key = secrets.token_urlsafe(24)    # no usable token: this post cannot be deduplicated
    raw = {k: v for k, v in fields.items() if isinstance(v, str)}
    envelope = intake.Envelope("web", f"web:{key}", intake.raw_form(raw),
                               ctx.client_address(request), i18n.current_language.get())
    try:
        receipt = await run_intake(intake.submit_report, ctx.engine(request), envelope,
                                   fields, photo)
    except ValidationFailed as exc:
        errors: dict[str, list[str]] = {}
        for e in exc.errors:
            errors.setdefault(str(e["field"]), []).append(str(e["code"]))
        return _form_page(request, 422, values=raw, errors=errors, key=key)
    except RateLimited as exc:
        page = _form_page(request, 429, values=raw, key=key, notice="limited")
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    except Conflict:   # this form was sent before with other content: keep it, new key
        return _form_page(request, 409, values=raw, notice="resent")
    return render(request, "citizen_reports/thanks.html", reference=receipt.reference,
                  repeated=not receipt.created)


@public_router.get("/report/status")
def status_form(request: Request) -> Response:
    """Look up a report by its reference: the page says its status and nothing else."""
    return render(request, "citizen_reports/status.html")


@public_router.post("/report/status")
def status_lookup(request: Request, reference: Annotated[str, Form()] = "") -> Response:
    typed = reference.strip()[:40]
    parsed = parse_reference(typed)
    if parsed is None:
        return render(request, "citizen_reports/status.html", status_code=422, typed=typed,
                      outcome="invalid")
    try:
        status = intake.lookup_status(ctx.engine(request), parsed,
                                      "ip:" + (ctx.client_address(request) or ""))
    except RateLimited as exc:
        page = render(request, "citizen_reports/status.html", status_code=429, typed=typed,
                      outcome="limited")
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    return render(request, "citizen_reports/status.html", status_code=200 if status else 404,
                  typed=parsed, outcome="found" if status else "unknown",
                  label=PUBLIC_STATUS.get(status or "", ""))


@public_router.get("/report/areas.geojson")
def form_map(request: Request) -> Response:
    return JSONResponse(intake.form_map(ctx.engine(request)),
                        media_type="application/geo+json",
                        headers={"Cache-Control": "public, max-age=3600"})


# ---------------------------------------------------------------- review queue

def _reviewer(request: Request) -> Viewer:
    viewer = page_viewer(request)
    if not review.can_review(viewer):
        raise PermissionDenied("your role does not review citizen reports")
    return viewer


Reviewer = Annotated[Viewer, Depends(_reviewer)]


def _flag(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


@router.get("/reports/review")
def queue(request: Request, viewer: Reviewer, status: str = "unverified", category: str = "",
          channel: str = "", area: str = "", spam: str = "", published: str = "",
          page: NumberedPage = None,
          cursor: Cursor = None,
          ) -> Response:
    """The review queue, newest first, by keyset pages (``cursor``) with a capped total."""
    f = review.ReportFilter(status if status in STATUS_LABELS else None, category[:32] or None,
                            channel[:8] or None, area[:64] or None, _flag(spam),
                            _flag(published))
    result = review.seek_reports(ctx.engine(request), viewer, f, SeekRequest(50, cursor, page))
    return render(request, "citizen_reports/queue.html", page=result, f=f, status=status,
                  statuses=STATUS_LABELS, categories=CATEGORY_LABELS, spam=spam,
                  published=published)


def _report_page(request: Request, viewer: Viewer, report_id: int, status: int = 200,
                 error: UseCaseError | None = None) -> Response:
    detail = review.get_report(ctx.engine(request), viewer, report_id)
    errors = error.by_field() if isinstance(error, ValidationFailed) else {}
    replies = outbox.messages(ctx.engine(request), report_id=report_id)
    return render(request, "citizen_reports/report.html", status_code=status, r=detail,
                  categories=CATEGORY_LABELS, statuses=STATUS_LABELS, error=error,
                  errors=errors, replies=replies)


@router.get("/reports/review/{report_id}")
def report_page(request: Request, viewer: Reviewer, report_id: RowId) -> Response:
    return _report_page(request, viewer, report_id)


@router.get("/reports/review/{report_id}/photo/{photo_id}")
def report_photo(request: Request, viewer: Reviewer, report_id: RowId, photo_id: RowId) -> Response:
    mime, data = review.photo(ctx.engine(request), viewer, report_id, photo_id)
    return Response(data, media_type=mime, headers={
        "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'"})


Text = Annotated[str, Form()]


@router.post("/reports/review/{report_id}/decide", dependencies=[Depends(verify_csrf)])
def decide(request: Request, viewer: Reviewer, report_id: RowId, action: Text,
           note: Text = "", iccs_code: Text = "", area_code: Text = "", occurred_on: Text = "",
           duplicate_of: Text = "", public_text: Text = "") -> Response:
    engine = ctx.engine(request)
    try:
        if action == "verified":
            review.verify(engine, viewer, report_id, iccs_code=iccs_code, area_code=area_code,
                          occurred_on=occurred_on, note=note)
        elif action == "rejected":
            review.reject(engine, viewer, report_id, note)
        elif action == "duplicate":
            review.mark_duplicate(engine, viewer, report_id, duplicate_of, note)
        elif action in ("publish", "unpublish"):
            review.publish(engine, viewer, report_id, public_text,
                           unpublish=action == "unpublish")
        else:
            raise ValidationFailed([{"field": "action", "code": "code.unknown",
                                     "message": "unknown action"}])
    except (ValidationFailed, Conflict) as exc:
        return _report_page(request, viewer, report_id, exc.status, exc)
    return RedirectResponse(f"/reports/review/{report_id}", status_code=303)


# ---------------------------------------------------------------- hotline operators

VIA_LABELS = {"phone": N_("Phone call"), "walk_in": N_("In person"), "radio": N_("Radio"),
              "letter": N_("Letter"), "other": N_("Other")}


def _operator_viewer(request: Request) -> Viewer:
    viewer = page_viewer(request)
    if not operator.can_enter(viewer):
        raise PermissionDenied("your role does not enter reports for callers")
    return viewer


OperatorViewer = Annotated[Viewer, Depends(_operator_viewer)]


def _operator_fields() -> dict[str, Field]:
    extra = [Field("reported_via", N_("How did the caller reach you?"), "select",
                   list(VIA_LABELS.items()), translate=True),
             Field("language", N_("Caller's language"), "select",
                   list(i18n.LANGUAGES.items())),
             Field("contact", N_("Caller's phone or e-mail (optional)"),
                   attrs={"maxlength": "200"}),
             Field("reply_consent", N_("The caller agrees to receive text messages about the "
                                       "report"), "checkbox")]
    return _fields() | {f.name: f for f in extra}


def _operator_page(request: Request, status: int = 200, values: dict[str, Any] | None = None,
                   errors: dict[str, list[str]] | None = None,
                   reference: str | None = None) -> Response:
    beside = {name: [{"field": name, "message": i18n.gettext(MESSAGES.get(code, INVALID))}
                     for code in codes] for name, codes in (errors or {}).items()}
    lang = i18n.current_language.get()
    return render(request, "citizen_reports/operator.html", status_code=status,
                  fields=_operator_fields(), areas=intake.area_choices(ctx.engine(request), lang),
                  values=values or {"reported_via": "phone", "language": lang}, errors=beside,
                  key=secrets.token_urlsafe(24), reference=reference)


@router.get("/reports/operator")
def operator_form(request: Request, viewer: OperatorViewer) -> Response:
    return _operator_page(request)


OPERATOR_FIELDS = (*FORM_FIELDS, "reported_via", "language")


@router.post("/reports/operator", dependencies=[Depends(verify_csrf)])
async def operator_submit(request: Request, viewer: OperatorViewer) -> Response:
    form = await request.form(max_files=0, max_fields=40, max_part_size=64 * 1024)
    fields = {k: v for k in OPERATOR_FIELDS if isinstance(v := form.get(k), str)}
    key = str(form.get("submission_key") or "")
    if not KEY_PATTERN.match(key):
        key = secrets.token_urlsafe(24)
    try:
        receipt = await run_intake(operator.enter_report, ctx.engine(request), viewer,
                                   key, fields, intake.raw_form(fields))
    except ValidationFailed as exc:
        errors: dict[str, list[str]] = {}
        for e in exc.errors:
            errors.setdefault(str(e["field"]), []).append(str(e["code"]))
        return _operator_page(request, 422, values=fields, errors=errors)
    except RateLimited as exc:
        page = _operator_page(request, 429, values=fields, errors={"form": ["operator.limit"]})
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    return _operator_page(request, 201 if receipt.created else 200,
                          reference=receipt.reference)
