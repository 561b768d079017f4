"""Expected counts for the two scan models.

Space-time permutation (Kulldorff et al. 2005): with ``N`` cases, ``N_z`` of them at location
``z`` and ``N_t`` in time unit ``t``, the expected count of cell ``(z, t)`` is ``N_z N_t / N``;
no population is needed.

Poisson (Kulldorff 1997, 2001): expected counts proportional to person-time, indirectly
standardised over covariate categories (age group, sex...): ``mu[z, t] = sum_c r_c PT[z, c, t]``
with ``r_c = cases_c / sum PT[., c, .]``, so that the expected counts add up to the observed total.

Person-time follows SaTScan's convention: populations known at census dates are interpolated
linearly between them and held constant before the first and after the last, and a time unit's
person-time is the integral of that curve over the unit (in days).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def permutation_expected(counts: npt.ArrayLike) -> FloatArray:
    """Expected counts ``N_z N_t / N`` of the space-time permutation model.

    Parameters
    ----------
    counts : array_like, shape (locations, times)
        Cases per location and time unit.
    """
    table = np.asarray(counts, dtype=np.float64)
    total = table.sum()
    if total <= 0:
        return np.zeros_like(table)
    expected: FloatArray = np.outer(table.sum(axis=1), table.sum(axis=0)) / total
    return expected


def standardised_expected(person_time: npt.ArrayLike,
                          cases_by_category: npt.ArrayLike) -> FloatArray:
    """Indirectly standardised expected counts of the Poisson model.

    Parameters
    ----------
    person_time : array_like, shape (locations, categories, times)
        Person-time at risk per location, covariate category and time unit. With no covariates,
        pass shape (locations, 1, times).
    cases_by_category : array_like, shape (categories,)
        Observed cases per covariate category over the whole study period.

    Returns
    -------
    ndarray, shape (locations, times)
        Expected cases; they add up to the observed total.
    """
    pt = np.asarray(person_time, dtype=np.float64)
    cases = np.asarray(cases_by_category, dtype=np.float64)
    at_risk = pt.sum(axis=(0, 2))
    rate = np.divide(cases, at_risk, out=np.zeros_like(cases), where=at_risk > 0)
    expected: FloatArray = np.einsum("zct,c->zt", pt, rate)
    return expected


def person_time(census_days: npt.ArrayLike, populations: npt.ArrayLike,
                unit_edges: npt.ArrayLike) -> FloatArray:
    """Person-days per time unit from populations known at census dates.

    Parameters
    ----------
    census_days : array_like, shape (P,)
        Census dates as day numbers (e.g. ``date.toordinal()``), increasing.
    populations : array_like, shape (..., P)
        Population at each census date (leading axes: location, category...).
    unit_edges : array_like, shape (T + 1,)
        Day numbers bounding the time units: unit ``t`` is ``[edges[t], edges[t + 1])``.

    Returns
    -------
    ndarray, shape (..., T)
        Integral over each unit of the population curve, linear between census dates and flat
        outside them.
    """
    days = np.asarray(census_days, dtype=np.float64)
    pop = np.asarray(populations, dtype=np.float64)
    edges = np.asarray(unit_edges, dtype=np.float64)
    knots = np.unique(np.concatenate([days, edges]))
    knots = knots[(knots >= edges[0]) & (knots <= edges[-1])]
    flat = pop.reshape(-1, len(days))
    values = np.stack([np.interp(knots, days, row) for row in flat])
    pieces = 0.5 * (values[:, 1:] + values[:, :-1]) * np.diff(knots)
    cumulative = np.concatenate([np.zeros((len(flat), 1)), np.cumsum(pieces, axis=1)], axis=1)
    at_edges = cumulative[:, np.searchsorted(knots, edges)]
    return np.diff(at_edges, axis=1).reshape(*pop.shape[:-1], len(edges) - 1)
