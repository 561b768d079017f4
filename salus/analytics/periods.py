"""Reporting periods: parsing, the previous period, time buckets and years covered.

A period is a half-open date range ``[start, end)`` so that the database filters it as
``occurred_on >= start AND occurred_on < end`` and can use an index. Accepted forms::

    2023                    a year
    2023-Q2                 a quarter
    2023-05                 a month
    2023-05-17              a day
    2019..2023              from the start of the first to the end of the last (any two forms)
    2023-01-01..2023-03-31  inclusive dates
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

GRAINS = ("year", "quarter", "month", "week", "day")
_MONTHS = {"year": 12, "quarter": 3, "month": 1}
_TOKEN = re.compile(r"^(\d{4})(?:-(?:Q([1-4])|(\d{2}))(?:-(\d{2}))?)?$")


class PeriodError(ValueError):
    """A period the parser cannot read."""


@dataclass(frozen=True, slots=True)
class Period:
    """``[start, end)`` counted in ``steps`` calendar ``unit``\\ s (or days)."""

    start: dt.date
    end: dt.date
    unit: str
    steps: int
    label: str

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def last_day(self) -> dt.date:
        return self.end - dt.timedelta(days=1)

    def shorter_than_a_year(self) -> bool:
        """True when the period is less than one calendar year long."""
        return self.end < add_months(self.start, 12)

    def previous(self) -> Period:
        """The period of the same length that ends where this one starts."""
        if self.unit in _MONTHS:
            start = add_months(self.start, -_MONTHS[self.unit] * self.steps)
            return Period(
                start,
                self.start,
                self.unit,
                self.steps,
                _calendar_label(start, self.unit, self.steps),
            )
        start = self.start - dt.timedelta(days=self.days)
        return _day_period(start, self.start)


def add_months(day: dt.date, months: int) -> dt.date:
    """First-of-month arithmetic: ``day`` must be the first of a month."""
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _token(text: str) -> Period:
    match = _TOKEN.match(text.strip())
    if not match:
        raise PeriodError(
            f"cannot read period {text!r} (try 2023, 2023-Q2, 2023-05, 2023-05-17, 2019..2023)"
        )
    year, quarter, month, day = match.groups()
    try:
        if quarter:
            start = dt.date(int(year), 3 * int(quarter) - 2, 1)
            return Period(start, add_months(start, 3), "quarter", 1, text.strip())
        if month and day:
            start = dt.date(int(year), int(month), int(day))
            return _day_period(start, start + dt.timedelta(days=1))
        if month:
            start = dt.date(int(year), int(month), 1)
            return Period(start, add_months(start, 1), "month", 1, text.strip())
    except ValueError as exc:
        raise PeriodError(f"cannot read period {text!r}: {exc}") from None
    start = dt.date(int(year), 1, 1)
    return Period(start, add_months(start, 12), "year", 1, text.strip())


def parse_period(text: str) -> Period:
    """Read a period (see the module docstring for the forms)."""
    if ".." not in text:
        return _token(text)
    first_text, _, last_text = text.partition("..")
    first, last = _token(first_text), _token(last_text)
    if last.end <= first.start:
        raise PeriodError(f"period {text!r} ends before it starts")
    if first.unit == last.unit and first.unit in _MONTHS:
        months = (last.end.year - first.start.year) * 12 + last.end.month - first.start.month
        return Period(
            first.start,
            last.end,
            first.unit,
            months // _MONTHS[first.unit],
            f"{first.label}..{last.label}",
        )
    return _day_period(first.start, last.end)


def _day_period(start: dt.date, end: dt.date) -> Period:
    last = end - dt.timedelta(days=1)
    label = start.isoformat() if last == start else f"{start.isoformat()}..{last.isoformat()}"
    return Period(start, end, "day", (end - start).days, label)


def _calendar_label(start: dt.date, unit: str, steps: int) -> str:
    last = add_months(start, _MONTHS[unit] * (steps - 1))
    first_label, last_label = bucket_label(start, unit), bucket_label(last, unit)
    return first_label if steps == 1 else f"{first_label}..{last_label}"


def truncate(day: dt.date, grain: str) -> dt.date:
    """First day of the ``grain`` bucket holding ``day`` (weeks start on Monday, ISO 8601)."""
    if grain == "year":
        return day.replace(month=1, day=1)
    if grain == "quarter":
        return day.replace(month=3 * ((day.month - 1) // 3) + 1, day=1)
    if grain == "month":
        return day.replace(day=1)
    if grain == "week":
        return day - dt.timedelta(days=day.weekday())
    if grain == "day":
        return day
    raise PeriodError(f"unknown time grain {grain!r}; use one of {', '.join(GRAINS)}")


def next_bucket(start: dt.date, grain: str) -> dt.date:
    """Start of the bucket after the one starting on ``start``."""
    if grain in _MONTHS:
        return add_months(start, _MONTHS[grain])
    return start + dt.timedelta(days=7 if grain == "week" else 1)


def buckets(start: dt.date, end: dt.date, grain: str) -> list[dt.date]:
    """Starts of every ``grain`` bucket that overlaps ``[start, end)``, in order."""
    out, current = [], truncate(start, grain)
    while current < end:
        out.append(current)
        current = next_bucket(current, grain)
    return out


def bucket_label(start: dt.date, grain: str) -> str:
    """``2023``, ``2023-Q2``, ``2023-05``, ``2023-W05`` (ISO week) or ``2023-05-17``."""
    if grain == "year":
        return f"{start.year}"
    if grain == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    if grain == "month":
        return f"{start.year}-{start.month:02d}"
    if grain == "week":
        iso = start.isocalendar()
        return f"{iso.year}-W{iso.week:02d}"
    return start.isoformat()


def bucket_start(text: str) -> dt.date:
    """The first day of an ISO text bucket: ``2023``, ``2023-05`` or ``2023-05-17``."""
    parts = text.strip()[:10].split("-")
    if len(parts) == 1:
        return dt.date(int(parts[0]), 1, 1)
    if len(parts) == 2:
        return dt.date(int(parts[0]), int(parts[1]), 1)
    return dt.date(int(parts[0]), int(parts[1]), int(parts[2]))


def days_by_year(start: dt.date, end: dt.date) -> dict[int, int]:
    """Number of days of ``[start, end)`` in each calendar year."""
    out: dict[int, int] = {}
    for year in range(start.year, end.year + 1):
        lo = max(start, dt.date(year, 1, 1))
        hi = min(end, dt.date(year + 1, 1, 1))
        if hi > lo:
            out[year] = (hi - lo).days
    return out


def days_in_year(year: int) -> int:
    return 366 if dt.date(year, 12, 31).timetuple().tm_yday == 366 else 365


@dataclass(frozen=True, slots=True)
class Step:
    """One time step of an indicator table: a bucket (or the whole period) of the previous
    or the current period. ``span`` is the part of the bucket inside its period."""

    current: bool
    bucket: dt.date | None
    label: str
    span: tuple[dt.date, dt.date]


def steps(period: Period, grain: str | None) -> list[Step]:
    """The previous period's steps then the current period's, in time order.

    Without a grain each period is one step; with one, each bucket overlapping the period is
    a step (the first and last may be partial).
    """
    out: list[Step] = []
    for current, p in ((False, period.previous()), (True, period)):
        if grain is None:
            out.append(Step(current, None, p.label, (p.start, p.end)))
            continue
        for start in buckets(p.start, p.end, grain):
            span = (max(start, p.start), min(next_bucket(start, grain), p.end))
            out.append(Step(current, start, bucket_label(start, grain), span))
    return out
