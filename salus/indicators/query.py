"""ibis expressions that count incidents and victims and fetch denominators, in the database.

Nothing here loads event rows into Python: each function returns an ibis table expression
that the backend (SQLite, PostgreSQL, DuckDB, and PySpark later) compiles to one SQL query
whose result has one row per group. The shapes follow what the benchmark showed to be fast
(``bench/bench_indicators.py``): filter incidents by a date range first (index), join only the
person columns needed, aggregate by the incident's own area, and only then roll the small
aggregate up the ``area_ancestor`` closure table.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import pandas as pd

from salus.domain import taxonomy
from salus.indicators.filters import Filters, Grouping

OPEN_AGE = 999
NOT_RECORDED = "not_recorded"
UNKNOWN_AGE = "unknown"
INCIDENT_COLUMNS = {
    "weapon": "weapon_category",
    "iccs_context": "iccs_context",
    "misuse_context": "misuse_context",
}


COLUMNS = {
    "area": ("id", "code", "name", "level", "parent_id"),
    "area_ancestor": ("area_id", "ancestor_id", "ancestor_level"),
    "population": ("area_id", "year", "sex", "age_min", "age_max", "population"),
    "incident": (
        "id",
        "occurred_on",
        "area_id",
        "iccs_code",
        "attempted",
        "iccs_context",
        "misuse_context",
        "weapon_category",
    ),
    "person": ("incident_id", "role", "sex", "age_min", "age_max", "outcome"),
}
"""The only tables and columns the engine reads (what another engine needs a copy of)."""


class Source:
    """The store's tables as ibis expressions on one connection, each schema read once."""

    def __init__(self, con: ibis.BaseBackend) -> None:
        self.con = con
        self._tables: dict[str, ir.Table] = {}

    @property
    def name(self) -> str:
        return str(self.con.name)

    def table(self, name: str) -> ir.Table:
        if name not in self._tables:
            self._tables[name] = self.con.table(name)
        return self._tables[name]

    def execute(self, expr: ir.Table) -> pd.DataFrame:
        return self.con.execute(expr)


@dataclass(frozen=True, slots=True)
class CountPlan:
    """One counting query: events in ``[start, end)``, flagged current from ``split`` on."""

    filters: Filters
    grouping: Grouping
    measure: str
    start: dt.date
    split: dt.date
    end: dt.date
    level: int | None = None
    area_id: int | None = None

    @property
    def person_level(self) -> bool:
        """Victims drive the rows: person groupings or filters, or a victims measure."""
        f = self.filters
        return (
            self.grouping.by_person
            or self.measure == "victims"
            or f.sex is not None
            or f.age_band is not None
        )


def age_span(code: str) -> tuple[int, int]:
    """Inclusive age limits of a band code, ``OPEN_AGE`` for an open end."""
    low, high = taxonomy.age_band_range(code)
    return low, OPEN_AGE if high is None else high


def incidents(db: Source, plan: CountPlan) -> ir.Table:
    """Filtered incidents with the columns the grouping needs (id, area, time keys, dims)."""
    t = db.table("incident")
    f = plan.filters
    cond = [t.occurred_on >= plan.start, t.occurred_on < plan.end]
    for group in f.codes.get("offence", ()):
        cond.append(ibis.or_(*[t.iccs_code.startswith(code) for code in group]))
    for key, column in INCIDENT_COLUMNS.items():
        cond += [t[column].isin(sorted(codes)) for codes in f.expanded(key)]
    if f.attempted is not None:
        cond.append(t.attempted == f.attempted)
    if plan.area_id is not None:
        closure = db.table("area_ancestor")
        cond.append(t.area_id.isin(closure.filter(closure.ancestor_id == plan.area_id).area_id))
    t = t.filter(cond)
    cols: dict[str, ir.Value] = {
        "iid": t.id,
        "area_id": t.area_id,
        "current": t.occurred_on >= plan.split,
    }
    grain = plan.grouping.time_grain
    if grain is not None:
        cols["bucket"] = t.occurred_on.truncate(grain[0].upper()).cast("date")
    for key in plan.grouping.keys:
        if key in INCIDENT_COLUMNS:
            cols[key] = t[INCIDENT_COLUMNS[key]].fill_null(NOT_RECORDED)
    return t.select(**cols)


def victims(db: Source, plan: CountPlan) -> ir.Table:
    """Persons with role victim that pass the person filters, with their group columns."""
    p = db.table("person")
    f = plan.filters
    cond = [p.role == "victim"]
    cond += [p.outcome.isin(sorted(codes)) for codes in f.expanded("outcome")]
    if f.sex is not None:
        cond.append(p.sex == f.sex)
    if f.age_band is not None:
        low, high = age_span(f.age_band)
        cond += [p.age_min >= low, p.age_max <= high]
    p = p.filter(cond)
    cols: dict[str, ir.Value] = {"vid": p.incident_id}
    if "sex" in plan.grouping.keys:
        cols["sex"] = p.sex
    if "age_band" in plan.grouping.keys:
        cols["age_band"] = age_band_case(p, plan.grouping.age_scheme)
    return p.select(**cols)


