"""``/api/v1`` endpoints of collection campaigns and destruction events (issue 13; ISACS/MOSAIC
05.40 collection, 05.50 destruction): create and list campaigns, record a surrender into one;
create a destruction event, destroy weapons in it (uids or serials as read), add parts and
ammunition, upload a destruction list (all rows or none, row errors naming row, column and
value); the collection and destruction report as JSON or CSV, and its public version
(``/api/v1/public/weapons/collection-report``: small counts ``<5``, no totals).

Thin: each endpoint calls one use case (:mod:`salus.usecases.weapons.campaigns`,
:mod:`~salus.usecases.weapons.destruction_import`,
:mod:`~salus.usecases.weapons.collection_report`), whose permissions, area scope, rules and
audit apply; their refusals become RFC 9457 problems.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from salus.api.deps import Db, ViewerDep
from salus.api.schemas import ERRORS
from salus.domain.accounts.roles import PUBLIC_VIEWER, Viewer
from salus.domain.weapons.collection import DestructionItem, ItemKind
from salus.usecases.weapons import campaigns as uc
from salus.usecases.weapons import collection_report as cr
from salus.usecases.weapons.destruction_import import import_destruction_upload

router = APIRouter(tags=["weapons"], responses=ERRORS)
public_router = APIRouter(tags=["weapons"], responses=ERRORS)
Text = Annotated[str | None, Field(None, max_length=300)]


class CampaignIn(BaseModel):
    name: str = Field(..., max_length=200)
    kind: str = Field("voluntary_surrender", max_length=30)
    starts_on: dt.date
    ends_on: dt.date
    area_code: str | None = Field(None, max_length=64)
    collecting_agency: str | None = Field(None, max_length=200)
    locations: list[Annotated[str, Field(max_length=200)]] = Field(default_factory=list,
                                                                    max_length=200)
    description: str | None = Field(None, max_length=5000)


class SurrenderIn(BaseModel):
    weapon: str = Field(..., max_length=100, description="uid, or serial number as read")
    occurred_on: dt.date
    manufacturer: str | None = Field(None, max_length=200)
    place: str | None = Field(None, max_length=300)
    area_code: str | None = Field(None, max_length=64)
    agency: str | None = Field(None, max_length=200)


class BatchIn(BaseModel):
    certificate_number: str = Field(..., max_length=100)
    method: str = Field(..., max_length=20)
    destroyed_on: dt.date
    place: str = Field(..., max_length=300)
    verifying_body: str | None = Field(None, max_length=300)
    witnesses: list[Annotated[str, Field(max_length=200)]] = Field(default_factory=list,
                                                                    max_length=100)
    collecting_agency: str | None = Field(None, max_length=200)
    area_code: str | None = Field(None, max_length=64)
    notes: str | None = Field(None, max_length=5000)


class WeaponsIn(BaseModel):
    weapons: list[Annotated[str, Field(max_length=100)]] = Field(
        ..., min_length=1, max_length=uc.MAX_LIST,
        description="uids or serial numbers as read; all destroyed or none")


class ItemIn(BaseModel):
    kind: Literal["part", "ammunition"]
    quantity: int
    part_kind: str | None = Field(None, max_length=20)
    calibre: str | None = Field(None, max_length=50)
    description: str | None = Field(None, max_length=1000)


class ItemsIn(BaseModel):
    items: list[ItemIn] = Field(..., min_length=1, max_length=1000)


@router.get("/weapons/campaigns")
def campaigns(viewer: ViewerDep, engine: Db) -> list[dict[str, Any]]:
    """Collection campaigns in the caller's scope, newest first, with their surrenders."""
    return [dataclasses.asdict(c) for c in uc.list_campaigns(engine, viewer)]


@router.post("/weapons/campaigns", status_code=201)
def create_campaign(body: CampaignIn, viewer: ViewerDep, engine: Db) -> dict[str, Any]:
    """Create a collection campaign (MOSAIC 05.40); 422 with every broken rule."""
    uc.add_campaign(engine, viewer, uc.CampaignInput(
        body.name, body.starts_on, body.ends_on, body.area_code, tuple(body.locations),
        body.description, body.kind, body.collecting_agency))
    return dataclasses.asdict(uc.get_campaign(engine, viewer, body.name.strip()))


@router.post("/weapons/campaigns/{name}/surrenders", status_code=201)
def surrender(name: str, body: SurrenderIn, viewer: ViewerDep, engine: Db) -> dict[str, Any]:
    """A weapon handed in during the campaign (a ``surrendered`` event, lifecycle rules)."""
    done = uc.record_surrender(engine, viewer, name, body.weapon, body.occurred_on,
                               place=body.place, area_code=body.area_code,
                               manufacturer=body.manufacturer, agency=body.agency)
    return dataclasses.asdict(done)


@router.get("/weapons/destructions")
def destructions(viewer: ViewerDep, engine: Db) -> list[dict[str, Any]]:
    """Destruction events in the caller's scope, newest first, with what each destroyed."""
    return [dataclasses.asdict(b) for b in uc.list_batches(engine, viewer)]


