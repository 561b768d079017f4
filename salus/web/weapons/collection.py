"""Collection campaigns, destruction events and their report in the web app (issue 13; ISACS/
MOSAIC 05.40 collection, 05.50 destruction, 05.20 stockpile accounting).

* ``/weapons/campaigns`` — campaigns in scope; ``/weapons/forms/campaign`` creates one and
  ``/weapons/forms/surrender`` records a weapon handed in during one (by uid or serial as read);
* ``/weapons/destructions`` — destruction events in scope; ``/weapons/forms/destruction`` creates
  one; ``/weapons/destructions/{certificate}`` shows it, with forms to destroy weapons (a list of
  uids or serials, one a line), add parts by kind or ammunition by calibre, and upload a
  destruction list (CSV/XLSX, all rows or none, errors by row, column and value);
* ``/weapons/collection-report`` — weapons collected, surrendered, seized, found and destroyed
  per period × area × category × agency, parts and ammunition: table, chart and CSV;
  ``/public/weapons/collection-report`` (and ``/weapons/collection-report`` under
  ``salus serve --public``) the published version, small counts ``<5``.

Every write calls one use case (:mod:`salus.usecases.weapons.campaigns`,
:mod:`~salus.usecases.weapons.destruction_import`), whose rules, area scope and audit apply; a
refusal comes back beside its fields with the values kept, and nothing is written.
``EDIT_WEAPONS`` writes, ``WEAPONS`` reads.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from salus import i18n
from salus.api import context as ctx
from salus.api.csrf import verify_csrf
from salus.domain import taxonomy
from salus.domain.accounts.roles import PUBLIC_VIEWER, Permission, Viewer
from salus.domain.weapons.collection import (
    MEASURES,
    DestructionItem,
    ItemKind,
    campaign_kinds,
    method_codes,
    part_kinds,
)
from salus.i18n import N_
from salus.usecases.errors import ValidationFailed
from salus.usecases.weapons import campaigns as uc
from salus.usecases.weapons import collection_report as cr
from salus.usecases.weapons.destruction_import import import_destruction_upload
from salus.web.forms import Field, Finding, FormReader, Values, render_form, submit
from salus.web.pages import needs
from salus.web.templating import render
from salus.web.weapons.labels import wlabel

router = APIRouter(include_in_schema=False)
public_router = APIRouter(include_in_schema=False)
Reader = Annotated[Viewer, Depends(needs(Permission.WEAPONS))]
Editor = Annotated[Viewer, Depends(needs(Permission.EDIT_WEAPONS))]
MAX_TEXT = 300
MEASURE_NAMES = {"collected": N_("Collected"), "surrendered": N_("Surrendered"),
                 "seized": N_("Seized"), "found": N_("Found"), "destroyed": N_("Destroyed")}
DIMENSION_NAMES = {"area": N_("Area"), "category": N_("Category"), "agency": N_("Agency")}


def code_label(list_id: str, code: str | None) -> str:
    """The label of a code of ``taxonomies/<list_id>.yaml`` in the page's language."""
    if not code:
        return ""
    tax = taxonomy.load(list_id)
    return tax.label(code, i18n.current_language.get()) if code in tax else code


def _options(list_id: str, codes: Sequence[str]) -> list[tuple[str, str]]:
    return [(c, code_label(list_id, c)) for c in codes]


def _today() -> str:
    return dt.date.today().isoformat()


def _lines(text: str) -> tuple[str, ...]:
    return tuple(x.strip() for x in text.replace(",", "\n").splitlines() if x.strip())


# ---------------------------------------------------------------- campaigns

CAMPAIGN_FIELDS = ("name", "kind", "starts_on", "ends_on", "area_code", "collecting_agency",
                   "locations", "description")
SURRENDER_FIELDS = ("campaign", "weapon", "manufacturer", "occurred_on", "place")


def _campaign_fields() -> list[Field]:
    return [Field("name", N_("Campaign name")),
            Field("kind", N_("Kind of collection"), "select",
                  _options("collection_campaign_kind", campaign_kinds())),
            Field("starts_on", N_("First day"), "date"), Field("ends_on", N_("Last day"), "date"),
            Field("area_code", N_("Area code"), attrs={"size": "10"}),
            Field("collecting_agency", N_("Collecting agency")),
            Field("locations", N_("Collection points (one a line)"), "textarea"),
            Field("description", N_("Description"), "textarea")]


