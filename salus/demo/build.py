"""Generate the whole demo in memory, and write it to a store through the repositories.

:func:`generate` is pure: the same :class:`DemoConfig` gives the same areas, population,
incidents and manifest, byte for byte (NumPy generators seeded per part, no wall clock, no
set or hash order). :func:`build_demo` writes it in one transaction, as one import batch of
kind ``demo`` whose ``mapping`` column keeps the parameters, so a store knows which demo it holds.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from salus.demo.config import DEFAULT_INCIDENTS, DEFAULT_SEED, DEFAULT_YEARS, DemoConfig
from salus.demo.errors import StoreNotEmptyError
from salus.demo.events import Plan, draw_events, plan_features
from salus.demo.geography import COUNTRY_CODE, Country, build_country
from salus.demo.incidents import POLICE_TYPE, SourceBatch, police_records
from salus.demo.manifest import Manifest
from salus.demo.population import Population, build_population, population_rows
from salus.demo.sources import forensic_records, media_records
from salus.demo.truth import TrueEvent, describe_events
from salus.domain.incidents.model import Area, Incident, PopulationCount
from salus.ingestion import hashing
from salus.storage import repository
from salus.storage import schema as t

BATCH_KIND = "demo"
BATCH_FILE = "salus-demo"


@dataclass(slots=True)
class DemoData:
    """Everything :func:`generate` makes, before it is stored."""

    config: DemoConfig
    country: Country
    population: Population
    plan: Plan
    truth: list[TrueEvent]
    areas: list[Area]
    population_rows: list[PopulationCount]
    sources: SourceBatch
    manifest: Manifest

    @property
    def incidents(self) -> list[Incident]:
        return self.sources.incidents


@dataclass(frozen=True, slots=True)
class DemoSummary:
    """What :func:`build_demo` wrote; ``digest`` changes whenever any stored content does."""

    seed: int
    years: tuple[int, int]
    true_events: int
    true_deaths: int
    areas_by_level: tuple[int, ...]
    population_rows: int
    records_by_source: dict[str, int]
    digest: str
    manifest: Manifest = field(compare=False, repr=False)

    @property
    def records(self) -> int:
        return sum(self.records_by_source.values())


def params(config: DemoConfig) -> dict[str, Any]:
    """The parameters that identify a demo (kept in the import batch)."""
    return {"seed": config.seed, "incidents": config.incidents, "years": list(config.years)}


def generate(config: DemoConfig) -> DemoData:
    """Draw the country, its population, the true events and every source's records."""
    country = build_country(config)
    population = build_population(config, country)
    plan = plan_features(config, country, population)
    truth = describe_events(config, country, draw_events(config, country, population, plan))
    sources = police_records(config, country, plan, truth)
    sources.extend(forensic_records(config, country, truth))
    sources.extend(media_records(config, country, truth))
    manifest = Manifest(params(config) | {"rates": _rates(config)}, plan)
    _fill_manifest(manifest, country, population, plan, truth, sources)
    return DemoData(
        config,
        country,
        population,
        plan,
        truth,
        country.areas(),
        population_rows(country, population),
        sources,
        manifest,
    )


def planted(config: DemoConfig) -> Plan:
    """The planted features of a demo (hotspots, gap…), without drawing its events."""
    country = build_country(config)
    return plan_features(config, country, build_population(config, country))


def _rates(config: DemoConfig) -> dict[str, float]:
    r = config.rates
    return {
        "police": r.police,
        "forensic": r.forensic,
        "media": r.media,
        "media_follow_up": r.media_follow_up,
    }


def _fill_manifest(
    manifest: Manifest,
    country: Country,
    population: Population,
    plan: Plan,
    truth: list[TrueEvent],
    sources: SourceBatch,
) -> None:
    totals = population.municipal_totals()
    hot = {h.code for h in plan.hotspots}
    for place in country.places:
        members = [i for i, code in enumerate(population.codes) if code.startswith(place.code)]
        manifest.areas.append(
            {
                "code": place.code,
                "level": place.level,
                "parent": place.parent or "",
                "name": place.names["en"],
                "setting": place.setting,
                "high_violence": int(place.code[:6] in plan.high_violence and place.level >= 2),
                "emerging_hotspot": int(place.code in hot),
                "population_first_year": int(totals[members, 0].sum()),
                "population_last_year": int(totals[members, -1].sum()),
            }
        )
    for event in truth:
        manifest.events.append(_event_row(event))
        manifest.victims += [_victim_row(event, v) for v in event.victims]
    manifest.records, manifest.persons = sources.records, sources.persons


def _event_row(event: TrueEvent) -> dict[str, Any]:
    return {
        "event_id": event.event_id,
        "date": event.date.isoformat(),
        "time": event.time.strftime("%H:%M"),
        "area": event.town,
        "iccs": event.offence.iccs,
        "iccs_context": event.context or "",
        "misuse_context": event.misuse or "",
        "weapon": event.weapon or "",
        "victims": len(event.victims),
        "killed": len(event.deaths),
    }


def _victim_row(event: TrueEvent, victim: Any) -> dict[str, Any]:
    name = victim.name
    return {
        "person_id": victim.person_id,
        "event_id": event.event_id,
        "sex": victim.sex,
        "age": victim.age,
        "date_of_birth": victim.born.isoformat(),
        "outcome": victim.outcome,
        "script": name.script if name else "",
        "given_name": name.given[1] if name else "",
        "family_name": name.family[1] if name else "",
        "native_given_name": name.given[0] if name else "",
        "native_family_name": name.family[0] if name else "",
    }


