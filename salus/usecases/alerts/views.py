"""What the alert page draws: the area's series up to the alert, with expected and threshold.

For an incident rule the rule's method is re-run over the area's last (up to) 52 evaluable
periods ending with the alert's, giving the expected count and the upper bound at each; for
the tension rule, the locality's index with its usual mean and bound.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import sqlalchemy as sa

from salus.domain.accounts.roles import SYSTEM_VIEWER
from salus.usecases.alerts import methods as alert_methods
from salus.usecases.alerts import tension
from salus.usecases.alerts.series import count_series, first_recorded, period_start

SHOWN = 52


def series(engine: sa.Engine, alert: dict[str, Any]) -> dict[str, Any]:
    """``{"labels", "observed", "expected", "upper"}`` lists (None where there is no value)."""
    if alert["method"] == "tension":
        return _tension_series(engine, alert)
    rule = alert["rule"]
    wanted, needed = alert_methods.history_periods(rule["method"], rule["parameters"],
                                                   rule["period_unit"], SHOWN)
    base = needed - SHOWN
    last = alert["period_end"]
    first = last
    for _ in range(wanted):
        first = period_start(first, rule["period_unit"]) - dt.timedelta(days=1)
    with engine.connect() as conn:
        start = first_recorded(conn, rule["filter"]) or last
        data = count_series(conn, rule["filter"], rule["area_level"], rule["period_unit"],
                            max(first, period_start(start, rule["period_unit"])), last)
    n = len(data.starts)
    shown = min(SHOWN, max(0, n - base))
    rows = list(range(n - shown, n))
    out: dict[str, Any] = {"labels": [s.isoformat() for s in data.starts[-SHOWN:]]}
    column = data.area_ids.index(alert["area_id"])
    out["observed"] = [float(v) for v in data.counts[-SHOWN:, column]]
    expected: list[float | None] = [None] * len(out["labels"])
    upper: list[float | None] = [None] * len(out["labels"])
    if rows:
        result = alert_methods.evaluate(rule["method"], rule["parameters"],
                                        data.counts[:, [column]], rows, rule["period_unit"])
        offset = len(out["labels"]) - shown
        for i in range(shown):
            expected[offset + i] = _clean(result.expected[i, 0])
            upper[offset + i] = _clean(result.upper_bound[i, 0])
    out.update(expected=expected, upper=upper)
    return out


def _clean(value: float) -> float | None:
    return None if not np.isfinite(value) else round(float(value), 4)


def _tension_series(engine: sa.Engine, alert: dict[str, Any]) -> dict[str, Any]:
    # the alert was read within the viewer's scope, and the series is its own locality's
    points = [p for p in tension.index(engine, SYSTEM_VIEWER, alert["area"]["code"])
              if p.period <= alert["period_end"]][-SHOWN:]
    return {"labels": [p.period.isoformat() for p in points],
            "observed": [p.index for p in points],
            "expected": [p.baseline_mean for p in points],
            "upper": [p.upper_bound for p in points]}
