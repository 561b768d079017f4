"""Where the Monte Carlo replicates are scanned: Numba on the CPU, or an optional GPU.

The CPU path (:func:`salus.analytics.alerts.scan.kernels.replicate_maxima`) prunes cylinders with an
exact bound and runs one replicate per thread. The GPU path evaluates every cylinder of a batch of
replicates as dense array operations written against the array namespace ``xp``: CuPy when a
CUDA device answers, and NumPy otherwise (which is how the test suite checks it, on small data).
Importing this module never needs a GPU: CuPy is looked up only when a GPU backend is requested.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

import numpy as np
import numpy.typing as npt

from salus.analytics.alerts.scan.kernels import replicate_maxima as cpu_replicate_maxima
from salus.analytics.alerts.scan.kernels import window_sums
from salus.analytics.alerts.scan.montecarlo import Generator, batches
from salus.analytics.alerts.scan.options import ScanOptions
from salus.analytics.alerts.scan.prepared import Prepared

FloatArray = npt.NDArray[np.float64]
DENSE_BYTES = 2**30  # working memory of one chunk of the dense (GPU) path


def gpu_module() -> ModuleType | None:
    """CuPy when it imports and sees at least one CUDA device, else None."""
    try:
        cupy = importlib.import_module("cupy")
        if int(cupy.cuda.runtime.getDeviceCount()) > 0:
            return cupy
    except Exception:  # noqa: BLE001 - no CuPy, no driver or no device: all mean "no GPU"
        return None
    return None


def _namespace(backend: str) -> ModuleType | None:
    """The array module for the GPU path, or None for the Numba CPU path."""
    if backend == "cpu":
        return None
    xp = gpu_module()
    if xp is None and backend == "gpu":
        raise RuntimeError("backend='gpu' was requested but no CUDA device is available")
    return xp


def dense_maxima(xp: Any, window_counts: Any, window_expected: Any, neighbours: Any,
                 sizes: Any, total: float, min_cases: float) -> Any:
    """Largest llr of each replicate, every cylinder evaluated (no pruning).

    Parameters
    ----------
    xp : module
        Array namespace (``numpy`` or ``cupy``).
    window_counts : array, shape (B, locations, windows)
        Replicate cases per location and temporal window.
    window_expected : array, shape (locations, windows)
        Expected cases per location and window.
    neighbours, sizes : arrays
        Circles as in :class:`~salus.analytics.alerts.scan.windows.SpatialWindows`.
    """
    reach = neighbours.shape[1]
    valid = xp.arange(reach)[None, :] < sizes[:, None]
    c = xp.cumsum(window_counts[:, neighbours, :], axis=2)
    m = xp.cumsum(window_expected[neighbours, :], axis=1)[None]
    keep = valid[None, :, :, None] & (c >= min_cases) & (c > m) & (m > 0)
    safe_c = xp.where(keep, c, 1.0)
    safe_m = xp.where(keep, m, 1.0)
    rest = total - safe_c
    outside = xp.where(rest > 0, rest * xp.log(xp.maximum(rest, 1e-300) / (total - safe_m)), 0.0)
    llr = xp.where(keep, safe_c * xp.log(safe_c / safe_m) + outside, 0.0)
    return llr.reshape(llr.shape[0], -1).max(axis=1)


def _dense_batch(xp: Any, data: Prepared, counts: FloatArray, min_cases: int) -> FloatArray:
    """Replicate maxima on the array namespace ``xp``, in chunks of about ``DENSE_BYTES``."""
    windows, circles = data.windows, data.circles
    sums = np.stack([window_sums(c, windows.starts, windows.stops) for c in counts])
    cylinders = circles.neighbours.size * len(windows.starts)
    step = max(1, DENSE_BYTES // (8 * 6 * cylinders))
    expected, neighbours, sizes = (xp.asarray(data.window_expected),
                                   xp.asarray(circles.neighbours), xp.asarray(circles.sizes))
    out = []
    for first in range(0, len(sums), step):
        maxima = dense_maxima(xp, xp.asarray(sums[first:first + step]), expected, neighbours,
                              sizes, data.total, float(min_cases))
        out.append(np.asarray(maxima.get() if hasattr(maxima, "get") else maxima,
                              dtype=np.float64))
    return np.concatenate(out)


def replicate_maxima(data: Prepared, draw: Generator, options: ScanOptions,
                     floor: float) -> FloatArray:
    """Largest llr of each of ``options.replicates`` replicates; values below ``floor`` -> 0."""
    rng = np.random.default_rng(options.seed)
    xp = _namespace(options.backend)
    circles, windows = data.circles, data.windows
    cells = data.counts.shape[0] * windows.n_times
    out = []
    for size in batches(options.replicates, cells):
        counts = np.ascontiguousarray(draw(rng, size))
        if xp is None:
            maxima = cpu_replicate_maxima(
                counts, windows.starts, windows.stops, data.kernel_expected,
                circles.neighbours, circles.sizes, data.total, float(options.min_cases), floor)
        else:
            maxima = _dense_batch(xp, data, counts, options.min_cases)
        out.append(np.where(maxima > floor, maxima, 0.0))
    return np.concatenate(out)