def age_band_case(p: ir.Table, scheme: str) -> ir.Value:
    """The band of a scheme that holds a person's whole age range, else ``unknown``."""
    branches = []
    for band in taxonomy.age_bands(scheme):
        low, high = age_span(band.code)
        branches.append(((p.age_min >= low) & (p.age_max <= high), band.code))
    return ibis.cases(*branches, else_=UNKNOWN_AGE)


def group_columns(plan: CountPlan) -> list[str]:
    """Columns of the count query's result besides the counts, area first."""
    cols = ["current"] + (["bucket"] if plan.grouping.time_grain else [])
    return cols + [k for k in plan.grouping.keys if k in (*INCIDENT_COLUMNS, "sex", "age_band")]


def counts(db: Source, plan: CountPlan) -> ir.Table:
    """Incidents and victims per group (``group_id`` is the area at ``plan.level``, if any)."""
    inc = incidents(db, plan)
    vic = victims(db, plan)
    how = "inner" if plan.person_level else "left"
    joined = inc.join(vic, inc.iid == vic.vid, how=how)
    keys = ["area_id", *group_columns(plan)]
    agg = joined.group_by(keys).aggregate(
        incidents=joined.iid.nunique(), victims=joined.vid.count()
    )
    if plan.level is None:
        rest = keys[1:]
        return agg.group_by(rest).aggregate(
            incidents=agg.incidents.sum(), victims=agg.victims.sum()
        )
    closure = db.table("area_ancestor")
    up = closure.filter(closure.ancestor_level == plan.level).select(
        member=closure.area_id, group_id=closure.ancestor_id
    )
    rolled = agg.left_join(up, agg.area_id == up.member)
    return rolled.group_by(["group_id", *keys[1:]]).aggregate(
        incidents=rolled.incidents.sum(), victims=rolled.victims.sum()
    )


def population_cells(db: Source, years: list[int]) -> ir.Table:
    """Distinct (sex, age_min, age_max) cells present in the population table for ``years``."""
    pop = db.table("population")
    return pop.filter(pop.year.isin(years)).select("sex", "age_min", "age_max").distinct()


def denominators(
    db: Source,
    years: list[int],
    candidates: pd.DataFrame,
    level: int,
    groups: list[int] | None = None,
) -> ir.Table:
    """Population of each group area, year and (sex, band).

    ``candidates`` lists, for each wanted ``(dsex, dband)``, sets of cells (``rank`` 0 =
    finest) that tile it. Each area with population rows gets its finest complete set; a
    group area then takes its own figure, or else the sum over its descendants at the first
    level where every area has a figure. The groups are the areas at ``level`` (only those
    in ``groups`` when given).
    """
    pop, area, closure = db.table("population"), db.table("area"), db.table("area_ancestor")
    cand = ibis.memtable(candidates)
    p = pop.filter(pop.year.isin(years))
    p = p.join(
        cand, [p.sex == cand.cell_sex, p.age_min == cand.cell_min, p.age_max == cand.cell_max]
    )
    own = p.group_by(["area_id", "year", "dsex", "dband", "rank"]).aggregate(
        population=p.population.sum(), cells=p.population.count(), n_cells=p.n_cells.max()
    )
    own = _first(own.filter(own.cells == own.n_cells), ["area_id", "year", "dsex", "dband"], "rank")
    scope = closure.filter(closure.ancestor_level == level)
    if groups is not None:
        scope = scope.filter(scope.ancestor_id.isin(groups))
    src = area.select(src=area.id, src_level=area.level)
    j = own.join(src, own.area_id == src.src)
    up = scope.select(member=scope.area_id, group_id=scope.ancestor_id)
    j = j.join(up, j.area_id == up.member)
    agg = j.group_by(["group_id", "year", "dsex", "dband", "src_level"]).aggregate(
        population=j.population.sum(), n=j.area_id.count()
    )
    need = _areas_per_level(closure, area)
    agg = agg.join(need, [agg.group_id == need.anc, agg.src_level == need.lvl])
    agg = agg.filter(agg.n == agg.n_areas)
    best = _first(agg, ["group_id", "year", "dsex", "dband"], "src_level")
    return best.select("group_id", "year", "dsex", "dband", "population")


def _areas_per_level(closure: ir.Table, area: ir.Table) -> ir.Table:
    j = closure.join(area, closure.area_id == area.id)
    return j.group_by(anc=j.ancestor_id, lvl=j.level).aggregate(n_areas=j.area_id.count())


def _first(t: ir.Table, keys: list[str], order: str) -> ir.Table:
    """The row with the smallest ``order`` within each ``keys`` group."""
    t = t.mutate(choice=ibis.row_number().over(group_by=[t[k] for k in keys], order_by=[t[order]]))
    return t.filter(t.choice == 0)
