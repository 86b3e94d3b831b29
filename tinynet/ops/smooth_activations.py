"""Activations of newer networks: GELU, Mish, SELU, LogSigmoid (smooth), and maxout, each with its derivative.

    gelu(x)       = x Phi(x), Phi the standard normal CDF (transformers, ConvNeXt);
                    approximate='tanh': x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) / 2
    mish(x)       = x tanh(softplus(x))
    selu(x)       = scale * elu(x, alpha), constants that keep activations at mean 0, variance 1
    logsigmoid(x) = log(1 / (1 + e^-x)) = -softplus(-x)
    maxout(x)     = the largest of each group of `pieces` consecutive entries (Goodfellow et al., 2013)
"""

import math

import numpy as np

from tinynet import checks
from tinynet.autograd.function import Function
from tinynet.ops.activations import elu, floating, maybe_inplace, stable_sigmoid
from tinynet.ops.elementwise import mul
from tinynet.ops.operands import as_tensor, quiet_at_domain_edges
from tinynet.ops.reduce import amax
from tinynet.ops.shape import reshape
from tinynet.ops.special import normal_cdf

__all__ = ["gelu", "mish", "selu", "logsigmoid", "maxout"]

GELU_APPROXIMATIONS = ("none", "tanh")
_SQRT_2_OVER_PI = math.sqrt(2 / math.pi)
_CUBIC = 0.044715


class GELU(Function):
    """gelu(x) = x Phi(x).   d gelu/dx = Phi(x) + x phi(x), phi(x) = e^(-x^2/2) / sqrt(2 pi).

    With approximate='tanh', gelu(x) = x (1 + tanh u) / 2, u = sqrt(2/pi) (x + 0.044715 x^3), and
    d/dx = (1 + tanh u) / 2 + x (1 - tanh^2 u) sqrt(2/pi) (1 + 3 * 0.044715 x^2) / 2.
    """

    @staticmethod
    @quiet_at_domain_edges
    def forward(ctx, x, approximate="none"):
        ctx.approximate = approximate
        if approximate == "tanh":
            tanh_u = np.tanh(x.dtype.type(_SQRT_2_OVER_PI) * (x + x.dtype.type(_CUBIC) * x * x * x))
            ctx.save_for_backward(x, tanh_u)
            return x * (1 + tanh_u) / 2
        cdf = normal_cdf(x)
        ctx.save_for_backward(x, cdf)
        return x * cdf

    @staticmethod
    @quiet_at_domain_edges
    def backward(ctx, grad):
        x, saved = ctx.saved_tensors
        one = x.dtype.type(1)
        if ctx.approximate == "tanh":
            tanh_u = saved
            du_dx = x.dtype.type(_SQRT_2_OVER_PI) * (one + x.dtype.type(3 * _CUBIC) * x * x)
            return grad * ((one + tanh_u) / 2 + x * (one - tanh_u * tanh_u) * du_dx / 2)
        density = np.exp(-x * x / 2) * x.dtype.type(1 / math.sqrt(2 * math.pi))
        return grad * (saved + x * density)


def gelu(input, approximate="none"):
    """Gaussian error linear unit x Phi(x); approximate='tanh' uses the tanh formula instead of Phi."""
    if approximate not in GELU_APPROXIMATIONS:
        raise RuntimeError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return GELU.apply(floating(input, "gelu"), approximate=approximate)


class Mish(Function):
    """mish(x) = x tanh(sp), sp = softplus(x) = ln(1 + e^x).   d mish/dx = tanh(sp) + x (1 - tanh^2(sp)) sigmoid(x)."""

    @staticmethod
    @quiet_at_domain_edges
    def forward(ctx, x):
        tanh_sp = np.tanh(np.logaddexp(0, x)).astype(x.dtype, copy=False)
        ctx.save_for_backward(x, tanh_sp)
        return x * tanh_sp

    @staticmethod
    @quiet_at_domain_edges
    def backward(ctx, grad):
        x, tanh_sp = ctx.saved_tensors
        return grad * (tanh_sp + x * (1 - tanh_sp * tanh_sp) * stable_sigmoid(x))


def mish(input, inplace=False):
    """input * tanh(softplus(input))."""
    return maybe_inplace(floating(input, "mish"), inplace, Mish.apply)


# SELU's constants (Klambauer et al., 2017): the fixed point of mean 0 and variance 1.
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _selu(input):
    return mul(elu(input, SELU_ALPHA), SELU_SCALE)


def selu(input, inplace=False):
    """scale * elu(input, alpha) with alpha = 1.6733, scale = 1.0507 (self-normalising networks).

    A composition of elu and a product, so its gradient, scale * elu'(x), follows from theirs.
    """
    return maybe_inplace(floating(input, "selu"), inplace, _selu)


class LogSigmoid(Function):
    """logsigmoid(x) = log sigmoid(x) = min(x, 0) - log(1 + e^-|x|) (no overflow).   d/dx = 1 - sigmoid(x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * stable_sigmoid(-x)


def logsigmoid(input):
    """log(sigmoid(input)), computed stably."""
    return LogSigmoid.apply(floating(input, "logsigmoid"))


def maxout(input, pieces, dim=-1):
    """Maxout: split dimension ``dim`` (size out * pieces) into ``out`` groups of ``pieces`` consecutive
    entries and keep each group's largest value, so that dimension shrinks to ``out``.

    Composed of a reshape and amax, so its derivative is amax's: 1 for the winning entry of each
    group, 0 for the others.  After a linear layer with out * pieces outputs this is Goodfellow et
    al.'s maxout unit, y_j = max_k (w_jk . x + b_jk) (see ``nn.Maxout``).  PyTorch has no maxout.
    """
    input = as_tensor(input)
    pieces = checks.positive_int(pieces, "pieces", "maxout")
    dim = checks.dim(dim, input.ndim, "maxout")
    size = input.shape[dim]
    if size % pieces:
        raise ValueError(f"maxout: dimension {dim} has size {size}, which is not a multiple of pieces={pieces}")
    grouped = reshape(input, (*input.shape[:dim], size // pieces, pieces, *input.shape[dim + 1:]))
    return amax(grouped, dim + 1)
