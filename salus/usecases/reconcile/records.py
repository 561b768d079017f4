"""Read the victims a reconciliation job links from the store, as the linkage record frame.

One row per person recorded as a victim (killed, by default) in an incident of the chosen
sources, period and area subtree, and in the :data:`~.Scope.margin_days` beyond the period's
edges (with no period: see :mod:`salus.analytics.reconcile.linkage.periods`). The record key is the
natural key of the source record plus the person's position in it
(``police|Verdania National Police|VNP-2024-000001|1``), so that reviewers' decisions survive
re-imports and later jobs. Neighbouring municipalities come from
the area geometries (polygons that touch), the parent from the area tree, and the stratum of the
reconciled table from the ancestor at the requested level.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa
from shapely import STRtree
from shapely.geometry import shape

from salus.analytics.reconcile.linkage.periods import MARGIN_DAYS
from salus.storage import schema as t


@dataclass(frozen=True)
class Scope:
    """Which records a job reads and how its table is split."""

    sources: tuple[str, ...]
    start: dt.date
    end: dt.date
    area_code: str | None = None
    level: int | None = None
    by: str = "period"
    outcome: str | None = "killed"
    margin_days: int = MARGIN_DAYS
    """Records this many days beyond each edge are linked too (their period is ``None``), so
    that a victim recorded on both sides of an edge is counted once, in one period (see
    :mod:`salus.analytics.reconcile.linkage.periods`)."""

    @property
    def read_from(self) -> dt.date:
        return self.start - dt.timedelta(days=self.margin_days)

    @property
    def read_until(self) -> dt.date:
        return self.end + dt.timedelta(days=self.margin_days)

    def period_label(self) -> str:
        if self.start.month == 1 and self.start.day == 1 and self.end == dt.date(
            self.start.year, 12, 31
        ):
            return str(self.start.year)
        return f"{self.start.isoformat()}..{self.end.isoformat()}"


def record_key(source_type: str, source_name: str, record_id: str, index: int) -> str:
    return f"{source_type}|{source_name}|{record_id}|{index}"


def load_records(conn: sa.Connection, scope: Scope, level: int) -> pd.DataFrame:
    """The linkage record frame (see :mod:`salus.analytics.reconcile.linkage.records`) plus
    ``period``,
    ``area`` (stratum), ``person_id``."""
    persons = _persons(conn, scope)
    if persons.empty:
        return persons
    areas = _areas(conn)
    persons = persons.merge(areas[["area_id", "area_code", "parent_code"]], on="area_id")
    persons["area"] = _strata(conn, persons["area_id"], level, areas)
    persons["neighbours"] = persons["area_code"].map(_neighbours(areas))
    persons["period"] = _periods(persons["occurred_on"], scope)
    persons["record_id"] = [
        record_key(a, b, c, int(d)) for a, b, c, d in zip(
            persons["source_type"], persons["source_name"], persons["source_record"],
            persons["person_index"], strict=True)
    ]
    persons["record_group"] = [k.rsplit("|", 1)[0] for k in persons["record_id"]]
    persons = persons.rename(columns={"source_type": "source", "age_min": "age"})
    return persons.drop(columns=["source_name", "source_record", "area_id"])


def _persons(conn: sa.Connection, scope: Scope) -> pd.DataFrame:
    inc, per, src = t.incident, t.person, t.incident_source
    first_source = (
        sa.select(src.c.incident_id, sa.func.min(src.c.id).label("source_id"))
        .group_by(src.c.incident_id).subquery()
    )
    query = (
        sa.select(
            per.c.id.label("person_id"), per.c.incident_id, per.c.role, per.c.outcome,
            per.c.given_name, per.c.family_name, per.c.sex, per.c.age_min, per.c.age_max,
            per.c.date_of_birth, inc.c.occurred_on, inc.c.occurred_until, inc.c.area_id,
            inc.c.longitude, inc.c.latitude, inc.c.location_precision,
            inc.c.weapon_category.label("weapon"),
            inc.c.iccs_code.label("cause"), src.c.source_type, src.c.source_name,
            src.c.record_id.label("source_record"),
        )
        .select_from(per.join(inc, per.c.incident_id == inc.c.id)
                     .join(first_source, first_source.c.incident_id == inc.c.id)
                     .join(src, src.c.id == first_source.c.source_id))
        .where(inc.c.occurred_on.between(scope.read_from, scope.read_until),
               src.c.source_type.in_(scope.sources))
        .order_by(per.c.incident_id, per.c.id)
    )
    if scope.area_code:
        query = query.where(inc.c.area_id.in_(_subtree(scope.area_code)))
    frame = pd.DataFrame(conn.execute(query).mappings().all())
    if frame.empty:
        return frame
    frame["person_index"] = frame.groupby("incident_id").cumcount() + 1
    keep = frame["role"] == "victim"
    if scope.outcome:
        keep &= frame["outcome"] == scope.outcome
    return frame[keep].drop(columns=["role", "outcome", "incident_id"]).reset_index(drop=True)


def _subtree(code: str) -> sa.Select[tuple[int]]:
    top = sa.select(t.area.c.id).where(t.area.c.code == code).scalar_subquery()
    return sa.select(t.area_ancestor.c.area_id).where(t.area_ancestor.c.ancestor_id == top)


def _areas(conn: sa.Connection) -> pd.DataFrame:
    a, p = t.area, t.area.alias("parent")
    query = sa.select(
        a.c.id.label("area_id"), a.c.code.label("area_code"), a.c.level, a.c.geometry,
        p.c.code.label("parent_code"),
    ).select_from(a.outerjoin(p, a.c.parent_id == p.c.id))
    return pd.DataFrame(conn.execute(query).mappings().all())


def _strata(conn: sa.Connection, area_ids: pd.Series, level: int,
            areas: pd.DataFrame) -> pd.Series:
    """Code of each area's ancestor at ``level`` (its own code when it is above that level)."""
    anc = t.area_ancestor
    query = sa.select(anc.c.area_id, t.area.c.code).join(
        t.area, t.area.c.id == anc.c.ancestor_id
    ).where(anc.c.ancestor_level == level)
    mapping = {row[0]: row[1] for row in conn.execute(query)}
    own = dict(zip(areas["area_id"], areas["area_code"], strict=True))
    return area_ids.map(lambda i: mapping.get(i, own[i]))