@router.get("/weapons/campaigns")
def campaigns_page(request: Request, viewer: Reader) -> Response:
    """Campaigns in the viewer's scope with the weapons surrendered in each."""
    found = uc.list_campaigns(ctx.engine(request), viewer)
    return render(request, "weapons/campaigns.html", campaigns=found, code_label=code_label,
                  saved=request.query_params.get("saved") == "1")


def _campaign_form(request: Request, values: Values, errors: Sequence[Finding] = ()
                   ) -> Response:
    return render_form(request, N_("New collection campaign"), "/weapons/forms/campaign",
                       _campaign_fields(), values, errors, back="/weapons/campaigns",
                       back_label=N_("Collection campaigns"), nav="weapons/_nav.html")


@router.get("/weapons/forms/campaign")
def new_campaign(request: Request, viewer: Editor) -> Response:
    return _campaign_form(request, {"kind": "voluntary_surrender", "starts_on": _today(),
                                    "ends_on": _today()})


@router.post("/weapons/forms/campaign", dependencies=[Depends(verify_csrf)])
async def add_campaign(request: Request, viewer: Editor) -> Response:
    r = FormReader(await request.form(), CAMPAIGN_FIELDS, max_length=MAX_TEXT * 10)

    def write() -> str:
        name = r.required("name")
        kind = r.choice("kind", campaign_kinds())
        starts, ends = r.date("starts_on"), r.date("ends_on")
        r.done()
        assert kind is not None and starts is not None and ends is not None
        uc.add_campaign(ctx.engine(request), viewer, uc.CampaignInput(
            name, starts, ends, r.optional("area_code"), _lines(r.text("locations")),
            r.optional("description"), kind, r.optional("collecting_agency")))
        return "/weapons/campaigns?saved=1"

    return submit(write, lambda errors: _campaign_form(request, r.values, errors))


def _surrender_fields(request: Request, viewer: Viewer) -> list[Field]:
    names = [c.name for c in uc.list_campaigns(ctx.engine(request), viewer)]
    return [Field("campaign", N_("Collection campaign"), "select", [(n, n) for n in names]),
            Field("weapon", N_("Weapon (uid or serial number as read)")),
            Field("manufacturer", N_("Manufacturer (when two makers used the serial)")),
            Field("occurred_on", N_("Handed in on"), "date"), Field("place", N_("Place"))]


def _surrender_form(request: Request, viewer: Viewer, values: Values,
                    errors: Sequence[Finding] = ()) -> Response:
    return render_form(request, N_("Record a surrender"), "/weapons/forms/surrender",
                       _surrender_fields(request, viewer), values, errors,
                       back="/weapons/campaigns", back_label=N_("Collection campaigns"),
                       submit_label=N_("Record"), nav="weapons/_nav.html")


@router.get("/weapons/forms/surrender")
def new_surrender(request: Request, viewer: Editor, campaign: str = "") -> Response:
    return _surrender_form(request, viewer, {"campaign": campaign[:200],
                                             "occurred_on": _today()})


@router.post("/weapons/forms/surrender", dependencies=[Depends(verify_csrf)])
async def add_surrender(request: Request, viewer: Editor) -> Response:
    r = FormReader(await request.form(), SURRENDER_FIELDS, max_length=MAX_TEXT)

    def write() -> str:
        campaign, weapon = r.required("campaign"), r.required("weapon")
        on = r.date("occurred_on")
        r.done()
        assert on is not None
        engine = ctx.engine(request)
        with engine.connect() as conn:
            uid = uc.resolve_weapon(conn, viewer, weapon, r.optional("manufacturer"))
        uc.record_surrender(engine, viewer, campaign, uid, on, place=r.optional("place"))
        return f"/weapons/{uid}?saved=1"

    return submit(write, lambda errors: _surrender_form(request, viewer, r.values, errors))


# ---------------------------------------------------------------- destruction

BATCH_FIELDS = ("certificate_number", "method", "destroyed_on", "place", "verifying_body",
                "witnesses", "collecting_agency", "area_code", "notes")


