"""Incident counts per area × period for an alert rule's filter, as a dense matrix.

Counting happens in SQL (incidents joined to their ancestor at the rule's area level, grouped by
area and day); days are then folded into the rule's periods — ISO weeks starting on Monday,
calendar months, or days — and every area of the level gets a column, zeros included. Incidents
are counted, not victims; police actions and misdemeanours only when the rule asks for them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import sqlalchemy as sa

from salus.domain.incidents.offences import crime_conditions, names_police_codes
from salus.storage import schema as t

PERIOD_UNITS = ("day", "week", "month")
FREQUENCY = {"day": 365, "week": 52, "month": 12}


def period_start(day: dt.date, unit: str) -> dt.date:
    """First day of the period of ``unit`` that contains ``day``."""
    if unit == "week":
        return day - dt.timedelta(days=day.weekday())
    if unit == "month":
        return day.replace(day=1)
    return day


def next_period(start: dt.date, unit: str) -> dt.date:
    if unit == "week":
        return start + dt.timedelta(days=7)
    if unit == "month":
        return (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return start + dt.timedelta(days=1)


def period_starts(first: dt.date, last: dt.date, unit: str) -> list[dt.date]:
    """Starts of every period from the one holding ``first`` to the one holding ``last``."""
    out, current = [], period_start(first, unit)
    while current <= last:
        out.append(current)
        current = next_period(current, unit)
    return out


@dataclass(frozen=True)
class CountSeries:
    """``counts[i, j]``: incidents in period ``starts[i]`` and area ``area_ids[j]``."""

    starts: list[dt.date]
    area_ids: list[int]
    counts: npt.NDArray[np.float64]

    def period_end(self, row: int, unit: str) -> dt.date:
        return next_period(self.starts[row], unit) - dt.timedelta(days=1)


def incident_filter(query: sa.Select[Any], spec: dict[str, Any]) -> sa.Select[Any]:
    """Restrict ``query`` (over ``incident``) to a rule's ICCS prefixes, contexts and weapons.

    Police actions and misdemeanours (arrests, seizures…) are not crimes and count only when
    the rule's prefixes name them (:func:`salus.domain.incidents.offences.crime_conditions`,
    the indicator engine's rule)."""
    inc = t.incident
    prefixes = spec.get("iccs") or []
    if prefixes:
        query = query.where(sa.or_(*(inc.c.iccs_code.startswith(code) for code in prefixes)))
    if not names_police_codes(prefixes):
        query = query.where(*crime_conditions(inc.c.iccs_code))
    if spec.get("context"):
        query = query.where(inc.c.iccs_context.in_(spec["context"]))
    if spec.get("weapon"):
        weapons = sa.select(t.incident_weapon.c.incident_id).where(
            t.incident_weapon.c.category.in_(spec["weapon"]))
        query = query.where(sa.or_(inc.c.weapon_category.in_(spec["weapon"]),
                                   inc.c.id.in_(weapons)))
    return query


def first_recorded(conn: sa.Connection, spec: dict[str, Any]) -> dt.date | None:
    """Day of the earliest incident matching ``spec``: periods before it are not zeros but
    periods without data, so series start there."""
    query = incident_filter(sa.select(sa.func.min(t.incident.c.occurred_on)), spec)
    value = conn.scalar(query)
    return None if value is None else _as_date(value)


def count_series(conn: sa.Connection, spec: dict[str, Any], level: int, unit: str,
                 first: dt.date, last: dt.date) -> CountSeries:
    """Counts per area of ``level`` and period of ``unit`` for days ``first..last``."""
    inc, anc = t.incident, t.area_ancestor
    query = (sa.select(anc.c.ancestor_id, inc.c.occurred_on, sa.func.count().label("n"))
             .select_from(inc.join(anc, anc.c.area_id == inc.c.area_id))
             .where(anc.c.ancestor_level == level, inc.c.occurred_on >= first,
                    inc.c.occurred_on <= last)
             .group_by(anc.c.ancestor_id, inc.c.occurred_on))
    rows = conn.execute(incident_filter(query, spec)).all()
    area_ids = list(conn.scalars(sa.select(t.area.c.id).where(t.area.c.level == level)
                                 .order_by(t.area.c.id)))
    starts = period_starts(first, last, unit)
    row_of = {s: i for i, s in enumerate(starts)}
    col_of = {a: j for j, a in enumerate(area_ids)}
    counts = np.zeros((len(starts), len(area_ids)))
    for area_id, day, n in rows:
        counts[row_of[period_start(_as_date(day), unit)], col_of[area_id]] += n
    return CountSeries(starts, area_ids, counts)


def _as_date(value: dt.date | str) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
