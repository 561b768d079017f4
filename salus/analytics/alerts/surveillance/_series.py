"""Input checks shared by the surveillance methods (private)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def count_matrix(counts: npt.ArrayLike) -> FloatArray:
    """Counts as a float matrix ``(time points, areas)``; a 1-D series becomes one column.

    Raises
    ------
    ValueError
        If the counts are not 1-D or 2-D, contain NaN or negative values.
    """
    matrix = np.asarray(counts, dtype=np.float64)
    if matrix.ndim == 1:
        matrix = matrix[:, None]
    if matrix.ndim != 2:
        raise ValueError(f"counts must be 1-D or 2-D (time, area), got {matrix.ndim}-D")
    if not np.all(np.isfinite(matrix)):
        raise ValueError("counts must be finite (no NaN): fill missing periods with 0 first")
    if np.any(matrix < 0):
        raise ValueError("counts must be non-negative")
    return matrix


def monitored_rows(
    monitored: npt.ArrayLike | None, n_times: int, first: int, default_first: int | None = None
) -> IntArray:
    """0-based rows to evaluate: ``monitored`` if given, else ``default_first .. n_times - 1``.

    ``first`` is the earliest row with enough history; ``default_first`` defaults to it.

    Raises
    ------
    ValueError
        If a row is before ``first`` (not enough history) or past the end of the series.
    """
    start = first if default_first is None else default_first
    rows = np.arange(start, n_times) if monitored is None else np.asarray(monitored, np.int64)
    rows = np.sort(rows.astype(np.int64).ravel())
    if rows.size == 0:
        raise ValueError(
            f"nothing to monitor: the series has {n_times} points, "
            f"the method needs at least {first + 1}"
        )
    if rows[0] < first or rows[-1] >= n_times:
        raise ValueError(
            f"monitored rows must lie in [{first}, {n_times - 1}] "
            f"(0-based), got [{rows[0]}, {rows[-1]}]"
        )
    return rows
