"""Numba kernels of the cylinder scan: the inner loops, nothing else.

Layout shared by every kernel
-----------------------------
``window_counts[z, w]`` and ``window_expected[z, w]`` hold, for location ``z``, the cases and the
expected cases inside temporal window ``w``. ``neighbours[i, :sizes[i]]`` lists the locations of
the circles centred on centre ``i``, nearest first: the cylinder ``(i, k, w)`` is the union of the
first ``k + 1`` of them over window ``w``. ``total`` is the number of cases in the whole study
period and ``min_cases`` the fewest cases a reported cylinder may hold.

Pruning (exact, never changes a result)
---------------------------------------
The Poisson log-likelihood ratio of a cylinder with ``c`` cases and ``m`` expected (Kulldorff
1997, 2001, 2005) is::

    llr = c log(c / m) + (N - c) log((N - c) / (N - m))        if c > m, else 0.

Since ``log x <= x - 1``, ``llr <= (c - m)^2 N / (m (N - m))``: a vectorised test of that bound
(multiplications only) against the best value so far discards almost every cylinder. Survivors
face the tighter ``llr <= (c - m) (sqrt(c / m) - (N - c) / (N - m))`` (from
``log x <= (x - 1) / sqrt(x)`` for ``x >= 1``) before the two logarithms of the exact value.
A location with no case in any window cannot raise any cylinder it joins (same ``c``, larger
``m``), so the cylinders it closes are not evaluated.

Case counts are held in float32 (exact below 2**24 cases, which the callers enforce). On the
factorised path the bound is tested in float32 against 99.9 % of the best llr: float32 rounding
moves its two sides by less than ``sqrt(m) * 1e-6`` relatively, so no cylinder that could beat the
best is ever discarded while a cylinder's expected count stays below about 10**5.
"""

from __future__ import annotations

from typing import Any

import numba as nb
import numpy as np
import numpy.typing as npt

Array = npt.NDArray[Any]
Real = float | np.floating[Any]
SLACK = 0.999  # the vectorised bound test compares with 99.9 % of the best llr so far
Expected = tuple[Array, Array, Array]


@nb.njit(cache=True, inline="always")
def _llr(cases: float, expected: float, total: float) -> float:
    """Poisson/multinomial log-likelihood ratio of one cylinder (0 unless cases > expected)."""
    if cases <= expected or expected <= 0.0:
        return 0.0
    inside = cases * float(np.log(cases / expected))
    rest = total - cases
    if rest <= 0.0:
        return inside
    return inside + rest * float(np.log(rest / (total - expected)))


@nb.njit(cache=True)
def _has_case(window_counts: Array) -> Array:
    """True for the locations with at least one case in some window."""
    found: Array = (window_counts > 0.0).sum(axis=1) > 0
    return found


@nb.njit(cache=True, fastmath=True, inline="always")
def _accumulate(acc: Array, table: Array, z: int) -> None:
    """Add row ``z`` of ``table`` to the running cylinder sums (indexing, no row views)."""
    for w in range(acc.shape[0]):
        acc[w] += table[z, w]


@nb.njit(cache=True, fastmath=True, inline="always")
def _may_exceed(acc_c: Array, scale: Real, base: Array, total: Real, min_cases: Real,
                threshold: Real) -> bool:
    """True if some window may have an llr above ``threshold``; expected ``m = scale * base[w]``.

    Tests ``(c - m)^2 N > threshold m (N - m)`` with ``c >= min_cases`` and ``c > m``, in the
    precision of the arguments: float32 on the factorised path (twice the vector width), where
    callers lower the best llr by 0.1 % (:data:`SLACK`), far more than float32 rounding can
    move the two sides. A plain loop and a count, so that LLVM vectorises it.
    """
    hits = 0
    for w in range(acc_c.shape[0]):
        c = acc_c[w]
        m = scale * base[w]
        d = c - m
        hits += (d * d * total > threshold * m * (total - m)) & (c >= min_cases) & (c > m)
    return hits > 0


