"""Special functions, elementwise, each with its derivative (PyTorch's torch.* and torch.special names):

    erfc x   = 1 - erf x                    d/dx = -2 / sqrt(pi) e^(-x^2)
    erfinv x = the y with erf y = x         d/dx = sqrt(pi) / 2 e^(y^2)
    lgamma x = log |Gamma(x)|               d/dx = digamma x
    digamma x = d/dx lgamma x               d/dx = trigamma x = sum over k >= 0 of 1 / (x + k)^2
    sinc x   = sin(pi x) / (pi x), 1 at 0   d/dx = (cos(pi x) - sinc x) / x, 0 at 0

``logcumsumexp`` (a running log-add-exp, its derivative in LogCumSumExp), and compositions of tinynet's ops
(autograd differentiates them): ``logit``, ``xlogy``, ``logaddexp``, ``deg2rad``, ``rad2deg``.

digamma and trigamma are computed as mathematics tables do: for x < 6 the recurrences digamma(x) = digamma(x + 1)
- 1/x and trigamma(x) = trigamma(x + 1) + 1/x^2 move x up to 10 or more, where the asymptotic series (in 1/x^2,
with Bernoulli-number coefficients) are accurate to about 1e-15; for x < 0 the reflection formulas
digamma(1 - x) - digamma(x) = pi / tan(pi x) and trigamma(1 - x) + trigamma(x) = pi^2 / sin^2(pi x) bring x > 0.
"""

import math

import numpy as np

from tinynet import checks
from tinynet.ops import elementwise
from tinynet.autograd.function import Function
from tinynet.ops.elementwise_math import log1p
from tinynet.ops.elementwise import clamp
from tinynet.ops.operands import as_tensor, float_input
from tinynet.tensor import Tensor
from tinynet.ops.special import erfc_nonnegative
from tinynet.ops.trig_hyperbolic import _TWO_OVER_SQRT_PI, _elementwise, _erf

__all__ = ["erfc", "erfinv", "lgamma", "digamma", "sinc", "logit", "xlogy", "logaddexp", "logcumsumexp", "deg2rad",
           "rad2deg"]


def _erfc(x):
    """erfc x, accurate in the far right tail (where 1 - erf x would be 0)."""
    tail = erfc_nonnegative(np.abs(x))
    return np.where(x >= 0, tail, 2 - tail)


def _erfinv(x):
    """The inverse of erf on (-1, 1): a rational first guess, then Newton's steps y -= (erf y - x) / erf'(y)."""
    dtype = np.asarray(x).dtype
    x = np.asarray(x, dtype=np.float64)  # (near |x| = 1 float32 cannot resolve erf's last steps)
    # first guess: erf^-1(x) ~ sign(x) sqrt(sqrt(b^2 - log(1 - x^2)/a) - b), b = 2 / (pi a) + log(1 - x^2) / 2
    a = 0.147
    log_term = np.log1p(-x * x)
    b = 2 / (math.pi * a) + log_term / 2
    y = np.sign(x) * np.sqrt(np.sqrt(b * b - log_term / a) - b)
    for _ in range(3):
        step = (_erf(y) - x) / (_TWO_OVER_SQRT_PI * np.exp(-y * y))
        y = np.where(np.isfinite(step), y - step, y)
    y = np.where(np.abs(x) == 1, np.sign(x) * np.inf, y)
    return np.where(np.abs(x) > 1, np.nan, y).astype(dtype)


def _lgamma(x):
    pole = _is_pole(x)
    values = np.vectorize(math.lgamma, otypes=[np.float64])(np.where(pole, 1.0, x))
    return np.where(pole, np.inf, values).astype(x.dtype)


def _is_pole(x):
    """0, -1, -2, ...: where Gamma has poles (lgamma is +inf, digamma undefined)."""
    return (x <= 0) & (x == np.floor(x))


# Bernoulli-number coefficients of the asymptotic series in 1/x^2
_DIGAMMA_SERIES = (1 / 12, -1 / 120, 1 / 252, -1 / 240, 1 / 132, -691 / 32760, 1 / 12)
_TRIGAMMA_SERIES = (1 / 6, -1 / 30, 1 / 42, -1 / 30, 5 / 66, -691 / 2730, 7 / 6)


def _digamma(x):
    x = np.asarray(x, dtype=np.float64)
    reflected = x < 0
    z = np.where(reflected, 1 - x, x)
    shift = np.zeros_like(z)
    while np.any(small := z < 10):
        shift -= np.where(small, 1 / np.where(small, z, 1), 0)
        z = np.where(small, z + 1, z)
    inverse_square = 1 / (z * z)
    series = sum(c * inverse_square ** (k + 1) for k, c in enumerate(_DIGAMMA_SERIES))
    value = np.log(z) - 0.5 / z - series + shift
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(reflected, value - math.pi / np.tan(math.pi * x), value)
    return np.where(x == 0, -np.inf, np.where(_is_pole(x), np.nan, value))  # (PyTorch: -inf at 0, NaN below)


