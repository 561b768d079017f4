"""Hot spots for the map page: Getis-Ord Gi* of incident counts per area, queen contiguity.

Counts per area of one admin level over a window of days (the alert rules' SQL counting,
:func:`~salus.usecases.alerts.series.count_series`), queen contiguity from the areas' polygons,
Gi* z-values (as ``spdep::localG`` with ``include.self``), conditional-permutation pseudo
p-values with a fixed seed and Benjamini–Hochberg q-values: an area is a hot spot when
``z > 0`` and ``q ≤ alpha``, a cold spot when ``z < 0`` and ``q ≤ alpha``.

Area scope (:mod:`salus.usecases.scope`): a viewer bound to an area gets the statistic computed
on the areas of its subtree alone — their counts, their contiguity, their permutations — as if
the rest of the country were not in the store. Nothing outside the scope reaches the result,
not even through a neighbour's count in a Gi* sum or the permutation distribution.

Results are kept until the incidents or areas change (:mod:`salus.usecases.cache`), keyed by
the viewer's scope (role and bound area) and every parameter; the permutations' seed is fixed,
so a kept result equals a recomputation.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import numpy as np
import sqlalchemy as sa
from shapely.geometry import shape

from salus.analytics.alerts.hotspots import contiguity, false_discovery_rate, getis_ord
from salus.domain.accounts.roles import Viewer
from salus.storage import schema as t
from salus.storage.versions import INDICATORS
from salus.usecases import scope
from salus.usecases.alerts.series import count_series
from salus.usecases.cache import cached

SEED, PERMUTATIONS = 20240601, 999


MAX_DAYS = 3660


def window(days: int, end: dt.date) -> tuple[dt.date, dt.date]:
    """The first and last day of a window of ``days`` (1 to 3,660) days ending on ``end``."""
    days = max(1, min(int(days), MAX_DAYS))
    return dt.date.fromordinal(max(1, end.toordinal() - days + 1)), end


def hotspots(engine: sa.Engine, viewer: Viewer, level: int, start: dt.date, end: dt.date,
             spec: dict[str, Any] | None = None, alpha: float = 0.05) -> dict[str, dict[str, Any]]:
    """Area code → ``{count, z, p, q, class}`` for the areas of ``level`` that have polygons
    and lie in the viewer's area scope."""
    spec_key = json.dumps(spec or {}, sort_keys=True, default=str)
    return cached("hotspots", engine, INDICATORS, viewer, (level, start, end, spec_key, alpha),
                  lambda: _hotspots(engine, viewer, level, start, end, spec, alpha), copy=True)


def _hotspots(engine: sa.Engine, viewer: Viewer, level: int, start: dt.date, end: dt.date,
              spec: dict[str, Any] | None, alpha: float) -> dict[str, dict[str, Any]]:
    with engine.connect() as conn:
        series = count_series(conn, spec or {}, level, "month", start, end)
        areas = conn.execute(sa.select(t.area.c.id, t.area.c.code, t.area.c.geometry)
                             .where(t.area.c.level == level, t.area.c.geometry.is_not(None),
                                    *scope.area_condition(t.area.c.id, viewer))
                             .order_by(t.area.c.id)).all()
    if len(areas) < 3:
        return {}
    totals = series.counts.sum(axis=0)
    column = {a: j for j, a in enumerate(series.area_ids)}
    counts = np.array([totals[column[a.id]] for a in areas], dtype=float)
    geoms = [shape(json.loads(a.geometry)) for a in areas]
    weights = contiguity(geoms, "queen", ids=[a.code for a in areas])
    result = getis_ord(counts, weights, permutations=PERMUTATIONS, seed=SEED)
    significant, q = false_discovery_rate(result.p_values, alpha)
    out = {}
    for i, a in enumerate(areas):
        z = float(result.z_scores[i])
        kind = ("hot" if z > 0 else "cold") if significant[i] else "none"
        out[a.code] = {"count": int(counts[i]), "z": _num(z),
                       "p": _num(result.p_values[i]), "q": _num(q[i]), "class": kind}
    return out


def _num(value: float) -> float | None:
    return round(float(value), 4) if np.isfinite(value) else None