@nb.njit(cache=True, fastmath=True)
def _bound(c: float, m: float, total: float) -> float:
    """Upper bound of the llr of ``c`` cases against ``m`` expected, for ``c > m > 0``."""
    return (c - m) * (float(np.sqrt(c / m)) - (total - c) / (total - m))


@nb.njit(cache=True)
def _best_window(acc_c: Array, scale: float, base: Array, total: float, min_cases: float,
                 best: float) -> tuple[float, int]:
    """Exact llr of the windows that pass both bounds: (best llr, its window or -1)."""
    best_w = -1
    for w in range(acc_c.shape[0]):
        c = float(acc_c[w])
        m = scale * base[w]
        if c < min_cases or c <= m or m <= 0.0 or _bound(c, m, total) <= best:
            continue
        value = _llr(c, m, total)
        if value > best:
            best, best_w = value, w
    return best, best_w


@nb.njit(cache=True, inline="always")
def _scan_centre(i: int, window_counts: Array, has_case: Array, expected: Expected,
                 weight32: Array, neighbours: Array, sizes: Array, total: float,
                 min_cases: float, floor: float, acc_c: Array,
                 acc_m: Array) -> tuple[float, int, int]:
    """Best cylinder centred on ``i`` whose llr exceeds ``floor``: (llr, k, w), k = -1 if none.

    ``expected`` is ``(window_expected, location_weight, window_weight)``; when
    ``location_weight`` is not empty the expected counts factor as
    ``location_weight[z] * window_weight[w]`` (space-time permutation) and are not summed.
    ``window_counts`` and ``acc_c`` are float32 (whole numbers: exact below 2**24), and so is
    ``weight32``, a copy of ``window_weight``.
    """
    if expected[1].shape[0] > 0:
        return _scan_factorised(i, window_counts, has_case, expected[1], expected[2], weight32,
                                neighbours, sizes, total, min_cases, floor, acc_c)
    window_expected = expected[0]
    acc_c[:] = 0.0
    acc_m[:] = 0.0
    best, best_k, best_w = floor, -1, -1
    for k in range(sizes[i]):
        z = neighbours[i, k]
        _accumulate(acc_m, window_expected, z)
        if not has_case[z]:  # adds no case: every cylinder it closes is dominated
            continue
        _accumulate(acc_c, window_counts, z)
        if not _may_exceed(acc_c, 1.0, acc_m, total, min_cases, best * SLACK):
            continue
        value, w = _best_window(acc_c, 1.0, acc_m, total, min_cases, best)
        if w >= 0:
            best, best_k, best_w = value, k, w
    return best, best_k, best_w


@nb.njit(cache=True, inline="always")
def _scan_factorised(i: int, window_counts: Array, has_case: Array, location_weight: Array,
                     window_weight: Array, weight32: Array, neighbours: Array, sizes: Array,
                     total: float, min_cases: float, floor: float,
                     acc_c: Array) -> tuple[float, int, int]:
    """:func:`_scan_centre` when ``m = location_weight[z] * window_weight[w]``.

    The bound is tested in float32; survivors are evaluated in float64.
    """
    total32 = np.float32(total)
    minimum32 = np.float32(min_cases)
    acc_c[:] = 0.0
    share = 0.0
    best, best_k, best_w = floor, -1, -1
    for k in range(sizes[i]):
        z = neighbours[i, k]
        share += location_weight[z]
        if not has_case[z]:
            continue
        _accumulate(acc_c, window_counts, z)
        if not _may_exceed(acc_c, np.float32(share), weight32, total32, minimum32,
                           np.float32(best * SLACK)):
            continue
        value, w = _best_window(acc_c, share, window_weight, total, min_cases, best)
        if w >= 0:
            best, best_k, best_w = value, k, w
    return best, best_k, best_w