def _batch(engine: Any, viewer: Viewer, certificate: str) -> dict[str, Any]:
    b = uc.get_batch(engine, viewer, certificate)
    return dataclasses.asdict(b) | {"parts": b.parts, "rounds": b.rounds}


@router.post("/weapons/destructions", status_code=201)
def create_destruction(body: BatchIn, viewer: ViewerDep, engine: Db) -> dict[str, Any]:
    """Create a destruction event (MOSAIC 05.50); 422 with every broken rule."""
    certificate = uc.add_destruction_batch(engine, viewer, uc.BatchInput(
        body.certificate_number, body.method, body.destroyed_on, body.place,
        tuple(body.witnesses), body.area_code, body.notes, body.verifying_body,
        body.collecting_agency))
    return _batch(engine, viewer, certificate)


@router.get("/weapons/destructions/{certificate}")
def destruction(certificate: str, viewer: ViewerDep, engine: Db) -> dict[str, Any]:
    """One destruction event: its record, the weapons, parts and ammunition it destroyed."""
    return _batch(engine, viewer, certificate)


@router.post("/weapons/destructions/{certificate}/weapons", status_code=201)
def destroy(certificate: str, body: WeaponsIn, viewer: ViewerDep, engine: Db
            ) -> dict[str, Any]:
    """Destroy weapons in the event, each through the lifecycle rules: all or none (422 names
    each refused line)."""
    done = uc.destroy_listed(engine, viewer, certificate, body.weapons)
    return {"destroyed": len(done), **_batch(engine, viewer, certificate)}


@router.post("/weapons/destructions/{certificate}/items", status_code=201)
def add_items(certificate: str, body: ItemsIn, viewer: ViewerDep, engine: Db
              ) -> dict[str, Any]:
    """Parts by kind and ammunition by calibre destroyed in the event: all or none."""
    uc.add_items(engine, viewer, certificate, [
        DestructionItem(ItemKind(i.kind), i.quantity, i.part_kind, i.calibre, i.description)
        for i in body.items])
    return _batch(engine, viewer, certificate)


@router.post("/weapons/destructions/{certificate}/import")
def import_list(certificate: str, viewer: ViewerDep, engine: Db,
                file: Annotated[UploadFile, File()],
                dry_run: Annotated[bool, Form()] = False) -> dict[str, Any]:
    """Upload a destruction list (CSV, XLSX, XLS): every row is checked, and nothing is written
    unless all pass (``committed`` false and ``errors`` naming row, column and value)."""
    report = import_destruction_upload(engine, viewer, file.filename or "upload.csv",
                                       file.file, certificate, dry_run=dry_run)
    return dataclasses.asdict(report)


By = Annotated[list[Literal["area", "category", "agency"]] | None, Query()]


def _report(viewer: Viewer, engine: Any, period: str, area: str | None, grain: str,
            by: Sequence[str] | None, area_level: int | None, public: bool, fmt: str) -> Any:
    report = cr.collection_report(engine, viewer, period, area, grain=grain,
                                  by=tuple(by) if by is not None else cr.DIMENSIONS,
                                  area_level=area_level, public=public)
    if fmt == "csv":
        return Response(report.csv(), media_type="text/csv; charset=utf-8", headers={
            "Content-Disposition": 'attachment; filename="collection-destruction.csv"'})
    return {"period": report.period, "start": report.start, "end": report.end,
            "grain": report.grain, "by": list(report.by), "area_code": report.area_code,
            "area_level": report.area_level, "public": report.public,
            "rows": report.rows(), "items": report.item_rows(), "totals": report.totals(),
            "item_totals": report.item_totals()}


CSV_RESPONSE: dict[int | str, dict[str, Any]] = {200: {"content": {"text/csv": {}}}}


@router.get("/weapons/collection-report", responses=CSV_RESPONSE)
def collection_report(viewer: ViewerDep, engine: Db,
                      period: str = Query(..., max_length=30),
                      area: str | None = Query(None, max_length=64),
                      grain: Literal["year", "quarter", "month"] = "year",
                      by: By = None,
                      area_level: Annotated[int | None, Query(ge=0, le=10)] = None,
                      public: bool = False,
                      format: Literal["json", "csv"] = "json") -> Any:
    """Weapons collected, surrendered, seized, found and destroyed per period × area ×
    category × agency, and the parts and ammunition destroyed; ``public=true`` (or a caller
    without the weapons permission) gets the suppressed version."""
    return _report(viewer, engine, period, area, grain, by, area_level, public, format)


@public_router.get("/public/weapons/collection-report", responses=CSV_RESPONSE)
def public_collection_report(engine: Db, period: str = Query(..., max_length=30),
                             area: str | None = Query(None, max_length=64),
                             grain: Literal["year", "quarter", "month"] = "year",
                             by: By = None,
                             area_level: Annotated[int | None, Query(ge=0, le=10)] = None,
                             format: Literal["json", "csv"] = "json") -> Any:
    """The published report, for anyone: counts of 1–4 read ``<5``, a sum that would give one
    back reads ``c``, no totals."""
    return _report(PUBLIC_VIEWER, engine, period, area, grain,
                   by if by is not None else ["area"], area_level, True, format)
