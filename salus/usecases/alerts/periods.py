"""Default periods of the early-warning pages, anchored to the latest data.

Records arrive late: a window that ends today on a store whose latest incident is months old
counts nothing and shows an empty map. The hot-spot page's default window therefore ends on the
latest recorded incident in the viewer's area scope (as the cluster scan's study period does),
and the page says so; today is used only in an empty store.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from salus.domain.accounts.roles import Viewer
from salus.storage import schema as t
from salus.usecases import scope


def latest_incident(engine: sa.Engine, viewer: Viewer) -> dt.date | None:
    """The latest day with a recorded incident in the viewer's scope (None when there is none)."""
    inc = t.incident
    with engine.connect() as conn:
        latest = conn.scalar(sa.select(sa.func.max(inc.c.occurred_on))
                             .where(*scope.area_condition(inc.c.area_id, viewer)))
    if latest is None or isinstance(latest, dt.date):
        return latest
    return dt.date.fromisoformat(str(latest)[:10])