@nb.njit(cache=True, parallel=True)
def best_per_centre(window_counts: Array, expected: Expected, neighbours: Array,
                    sizes: Array, total: float, min_cases: float) -> tuple[Array, Array, Array]:
    """For every centre, the most likely cylinder: arrays (llr, k, w); k = -1 where none."""
    n_centres = neighbours.shape[0]
    n_windows = window_counts.shape[1]
    has_case = _has_case(window_counts)
    counts32 = window_counts.astype(np.float32)
    weight32 = expected[2].astype(np.float32)
    llr = np.zeros(n_centres)
    best_k = np.full(n_centres, -1, dtype=np.int64)
    best_w = np.full(n_centres, -1, dtype=np.int64)
    for i in nb.prange(n_centres):
        acc_c = np.empty(n_windows, dtype=np.float32)
        acc_m = np.empty(n_windows)
        value, k, w = _scan_centre(i, counts32, has_case, expected, weight32, neighbours, sizes,
                                   total, min_cases, 0.0, acc_c, acc_m)
        llr[i] = value
        best_k[i] = k
        best_w[i] = w
    return llr, best_k, best_w


@nb.njit(cache=True)
def _window_sums(counts: Array, starts: Array, stops: Array, out: Array) -> None:
    """out[z, w] = counts[z, starts[w]:stops[w]].sum(), through prefix sums."""
    n_loc, n_time = counts.shape
    prefix = np.zeros(n_time + 1)
    for z in range(n_loc):
        for t in range(n_time):
            prefix[t + 1] = prefix[t] + counts[z, t]
        for w in range(starts.shape[0]):
            out[z, w] = prefix[stops[w]] - prefix[starts[w]]


@nb.njit(cache=True)
def window_sums(counts: Array, starts: Array, stops: Array) -> Array:
    """Cases (or expected cases) of every location in every temporal window."""
    out = np.empty((counts.shape[0], starts.shape[0]))
    _window_sums(counts, starts, stops, out)
    return out


@nb.njit(cache=True, parallel=True)
def replicate_maxima(replicate_counts: Array, starts: Array, stops: Array,
                     expected: Expected, neighbours: Array, sizes: Array, total: float,
                     min_cases: float, floor: float) -> Array:
    """Largest llr over all cylinders of each replicate ``replicate_counts[b]`` (B x Z x T).

    Values that stay below ``floor`` are returned as ``floor``: only exceedances of the
    smallest reported llr matter for the Monte Carlo p-values.
    """
    n_rep = replicate_counts.shape[0]
    n_loc = replicate_counts.shape[1]
    n_windows = starts.shape[0]
    maxima = np.empty(n_rep)
    weight32 = expected[2].astype(np.float32)
    for b in nb.prange(n_rep):
        counts = np.empty((n_loc, n_windows), dtype=np.float32)
        _window_sums(replicate_counts[b], starts, stops, counts)
        has_case = _has_case(counts)
        acc_c = np.empty(n_windows, dtype=np.float32)
        acc_m = np.empty(n_windows)
        best = floor
        for i in range(neighbours.shape[0]):
            value, _, _ = _scan_centre(i, counts, has_case, expected, weight32, neighbours, sizes,
                                       total, min_cases, best, acc_c, acc_m)
            best = max(best, value)
        maxima[b] = best
    return maxima


@nb.njit(cache=True, parallel=True)
def permuted_counts(case_locations: Array, slot_times: Array, uniforms: Array,
                    n_locations: int, n_times: int) -> Array:
    """Space-time permutation replicates (Kulldorff et al. 2005), restricted to the scanned times.

    Shuffling the times of all ``N`` cases and keeping the ``n`` that land on scanned times is the
    same as drawing ``n`` case locations without replacement (a partial Fisher-Yates shuffle
    driven by ``uniforms[b]``) and giving them the scanned times ``slot_times`` in order.
    Returns counts of shape (B, n_locations, n_times).
    """
    n_rep = uniforms.shape[0]
    n_cases = case_locations.shape[0]
    n_slots = slot_times.shape[0]
    out = np.zeros((n_rep, n_locations, n_times), dtype=np.float64)
    for b in nb.prange(n_rep):
        pool = case_locations.copy()
        for j in range(n_slots):
            r = j + int(uniforms[b, j] * (n_cases - j))
            r = min(r, n_cases - 1)
            pool[j], pool[r] = pool[r], pool[j]
            out[b, pool[j], slot_times[j]] += 1.0
    return out