def _batch_fields() -> list[Field]:
    return [Field("certificate_number", N_("Destruction certificate")),
            Field("method", N_("Method"), "select",
                  _options("destruction_method", method_codes())),
            Field("destroyed_on", N_("Date of destruction"), "date"),
            Field("place", N_("Place")),
            Field("verifying_body", N_("Verifying body")),
            Field("witnesses", N_("Witnesses (one a line)"), "textarea"),
            Field("collecting_agency", N_("Collecting agency")),
            Field("area_code", N_("Area code"), attrs={"size": "10"}),
            Field("notes", N_("Notes"), "textarea")]


@router.get("/weapons/destructions")
def destructions_page(request: Request, viewer: Reader) -> Response:
    """Destruction events in scope, with the weapons, parts and rounds each destroyed."""
    found = uc.list_batches(ctx.engine(request), viewer)
    return render(request, "weapons/destructions.html", batches=found, code_label=code_label)


def _batch_form(request: Request, values: Values, errors: Sequence[Finding] = ()) -> Response:
    return render_form(request, N_("New destruction event"), "/weapons/forms/destruction",
                       _batch_fields(), values, errors, back="/weapons/destructions",
                       back_label=N_("Destruction events"), nav="weapons/_nav.html")


@router.get("/weapons/forms/destruction")
def new_batch(request: Request, viewer: Editor) -> Response:
    return _batch_form(request, {"method": "cutting", "destroyed_on": _today()})


@router.post("/weapons/forms/destruction", dependencies=[Depends(verify_csrf)])
async def add_batch(request: Request, viewer: Editor) -> Response:
    r = FormReader(await request.form(), BATCH_FIELDS, max_length=MAX_TEXT * 10)

    def write() -> str:
        certificate, place = r.required("certificate_number"), r.required("place")
        method = r.choice("method", method_codes())
        on = r.date("destroyed_on")
        r.done()
        assert method is not None and on is not None
        done = uc.add_destruction_batch(ctx.engine(request), viewer, uc.BatchInput(
            certificate, method, on, place, _lines(r.text("witnesses")),
            r.optional("area_code"), r.optional("notes"), r.optional("verifying_body"),
            r.optional("collecting_agency")))
        return f"/weapons/destructions/{done}?saved=1"

    return submit(write, lambda errors: _batch_form(request, r.values, errors))


def _batch_page(request: Request, viewer: Viewer, certificate: str, *, status: int = 200,
                values: Values | None = None, weapon_errors: Sequence[Finding] = (),
                item_errors: Sequence[Finding] = (),
                imported: Any = None) -> Response:
    batch = uc.get_batch(ctx.engine(request), viewer, certificate)
    item_fields = [Field("kind", N_("Item"), "select",
                         [("part", N_("Parts")), ("ammunition", N_("Ammunition"))],
                         translate=True),
                   Field("part_kind", N_("Part kind"), "select",
                         _options("weapon_part_kind", part_kinds()), blank=True),
                   Field("calibre", N_("Calibre"), attrs={"size": "12"}),
                   Field("quantity", N_("Quantity"), "integer", attrs={"size": "8"})]
    beside: dict[str, list[Finding]] = {}
    for e in item_errors:
        beside.setdefault(str(e.get("field")), []).append(e)
    return render(request, "weapons/destruction.html", status_code=status, batch=batch,
                  values=values or {"kind": "part"}, weapon_errors=weapon_errors,
                  item_errors=item_errors, item_beside=beside, item_fields=item_fields,
                  imported=imported,
                  code_label=code_label, saved=request.query_params.get("saved") == "1")


@router.get("/weapons/destructions/{certificate}")
def batch_page(request: Request, viewer: Reader, certificate: str) -> Response:
    """One destruction event: its record, weapons, parts and ammunition, and (for editors)
    the forms that add to it."""
    return _batch_page(request, viewer, certificate)


@router.post("/weapons/destructions/{certificate}/weapons",
             dependencies=[Depends(verify_csrf)])
