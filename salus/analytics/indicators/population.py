"""Denominators for the rows of an indicator table: matching population, found in SQL.

For each row the population is that of the same area, year(s), sex and age band. The cells
that cover each (sex, band) are chosen in :mod:`salus.analytics.tiling` from the cells that
exist; the database sums them per area and year
(:func:`salus.analytics.indicators.query.denominators`);
here the yearly figures are combined over the days a row covers:

    population   = sum_y P_y * d_y / sum_y d_y        (the day-weighted mean population)
    person_years = sum_y P_y * d_y / days_in_year(y)

so a one-year row uses that year's population, a row shorter than a year uses the
population of its year (not annualised), and a multi-year row uses the mean population.
A row whose area, year, sex or band has no complete set of cells gets no population.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from salus.analytics.denominators import finest_sets, roll_up
from salus.analytics.indicators import query
from salus.analytics.indicators.query import Source
from salus.analytics.periods import days_by_year, days_in_year
from salus.analytics.tiling import ALL_SEXES, candidate_cells

ALL_AGES = "*"


@dataclass(frozen=True, slots=True)
class DenominatorPlan:
    """What the rows need: spans of each step, the area groups, fixed sex and band if any.

    ``groups`` are the areas at ``level`` the rows refer to; ``restricted`` says they are a
    subset of that level (an area filter), so the query names them.
    """

    spans: Mapping[int, tuple[dt.date, dt.date]]
    level: int
    groups: Sequence[int]
    restricted: bool
    by_area: bool
    sex: str | None
    age_band: str | None


def attach_population(db: Source, frame: pd.DataFrame, plan: DenominatorPlan) -> pd.DataFrame:
    """Add ``population`` and ``person_years`` columns (NaN where no denominator exists)."""
    frame = frame.copy()
    frame["dsex"] = frame.get("sex", plan.sex or ALL_SEXES)
    frame["dband"] = frame.get("age_band", plan.age_band or ALL_AGES)
    weights = _weights(plan.spans)
    pop = _yearly(db, frame, sorted(weights.year.unique()), plan)
    rows = frame.reset_index(drop=True)
    need = pd.DataFrame(
        {
            "row": rows.index,
            "step": rows["step"],
            "dsex": rows["dsex"],
            "dband": rows["dband"],
            "group_id": rows["group_id"] if plan.by_area else 0,
        }
    )
    need = need.merge(weights, on="step").merge(
        pop, on=["group_id", "year", "dsex", "dband"], how="left"
    )
    missing = need.population.isna().groupby(need.row).any()
    need["pw"] = need.population * need.days
    need["py"] = need.population * need.share
    grouped = need.groupby("row")
    rows["population"] = (grouped.pw.sum() / grouped.days.sum()).mask(missing)
    rows["person_years"] = grouped.py.sum().mask(missing)
    return rows.drop(columns=["dsex", "dband"])


def _weights(spans: Mapping[int, tuple[dt.date, dt.date]]) -> pd.DataFrame:
    records = [
        (step, year, days, days / days_in_year(year))
        for step, (start, end) in spans.items()
        for year, days in days_by_year(start, end).items()
    ]
    return pd.DataFrame(records, columns=["step", "year", "days", "share"])


def _yearly(
    db: Source, frame: pd.DataFrame, years: list[int], plan: DenominatorPlan
) -> pd.DataFrame:
    """Population per (group, year, dsex, dband) from the database, summed over the groups
    when the table is not split by area (every group must have a figure)."""
    columns = ["group_id", "year", "dsex", "dband", "population"]
    pairs = frame[["dsex", "dband"]].drop_duplicates().itertuples(index=False)
    cand = candidates(db, years, [(str(s), str(b)) for s, b in pairs])
    if cand.empty or not plan.groups:
        return pd.DataFrame(columns=columns).astype(
            {"group_id": "int64", "year": "int64", "population": "float64"}
        )
    groups = list(plan.groups) if plan.restricted else None
    own = db.execute(query.population_sets(db, years, cand))
    inside = db.execute(query.members(db, plan.level, groups))
    pop = roll_up(finest_sets(own), inside)
    pop = pop.astype({"group_id": "int64", "year": "int64", "population": "float64"})
    if plan.by_area:
        return pop[columns]
    summed = pop.groupby(["year", "dsex", "dband"], as_index=False).agg(
        population=("population", "sum"), n=("group_id", "nunique")
    )
    summed = summed[summed.n == len(plan.groups)]
    summed["group_id"] = 0
    return summed[columns]


def candidates(db: Source, years: list[int], pairs: Sequence[tuple[str, str]]) -> pd.DataFrame:
    """Cell sets that tile each wanted (sex, band), as rows for the denominator query."""
    cells_frame = db.execute(query.population_cells(db, years))
    available = [(str(s), int(lo), int(hi)) for s, lo, hi in cells_frame.itertuples(index=False)]
    records = []
    for dsex, dband in pairs:
        span = _band_span(dband)
        if span is None:
            continue
        for rank, cells in enumerate(candidate_cells(available, dsex, *span)):
            records += [(s, lo, hi, dsex, dband, rank, len(cells)) for s, lo, hi in cells]
    frame = pd.DataFrame(
        records, columns=["cell_sex", "cell_min", "cell_max", "dsex", "dband", "rank", "n_cells"]
    )
    return frame.astype(
        {"cell_min": np.int64, "cell_max": np.int64, "rank": np.int64, "n_cells": np.int64}
    )


def _band_span(band: str) -> tuple[int, int] | None:
    if band == ALL_AGES:
        return 0, query.OPEN_AGE
    if band == query.UNKNOWN_AGE:
        return None
    return query.age_span(band)
