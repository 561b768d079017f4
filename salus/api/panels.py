"""Dashboard panels for pages and the API.

Panels are kept by the use cases until the data they read change (:mod:`salus.usecases.cache`,
keyed by data versions and the viewer's scope): a busy dashboard costs one computation per
panel, filter and scope, and a new record shows up on the next request.
"""

from __future__ import annotations

from fastapi import Request

from salus.analytics.indicators.result import IndicatorResult
from salus.api import context as ctx
from salus.api.context import require_permission
from salus.domain.accounts.roles import Permission, Viewer
from salus.usecases.indicators import dashboard
from salus.usecases.indicators.dashboard import DashboardFilter
from salus.usecases.surveys import panel as survey_panel
from salus.usecases.surveys.panel import PanelFigure


def filter_from_query(request: Request, viewer: Viewer, year: int | None, area: str | None,
                      offence: str | None, context: str | None) -> DashboardFilter:
    """The dashboard filter of a request, scoped to the viewer."""
    require_permission(viewer, Permission.DASHBOARD)
    engine = ctx.engine(request)
    if year is None:
        year = dashboard.default_year(engine)
    f = DashboardFilter(int(year), area or None, offence or None, context or None)
    return dashboard.scoped(engine, viewer, f)


def dashboard_panel(request: Request, viewer: Viewer, f: DashboardFilter,
                    panel: str) -> IndicatorResult:
    require_permission(viewer, Permission.DASHBOARD)
    st = ctx.state(request)
    return dashboard.panel(st.engine, viewer, f, panel, st.suppression_threshold)


def surveys_panel(request: Request, viewer: Viewer) -> tuple[PanelFigure, ...]:
    """The "Perception (surveys)" panel: each survey indicator's latest figure for the
    viewer's scope (shared between viewers of the same scope and public or not)."""
    require_permission(viewer, Permission.DASHBOARD)
    require_permission(viewer, Permission.INDICATORS)
    st = ctx.state(request)
    return survey_panel.latest_figures(st.engine, viewer)
