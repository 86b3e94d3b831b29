"""Cheap activations of mobile networks and their relatives: hardsigmoid, hardswish, softsign, tanhshrink, celu,
softmin, threshold.

    hardsigmoid(x) = relu6(x + 3) / 6          d/dx = 1/6 for -3 < x < 3, else 0
    hardswish(x)   = x relu6(x + 3) / 6        d/dx = 0 for x <= -3, x/3 + 1/2 for -3 < x < 3, 1 from 3 on
                                               (PyTorch's one-sided choices at the kinks, kept here)
    softsign(x)    = x / (1 + |x|)             (a composition: its derivative 1 / (1 + |x|)^2 follows)
    tanhshrink(x)  = x - tanh(x)               (a composition: its derivative tanh(x)^2 follows)
    celu(x, a)     = x for x > 0, a (e^(x/a) - 1) otherwise  = a elu(x / a)   (a composition)
    softmin(x)     = softmax(-x)               (a composition)
    threshold(x)   = x where x > threshold, else value       (a composition: where)
"""

import numpy as np

from tinynet import checks
from tinynet.autograd.function import Function
from tinynet.ops import elementwise
from tinynet.ops.activations import elu, floating, maybe_inplace, softmax, tanh
from tinynet.ops.operands import as_tensor, quiet_at_domain_edges

__all__ = ["hardsigmoid", "hardswish", "softsign", "tanhshrink", "celu", "softmin", "threshold"]


class Hardsigmoid(Function):
    """relu6(x + 3) / 6.   d/dx = 1/6 for -3 < x < 3, else 0."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return (np.clip(x + 3, 0, 6) / 6).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * ((x > -3) & (x < 3)) / 6


def hardsigmoid(input, inplace=False):
    """A piecewise-linear sigmoid: 0 below -3, 1 above 3, x/6 + 1/2 between."""
    return maybe_inplace(floating(input, "hardsigmoid"), inplace, Hardsigmoid.apply)


class Hardswish(Function):
    """x relu6(x + 3) / 6.   d/dx = 0 for x <= -3, x/3 + 1/2 for -3 < x < 3, 1 for x >= 3."""

    @staticmethod
    @quiet_at_domain_edges
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return (x * np.clip(x + 3, 0, 6) / 6).astype(x.dtype, copy=False)

    @staticmethod
    @quiet_at_domain_edges
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        slope = np.where(x <= -3, 0, np.where(x < 3, x / 3 + 0.5, 1))
        return (grad * slope).astype(grad.dtype, copy=False)


def hardswish(input, inplace=False):
    """x times hardsigmoid(x): 0 below -3, x above 3 (MobileNetV3's swish without the exponential)."""
    return maybe_inplace(floating(input, "hardswish"), inplace, Hardswish.apply)


def softsign(input):
    """x / (1 + |x|): a sigmoid-shaped curve in (-1, 1) that approaches its bounds slowly."""
    input = floating(input, "softsign")
    return elementwise.div(input, elementwise.add(elementwise.abs(input), 1))


def tanhshrink(input):
    """input - tanh(input): near 0 for small inputs, input minus one sign far out."""
    input = floating(input, "tanhshrink")
    return elementwise.sub(input, tanh(input))


def celu(input, alpha=1.0, inplace=False):
    """x for x > 0, alpha (e^(x/alpha) - 1) otherwise: a elu(x / a), differentiable at 0 for every alpha."""
    alpha = checks.real_number(alpha, "alpha", "celu")
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: celu's alpha must not be 0")
    if inplace:
        return maybe_inplace(input, True, celu, alpha=alpha)
    return elementwise.mul(elu(elementwise.div(floating(input, "celu"), alpha)), alpha)


def softmin(input, dim=None):
    """softmax(-input) along dim: the smallest entries get the most weight."""
    return softmax(elementwise.neg(floating(input, "softmin")), dim)


def threshold(input, threshold, value, inplace=False):
    """value where input <= threshold, else input (a NaN, not <= anything, stays NaN, as in PyTorch)."""
    threshold = checks.real_number(threshold, "threshold", "threshold")
    if inplace:
        return maybe_inplace(input, True, _threshold, threshold=threshold, value=value)
    return _threshold(input, threshold, value)


def _threshold(input, threshold, value):
    return elementwise.where(as_tensor(input)._array <= threshold, value, input)
