"""The standard normal distribution's CDF Phi, vectorised through erfc (numpy has neither; GELU needs Phi).

erf(x) = 2/sqrt(pi) * integral_0^x e^(-s^2) ds, and the standard normal CDF is
Phi(x) = (1 + erf(x / sqrt 2)) / 2 = erfc(-x / sqrt 2) / 2.

How erfc is computed, for z >= 0: erfc(z) falls like e^(-z^2), so write

    erfc(z) = t * exp(-z^2 + g(t)),   t = 2 / (2 + z)  in (0, 1],

where g is a smooth, slowly varying function of t (it tends to a constant as
z -> infinity).  g is interpolated once, at Chebyshev points, from Python's
``math.erfc``; a degree-24 polynomial reproduces erfc to about 2e-15
absolutely (1e-13 relatively, for the tiny values far out).  For z < 0,
erfc(z) = 2 - erfc(-z).  The coefficients are computed on first use, so
``import tinynet`` does not pay for them.
"""

import functools
import math

import numpy as np

_DEGREE = 24
_LARGEST_Z = 26.0  # erfc(26) ~ 6e-296; beyond it the polynomial is extrapolated (values below 1e-295)
_SMALLEST_T = 2 / (2 + _LARGEST_Z)


@functools.cache
def _g_polynomial():
    """Power-series coefficients (highest first) of g in the variable u = t mapped from [t_min, 1] to [-1, 1]."""
    from numpy.polynomial import chebyshev

    count = _DEGREE + 1
    nodes = np.cos(np.pi * (np.arange(count) + 0.5) / count)  # Chebyshev points in [-1, 1]
    t = _SMALLEST_T + (nodes + 1) / 2 * (1 - _SMALLEST_T)
    z = 2 / t - 2
    g = [math.log(math.erfc(zi) / ti) + zi * zi for zi, ti in zip(z, t)]
    return chebyshev.cheb2poly(chebyshev.chebfit(nodes, g, _DEGREE))[::-1].copy()


def erfc_nonnegative(z):
    """erfc(z) for an array z >= 0 (float32 or float64, computed in z's dtype)."""
    t = 2 / (2 + z)
    u = t * (2 / (1 - _SMALLEST_T)) - (2 * _SMALLEST_T / (1 - _SMALLEST_T) + 1)
    coefficients = _g_polynomial().astype(z.dtype)
    g = np.full_like(u, coefficients[0])
    for c in coefficients[1:]:  # Horner's rule, in place
        g *= u
        g += c
    g -= z * z
    return t * np.exp(g)


def normal_cdf(x):
    """Phi(x) = P(N(0, 1) <= x) = erfc(-x / sqrt 2) / 2, accurate in both tails."""
    half_erfc = erfc_nonnegative(np.abs(x) * x.dtype.type(1 / math.sqrt(2))) / 2
    return np.where(x < 0, half_erfc, 1 - half_erfc)
