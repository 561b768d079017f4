"""Use case: build the demo observatory (the fictional Republic of Verdania) and read its headline.

:func:`run_demo` opens the store, builds the demo when the store is empty (or rebuilds it when
asked and the store holds nothing but a demo), writes the manifest when asked, and returns what
the store holds with the headline homicide figure of the last year. See ``docs/demo.md``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from salus.defaults import DEFAULT_DEMO_URL
from salus.demo import (
    DemoConfig,
    DemoSummary,
    StoreNotEmptyError,
    build_demo,
    clear_demo,
    generate,
    planted,
    store_is_empty,
    stored_params,
)
from salus.demo.config import DEFAULT_INCIDENTS, DEFAULT_SEED, DEFAULT_YEARS
from salus.demo.events import Plan
from salus.demo.incidents import POLICE_TYPE
from salus.demo.plans import clear_plans, seed_plans
from salus.demo.weapons.national import RegistryTooSmallError, add_national_registry, stored_size
from salus.demo.weapons.store import clear_arms, seed_arms
from salus.domain.accounts.roles import SYSTEM_VIEWER
from salus.storage import alerts as alert_schema
from salus.storage import schema as t
from salus.storage.db import open_store
from salus.usecases.alerts.workflow import RuleSpec, add_rule, run_rules
from salus.usecases.errors import Conflict
from salus.usecases.indicators.compute import compute_indicator

PRIMARY_SOURCE = POLICE_TYPE
"""The observatory's incident series in the demo; forensic and media records are extra sources."""


class DemoConflict(Conflict):
    """The store holds other data, or another demo and no rebuild was asked for."""

    title = "The store holds other data"


@dataclass(frozen=True, slots=True)
class Headline:
    """Victims of intentional homicide in one year (primary series) and the rate per 100,000."""

    year: int
    victims: int
    by_sex: dict[str, int]
    population: int | None
    ci_low: float | None = None
    ci_high: float | None = None
    change_pct: float | None = None

    @property
    def rate(self) -> float | None:
        return None if not self.population else self.victims / self.population * 100_000


@dataclass(frozen=True, slots=True)
class DemoResult:
    """What :func:`run_demo` did and what the store now holds."""

    built: bool
    params: dict[str, Any]
    plan: Plan
    records_by_source: dict[str, int]
    headline: Headline
    summary: DemoSummary | None = None
    manifest_files: tuple[Path, ...] = ()


def run_demo(
    url: str = DEFAULT_DEMO_URL,
    *,
    seed: int | None = None,
    incidents: int | None = None,
    years: tuple[int, int] | None = None,
    rebuild: bool = False,
    manifest_dir: Path | None = None,
    weapons: int | None = None,
) -> DemoResult:
    """Build the demo into ``url`` if it is empty (or ``rebuild``), then describe the store.

    Parameters left as None take the stored demo's values, or the defaults for a new build.
    ``weapons`` tops the registry up to that many weapons with a national registry file
    (:mod:`salus.demo.weapons.national`; None: the demo's own registry, ~10,000 weapons).
    Raises :class:`DemoConflict` when the store holds data that is not a demo, or a demo with
    other parameters than those asked for and ``rebuild`` is false.
    """
    engine = open_store(url)
    try:
        config, size, must_build = _decide(engine, seed, incidents, years, rebuild, weapons)
        summary = None
        if must_build:
            _clear(engine)
            summary = build_demo(
                engine, seed=config.seed, incidents=config.incidents, years=config.years
            )
            seed_alerts(engine, config.years[1])
            seed_arms(engine, config.seed, config.years)  # the weapons registry (issue 6)
            seed_plans(engine, config.years)  # community safety plans (issue 7)
            if size is not None:  # a national-size registry (issue 11)
                try:
                    add_national_registry(engine, size, config.seed)
                except RegistryTooSmallError as exc:
                    raise DemoConflict(str(exc)) from exc
        files: tuple[Path, ...] = ()
        if manifest_dir is not None:
            manifest = summary.manifest if summary else generate(config).manifest
            files = tuple(manifest.write(manifest_dir))
        with engine.connect() as conn:
            counts = records_by_source(conn)
        line = headline(engine, config.years[1])
        plan = summary.manifest.plan if summary else planted(config)
        return DemoResult(summary is not None, _params(config, size), plan, counts, line,
                          summary, files)
    finally:
        engine.dispose()