async def destroy_weapons(request: Request, viewer: Editor, certificate: str) -> Response:
    """Destroy the listed weapons (uids or serials, one a line): all or none."""
    r = FormReader(await request.form(), ("weapons",), max_length=uc.MAX_LIST * 40)
    try:
        uc.destroy_listed(ctx.engine(request), viewer, certificate,
                          r.text("weapons").splitlines())
    except ValidationFailed as exc:
        return _batch_page(request, viewer, certificate, status=422, values=r.values,
                           weapon_errors=exc.errors)
    return RedirectResponse(f"/weapons/destructions/{certificate}?saved=1", status_code=303)


@router.post("/weapons/destructions/{certificate}/items", dependencies=[Depends(verify_csrf)])
async def add_items(request: Request, viewer: Editor, certificate: str) -> Response:
    """Parts of one kind or ammunition of one calibre destroyed in the event."""
    r = FormReader(await request.form(), ("kind", "part_kind", "calibre", "quantity"),
                   max_length=MAX_TEXT)
    try:
        kind = r.choice("kind", [k.value for k in ItemKind])
        quantity = r.integer("quantity", required=True)
        r.done()
        assert kind is not None and quantity is not None
        uc.add_items(ctx.engine(request), viewer, certificate, [DestructionItem(
            ItemKind(kind), quantity, r.optional("part_kind"), r.optional("calibre"))])
    except ValidationFailed as exc:
        return _batch_page(request, viewer, certificate, status=422, values=r.values,
                           item_errors=exc.errors)
    return RedirectResponse(f"/weapons/destructions/{certificate}?saved=1", status_code=303)


@router.post("/weapons/destructions/{certificate}/import", dependencies=[Depends(verify_csrf)])
async def import_list(request: Request, viewer: Editor, certificate: str) -> Response:
    """Upload a destruction list: every row checked, nothing written unless all pass."""
    form = await request.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return _batch_page(request, viewer, certificate, status=422, imported={
            "errors": [], "message": i18n.gettext("Choose a file to upload.")})
    try:
        report = import_destruction_upload(ctx.engine(request), viewer, upload.filename,
                                           upload.file, certificate)
    except ValidationFailed as exc:
        return _batch_page(request, viewer, certificate, status=422,
                           imported={"errors": [], "message": exc.detail})
    if not report.committed:
        return _batch_page(request, viewer, certificate, status=422, imported=report)
    return _batch_page(request, viewer, certificate, imported=report)


# ---------------------------------------------------------------- report


def _report_page(request: Request, viewer: Viewer, public_page: bool) -> Response:
    q = request.query_params
    engine = ctx.engine(request)
    period = (q.get("period") or "").strip()[:30] or cr.default_period(engine, viewer)
    grain = q.get("grain") or "year"
    default_by = ["area"] if public_page else list(cr.DIMENSIONS)
    by = [b for b in q.getlist("by") if b in cr.DIMENSIONS] if "filtered" in q else default_by
    area = (q.get("area") or "").strip()[:64] or None
    wants_public = public_page or q.get("public") == "1"
    error, report = None, None
    try:
        report = cr.collection_report(engine, viewer, period, area, grain=grain, by=tuple(by),
                                      public=wants_public)
    except ValidationFailed as exc:
        error = exc
    names = {m: i18n.gettext(t) for m, t in MEASURE_NAMES.items()}
    query = [("period", period), ("grain", grain), *[("by", b) for b in by]]
    if area:
        query.append(("area", area))
    return render(request, "weapons/collection_report.html", status_code=422 if error else 200,
                  report=report, error=error, period=period, grain=grain, by=by, area=area or "",
                  public_page=public_page, wants_public=wants_public, measures=MEASURES,
                  measure_names=MEASURE_NAMES, dimension_names=DIMENSION_NAMES,
                  chart=report.chart(names) if report else None, query=query,
                  code_label=code_label, wlabel=wlabel)


@router.get("/weapons/collection-report")
def report_page(request: Request, viewer: Reader) -> Response:
    """The figures the annual reports quote, for the viewer's scope (``public=1``: as
    published)."""
    return _report_page(request, viewer, False)


@public_router.get("/public/weapons/collection-report")
def public_report_page(request: Request) -> Response:
    """The published report: anyone, small counts ``<5``, no totals."""
    return _report_page(request, PUBLIC_VIEWER, True)