def _trigamma(x):
    x = np.asarray(x, dtype=np.float64)
    reflected = x < 0
    z = np.where(reflected, 1 - x, x)
    shift = np.zeros_like(z)
    while np.any(small := z < 10):
        shift += np.where(small, 1 / np.where(small, z * z, 1), 0)
        z = np.where(small, z + 1, z)
    inverse = 1 / z
    series = sum(c * inverse ** (2 * k + 3) for k, c in enumerate(_TRIGAMMA_SERIES))
    value = inverse + 0.5 * inverse * inverse + series + shift
    with np.errstate(divide="ignore", invalid="ignore"):
        value = np.where(reflected, math.pi ** 2 / np.sin(math.pi * x) ** 2 - value, value)
    return np.where(_is_pole(x), np.nan, value)


def _sinc_derivative(x, y):
    safe = np.where(x == 0, 1, x)
    return np.where(x == 0, 0, (np.cos(math.pi * x) - y) / safe)


Erfc, erfc = _elementwise("erfc", _erfc, lambda x, y: -_TWO_OVER_SQRT_PI * np.exp(-x * x))
Erfinv, erfinv = _elementwise("erfinv", _erfinv, lambda x, y: math.sqrt(math.pi) / 2 * np.exp(y * y))
Lgamma, lgamma = _elementwise("lgamma", _lgamma, lambda x, y: _digamma(x).astype(x.dtype))
Digamma, digamma = _elementwise("digamma", lambda x: _digamma(x).astype(x.dtype),
                                lambda x, y: _trigamma(x).astype(x.dtype))
Sinc, sinc = _elementwise("sinc", np.sinc, _sinc_derivative)


def logit(input, eps=None):
    """log(p / (1 - p)), the inverse of sigmoid; with ``eps``, p is first clamped to [eps, 1 - eps]."""
    p = float_input(input)
    if eps is not None:
        p = clamp(p, eps, 1 - eps)
    return elementwise.sub(elementwise.log(p), log1p(elementwise.neg(p)))


def xlogy(input, other):
    """input * log(other), and 0 wherever input is 0 (so 0 * log 0 = 0, as entropy formulas need)."""
    x = as_tensor(input)
    x_is_zero = Tensor._from_array(x._array == 0, False)
    safe_y = elementwise.where(x_is_zero, 1.0, float_input(other))  # (log 1 = 0: no inf * 0 in the gradient)
    return elementwise.where(x_is_zero, 0.0, elementwise.mul(x, elementwise.log(safe_y)))


def logaddexp(input, other):
    """log(e^a + e^b) without overflow: max(a, b) + log1p(e^-|a - b|)."""
    a, b = float_input(input), float_input(other)
    return elementwise.add(elementwise.maximum(a, b),
                           log1p(elementwise.exp(elementwise.neg(elementwise.abs(elementwise.sub(a, b))))))


class LogCumSumExp(Function):
    """out_j = log(e^x_0 + ... + e^x_j) along an axis, as a running log-add-exp (no e^x is ever formed).

    dL/dx_i = sum over j >= i of g_j e^(x_i - out_j); with g split into its positive and negative parts, each sum
    is e^(x_i + a reversed running log-add-exp of log|g_j| - out_j), which stays finite.
    """

    @staticmethod
    def forward(ctx, x, axis):
        out = np.logaddexp.accumulate(x, axis=axis)
        ctx.save_for_backward(x, out)
        ctx.axis = axis
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        axis = ctx.axis

        def reversed_running(values):  # log of sum over j >= i of e^values_j
            return np.flip(np.logaddexp.accumulate(np.flip(values, axis), axis=axis), axis)

        with np.errstate(divide="ignore", invalid="ignore"):
            positive = np.exp(x + reversed_running(np.log(np.maximum(grad, 0)) - out))
            negative = np.exp(x + reversed_running(np.log(np.maximum(-grad, 0)) - out))
        return np.nan_to_num(positive - negative, nan=0.0)


def logcumsumexp(input, dim):
    """log of the running sum of e^x along ``dim``, computed without overflow."""
    x = float_input(input)
    axis = checks.dim(dim, x.ndim, "logcumsumexp")
    if x.ndim == 0:
        return x.clone()
    return LogCumSumExp.apply(x, axis)


def deg2rad(input):
    """Degrees to radians: x pi / 180."""
    return elementwise.mul(float_input(input), math.pi / 180)


def rad2deg(input):
    """Radians to degrees: x 180 / pi."""
    return elementwise.mul(float_input(input), 180 / math.pi)