DEMO_RULE = RuleSpec(
    name="Homicides per district (weekly, Farrington-flexible)",
    method="farrington_flexible",
    period_unit="week",
    area_level=2,
    filter={"iccs": ["0101"]},
    parameters={"b": 3},
    lookback=26,
)
"""The early-warning rule the demo ships with: weekly homicides per district, the last half
year evaluated, three years of reference (the demo holds five)."""


def seed_alerts(engine: sa.Engine, last_year: int) -> int:
    """Add the demo's alert rule and run it as on 1 January after the demo's last year, so the
    alert inbox shows what the planted hotspots set off. Returns the number of alerts fired."""
    with engine.connect() as conn:
        known = conn.scalar(sa.select(alert_schema.alert_rule.c.id)
                            .where(alert_schema.alert_rule.c.name == DEMO_RULE.name))
    if known is None:
        add_rule(engine, SYSTEM_VIEWER, DEMO_RULE)
    report = run_rules(engine, dt.date(last_year + 1, 1, 1), notify_now=False)
    return len(report.fired)


def _clear(engine: sa.Engine) -> None:
    try:
        with engine.begin() as conn:
            clear_plans(conn)
            clear_arms(conn)
            clear_demo(conn)
    except StoreNotEmptyError as exc:
        raise DemoConflict(str(exc)) from exc
    except sa.exc.IntegrityError as exc:
        raise DemoConflict(
            "other records (user accounts scoped to an area?) refer to the "
            "demo's areas; remove them or choose another --db"
        ) from exc


def _decide(
    engine: sa.Engine,
    seed: int | None,
    incidents: int | None,
    years: tuple[int, int] | None,
    rebuild: bool,
    weapons: int | None = None,
) -> tuple[DemoConfig, int | None, bool]:
    """The demo to hold, its registry size (None: the demo's own) and whether it must be
    (re)built."""
    if weapons is not None and weapons < 1:
        raise DemoConflict(f"--weapons {weapons}: ask for at least one weapon")
    with engine.connect() as conn:
        empty, stored = store_is_empty(conn), stored_params(conn)
        if stored is not None and (held := stored_size(conn)) is not None:
            stored = stored | {"weapons": held}
    if not empty and stored is None:
        raise DemoConflict("the store holds data that is not the demo; choose another --db")
    base = stored if stored is not None and not rebuild else {}
    first, last = years if years is not None else base.get("years", DEFAULT_YEARS)
    config = DemoConfig(
        seed=seed if seed is not None else int(base.get("seed", DEFAULT_SEED)),
        incidents=incidents
        if incidents is not None
        else int(base.get("incidents", DEFAULT_INCIDENTS)),
        years=(int(first), int(last)),
    )
    size = weapons if weapons is not None else base.get("weapons")
    if empty or rebuild:
        return config, size, True
    if stored != _params(config, size):
        raise DemoConflict(
            f"the store holds the demo built with {stored}; pass rebuild (--rebuild) to replace it"
        )
    return config, size, False


def _params(config: DemoConfig, weapons: int | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"seed": config.seed, "incidents": config.incidents,
                           "years": list(config.years)}
    return out if weapons is None else out | {"weapons": weapons}


def records_by_source(conn: sa.Connection) -> dict[str, int]:
    """Stored incidents per source type."""
    src = t.incident_source
    q = sa.select(src.c.source_type, sa.func.count()).group_by(src.c.source_type)
    return {str(k): int(n) for k, n in sorted(conn.execute(q).all())}


def headline(engine: sa.Engine, year: int) -> Headline:
    """SDG 16.1.1 for ``year`` over the whole country, in total and by sex.

    Computed by the indicator engine like every other figure; the demo store's
    ``primary_sources`` setting keeps the count to the police series, so the forensic and
    media records of the same deaths are not counted again.
    """
    total = compute_indicator(engine, "sdg-16-1-1", period=str(year), by=[])
    by_sex = compute_indicator(engine, "sdg-16-1-1", period=str(year), by=["sex"])
    [row] = total.rows
    counts = {str(r.group["sex"]): int(r.victims or 0) for r in by_sex.rows if r.victims}
    population = None if row.population is None else int(row.population)
    return Headline(year, int(row.victims or 0), dict(sorted(counts.items())), population,
                    row.ci_low, row.ci_high, row.change_pct)
