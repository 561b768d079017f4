"""Small-cell suppression for public output (statistical disclosure control).

Counts from 1 to ``threshold - 1`` are shown as ``"<threshold"`` (default ``"<5"``), and the
rates, confidence limits and changes computed from them are withheld: with a known denominator
a rate gives the count back. Zero is shown: it discloses no one and "no events" is data.

References
----------
Hundepool, A. et al. (2012). *Statistical Disclosure Control*, Wiley, §5 (threshold rule for
frequency tables). The DESIGN default (1–4 shown as "<5") follows common health-statistics
practice (e.g. CDC WONDER suppresses 1–9, many ministries of health 1–4).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

DEFAULT_THRESHOLD = 5

BoolArray = npt.NDArray[np.bool_]


def check_threshold(threshold: int) -> int:
    """Validate a suppression threshold (an integer of at least 1; 1 suppresses nothing)."""
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 1:
        raise ValueError(f"suppression threshold must be an integer >= 1, got {threshold!r}")
    return threshold


def small_cells(counts: npt.ArrayLike, threshold: int = DEFAULT_THRESHOLD) -> BoolArray:
    """True where a count must be hidden: ``1 <= count < threshold`` (zero stays visible).

    Parameters
    ----------
    counts : array_like of int
        Aggregated counts; NaN is never suppressed (nothing to hide).
    threshold : int, default 5
        Smallest count that may be published.

    Returns
    -------
    ndarray of bool
    """
    check_threshold(threshold)
    x = np.asarray(counts, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return np.asarray((x >= 1) & (x < threshold), dtype=np.bool_)


def suppressed_label(threshold: int = DEFAULT_THRESHOLD) -> str:
    """What a suppressed count reads as in public output, e.g. ``"<5"``."""
    return f"<{check_threshold(threshold)}"
