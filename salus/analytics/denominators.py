"""Population figures for groups of areas, from per-area sums of population cells.

The database sums, for each area with population rows, the cells of every candidate set that
tiles a (sex, age band) group (:mod:`salus.analytics.tiling`), keeping only complete sets.
These functions then choose, on those few thousand rows, the finest set per area and the
figure of each group area: its own, or else the sum over its descendants at the shallowest
level where every descendant has one. An incomplete level gives no figure rather than an
undercount.
"""

from __future__ import annotations

import pandas as pd

KEYS = ["year", "dsex", "dband"]


def finest_sets(own: pd.DataFrame) -> pd.DataFrame:
    """The finest complete cell set (smallest ``rank``) per area, year, sex and band.

    Parameters
    ----------
    own : DataFrame
        Columns ``area_id, year, dsex, dband, rank, population``: complete sets only.

    Returns
    -------
    DataFrame
        Columns ``area_id, year, dsex, dband, population``.
    """
    ordered = own.sort_values([*KEYS, "area_id", "rank"], kind="stable")
    best = ordered.drop_duplicates(["area_id", *KEYS], keep="first")
    return best[["area_id", *KEYS, "population"]].reset_index(drop=True)


def roll_up(per_area: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """The population of each group area from its own figure or its descendants'.

    Parameters
    ----------
    per_area : DataFrame
        ``area_id, year, dsex, dband, population`` (see :func:`finest_sets`).
    members : DataFrame
        ``area_id, group_id, level``: every area in each group's subtree (the group area
        itself included) with the area's level.

    Returns
    -------
    DataFrame
        ``group_id, year, dsex, dband, population``, one row per group that has a figure.
    """
    needed = members.groupby(["group_id", "level"]).size().rename("n_areas").reset_index()
    joined = per_area.merge(members, on="area_id")
    summed = joined.groupby(["group_id", *KEYS, "level"], as_index=False).agg(
        population=("population", "sum"), n=("area_id", "nunique")
    )
    summed = summed.merge(needed, on=["group_id", "level"])
    complete = summed[summed["n"] == summed["n_areas"]]
    best = complete.sort_values(["group_id", *KEYS, "level"], kind="stable").drop_duplicates(
        ["group_id", *KEYS], keep="first"
    )
    return best[["group_id", *KEYS, "population"]].reset_index(drop=True)
