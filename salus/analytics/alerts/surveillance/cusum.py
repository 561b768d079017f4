"""CUSUM on standardised Poisson or negative-binomial counts, as in R's ``surveillance::cusum``.

Rogerson & Yamada (2004) monitor small regional counts with a cumulative sum of standardised
counts ``z_t = (y_t - m_t) / sqrt(m_t)`` against an in-control mean ``m_t``:

    S_0 = 0,    S_t = max(0, S_{t-1} + z_t - k),    alarm when S_t >= h.

Transformations (``transform``), following ``surveillance::algo.cusum``:

* ``"standard"``: ``(y - m) / sqrt(m)`` (Poisson Pearson residual; Rogerson & Yamada 2004);
* ``"pearson_negbin"``: ``(y - m) / sqrt(m + dispersion * m^2)``, the negative-binomial analogue
  (R's ``"pearsonNegBin"`` with ``alpha = dispersion``; variance ``m + dispersion m^2``);
* ``"rossi"``: ``(y - 3m + 2 sqrt(y m)) / (2 sqrt(m))`` (Rossi et al. 1999);
* ``"anscombe"``: ``3/2 (y^{2/3} - m^{2/3}) / m^{1/6}``;
* ``"anscombe2nd"``: ``(y^{2/3} - (m^{2/3} - m^{-1/3} / 9)) / (2/3 m^{1/6})``.

``upper_bound`` is the smallest count (``"standard"``: rounded up, as in R) that would make the
sum reach ``h`` at ``t`` given ``S_{t-1}``, so ``alarm`` coincides with ``observed >=
upper_bound`` up to R's rounding; it is floored at 0.

The in-control mean ``m``: by default the mean of every count before the first monitored period
(R's default); an array; or ``"glm"``, a Poisson GLM ``log m_t = a + b cos(2 pi t / freq) +
c sin(2 pi t / freq)`` fitted on the same history, with ``t`` counted from ``start_period`` (R:
``t = start[2] + index - 1``).

This is **not** the likelihood-ratio Poisson CUSUM of Lucas (1985) (``surveillance::algo.rogerson``
with time-varying ``k`` and ``h``); that variant is not implemented.

References
----------
Rogerson, P. A., Yamada, I. (2004). Approaches to syndromic surveillance when data consist of
small regional counts. *Morbidity and Mortality Weekly Report* 53(Suppl), 79-85.
Rossi, G., Lampugnani, L., Marchi, M. (1999). An approximate CUSUM procedure for surveillance of
health events. *Statistics in Medicine* 18(16), 2111-2122.
Höhle, M. (2007). surveillance: An R package for the monitoring of infectious diseases.
*Computational Statistics* 22(4), 571-582.
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from salus.analytics.alerts.surveillance._series import FloatArray, count_matrix, monitored_rows
from salus.analytics.alerts.surveillance.poisson_glm import fit_poisson_glm, inverse_link
from salus.analytics.alerts.surveillance.results import SurveillanceResult

Transform = Literal["standard", "pearson_negbin", "rossi", "anscombe", "anscombe2nd"]


def standardise(
    y: FloatArray, m: FloatArray, transform: Transform, dispersion: float
) -> FloatArray:
    """Standardised counts ``z_t`` of ``y`` given in-control means ``m`` (see module notes)."""
    return np.asarray(_standardise(y, m, transform, dispersion), dtype=np.float64)


def _standardise(y: FloatArray, m: FloatArray, transform: Transform, dispersion: float) -> Any:
    if transform == "standard":
        return (y - m) / np.sqrt(m)
    if transform == "pearson_negbin":
        return (y - m) / np.sqrt(m + dispersion * m**2)
    if transform == "rossi":
        return (y - 3 * m + 2 * np.sqrt(y * m)) / (2 * np.sqrt(m))
    if transform == "anscombe":
        return 1.5 * (y ** (2 / 3) - m ** (2 / 3)) / m ** (1 / 6)
    if transform == "anscombe2nd":
        return (y ** (2 / 3) - (m ** (2 / 3) - m ** (-1 / 3) / 9)) / (2 / 3 * m ** (1 / 6))
    raise ValueError(f"unknown transform {transform!r}")


def _upper_bound(
    m: FloatArray, previous: FloatArray, h: float, k: float, transform: Transform, dispersion: float
) -> FloatArray:
    """Count that brings the sum to ``h`` given the previous sum (R's ``upperbound``)."""
    room = h + k - previous
    with np.errstate(invalid="ignore"):
        if transform == "standard":
            bound = np.ceil(np.sqrt(m) * room + m)
        elif transform == "pearson_negbin":
            bound = np.sqrt(m + dispersion * m**2) * room + m
        elif transform == "rossi":
            bound = 2 * np.sqrt(m) * room + 5 * m - 2 * np.sqrt(4 * m**2 + 2 * m**1.5 * room)
        else:
            shift = m ** (2 / 3) - (m ** (1 / 3) / 9 if transform == "anscombe2nd" else 0.0)
            inner = 2 / 3 * m ** (1 / 6) * room + shift
            bound = np.where(inner < 0, 0.0, np.abs(inner) ** 1.5)
    return np.where(np.isnan(bound) | (bound < 0), 0.0, bound)


def _in_control_mean(
    matrix: FloatArray,
    rows: npt.NDArray[np.int64],
    expected: npt.ArrayLike | Literal["glm"] | None,
    frequency: int,
    start_period: int,
) -> FloatArray:
    history = matrix[: rows[0]]
    if expected is None:
        return np.broadcast_to(history.mean(axis=0), (len(rows), matrix.shape[1])).copy()
    if isinstance(expected, str):
        if expected != "glm":
            raise ValueError(f"expected must be None, an array or 'glm', got {expected!r}")
        angle = 2 * np.pi / frequency * (start_period + np.arange(matrix.shape[0]))
        design = np.column_stack([np.ones_like(angle), np.cos(angle), np.sin(angle)])
        fit = fit_poisson_glm(design[: rows[0]], history)
        return inverse_link(design[rows] @ fit.coefficients)
    values = np.asarray(expected, dtype=np.float64)
    values = values[:, None] if values.ndim == 1 and len(values) == len(rows) else values
    return np.broadcast_to(values, (len(rows), matrix.shape[1])).astype(np.float64)


def cusum(
    counts: npt.ArrayLike,
    *,
    k: float = 1.04,
    h: float = 2.26,
    transform: Transform = "standard",
    dispersion: float = 0.1,
    expected: npt.ArrayLike | Literal["glm"] | None = None,
    monitored: npt.ArrayLike | None = None,
    frequency: int = 52,
    start_period: int = 1,
) -> SurveillanceResult:
    """Poisson or negative-binomial CUSUM of standardised counts (Rogerson & Yamada 2004).

    Parameters
    ----------
    counts : array_like, shape (T,) or (T, areas)
        Non-negative counts, oldest first.
    k : float, default 1.04
        Reference value (allowance) subtracted from each standardised count.
    h : float, default 2.26
        Decision interval: alarm when the sum reaches ``h``. Defaults are R's.
    transform : {"standard", "pearson_negbin", "rossi", "anscombe", "anscombe2nd"}
        Standardisation; ``"standard"`` is the Poisson CUSUM, ``"pearson_negbin"`` the
        negative-binomial one.
    dispersion : float, default 0.1
        Negative-binomial overdispersion ``alpha`` in ``Var = m + alpha m^2``.
    expected : None, array_like or "glm"
        In-control means ``m_t``: history mean (default), given values (scalar, one per
        monitored period, or a ``(monitored, areas)`` matrix), or a seasonal Poisson GLM.
    monitored : array_like of int, optional
        0-based rows to monitor; the sum starts at 0 before the first. Default: the second
        half of the series.
    frequency, start_period : int
        Periods per year and the season index of row 0, for ``expected="glm"`` only.

    Returns
    -------
    SurveillanceResult
        ``score`` = the cumulative sum ``S_t``; ``expected`` = ``m_t``; ``details["z"]`` = the
        standardised count.
    """
    matrix = count_matrix(counts)
    rows = monitored_rows(monitored, matrix.shape[0], 1, max(1, matrix.shape[0] // 2))
    if not np.all(np.diff(rows) == 1):
        raise ValueError("CUSUM needs consecutive monitored rows")
    m = _in_control_mean(matrix, rows, expected, frequency, start_period)
    z = standardise(matrix[rows], m, transform, dispersion)
    sums = np.zeros((len(rows) + 1, matrix.shape[1]))
    for i in range(len(rows)):
        sums[i + 1] = np.maximum(0.0, sums[i] + (z[i] - k))
    upper = _upper_bound(m, sums[:-1], h, k, transform, dispersion)
    parameters = {
        "k": k,
        "h": h,
        "transform": transform,
        "dispersion": dispersion,
        "expected": "glm"
        if isinstance(expected, str)
        else "history mean"
        if expected is None
        else "given",
    }
    return SurveillanceResult(
        method=f"cusum_{transform}",
        parameters=parameters,
        time_index=rows,
        observed=matrix[rows],
        expected=m,
        upper_bound=upper,
        score=sums[1:],
        alarm=sums[1:] >= h,
        details={"z": z},
    )
