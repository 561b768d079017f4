"""The surveillance methods an alert rule may name, with their default history lengths.

A thin dispatcher over :mod:`salus.analytics.alerts.surveillance`:
``ears_c1``/``ears_c2``/``ears_c3``,
``farrington``, ``farrington_flexible`` (``parameters={"noufaily": true}`` applies
:data:`~salus.analytics.alerts.surveillance.NOUFAILY_2013`) and ``cusum``. ``parameters`` are passed
to the method as keyword arguments, except ``history`` (periods of history to load; default per
method below) and ``noufaily``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal, cast

import numpy as np
import numpy.typing as npt

from salus.usecases.alerts.series import FREQUENCY

if TYPE_CHECKING:
    from salus.analytics.alerts.surveillance import SurveillanceResult

METHODS = ("ears_c1", "ears_c2", "ears_c3", "farrington", "farrington_flexible", "cusum")
CONTROL_KEYS = ("history", "noufaily")
MIN_CUSUM_HISTORY = 8


def history_periods(method: str, parameters: dict[str, Any], unit: str,
                    lookback: int) -> tuple[int, int]:
    """Periods of counts to load (monitored ones included), and the fewest the method needs."""
    if "history" in parameters:
        n = int(parameters["history"]) + lookback
        return n, n
    if method.startswith("ears"):
        n = int(parameters.get("baseline", 7)) + 4 + lookback
        return n, n
    if method == "cusum":
        return max(FREQUENCY[unit], 12) + lookback, MIN_CUSUM_HISTORY + lookback
    years = int(parameters.get("b", 5)) + 1
    n = years * FREQUENCY[unit] + int(parameters.get("w", 3)) + lookback
    return n, n - FREQUENCY[unit]


def validate(method: str, unit: str) -> None:
    """Raise ``ValueError`` for an unknown method or a unit it cannot run on."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; known: {', '.join(METHODS)}")
    if method.startswith("farrington") and unit == "day":
        raise ValueError("Farrington methods need weekly or monthly periods")


def evaluate(method: str, parameters: dict[str, Any], counts: npt.NDArray[np.float64],
             monitored: list[int], unit: str) -> SurveillanceResult:
    """Run ``method`` on ``counts`` (periods × areas) for the ``monitored`` rows.

    The methods (and numba, which compiles them) are imported here, on the first evaluation,
    not by every process that imports the alert use cases.
    """
    from salus.analytics.alerts.surveillance import (
        NOUFAILY_2013,
        cusum,
        ears,
        farrington,
        farrington_flexible,
    )

    kwargs = {k: v for k, v in parameters.items() if k not in CONTROL_KEYS}
    rows = np.asarray(monitored, dtype=np.int64)
    if method.startswith("ears"):
        variant = cast(Literal["C1", "C2", "C3"], method[-2:].upper())
        return ears(counts, method=variant, monitored=rows, **kwargs)
    if method == "cusum":
        return cusum(counts, monitored=rows, frequency=FREQUENCY[unit], **kwargs)
    if "limit54" in kwargs:
        kwargs["limit54"] = tuple(kwargs["limit54"])
    if method == "farrington":
        return farrington(counts, frequency=FREQUENCY[unit], monitored=rows, **kwargs)
    if parameters.get("noufaily"):
        kwargs = {**NOUFAILY_2013, **kwargs}
    return farrington_flexible(counts, frequency=FREQUENCY[unit], monitored=rows, **kwargs)
