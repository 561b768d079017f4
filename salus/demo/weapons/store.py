"""Store the demo weapons registry: read the demo's areas and firearm incidents, draw the
registry (:func:`salus.demo.weapons.generate.generate_arms`) and write it.

The registry core (owners, licences, weapons, holdings, lifecycle events, incident links) and
the stockpile rows go in one transaction through :mod:`salus.demo.weapons.bulk` and
:mod:`salus.demo.weapons.store_stock`, which check every record with the registry's pure rules;
the few campaigns, destruction batches, storage sites and stock counts go through the
registry's use cases (each opens its own small transaction). Every demo weapon carries
``source_record = "demo:<key>"`` so that :func:`clear_arms` removes only the demo's registry.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

import sqlalchemy as sa

from salus.demo.weapons import bulk as arms_bulk
from salus.demo.weapons import store_stock as arms_store_stock
from salus.demo.weapons.builder import ArmsConfig
from salus.demo.weapons.generate import generate_arms
from salus.demo.weapons.model import AreaRef, ArmsData, IncidentRef
from salus.demo.weapons.national import clear_national
from salus.domain.accounts.roles import Viewer
from salus.domain.weapons.collection import DestructionItem, ItemKind
from salus.domain.weapons.registry import DestructionMethod
from salus.storage import schema as t
from salus.storage.weapons import schema as w
from salus.usecases.weapons.campaigns import (
    BatchInput,
    CampaignInput,
    add_campaign,
    add_destruction_batch,
    add_items,
)

FIREARMS = ("revolver_pistol", "rifle_carbine", "assault_rifle", "submachine_gun",
            "light_machine_gun", "firearm_other_unknown")
FULL_SIZE = 24_000
"""Police firearm incidents of the default demo (50,000 events): the full-size registry."""
OFFICER = Viewer.for_role("registry", "registry_officer")
VERIFYING_BODY = "National Small Arms Commission"
"""Who verifies the demo's destructions (MOSAIC 05.50)."""
"""The demo's records are written as the demo registry officer."""


@dataclass(frozen=True, slots=True)
class ArmsSummary:
    """What :func:`seed_arms` stored, and how long it took."""

    owners: int
    licences: int
    weapons: int
    events: int
    sites: int
    lots: int
    traces: int
    seconds: float


def load_refs(engine: sa.Engine) -> tuple[list[AreaRef], list[IncidentRef]]:
    """The demo's areas and its police-series firearm incidents (the seizures' cases)."""
    i, wp, s = t.incident, t.incident_weapon, t.incident_source
    with engine.connect() as conn:
        areas = [AreaRef(r.code, r.name, r.level) for r in conn.execute(
            sa.select(t.area.c.code, t.area.c.name, t.area.c.level).order_by(t.area.c.code))]
        rows = conn.execute(
            sa.select(i.c.uid, i.c.occurred_on, t.area.c.code, i.c.iccs_code,
                      wp.c.legal_status, wp.c.count)
            .join(t.area, t.area.c.id == i.c.area_id).join(wp, wp.c.incident_id == i.c.id)
            .join(s, s.c.incident_id == i.c.id)
            .where(s.c.source_type == "police", wp.c.category.in_(FIREARMS))
            .order_by(i.c.uid)).all()
    return areas, [IncidentRef(r[0], r[1], r[2], r[3], r[4], int(r[5] or 1)) for r in rows]


def seed_arms(engine: sa.Engine, seed: int, years: tuple[int, int],
              config: ArmsConfig | None = None, today: dt.date | None = None) -> ArmsSummary:
    """Generate the registry for the demo in ``engine`` and store it (see the module doc)."""
    started = time.perf_counter()
    today = today or dt.datetime.now(dt.UTC).date()
    areas, incidents = load_refs(engine)
    config = config or ArmsConfig(seed=seed, years=years,
                                  scale=min(1.0, max(0.02, len(incidents) / FULL_SIZE)))
    data = generate_arms(config, areas, incidents)
    campaigns, batches = _campaigns_and_batches(engine, data)
    sites = arms_store_stock.add_sites(engine, OFFICER, data)
    with engine.begin() as conn:
        written = arms_bulk.write_registry(conn, data, seed, today, campaigns, batches)
        arms_store_stock.write_stock(conn, data, written, sites, today)
    arms_store_stock.record_counts(engine, OFFICER, data, written)
    return ArmsSummary(len(data.owners), len(data.licences), len(data.weapons),
                       len(data.events), len(data.sites), len(data.lots), len(data.traces),
                       round(time.perf_counter() - started, 2))


def _campaigns_and_batches(engine: sa.Engine, data: ArmsData
                           ) -> tuple[dict[str, int], dict[str, int]]:
    """Campaigns (MOSAIC 05.40) and destruction events (05.50) through the use cases; each
    destruction also destroys loose magazines and rounds, as programme reports count them."""
    for c in data.campaigns:
        add_campaign(engine, OFFICER, CampaignInput(
            c.name, c.starts_on, c.ends_on, None, c.areas,
            "Voluntary surrender with amnesty; weapons handed in at police stations",
            "amnesty" if c.amnesty else "voluntary_surrender", arms_bulk.AGENCY))
    for b in data.batches:
        add_destruction_batch(engine, OFFICER, BatchInput(
            b.certificate, DestructionMethod(b.method), b.on, "Central weapons depot",
            b.witnesses, b.place, f"{len(b.weapons)} weapons", VERIFYING_BODY,
            arms_bulk.AGENCY))
        add_items(engine, OFFICER, b.certificate, [
            DestructionItem(ItemKind.PART, max(1, len(b.weapons) // 2), part_kind="magazine"),
            DestructionItem(ItemKind.AMMUNITION, 60 * max(1, len(b.weapons)),
                            calibre="7.62x39mm")])
    with engine.connect() as conn:
        names = {r[0]: int(r[1]) for r in conn.execute(
            sa.select(w.collection_campaign.c.name, w.collection_campaign.c.id))}
        certs = {r[0]: int(r[1]) for r in conn.execute(
            sa.select(w.destruction_batch.c.certificate_number, w.destruction_batch.c.id))}
    return ({c.key: names[c.name] for c in data.campaigns},
            {b.key: certs[b.certificate] for b in data.batches})


def clear_arms(conn: sa.Connection) -> None:
    """Delete the demo's registry and stockpiles (refused when they hold anything else), the
    national registry of ``--weapons`` included."""
    arms_store_stock.clear(conn, "demo:")
    clear_national(conn)
