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
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd

from salus.analytics import periods
from salus.analytics.indicators.filters import Filters, Grouping
from salus.domain import taxonomy
from salus.domain.incidents.offences import (
    CONFLICT_CONTEXTS,
    CONFLICT_OFFENCES,
    crime_conditions,
)

OPEN_AGE = 999
NOT_RECORDED = "not_recorded"
UNKNOWN_AGE = "unknown"
UNKNOWN = "unknown"
INCIDENT_COLUMNS = {
    "weapon": "weapon_category",
    "iccs_context": "iccs_context",
    "misuse_context": "misuse_context",
    "place_type": "location_type",
}
DERIVED_INCIDENT_COLUMNS = ("cause",)


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
        "location_type",
        "declared_killed",
    ),
    "person": ("incident_id", "role", "sex", "age_min", "age_max", "outcome", "conflict_status"),
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

    def execute(self, expr: ir.Expr) -> Any:
        return self.con.execute(expr)

    def victims_first(self, start: dt.date, end: dt.date) -> bool:
        """Whether to read victims first and find their incidents by primary key.

        SQLite has no statistics on date ranges, so it always enters through the
        ``occurred_on`` index; over a period that holds most of the data that means a random
        table read per incident (ten times slower at a million victims, see
        ``bench/bench_indicators.py``). Scanning victims and joining on the incident's key is
        then the fast plan. The expression writes it as a ``CROSS JOIN`` with the key equality
        in ``WHERE``, which SQLite reads as "this order" and the other engines plan as an
        ordinary join. Used when the period covers over a quarter of the recorded dates.
        """
        if self.name != "sqlite":
            return False
        t = self.table("incident")
        first, last = self.execute(t.occurred_on.min()), self.execute(t.occurred_on.max())
        if first is None or last is None or pd.isna(first):
            return False
        span = (pd.Timestamp(last) - pd.Timestamp(first)).days + 1
        covered = min(end, pd.Timestamp(last).date()) - max(start, pd.Timestamp(first).date())
        return bool(covered.days > span / 4)


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
    victims_first: bool = False

    @property
    def flag_current(self) -> bool:
        """Whether rows need a current/previous flag: not when time buckets are aligned on
        both periods (then a bucket's start tells its period, and one key less to sort)."""
        grain = self.grouping.time_grain
        return grain is None or any(
            periods.truncate(day, grain) != day for day in (self.start, self.split)
        )

    @property
    def person_level(self) -> bool:
        """Victims drive the rows: person groupings or filters, or a victims measure."""
        f = self.filters
        return (
            self.grouping.by_person
            or self.measure == "victims"
            or f.sex is not None
            or f.age_band is not None
            or bool(f.codes.get("conflict_status"))
        )


def age_span(code: str) -> tuple[int, int]:
    """Inclusive age limits of a band code, ``OPEN_AGE`` for an open end."""
    low, high = taxonomy.age_band_range(code)
    return low, OPEN_AGE if high is None else high


def incidents(db: Source, plan: CountPlan) -> ir.Table:
    """Filtered incidents with the columns the grouping needs (id, area, time keys, dims)."""
    t = db.table("incident")
    f = plan.filters
    # Over a long period SQLite does better scanning incidents than entering through the date
    # index (Source.victims_first); comparing the ISO text keeps it off the index.
    day = t.occurred_on.cast("string") if plan.victims_first else t.occurred_on
    low, high = (
        (plan.start.isoformat(), plan.end.isoformat())
        if plan.victims_first
        else (plan.start, plan.end)
    )
    cond = [day >= low, day < high, *offence_conditions(t, f)]
    for key, column in INCIDENT_COLUMNS.items():
        cond += [t[column].isin(sorted(codes)) for codes in f.expanded(key)]
    cond += [cause_case(t).isin(sorted(codes)) for codes in f.expanded("cause")]
    if f.attempted is not None:
        cond.append(t.attempted == f.attempted)
    if f.conflict_related is not None:
        related = conflict_condition(t)
        cond.append(related if f.conflict_related else ~related)
    for codes in f.expanded("source"):
        src = db.table("incident_source")
        cond.append(t.id.isin(src.filter(src.source_type.isin(sorted(codes))).incident_id))
    if plan.area_id is not None:
        closure = db.table("area_ancestor")
        cond.append(t.area_id.isin(closure.filter(closure.ancestor_id == plan.area_id).area_id))
    t = t.filter(cond)
    cols: dict[str, ir.Value] = {"iid": t.id, "area_id": t.area_id}
    if plan.flag_current:
        cols["current"] = t.occurred_on >= plan.split
    grain = plan.grouping.time_grain
    if grain is not None:
        cols["bucket"] = bucket(t.occurred_on, grain)
    for key in plan.grouping.keys:
        if key in INCIDENT_COLUMNS:
            cols[key] = t[INCIDENT_COLUMNS[key]].fill_null(NOT_RECORDED)
        elif key == "cause":
            cols[key] = cause_case(t)
    return t.select(**cols)