def build_demo(
    engine: sa.Engine,
    *,
    seed: int = DEFAULT_SEED,
    incidents: int = DEFAULT_INCIDENTS,
    years: tuple[int, int] = DEFAULT_YEARS,
) -> DemoSummary:
    """Generate the demo and write it into an empty store, in one transaction."""
    with engine.connect() as conn:
        _require_empty(conn)
    data = generate(DemoConfig(seed=seed, incidents=incidents, years=years))
    manifest_digest = content_digest(data)
    with engine.begin() as conn:
        _require_empty(conn)
        batch = repository.start_batch(
            conn,
            BATCH_KIND,
            BATCH_FILE,
            manifest_digest,
            json.dumps(params(data.config)),
            actor="demo",
        )
        repository.save_areas(conn, data.areas)
        repository.save_population(conn, data.population_rows, batch)
        counts = repository.save_incidents(
            conn, data.incidents, batch, known={}, digest_of=hashing.content_hash
        )
        repository.finish_batch(conn, batch, len(data.incidents), counts, 0)
        # police records are the observatory's series; forensic and media records of the same
        # deaths are kept for reconciliation and must not be counted again by indicators
        repository.set_setting(conn, "primary_sources", [POLICE_TYPE], actor="demo")
        repository.audit(
            conn, "demo", "demo.build", "import_batch", str(batch), after=params(data.config)
        )
        digest = _store_digest(conn, manifest_digest)
    return _summary(data, digest)


def content_digest(data: DemoData) -> str:
    """SHA-256 of the manifest, the areas and the population cells (everything but incidents)."""
    h = hashlib.sha256(data.manifest.digest().encode("ascii"))
    for area in data.areas:
        h.update(json.dumps(dataclasses.asdict(area), sort_keys=True).encode("utf-8"))
    for row in data.population_rows:
        h.update(repr(dataclasses.astuple(row)).encode("utf-8"))
    return h.hexdigest()


def _require_empty(conn: sa.Connection) -> None:
    if not store_is_empty(conn):
        raise StoreNotEmptyError("the store already holds data; the demo needs an empty one")


def store_is_empty(conn: sa.Connection) -> bool:
    """No area, no population and no incident yet."""
    return all(
        conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one() == 0
        for table in (t.area, t.population, t.incident)
    )


def _store_digest(conn: sa.Connection, manifest_digest: str) -> str:
    """SHA-256 over the manifest and the stored incidents' uids and content hashes."""
    h = hashlib.sha256(manifest_digest.encode("ascii"))
    rows = conn.execute(
        sa.select(t.incident.c.uid, t.incident.c.content_hash).order_by(t.incident.c.uid)
    )
    for uid, content_hash in rows:
        h.update(f"{uid}:{content_hash}\n".encode("ascii"))
    return h.hexdigest()


def _summary(data: DemoData, digest: str) -> DemoSummary:
    levels = [0] * (1 + max(a.level for a in data.areas))
    for area in data.areas:
        levels[area.level] += 1
    by_source: dict[str, int] = {}
    for incident in data.incidents:
        by_source[incident.source.source_type] = by_source.get(incident.source.source_type, 0) + 1
    return DemoSummary(
        data.config.seed,
        data.config.years,
        len(data.truth),
        sum(len(e.deaths) for e in data.truth),
        tuple(levels),
        len(data.population_rows),
        by_source,
        digest,
        data.manifest,
    )


def stored_params(conn: sa.Connection) -> dict[str, Any] | None:
    """The parameters of the demo the store holds (None when it holds none)."""
    q = (
        sa.select(t.import_batch.c.mapping)
        .where(t.import_batch.c.kind == BATCH_KIND)
        .order_by(t.import_batch.c.id.desc())
        .limit(1)
    )
    mapping = conn.execute(q).scalar()
    return None if mapping is None else dict(json.loads(mapping))


def holds_only_demo(conn: sa.Connection) -> bool:
    """Whether the store is empty or holds a demo and nothing else: every import batch is a
    demo, every incident came from one, and every area is Verdania's."""
    if store_is_empty(conn):
        return True
    if stored_params(conn) is None:
        return False
    demo_ids = sa.select(t.import_batch.c.id).where(t.import_batch.c.kind == BATCH_KIND)
    checks = (
        sa.select(sa.func.count())
        .select_from(t.import_batch)
        .where(t.import_batch.c.kind != BATCH_KIND),
        sa.select(sa.func.count())
        .select_from(t.incident)
        .where(
            t.incident.c.import_batch_id.is_(None) | t.incident.c.import_batch_id.not_in(demo_ids)
        ),
        sa.select(sa.func.count())
        .select_from(t.area)
        .where(t.area.c.code.not_like(f"{COUNTRY_CODE}%")),
    )
    return all(conn.execute(q).scalar_one() == 0 for q in checks)


def clear_demo(conn: sa.Connection) -> None:
    """Delete a demo from a store that holds nothing else (the audit log is kept)."""
    if not holds_only_demo(conn):
        raise StoreNotEmptyError(
            "the store holds data that is not the demo; it will not be cleared"
        )
    conn.execute(t.incident.delete())
    conn.execute(t.population.delete())
    conn.execute(t.area_ancestor.delete())
    conn.execute(t.area.update().values(parent_id=None))
    conn.execute(t.area.delete())
    conn.execute(t.import_batch.delete().where(t.import_batch.c.kind == BATCH_KIND))
