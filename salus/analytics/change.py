"""Change on the previous period: absolute and percent.

The previous period has the same length and ends where the current one starts (2023 → 2022,
2023-Q2 → 2023-Q1, 2023-03-01..2023-03-31 → the 31 days before). Percent change is undefined
(NaN, shown empty) when the previous count is zero.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

FloatArray = npt.NDArray[np.float64]


def change(current: npt.ArrayLike, previous: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Absolute change ``current - previous`` and percent change ``100 * change / previous``.

    Parameters
    ----------
    current, previous : array_like of float
        Counts (or rates) of the two periods; NaN propagates.

    Returns
    -------
    absolute, percent : ndarray of float
        ``percent`` is NaN where ``previous`` is 0 or NaN.
    """
    cur = np.asarray(current, dtype=np.float64)
    prev = np.asarray(previous, dtype=np.float64)
    absolute = cur - prev
    with np.errstate(divide="ignore", invalid="ignore"):
        percent = np.where(prev > 0, 100.0 * absolute / prev, np.nan)
    return absolute, np.asarray(percent, dtype=np.float64)


def previous_in_sequence(
    frame: pd.DataFrame, sequence: str, value: str, keys: Sequence[str]
) -> pd.Series:
    """Value of the preceding step of ``sequence`` within each combination of ``keys``.

    Parameters
    ----------
    frame : DataFrame
        One row per (keys, sequence) cell, the grid already complete.
    sequence : str
        Column giving the order of periods (e.g. a bucket index).
    value : str
        Column to look back on.
    keys : sequence of str
        The other group columns.

    Returns
    -------
    Series
        Aligned with ``frame``; NaN on each group's first step.
    """
    ordered = frame.sort_values([*keys, sequence], kind="stable")
    if keys:
        shifted = ordered.groupby(list(keys), sort=False, dropna=False)[value].shift(1)
    else:
        shifted = ordered[value].shift(1)
    return shifted.reindex(frame.index)