def offence_conditions(t: ir.Table, f: Filters) -> list[ir.BooleanValue]:
    """ICCS and police-action prefixes; without a police-action filter, no police codes.

    Police actions and misdemeanours (PA…, MI…, :mod:`salus.domain.incidents.offences`) are
    not crimes: an indicator counts them only when it asks for them."""
    cond = [
        ibis.or_(*[t.iccs_code.startswith(code) for code in group])
        for key in ("offence", "police_action")
        for group in f.codes.get(key, ())
    ]
    if not f.codes.get("police_action"):
        cond += crime_conditions(t.iccs_code)
    return cond


def conflict_condition(t: ir.Table) -> ir.BooleanValue:
    """Conflict-related incidents (SDG 16.1.2): ICCS 0107 or 110133 (every UCDP GED import),
    or the misuse context ``armed_conflict``."""
    return ibis.or_(
        *[t.iccs_code.startswith(code) for code in CONFLICT_OFFENCES],
        t.misuse_context.fill_null("").isin(list(CONFLICT_CONTEXTS)),
    )


def cause_case(t: ir.Table) -> ir.StringValue:
    """The SDG 16.1.2 cause of an incident's deaths from its weapon category: each cause of
    ``conflict_death_cause`` lists its weapon categories (subtrees included); no weapon or a
    category no cause lists is ``unknown``."""
    weapons = taxonomy.load("weapon")
    branches = []
    for cause in taxonomy.load("conflict_death_cause"):
        listed = cause.extra.get("weapons") or []
        if listed:
            codes = sorted(set().union(*(weapons.descendants(str(w)) for w in listed)))
            branches.append((t.weapon_category.isin(codes), cause.code))
    return ibis.cases(*branches, else_=UNKNOWN)


def bucket(day: ir.DateValue, grain: str) -> ir.StringValue:
    """ISO text of the time bucket, cheap on every backend: ``2023`` for years, ``2023-05``
    for months and quarters (months are added up to quarters afterwards), the Monday's date
    for weeks, the date for days. Text prefixes avoid per-row date functions, the costliest
    part of grouping a million rows on SQLite."""
    text = day.cast("string")
    if grain == "year":
        return text.substr(0, 4)
    if grain in ("quarter", "month"):
        return text.substr(0, 7)
    if grain == "week":
        return day.truncate("W").cast("date").cast("string")
    return text


def victims(db: Source, plan: CountPlan) -> ir.Table:
    """Persons with role victim that pass the person filters, with their group columns."""
    p = db.table("person")
    f = plan.filters
    cond = [p.role == "victim"]
    cond += [p.outcome.isin(sorted(codes)) for codes in f.expanded("outcome")]
    cond += [
        p.conflict_status.fill_null(UNKNOWN).isin(sorted(codes))
        for codes in f.expanded("conflict_status")
    ]
    if f.sex is not None:
        cond.append(p.sex == f.sex)
    if f.age_band is not None:
        low, high = age_span(f.age_band)
        cond += [p.age_min >= low, p.age_max <= high]
    p = p.filter(cond)
    cols: dict[str, ir.Value] = {"vid": p.incident_id}
    if f.declared:
        cols["n"] = ibis.literal(1).cast("int64")
    if "sex" in plan.grouping.keys:
        cols["sex"] = p.sex
    if "age_band" in plan.grouping.keys:
        cols["age_band"] = age_band_case(p, plan.grouping.age_scheme)
    if "conflict_status" in plan.grouping.keys:
        cols["conflict_status"] = p.conflict_status.fill_null(UNKNOWN)
    listed = p.select(**cols)
    if (
        not f.declared
        or f.sex is not None
        or f.age_band is not None
        or f.codes.get("conflict_status")
    ):
        return listed
    extra = declared(db, plan)
    return listed.union(extra.cast(listed.schema()), distinct=False)


def declared(db: Source, plan: CountPlan) -> ir.Table:
    """Deaths a source declares (``declared_killed``, e.g. UCDP's best estimate) for incidents
    that list no killed victim, one row per incident weighted by the count (``n``), of unknown
    sex, age and status. Used under the filter ``declared: true``."""
    i, p = db.table("incident"), db.table("person")
    listed = p.filter([p.role == "victim", p.outcome == "killed"]).incident_id
    i = i.filter([i.declared_killed > 0, ~i.id.isin(listed)])
    cols: dict[str, ir.Value] = {"vid": i.id, "n": i.declared_killed.cast("int64")}
    for key in ("sex", "age_band", "conflict_status"):
        if key in plan.grouping.keys:
            cols[key] = ibis.literal(UNKNOWN)
    return i.select(**cols)


def victim_total(rows: ir.Table, plan: CountPlan) -> ir.IntegerValue:
    """Victims in a group: one per person row, or the declared weights (``n``)."""
    return rows.n.sum() if plan.filters.declared else rows.vid.count()


