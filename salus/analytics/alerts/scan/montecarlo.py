"""Monte Carlo replicates under the null hypothesis and their p-values.

Replicates are drawn in batches from one :class:`numpy.random.Generator` seeded by the caller,
in the main thread, so the result depends on the seed only (never on the number of threads).

* Space-time permutation (Kulldorff et al. 2005): the times of the cases are shuffled, keeping
  every location's and every time unit's total fixed.
* Poisson (Kulldorff 1997): the observed total is spread over the cells of the study period in
  proportion to their expected counts (multinomial, conditional on the total).

p-values follow SaTScan: with ``R`` replicates, ``p = (1 + #{replicates whose largest llr is at
least the observed llr}) / (R + 1)``, so 999 replicates give p >= 0.001.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import numpy.typing as npt

from salus.analytics.alerts.scan.kernels import permuted_counts

FloatArray = npt.NDArray[np.float64]
Generator = Callable[[np.random.Generator, int], FloatArray]
BATCH_BYTES = 64 * 2**20


def batches(replicates: int, cells: int) -> Iterator[int]:
    """Batch sizes that keep one batch of replicate counts under ``BATCH_BYTES``."""
    size = int(max(1, min(256, BATCH_BYTES // max(1, cells * 8))))
    done = 0
    while done < replicates:
        step = min(size, replicates - done)
        yield step
        done += step


def permutation_generator(counts: FloatArray, offset: int) -> Generator:
    """Replicates of the scanned times ``counts[:, offset:]`` under the space-time permutation.

    Parameters
    ----------
    counts : ndarray, shape (locations, times)
        Observed cases of the whole study period (every case takes part in the shuffle).
    offset : int
        First scanned time unit.
    """
    table = np.rint(counts).astype(np.int64)
    case_locations = np.repeat(np.arange(table.shape[0]), table.sum(axis=1))
    per_time = table[:, offset:].sum(axis=0)
    slot_times = np.repeat(np.arange(per_time.shape[0]), per_time)
    n_locations, n_times = table.shape[0], per_time.shape[0]

    def draw(rng: np.random.Generator, size: int) -> FloatArray:
        uniforms = rng.random((size, slot_times.shape[0]))
        result: FloatArray = permuted_counts(case_locations, slot_times, uniforms,
                                             n_locations, n_times)
        return result

    return draw


def poisson_generator(expected: FloatArray, offset: int, total: int) -> Generator:
    """Replicates of the scanned times ``expected[:, offset:]`` under the Poisson null.

    ``total`` cases are spread over all cells with probabilities ``expected / expected.sum()``;
    only the scanned cells are kept: their total is binomial, their split multinomial.
    """
    scanned = expected[:, offset:]
    share = float(scanned.sum() / expected.sum())
    probabilities = (scanned / scanned.sum()).ravel()

    def draw(rng: np.random.Generator, size: int) -> FloatArray:
        inside = rng.binomial(total, min(share, 1.0), size=size)
        out = np.stack([rng.multinomial(n, probabilities) for n in inside])
        return out.reshape(size, *scanned.shape).astype(np.float64)

    return draw


def p_values(llr: FloatArray, maxima: FloatArray) -> FloatArray:
    """SaTScan's Monte Carlo p-values of observed ``llr`` against replicate maxima."""
    if maxima.size == 0:
        return np.full(llr.shape, np.nan)
    ordered = np.sort(maxima)
    exceed = ordered.size - np.searchsorted(ordered, llr, side="left")
    return np.asarray((1.0 + exceed) / (ordered.size + 1.0), dtype=np.float64)
