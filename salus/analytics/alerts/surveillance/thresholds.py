"""Upper bounds of Farrington's method: delta method on a power scale, or count quantiles.

``delta`` (Farrington et al. 1996, section 3.4): with ``mu0`` the predicted mean, ``se`` its
standard error and ``phi`` the dispersion, ``tau = phi + se^2 / mu0`` and on the power scale
``y^e`` (``e`` = 2/3 removes most of the skewness of a Poisson count, 1/2 stabilises its variance,
1 is no transformation)

    Var(y^e) ~ e^2 mu0^(2e - 1) tau,     U = (mu0^e + z sqrt(Var(y^e)))^(1/e).

``nbPlugin`` and ``muan`` (Noufaily et al. 2013): ``U`` is the ``1 - alpha`` quantile of a
negative binomial with mean ``m`` and variance ``phi m`` (Poisson when ``phi <= 1``), where ``m``
is the predicted mean (``nbPlugin``) or the upper ``1 - alpha`` confidence limit of the mean on
the log scale (``muan``).

References
----------
Farrington, C. P., Andrews, N. J., Beale, A. D., Catchpole, M. A. (1996). *JRSS A* 159(3), 547-563.
Noufaily, A. et al. (2013). *Statistics in Medicine* 32(7), 1206-1222.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
PowerTransform = Literal["2/3", "1/2", "none"]
_EXPONENT = {"2/3": 2.0 / 3.0, "1/2": 0.5, "none": 1.0}


def delta_upper_bound(
    mu0: FloatArray, se_mu0: FloatArray, phi: FloatArray, z: float, power_transform: PowerTransform
) -> FloatArray:
    """Farrington's upper bound ``(mu0^e + z sd(y^e))^(1/e)`` (see module notes).

    Parameters
    ----------
    mu0, se_mu0 : ndarray
        Predicted mean and its standard error on the count scale.
    phi : ndarray
        Dispersion (at least 1).
    z : float
        Normal quantile: ``Phi^{-1}(1 - alpha)`` (one-sided) or ``Phi^{-1}(1 - alpha/2)``.
    power_transform : {"2/3", "1/2", "none"}
        Scale on which the normal approximation is made.
    """
    if power_transform not in _EXPONENT:
        raise ValueError(f"power_transform must be '2/3', '1/2' or 'none', got {power_transform!r}")
    exponent = _EXPONENT[power_transform]
    tau = phi + se_mu0**2 / mu0
    sd = np.sqrt(exponent**2 * mu0 ** (2.0 * exponent - 1.0) * tau)
    return np.asarray((mu0**exponent + z * sd) ** (1.0 / exponent), dtype=np.float64)


def quantile_upper_bound(mean: FloatArray, phi: FloatArray, alpha: float) -> FloatArray:
    """``1 - alpha`` quantile of NB(mean, variance ``phi * mean``), Poisson when ``phi <= 1``.

    As R's ``qnbinom(1 - alpha, size = mean / (phi - 1), prob = 1 / phi)``; NaN for an
    infinite mean.
    """
    from scipy.stats import nbinom, poisson

    finite = np.isfinite(mean)
    safe_mean = np.where(finite, mean, 1.0)
    overdispersed = phi > 1.0
    safe_phi = np.where(overdispersed, phi, 2.0)
    negbin = nbinom.ppf(1.0 - alpha, safe_mean / (safe_phi - 1.0), 1.0 / safe_phi)
    bound = np.where(overdispersed, negbin, poisson.ppf(1.0 - alpha, safe_mean))
    return np.where(finite, bound, np.nan).astype(np.float64)