def age_band_case(p: ir.Table, scheme: str) -> ir.Value:
    """The band of a scheme that holds a person's whole age range, else ``unknown``."""
    branches = []
    for band in taxonomy.age_bands(scheme):
        low, high = age_span(band.code)
        branches.append(((p.age_min >= low) & (p.age_max <= high), band.code))
    return ibis.cases(*branches, else_=UNKNOWN_AGE)


def group_columns(plan: CountPlan) -> list[str]:
    """Columns of the count query's result besides the counts, area first."""
    cols = (["current"] if plan.flag_current else []) + (
        ["bucket"] if plan.grouping.time_grain else []
    )
    return cols + [
        k
        for k in plan.grouping.keys
        if k in (*INCIDENT_COLUMNS, *DERIVED_INCIDENT_COLUMNS, "sex", "age_band", "conflict_status")
    ]


def counts(db: Source, plan: CountPlan) -> ir.Table:
    """Incidents and victims per group (``group_id`` is the area at ``plan.level``, if any)."""
    keys = ["area_id", *group_columns(plan)]
    if plan.person_level:
        rows = victim_rows(db, plan)
        agg = rows.group_by(keys).aggregate(
            incidents=rows.iid.nunique(), victims=victim_total(rows, plan)
        )
    else:
        agg = incident_counts(db, plan, keys)
    if plan.level is None:
        return agg.group_by(keys[1:]).aggregate(
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


def victim_rows(db: Source, plan: CountPlan) -> ir.Table:
    """One row per counted victim with its incident's columns (see :meth:`Source.victims_first`
    for the join order)."""
    inc, vic = incidents(db, plan), victims(db, plan)
    if plan.victims_first:
        return vic.cross_join(inc).filter(vic.vid == inc.iid)
    return inc.join(vic, inc.iid == vic.vid)


def incident_counts(db: Source, plan: CountPlan, keys: list[str]) -> ir.Table:
    """Every filtered incident counted once, and its victims counted apart, per group.

    Two aggregates joined on the group keys rather than one left join of incidents to
    persons with ``COUNT(DISTINCT)``: each side then takes its fast path (a scan of incidents;
    victims as in :func:`victim_rows`). Every victim's incident passes the incident filters,
    so every victims group is an incidents group.
    """
    inc = incidents(db, plan)
    per_group = inc.group_by(keys).aggregate(incidents=inc.iid.count())
    rows = victim_rows(db, plan)
    victims_ = rows.group_by(keys).aggregate(victims=victim_total(rows, plan))
    joined = per_group.left_join(victims_, [per_group[k] == victims_[k] for k in keys])
    return joined.select(
        *[per_group[k] for k in keys],
        incidents=per_group.incidents,
        victims=victims_.victims.fill_null(0),
    )


def population_cells(db: Source, years: list[int]) -> ir.Table:
    """Distinct (sex, age_min, age_max) cells present in the population table for ``years``."""
    pop = db.table("population")
    return pop.filter(pop.year.isin(years)).select("sex", "age_min", "age_max").distinct()


def population_sets(db: Source, years: list[int], candidates: pd.DataFrame) -> ir.Table:
    """Per area and year, the population of every complete candidate cell set.

    ``candidates`` lists, for each wanted ``(dsex, dband)``, sets of cells (``rank`` 0 =
    finest) that tile it (:func:`salus.analytics.tiling.candidate_cells`); a set is complete
    for an area when the area has a row for each of its ``n_cells`` cells. The choice among
    sets and the roll-up to group areas happen on this small result
    (:mod:`salus.analytics.denominators`): done in SQL they leave PostgreSQL's planner with a
    one-row estimate for the temporary candidate table and a nested loop that took seconds.
    """
    pop = db.table("population")
    cand = ibis.memtable(candidates)
    p = pop.filter(pop.year.isin(years))
    p = p.join(
        cand, [p.sex == cand.cell_sex, p.age_min == cand.cell_min, p.age_max == cand.cell_max]
    )
    own = p.group_by(["area_id", "year", "dsex", "dband", "rank"]).aggregate(
        population=p.population.sum(), cells=p.population.count(), n_cells=p.n_cells.max()
    )
    own = own.filter(own.cells == own.n_cells)
    return own.select("area_id", "year", "dsex", "dband", "rank", "population")


def members(db: Source, level: int, groups: list[int] | None = None) -> ir.Table:
    """Every area under each group area at ``level`` (itself included), with its level."""
    closure, area = db.table("area_ancestor"), db.table("area")
    scope = closure.filter(closure.ancestor_level == level)
    if groups is not None:
        scope = scope.filter(scope.ancestor_id.isin(groups))
    joined = scope.join(area, scope.area_id == area.id)
    return joined.select(area_id=joined.area_id, group_id=joined.ancestor_id, level=joined.level)
