"""Page routers. ``ROUTERS`` for the full app, ``PUBLIC_ROUTERS`` for ``salus serve --public``.

Feature modules expose ``router`` (signed-in pages) and may expose ``public_router`` (pages
anyone may open: served by the full app and by the public one). Order matters where paths
overlap: the form modules come before the pages whose ``/{id}`` routes would catch ``/new``.
The public report form comes first: its paths (``/report``, ``/report/...``) overlap no other,
and a router is tried in turn for every request, so the intake's 50 concurrent clients do not
pay for matching every page route first (issue 11).
"""

from __future__ import annotations

from salus.web import citizen_reports, citizen_reports_network, imports, incidents, reconcile
from salus.web import public as pages_public
from salus.web.accounts import admin, auth
from salus.web.indicators import dashboard, reference
from salus.web.plans import forms as plan_forms
from salus.web.plans import pages as plans
from salus.web.surveys import assessments as survey_assessments
from salus.web.surveys import estimates as survey_estimates
from salus.web.surveys import forms as survey_forms
from salus.web.surveys import pages as surveys
from salus.web.weapons import forms as weapon_forms
from salus.web.weapons import routes as weapons

ROUTERS = [citizen_reports.public_router, auth.router, admin.router, dashboard.router,
           incidents.router, imports.router, reference.router, weapons.router,
           plan_forms.router, plans.router, citizen_reports.router, reconcile.router,
           weapon_forms.router, plans.public_router, survey_forms.router,
           surveys.router, survey_estimates.router, survey_assessments.router,
           citizen_reports_network.router]
PUBLIC_ROUTERS = [pages_public.router, plans.public_router, citizen_reports.public_router]
