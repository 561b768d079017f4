"""Public indicator output protected across linked tables (complementary suppression).

:func:`protect` reads a public answer's hidden cells from the indicator's *cube*: the same
indicator, period and filters (the area filter aside), unsuppressed, at every area level and
for the whole, alone and by each breakdown the public pages show (month, sex, age band, weapon,
context) and by the answer's own grouping; complementary suppression is decided once over the
cube (:mod:`salus.analytics.indicators.linked`), so a cell reads the same in every table that
shows it and no small count can be recovered by subtracting published figures.

A row's ``previous`` count is a cell of the previous period's cube, built the same way, and
reads as it does there. A cube is kept ``TTL`` seconds per store and request and checked
against each answer's counts before use (a new record makes it stale, and then it is built
again).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace
from itertools import combinations
from typing import TYPE_CHECKING, Any

from salus.analytics.indicators.definitions import IndicatorDefinition
from salus.analytics.indicators.filters import Grouping
from salus.analytics.indicators.linked import WHOLE, Cube, apply_cube, build_cube
from salus.analytics.indicators.request import Request
from salus.analytics.indicators.result import IndicatorResult

if TYPE_CHECKING:
    import ibis

BREAKDOWNS = ("month", "sex", "age_band", "weapon", "iccs_context")
"""The one-way breakdowns every public cube holds (the dashboard's panels)."""

TTL = 300.0
MAX_ENTRIES = 16
_cache: dict[tuple[Any, ...], tuple[float, Cube]] = {}
_lock = threading.Lock()
_building: dict[tuple[Any, ...], threading.Lock] = {}


def cube_groupings(request: Request) -> list[tuple[str, ...]]:
    """Non-area groupings of the cube: none, each breakdown, and every subset of the
    request's own non-area keys (so a cross-tab's margins are in the cube too)."""
    own = tuple(k for k in request.grouping.keys if k != "area")
    out: list[tuple[str, ...]] = [(), *((b,) for b in BREAKDOWNS)]
    for size in range(1, len(own) + 1):
        for keys in combinations(own, size):
            if keys not in out:
                out.append(keys)
    return out


def protect(con: ibis.BaseBackend, definition: IndicatorDefinition, request: Request,
            result: IndicatorResult, store_key: str | None = None) -> IndicatorResult:
    """``result`` (public, primary-suppressed) with the cube's complements withheld."""
    top = definition.filters.area or WHOLE
    area = request.filters.area or top
    cube = _cube(con, definition, request, store_key,
                 lambda c: c.matches(result, area))
    before = replace(request, period=request.period.previous())
    previous = _cube(con, definition, before, store_key,
                     lambda c: c.matches_previous(result, area))
    return apply_cube(result, cube, area, previous)


def _cube(con: ibis.BaseBackend, definition: IndicatorDefinition, request: Request,
          store_key: str | None, fits: Callable[[Cube], bool]) -> Cube:
    """The cube of ``request``: the cached one if it still ``fits`` the answer, else new."""
    key = None if store_key is None else (
        store_key, definition.id, definition.version, str(request.period),
        repr(replace(request.filters, area=None)), request.threshold,
        request.grouping.age_scheme, tuple(cube_groupings(request)))
    cube = _cached(key)
    if cube is not None and fits(cube):
        return cube
    if key is None:
        return build(con, definition, request)
    with _lock:
        gate = _building.setdefault(key, threading.Lock())
    with gate:  # one build per cube, however many answers need it at once
        cube = _cached(key)
        if cube is None or not fits(cube):
            cube = build(con, definition, request)
            _store(key, cube)
    return cube


def build(con: ibis.BaseBackend, definition: IndicatorDefinition, request: Request) -> Cube:
    """Compute the cube of ``request`` (unsuppressed runs of the engine) and protect it."""
    from salus.analytics.indicators import query
    from salus.analytics.indicators.engine import run
    from salus.analytics.indicators.scope import load_areas

    areas = load_areas(query.Source(con))
    code = {int(r.id): str(r.code) for r in areas.itertuples()}
    parents = {str(r.code): (None if r.parent_id is None or r.parent_id != r.parent_id
                             else code.get(int(r.parent_id))) for r in areas.itertuples()}
    levels = sorted({int(v) for v in areas["level"].tolist()})
    base = replace(request, filters=replace(request.filters, area=None), public=False)
    scheme = request.grouping.age_scheme
    results = []
    for keys in cube_groupings(request):
        grouping = Grouping(keys, scheme)
        results.append(run(con, definition, replace(base, grouping=grouping), counts_only=True))
        for level in levels:
            grouping = Grouping(("area", *keys), scheme, level)
            results.append(run(con, definition, replace(base, grouping=grouping),
                               counts_only=True))
    return build_cube(results, parents, request.threshold, top=definition.filters.area or WHOLE)


def _cached(key: tuple[Any, ...] | None) -> Cube | None:
    if key is None:
        return None
    with _lock:
        hit = _cache.get(key)
    return hit[1] if hit and hit[0] > time.monotonic() else None


def _store(key: tuple[Any, ...], cube: Cube) -> None:
    with _lock:
        if len(_cache) >= MAX_ENTRIES:
            _cache.clear()
            _building.clear()
        _cache[key] = (time.monotonic() + TTL, cube)


def clear() -> None:
    """Forget every cached cube."""
    with _lock:
        _cache.clear()
