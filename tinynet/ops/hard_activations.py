"""Cheap activations of mobile nets and a few relatives, each a composition of existing ops (so each
derivative follows from theirs):

    hardsigmoid(x) = relu6(x + 3) / 6        0 below -3, 1 above 3, x/6 + 1/2 between; d = 1/6 between
    hardswish(x)   = x * relu6(x + 3) / 6    d = 0 below -3, 1 above 3, (2x + 3)/6 between
    softsign(x)    = x / (1 + |x|)           d = 1 / (1 + |x|)^2
    tanhshrink(x)  = x - tanh(x)             d = tanh(x)^2
    softmin(x)     = softmax(-x) along dim
    threshold(x)   = x where x > threshold, else value
"""

from tinynet import checks
from tinynet.ops.activations import floating, maybe_inplace, relu6, softmax, tanh
from tinynet.ops.elementwise import abs, add, div, mul, neg, sub, where

__all__ = []  # torch.nn.functional's only (nn/functional.py imports them)


def _hardsigmoid(input):
    return div(relu6(add(input, 3.0)), 6.0)


def _hardswish(input):
    return mul(input, _hardsigmoid(input))


def hardsigmoid(input, inplace=False):
    """relu6(input + 3) / 6: a piecewise-linear sigmoid."""
    return maybe_inplace(floating(input, "hardsigmoid"), inplace, _hardsigmoid)


def hardswish(input, inplace=False):
    """input * hardsigmoid(input): MobileNetV3's cheap swish."""
    return maybe_inplace(floating(input, "hardswish"), inplace, _hardswish)


def softsign(input):
    """input / (1 + |input|)."""
    input = floating(input, "softsign")
    return div(input, add(abs(input), 1.0))


def tanhshrink(input):
    """input - tanh(input)."""
    input = floating(input, "tanhshrink")
    return sub(input, tanh(input))


def softmin(input, dim=None):
    """softmax(-input) along ``dim``: weights that favour the smallest entries."""
    if dim is None:
        raise TypeError("softmin: give dim explicitly (PyTorch's implicit choice of dim is deprecated)")
    return softmax(neg(floating(input, "softmin")), dim)


def _threshold(input, threshold, value):
    return where(input._array > threshold, input, value)


def threshold(input, threshold, value, inplace=False):
    """input where input > threshold, else ``value`` (gradient 1 where kept, 0 elsewhere)."""
    threshold = checks.real_number(threshold, "threshold", "threshold")
    value = checks.real_number(value, "value", "threshold")
    return maybe_inplace(floating(input, "threshold"), inplace, _threshold, threshold=threshold, value=value)
