"""Which past periods Farrington's method fits on: reference points, windows and seasonal blocks.

For a monitored period ``t`` the reference points are the same period 1..b years earlier. With
plain period indices (R: ``epochAsDate = FALSE``) they are rows ``t - i * frequency``. With dates
(R: ``epochAsDate = TRUE``) they follow ``surveillance``: the date ``i`` calendar years earlier
(29 February falls on 1 March), moved for weekly data to the nearest date with the same weekday,
which puts some reference points 53 rather than 52 weeks apart.

Around each reference point a window of ``w`` periods either side is used. Farrington et al.
(1996) fit on these ``b (2w + 1)`` periods only. Noufaily et al. (2013) use every period from the
oldest window on: windows and the current period form seasonal level ``no_periods`` and the gap
between two consecutive windows is cut into ``no_periods - 1`` blocks of (almost) equal length,
labelled ``1 .. no_periods - 1`` in time order, longer blocks first (R's ``blocks()``). The last
``past_weeks_not_included`` periods and ``t`` itself are left out of the fit.

References
----------
Farrington, C. P., Andrews, N. J., Beale, A. D., Catchpole, M. A. (1996). A statistical
algorithm for the early detection of outbreaks of infectious disease. *Journal of the Royal
Statistical Society A* 159(3), 547-563.
Noufaily, A., Enki, D. G., Farrington, P., Garthwaite, P., Andrews, N., Charlett, A. (2013). An
improved algorithm for outbreak detection in multiple surveillance systems. *Statistics in
Medicine* 32(7), 1206-1222.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def _years_back(day: dt.date, years: int) -> dt.date:
    """``day`` moved ``years`` calendar years back; 29 February becomes 1 March (as R does)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return dt.date(day.year - years, 3, 1)


def _nearest_same_weekday(day: dt.date, like: dt.date) -> dt.date:
    shift = (like.weekday() - day.weekday()) % 7
    return day + dt.timedelta(days=shift if shift <= 3 else shift - 7)


def reference_rows(
    row: int, b: int, frequency: int, dates: npt.NDArray[np.datetime64] | None
) -> IntArray:
    """Rows of the reference points 1..b years before ``row`` (0-based), newest first.

    Raises
    ------
    ValueError
        If a reference point falls before the start of the series (or on no date of it).
    """
    if dates is None:
        rows = row - frequency * np.arange(1, b + 1)
    else:
        today = dates[row].astype(dt.date)
        wanted = [_years_back(today, i) for i in range(1, b + 1)]
        if frequency == 52:
            wanted = [_nearest_same_weekday(day, today) for day in wanted]
        found = np.searchsorted(dates, np.array(wanted, dtype="datetime64[D]"))
        found = np.minimum(found, len(dates) - 1)
        if not np.array_equal(dates[found], np.array(wanted, dtype="datetime64[D]")):
            raise ValueError(
                f"some reference dates of {today} are not in the series; "
                "decrease b or monitor later periods"
            )
        rows = found
    if rows.min() < 0:
        raise ValueError(
            f"row {row} has only {row} periods of history; decrease b or monitor later periods"
        )
    return np.asarray(rows, dtype=np.int64)


def _label_gap(labels: IntArray, start: int, stop: int, no_periods: int) -> None:
    """Cut rows ``start .. stop - 1`` into ``no_periods - 1`` blocks labelled 0..no_periods-2."""
    period = stop - start
    lengths = np.full(no_periods - 1, period // (no_periods - 1))
    lengths[: period % (no_periods - 1)] += 1
    labels[start:stop] = np.repeat(np.arange(no_periods - 1), lengths)


def fit_rows(
    row: int, references: IntArray, w: int, no_periods: int, past_periods_excluded: int
) -> tuple[IntArray, IntArray]:
    """Rows used to fit the model for ``row`` and their seasonal level (0-based).

    Level ``no_periods - 1`` is the level of the windows and of ``row`` itself.
    """
    oldest = int(references[-1]) - w
    if oldest < 0:
        raise ValueError(f"row {row}: the oldest window starts before the series; decrease b or w")
    labels = np.full(row - oldest + 1, -1, dtype=np.int64)
    window_level = no_periods - 1
    labels[row - w - oldest :] = window_level
    newer = row
    for ref in references:
        labels[ref - w - oldest : ref + w + 1 - oldest] = window_level
        if no_periods > 1:
            if newer - ref - 2 * w - 1 < no_periods - (2 * w + 1):
                raise ValueError("too many seasonal periods (no_periods) for this frequency")
            _label_gap(labels, ref + w + 1 - oldest, newer - w - oldest, no_periods)
        newer = int(ref)
    labels[max(0, row - past_periods_excluded - oldest) :] = -1
    used = np.flatnonzero(labels >= 0)
    return used + oldest, labels[used]


@dataclass(frozen=True)
class FitLayout:
    """Padded fitting rows for many monitored rows (one line each).

    Attributes
    ----------
    rows : ndarray of int, shape (K, n_max)
        Series rows to fit on; padding rows are 0.
    levels : ndarray of int, shape (K, n_max)
        Seasonal level per fitting row, -1 for padding.
    times : ndarray of float, shape (K, n_max)
        Time covariate (periods relative to the monitored row, centred on the fitting rows' mean).
    target_time : ndarray of float, shape (K,)
        Time covariate of the monitored row on the same scale.
    """

    rows: IntArray
    levels: IntArray
    times: FloatArray
    target_time: FloatArray


def build_layout(
    monitored: IntArray,
    b: int,
    w: int,
    frequency: int,
    no_periods: int,
    past_periods_excluded: int,
    dates: npt.NDArray[np.datetime64] | None,
) -> FitLayout:
    """Fitting rows, levels and times for every monitored row (see :func:`fit_rows`)."""
    pieces = [
        fit_rows(
            int(row),
            reference_rows(int(row), b, frequency, dates),
            w,
            no_periods,
            past_periods_excluded,
        )
        for row in monitored
    ]
    n_max = max(len(r) for r, _ in pieces)
    rows = np.zeros((len(pieces), n_max), dtype=np.int64)
    levels = np.full((len(pieces), n_max), -1, dtype=np.int64)
    times = np.zeros((len(pieces), n_max))
    target = np.zeros(len(pieces))
    for i, ((fit_r, fit_l), row) in enumerate(zip(pieces, monitored, strict=True)):
        relative = (fit_r - row).astype(np.float64)
        centre = relative.mean()
        rows[i, : len(fit_r)], levels[i, : len(fit_r)] = fit_r, fit_l
        times[i, : len(fit_r)] = relative - centre
        target[i] = -centre
    return FitLayout(rows=rows, levels=levels, times=times, target_time=target)
