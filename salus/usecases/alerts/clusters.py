"""Space-time clusters for the map page: Kulldorff's prospective space-time permutation scan.

Incidents (not victims: one shooting with five victims is one case) of the observatory's
primary series (the ``primary_sources`` setting, as the indicators count them) are counted in
SQL per area of one admin level and per day over the last ``days`` days, ending at the latest
incident's date; areas without polygons are left out. Each area is placed at its polygon's
centroid (longitude, latitude; great-circle distances) and the prospective space-time
permutation scan (Kulldorff et al. 2005) looks for cylinders still alive on the last day: the
k nearest areas up to half of the cases, at most ``MAX_DURATION`` days, Monte Carlo p-values
with a fixed seed.

Area scope (:mod:`salus.usecases.scope`): a viewer bound to an area is scanned on the areas of
its subtree and their incidents only (the study period ends at the latest incident inside the
scope), so no count, date or cluster from outside the scope reaches the result.

Results are kept until the incidents, areas or the ``primary_sources`` setting change
(:mod:`salus.usecases.cache`), keyed by the viewer's scope (role and bound area) and every
parameter (the seed among them: a kept result equals a recomputation).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import sqlalchemy as sa
from shapely.geometry import shape

from salus.domain.accounts.roles import Viewer
from salus.domain.incidents.offences import crime_conditions, names_police_codes
from salus.storage import repository
from salus.storage import schema as t
from salus.storage.versions import INDICATORS
from salus.usecases import scope
from salus.usecases.cache import cached

SEED = 20240601
REPLICATES = 199
MAX_DURATION = 30
MAX_SHARE = 0.5
MAX_CLUSTERS = 10


@dataclass(frozen=True)
class ClusterView:
    """What the page shows: the study period, the scan's settings and its clusters."""

    first: dt.date | None
    last: dt.date | None
    total: int
    areas: int
    replicates: int
    clusters: list[dict[str, Any]]

    def marks(self) -> dict[str, dict[str, Any]]:
        """Area code → ``{rank, p}`` of the most likely cluster holding it (for the map)."""
        out: dict[str, dict[str, Any]] = {}
        for c in self.clusters:
            for code in c["areas"]:
                out.setdefault(code, {"rank": c["rank"], "p": c["p"]})
        return out


def primary_source_types(conn: sa.Connection) -> list[str]:
    """Source types of the observatory's primary series (empty: every incident counts)."""
    value = repository.get_setting(conn, "primary_sources")
    if isinstance(value, str):
        value = json.loads(value)
    return [str(v) for v in value or []]


def _filtered(query: sa.Select[Any], conn: sa.Connection, offence: str | None) -> sa.Select[Any]:
    """``query`` over the primary series' incidents of ``offence`` (an ICCS prefix); police
    actions and misdemeanours only where ``offence`` names them
    (:func:`salus.domain.incidents.offences.crime_conditions`)."""
    inc = t.incident
    if offence:
        query = query.where(inc.c.iccs_code.startswith(offence))
    if not names_police_codes([offence] if offence else []):
        query = query.where(*crime_conditions(inc.c.iccs_code))
    sources = primary_source_types(conn)
    if sources:
        query = query.where(inc.c.id.in_(
            sa.select(t.incident_source.c.incident_id)
            .where(t.incident_source.c.source_type.in_(sources))))
    return query


def _as_date(value: dt.date | str) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def clusters(engine: sa.Engine, viewer: Viewer, level: int = 1, days: int = 365,
             offence: str | None = None, replicates: int = REPLICATES,
             seed: int = SEED) -> ClusterView:
    """The most likely space-time cluster and secondary clusters of incidents at ``level``,
    within the viewer's area scope."""
    days = max(2, min(int(days), 3660))
    replicates = max(0, int(replicates))
    return cached("clusters", engine, INDICATORS, viewer,
                  (level, days, offence, replicates, seed),
                  lambda: _clusters(engine, viewer, level, days, offence, replicates, seed),
                  settings=("primary_sources",), copy=True)


def _clusters(engine: sa.Engine, viewer: Viewer, level: int, days: int, offence: str | None,
              replicates: int, seed: int) -> ClusterView:
    from salus.analytics.alerts.scan import ScanOptions, space_time_permutation_scan

    days = max(2, min(int(days), 3660))
    inc, anc = t.incident, t.area_ancestor
    with engine.connect() as conn:
        areas = conn.execute(sa.select(t.area.c.id, t.area.c.code, t.area.c.name,
                                       t.area.c.geometry)
                             .where(t.area.c.level == level, t.area.c.geometry.is_not(None),
                                    *scope.area_condition(t.area.c.id, viewer))
                             .order_by(t.area.c.id)).all()
        in_scope = scope.area_condition(inc.c.area_id, viewer)
        latest = conn.scalar(_filtered(
            sa.select(sa.func.max(inc.c.occurred_on))
            .select_from(inc.join(anc, anc.c.area_id == inc.c.area_id))
            .where(anc.c.ancestor_level == level, *in_scope), conn, offence))
        if latest is None or len(areas) < 2:
            return ClusterView(None, None, 0, len(areas), 0, [])
        last = _as_date(latest)
        first = last - dt.timedelta(days=days - 1)
        rows = conn.execute(_filtered(
            sa.select(anc.c.ancestor_id, inc.c.occurred_on, sa.func.count().label("n"))
            .select_from(inc.join(anc, anc.c.area_id == inc.c.area_id))
            .where(anc.c.ancestor_level == level, inc.c.occurred_on >= first,
                   inc.c.occurred_on <= last, *in_scope)
            .group_by(anc.c.ancestor_id, inc.c.occurred_on), conn, offence)).all()
    row_of = {a.id: i for i, a in enumerate(areas)}
    counts = np.zeros((len(areas), days))
    for area_id, day, n in rows:
        if area_id in row_of:
            counts[row_of[area_id], (_as_date(day) - first).days] += n
    total = int(counts.sum())
    if total < 2:
        return ClusterView(first, last, total, len(areas), 0, [])
    centroids = [shape(json.loads(a.geometry) if isinstance(a.geometry, str) else a.geometry)
                 .centroid for a in areas]
    xy = np.array([[c.x, c.y] for c in centroids])
    lonlat = bool(np.all(np.abs(xy[:, 0]) <= 180) and np.all(np.abs(xy[:, 1]) <= 90))
    options = ScanOptions(seed=seed, prospective=True, max_duration=min(MAX_DURATION, days - 1),
                          max_share=MAX_SHARE, replicates=max(0, int(replicates)),
                          max_clusters=MAX_CLUSTERS,
                          metric="haversine" if lonlat else "euclidean")
    labels = [(first + dt.timedelta(days=d)).isoformat() for d in range(days)]
    result = space_time_permutation_scan(counts, xy, options,
                                         location_ids=[a.code for a in areas],
                                         time_labels=labels)
    names = {a.code: a.name for a in areas}
    out = [{"rank": c.rank, "centre": c.centre, "areas": list(c.locations),
            "names": [names[code] for code in c.locations],
            "start": first + dt.timedelta(days=c.start), "end": first + dt.timedelta(days=c.end),
            "observed": c.observed, "expected": round(c.expected, 2),
            "relative_risk": _num(c.relative_risk), "llr": _num(c.llr),
            "p": _num(c.p_value)} for c in result.clusters]
    return ClusterView(first, last, total, len(areas), result.replicates, out)


def _num(value: float) -> float | None:
    return round(float(value), 4) if np.isfinite(value) else None
