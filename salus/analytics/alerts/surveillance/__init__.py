"""Early-warning alerts on incident count series (issue 4, section 1).

Methods, each vectorised over areas (columns of a ``(periods, areas)`` count matrix) and each
returning a :class:`SurveillanceResult` whose :class:`AlertPoint` records say why a period fired:

* :func:`ears` — EARS C1, C2, C3 (Hutwagner et al. 2003; R ``surveillance::earsC``);
* :func:`farrington` — Farrington et al. (1996) (R ``surveillance::farrington``);
* :func:`farrington_flexible` — improved Farrington of Noufaily et al. (2013)
  (R ``surveillance::farringtonFlexible``), with the :data:`NOUFAILY_2013` settings;
* :func:`cusum` — Poisson / negative-binomial CUSUM of standardised counts (Rogerson & Yamada
  2004; R ``surveillance::cusum``).

Pure NumPy/SciPy plus a Numba kernel for the batched GLM fits; no storage or web imports.
See ``docs/surveillance.md`` for the methods, their parameters and where they differ from R.
"""

from salus.analytics.alerts.surveillance.cusum import cusum
from salus.analytics.alerts.surveillance.ears import ears
from salus.analytics.alerts.surveillance.farrington import (
    NOUFAILY_2013,
    FarringtonSettings,
    farrington,
    farrington_flexible,
    run_farrington,
)
from salus.analytics.alerts.surveillance.results import AlertPoint, SurveillanceResult

__all__ = [
    "NOUFAILY_2013",
    "AlertPoint",
    "FarringtonSettings",
    "SurveillanceResult",
    "cusum",
    "ears",
    "farrington",
    "farrington_flexible",
    "run_farrington",
]
