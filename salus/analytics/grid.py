"""Complete the grid of groups so that groups with no events still appear (zero is data).

The database returns only the groups that have events. A table of municipalities by sex must
still list a municipality with no homicide, with 0 and its rate 0.0: leaving it out would
read as "no data". :func:`complete_grid` builds the Cartesian product of every axis and
left-joins the observed counts onto it.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence

import pandas as pd


def axis_values(declared: Sequence[Hashable], observed: pd.Series) -> list[Hashable]:
    """Declared values in their order, then any observed value not declared (in sorted order).

    Observed values outside the declared list are data and are never dropped (e.g. a victim of
    sex ``unknown`` when the grid declares ``female`` and ``male``).
    """
    seen = set(declared)
    extra = sorted({v for v in observed.dropna().unique() if v not in seen}, key=str)
    return [*declared, *extra]


def complete_grid(
    frame: pd.DataFrame,
    axes: Mapping[str, Sequence[Hashable]],
    values: Sequence[str],
    fill: int = 0,
) -> pd.DataFrame:
    """Left-join observed counts onto the full product of ``axes``.

    Parameters
    ----------
    frame : DataFrame
        Observed rows: one column per axis plus the ``values`` columns.
    axes : mapping of str to sequence
        Axis name → values that must appear, in display order. Observed values missing from an
        axis are appended (see :func:`axis_values`).
    values : sequence of str
        Count columns; missing cells get ``fill``.
    fill : int, default 0
        Value of an empty cell.

    Returns
    -------
    DataFrame
        One row per combination of axis values, ordered by the axes, with integer counts.
    """
    if not axes:
        raise ValueError("complete_grid needs at least one axis")
    names = list(axes)
    full = {name: axis_values(axes[name], frame[name]) for name in names}
    index = pd.MultiIndex.from_product([full[n] for n in names], names=names)
    grid = index.to_frame(index=False)
    observed = frame[[*names, *values]].groupby(names, sort=False, dropna=False).sum()
    merged = grid.merge(observed.reset_index(), on=names, how="left", validate="one_to_one")
    for column in values:
        merged[column] = merged[column].fillna(fill).astype("int64")
    return merged
