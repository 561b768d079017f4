"""Public indicator output protected across linked tables (complementary suppression).

:func:`protect` reads a public answer's hidden cells from the indicator's *cube*: the same
indicator, period and filters (the area filter aside), unsuppressed, at every area level and
for the whole, alone and by each breakdown the public pages show (month, sex, age band, weapon,
context) and by the answer's own grouping; complementary suppression is decided once over the
cube (:mod:`salus.analytics.indicators.linked`), so a cell reads the same in every table that
shows it and no small count can be recovered by subtracting published figures.

A row's ``previous`` count is a cell of the previous period's cube, built the same way, and
reads as it does there. A cube is kept per store, request and data versions (the ``incidents``
and ``areas`` counters of :mod:`salus.storage.versions`, read through the answer's own
connection) in the ``public-cube`` cache of :mod:`salus.usecases.cache`: a write moves a
counter, so the next answer builds a new cube; while the data stand still, a cube is built
once. It is still checked against each answer's counts before use (built again if they
differ). A connection without the counters (an ibis backend given directly) is not cached.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from itertools import combinations
from typing import TYPE_CHECKING

from salus.analytics.indicators.definitions import IndicatorDefinition
from salus.analytics.indicators.filters import Grouping
from salus.analytics.indicators.linked import WHOLE, Cube, apply_cube, build_cube
from salus.analytics.indicators.request import Request
from salus.analytics.indicators.result import IndicatorResult
from salus.storage.versions import INDICATORS
from salus.usecases.cache import cache, clear_all

if TYPE_CHECKING:
    import ibis

BREAKDOWNS = ("month", "sex", "age_band", "weapon", "iccs_context")
"""The one-way breakdowns every public cube holds (the dashboard's panels)."""

MAX_ENTRIES = 16
CUBES = cache("public-cube", MAX_ENTRIES)


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
    """The cube of ``request``: the cached one (same store, request and data versions) if it
    still ``fits`` the answer, else new."""
    counters = None if store_key is None else data_versions(con)
    if counters is None:
        return build(con, definition, request)
    key = (store_key, counters, definition.id, definition.version, str(request.period),
           repr(replace(request.filters, area=None)), request.threshold,
           request.grouping.age_scheme, tuple(cube_groupings(request)))
    cube = CUBES.get(key, lambda: build(con, definition, request))
    if not fits(cube):  # not expected while the counters hold; never serve a cube that differs
        cube = build(con, definition, request)
        CUBES.put(key, cube)
    return cube


def data_versions(con: ibis.BaseBackend) -> tuple[int, ...] | None:
    """The ``incidents`` and ``areas`` counters as ``con`` sees them: the store's
    ``data_version`` table, or the version a DuckDB analytical mirror is named after
    (:mod:`salus.usecases.indicators.mirror`: one file per data version); None where neither
    is known (then nothing is cached)."""
    try:
        if "data_version" in con.list_tables():
            table = con.table("data_version")
            rows = table.filter(table["name"].isin(list(INDICATORS))).execute()
            found = {str(n): int(v) for n, v in zip(rows["name"], rows["version"], strict=True)}
            return tuple(found.get(name, 0) for name in INDICATORS)
        if con.name == "duckdb":
            path = con.raw_sql("SELECT path FROM duckdb_databases() "  # type: ignore[attr-defined]
                               "WHERE database_name = current_database()").fetchone()
            named = _MIRROR_NAME.search(str(path[0] if path else ""))
            if named:
                return int(named["incidents"]), int(named["areas"])
    except Exception:  # noqa: BLE001 - a backend without the counters is simply not cached
        return None
    return None


_MIRROR_NAME = re.compile(r"-i(?P<incidents>\d+)-a(?P<areas>\d+)\.duckdb$")


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


def clear() -> None:
    """Forget every cached cube and every figure built on them (dashboard panels, community
    figures... every cache of :mod:`salus.usecases.cache`): for tests and benchmarks that
    compare two ways of computing; writes move the keys instead."""
    clear_all()