def _neighbours(areas: pd.DataFrame) -> dict[str, list[str]]:
    """Areas whose polygons touch, among areas of the same level."""
    out: dict[str, list[str]] = {}
    for _, group in areas[areas["geometry"].notna()].groupby("level"):
        shapes = [shape(json.loads(g)) for g in group["geometry"]]
        codes = list(group["area_code"])
        tree = STRtree(shapes)
        for i, geom in enumerate(shapes):
            hits = tree.query(geom, predicate="intersects")
            out[codes[i]] = [codes[j] for j in hits if j != i]
    return out


def _periods(dates: pd.Series, scope: Scope) -> pd.Series:
    """Each record's period label; ``None`` for the records beyond the scope's edges."""
    when = pd.to_datetime(dates)
    if scope.by == "year":
        labels = when.dt.strftime("%Y")
    elif scope.by == "month":
        labels = when.dt.strftime("%Y-%m")
    else:
        labels = pd.Series(scope.period_label(), index=dates.index)
    inside = (when >= pd.Timestamp(scope.start)) & (when <= pd.Timestamp(scope.end))
    return labels.astype(object).where(inside, None)


def default_level(conn: sa.Connection, area_code: str | None) -> int:
    """Rows of the table: the children of the chosen area, or the first level below the top."""
    if not area_code:
        return 1
    level = conn.execute(sa.select(t.area.c.level).where(t.area.c.code == area_code)).scalar()
    return int(level) + 1 if level is not None else 1

