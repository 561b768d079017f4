"""Dashboard panels for pages and the API, with a short-lived cache.

A panel depends only on (store, public or not, scoped filter, panel), so results are shared
between users for ``TTL`` seconds: a busy dashboard costs one computation per panel and filter
every half minute, and a new record shows up within that time.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from fastapi import Request

from salus.analytics.indicators.result import IndicatorResult
from salus.api import context as ctx
from salus.api.context import require_permission
from salus.domain.accounts.roles import Permission, Viewer
from salus.usecases.indicators import dashboard
from salus.usecases.indicators.dashboard import DashboardFilter
from salus.usecases.surveys import panel as survey_panel
from salus.usecases.surveys.panel import PanelFigure

TTL = 30.0
MAX_ENTRIES = 512
_cache: dict[tuple[Any, ...], tuple[float, Any]] = {}
_lock = threading.Lock()
_inflight: dict[tuple[Any, ...], threading.Lock] = {}


def _fresh(key: tuple[Any, ...]) -> tuple[bool, Any]:
    with _lock:
        hit = _cache.get(key)
    if hit and hit[0] > time.monotonic():
        return True, hit[1]
    return False, None


def _cached(key: tuple[Any, ...], compute: Any) -> Any:
    """The cached value, computing it once even when many requests miss at the same time."""
    found, value = _fresh(key)
    if found:
        return value
    with _lock:
        gate = _inflight.setdefault(key, threading.Lock())
    with gate:
        found, value = _fresh(key)
        if not found:
            value = compute()
            with _lock:
                if len(_cache) >= MAX_ENTRIES:
                    _cache.clear()
                _cache[key] = (time.monotonic() + TTL, value)
    with _lock:
        _inflight.pop(key, None)
    return value


def clear() -> None:
    """Forget every cached panel (after a write, so the next view shows it)."""
    with _lock:
        _cache.clear()


def filter_from_query(request: Request, viewer: Viewer, year: int | None, area: str | None,
                      offence: str | None, context: str | None) -> DashboardFilter:
    """The dashboard filter of a request, scoped to the viewer."""
    require_permission(viewer, Permission.DASHBOARD)
    engine = ctx.engine(request)
    if year is None:
        key = (ctx.state(request).cache_key, "default_year")
        year = _cached(key, lambda: dashboard.default_year(engine))
    f = DashboardFilter(int(year), area or None, offence or None, context or None)
    return dashboard.scoped(engine, viewer, f)


def dashboard_panel(request: Request, viewer: Viewer, f: DashboardFilter,
                    panel: str) -> IndicatorResult:
    require_permission(viewer, Permission.DASHBOARD)
    st = ctx.state(request)
    key = (st.cache_key, viewer.public, panel, f, st.suppression_threshold)
    return _cached(key, lambda: dashboard.panel(st.engine, viewer, f, panel,  # type: ignore[no-any-return]
                                                st.suppression_threshold))


def surveys_panel(request: Request, viewer: Viewer) -> tuple[PanelFigure, ...]:
    """The "Perception (surveys)" panel: each survey indicator's latest figure for the
    viewer's scope (shared between viewers of the same scope and public or not)."""
    require_permission(viewer, Permission.DASHBOARD)
    require_permission(viewer, Permission.INDICATORS)
    st = ctx.state(request)
    key = (st.cache_key, viewer.public, "surveys", viewer.area_id, viewer.area_code)
    return _cached(key, lambda: survey_panel.latest_figures(  # type: ignore[no-any-return]
        st.engine, viewer))
