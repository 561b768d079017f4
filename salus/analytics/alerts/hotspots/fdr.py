"""False discovery rate control over the many tests of a hot-spot map.

Benjamini, Y., Hochberg, Y. (1995). Controlling the false discovery rate: a practical and
powerful approach to multiple testing. *Journal of the Royal Statistical Society B* 57(1),
289-300. With ``m`` p-values sorted ``p_(1) <= ... <= p_(m)``, reject the ``k`` smallest where
``k`` is the largest rank with ``p_(k) <= k alpha / m``; the adjusted values ("q-values",
``p.adjust(method = "BH")`` in R) are ``min_{j >= i} m p_(j) / j`` capped at 1.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def false_discovery_rate(p_values: npt.ArrayLike, alpha: float = 0.05
                         ) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.float64]]:
    """Benjamini-Hochberg step-up procedure.

    Parameters
    ----------
    p_values : array_like
        One p-value per area (NaN allowed: never rejected, q-value NaN).
    alpha : float, default 0.05
        False discovery rate to control.

    Returns
    -------
    rejected : ndarray of bool
        Areas declared significant.
    q_values : ndarray of float
        BH-adjusted p-values; ``rejected == (q_values <= alpha)``.
    """
    p = np.asarray(p_values, dtype=np.float64)
    q = np.full(p.shape, np.nan)
    valid = np.flatnonzero(~np.isnan(p))
    m = valid.size
    if m:
        order = valid[np.argsort(p[valid], kind="stable")]
        scaled = p[order] * m / np.arange(1, m + 1)
        q[order] = np.minimum(np.minimum.accumulate(scaled[::-1])[::-1], 1.0)
    rejected = np.zeros(p.shape, dtype=bool)
    rejected[valid] = q[valid] <= alpha
    return rejected, q
