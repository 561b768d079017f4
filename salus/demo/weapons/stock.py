"""Stockpiles of the demo (IATG 03.10): sites, storage, movements, destruction, counts, lots.

Part of :mod:`salus.demo.weapons.generate`. Recovered weapons go to the evidence room (seized,
found) or
the police armoury (surrendered) of their region; before a destruction batch they are moved to
the central stockpile with a custody note; yearly counts compare each site with its records.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from salus.demo.names import draw_name
from salus.demo.weapons import catalog as cat
from salus.demo.weapons.builder import Builder, sites_of
from salus.demo.weapons.model import AmmunitionLot, DestructionBatch, Site, StockCount

OFFICER_TITLES = ("Insp.", "Sgt.", "Lt.", "Cmdr.")


def add_sites(b: Builder) -> None:
    """A central stockpile in the first region, an armoury and an evidence room per region."""
    regions = b.regions
    b.data.sites.append(Site("CS-1", "Central weapons and ammunition depot", "stockpile",
                             regions[0].code))
    for r in regions:
        b.data.sites.append(Site(f"ARM-{r.code}", f"Police armoury, {r.name}", "armoury",
                                 r.code))
        b.data.sites.append(Site(f"EVR-{r.code}", f"Evidence room, {r.name}", "evidence_room",
                                 r.code))


def _officer(rng: np.random.Generator) -> str:
    name = draw_name(rng, bool(rng.random() < 0.3), "latin")
    title = OFFICER_TITLES[int(rng.integers(len(OFFICER_TITLES)))]
    return f"{title} {name.given[1]} {name.family[1].split()[0]}"


def _batches(b: Builder, rng: np.random.Generator) -> list[DestructionBatch]:
    first, last = b.config.years
    central = sites_of(b, "stockpile")[0]
    out: list[DestructionBatch] = []
    for year in range(first, last + 1):
        for month, day in ((6, 15), (11, 20)):
            n = len(out) + 1
            witnesses = (_officer(rng), _officer(rng), "UNDP SALW programme observer")
            method = cat.DESTRUCTION_METHODS[int(rng.integers(len(cat.DESTRUCTION_METHODS)))]
            out.append(DestructionBatch(f"DB-{year}-{n:02d}", dt.date(year, month, day),
                                        method, central.area, central.key, witnesses,
                                        f"DC-{year}-{n:03d}"))
    return out


def storage_and_destruction(b: Builder) -> None:
    """Store every recovered weapon, then move and destroy many of them in batches."""
    rng = b.config.stream("storage")
    batches = _batches(b, rng)
    central = sites_of(b, "stockpile")[0].key
    for weapon in b.data.weapons:
        st = b.state[weapon.key]
        if st.status not in ("seized", "found", "surrendered"):
            continue
        kind = st.status
        stored = st.last + dt.timedelta(days=int(rng.integers(0, 15)))
        if stored > b.config.last_day:
            continue
        region = (st.area or b.regions[0].code)[:4]
        site = f"{'ARM' if kind == 'surrendered' else 'EVR'}-{region}"
        b.emit(weapon.key, "stored", stored, site=site, note=f"Received by {_officer(rng)}")
        st.status, st.site = "stored", site
        _maybe_destroy(b, rng, weapon.key, kind, batches, central)
    b.data.batches = [batch for batch in batches if batch.weapons]


def _maybe_destroy(b: Builder, rng: np.random.Generator, key: str, kind: str,
                   batches: list[DestructionBatch], central: str) -> None:
    st = b.state[key]
    wait, chance = (365, 0.35) if kind == "seized" else (60, 0.75)
    for batch in batches:
        if batch.on < st.last + dt.timedelta(days=wait):
            continue
        if rng.random() >= chance:
            continue
        moved = batch.on - dt.timedelta(days=int(rng.integers(3, 20)))
        if st.site != central and moved >= st.last:
            b.emit(key, "stored", moved, site=central,
                   note=f"Moved from {st.site} for destruction; custody {_officer(rng)}")
            st.site = central
        b.emit(key, "destroyed", batch.on, site=central, batch=batch.key,
               note=f"Destroyed by {batch.method}; certificate {batch.certificate}")
        batch.weapons.append(key)
        st.status = "destroyed"
        return


def _locations(b: Builder, on: dt.date) -> dict[str, list[str]]:
    """Site → weapons held there on ``on`` by their histories (stored there, not yet gone)."""
    where: dict[str, str | None] = {}
    for e in sorted(b.data.events, key=lambda e: (e.on, e.seq)):
        if e.on > on:
            break
        if e.kind == "stored":
            where[e.weapon] = e.site
        elif e.weapon in where and e.kind in ("destroyed", "reported_lost", "reported_stolen"):
            where[e.weapon] = None
    out: dict[str, list[str]] = {}
    for weapon, site in sorted(where.items()):
        if site is not None:
            out.setdefault(site, []).append(weapon)
    return out


def stock_counts(b: Builder) -> None:
    """A count at every site in the last December; three evidence rooms miss a weapon or two
    that is still on their books (under investigation: no loss has been reported yet)."""
    rng = b.config.stream("counts")
    on = dt.date(b.config.years[1], 12, 15)
    with_gaps = {b.regions[i].code for i in (0, 1, 3) if i < len(b.regions)}
    located = _locations(b, on)
    for site in b.data.sites:
        held = [k for k in located.get(site.key, []) if b.state[k].status == "stored"]
        missing: list[str] = []
        if site.kind == "evidence_room" and site.area in with_gaps and held:
            take = min(len(held), int(rng.integers(1, 3)))
            missing = sorted(held[int(i)] for i in rng.choice(len(held), take, replace=False))
        b.data.counts.append(StockCount(
            site.key, on, _officer(rng), len(held), len(held) - len(missing), tuple(missing),
            "Discrepancy reported to the SALW commission" if missing else None))


def ammunition(b: Builder) -> None:
    """Eight to sixteen lots at the central depot and each armoury; some past shelf life."""
    rng = b.config.stream("ammunition")
    names = [c for c, _w in cat.CALIBRES]
    weights = np.array([w for _c, w in cat.CALIBRES], dtype=float)
    last = b.config.years[1]
    for site in b.data.sites:
        if site.kind == "evidence_room":
            continue
        for _ in range(int(rng.integers(8, 17))):
            calibre = names[int(rng.choice(len(names), p=weights / weights.sum()))]
            year = int(rng.integers(1982, last))
            hazard = cat.HAZARD_DIVISIONS[int(rng.choice(4, p=(0.04, 0.08, 0.06, 0.82)))]
            n = len(b.data.lots) + 1
            maker = cat.AMMUNITION_MAKERS[int(rng.integers(len(cat.AMMUNITION_MAKERS)))]
            b.data.lots.append(AmmunitionLot(
                f"LOT-{n:04d}", site.key, calibre, maker, f"{calibre.split('x')[0].strip('.')}-"
                f"{year}-{n:04d}", int(rng.integers(10, 2500)) * 100, year,
                int(rng.choice((10, 15, 20, 25))), hazard))
